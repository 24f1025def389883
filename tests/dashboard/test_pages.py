from __future__ import annotations

import json
import struct

import pytest

from consilium.accounts.services import site_get_or_create, user_create
from consilium.analyses.models import Analysis
from consilium.analyses.services import analysis_execute
from consilium.audit.models import AuditEvent
from consilium.imaging.models import Instance, Study
from consilium.imaging.selectors import study_get_by_uid

pytestmark = pytest.mark.django_db


@pytest.fixture
def noted_study(uploaded_study) -> Study:
    """The CT study, which the note names (CT_small and MR_small are two studies)."""
    site, _, sent_uid = uploaded_study
    return study_get_by_uid(site=site, uid=sent_uid)


@pytest.fixture
def clinician(uploaded_study):
    site, _, _ = uploaded_study
    return user_create(site=site, username="dr-north", password="long-password-1")


def test_pages_need_login(client) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    login = client.get("/accounts/login/")
    assert b"not a diagnosis" in login.content


def test_login_and_worklist(client, clinician) -> None:
    response = client.post(
        "/accounts/login/", {"username": "dr-north", "password": "long-password-1"}
    )
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert b"Decision support, not a diagnosis" in page.content
    for study in Study.objects.all():
        assert study.patient.pseudonym.encode() in page.content


def test_study_page_shows_image_note_and_predictions(
    noted_study, client, clinician, uploaded_study, active_model, django_capture_on_commit_callbacks
) -> None:
    client.force_login(clinician)
    study = noted_study
    with django_capture_on_commit_callbacks(execute=False):
        client.post(f"/studies/{study.pk}/analyse")
    analysis_execute(analysis_id=str(Analysis.objects.get().pk), worker="inline")
    page = client.get(f"/studies/{study.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Decision support, not a diagnosis" in text
    assert "heart failure" in text and "John Smith" not in text
    for finding in active_model.findings:
        assert finding in text
    assert AuditEvent.objects.filter(action="study.viewed", object_id=str(study.pk)).exists()
    instance = Instance.objects.filter(series__study=study, rows__isnull=False).first()
    frame = client.get(f"/instances/{instance.pk}/frames/1")  # what the viewer draws
    assert frame["Content-Type"] == "application/octet-stream"
    (length,) = struct.unpack_from("<I", frame.content)
    meta = json.loads(frame.content[4 : 4 + length])
    assert (meta["columns"], meta["rows"]) == (instance.columns, instance.rows)


def test_another_sites_clinician_sees_nothing(client, noted_study) -> None:
    outsider = user_create(
        site=site_get_or_create(slug="south"), username="dr-south", password="long-password-2"
    )
    client.force_login(outsider)
    study = noted_study
    instance = Instance.objects.filter(series__study=study).first()
    assert study.study_instance_uid.encode() not in client.get("/").content
    assert client.get(f"/studies/{study.pk}/").status_code == 404
    assert client.get(f"/instances/{instance.pk}/frames/1").status_code == 404
    assert client.post(f"/studies/{study.pk}/analyse").status_code == 404
