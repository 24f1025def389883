"""A worker runs the analysis it was sent together with other queued analyses of the same model.

Each analysis of a batch must get its own study's predictions, a study that fails must fail
alone, and a claim must keep other deliveries off a batch while its worker lives.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from pydicom.uid import generate_uid

from consilium.analyses.models import Analysis, AnalysisStatus, Prediction
from consilium.analyses.services import (
    analysis_execute,
    analysis_fail,
    analysis_request,
    analysis_update_status,
)
from consilium.imaging.deid import study_uid_remap
from consilium.imaging.models import Instance, Study
from tests.helpers import (
    STOW_CONTENT_TYPE,
    auth,
    dicom_with,
    note_resource,
    settings_refusal,
    site_token,
    stow_body,
)

pytestmark = pytest.mark.django_db

NOTES = (
    "Fever and productive cough for three days. Crackles at the right base.",
    "Known heart failure, worsening breathlessness and ankle swelling.",
    "Routine pre-operative film. No complaints. No evidence of effusion.",
)


def _upload(client, token: str, image: str | None, note: str | None) -> str:
    """One study of a new StudyInstanceUID: ``image`` (a pydicom test file) and/or ``note``."""
    study_uid = generate_uid()
    if image is not None:
        payload = dicom_with(
            image,
            StudyInstanceUID=study_uid,
            SeriesInstanceUID=generate_uid(),
            SOPInstanceUID=generate_uid(),
        )
        response = client.post(
            "/dicomweb/studies",
            data=stow_body(payload),
            content_type=STOW_CONTENT_TYPE,
            **auth(token),
        )
        assert response.status_code in (200, 202), response.content
    if note is not None:
        response = client.post(
            "/fhir/DocumentReference",
            data=note_resource(study_uid, note),
            content_type="application/fhir+json",
            **auth(token),
        )
        assert response.status_code == 201, response.content
    return study_uid


@pytest.fixture
def three_analyses(client, active_model) -> list[Analysis]:
    """Three queued analyses of different studies (image + note, image + note, note only)."""
    site, token = site_token("batch")
    uids = [
        _upload(client, token, "CT_small.dcm", NOTES[0]),
        _upload(client, token, "MR_small.dcm", NOTES[1]),
        _upload(client, token, None, NOTES[2]),
    ]
    analyses = []
    for uid in uids:
        study = Study.objects.get(site=site, study_instance_uid=study_uid_remap(uid))
        analysis, _ = analysis_request(site=site, actor=None, study=study)
        analyses.append(analysis)
    return analyses


def _claimed(analysis: Analysis, claim: str, worker: str = "w1") -> None:
    """Mark ``analysis`` running under ``claim``, as a worker's batch does (attempt 1, now)."""
    analysis_update_status(
        analysis=analysis,
        status=AnalysisStatus.RUNNING,
        attempt=1,
        worker=worker,
        claimed_by=claim,
        started_at=timezone.now(),
    )


def _probabilities(analysis: Analysis) -> dict[str, float]:
    return dict(Prediction.objects.filter(analysis=analysis).values_list("finding", "probability"))


def test_one_delivery_runs_the_queued_analyses_together_each_with_its_own_study(
    three_analyses, active_model, settings, monkeypatch
) -> None:
    # exact arithmetic: in bf16 the same study's numbers move by ~1e-3 with the batch around it
    settings.ML_PRECISION = "float32"
    monkeypatch.setattr("consilium.analyses.inference._predictors", {})
    first = three_analyses[0]
    analysis_execute(analysis_id=str(first.pk), worker="w1", claim="task-1")

    batched = {}
    for analysis in three_analyses:
        analysis.refresh_from_db()
        assert analysis.status == AnalysisStatus.SUCCEEDED
        assert (analysis.claimed_by, analysis.worker, analysis.attempt) == ("task-1", "w1", 1)
        batched[analysis.pk] = _probabilities(analysis)
        assert list(batched[analysis.pk]) == list(active_model.findings)
    # the note-only study's gate went wholly to the note
    assert three_analyses[2].modality_gate == {"image": 0.0, "note": 1.0}

    # the same studies one at a time give the same numbers: nothing was mixed up in the batch
    settings.ML_BATCH_SIZE = 1
    for analysis in three_analyses:
        Prediction.objects.filter(analysis=analysis).delete()
        Analysis.objects.filter(pk=analysis.pk).update(status=AnalysisStatus.QUEUED)
    for analysis in three_analyses:
        analysis_execute(analysis_id=str(analysis.pk), worker="w2", claim=f"one-{analysis.pk}")
        analysis.refresh_from_db()
        assert analysis.claimed_by == f"one-{analysis.pk}"
        alone = _probabilities(analysis)
        assert alone.keys() == batched[analysis.pk].keys()
        assert analysis.input_summary["inference"]["precision"] == "float32"
        for finding, probability in alone.items():
            assert probability == pytest.approx(batched[analysis.pk][finding], abs=1e-4)
    assert len({tuple(_probabilities(a).values()) for a in three_analyses}) == 3


def test_the_batch_size_setting_caps_a_claim(three_analyses, settings) -> None:
    settings.ML_BATCH_SIZE = 2
    first, second, third = three_analyses
    analysis_execute(analysis_id=str(third.pk), worker="w1", claim="task-3")
    statuses = {a.pk: a.status for a in Analysis.objects.all()}
    # the delivered analysis, then the oldest queued one
    assert statuses == {
        third.pk: AnalysisStatus.SUCCEEDED,
        first.pk: AnalysisStatus.SUCCEEDED,
        second.pk: AnalysisStatus.QUEUED,
    }


def test_a_study_that_cannot_be_decoded_fails_alone(three_analyses) -> None:
    first, second, third = three_analyses
    instance = Instance.objects.get(series__study=second.study)
    with instance.file.open("r+b") as handle:  # keep the header, ruin the pixel data
        handle.seek(-200, 2)
        handle.truncate()
    analysis_execute(analysis_id=str(first.pk), worker="w1", claim="task-1")
    for analysis in three_analyses:
        analysis.refresh_from_db()
    assert second.status == AnalysisStatus.FAILED and "could not be decoded" in second.error
    assert not Prediction.objects.filter(analysis=second).exists()
    assert first.status == third.status == AnalysisStatus.SUCCEEDED


def test_a_delivery_leaves_an_analysis_to_the_live_batch_that_claimed_it(
    three_analyses, settings
) -> None:
    first, second, _ = three_analyses
    _claimed(second, "task-1")
    analysis_execute(analysis_id=str(second.pk), worker="w2", claim="task-2")
    second.refresh_from_db()
    assert (second.status, second.claimed_by, second.attempt) == (
        AnalysisStatus.RUNNING,
        "task-1",
        1,
    )
    # nor does that delivery's batch take it as a batch-mate
    analysis_execute(analysis_id=str(first.pk), worker="w2", claim="task-0")
    second.refresh_from_db()
    assert second.status == AnalysisStatus.RUNNING and second.claimed_by == "task-1"

    # a claim older than ANALYSIS_CLAIM_SECONDS is presumed dead: the delivery runs it
    Analysis.objects.filter(pk=second.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.ANALYSIS_CLAIM_SECONDS + 1)
    )
    analysis_execute(analysis_id=str(second.pk), worker="w2", claim="task-2")
    second.refresh_from_db()
    assert (second.status, second.claimed_by, second.attempt) == (
        AnalysisStatus.SUCCEEDED,
        "task-2",
        2,
    )


def test_a_redelivered_claim_takes_back_its_whole_batch(three_analyses) -> None:
    for analysis in three_analyses:  # a worker claimed all three, then died
        _claimed(analysis, "task-1", worker="dead")
    analysis_execute(analysis_id=str(three_analyses[0].pk), worker="w2", claim="task-1")
    for analysis in three_analyses:
        analysis.refresh_from_db()
        assert (analysis.status, analysis.worker, analysis.attempt) == (
            AnalysisStatus.SUCCEEDED,
            "w2",
            2,
        )


def test_giving_up_on_a_batch_fails_its_own_analysis_and_requeues_the_rest(
    three_analyses, django_capture_on_commit_callbacks
) -> None:
    first, second, third = three_analyses
    for analysis in three_analyses:
        _claimed(analysis, "task-1")
    with django_capture_on_commit_callbacks() as callbacks:
        analysis_fail(analysis_id=str(first.pk), error="Inference failed (boom).", claim="task-1")
    for analysis in three_analyses:
        analysis.refresh_from_db()
    assert first.status == AnalysisStatus.FAILED and first.error == "Inference failed (boom)."
    assert [(a.status, a.claimed_by) for a in (second, third)] == [(AnalysisStatus.QUEUED, "")] * 2
    assert len(callbacks) == 2  # each re-sent on its own message


def test_analyses_of_another_model_are_not_batched_together(three_analyses, tmp_path: Path) -> None:
    from consilium.registry.services import model_version_register
    from ml.demo import build_untrained_checkpoint

    first, second, third = three_analyses
    other = model_version_register(
        checkpoint_dir=build_untrained_checkpoint(tmp_path / "other", image_size=64, seed=1),
        activate=True,
    )
    assert other != first.model_version
    rerun, _ = analysis_request(site=first.site, actor=None, study=second.study)
    assert rerun.model_version == other
    analysis_execute(analysis_id=str(rerun.pk), worker="w1", claim="task-9")
    rerun.refresh_from_db()
    assert rerun.status == AnalysisStatus.SUCCEEDED
    assert set(
        Analysis.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list(
            "status", flat=True
        )
    ) == {AnalysisStatus.QUEUED}


def test_the_batch_size_must_be_positive(tmp_path) -> None:
    stderr = settings_refusal(tmp_path, ML_BATCH_SIZE="0")
    assert "ML_BATCH_SIZE must be at least 1; got 0" in stderr
