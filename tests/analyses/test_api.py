from __future__ import annotations

import pytest

from consilium.analyses.services import analysis_execute
from consilium.audit.models import AuditEvent
from tests.helpers import auth, site_token

pytestmark = pytest.mark.django_db


def create(client, token: str, uid: str):
    return client.post(
        "/api/v1/analyses",
        {"study_instance_uid": uid},
        content_type="application/json",
        **auth(token),
    )


def test_create_and_read_an_analysis(client, uploaded_study, active_model) -> None:
    _, token, sent_uid = uploaded_study
    response = create(client, token, sent_uid)
    assert response.status_code == 202, response.content
    created = response.json()
    assert set(created) == {"id", "status", "url"} and created["status"] == "queued"
    assert create(client, token, sent_uid).json()["id"] == created["id"]

    analysis_execute(analysis_id=created["id"], worker="inline")
    body = client.get(created["url"], **auth(token)).json()
    assert body["status"] == "succeeded" and body["error"] == ""
    assert body["model"] == {"name": active_model.name, "version": active_model.version}
    assert [p["finding"] for p in body["predictions"]] == list(active_model.findings)
    assert all(
        0.0 <= p["probability"] <= 1.0 and isinstance(p["positive"], bool)
        for p in body["predictions"]
    )
    assert set(body["explanation"]) >= {
        "status",
        "image_heatmaps",
        "note_attributions",
        "modality_contributions",
    }
    assert "report_url" in body and "not a diagnosis" in body["disclaimer"]
    assert set(body["computed_with"]) == {"device", "precision"}
    assert body["computed_with"]["precision"] in ("float32", "bfloat16")
    assert AuditEvent.objects.filter(action="analysis.requested").count() == 2
    assert AuditEvent.objects.filter(action="analysis.viewed").count() == 1


def test_fhir_diagnostic_report(client, uploaded_study, active_model) -> None:
    _, token, sent_uid = uploaded_study
    analysis_id = create(client, token, sent_uid).json()["id"]
    analysis_execute(analysis_id=analysis_id, worker="inline")
    report = client.get(f"/fhir/DiagnosticReport/{analysis_id}", **auth(token)).json()
    assert report["resourceType"] == "DiagnosticReport" and report["status"] == "final"
    assert len(report["contained"]) == len(active_model.findings)
    assert "not a diagnosis" in report["conclusion"]


def test_other_site_and_unknown_ids_get_404(client, uploaded_study, active_model) -> None:
    _, token, sent_uid = uploaded_study
    _, other = site_token("south")
    analysis_id = create(client, token, sent_uid).json()["id"]
    assert client.get(f"/api/v1/analyses/{analysis_id}", **auth(other)).status_code == 404
    assert client.get(f"/fhir/DiagnosticReport/{analysis_id}", **auth(other)).status_code == 404
    assert create(client, other, sent_uid).status_code == 404
    assert client.get("/api/v1/analyses/not-a-uuid", **auth(token)).status_code == 404


def test_errors_are_json_4xx(client, uploaded_study, active_model) -> None:
    _, token, _ = uploaded_study
    assert client.post("/api/v1/analyses", {}, content_type="application/json").status_code == 401
    assert (
        client.post(
            "/api/v1/analyses", {}, content_type="application/json", **auth("bad")
        ).status_code
        == 401
    )
    missing_field = client.post(
        "/api/v1/analyses", {}, content_type="application/json", **auth(token)
    )
    assert missing_field.status_code == 400 and "study_instance_uid" in missing_field.json()
    unknown = create(client, token, "1.2.3.4")
    assert unknown.status_code == 404 and unknown.json()["detail"]
    nowhere = client.get("/api/v1/nowhere", **auth(token))
    assert nowhere.status_code == 404 and nowhere["Content-Type"] == "application/json"


def test_schema_covers_the_api(client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/analyses" in paths and "/api/v1/analyses/{analysis_id}" in paths
