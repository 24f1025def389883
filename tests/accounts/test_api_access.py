"""Who may call which door: tokens, scopes, revocation, sites, rate limits and the audit trail."""

from __future__ import annotations

import pydicom
import pytest

from consilium.accounts.models import ApiScope
from consilium.accounts.services import api_client_create, api_client_revoke
from consilium.audit.models import AuditEvent
from consilium.core.throttling import rate_cache
from consilium.imaging.models import ClinicalNote, Instance
from tests.helpers import (
    NOTE_TEXT,
    STOW_CONTENT_TYPE,
    auth,
    dicom_testfile,
    note_resource,
    site_token,
    stow_body,
)

pytestmark = pytest.mark.django_db
SENT_STUDY_UID = pydicom.dcmread(dicom_testfile("CT_small.dcm")).StudyInstanceUID


def stow(client, token: str):
    return client.post(
        "/dicomweb/studies",
        data=stow_body(dicom_testfile("CT_small.dcm").read_bytes()),
        content_type=STOW_CONTENT_TYPE,
        **auth(token),
    )


def note(client, token: str):
    return client.post(
        "/fhir/DocumentReference",
        data=note_resource(SENT_STUDY_UID, NOTE_TEXT),
        content_type="application/fhir+json",
        **auth(token),
    )


@pytest.fixture
def site_data(client, active_model):
    """A site with a stored study, note and analysis; returns its token and their ids."""
    site, token = site_token("north")
    assert stow(client, token).status_code == 200
    note_id = note(client, token).json()["id"]
    analysis_id = client.post(
        "/api/v1/analyses",
        {"study_instance_uid": SENT_STUDY_UID},
        content_type="application/json",
        **auth(token),
    ).json()["id"]
    study_uid = Instance.objects.get().series.study.study_instance_uid
    return site, token, {"note": note_id, "analysis": analysis_id, "study": study_uid}


def reads(ids: dict[str, str]) -> list[str]:
    """One read per door and resource kind."""
    return [
        f"/api/v1/analyses/{ids['analysis']}",
        f"/api/v1/analyses/{ids['analysis']}/report.pdf",
        f"/fhir/DiagnosticReport/{ids['analysis']}",
        f"/fhir/DocumentReference/{ids['note']}",
        f"/dicomweb/studies/{ids['study']}/metadata",
        f"/dicomweb/studies/{ids['study']}/series",
    ]


def is_operation_outcome(response, code: str) -> bool:
    body = response.json()
    return body["resourceType"] == "OperationOutcome" and body["issue"][0]["code"] == code


@pytest.mark.parametrize("header", [None, "Bearer csl_not-a-token", "Basic dXNlcjpwYXNz"])
def test_missing_or_invalid_tokens_get_401_at_every_door(client, site_data, header) -> None:
    _, _, ids = site_data
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    for path in reads(ids):
        response = client.get(path, **headers)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"].startswith("Bearer"), path
        if path.startswith("/fhir/"):
            assert is_operation_outcome(response, "login")
    assert stow(client, "csl_not-a-token").status_code == 401
    assert is_operation_outcome(note(client, "csl_not-a-token"), "login")


def test_another_sites_objects_are_404(client, site_data) -> None:
    _, _, ids = site_data
    _, other = site_token("south")
    for path in reads(ids):
        response = client.get(path, **auth(other))
        assert response.status_code == 404, path
        if path.startswith("/fhir/"):
            assert is_operation_outcome(response, "not-found")


def test_a_revoked_token_gets_401_everywhere(client, site_data) -> None:
    site, token, ids = site_data
    for path in reads(ids):
        assert client.get(path, **auth(token)).status_code != 401, path
    api_client_revoke(client=site.api_clients.get(revoked_at__isnull=True))
    for path in reads(ids):
        response = client.get(path, **auth(token))
        assert response.status_code == 401, path
        assert "revoked" in response.content.decode()
    assert stow(client, token).status_code == 401
    assert note(client, token).status_code == 401


def test_an_upload_only_token_cannot_read(client, site_data) -> None:
    site, _, ids = site_data
    uploader = api_client_create(site=site, name="modality", scopes=[ApiScope.UPLOAD]).token
    for path in reads(ids):
        response = client.get(path, **auth(uploader))
        assert response.status_code == 403, path
        assert "read-results" in response.content.decode(), path
        if path.startswith("/fhir/"):
            assert is_operation_outcome(response, "forbidden")
    assert stow(client, uploader).status_code == 200
    assert note(client, uploader).status_code == 201


def test_a_read_only_token_cannot_upload(client, site_data) -> None:
    site, _, ids = site_data
    reader = api_client_create(site=site, name="ehr", scopes=[ApiScope.READ_RESULTS]).token
    stored = (Instance.objects.count(), ClinicalNote.objects.count())
    response = stow(client, reader)
    assert response.status_code == 403 and "'upload' scope" in response.json()["detail"]
    response = note(client, reader)
    assert response.status_code == 403 and is_operation_outcome(response, "forbidden")
    assert (Instance.objects.count(), ClinicalNote.objects.count()) == stored
    for path in reads(ids):
        assert client.get(path, **auth(reader)).status_code in (200, 409), path


def test_over_the_limit_is_429_with_retry_after_in_each_doors_dialect(
    client, site_data, settings
) -> None:
    site, token, ids = site_data
    settings.API_RATE_LIMIT = "3/minute"
    rate_cache().clear()  # forget the fixture's own uploads
    for _ in range(3):
        assert (
            client.get(f"/fhir/DocumentReference/{ids['note']}", **auth(token)).status_code == 200
        )
    for path in (
        f"/fhir/DiagnosticReport/{ids['analysis']}",
        "/dicomweb/studies",
        "/api/v1/analyses/x",
    ):
        response = client.get(path, **auth(token))
        assert response.status_code == 429, path
        assert 1 <= int(response["Retry-After"]) <= 120
        assert "3/minute" in response.content.decode()
    assert is_operation_outcome(client.get("/fhir/metadata", **auth(token)), "throttled")
    assert "detail" in client.get("/dicomweb/studies", **auth(token)).json()
    # The limit is per client: another client of the same site is not held back.
    other = api_client_create(site=site, name="ris").token
    assert client.get(f"/fhir/DocumentReference/{ids['note']}", **auth(other)).status_code == 200


def test_a_clients_own_rate_overrides_the_setting(client, site_data, settings) -> None:
    site, _, ids = site_data
    settings.API_RATE_LIMIT = "1000/minute"
    slow = api_client_create(site=site, name="slow", rate_limit="2/hour").token
    path = f"/fhir/DocumentReference/{ids['note']}"
    assert [client.get(path, **auth(slow)).status_code for _ in range(3)] == [200, 200, 429]
    allowed = client.get(path, **auth(api_client_create(site=site, name="fast").token))
    assert allowed["X-RateLimit-Limit"] == "1000"


def test_limits_can_be_switched_off(client, site_data, settings) -> None:
    _, token, ids = site_data
    settings.API_RATE_LIMIT = None
    for _ in range(5):
        response = client.get(f"/fhir/DocumentReference/{ids['note']}", **auth(token))
        assert response.status_code == 200 and "X-RateLimit-Limit" not in response


def test_every_call_is_audited_once_without_phi(client, site_data) -> None:
    site, token, ids = site_data
    AuditEvent.objects.all().delete()
    client.get(
        f"/dicomweb/studies?PatientID=SMITH^JOHN&StudyInstanceUID={SENT_STUDY_UID}", **auth(token)
    )
    client.get(f"/dicomweb/studies/{SENT_STUDY_UID}/metadata", **auth(token))
    client.get(f"/api/v1/analyses/{ids['analysis']}", **auth(token))
    client.get("/fhir/DiagnosticReport/nope", **auth(token))
    client.get("/fhir/Patient/1", **auth(token))
    client.get("/api/v1/analyses/x", **auth("csl_wrong"))
    client.put("/fhir/DocumentReference", data="{}", **auth(token))
    calls = list(AuditEvent.objects.filter(action="api.call").order_by("id"))
    assert [(c.details["method"], c.details["route"], c.details["status"]) for c in calls] == [
        ("GET", "/dicomweb/studies", 204),
        ("GET", "/dicomweb/studies/<str:study_uid>/metadata", 200),
        ("GET", "/api/v1/analyses/<str:analysis_id>", 200),
        ("GET", "/fhir/DiagnosticReport/<str:report_id>", 404),
        ("GET", "(no such route)", 404),
        ("GET", "/api/v1/analyses/<str:analysis_id>", 401),
        ("PUT", "/fhir/DocumentReference", 405),
    ]
    client_row = site.api_clients.get(revoked_at__isnull=True)
    assert {(c.actor_kind, c.actor_id, c.site_id) for c in calls if c.details["status"] != 401} == {
        ("api_client", str(client_row.pk), site.pk)
    }
    anonymous = calls[5]
    assert (anonymous.actor_kind, anonymous.actor_id, anonymous.site_id) == ("anonymous", "", None)
    recorded = " ".join(str(c.details) + c.object_id + c.actor_label for c in calls)
    assert SENT_STUDY_UID not in recorded and "SMITH" not in recorded and token not in recorded


def test_pages_outside_the_api_are_not_audited_as_calls(client, db) -> None:
    client.get("/accounts/login/")
    client.get("/api/schema/")
    assert not AuditEvent.objects.filter(action="api.call").exists()


def test_the_gate_stands_in_front_of_the_doors(settings) -> None:
    gate = "consilium.core.api_gate.ApiGateMiddleware"
    assert gate in settings.MIDDLEWARE, f"settings.MIDDLEWARE must list {gate}"
    assert settings.MIDDLEWARE.index(gate) > settings.MIDDLEWARE.index(
        "consilium.core.errors.MachineErrorMiddleware"
    )
