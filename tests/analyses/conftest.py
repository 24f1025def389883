from __future__ import annotations

import pytest

from tests.helpers import (
    NOTE_TEXT,
    STOW_CONTENT_TYPE,
    auth,
    dicom_testfile,
    note_resource,
    site_token,
    stow_body,
)


@pytest.fixture
def uploaded_study(client, db):
    """A site, its token and a study with CT + MR images and a note, uploaded through the doors."""
    import pydicom

    site, token = site_token("north")
    ct = dicom_testfile("CT_small.dcm")
    response = client.post(
        "/dicomweb/studies",
        data=stow_body(ct.read_bytes(), dicom_testfile("MR_small.dcm").read_bytes()),
        content_type=STOW_CONTENT_TYPE,
        **auth(token),
    )
    assert response.status_code in (200, 202), response.content
    sent_uid = pydicom.dcmread(ct).StudyInstanceUID
    response = client.post(
        "/fhir/DocumentReference",
        data=note_resource(sent_uid, NOTE_TEXT),
        content_type="application/fhir+json",
        **auth(token),
    )
    assert response.status_code == 201
    return site, token, sent_uid
