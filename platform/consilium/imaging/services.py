"""Ingestion: validate, de-identify, store. Only de-identified data is ever written."""

from __future__ import annotations

import hashlib
import io
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

import pydicom
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from pydicom.errors import InvalidDicomError

from consilium.accounts.models import Site
from consilium.audit.models import Action
from consilium.audit.services import Actor, audit_record
from consilium.imaging.deid import dicom_deidentifier, note_deidentify, study_uid_remap
from consilium.imaging.identifiers import identifier_links_record
from consilium.imaging.models import (
    ClinicalNote,
    IdentifierKind,
    Instance,
    Patient,
    Series,
    Study,
)

logger = logging.getLogger(__name__)


class FailureReason:
    """DICOM FailureReason (0008,1197) codes used in STOW-RS responses (PS3.4 / PS3.18)."""

    REFUSED_NOT_AUTHORIZED = 0x0124  # quarantined by de-identification policy
    PROCESSING_FAILURE = 0x0110
    CANNOT_UNDERSTAND = 0xC000
    SOP_CLASS_NOT_SUPPORTED = 0x0122


@dataclass(frozen=True)
class InstanceOutcome:
    """What happened to one part of an upload. The sent UIDs go back to the sender only."""

    sent_sop_class_uid: str | None
    sent_sop_instance_uid: str | None
    instance: Instance | None = None
    already_stored: bool = False
    failure_reason: int | None = None
    failure_comment: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.instance is not None


def _dicom_date(value: object) -> date | None:
    text = str(value or "").strip()
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _failure(dataset: pydicom.Dataset | None, reason: int, comment: str) -> InstanceOutcome:
    def sent(keyword: str) -> str | None:
        return str(dataset.get(keyword, "")) or None if dataset is not None else None

    return InstanceOutcome(
        sent_sop_class_uid=sent("SOPClassUID"),
        sent_sop_instance_uid=sent("SOPInstanceUID"),
        failure_reason=reason,
        failure_comment=comment,
    )


def instance_ingest(*, site: Site, actor: Actor, source: BinaryIO) -> InstanceOutcome:
    """Read one DICOM Part 10 stream, de-identify it and store it (idempotent per SOP instance)."""
    try:
        dataset = pydicom.dcmread(source)
    except (InvalidDicomError, EOFError, ValueError, TypeError, KeyError, OSError) as error:
        logger.info("STOW part rejected: unreadable DICOM (%s)", type(error).__name__)
        return _failure(None, FailureReason.CANNOT_UNDERSTAND, "Not a readable DICOM Part 10 file.")
    missing = [
        keyword
        for keyword in ("SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID")
        if not str(dataset.get(keyword, "")).strip()
    ]
    if missing:
        return _failure(
            dataset,
            FailureReason.CANNOT_UNDERSTAND,
            f"Missing required attribute(s): {', '.join(missing)}.",
        )

    try:
        result = dicom_deidentifier().deidentify(dataset, site=site.slug)
    except Exception as error:  # a malformed element must fail this instance, not the request
        logger.warning("De-identification failed (%s)", type(error).__name__)
        return _failure(
            dataset, FailureReason.CANNOT_UNDERSTAND, "The instance could not be de-identified."
        )
    if result.refused:
        return _failure(
            dataset,
            FailureReason.SOP_CLASS_NOT_SUPPORTED,
            f"Not an instance the platform stores: {result.reason}",
        )
    if result.quarantined or result.dataset is None:
        audit_record(
            site=site,
            actor=actor,
            action=Action.INSTANCE_QUARANTINED,
            details={"reason": result.reason or "", "modality": str(dataset.get("Modality", ""))},
        )
        return _failure(
            dataset,
            FailureReason.REFUSED_NOT_AUTHORIZED,
            f"Quarantined by de-identification policy: {result.reason}",
        )

    outcome = _store_deidentified(
        site=site, deidentified=result.dataset, pseudonym=result.pseudonym
    )
    if not outcome.already_stored:
        identifier_links_record(
            site=site,
            original=result.original,
            replacements={
                IdentifierKind.PATIENT_ID: result.pseudonym,
                IdentifierKind.STUDY_INSTANCE_UID: str(result.dataset.StudyInstanceUID),
                IdentifierKind.SERIES_INSTANCE_UID: str(result.dataset.SeriesInstanceUID),
                IdentifierKind.SOP_INSTANCE_UID: str(result.dataset.SOPInstanceUID),
            },
        )
    outcome = InstanceOutcome(
        sent_sop_class_uid=str(dataset.SOPClassUID),
        sent_sop_instance_uid=str(dataset.SOPInstanceUID),
        instance=outcome.instance,
        already_stored=outcome.already_stored,
    )
    if not outcome.already_stored:
        audit_record(
            site=site,
            actor=actor,
            action=Action.INSTANCE_STORED,
            target=outcome.instance,
            details={"sop_class_uid": str(dataset.SOPClassUID)},
        )
        _activity(outcome.instance.series.study)
    return outcome


def _activity(study: Study) -> None:
    from consilium.analyses.services import study_activity_recorded  # analyses builds on imaging

    study_activity_recorded(study=study)


def _store_deidentified(
    *, site: Site, deidentified: pydicom.Dataset, pseudonym: str
) -> InstanceOutcome:
    sop_uid = str(deidentified.SOPInstanceUID)
    existing = Instance.objects.filter(series__study__site=site, sop_instance_uid=sop_uid).first()
    if existing is not None:
        return InstanceOutcome(None, None, instance=existing, already_stored=True)

    buffer = io.BytesIO()
    deidentified.save_as(buffer, enforce_file_format=True)
    payload = buffer.getvalue()
    modality = str(deidentified.get("Modality", ""))[:16]
    try:
        with transaction.atomic():
            patient, _ = Patient.objects.get_or_create(site=site, pseudonym=pseudonym)
            study, _ = Study.objects.select_for_update().get_or_create(
                site=site, study_instance_uid=str(deidentified.StudyInstanceUID)
            )
            study_modalities = set(filter(None, study.modalities.split("\\"))) | {modality} - {""}
            study.patient = study.patient or patient
            study.study_date = study.study_date or _dicom_date(deidentified.get("StudyDate"))
            study.modalities = "\\".join(sorted(study_modalities))
            study.save()
            series, _ = Series.objects.get_or_create(
                study=study,
                series_instance_uid=str(deidentified.SeriesInstanceUID),
                defaults={
                    "modality": modality,
                    "series_number": _int_or_none(deidentified.get("SeriesNumber")),
                },
            )
            instance = Instance(
                series=series,
                sop_instance_uid=sop_uid,
                sop_class_uid=str(deidentified.SOPClassUID),
                transfer_syntax_uid=str(deidentified.file_meta.get("TransferSyntaxUID", "")),
                instance_number=_int_or_none(deidentified.get("InstanceNumber")),
                rows=_int_or_none(deidentified.get("Rows")),
                columns=_int_or_none(deidentified.get("Columns")),
                number_of_frames=_int_or_none(deidentified.get("NumberOfFrames")) or 1,
                size_bytes=len(payload),
                sha256=hashlib.sha256(payload).hexdigest(),
            )
            instance.file.save(f"{sop_uid}.dcm", ContentFile(payload), save=False)
            instance.save()
    except IntegrityError:
        # Another request stored the same instance concurrently: a re-send is a success.
        existing = Instance.objects.get(series__study__site=site, sop_instance_uid=sop_uid)
        return InstanceOutcome(None, None, instance=existing, already_stored=True)
    return InstanceOutcome(None, None, instance=instance)


class StudyReferenceError(ValueError):
    """A note names no usable study."""


def note_ingest(*, site: Site, actor: Actor, study_uid_as_sent: str, text: str) -> ClinicalNote:
    """De-identify a clinical note and file it under the study the hospital named.

    The study may not have arrived yet: it is created empty and filled when its images come.
    Re-sending the same note returns the stored one.
    """
    uid = study_uid_as_sent.strip()
    if not uid or len(uid) > 64 or not all(part.isdigit() for part in uid.split(".")):
        raise StudyReferenceError("The study reference is not a valid DICOM UID.")
    result = note_deidentify(text)
    digest = hashlib.sha256(result.text.encode()).hexdigest()
    counts = dict(Counter(replacement.kind for replacement in result.replacements))
    with transaction.atomic():
        study, _ = Study.objects.get_or_create(site=site, study_instance_uid=study_uid_remap(uid))
        note, created = ClinicalNote.objects.get_or_create(
            study=study,
            content_sha256=digest,
            defaults={"site": site, "text": result.text, "replacement_counts": counts},
        )
        if created:
            audit_record(
                site=site,
                actor=actor,
                action=Action.NOTE_STORED,
                target=note,
                details={"replacements": counts},
            )
            _activity(study)
    return note
