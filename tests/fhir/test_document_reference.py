from __future__ import annotations

import base64

import pytest

from consilium.imaging.models import ClinicalNote, Study
from tests.helpers import NOTE_TEXT, auth, note_resource, site_token

pytestmark = pytest.mark.django_db
STUDY_UID = "1.2.826.0.1.3680043.8.498.1234567890"


def post(client, token: str, resource) -> object:
    return client.post(
        "/fhir/DocumentReference",
        data=resource,
        content_type="application/fhir+json",
        **auth(token),
    )


def test_note_is_stored_de_identified_and_linked_to_the_study(client) -> None:
    _, token = site_token()
    response = post(client, token, note_resource(STUDY_UID, NOTE_TEXT))
    assert response.status_code == 201, response.content
    note = ClinicalNote.objects.get()
    assert response["Location"].endswith(f"/fhir/DocumentReference/{note.pk}")
    assert "John Smith" not in note.text and "12345678" not in note.text
    assert "heart failure" in note.text
    assert note.study.study_instance_uid != STUDY_UID
    returned = base64.b64decode(response.json()["content"][0]["attachment"]["data"]).decode()
    assert returned == note.text
    read = client.get(response["Location"], **auth(token))
    assert read.status_code == 200 and read.json()["id"] == str(note.pk)


def test_resending_a_note_is_idempotent(client) -> None:
    _, token = site_token()
    first = post(client, token, note_resource(STUDY_UID, NOTE_TEXT))
    second = post(client, token, note_resource(STUDY_UID, NOTE_TEXT))
    assert first["Location"] == second["Location"]
    assert ClinicalNote.objects.count() == 1 and Study.objects.count() == 1


@pytest.mark.parametrize(
    ("resource", "fragment"),
    [
        ({"resourceType": "Patient"}, "DocumentReference"),
        ({**note_resource(STUDY_UID, "x"), "context": {}}, "urn:dicom:uid"),
        ({**note_resource(STUDY_UID, "x"), "content": "not a list"}, "not valid FHIR"),
        ({**note_resource("not-a-uid", "x")}, "UID"),
    ],
)
def test_bad_resources_get_an_operation_outcome(client, resource, fragment) -> None:
    _, token = site_token()
    response = post(client, token, resource)
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert fragment in outcome["issue"][0]["diagnostics"]
    assert ClinicalNote.objects.count() == 0


def test_not_json_and_no_token(client) -> None:
    _, token = site_token()
    assert post(client, token, "{not json").status_code == 400
    response = client.post("/fhir/DocumentReference", data={}, content_type="application/fhir+json")
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"
