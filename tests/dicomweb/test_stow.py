"""STOW-RS through the real view: per-instance results, idempotency, auth and site scoping."""

from __future__ import annotations

import io
import json

import pydicom
import pytest

from consilium.audit.models import AuditEvent
from consilium.imaging.models import Instance, Study
from tests.helpers import STOW_CONTENT_TYPE, auth, dicom_testfile, site_token, stow_body

pytestmark = pytest.mark.django_db

FAILED = "00081198"
REFERENCED = "00081199"


def stow(client, token: str, *payloads: bytes):
    return client.post(
        "/dicomweb/studies",
        data=stow_body(*payloads),
        content_type=STOW_CONTENT_TYPE,
        **auth(token),
    )


def test_stores_de_identified_instances_and_answers_dicom_json(client) -> None:
    _, token = site_token()
    ct = dicom_testfile("CT_small.dcm").read_bytes()
    original = pydicom.dcmread(dicom_testfile("CT_small.dcm"))
    response = stow(client, token, ct)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/dicom+json"
    body = response.json()
    (item,) = body[REFERENCED]["Value"]
    assert item["00081155"]["Value"] == [original.SOPInstanceUID]  # the sender's UID, to reconcile
    instance = Instance.objects.get()
    assert instance.sop_instance_uid != original.SOPInstanceUID
    stored = instance.file.read()
    assert str(original.PatientName).encode() not in stored
    assert original.StudyInstanceUID.encode() not in stored
    assert AuditEvent.objects.filter(action="instance.stored").count() == 1


def test_resending_an_instance_is_idempotent(client) -> None:
    _, token = site_token()
    ct = dicom_testfile("CT_small.dcm").read_bytes()
    assert stow(client, token, ct).status_code == 200
    again = stow(client, token, ct)
    assert again.status_code == 200
    assert Instance.objects.count() == 1


def test_a_non_dicom_part_fails_alone_with_a_reason(client) -> None:
    _, token = site_token()
    response = stow(
        client, token, dicom_testfile("MR_small.dcm").read_bytes(), b"%PDF-1.4 not dicom"
    )
    assert response.status_code == 202
    body = response.json()
    assert len(body[REFERENCED]["Value"]) == 1
    (failed,) = body[FAILED]["Value"]
    assert failed["00081197"]["Value"] == [0xC000]
    assert "DICOM" in failed["00000902"]["Value"][0]


def test_only_failures_answer_409(client) -> None:
    _, token = site_token()
    response = stow(client, token, b"garbage")
    assert response.status_code == 409
    assert response.json()[FAILED]["Value"][0]["00081197"]["Value"] == [0xC000]


def test_wrong_content_type_is_415(client) -> None:
    _, token = site_token()
    response = client.post(
        "/dicomweb/studies", data=b"{}", content_type="application/json", **auth(token)
    )
    assert response.status_code == 415
    assert "multipart/related" in response.json()["detail"]


def test_malformed_multipart_is_400(client) -> None:
    _, token = site_token()
    response = client.post(
        "/dicomweb/studies",
        data=b"no boundary anywhere",
        content_type=STOW_CONTENT_TYPE,
        **auth(token),
    )
    assert response.status_code == 400


def test_missing_or_invalid_token_is_401(client) -> None:
    body = stow_body(dicom_testfile("CT_small.dcm").read_bytes())
    missing = client.post("/dicomweb/studies", data=body, content_type=STOW_CONTENT_TYPE)
    invalid = client.post(
        "/dicomweb/studies", data=body, content_type=STOW_CONTENT_TYPE, **auth("nope")
    )
    assert missing.status_code == invalid.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert Study.objects.count() == 0


def test_other_site_sees_404(client) -> None:
    _, token_a = site_token("a")
    _, token_b = site_token("b")
    original = pydicom.dcmread(dicom_testfile("CT_small.dcm"))
    stow(client, token_a, dicom_testfile("CT_small.dcm").read_bytes())
    study_uid = Study.objects.get().study_instance_uid
    for uid in (study_uid, original.StudyInstanceUID):
        assert client.get(f"/dicomweb/studies/{uid}/series", **auth(token_a)).status_code == 200
        assert client.get(f"/dicomweb/studies/{uid}/series", **auth(token_b)).status_code == 404
        assert client.get(f"/dicomweb/studies/{uid}", **auth(token_b)).status_code == 404
    assert client.get("/dicomweb/studies", **auth(token_b)).status_code == 204


def test_qido_finds_a_study_by_the_uid_the_hospital_sent(client) -> None:
    _, token = site_token()
    original = pydicom.dcmread(dicom_testfile("CT_small.dcm"))
    stow(client, token, dicom_testfile("CT_small.dcm").read_bytes())
    response = client.get(
        "/dicomweb/studies", {"StudyInstanceUID": original.StudyInstanceUID}, **auth(token)
    )
    assert response.status_code == 200
    (study,) = json.loads(response.content)
    assert study["0020000D"]["Value"] == [Study.objects.get().study_instance_uid]
    assert study["00100020"]["Value"][0] != original.PatientID


def test_stow_into_a_named_study_fails_other_studies_instances_alone(client) -> None:
    _, token = site_token()
    ct, mr = (dicom_testfile(name) for name in ("CT_small.dcm", "MR_small.dcm"))
    study_uid = pydicom.dcmread(ct).StudyInstanceUID
    response = client.post(
        f"/dicomweb/studies/{study_uid}",
        data=stow_body(ct.read_bytes(), mr.read_bytes()),
        content_type=STOW_CONTENT_TYPE,
        **auth(token),
    )
    assert response.status_code == 202
    body = response.json()
    (stored,) = body[REFERENCED]["Value"]
    assert stored["00081155"]["Value"] == [pydicom.dcmread(ct).SOPInstanceUID]
    (failed,) = body[FAILED]["Value"]
    assert failed["00081155"]["Value"] == [pydicom.dcmread(mr).SOPInstanceUID]
    assert failed["00081197"]["Value"] == [0xA900]
    assert "another study" in failed["00000902"]["Value"][0]
    assert body["00081190"]["Value"][0].endswith(Study.objects.get().study_instance_uid)
    assert Instance.objects.count() == 1


def test_stow_into_a_study_by_its_de_identified_uid(client) -> None:
    _, token = site_token()
    ct = dicom_testfile("CT_small.dcm").read_bytes()
    assert stow(client, token, ct).status_code == 200
    study_uid = Study.objects.get().study_instance_uid
    response = client.post(
        f"/dicomweb/studies/{study_uid}",
        data=stow_body(ct),
        content_type=STOW_CONTENT_TYPE,
        **auth(token),
    )
    assert response.status_code == 200


def test_stow_into_a_study_where_nothing_matches_is_409(client) -> None:
    _, token = site_token()
    response = client.post(
        "/dicomweb/studies/1.2.3.4.5",
        data=stow_body(dicom_testfile("CT_small.dcm").read_bytes()),
        content_type=STOW_CONTENT_TYPE,
        **auth(token),
    )
    assert response.status_code == 409
    assert response.json()[FAILED]["Value"][0]["00081197"]["Value"] == [0xA900]
    assert Study.objects.count() == 0


def test_chunked_upload_through_the_servers_input_stream(client) -> None:
    _, token = site_token()
    body = stow_body(dicom_testfile("CT_small.dcm").read_bytes())
    # What a WSGI server that de-chunks the body (gunicorn) hands over: no CONTENT_LENGTH.
    request = client.post(
        "/dicomweb/studies",
        data=body,
        content_type=STOW_CONTENT_TYPE,
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True},
        **auth(token),
    )
    assert request.status_code == 200, request.content
    assert Instance.objects.count() == 1
