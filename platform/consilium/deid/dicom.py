"""De-identify one DICOM instance: PS3.15 Annex E Basic Application Level Confidentiality Profile.

`DicomDeidentifier(secret=..., policy=...).deidentify(dataset, site=...)` returns a new dataset
(the input is left as it was) or, for an instance whose pixels may show identifying text, no
dataset and the reason it is quarantined; a DICOMDIR is refused, with the reason. It never raises
for what a file holds: a value that cannot be decoded is handled by its attribute's action and
listed in `DicomDeidResult.unreadable`. What is done, and why, is in the modules it uses:

- `profile`: Table E.1-1 and how compound codes resolve; `iod`: the attribute types for that;
- `dicom_walk`: the walk over every element at every depth;
- `keys`: UIDs (``2.25.<int>`` from an HMAC), patient pseudonyms and date offsets;
- `temporal`: date shifting and age aggregation; `burned_in`: quarantine; `private`: safe private;
- `known_identifiers`: text kept under a Clean option loses the instance's own names and ids.

Profile options (recorded in DeidentificationMethodCodeSequence, CID 7050):

- always: 113100 Basic Application Confidentiality Profile;
- ``retain_longitudinal_dates`` (default on): 113107 Retain Longitudinal Temporal Information
  with Modified Dates: every date moves back by 1..365 days, one offset per (site, patient);
- ``clean_descriptors``: 113105 Clean Descriptors: descriptions and comments are cleaned by the
  note de-identifier instead of removed;
- ``clean_structured_content``: 113104 Clean Structured Content: the free text of SR content
  items (TextValue, ...) and of the Acquisition Context and Specimen Preparation Sequences is
  cleaned by the note de-identifier instead of replaced by a dummy; names, UIDs and dates in
  them are replaced, remapped and shifted as everywhere else;
- ``clean_graphics``: 113103 Clean Graphics: the text of presentation-state annotations (Text
  Object UnformattedTextValue in the Graphic Annotation Sequence) is cleaned by the note
  de-identifier. Without it the table's D applies: the annotations keep their place and
  graphics, their text becomes a dummy (removing the Type 1 text would break the item). Overlays
  and curves are removed whether or not the option is on: their bitmaps cannot be cleaned here;
- ``retain_safe_private``: 113111 Retain Safe Private: the attributes of PS3.15 Table
  E.3.10-1 that `private` can check (numbers, codes, short strings, UIDs, sequences);
- ``retain_patient_characteristics`` (default on): 113108 Retain Patient Characteristics: age
  (over 89 reported as 090Y), sex, size, weight and the like, which models need.
"""

from __future__ import annotations

from dataclasses import dataclass

import pydicom
from pydicom import Dataset
from pydicom.dataset import FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    UID,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

from .burned_in import quarantine_reason
from .dicom_walk import WalkSettings, clean_dataset
from .keys import (
    date_shift_days,
    normalise_uid,
    pseudonymous_patient_id,
    uid_remap,
)
from .known_identifiers import known_identifiers
from .notes import note_deidentify

__all__ = [
    "DeidPolicy",
    "DicomDeidResult",
    "DicomDeidentifier",
    "OriginalIdentifiers",
    "pseudonymous_patient_id",
    "uid_remap",
]

IMPLEMENTATION_VERSION_NAME = "CONSILIUM_DEID1"


@dataclass(frozen=True)
class DeidPolicy:
    """Which profile options are in force (see the module docstring)."""

    retain_longitudinal_dates: bool = True
    clean_descriptors: bool = False
    clean_structured_content: bool = False
    clean_graphics: bool = False
    retain_safe_private: bool = False
    # modalities whose BurnedInAnnotation=NO is trusted
    trust_burned_in_no: frozenset[str] = frozenset()
    retain_patient_characteristics: bool = True


@dataclass(frozen=True)
class OriginalIdentifiers:
    """Kept only so the platform can store HMAC lookups or encrypted originals."""

    patient_id: str
    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str


@dataclass(frozen=True)
class DicomDeidResult:
    dataset: pydicom.Dataset | None  # None when quarantined or refused
    quarantined: bool
    reason: str | None  # why quarantined or refused (no PHI in it)
    original: OriginalIdentifiers
    pseudonym: str  # pseudonymous PatientID
    refused: bool = False  # not an instance to de-identify (a DICOMDIR)
    # attributes whose value could not be decoded and what was done with each (no values)
    unreadable: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Option:
    flag: str
    table_key: str | None
    code: str
    meaning: str


_BASIC = ("113100", "Basic Application Confidentiality Profile")
_OPTIONS = (
    _Option(
        "retain_longitudinal_dates",
        "rtnLongModifDatesOpt",
        "113107",
        "Retain Longitudinal Temporal Information Modified Dates Option",
    ),
    _Option("clean_graphics", "cleanGraphOpt", "113103", "Clean Graphics Option"),
    _Option(
        "clean_structured_content",
        "cleanStructContOpt",
        "113104",
        "Clean Structured Content Option",
    ),
    _Option("clean_descriptors", "cleanDescOpt", "113105", "Clean Descriptors Option"),
    _Option(
        "retain_patient_characteristics",
        "rtnPatCharsOpt",
        "113108",
        "Retain Patient Characteristics Option",
    ),
    _Option("retain_safe_private", None, "113111", "Retain Safe Private Option"),
)


_MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"
_DIRECTORY_REFUSAL = (
    "a DICOMDIR indexes files and is not an instance (its records and file paths may name the "
    "patient): de-identify the instances it lists instead"
)


def _text(dataset: Dataset, keyword: str) -> str:
    try:
        value = dataset.get(keyword)
    except (ValueError, TypeError, KeyError):
        return ""  # undecodable; the walk deals with the attribute itself
    return "" if value is None else str(value).strip()


def _is_directory(dataset: Dataset) -> bool:
    meta = getattr(dataset, "file_meta", None)
    sop_class = _text(meta, "MediaStorageSOPClassUID") if meta is not None else ""
    return (
        normalise_uid(sop_class) == _MEDIA_STORAGE_DIRECTORY
        or normalise_uid(_text(dataset, "SOPClassUID")) == _MEDIA_STORAGE_DIRECTORY
        or "DirectoryRecordSequence" in dataset
    )


def _originals(dataset: Dataset) -> OriginalIdentifiers:
    return OriginalIdentifiers(
        patient_id=_text(dataset, "PatientID"),
        study_instance_uid=normalise_uid(_text(dataset, "StudyInstanceUID")),
        series_instance_uid=normalise_uid(_text(dataset, "SeriesInstanceUID")),
        sop_instance_uid=normalise_uid(_text(dataset, "SOPInstanceUID")),
    )


def _transfer_syntax(dataset: Dataset) -> UID:
    meta = getattr(dataset, "file_meta", None)
    if meta is not None and _text(meta, "TransferSyntaxUID"):
        return UID(normalise_uid(_text(meta, "TransferSyntaxUID")))
    implicit, little = dataset.original_encoding
    if implicit:
        return ImplicitVRLittleEndian
    return ExplicitVRBigEndian if little is False else ExplicitVRLittleEndian


class DicomDeidentifier:
    """Stateless between calls and thread-safe: build one per process, call `deidentify` often."""

    def __init__(self, *, secret: bytes, policy: DeidPolicy = DeidPolicy()) -> None:
        if not secret:
            raise ValueError("The de-identification secret is empty: configure one.")
        self._secret = bytes(secret)
        self.policy = policy

    def __repr__(self) -> str:
        return f"DicomDeidentifier(policy={self.policy!r})"

    @property
    def secret(self) -> bytes:
        return self._secret

    def _options(self) -> list[_Option]:
        return [option for option in _OPTIONS if getattr(self.policy, option.flag)]

    def _cleans_text(self) -> bool:
        policy = self.policy
        return policy.clean_descriptors or policy.clean_structured_content or policy.clean_graphics

    def deidentify(self, dataset: pydicom.Dataset, *, site: str) -> DicomDeidResult:
        """The de-identified copy of `dataset`, or no dataset and why it is quarantined or refused."""
        original = _originals(dataset)
        # An instance without a patient id is its own patient, not everyone's.
        patient_key = original.patient_id or f"study:{original.study_instance_uid}"
        pseudonym = pseudonymous_patient_id(patient_key, site=site, secret=self.secret)

        if _is_directory(dataset):
            return DicomDeidResult(
                None, False, _DIRECTORY_REFUSAL, original, pseudonym, refused=True
            )
        reason = quarantine_reason(dataset, trusted_no=self.policy.trust_burned_in_no)
        if reason is not None:
            return DicomDeidResult(None, True, reason, original, pseudonym)

        shift_days = (
            date_shift_days(patient_key, site=site, secret=self.secret)
            if self.policy.retain_longitudinal_dates
            else None
        )
        options = self._options()
        known = known_identifiers(dataset) if self._cleans_text() else None

        def clean_text(text: str) -> str:
            cleaned = note_deidentify(text, date_shift_days=shift_days).text
            return known.scrub(cleaned) if known is not None else cleaned

        settings = WalkSettings(
            secret=self.secret,
            site=site,
            sop_class_uid=normalise_uid(_text(dataset, "SOPClassUID")),
            shift_days=shift_days,
            option_keys=tuple(option.table_key for option in options if option.table_key),
            retain_safe_private=self.policy.retain_safe_private,
            clean_text=clean_text,
            pseudonym=pseudonym,
        )
        outcome = clean_dataset(dataset, settings)
        cleaned = outcome.dataset
        self._mark(cleaned, pseudonym=pseudonym, options=options)
        cleaned.file_meta = self._file_meta(dataset, cleaned)
        return DicomDeidResult(
            cleaned, False, None, original, pseudonym, unreadable=outcome.unreadable
        )

    def _mark(self, cleaned: Dataset, *, pseudonym: str, options: list[_Option]) -> None:
        cleaned.PatientID = pseudonym
        cleaned.PatientName = pseudonym
        cleaned.PatientIdentityRemoved = "YES"
        cleaned.DeidentificationMethod = [
            "Consilium deid: PS3.15 E.1 Basic Profile",
            *(option.meaning for option in options),
        ]
        codes = []
        for value, meaning in (_BASIC, *((option.code, option.meaning) for option in options)):
            code = Dataset()
            code.CodeValue = value
            code.CodingSchemeDesignator = "DCM"
            code.CodeMeaning = meaning
            codes.append(code)
        cleaned.DeidentificationMethodCodeSequence = Sequence(codes)
        cleaned.LongitudinalTemporalInformationModified = (
            "MODIFIED" if self.policy.retain_longitudinal_dates else "REMOVED"
        )

    def _file_meta(self, source: Dataset, cleaned: Dataset) -> FileMetaDataset:
        source_meta = getattr(source, "file_meta", None) or FileMetaDataset()
        meta = FileMetaDataset()
        meta.FileMetaInformationVersion = b"\x00\x01"
        sop_class = _text(cleaned, "SOPClassUID") or _text(source_meta, "MediaStorageSOPClassUID")
        if sop_class:
            meta.MediaStorageSOPClassUID = sop_class
        sop_instance = _text(cleaned, "SOPInstanceUID")
        if not sop_instance and _text(source_meta, "MediaStorageSOPInstanceUID"):
            sop_instance = uid_remap(
                _text(source_meta, "MediaStorageSOPInstanceUID"), secret=self.secret
            )
        if sop_instance:
            meta.MediaStorageSOPInstanceUID = sop_instance
        meta.TransferSyntaxUID = _transfer_syntax(source)
        meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
        meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
        return meta
