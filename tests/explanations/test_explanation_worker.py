"""Explanations through a real Celery worker (queue `explain`), over real HTTP."""

from __future__ import annotations

import pytest
import requests

from consilium.audit.models import AuditEvent
from consilium.registry.services import model_version_register
from tests.explanations.explanation_support import pdf_first_page, png_size
from tests.helpers import (
    site_token,
    upload_study,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_worker_explains_the_findings_of_an_analysis(
    live_server, celery_worker_process, checkpoint_dir
) -> None:
    model_version_register(checkpoint_dir=checkpoint_dir)
    _, token = site_token("explain")
    base, headers = live_server.url, {"Authorization": f"Bearer {token}"}
    sent_uid = upload_study(base, token, "CT_small.dcm")
    url = requests.post(
        f"{base}/api/v1/analyses",
        json={"study_instance_uid": sent_uid},
        headers=headers,
        timeout=30,
    ).json()["url"]

    def read() -> dict:
        return requests.get(url, headers=headers, timeout=30).json()

    body = wait_for(
        lambda: (b := read())["status"] in ("succeeded", "failed") and b, 180, "the analysis"
    )
    assert body["status"] == "succeeded", body
    positives = {p["finding"] for p in body["predictions"] if p["positive"]}
    # Positive findings were queued for explanation by the analysis itself.
    assert set(body["explanation"]["findings"]) == positives
    # The solo worker may be busy explaining them; it still counts as alive.
    health = requests.get(f"{base}/health/", timeout=30)
    assert health.status_code == 200, health.text
    assert celery_worker_process.hostname in health.json()["checks"]["worker"]["workers"]
    top = max(body["predictions"], key=lambda p: p["probability"])["finding"]
    asked = requests.post(f"{url}/explanations", json={"finding": top}, headers=headers, timeout=30)
    assert asked.status_code in (200, 202), asked.text

    def explained():
        body = read()
        detail = body["explanation"]["findings"].get(top, {})
        return body if detail.get("status") in ("succeeded", "failed") else None

    body = wait_for(explained, 300, "the worker to explain the top finding")
    detail = body["explanation"]["findings"][top]
    assert detail["status"] == "succeeded", detail["error"]
    heatmap = requests.get(body["explanation"]["image_heatmaps"][top], headers=headers, timeout=30)
    assert heatmap.headers["Content-Type"] == "image/png"
    assert png_size(heatmap.content, "RGBA") == (
        detail["image_size"]["width"],
        detail["image_size"]["height"],
    )
    words = [w["word"] for w in detail["words"]]
    assert "heart" in words and "pneumothorax." in words
    assert "John" not in words and "Smith" not in words  # the note was de-identified first
    assert [w["start"] for w in detail["words"]] == sorted(w["start"] for w in detail["words"])
    shares = detail["modality_contributions"]
    assert shares["image"] + shares["note"] == pytest.approx(1.0, abs=1e-6)

    report = requests.get(body["report_url"], headers=headers, timeout=120)
    assert report.status_code == 200 and report.headers["Content-Type"] == "application/pdf"
    _, text = pdf_first_page(report.content)
    assert "Decision support, not a diagnosis" in text and top in text
    assert AuditEvent.objects.filter(action="report.generated").count() == 1
