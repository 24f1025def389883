"""The whole path over real HTTP, a real Redis broker and real Celery worker processes."""

from __future__ import annotations

import pytest
import requests

from consilium.analyses.models import Analysis, AnalysisStatus, Prediction
from consilium.registry.services import model_version_register
from tests.helpers import (
    site_token,
    upload_study,
    wait_for,
)

QUEUES = ("inference", "explain")
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_stow_note_analysis_succeeds_through_a_worker(
    live_server, celery_worker_process, checkpoint_dir
) -> None:
    model = model_version_register(checkpoint_dir=checkpoint_dir)
    _, token = site_token("e2e")
    _, other_token = site_token("elsewhere")
    base = live_server.url
    headers = {"Authorization": f"Bearer {token}"}
    sent_uid = upload_study(base, token, "CT_small.dcm", "MR_small.dcm")

    created = requests.post(
        f"{base}/api/v1/analyses",
        json={"study_instance_uid": sent_uid},
        headers=headers,
        timeout=30,
    )
    assert created.status_code == 202, created.text
    url = created.json()["url"]

    def finished():
        body = requests.get(url, headers=headers, timeout=30).json()
        return body if body["status"] in ("succeeded", "failed") else None

    body = wait_for(finished, 120, "the analysis to finish")
    assert body["status"] == "succeeded", body
    assert [p["finding"] for p in body["predictions"]] == list(model.findings)
    assert (
        requests.get(
            url, headers={"Authorization": f"Bearer {other_token}"}, timeout=30
        ).status_code
        == 404
    )

    health = requests.get(f"{base}/health/", timeout=30)
    assert health.status_code == 200, health.text
    assert health.json()["checks"]["worker"]["ok"]


@pytest.fixture
def only_new_workers(worker_pool):
    """Other session workers stop consuming, so the analysis goes to the worker under test."""
    from consilium.celery import app

    paused = [w.name for w in worker_pool.running if w.process.poll() is None]
    for queue in QUEUES:
        if paused:
            app.control.cancel_consumer(queue, destination=paused, reply=True, timeout=5)
    yield worker_pool
    for queue in QUEUES:
        if paused:
            app.control.add_consumer(queue, destination=paused, reply=True, timeout=5)


def test_killed_worker_still_ends_with_one_set_of_predictions(
    live_server, only_new_workers, checkpoint_dir
) -> None:
    model = model_version_register(checkpoint_dir=checkpoint_dir)
    _, token = site_token("kill")
    base = live_server.url
    # Without preloading, a fresh worker loads the model inside the first task: the analysis is
    # RUNNING meanwhile, long enough to kill the worker in the middle of it.
    worker = only_new_workers.start("kill-test@localhost", ML_PRELOAD="false")
    sent_uid = upload_study(base, token, "CT_small.dcm", "MR_small.dcm")
    created = requests.post(
        f"{base}/api/v1/analyses",
        json={"study_instance_uid": sent_uid},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()

    def running():
        row = Analysis.objects.get(pk=created["id"])
        return row if row.status == AnalysisStatus.RUNNING else None

    wait_for(running, 60, "the worker to start the analysis")
    worker.kill()
    assert Analysis.objects.get(pk=created["id"]).status == AnalysisStatus.RUNNING

    only_new_workers.start(
        "kill-test@localhost"
    )  # same hostname: it recovers what the dead one held

    def succeeded():
        row = Analysis.objects.get(pk=created["id"])
        return row if row.is_finished else None

    analysis = wait_for(succeeded, 120, "the restarted worker to finish the analysis")
    assert analysis.status == AnalysisStatus.SUCCEEDED, analysis.error
    assert analysis.attempt == 2
    findings = list(Prediction.objects.filter(analysis=analysis).values_list("finding", flat=True))
    assert findings == list(model.findings)
