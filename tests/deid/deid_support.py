"""A corpus of real DICOM test files with identifiers planted at every depth.

Each `PlantedInstance` is one of pydicom's own test files (and, where the pydicom-data package
has them locally, a few of its larger ones) with distinctive identifying values written into the
patient, study, equipment and free-text attributes, into nested sequences three levels deep,
into private blocks, UN elements, overlays, curves, an icon image and the file meta. `needles`
lists every string that must not appear, byte for byte, in a de-identified file.
"""

from __future__ import annotations

import copy
import importlib.util
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
import pydicom.uid
from pydicom import Dataset
from pydicom.dataelem import DataElement
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence

from consilium.deid.dicom_walk import is_well_known_uid
from consilium.deid.profile import profile_entry
from consilium.deid.values import DUMMY_TEXT

TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"
CHARSET_FILES = Path(pydicom.__file__).parent / "data" / "charset_files"

# Only files that are on disk: pydicom would try to download a missing one.
BASE_FILES = (
    "CT_small.dcm",
    "MR_small.dcm",
    "MR_small_bigendian.dcm",
    "MR_small_implicit.dcm",
    "rtplan.dcm",
    "rtstruct.dcm",
    "rtdose.dcm",
    "test-SR.dcm",
    "examples_overlay.dcm",
    "waveform_ecg.dcm",
    "MR_small_RLE.dcm",
    "MR_small_jp2klossless.dcm",
    "nested_priv_SQ.dcm",
    "UN_sequence.dcm",
)
DATA_STORE_FILES = ("MR-SIEMENS-DICOM-WithOverlays.dcm", "emri_small.dcm", "explicit_VR-UN.dcm")


def data_store_dir() -> Path | None:
    """The pydicom-data package's files, where it is installed (they are then local)."""
    spec = importlib.util.find_spec("data_store")
    if spec is None or spec.origin is None:
        return None
    store = Path(spec.origin).parent / "data"
    return store if store.is_dir() else None


def base_paths() -> list[Path]:
    paths = [TEST_FILES / name for name in BASE_FILES]
    store = data_store_dir()
    if store is not None:
        paths += [store / name for name in DATA_STORE_FILES if (store / name).exists()]
    paths.append(CHARSET_FILES / "chrX1.dcm")
    return [path for path in paths if path.exists()]


def shipped_files() -> list[Path]:
    """Every file pydicom ships in test_files and charset_files, and every pydicom-data file.

    Only what is on disk: a test file pydicom would have to download is not listed.
    """
    roots = [TEST_FILES, CHARSET_FILES]
    store = data_store_dir()
    if store is not None:
        roots.append(store)
    return sorted(path for root in roots for path in root.rglob("*") if path.is_file())


def read_shipped(path: Path) -> Dataset | None:
    """The dataset in `path`, or None when pydicom cannot read it as DICOM.

    Files without a preamble need ``force``; but forced, pydicom makes "elements" of any bytes
    (a README, a JSON file), so a forced read counts only if it found a group 0008 attribute.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pydicom.dcmread(path)
        except InvalidDicomError:
            pass
        except Exception:  # truncated or malformed beyond what pydicom reads
            return None
        try:
            dataset = pydicom.dcmread(path, force=True)
        except Exception:
            return None
    return dataset if any(tag.group == 0x0008 for tag in list(dataset.keys())) else None


# Distinctive values, so that finding one in the output can only mean it leaked.
PATIENT_NAME = "Quaxworth^Zebulon^Ignatius"
PATIENT_ID = "PID-88431907"
PLANTED_TEXT = {
    "OtherPatientIDs": "OPID-55120X",
    "PatientAddress": "77 Vexley Crescent Ottercombe",
    "PatientTelephoneNumbers": "+1-555-867-5309",
    "AccessionNumber": "ACCN7741902",
    "InstitutionName": "Ottercombe Royal Infirmary",
    "InstitutionAddress": "1 Infirmary Way Ottercombe",
    "InstitutionalDepartmentName": "Pumpkinfield Ward",
    "ReferringPhysicianName": "Drummle^Bentley",
    "PerformingPhysicianName": "Jaggers^Mortimer",
    "OperatorsName": "Pumblechook^Uncle",
    "NameOfPhysiciansReadingStudy": "Wopsle^Clerical",
    "StationName": "STN-OTTER9",
    "DeviceSerialNumber": "SN-99812-XQ",
    "StudyDescription": "CT for Quaxworth Zebulon",
    "SeriesDescription": "Series of Wemmickshire",
    "ImageComments": "Comment by Trabbsworth",
    "PatientComments": "Lives with Estella Havisham",
    "StudyID": "STUDY4471Q",
    "MilitaryRank": "Colonel Gargery",
    "PatientMotherBirthName": "Pocketbrook^Matilda",
    "AdditionalPatientHistory": "Brother Joe Gargleworth visits",
    "RequestingPhysician": "Skiffins^Clara",
    "ProtocolName": "Protocol Orlickton",
}
PLANTED_DATES = {
    "PatientBirthDate": "19410307",
    "StudyDate": "19950612",
    "SeriesDate": "19970923",
    "AcquisitionDate": "19990118",
    "ContentDate": "20010430",
    "DateOfSecondaryCapture": "20030811",
}
PLANTED_UIDS = {
    "StudyInstanceUID": "1.2.826.0.1.3680043.2.1125.7771.1",
    "SeriesInstanceUID": "1.2.826.0.1.3680043.2.1125.7771.2",
    "SOPInstanceUID": "1.2.826.0.1.3680043.2.1125.7771.3",
    "FrameOfReferenceUID": "1.2.826.0.1.3680043.2.1125.7771.4",
}
REFERENCED_SERIES_UID = "1.2.826.0.1.3680043.2.1125.7771.5"
REFERENCED_SOP_UID = "1.2.826.0.1.3680043.2.1125.7771.6"
NESTED_UID = "1.2.826.0.1.3680043.2.1125.7771.7"
DEEP_NAME = "Provisworth^Compeyson"
DEEP_TEXT = "Narrative mentions Magwitchley"
DEEP_DATETIME = "19870203101500"
DEPTH2_NAME = "Orlickham^Dolge"
PRIVATE_TEXT = "PRIVATE-Trabbington"
PRIVATE_NESTED_TEXT = "PRIV-NESTED-Biddyford"
PRIVATE_SEQUENCE_NAME = "Privseqson^Herbert"
UN_STANDARD_TEXT = "UN-ADDR-Barnardinn"
UN_UNKNOWN_TEXT = "UN-UNKNOWN-Startop"
OVERLAY_BYTES = b"OVERLAY-Pirripworth"
OVERLAY_COMMENT = "OVL-Comment Pocketham"
OVERLAY_DESCRIPTION = "OVLDESC-Havishamley"
CURVE_LABEL = "CURVE-Jaggersley"
ICON_BYTES = b"ICON-Pipworth-pixels"
SOURCE_AE = "PACS-OTTERC"
UNICODE_NAME = "Ŝtefanović^Ĵuraŝek"


@dataclass
class PlantedInstance:
    name: str
    dataset: Dataset
    needles: list[bytes] = field(default_factory=list)


# Words of the planted values that may appear in a clean file for innocent reasons.
_GENERIC = {
    "Comment",
    "Series",
    "Protocol",
    "Narrative",
    "mentions",
    "Brother",
    "Colonel",
    "Issuer",
    "Infirmary",
    "Crescent",
    "Clerical",
    "visits",
}


def _text_needles(value: str) -> list[bytes]:
    parts = [value, *value.replace("^", " ").split()]
    return [part.encode("utf-8") for part in parts if len(part) >= 6 and part not in _GENERIC]


def _content_item(depth: int) -> Dataset:
    item = Dataset()
    item.RelationshipType = "CONTAINS"
    item.ValueType = "CONTAINER" if depth < 3 else "TEXT"
    if depth == 1:
        item.PersonName = DEPTH2_NAME
    if depth == 3:
        item.TextValue = DEEP_TEXT
        item.PersonName = DEEP_NAME
        item.DateTime = DEEP_DATETIME
        item.UID = NESTED_UID
        private_creator = DataElement(0x00130010, "LO", "ACME NESTED")
        item.add(private_creator)
        item.add(DataElement(0x00131010, "LO", PRIVATE_NESTED_TEXT))
    else:
        item.ContentSequence = Sequence([_content_item(depth + 1)])
    return item


def plant(path: Path) -> PlantedInstance:
    """The file at `path` with identifiers planted everywhere; see the module docstring."""
    dataset = pydicom.dcmread(path, force=True)
    needles: list[bytes] = []
    utf8 = "ISO_IR 192" in str(dataset.get("SpecificCharacterSet", ""))

    dataset.PatientName = UNICODE_NAME if utf8 else PATIENT_NAME
    needles += _text_needles(UNICODE_NAME if utf8 else PATIENT_NAME)
    dataset.PatientID = PATIENT_ID
    needles += _text_needles(PATIENT_ID)
    for keyword, value in PLANTED_TEXT.items():
        setattr(dataset, keyword, value)
        needles += _text_needles(value)
    for keyword, value in PLANTED_DATES.items():
        setattr(dataset, keyword, value)
        needles.append(value.encode())
    dataset.PatientAge = "095Y"
    for keyword, value in PLANTED_UIDS.items():
        setattr(dataset, keyword, value)
        needles.append(value.encode())

    other = Dataset()
    other.PatientID = "OPIDSEQ-0099X"
    other.IssuerOfPatientID = "Issuer Ottercombe"
    dataset.OtherPatientIDsSequence = Sequence([other])
    needles += [b"OPIDSEQ-0099X", b"Issuer Ottercombe"]

    request = Dataset()
    request.RequestedProcedureID = "RPID-334155"
    request.ScheduledProcedureStepID = "SPSID-99017"
    dataset.RequestAttributesSequence = Sequence([request])
    needles += [b"RPID-334155", b"SPSID-99017"]

    image = Dataset()
    image.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    image.ReferencedSOPInstanceUID = REFERENCED_SOP_UID
    series = Dataset()
    series.SeriesInstanceUID = REFERENCED_SERIES_UID
    series.ReferencedImageSequence = Sequence([image])
    dataset.ReferencedSeriesSequence = Sequence([series])
    needles += [REFERENCED_SERIES_UID.encode(), REFERENCED_SOP_UID.encode()]

    dataset.ContentSequence = Sequence([_content_item(1)])
    needles += _text_needles(DEPTH2_NAME) + _text_needles(DEEP_NAME) + _text_needles(DEEP_TEXT)
    needles += [DEEP_DATETIME.encode(), NESTED_UID.encode(), PRIVATE_NESTED_TEXT.encode()]

    dataset.add(DataElement(0x00110010, "LO", "ACME PHI"))
    dataset.add(DataElement(0x00111001, "LO", PRIVATE_TEXT))
    private_item = Dataset()
    private_item.PatientName = PRIVATE_SEQUENCE_NAME
    dataset.add(DataElement(0x00111002, "SQ", Sequence([private_item])))
    needles += [PRIVATE_TEXT.encode(), *_text_needles(PRIVATE_SEQUENCE_NAME)]

    dataset.add(DataElement(0x00101081, "UN", UN_STANDARD_TEXT.encode()))  # Branch of Service
    dataset.add(DataElement(0x0018FFF0, "UN", UN_UNKNOWN_TEXT.encode()))  # no such attribute
    needles += [UN_STANDARD_TEXT.encode(), UN_UNKNOWN_TEXT.encode()]

    dataset.add(DataElement(0x60023000, "OW", OVERLAY_BYTES + b"\x00"))
    dataset.add(DataElement(0x60024000, "LT", OVERLAY_COMMENT))
    dataset.add(DataElement(0x60020022, "LO", OVERLAY_DESCRIPTION))
    dataset.add(DataElement(0x50002500, "LO", CURVE_LABEL))
    needles += [OVERLAY_BYTES, OVERLAY_COMMENT.encode(), OVERLAY_DESCRIPTION.encode()]
    needles.append(CURVE_LABEL.encode())

    icon = Dataset()
    icon.Rows, icon.Columns = 1, len(ICON_BYTES)
    icon.BitsAllocated, icon.BitsStored, icon.HighBit = 8, 8, 7
    icon.SamplesPerPixel, icon.PixelRepresentation = 1, 0
    icon.PhotometricInterpretation = "MONOCHROME2"
    icon.add(DataElement(0x7FE00010, "OB", ICON_BYTES))
    dataset.IconImageSequence = Sequence([icon])
    needles.append(ICON_BYTES)

    if "SOPClassUID" not in dataset or utf8:
        dataset.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"  # CT Image Storage
        dataset.Modality = "CT"
    meta = dataset.file_meta
    if "TransferSyntaxUID" not in meta:
        implicit, _ = dataset.original_encoding
        meta.TransferSyntaxUID = (
            pydicom.uid.ImplicitVRLittleEndian if implicit else pydicom.uid.ExplicitVRLittleEndian
        )
    meta.SourceApplicationEntityTitle = SOURCE_AE
    meta.MediaStorageSOPInstanceUID = PLANTED_UIDS["SOPInstanceUID"]
    if "MediaStorageSOPClassUID" not in meta and "SOPClassUID" in dataset:
        meta.MediaStorageSOPClassUID = dataset.SOPClassUID
    needles.append(SOURCE_AE.encode())
    return PlantedInstance(path.name, dataset, sorted(set(needles)))


def planted_corpus() -> list[PlantedInstance]:
    return [plant(path) for path in base_paths()]


def copy_dataset(dataset: Dataset) -> Dataset:
    return copy.deepcopy(dataset)


def to_bytes(dataset: Dataset) -> bytes:
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def from_bytes(data: bytes) -> Dataset:
    return pydicom.dcmread(io.BytesIO(data))


def elements(dataset: Dataset) -> Iterator[DataElement]:
    """Every element of `dataset` that is not a sequence, at every depth."""
    for element in dataset:
        if element.VR == "SQ":
            for item in element.value or []:
                yield from elements(item)
        else:
            yield element


def element_values(element: DataElement) -> list[str]:
    value = element.value
    values = list(value) if isinstance(value, list | tuple | MultiValue) else [value]
    # binary values (pixel data, OB) are not text: the byte search covers them
    return [
        str(item).strip("\x00 ")
        for item in values
        if item not in (None, "") and not isinstance(item, bytes)
    ]


def identifying_values(dataset: Dataset) -> list[tuple[str, str]]:
    """(keyword, value) of every instance UID, person-name part and full date in `dataset`.

    What a de-identified copy must not contain: UIDs that name an instance (not DICOM's own, not
    a class), name parts of four letters or more, and DA/DT values with a full date.
    """
    found = []
    meta = getattr(dataset, "file_meta", None) or Dataset()
    for element in [*elements(dataset), *elements(meta)]:
        for value in element_values(element):
            if element.VR == "UI":
                listed = profile_entry(int(element.tag)) is not None
                if is_well_known_uid(value, element.keyword, listed_in_profile=listed):
                    continue
                if pydicom.uid.PYDICOM_IMPLEMENTATION_UID.startswith(value) or len(value) < 8:
                    continue  # too short to find by search ("0"), and remapped like any other
                found.append((element.keyword, value))
            elif element.VR == "PN":
                parts = value.replace("^", " ").replace("=", " ").split()
                found += [
                    (element.keyword, part)
                    for part in parts
                    if len(part) >= 4 and part.upper() != DUMMY_TEXT
                ]
            elif element.VR in ("DA", "DT") and len(value) >= 8:
                found.append((element.keyword, value))
    return found


_WORDS = re.compile(rb"[A-Za-z0-9]+")
_NUMBERS = re.compile(rb"[0-9.+\-]+")


def surviving(
    found: list[tuple[str, str]], written: bytes, output: Dataset
) -> list[tuple[str, str]]:
    """The identifying values of the source that are in the written output, as bytes or text.

    Whole words (or whole UIDs and dates) only, so that a name part "text" is not found inside
    "Context". The pixel data is left out of the byte search: it is the source's, unchanged.
    """
    header = written
    pixels = output.get("PixelData")
    if isinstance(pixels, bytes) and len(pixels) > 64:
        header = written.replace(pixels, b"")
    tokens = set(_WORDS.findall(header)) | set(_NUMBERS.findall(header))
    text = "\n".join(value for element in elements(output) for value in element_values(element))
    text_tokens = set(re.findall(r"\w+", text)) | set(re.findall(r"[0-9.+\-]+", text))

    def present(value: str) -> bool:
        if value in text_tokens or value.encode("utf-8", errors="ignore") in tokens:
            return True
        if re.fullmatch(r"\w+|[0-9.+\-]+", value):
            return False  # a single token: the sets above are the whole answer
        word = re.escape(value)
        return bool(re.search(rf"(?<!\w){word}(?!\w)", text)) or value.encode() in header

    return [(keyword, value) for keyword, value in found if present(value)]
