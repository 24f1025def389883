"""Read-only queries behind the FHIR door, always scoped to the caller's site."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from consilium.accounts.models import Site
from consilium.analyses.models import Analysis
from consilium.fhir.diagnostic_report import ANALYSIS_STATUSES
from consilium.imaging.models import ClinicalNote
from consilium.imaging.selectors import uid_candidates


def document_reference_get(*, site: Site, note_id: str) -> ClinicalNote | None:
    try:
        pk = uuid.UUID(str(note_id))
    except ValueError:
        return None
    return ClinicalNote.objects.filter(site=site, pk=pk).select_related("study").first()


def _stored_uids(uids: list[str]) -> set[str]:
    """The stored (de-identified) UIDs that UIDs as sent or as de-identified stand for."""
    return set().union(*(uid_candidates(uid) for uid in uids))


def document_reference_search(
    *, site: Site, studies: list[list[str]] | None = None
) -> QuerySet[ClinicalNote]:
    """Notes of the site; each list in `studies` is one OR-group of StudyInstanceUIDs (ANDed)."""
    notes = ClinicalNote.objects.filter(site=site)
    for group in studies or []:
        notes = notes.filter(study__study_instance_uid__in=_stored_uids(group))
    return notes.select_related("study").order_by("created_at", "pk")


def diagnostic_report_search(
    *,
    site: Site,
    studies: list[list[str]] | None = None,
    statuses: list[list[str]] | None = None,
) -> QuerySet[Analysis]:
    """Analyses of the site by study and by DiagnosticReport status (OR-groups, ANDed)."""
    analyses = Analysis.objects.filter(site=site)
    for group in studies or []:
        analyses = analyses.filter(study__study_instance_uid__in=_stored_uids(group))
    for group in statuses or []:
        wanted = [status for code in group for status in ANALYSIS_STATUSES.get(code, [])]
        analyses = analyses.filter(status__in=wanted)
    return (
        analyses.select_related("model_version", "study")
        .prefetch_related("predictions")
        .order_by("-created_at", "pk")
    )
