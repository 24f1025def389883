"""DiagnosticReport read: the analysis as FHIR R4, checked against fhir.resources and the rows."""

from __future__ import annotations

import pytest
from django.urls import reverse
from fhir.resources.R4B.diagnosticreport import DiagnosticReport

from consilium.analyses.models import Analysis
from consilium.fhir.diagnostic_report import FINDING_SYSTEM, MODEL_EXTENSION
from tests.helpers import auth, site_token

pytestmark = pytest.mark.django_db
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"


def read(client, token: str, analysis_id) -> dict:
    response = client.get(f"/fhir/DiagnosticReport/{analysis_id}", **auth(token))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json"
    DiagnosticReport.model_validate(response.json())
    return response.json()


def test_findings_are_coded_observations_against_the_models_thresholds(
    client, finished_analysis
) -> None:
    _, token, _, analysis = finished_analysis
    # One finding each side of its threshold, so both interpretations are rendered.
    first, second, *_ = analysis.predictions.all()
    first.probability, first.threshold, first.positive = 0.91, 0.5, True
    second.probability, second.threshold, second.positive = 0.12, 0.4, False
    first.save()
    second.save()
    report = read(client, token, analysis.pk)

    assert report["status"] == "final"
    observations = {o["id"]: o for o in report["contained"]}
    assert [r["reference"] for r in report["result"]] == [f"#{key}" for key in observations]
    predictions = list(analysis.predictions.all())
    assert len(observations) == len(predictions) == len(analysis.model_version.findings)
    for observation, prediction in zip(observations.values(), predictions, strict=True):
        assert observation["resourceType"] == "Observation" and observation["status"] == "final"
        assert observation["code"]["coding"][0] == {
            "system": FINDING_SYSTEM,
            "code": prediction.finding,
            "display": prediction.finding,
        }
        quantity = observation["valueQuantity"]
        assert quantity["value"] == pytest.approx(prediction.probability, abs=1e-6)
        assert (quantity["system"], quantity["code"]) == ("http://unitsofmeasure.org", "1")
        assert observation["referenceRange"][0]["high"]["value"] == pytest.approx(
            prediction.threshold, abs=1e-6
        )
        (coding,) = observation["interpretation"][0]["coding"]
        assert coding["system"] == INTERPRETATION
        assert coding["code"] == (
            "POS" if prediction.probability >= prediction.threshold else "NEG"
        )
    assert observations["finding-1"]["interpretation"][0]["coding"][0]["code"] == "POS"
    assert observations["finding-2"]["interpretation"][0]["coding"][0]["code"] == "NEG"

    positives = [p.finding for p in predictions if p.positive]
    assert [c["coding"][0]["code"] for c in report["conclusionCode"]] == positives
    assert "not a diagnosis" in report["conclusion"] and first.finding in report["conclusion"]


def test_the_model_study_and_pdf_report_are_linked(client, finished_analysis) -> None:
    _, token, sent_uid, analysis = finished_analysis
    report = read(client, token, analysis.pk)
    model = analysis.model_version
    (extension,) = [e for e in report["extension"] if e["url"] == MODEL_EXTENSION]
    assert {e["url"]: e["valueString"] for e in extension["extension"]} == {
        "name": model.name,
        "version": model.version,
    }
    assert all(model.version in o["device"]["display"] for o in report["contained"])
    (study,) = report["imagingStudy"]
    assert study["identifier"] == {
        "system": "urn:dicom:uid",
        "value": f"urn:oid:{analysis.study.study_instance_uid}",
    }
    (form,) = report["presentedForm"]
    assert form["contentType"] == "application/pdf"
    assert form["url"] == "http://testserver" + reverse(
        "api:analysis-report", kwargs={"analysis_id": analysis.pk}
    )
    assert report["meta"]["security"][0]["code"] == "PSEUDED"
    # De-identified data only: the UID the hospital sent appears nowhere.
    assert sent_uid not in str(report)


def test_a_model_that_flags_nothing_says_so(client, finished_analysis) -> None:
    _, token, _, analysis = finished_analysis
    analysis.predictions.update(positive=False, probability=0.01)
    report = read(client, token, analysis.pk)
    assert report["conclusionCode"] == [{"text": "No finding flagged by the model."}]
    assert {o["interpretation"][0]["coding"][0]["code"] for o in report["contained"]} == {"NEG"}


def test_an_unfinished_analysis_is_a_registered_report_without_results(
    client, uploaded_study, active_model
) -> None:
    _, token, sent_uid = uploaded_study
    analysis_id = client.post(
        "/api/v1/analyses",
        {"study_instance_uid": sent_uid},
        content_type="application/json",
        **auth(token),
    ).json()["id"]
    report = read(client, token, analysis_id)
    assert report["status"] == "registered"
    assert not {"contained", "result", "conclusionCode", "presentedForm"} & set(report)
    Analysis.objects.filter(pk=analysis_id).update(status="failed")
    assert read(client, token, analysis_id)["status"] == "cancelled"


def test_unknown_and_other_sites_reports_are_404_operation_outcomes(
    client, finished_analysis
) -> None:
    _, token, _, analysis = finished_analysis
    _, other = site_token("south")
    for token_used, report_id in ((other, analysis.pk), (token, "not-an-id"), (token, "0" * 32)):
        response = client.get(f"/fhir/DiagnosticReport/{report_id}", **auth(token_used))
        assert response.status_code == 404
        assert response.json()["issue"][0]["code"] == "not-found"
