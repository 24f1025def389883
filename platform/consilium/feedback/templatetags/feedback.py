"""`{% load feedback %}{% finding_feedback analysis request %}`: the feedback form for one analysis."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse

from consilium.accounts.models import Role
from consilium.analyses.models import Analysis, AnalysisStatus
from consilium.feedback import forms
from consilium.feedback.models import FindingLabel, Verdict
from consilium.feedback.selectors import study_labels_current

register = template.Library()


@dataclass(frozen=True)
class FeedbackRow:
    """One finding of the form: what the model said, the current label, and the field names."""

    finding: str
    probability: float
    flagged: bool
    current: FindingLabel | None
    field: str
    element_id: str


@register.inclusion_tag("feedback/_finding_feedback.html")
def finding_feedback(analysis: Analysis | None, request: HttpRequest) -> dict[str, object]:
    """Rows for a succeeded analysis's findings (nothing preselected); nothing otherwise.

    Only clinicians get the form: the labels are theirs. Other roles see the current labels.
    One query (the current labels) beyond the predictions, which the study page prefetches.
    """
    if analysis is None or analysis.status != AnalysisStatus.SUCCEEDED:
        return {"shown": False}
    predictions = list(analysis.predictions.all())
    current = study_labels_current(site=request.site, study_id=analysis.study_id)
    findings = [prediction.finding for prediction in predictions]
    rows = [
        FeedbackRow(
            finding=prediction.finding,
            probability=prediction.probability,
            flagged=prediction.positive,
            current=current.get(prediction.finding),
            field=forms.verdict_field(prediction.finding),
            element_id=element_id,
        )
        for prediction, element_id in zip(predictions, forms.element_ids(findings), strict=True)
    ]
    listed = set(findings)
    return {
        "shown": True,
        "analysis": analysis,
        "rows": rows,
        "missed_choices": [row.finding for row in rows if not row.flagged],
        "unlisted": [label for label in current.values() if label.finding not in listed],
        "can_submit": getattr(request, "role", None) == Role.CLINICIAN,
        "action": reverse("feedback:submit", args=[analysis.study_id]),
        "csrf_token": get_token(request),
        "verdicts": [(Verdict.AGREE, "Agree"), (Verdict.DISAGREE, "Disagree")],
        "analysis_field": forms.ANALYSIS_FIELD,
        "missed_field": forms.MISSED_FIELD,
        "missed_other_field": forms.MISSED_OTHER_FIELD,
        "comment_field": forms.COMMENT_FIELD,
    }
