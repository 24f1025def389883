"""The explanation report of an analysis, as HTML or PDF, each one recorded and audited.

What a report shows is gathered once (`report_content`) and drawn by the HTML template or by
ReportLab (`consilium.explanations.pdf`). It names the study by its de-identified UID only.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from consilium.accounts.models import ApiClient
from consilium.analyses.models import Analysis, AnalysisStatus
from consilium.audit.models import Action
from consilium.audit.services import Actor, audit_record
from consilium.explanations import rendering
from consilium.explanations.models import (
    Explanation,
    ExplanationReport,
    ExplanationStatus,
    ReportFormat,
)
from consilium.explanations.services import ExplanationNotReadyError

DECISION_SUPPORT = "Decision support, not a diagnosis."
EXPLANATION_STATES = {
    ExplanationStatus.QUEUED: "pending",
    ExplanationStatus.RUNNING: "pending",
    ExplanationStatus.SUCCEEDED: "explained",
    ExplanationStatus.FAILED: "failed",
}


@dataclass(frozen=True)
class ReportPrediction:
    finding: str
    probability: float
    threshold: float
    positive: bool
    explanation: str  # "explained" | "pending" | "failed" | "not requested"


@dataclass(frozen=True)
class ReportExplanation:
    """One explained finding as the report draws it."""

    finding: str
    probability: float
    threshold: float
    positive: bool
    overlay_png: bytes | None
    segments: list[rendering.NoteSegment]
    image_share: float | None
    note_share: float | None
    model_gate: dict[str, float]
    completeness_delta: float | None
    completeness_relative: float | None
    faithful: bool
    faithfulness: list[dict]
    captum_version: str

    @property
    def overlay_data_uri(self) -> str:
        if self.overlay_png is None:
            return ""
        return "data:image/png;base64," + base64.b64encode(self.overlay_png).decode()

    @property
    def shares_png(self) -> bytes | None:
        if self.image_share is None or self.note_share is None:
            return None
        return rendering.shares_png({"image": self.image_share, "note": self.note_share})

    @property
    def completeness_percent(self) -> float | None:
        if self.completeness_relative is None:
            return None
        return 100.0 * self.completeness_relative

    @property
    def image_percent(self) -> float:
        return 100.0 * (self.image_share or 0.0)

    @property
    def note_percent(self) -> float:
        return 100.0 * (self.note_share or 0.0)


@dataclass(frozen=True)
class ReportContent:
    report_id: uuid.UUID
    generated_at: datetime
    generated_by: str
    analysis_id: uuid.UUID
    study_uid: str
    modalities: str
    model_name: str
    model_version: str
    model_card: list[tuple[str, str]]
    predictions: list[ReportPrediction]
    explanations: list[ReportExplanation]
    disclaimer: str = DECISION_SUPPORT
    pending: bool = field(default=False)


@dataclass(frozen=True)
class GeneratedReport:
    record: ExplanationReport
    content: bytes
    content_type: str
    filename: str


def actor_label(actor: Actor) -> str:
    if isinstance(actor, ApiClient):
        return f"API client {actor.name}"
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor.get_username()
    return "system"


def model_card_summary(card: dict) -> list[tuple[str, str]]:
    """The lines of the model card a reader of the report needs (the card itself is longer)."""
    rows = [("Intended use", str(card.get("intended_use", "")))]
    if card.get("disclaimer"):
        rows.append(("Caution", str(card["disclaimer"])))
    text_encoder = card.get("text_encoder") or {}
    rows.append(
        (
            "Architecture",
            f"image: {card.get('image_encoder', '?')}; note: {text_encoder.get('name', '?')}; "
            "gated-attention fusion",
        )
    )
    recipe = (card.get("training") or {}).get("recipe")
    if recipe:
        rows.append(("Training", str(recipe)))
    validation = (card.get("metrics") or {}).get("validation") or {}
    scores = [
        f"{mode} {report['macro_auroc']:.3f}"
        for mode, report in validation.items()
        if isinstance(report, dict) and isinstance(report.get("macro_auroc"), int | float)
    ]
    if scores:
        rows.append(("Validation macro AUROC", ", ".join(scores)))
    return rows


def _overlay(explanation: Explanation) -> bytes | None:
    if not explanation.overlay_path:
        return None
    with default_storage.open(explanation.overlay_path, "rb") as handle:
        return handle.read()


def report_content(
    *, analysis: Analysis, report_id: uuid.UUID, generated_at: datetime, generated_by: str
) -> ReportContent:
    predictions = list(analysis.predictions.all())
    explanations = {e.finding: e for e in Explanation.objects.filter(analysis=analysis)}
    thresholds = {p.finding: p for p in predictions}
    explained = sorted(
        (e for e in explanations.values() if e.status == ExplanationStatus.SUCCEEDED),
        key=lambda e: -(e.probability or 0.0),
    )
    return ReportContent(
        report_id=report_id,
        generated_at=generated_at,
        generated_by=generated_by,
        analysis_id=analysis.pk,
        study_uid=analysis.study.study_instance_uid,
        modalities=analysis.study.modalities or "",
        model_name=analysis.model_version.name,
        model_version=analysis.model_version.version,
        model_card=model_card_summary(analysis.model_version.card or {}),
        predictions=[
            ReportPrediction(
                finding=p.finding,
                probability=p.probability,
                threshold=p.threshold,
                positive=p.positive,
                explanation=(
                    EXPLANATION_STATES[ExplanationStatus(explanations[p.finding].status)]
                    if p.finding in explanations
                    else "not requested"
                ),
            )
            for p in predictions
        ],
        explanations=[
            ReportExplanation(
                finding=e.finding,
                probability=thresholds[e.finding].probability,
                threshold=thresholds[e.finding].threshold,
                positive=thresholds[e.finding].positive,
                overlay_png=_overlay(e),
                segments=rendering.note_segments(e.note_text, e.words),
                image_share=e.image_share,
                note_share=e.note_share,
                model_gate=e.model_gate,
                completeness_delta=e.completeness_delta,
                completeness_relative=e.completeness_relative,
                faithful=bool(e.faithful),
                faithfulness=e.faithfulness,
                captum_version=e.captum_version,
            )
            for e in explained
            if e.finding in thresholds
        ],
        pending=any(not e.is_finished for e in explanations.values()),
    )


def report_html(content: ReportContent) -> str:
    return render_to_string("explanations/report.html", {"report": content})


def report_generate(*, analysis: Analysis, actor: Actor, kind: str) -> GeneratedReport:
    """Draw the report of a succeeded analysis and record it (an audited ExplanationReport)."""
    from consilium.explanations.pdf import report_pdf  # ReportLab loads only when a PDF is asked

    if analysis.status != AnalysisStatus.SUCCEEDED:
        raise ExplanationNotReadyError(
            f"The analysis is {analysis.status}; its report exists once it has succeeded."
        )
    report_id, generated_at, who = uuid.uuid4(), timezone.now(), actor_label(actor)
    content = report_content(
        analysis=analysis, report_id=report_id, generated_at=generated_at, generated_by=who
    )
    if kind == ReportFormat.PDF:
        body, content_type = report_pdf(content), "application/pdf"
    else:
        body, content_type = report_html(content).encode(), "text/html; charset=utf-8"
    with transaction.atomic():
        record = ExplanationReport.objects.create(
            id=report_id,
            site=analysis.site,
            analysis=analysis,
            kind=kind,
            generated_at=generated_at,
            generated_by=who,
            findings=[item.finding for item in content.explanations],
        )
        audit_record(
            site=analysis.site,
            actor=actor,
            action=Action.REPORT_GENERATED,
            target=record,
            details={"analysis": str(analysis.pk), "format": kind},
        )
    return GeneratedReport(
        record=record,
        content=body,
        content_type=content_type,
        filename=f"consilium-report-{report_id}.{kind}",
    )
