"""Queries behind the study pages; a fixed number of SQL queries per page (the worklist's are in
consilium.dashboard.worklist)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Prefetch

from consilium.accounts.models import Site
from consilium.analyses.models import Analysis, AnalysisStatus
from consilium.explanations.models import Explanation
from consilium.explanations.rendering import NoteSegment, note_segments
from consilium.explanations.selectors import explanations_status
from consilium.imaging.models import Study


@dataclass(frozen=True)
class ExplanationCard:
    """One finding's explanation as the study page draws it."""

    explanation: Explanation
    # the analysis' probability of the finding: the explainer recomputes it in fp32, which can
    # differ from a bf16 prediction in the third decimal; the page shows the prediction's
    probability: float | None = None

    @cached_property
    def segments(self) -> list[NoteSegment]:
        """The note word by word with colours; built only when a page draws it, not on polls."""
        return note_segments(self.explanation.note_text, self.explanation.words)

    @property
    def image_percent(self) -> float:
        return 100.0 * (self.explanation.image_share or 0.0)

    @property
    def note_percent(self) -> float:
        return 100.0 * (self.explanation.note_share or 0.0)


@dataclass(frozen=True)
class AnalysisView:
    analysis: Analysis
    explanations: list[ExplanationCard]
    explanation_status: str
    explainable: list[str]  # findings not explained yet, to ask for on demand

    @property
    def pending(self) -> bool:
        return not self.analysis.is_finished or self.explanation_status in ("queued", "running")


@dataclass(frozen=True)
class StudyView:
    study: Study
    analyses: list[AnalysisView]

    @cached_property
    def notes(self) -> list:
        """Read when the page shows them; the progress poll does not."""
        return list(self.study.notes.order_by("created_at"))

    @property
    def pending(self) -> bool:
        return any(view.pending for view in self.analyses)

    @property
    def feedback_analysis(self) -> Analysis | None:
        """The latest finished analysis: the one a clinician's reading answers."""
        return next(
            (v.analysis for v in self.analyses if v.analysis.status == AnalysisStatus.SUCCEEDED),
            None,
        )


def _analysis_view(analysis: Analysis) -> AnalysisView:
    probability = {p.finding: p.probability for p in analysis.predictions.all()}
    explanations = sorted(analysis.explanations.all(), key=lambda e: -probability.get(e.finding, 0))
    asked = {explanation.finding for explanation in explanations}
    return AnalysisView(
        analysis=analysis,
        explanations=[
            ExplanationCard(
                explanation=explanation,
                probability=probability.get(explanation.finding, explanation.probability),
            )
            for explanation in explanations
        ],
        explanation_status=explanations_status(analysis=analysis, explanations=explanations),
        explainable=[p.finding for p in analysis.predictions.all() if p.finding not in asked],
    )


def study_view(*, site: Site, pk: int) -> StudyView | None:
    study = Study.objects.filter(site=site, pk=pk).select_related("patient").first()
    if study is None:
        return None
    analyses = list(
        Analysis.objects.filter(study=study)
        .select_related("model_version")
        .prefetch_related(Prefetch("predictions"), Prefetch("explanations"))
        .order_by("-created_at")
    )
    return StudyView(
        study=study,
        analyses=[_analysis_view(analysis) for analysis in analyses],
    )
