"""Requesting and running explanations with the real explainer on the untrained checkpoint."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from django.core.files.storage import default_storage
from PIL import Image

from consilium.analyses.models import Analysis, Prediction
from consilium.analyses.services import analysis_execute, analysis_request
from consilium.analyses.tasks import analysis_explain
from consilium.audit.models import AuditEvent
from consilium.explanations.models import Explanation, ExplanationStatus
from consilium.explanations.services import (
    ExplanationNotReadyError,
    ExplanationRequestError,
    explanation_execute,
    explanation_recover_orphans,
    explanation_update_status,
    explanations_fail,
    explanations_request,
)
from consilium.imaging.models import Instance
from tests.explanations.explanation_support import png_size, top_finding

pytestmark = pytest.mark.django_db


def test_positive_findings_are_queued_when_the_analysis_succeeds(
    noted_study, active_model, django_capture_on_commit_callbacks
) -> None:
    analysis, _ = analysis_request(site=noted_study.site, actor=None, study=noted_study)
    with django_capture_on_commit_callbacks() as callbacks:
        analysis_execute(analysis_id=str(analysis.pk), worker="inline")
    positives = set(
        Prediction.objects.filter(analysis=analysis, positive=True).values_list(
            "finding", flat=True
        )
    )
    explanations = list(Explanation.objects.filter(analysis=analysis))
    assert {e.finding for e in explanations} == positives
    assert all(e.status == ExplanationStatus.QUEUED and not e.on_demand for e in explanations)
    assert len(callbacks) == (1 if positives else 0)  # one task for all, after commit


def test_request_refuses_unknown_findings_and_unfinished_analyses(
    noted_study, active_model
) -> None:
    analysis, _ = analysis_request(site=noted_study.site, actor=None, study=noted_study)
    with pytest.raises(ExplanationNotReadyError, match="queued"):
        explanations_request(analysis=analysis, actor=None, findings=["effusion"])
    analysis_execute(analysis_id=str(analysis.pk), worker="inline")
    analysis.refresh_from_db()
    with pytest.raises(ExplanationRequestError, match=r"'fracture'.*effusion"):
        explanations_request(analysis=analysis, actor=None, findings=["fracture"])
    assert not AuditEvent.objects.filter(action="explanation.requested").exists()


def test_the_task_explains_once_even_when_delivered_again(succeeded_analysis) -> None:
    analysis = succeeded_analysis
    finding = top_finding(analysis)
    (explanation,) = explanations_request(analysis=analysis, actor=None, findings=[finding])
    # A worker died holding it: the message is delivered again, twice.
    explanation_update_status(
        explanation=explanation, status=ExplanationStatus.RUNNING, attempt=1, worker="dead"
    )
    analysis_explain.apply(args=[str(analysis.pk), [explanation.pk]]).get()
    analysis_explain.apply(args=[str(analysis.pk), [explanation.pk]]).get()

    explanation.refresh_from_db()
    assert explanation.status == ExplanationStatus.SUCCEEDED, explanation.error
    assert explanation.attempt == 2 and explanation.finished_at is not None
    folder = Path(default_storage.path(f"explanations/{analysis.pk}/{explanation.pk}"))
    runs = [path for path in folder.iterdir() if any(path.iterdir())]
    assert len(runs) == 1  # one complete set of artifacts, no stray copies
    assert sorted(p.name for p in runs[0].iterdir()) == [
        "heatmap.npy",
        "heatmap.png",
        "image.png",
        "overlay.png",
    ]

    size = (explanation.image_width, explanation.image_height)
    instances = Instance.objects.filter(series__study=analysis.study, rows__isnull=False)
    assert size in {(i.columns, i.rows) for i in instances}
    with default_storage.open(explanation.heatmap_path, "rb") as handle:
        assert png_size(handle.read(), "RGBA") == size
    with default_storage.open(explanation.image_path, "rb") as handle:
        assert png_size(handle.read(), "L") == size
    with default_storage.open(explanation.overlay_path, "rb") as handle:
        Image.open(io.BytesIO(handle.read())).verify()
    with default_storage.open(explanation.raw_heatmap_path, "rb") as handle:
        raw = np.load(io.BytesIO(handle.read()), allow_pickle=False)
    assert raw.shape == (size[1], size[0]) and raw.dtype == np.float32
    assert raw.min() >= 0.0 and raw.max() <= 1.0

    note = explanation.note_text
    assert [w["word"] for w in explanation.words] == note.split()
    assert all(note[w["start"] : w["end"]] == w["word"] for w in explanation.words)
    assert explanation.image_share + explanation.note_share == pytest.approx(1.0, abs=1e-6)
    assert explanation.completeness_relative < 0.05
    assert explanation.faithful == all(c["passed"] for c in explanation.faithfulness)
    assert {c["modality"] for c in explanation.faithfulness} == {"image", "note"}
    assert explanation.captum_version and explanation.settings
    assert explanation.probability == pytest.approx(
        analysis.predictions.get(finding=finding).probability, abs=1e-3
    )


def test_an_undecodable_image_fails_the_explanation_with_a_reason(succeeded_analysis) -> None:
    analysis = succeeded_analysis
    for instance in Instance.objects.filter(series__study=analysis.study):
        with instance.file.open("r+b") as handle:  # keep the header, ruin the pixel data
            handle.seek(-200, 2)
            handle.truncate()
    (explanation,) = explanations_request(
        analysis=analysis, actor=None, findings=[top_finding(analysis)]
    )
    explanation_execute(
        analysis_id=str(analysis.pk), explanation_ids=[explanation.pk], worker="inline"
    )
    explanation.refresh_from_db()
    assert explanation.status == ExplanationStatus.FAILED
    assert "could not be decoded" in explanation.error
    assert not explanation.heatmap_path
    analysis.refresh_from_db()
    assert analysis.status == "succeeded"  # the predictions stand


def test_a_failed_explanation_is_queued_again_when_asked_for(
    succeeded_analysis, django_capture_on_commit_callbacks
) -> None:
    analysis = succeeded_analysis
    finding = top_finding(analysis)
    (explanation,) = explanations_request(analysis=analysis, actor=None, findings=[finding])
    explanations_fail(explanation_ids=[explanation.pk], error="worker lost")
    with django_capture_on_commit_callbacks() as callbacks:
        (again,) = explanations_request(analysis=analysis, actor=None, findings=[finding])
    assert again.pk == explanation.pk
    assert again.status == ExplanationStatus.QUEUED and again.error == ""
    assert len(callbacks) == 1
    event = AuditEvent.objects.filter(action="explanation.requested").latest("id")
    assert event.object_id == str(analysis.pk) and event.details["findings"] == [finding]


def test_worker_start_requeues_explanations_a_dead_worker_left(
    succeeded_analysis, broker_url
) -> None:
    analysis = succeeded_analysis
    findings = [p.finding for p in analysis.predictions.all()][:2]
    first, second = explanations_request(analysis=analysis, actor=None, findings=findings)
    explanation_update_status(
        explanation=first, status=ExplanationStatus.RUNNING, attempt=1, worker="w@host"
    )
    explanation_update_status(
        explanation=second, status=ExplanationStatus.RUNNING, attempt=1, worker="other@host"
    )
    requeued = explanation_recover_orphans(worker="w@host")
    assert first.pk in requeued[str(analysis.pk)] and second.pk not in requeued[str(analysis.pk)]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ExplanationStatus.QUEUED
    assert second.status == ExplanationStatus.RUNNING  # another live worker holds it
    assert Analysis.objects.get(pk=analysis.pk).status == "succeeded"
