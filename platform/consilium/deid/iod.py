"""What the IOD requires of an attribute (Type 1, 2 or 3), to resolve compound profile codes.

This is not a full IOD table: it names the attributes with a compound code in Table E.1-1 (or a
code that depends on conformance) whose type is 1 or 2 in the IODs the platform receives, and
treats every other attribute as Type 3 (optional), which resolves to the most conservative code.
An attribute's type can depend on the IOD (SOP class) and on the sequence it sits in, so both are
taken into account.
"""

from __future__ import annotations

from .profile import IodType

__all__ = ["attribute_type"]

# Composite IOD modules most instances carry (Patient, General Study, General Series, General
# Equipment, General Image, Contrast/Bolus, Presentation State Identification, ...).
_TOP_LEVEL: dict[str, IodType] = {
    "SOPClassUID": 1,
    "SOPInstanceUID": 1,
    "StudyInstanceUID": 1,
    "SeriesInstanceUID": 1,
    "FrameOfReferenceUID": 1,
    "SynchronizationFrameOfReferenceUID": 1,
    "Modality": 1,
    "PatientName": 2,
    "PatientID": 2,
    "PatientBirthDate": 2,
    "PatientSex": 2,
    "StudyDate": 2,
    "StudyTime": 2,
    "ReferringPhysicianName": 2,
    "StudyID": 2,
    "AccessionNumber": 2,
    "SeriesNumber": 2,
    "InstanceNumber": 2,
    "Manufacturer": 2,
    "PatientOrientation": 2,
    "ContentDate": 2,
    "ContentTime": 2,
    "ContrastBolusAgent": 2,
    "ContentCreatorName": 2,
    "AcquisitionContextSequence": 2,
}

_SR_PREFIX = "1.2.840.10008.5.1.4.1.1.88."
_SR_TYPES: dict[str, IodType] = {"ContentDate": 1, "ContentTime": 1}

# Multi-frame "enhanced" IODs: Enhanced General Equipment and the Enhanced * Image modules.
_ENHANCED_SOP_CLASSES = frozenset(
    {
        "1.2.840.10008.5.1.4.1.1.2.1",  # Enhanced CT
        "1.2.840.10008.5.1.4.1.1.2.2",  # Legacy Converted Enhanced CT
        "1.2.840.10008.5.1.4.1.1.4.1",  # Enhanced MR
        "1.2.840.10008.5.1.4.1.1.4.3",  # Enhanced MR Color
        "1.2.840.10008.5.1.4.1.1.4.4",  # Legacy Converted Enhanced MR
        "1.2.840.10008.5.1.4.1.1.12.1.1",  # Enhanced XA
        "1.2.840.10008.5.1.4.1.1.12.2.1",  # Enhanced XRF
        "1.2.840.10008.5.1.4.1.1.13.1.3",  # Breast Tomosynthesis
        "1.2.840.10008.5.1.4.1.1.128.1",  # Legacy Converted Enhanced PET
        "1.2.840.10008.5.1.4.1.1.130",  # Enhanced PET
        "1.2.840.10008.5.1.4.1.1.6.2",  # Enhanced US Volume
    }
)
_ENHANCED_TYPES: dict[str, IodType] = {
    "ContentDate": 1,
    "ContentTime": 1,
    "AcquisitionDateTime": 1,
    "Manufacturer": 1,
    "ManufacturerModelName": 1,
    "DeviceSerialNumber": 1,
    "SoftwareVersions": 1,
}

_RT_PLAN_SOP_CLASSES = frozenset(
    {
        "1.2.840.10008.5.1.4.1.1.481.5",  # RT Plan
        "1.2.840.10008.5.1.4.1.1.481.8",  # RT Ion Plan
    }
)
_RT_PLAN_TYPES: dict[str, IodType] = {"RTPlanDate": 2, "RTPlanTime": 2}

# (enclosing sequence, attribute) pairs whose type differs from the top level.
_NESTED: dict[tuple[str, str], IodType] = {
    ("ReferencedSeriesSequence", "ReferencedImageSequence"): 1,
    ("ReferencedSeriesSequence", "SeriesInstanceUID"): 1,
    ("DerivationImageSequence", "SourceImageSequence"): 2,
    ("SourceImageSequence", "ReferencedSOPInstanceUID"): 1,
    ("ReferencedImageSequence", "ReferencedSOPInstanceUID"): 1,
}


def attribute_type(keyword: str, *, parent: str | None, sop_class_uid: str) -> IodType:
    """The attribute's type in this instance's IOD, where the platform knows it; else 3."""
    if parent is not None:
        nested = _NESTED.get((parent, keyword))
        if nested is not None:
            return nested
        if keyword.endswith("UID") and keyword in _TOP_LEVEL:
            return _TOP_LEVEL[keyword]
        return 3
    if sop_class_uid.startswith(_SR_PREFIX) and keyword in _SR_TYPES:
        return _SR_TYPES[keyword]
    if sop_class_uid in _ENHANCED_SOP_CLASSES and keyword in _ENHANCED_TYPES:
        return _ENHANCED_TYPES[keyword]
    if sop_class_uid in _RT_PLAN_SOP_CLASSES and keyword in _RT_PLAN_TYPES:
        return _RT_PLAN_TYPES[keyword]
    return _TOP_LEVEL.get(keyword, 3)
