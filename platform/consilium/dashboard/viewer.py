"""What the study viewer loads: the study's series and images, and the heat maps to lay over them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.urls import reverse

from consilium.analyses.models import Analysis, AnalysisStatus
from consilium.explanations.models import ExplanationStatus
from consilium.imaging.models import Instance, Study
from consilium.imaging.selectors import study_instances


@dataclass(frozen=True)
class ViewerInstance:
    id: int
    number: int | None
    frames: int
    rows: int
    columns: int
    pixels: str  # URL of frame 1; frame n replaces the trailing "/1"


@dataclass(frozen=True)
class ViewerSeries:
    id: int
    label: str
    modality: str
    instances: list[ViewerInstance] = field(default_factory=list)


@dataclass(frozen=True)
class HeatMapOverlay:
    explanation: int
    finding: str
    probability: float | None
    heatmap: str  # transparent PNG at the key image's size
    width: int | None
    height: int | None


@dataclass(frozen=True)
class ViewerManifest:
    series: list[ViewerSeries]
    key_image: dict[str, int] | None  # {"instance": pk, "frame": 0-based}: what the model read
    overlays: list[HeatMapOverlay]

    def as_json(self) -> dict:
        return asdict(self)


def _series(instances: list[Instance]) -> list[ViewerSeries]:
    by_series: dict[int, ViewerSeries] = {}
    for instance in instances:
        if not (instance.rows and instance.columns):
            continue  # no pixel data (structured reports, presentation states)
        series = instance.series
        if series.pk not in by_series:
            label = f"{series.modality or '—'} · series {series.series_number or '—'}"
            by_series[series.pk] = ViewerSeries(series.pk, label, series.modality)
        by_series[series.pk].instances.append(
            ViewerInstance(
                id=instance.pk,
                number=instance.instance_number,
                frames=instance.number_of_frames,
                rows=instance.rows,
                columns=instance.columns,
                pixels=reverse("dashboard:frame-pixels", args=[instance.pk, 1]),
            )
        )
    return list(by_series.values())


def _overlays(analysis: Analysis | None) -> list[HeatMapOverlay]:
    if analysis is None:
        return []
    probability = {p.finding: p.probability for p in analysis.predictions.all()}
    done = [
        explanation
        for explanation in analysis.explanations.all()
        if explanation.status == ExplanationStatus.SUCCEEDED and explanation.heatmap_path
    ]
    done.sort(key=lambda e: -probability.get(e.finding, 0.0))
    return [
        HeatMapOverlay(
            explanation=explanation.pk,
            finding=explanation.finding,
            probability=probability.get(explanation.finding),
            heatmap=reverse("dashboard:explanation-artifact", args=[explanation.pk, "heatmap.png"]),
            width=explanation.image_width,
            height=explanation.image_height,
        )
        for explanation in done
    ]


def viewer_manifest(*, study: Study) -> ViewerManifest:
    """Series in the viewer's order, the key image and the latest finished analysis' heat maps."""
    instances = list(study_instances(study=study))
    analysis = (
        Analysis.objects.filter(study=study, status=AnalysisStatus.SUCCEEDED)
        .prefetch_related("predictions", "explanations")
        .order_by("-created_at")
        .first()
    )
    series = _series(instances)
    key = (analysis.input_summary or {}).get("key_image") if analysis is not None else None
    known = {i.id for s in series for i in s.instances}
    if not isinstance(key, dict) or key.get("instance") not in known:
        key = None
    return ViewerManifest(series=series, key_image=key, overlays=_overlays(analysis))
