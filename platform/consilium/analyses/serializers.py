"""The /api/v1 analysis representation (CONTRACTS.md)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from consilium.analyses.models import Analysis, AnalysisStatus
from consilium.explanations.models import Explanation
from consilium.explanations.serializers import (
    ExplanationSerializer,
    ModalityContributionsSerializer,
    explanation_representation,
)

DECISION_SUPPORT = "Decision support, not a diagnosis."


class AnalysisCreateSerializer(serializers.Serializer):
    study_instance_uid = serializers.CharField(
        max_length=64,
        help_text="The StudyInstanceUID as the hospital sent it (or the de-identified one).",
    )


class AnalysisCreatedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    url = serializers.CharField()


class PredictionSerializer(serializers.Serializer):
    finding = serializers.CharField()
    probability = serializers.FloatField()
    positive = serializers.BooleanField()
    threshold = serializers.FloatField()


class ModelRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.CharField()


class ComputedWithSerializer(serializers.Serializer):
    device = serializers.CharField(help_text='Where the model ran, e.g. "cpu" or "cuda".')
    precision = serializers.ChoiceField(
        choices=[p for p in settings.ML_PRECISIONS if p != "auto"],
        help_text="The arithmetic of the forward pass (ML_PRECISION as resolved on the worker).",
    )


class AnalysisSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["queued", "running", "succeeded", "failed"])
    error = serializers.CharField(allow_blank=True)
    attempt = serializers.IntegerField()
    study_instance_uid = serializers.CharField(help_text="De-identified StudyInstanceUID.")
    model = ModelRefSerializer()
    predictions = PredictionSerializer(many=True)
    modality_gate = ModalityContributionsSerializer(
        allow_null=True, help_text="The model's own gate values."
    )
    computed_with = ComputedWithSerializer(
        allow_null=True, help_text="Device and precision of the prediction, once it succeeded."
    )
    explanation = ExplanationSerializer()
    report_url = serializers.URLField(
        allow_null=True, help_text="The explanation report (PDF), once the analysis succeeded."
    )
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    disclaimer = serializers.CharField()


def analysis_url(analysis: Analysis) -> str:
    return reverse("api:analysis-detail", kwargs={"analysis_id": analysis.pk})


def analysis_report_url(analysis: Analysis) -> str:
    return reverse("api:analysis-report", kwargs={"analysis_id": analysis.pk})


def analysis_representation(
    analysis: Analysis,
    *,
    explanations: list[Explanation],
    absolute: Callable[[str], str] = str,
) -> dict:
    """`absolute` turns a path into the URL the caller should see (the request's host)."""
    gate = analysis.modality_gate or None
    succeeded = analysis.status == AnalysisStatus.SUCCEEDED
    return {
        "id": analysis.pk,
        "status": analysis.status,
        "error": analysis.error,
        "attempt": analysis.attempt,
        "study_instance_uid": analysis.study.study_instance_uid,
        "model": {"name": analysis.model_version.name, "version": analysis.model_version.version},
        "predictions": [
            {
                "finding": prediction.finding,
                "probability": prediction.probability,
                "positive": prediction.positive,
                "threshold": prediction.threshold,
            }
            for prediction in analysis.predictions.all()
        ],
        "modality_gate": gate,
        "computed_with": (analysis.input_summary or {}).get("inference") if succeeded else None,
        "explanation": explanation_representation(analysis, explanations, absolute),
        "report_url": absolute(analysis_report_url(analysis)) if succeeded else None,
        "created_at": analysis.created_at,
        "finished_at": analysis.finished_at,
        "disclaimer": DECISION_SUPPORT,
    }
