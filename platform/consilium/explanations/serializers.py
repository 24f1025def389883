"""The `explanation` part of the /api/v1 analysis representation (CONTRACTS.md, extended)."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse
from rest_framework import serializers

from consilium.analyses.models import Analysis
from consilium.explanations.models import Explanation, ExplanationStatus
from consilium.explanations.selectors import explanation_top, explanations_status


class ExplanationRequestSerializer(serializers.Serializer):
    finding = serializers.CharField(
        max_length=100, help_text="A finding the analysis's model predicts, e.g. 'effusion'."
    )


class ExplanationAcceptedSerializer(serializers.Serializer):
    finding = serializers.CharField()
    status = serializers.ChoiceField(choices=ExplanationStatus.values)
    url = serializers.CharField(help_text="The analysis; its `explanation.findings` fills in.")


class ModalityContributionsSerializer(serializers.Serializer):
    image = serializers.FloatField()
    note = serializers.FloatField()


class NoteAttributionSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="A word of the de-identified note.")
    score = serializers.FloatField(help_text="Signed: + pushed the finding up, - down.")


class WordAttributionSerializer(serializers.Serializer):
    word = serializers.CharField()
    start = serializers.IntegerField(help_text="Offset of the word in the analysed note.")
    end = serializers.IntegerField()
    score = serializers.FloatField()


class FaithfulnessCheckSerializer(serializers.Serializer):
    modality = serializers.ChoiceField(choices=["image", "note"])
    fraction = serializers.FloatField(help_text="Share of the image area or words removed.")
    top_drop = serializers.FloatField(help_text="Probability drop removing the top-attributed.")
    random_drop = serializers.FloatField(help_text="Mean drop removing at random.")
    random_draws = serializers.IntegerField()
    passed = serializers.BooleanField()


class FaithfulnessSerializer(serializers.Serializer):
    faithful = serializers.BooleanField(
        help_text="Every check passed; an explanation failing one is flagged, not hidden."
    )
    checks = FaithfulnessCheckSerializer(many=True)


class CompletenessSerializer(serializers.Serializer):
    delta = serializers.FloatField(help_text="|sum(attributions) - (f(x) - f(baseline))|.")
    relative = serializers.FloatField(help_text="delta / |f(x) - f(baseline)|.")


class ImageSizeSerializer(serializers.Serializer):
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class FindingExplanationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ExplanationStatus.values)
    error = serializers.CharField(allow_blank=True)
    on_demand = serializers.BooleanField(help_text="Asked for, rather than a positive finding.")
    probability = serializers.FloatField(allow_null=True)
    heatmap_url = serializers.URLField(
        allow_null=True, help_text="Transparent RGBA PNG, the image's size."
    )
    overlay_url = serializers.URLField(allow_null=True, help_text="Image + heat map + colour bar.")
    image_url = serializers.URLField(allow_null=True, help_text="The image the model saw.")
    raw_heatmap_url = serializers.URLField(allow_null=True, help_text="float32 .npy in [0, 1].")
    image_size = ImageSizeSerializer(allow_null=True)
    words = WordAttributionSerializer(many=True)
    modality_contributions = ModalityContributionsSerializer(allow_null=True)
    modality_attributions = serializers.DictField(child=serializers.FloatField())
    model_gate = serializers.DictField(child=serializers.FloatField())
    completeness = CompletenessSerializer(allow_null=True)
    faithfulness = FaithfulnessSerializer(allow_null=True)
    captum_version = serializers.CharField(allow_blank=True)


class ExplanationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["not_computed", "not_requested", "queued", "running", "succeeded", "failed"],
        help_text="not_computed until the analysis succeeds; not_requested when no finding is "
        "positive and none was asked for.",
    )
    finding = serializers.CharField(
        allow_null=True, help_text="The finding the flat fields below explain (most probable)."
    )
    image_heatmaps = serializers.DictField(
        child=serializers.URLField(), help_text="Finding -> transparent heat-map PNG."
    )
    note_attributions = NoteAttributionSerializer(many=True)
    modality_contributions = ModalityContributionsSerializer(allow_null=True)
    findings = serializers.DictField(child=FindingExplanationSerializer())


def _artifact_url(explanation: Explanation, artifact: str, absolute: Callable[[str], str]):
    if not explanation.artifact_path(artifact):
        return None
    return absolute(
        reverse(
            "api:explanation-artifact",
            kwargs={
                "analysis_id": explanation.analysis_id,
                "explanation_id": explanation.pk,
                "artifact": artifact,
            },
        )
    )


def _shares(explanation: Explanation) -> dict[str, float] | None:
    if explanation.image_share is None or explanation.note_share is None:
        return None
    return {"image": explanation.image_share, "note": explanation.note_share}


def finding_explanation_representation(
    explanation: Explanation, absolute: Callable[[str], str]
) -> dict:
    done = explanation.status == ExplanationStatus.SUCCEEDED
    return {
        "status": explanation.status,
        "error": explanation.error,
        "on_demand": explanation.on_demand,
        "probability": explanation.probability,
        "heatmap_url": _artifact_url(explanation, "heatmap.png", absolute),
        "overlay_url": _artifact_url(explanation, "overlay.png", absolute),
        "image_url": _artifact_url(explanation, "image.png", absolute),
        "raw_heatmap_url": _artifact_url(explanation, "heatmap.npy", absolute),
        "image_size": (
            {"width": explanation.image_width, "height": explanation.image_height}
            if explanation.image_width
            else None
        ),
        "words": explanation.words,
        "modality_contributions": _shares(explanation),
        "modality_attributions": explanation.modality_attributions,
        "model_gate": explanation.model_gate,
        "completeness": (
            {
                "delta": explanation.completeness_delta,
                "relative": explanation.completeness_relative,
            }
            if done
            else None
        ),
        "faithfulness": (
            {"faithful": bool(explanation.faithful), "checks": explanation.faithfulness}
            if done
            else None
        ),
        "captum_version": explanation.captum_version,
    }


def explanation_representation(
    analysis: Analysis, explanations: list[Explanation], absolute: Callable[[str], str]
) -> dict:
    top = explanation_top(explanations)
    heatmaps = {
        explanation.finding: url
        for explanation in explanations
        if explanation.status == ExplanationStatus.SUCCEEDED
        and (url := _artifact_url(explanation, "heatmap.png", absolute))
    }
    return {
        "status": explanations_status(analysis=analysis, explanations=explanations),
        "finding": top.finding if top else None,
        "image_heatmaps": heatmaps,
        "note_attributions": (
            [{"token": word["word"], "score": word["score"]} for word in top.words] if top else []
        ),
        "modality_contributions": _shares(top) if top else None,
        "findings": {
            explanation.finding: finding_explanation_representation(explanation, absolute)
            for explanation in explanations
        },
    }
