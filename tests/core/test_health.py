from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_health_is_503_with_the_failing_check_when_no_broker_answers(
    client, settings, tmp_path
) -> None:
    from consilium.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = f"redis+socket://{tmp_path / 'nothing.sock'}"
    try:
        response = client.get("/health/")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["worker"]["ok"] is False


def test_health_is_200_with_a_live_worker(client, celery_worker_process) -> None:
    response = client.get("/health/")
    assert response.status_code == 200, response.json()
    assert celery_worker_process.hostname in response.json()["checks"]["worker"]["workers"]
