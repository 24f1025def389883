"""The explanation part of /api/v1: on-demand requests, heat maps, the PDF report, site scoping."""

from __future__ import annotations

import io
import uuid

import numpy as np
import pytest

from consilium.analyses.services import analysis_execute, analysis_request
from consilium.audit.models import AuditEvent
from consilium.explanations.models import ExplanationReport
from consilium.explanations.services import explanation_execute
from tests.explanations.explanation_support import pdf_first_page, png_size, top_finding
from tests.helpers import auth, site_token

pytestmark = pytest.mark.django_db


def ask(client, token: str, analysis_id, finding: object):
    return client.post(
        f"/api/v1/analyses/{analysis_id}/explanations",
        {"finding": finding},
        content_type="application/json",
        **auth(token),
    )


def explain_through_the_api(client, token: str, analysis) -> tuple[str, dict]:
    """Ask for the top finding over the API, run the queued job inline, read the analysis."""
    finding = top_finding(analysis)
    asked = ask(client, token, analysis.pk, finding)
    assert asked.status_code == 202, asked.content
    assert asked.json()["finding"] == finding and asked.json()["status"] == "queued"
    explanation = analysis.explanations.get(finding=finding)
    explanation_execute(
        analysis_id=str(analysis.pk), explanation_ids=[explanation.pk], worker="inline"
    )
    assert ask(client, token, analysis.pk, finding).status_code == 200  # done already
    body = client.get(f"/api/v1/analyses/{analysis.pk}", **auth(token)).json()
    return finding, body


def test_asking_for_an_explanation_validates_the_finding(
    client, uploaded_study, noted_study, active_model
) -> None:
    _, token, _ = uploaded_study
    analysis, _ = analysis_request(site=noted_study.site, actor=None, study=noted_study)
    not_yet = ask(client, token, analysis.pk, "effusion")
    assert not_yet.status_code == 409 and "succeeded" in not_yet.json()["detail"]
    body = client.get(f"/api/v1/analyses/{analysis.pk}", **auth(token)).json()
    assert body["explanation"]["status"] == "not_computed" and body["report_url"] is None
    assert client.get(f"/api/v1/analyses/{analysis.pk}/report.pdf", **auth(token)).status_code == (
        409
    )
    analysis_execute(analysis_id=str(analysis.pk), worker="inline")
    unknown = ask(client, token, analysis.pk, "fracture")
    assert unknown.status_code == 400
    reason = unknown.json()["finding"][0]
    assert "'fracture'" in reason and all(f in reason for f in active_model.findings)
    missing = client.post(
        f"/api/v1/analyses/{analysis.pk}/explanations",
        {},
        content_type="application/json",
        **auth(token),
    )
    assert missing.status_code == 400 and "finding" in missing.json()
    assert ask(client, token, "not-a-uuid", "effusion").status_code == 404


def test_the_analysis_lists_heat_maps_words_shares_and_checks(
    client, uploaded_study, succeeded_analysis
) -> None:
    _, token, _ = uploaded_study
    finding, body = explain_through_the_api(client, token, succeeded_analysis)
    explanation = body["explanation"]
    positives = {p["finding"] for p in body["predictions"] if p["positive"]}
    assert explanation["finding"] == finding
    assert set(explanation["findings"]) == positives | {finding}
    assert set(explanation["image_heatmaps"]) == {finding}  # the others are still queued
    assert body["report_url"].endswith(f"/api/v1/analyses/{succeeded_analysis.pk}/report.pdf")

    detail = explanation["findings"][finding]
    assert detail["status"] == "succeeded"
    size = (detail["image_size"]["width"], detail["image_size"]["height"])
    heatmap = client.get(explanation["image_heatmaps"][finding], **auth(token))
    assert heatmap.status_code == 200 and heatmap["Content-Type"] == "image/png"
    assert png_size(b"".join(heatmap.streaming_content), "RGBA") == size
    assert detail["heatmap_url"] == explanation["image_heatmaps"][finding]
    image = client.get(detail["image_url"], **auth(token))
    assert png_size(b"".join(image.streaming_content), "L") == size
    overlay = client.get(detail["overlay_url"], **auth(token), HTTP_ACCEPT="image/png")
    png_size(b"".join(overlay.streaming_content))
    raw = client.get(detail["raw_heatmap_url"], **auth(token))
    values = np.load(io.BytesIO(b"".join(raw.streaming_content)), allow_pickle=False)
    assert values.shape == (size[1], size[0])

    note = succeeded_analysis.explanations.get(finding=finding).note_text
    assert [a["token"] for a in explanation["note_attributions"]] == note.split()
    assert [w["word"] for w in detail["words"]] == note.split()
    assert all(note[w["start"] : w["end"]] == w["word"] for w in detail["words"])
    shares = explanation["modality_contributions"]
    assert shares == detail["modality_contributions"]
    assert shares["image"] + shares["note"] == pytest.approx(1.0, abs=1e-6)
    assert detail["completeness"]["relative"] < 0.05
    assert detail["faithfulness"]["faithful"] == all(
        check["passed"] for check in detail["faithfulness"]["checks"]
    )
    assert detail["captum_version"]
    assert AuditEvent.objects.filter(action="explanation.requested").count() == 2


def test_another_site_sees_no_analysis_heat_map_or_report_and_reports_are_audited(
    client, uploaded_study, succeeded_analysis
) -> None:
    _, token, _ = uploaded_study
    _, other = site_token("south")
    finding, body = explain_through_the_api(client, token, succeeded_analysis)
    detail = body["explanation"]["findings"][finding]
    urls = [
        f"/api/v1/analyses/{succeeded_analysis.pk}",
        detail["heatmap_url"],
        detail["overlay_url"],
        detail["raw_heatmap_url"],
        body["report_url"],
    ]
    for url in urls:
        response = client.get(url, **auth(other))
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json"
    assert ask(client, other, succeeded_analysis.pk, finding).status_code == 404
    wrong_analysis = detail["heatmap_url"].replace(str(succeeded_analysis.pk), str(uuid.uuid4()))
    assert client.get(wrong_analysis, **auth(token)).status_code == 404
    assert not ExplanationReport.objects.exists()

    report = client.get(body["report_url"], **auth(token), HTTP_ACCEPT="application/pdf")
    assert report.status_code == 200 and report["Content-Type"] == "application/pdf"
    page, text = pdf_first_page(report.content)
    assert page.width > 500 and page.height > 700
    assert "Decision support, not a diagnosis" in text
    record = ExplanationReport.objects.get()
    assert str(record.id) in text and succeeded_analysis.study.study_instance_uid in text
    assert record.kind == "pdf" and record.findings == [finding]
    assert record.generated_by == "API client pacs"
    event = AuditEvent.objects.get(action="report.generated")
    assert event.object_id == str(record.id) and event.actor_kind == "api_client"
    assert event.details == {"analysis": str(succeeded_analysis.pk), "format": "pdf"}


def test_schema_covers_the_explanation_endpoints(client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert "/api/v1/analyses/{analysis_id}/explanations" in paths
    assert "/api/v1/analyses/{analysis_id}/report.pdf" in paths
    assert "/api/v1/analyses/{analysis_id}/explanations/{explanation_id}/{artifact}" in paths
    explanation = schema["components"]["schemas"]["Explanation"]["properties"]
    assert {"status", "image_heatmaps", "note_attributions", "modality_contributions"} <= set(
        explanation
    )
    assert "findings" in explanation
