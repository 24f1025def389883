"""Writing synthetic radiographs as real DICOM files (synthetic, not clinical data).

Digital X-Ray Image Storage (For Presentation), MONOCHROME2, 16 bits allocated / 12 stored,
explicit VR little endian. The headers carry realistic-looking fake identifiers (patient name,
ID, birth date, accession number, physicians, institution) so that the platform's de-identifier
has something to strip; ImageComments and SeriesDescription say the data is synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

from ml import SYNTHETIC_LABEL, __version__
from ml.synthetic.notes import NoteIdentity

DX_FOR_PRESENTATION = UID("1.2.840.10008.5.1.4.1.1.1.1")
_BITS_STORED = 12


@dataclass(frozen=True)
class StudyHeader:
    """Identifiers and acquisition facts of one synthetic study."""

    study_id: str
    seed: int
    who: NoteIdentity
    female: bool
    age: int
    accession_number: str
    study_time: str  # HHMMSS
    pixel_spacing_mm: float


def _uid(header: StudyHeader, kind: str) -> UID:
    # same seed and study → same UIDs, so a generated set is reproducible file for file
    sources = ["consilium-synthetic", str(header.seed), header.study_id, kind]
    return UID(generate_uid(entropy_srcs=sources))


def write_radiograph(path: Path, image: np.ndarray, header: StudyHeader) -> None:
    """Write ``image`` (H, W) float in [0, 1] as a 12-bit MONOCHROME2 DX instance at ``path``."""
    pixels = np.round(np.clip(image, 0.0, 1.0) * (2**_BITS_STORED - 1)).astype(np.uint16)
    rows, columns = pixels.shape
    sop_instance_uid = _uid(header, "instance")

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DX_FOR_PRESENTATION
    meta.MediaStorageSOPInstanceUID = sop_instance_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationVersionName = f"CONSILIUM_{__version__}"[:16]

    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.SOPClassUID = DX_FOR_PRESENTATION
    ds.SOPInstanceUID = sop_instance_uid
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = header.who.study_date
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = header.study_time
    ds.AccessionNumber = header.accession_number
    ds.Modality = "DX"
    ds.PresentationIntentType = "FOR PRESENTATION"
    ds.Manufacturer = "Consilium synthetic generator"
    ds.InstitutionName = "Synthetic General Hospital"
    ds.InstitutionAddress = "1 Example Road, Springfield"
    ds.ReferringPhysicianName = f"{header.who.physician}^Alex"
    ds.StationName = "DXROOM2"
    ds.StudyDescription = "CHEST PA (SYNTHETIC)"
    ds.SeriesDescription = "PA - synthetic, not clinical data"
    ds.OperatorsName = "Tech^Sam"
    ds.PatientName = f"{header.who.family_name}^{header.who.given_name}"
    ds.PatientID = header.who.patient_id
    ds.PatientBirthDate = header.who.birth_date
    ds.PatientSex = "F" if header.female else "M"
    ds.PatientAge = f"{header.age:03d}Y"
    ds.PatientIdentityRemoved = "NO"
    ds.BodyPartExamined = "CHEST"
    ds.ViewPosition = "PA"
    ds.PatientOrientation = ["L", "F"]
    ds.StudyInstanceUID = _uid(header, "study")
    ds.SeriesInstanceUID = _uid(header, "series")
    ds.StudyID = header.study_id[-16:]
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.ImageComments = f"Synthetic image, {SYNTHETIC_LABEL}."
    ds.BurnedInAnnotation = "NO"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = rows
    ds.Columns = columns
    ds.PixelSpacing = ds.ImagerPixelSpacing = [
        f"{header.pixel_spacing_mm:.3f}",
        f"{header.pixel_spacing_mm:.3f}",
    ]
    ds.BitsAllocated = 16
    ds.BitsStored = _BITS_STORED
    ds.HighBit = _BITS_STORED - 1
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = 0
    ds.RescaleSlope = 1
    ds.RescaleType = "US"
    ds.WindowCenter = 2 ** (_BITS_STORED - 1)
    ds.WindowWidth = 2**_BITS_STORED
    ds.PixelData = pixels.tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
