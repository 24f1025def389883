"""The platform's handle on `consilium.deid`: one de-identifier per process, keyed by settings."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from consilium.deid import DeidPolicy, DicomDeidentifier, note_deidentify, uid_remap

__all__ = ["deid_secret", "dicom_deidentifier", "note_deidentify", "study_uid_remap"]


def deid_secret() -> bytes:
    return settings.DEID_SECRET.encode()


@lru_cache(maxsize=1)
def dicom_deidentifier() -> DicomDeidentifier:
    return DicomDeidentifier(secret=deid_secret(), policy=DeidPolicy())


def study_uid_remap(sent_uid: str) -> str:
    """The de-identified StudyInstanceUID for the UID a hospital sent (the same in every process)."""
    return uid_remap(sent_uid.strip(), secret=deid_secret())
