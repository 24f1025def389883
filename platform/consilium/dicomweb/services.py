"""STOW-RS: request limits and storing the parts of a request (optionally into a named study)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

import pydicom
from django.conf import settings
from django.http import HttpRequest

from consilium.accounts.models import Site
from consilium.audit.services import Actor
from consilium.imaging.selectors import uid_candidates
from consilium.imaging.services import InstanceOutcome, instance_ingest

# FailureReason for an instance of another study than the one the URL names (PS3.18 10.5.3).
STUDY_MISMATCH = 0xA900


class StowRequestError(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class StowLimits:
    max_request_bytes: int

    @classmethod
    def from_settings(cls) -> StowLimits:
        return cls(max_request_bytes=settings.STOW_MAX_REQUEST_BYTES)

    def check(self, request: HttpRequest) -> None:
        length = request.headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) > self.max_request_bytes:
            raise StowRequestError(
                413,
                f"The request is {int(length)} bytes; this server accepts at most "
                f"{self.max_request_bytes} per STOW-RS request. Send the study in several requests.",
            )


def _sent_uids(source: BinaryIO) -> tuple[str, str, str] | None:
    """(study, SOP class, SOP instance) UIDs as sent, read from the header only; None if unreadable."""
    try:
        dataset = pydicom.dcmread(
            source,
            stop_before_pixels=True,
            specific_tags=["StudyInstanceUID", "SOPClassUID", "SOPInstanceUID"],
        )
    except Exception:
        return None  # instance_ingest reads it again and says why it cannot
    finally:
        source.seek(0)
    return tuple(
        str(dataset.get(keyword, "")).strip()
        for keyword in ("StudyInstanceUID", "SOPClassUID", "SOPInstanceUID")
    )  # type: ignore[return-value]


def stow_instance(
    *, site: Site, actor: Actor, source: BinaryIO, study_uid: str | None = None
) -> InstanceOutcome:
    """Store one part; with `study_uid` (as sent or de-identified), only an instance of that study."""
    if study_uid is not None:
        sent = _sent_uids(source)
        if sent is not None and sent[0] and study_uid not in uid_candidates(sent[0]):
            return InstanceOutcome(
                sent_sop_class_uid=sent[1] or None,
                sent_sop_instance_uid=sent[2] or None,
                failure_reason=STUDY_MISMATCH,
                failure_comment="The instance belongs to another study than the URL names.",
            )
    return instance_ingest(site=site, actor=actor, source=source)
