"""The platform's handle on `consilium.deid`: one de-identifier per process, keyed by settings."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from consilium.deid import DeidPolicy, DicomDeidentifier, note_deidentify, uid_remap

__all__ = [
    "deid_policy",
    "deid_secret",
    "dicom_deidentifier",
    "note_deidentify",
    "study_uid_remap",
]


def deid_secret() -> bytes:
    return settings.DEID_SECRET.encode()


def deid_policy() -> DeidPolicy:
    """The profile options in force, from the ``DEID_*`` settings."""
    return DeidPolicy(
        retain_longitudinal_dates=settings.DEID_RETAIN_LONGITUDINAL_DATES,
        retain_patient_characteristics=settings.DEID_RETAIN_PATIENT_CHARACTERISTICS,
        clean_descriptors=settings.DEID_CLEAN_DESCRIPTORS,
        clean_structured_content=settings.DEID_CLEAN_STRUCTURED_CONTENT,
        clean_graphics=settings.DEID_CLEAN_GRAPHICS,
        retain_safe_private=settings.DEID_RETAIN_SAFE_PRIVATE,
        trust_burned_in_no=frozenset(m.upper() for m in settings.DEID_TRUST_BURNED_IN_NO),
    )


@lru_cache(maxsize=1)
def dicom_deidentifier() -> DicomDeidentifier:
    return DicomDeidentifier(secret=deid_secret(), policy=deid_policy())


def study_uid_remap(sent_uid: str) -> str:
    """The de-identified StudyInstanceUID for the UID a hospital sent (the same in every process)."""
    return uid_remap(sent_uid.strip(), secret=deid_secret())
