"""GET /fhir/metadata lists exactly what the FHIR door does: each listed interaction and search
parameter answers, and the interactions it leaves out are refused."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from consilium.imaging.models import ClinicalNote
from tests.helpers import NOTE_TEXT, auth, note_resource

pytestmark = pytest.mark.django_db
SAMPLE_VALUES = {"study": "1.2.3", "related": "urn:oid:1.2.3", "status": "final"}


def capabilities(client) -> dict:
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    CapabilityStatement.model_validate(response.json())
    return response.json()


def test_the_statement_is_public_and_names_what_is_implemented(client) -> None:
    statement = capabilities(client)
    assert statement["fhirVersion"] == "4.0.1" and statement["kind"] == "instance"
    assert statement["format"] == ["application/fhir+json", "json"]
    assert statement["implementation"]["url"] == "http://testserver/fhir"
    (rest,) = statement["rest"]
    assert rest["mode"] == "server" and "interaction" not in rest
    listed = {
        resource["type"]: (
            [i["code"] for i in resource["interaction"]],
            [p["name"] for p in resource["searchParam"]],
        )
        for resource in rest["resource"]
    }
    assert listed == {
        "DocumentReference": (["create", "read", "search-type"], ["related", "study"]),
        "DiagnosticReport": (["read", "search-type"], ["study", "status"]),
    }
    assert {p["name"] for p in rest["searchParam"]} == {"_count", "_offset", "_summary", "_format"}


def test_every_listed_interaction_and_search_parameter_answers(client, uploaded_study) -> None:
    _, token, sent_uid = uploaded_study
    note = ClinicalNote.objects.get()
    ids = {"DocumentReference": str(note.pk), "DiagnosticReport": "0" * 32}
    for resource in capabilities(client)["rest"][0]["resource"]:
        kind = resource["type"]
        for interaction in (i["code"] for i in resource["interaction"]):
            if interaction == "create":
                response = client.post(
                    f"/fhir/{kind}",
                    data=note_resource(sent_uid, NOTE_TEXT),
                    content_type="application/fhir+json",
                    **auth(token),
                )
                assert response.status_code == 201, kind
            elif interaction == "read":
                response = client.get(f"/fhir/{kind}/{ids[kind]}", **auth(token))
                # An unknown id is a 404 OperationOutcome, not a missing route.
                assert response.json()["resourceType"] in (kind, "OperationOutcome"), kind
                assert response.status_code in (200, 404), kind
            else:
                for param in resource["searchParam"]:
                    # Strict handling: a parameter the server did not know would be a 400.
                    response = client.get(
                        f"/fhir/{kind}",
                        {param["name"]: SAMPLE_VALUES[param["name"]], "_count": "1"},
                        HTTP_PREFER="handling=strict",
                        **auth(token),
                    )
                    assert response.status_code == 200, (kind, param["name"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/fhir/DocumentReference/00000000-0000-0000-0000-000000000000"),
        ("delete", "/fhir/DocumentReference/00000000-0000-0000-0000-000000000000"),
        ("post", "/fhir/DiagnosticReport"),
        ("put", "/fhir/DiagnosticReport/x"),
        ("post", "/fhir/metadata"),
    ],
)
def test_interactions_not_listed_are_405_operation_outcomes(client, uploaded_study, method, path):
    _, token, _ = uploaded_study
    response = getattr(client, method)(
        path, data="{}", content_type="application/fhir+json", **auth(token)
    )
    assert response.status_code == 405
    assert response.json()["issue"][0]["code"] == "not-supported" and response["Allow"]


def test_resource_types_not_served_are_404_operation_outcomes(client, uploaded_study) -> None:
    _, token, _ = uploaded_study
    for path in ("/fhir/Patient", "/fhir/ImagingStudy/1", "/fhir/Observation?code=x"):
        response = client.get(path, **auth(token))
        assert response.status_code == 404
        assert response.json()["resourceType"] == "OperationOutcome"
