"""After a real upload (STOW-RS + FHIR note + analysis request), no planted identifier is found
in the database, the media store, the logs, or the task messages sent to the broker."""

from __future__ import annotations

import io
import json
import logging

import pydicom
import pytest
from celery.signals import before_task_publish
from django.core.management import call_command
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from consilium.imaging.identifiers import identifier_reveal
from consilium.imaging.models import IdentifierKind, Study
from tests.helpers import (
    STOW_CONTENT_TYPE,
    auth,
    dicom_testfile,
    note_resource,
    site_token,
    stow_body,
)

pytestmark = pytest.mark.django_db

PLANTED = {
    "PatientName": "Quigglesworth^Zebedee",
    "PatientID": "MRN99887766",
    "PatientBirthDate": "19470312",
    "InstitutionName": "Saint Quigglesworth Infirmary",
    "ReferringPhysicianName": "Fotheringay^Ottoline",
    "AccessionNumber": "ACC55443322",
    "StudyDescription": "Chest for Zebedee Quigglesworth",
    "OtherPatientIDs": "ALT77665544",
}
STUDY_UID = "1.2.826.0.1.3680043.8.498.77777777777777777777"
NOTE = (
    "Zebedee Quigglesworth (MRN99887766), born 03/12/1947, seen by Dr. Ottoline Fotheringay at "
    "Saint Quigglesworth Infirmary. Fever and productive cough. No evidence of pneumothorax."
)
NEEDLES = [
    "Quigglesworth",
    "Zebedee",
    "99887766",
    "Fotheringay",
    "Ottoline",
    "55443322",
    "77665544",
    STUDY_UID,
]


def planted_instance() -> bytes:
    dataset = pydicom.dcmread(dicom_testfile("CT_small.dcm"))
    for keyword, value in PLANTED.items():
        setattr(dataset, keyword, value)
    dataset.StudyInstanceUID = STUDY_UID
    person = Dataset()
    person.PersonName = "Quigglesworth^Zebedee"
    dataset.ReferencedPatientSequence = Sequence([person])
    dataset.add_new(0x00291010, "LO", "Zebedee Quigglesworth private")
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def assert_clean(text: str, where: str) -> None:
    found = [needle for needle in NEEDLES if needle.lower() in text.lower()]
    assert not found, f"{found} found in {where}"


def test_no_planted_identifier_is_stored_logged_or_queued(
    client, media_dir, caplog, broker_url, active_model, django_capture_on_commit_callbacks
) -> None:
    site, token = site_token("leaks")
    messages: list[str] = []

    def capture(body=None, headers=None, **kwargs) -> None:
        messages.append(json.dumps([body, headers], default=str))

    before_task_publish.connect(capture)
    caplog.set_level(logging.DEBUG)
    try:
        response = client.post(
            "/dicomweb/studies",
            data=stow_body(planted_instance()),
            content_type=STOW_CONTENT_TYPE,
            **auth(token),
        )
        assert response.status_code == 200, response.content
        response = client.post(
            "/fhir/DocumentReference",
            data=note_resource(STUDY_UID, NOTE),
            content_type="application/fhir+json",
            **auth(token),
        )
        assert response.status_code == 201
        assert_clean(response.content.decode(), "the FHIR response")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/analyses",
                {"study_instance_uid": STUDY_UID},
                content_type="application/json",
                **auth(token),
            )
        assert response.status_code == 202
    finally:
        before_task_publish.disconnect(capture)

    assert messages, "the analysis task was not published"
    for message in messages:
        assert_clean(message, "a task message")
    assert_clean(caplog.text, "the logs")
    database = io.StringIO()
    call_command("dumpdata", "--natural-foreign", stdout=database)
    assert_clean(database.getvalue(), "the database")
    for path in media_dir.rglob("*"):
        if path.is_file():
            assert_clean(path.read_bytes().decode("latin-1"), f"media file {path.name}")

    # The way back exists, encrypted, and reading it is audited.
    study = Study.objects.get(site=site)
    original = identifier_reveal(
        site=site,
        actor=None,
        kind=IdentifierKind.STUDY_INSTANCE_UID,
        replacement=study.study_instance_uid,
    )
    assert original == STUDY_UID
    assert study.site.auditevent_set.filter(action="identifier.revealed").count() == 1
