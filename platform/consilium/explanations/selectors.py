"""Read-only queries for explanations; every one that reaches clinical data takes the site."""

from __future__ import annotations

import uuid

from consilium.accounts.models import Site
from consilium.analyses.models import Analysis, AnalysisStatus
from consilium.explanations.models import Explanation, ExplanationStatus


def explanation_get(*, site: Site, explanation_id: int | str) -> Explanation | None:
    try:
        pk = int(explanation_id)
    except (TypeError, ValueError):
        return None
    return Explanation.objects.filter(analysis__site=site, pk=pk).first()


def explanation_get_for_analysis(
    *, site: Site, analysis_id: str, explanation_id: int | str
) -> Explanation | None:
    """The explanation, only if it belongs to that analysis at that site."""
    try:
        analysis_pk = uuid.UUID(str(analysis_id))
    except ValueError:
        return None
    explanation = explanation_get(site=site, explanation_id=explanation_id)
    if explanation is None or explanation.analysis_id != analysis_pk:
        return None
    return explanation


def analysis_latest_succeeded(*, site: Site, study_id: int) -> Analysis | None:
    """The newest succeeded analysis of a study (what its report shows)."""
    return (
        Analysis.objects.filter(site=site, study_id=study_id, status=AnalysisStatus.SUCCEEDED)
        .select_related("model_version", "study")
        .order_by("-created_at")
        .first()
    )


def explanations_status(*, analysis: Analysis, explanations: list[Explanation]) -> str:
    """One word for an analysis's explanations, as the API's `explanation.status` says it.

    ``not_computed`` before the analysis succeeds; ``not_requested`` when it flagged no finding
    and none was asked for; ``queued``/``running`` while any is pending; then ``succeeded`` when
    at least one succeeded, else ``failed``.
    """
    if analysis.status != AnalysisStatus.SUCCEEDED:
        return "not_computed"
    if not explanations:
        return "not_requested"
    statuses = {explanation.status for explanation in explanations}
    for pending in (ExplanationStatus.RUNNING, ExplanationStatus.QUEUED):
        if pending in statuses:
            return str(pending)
    if ExplanationStatus.SUCCEEDED in statuses:
        return str(ExplanationStatus.SUCCEEDED)
    return str(ExplanationStatus.FAILED)


def explanation_top(explanations: list[Explanation]) -> Explanation | None:
    """The succeeded explanation of the most probable finding."""
    done = [e for e in explanations if e.status == ExplanationStatus.SUCCEEDED]
    return max(done, key=lambda e: (e.probability or 0.0, -e.pk), default=None)
