from __future__ import annotations

import pytest

from consilium.analyses.models import Analysis, AnalysisStatus, Prediction
from consilium.analyses.services import (
    AnalysisRequestError,
    AnalysisStateError,
    analysis_execute,
    analysis_request,
    analysis_update_status,
)
from consilium.imaging.models import Instance, Study
from tests.helpers import settings_refusal

pytestmark = pytest.mark.django_db


def study_of(site) -> Study:
    return Study.objects.filter(site=site).order_by("id").first()


def test_request_is_idempotent_per_study_and_model(
    uploaded_study, active_model, django_capture_on_commit_callbacks
) -> None:
    site, _, _ = uploaded_study
    with django_capture_on_commit_callbacks() as callbacks:
        first, created = analysis_request(site=site, actor=None, study=study_of(site))
        again, created_again = analysis_request(site=site, actor=None, study=study_of(site))
    assert created and not created_again and first.pk == again.pk
    assert len(callbacks) == 1  # enqueued once, after commit
    assert first.status == AnalysisStatus.QUEUED and first.model_version == active_model


def test_request_needs_an_active_model(uploaded_study) -> None:
    site, _, _ = uploaded_study
    with pytest.raises(AnalysisRequestError, match="No model is active"):
        analysis_request(site=site, actor=None, study=study_of(site))


def test_execute_twice_leaves_one_set_of_predictions(uploaded_study, active_model) -> None:
    site, _, _ = uploaded_study
    analysis, _ = analysis_request(site=site, actor=None, study=study_of(site))
    analysis_execute(analysis_id=str(analysis.pk), worker="w1")
    analysis_execute(analysis_id=str(analysis.pk), worker="w2")
    analysis.refresh_from_db()
    assert analysis.status == AnalysisStatus.SUCCEEDED and analysis.attempt == 1
    findings = list(Prediction.objects.filter(analysis=analysis).values_list("finding", flat=True))
    assert findings == list(active_model.findings)
    gate = analysis.modality_gate
    assert set(gate) == {"image", "note"} and abs(gate["image"] + gate["note"] - 1) < 1e-5


def test_an_analysis_records_the_device_and_arithmetic_it_ran_with(
    uploaded_study, active_model, settings
) -> None:
    from ml.devices import PRECISIONS, dtype_name, inference_dtype

    assert settings.ML_PRECISIONS == PRECISIONS  # the settings check names ml's choices
    site, _, _ = uploaded_study
    analysis, _ = analysis_request(site=site, actor=None, study=study_of(site))
    analysis_execute(analysis_id=str(analysis.pk), worker="w1")
    analysis.refresh_from_db()
    import torch

    expected = inference_dtype(torch.device(settings.ML_DEVICE), settings.ML_PRECISION)
    assert analysis.input_summary["inference"] == {
        "device": settings.ML_DEVICE,
        "precision": dtype_name(expected),
    }


def test_an_unknown_precision_stops_the_settings_with_the_choices(tmp_path) -> None:
    stderr = settings_refusal(tmp_path, ML_PRECISION="int4")
    assert "ML_PRECISION must be one of auto, float32, bfloat16, float16; got 'int4'" in stderr


def test_a_redelivered_running_analysis_is_finished_once(uploaded_study, active_model) -> None:
    site, _, _ = uploaded_study
    analysis, _ = analysis_request(site=site, actor=None, study=study_of(site))
    analysis_update_status(
        analysis=analysis, status=AnalysisStatus.RUNNING, attempt=1, worker="dead"
    )
    analysis_execute(analysis_id=str(analysis.pk), worker="w2")
    analysis.refresh_from_db()
    assert analysis.status == AnalysisStatus.SUCCEEDED and analysis.attempt == 2
    assert Prediction.objects.filter(analysis=analysis).count() == len(active_model.findings)


def test_undecodable_image_fails_with_a_reason(uploaded_study, active_model) -> None:
    site, _, _ = uploaded_study
    instance = Instance.objects.filter(series__study__site=site).first()
    with instance.file.open("r+b") as handle:  # keep the header, ruin the pixel data
        handle.seek(-200, 2)
        handle.truncate()
    analysis, _ = analysis_request(site=site, actor=None, study=study_of(site))
    analysis_execute(analysis_id=str(analysis.pk), worker="w1")
    analysis.refresh_from_db()
    assert analysis.status == AnalysisStatus.FAILED
    assert "could not be decoded" in analysis.error
    assert not Prediction.objects.filter(analysis=analysis).exists()


def test_state_machine_refuses_illegal_transitions(uploaded_study, active_model) -> None:
    site, _, _ = uploaded_study
    analysis, _ = analysis_request(site=site, actor=None, study=study_of(site))
    with pytest.raises(AnalysisStateError):
        analysis_update_status(analysis=analysis, status=AnalysisStatus.SUCCEEDED)
    analysis_update_status(analysis=analysis, status=AnalysisStatus.RUNNING)
    analysis_update_status(analysis=analysis, status=AnalysisStatus.SUCCEEDED)
    with pytest.raises(AnalysisStateError):
        analysis_update_status(analysis=analysis, status=AnalysisStatus.RUNNING)
    assert Analysis.objects.get().status == AnalysisStatus.SUCCEEDED
