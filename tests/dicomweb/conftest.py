"""A site with instances stored through STOW-RS, for the retrieve and search tests."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pydicom
import pytest

from consilium.imaging.models import Instance
from tests.helpers import (
    STOW_CONTENT_TYPE,
    auth,
    dicom_testfile,
    dicom_with,
    site_token,
    stow_body,
)

STORED_FILES = ("CT_small.dcm", "MR_small.dcm", "emri_small.dcm", "MR2_J2KR.dcm")
# MR2_J2KR.dcm shares MR_small's UIDs; give it its own, so it is a separate (compressed) instance.
OWN_UIDS = {
    "MR2_J2KR.dcm": {
        "SOPInstanceUID": "1.2.826.0.1.3680043.8.498.7001",
        "SeriesInstanceUID": "1.2.826.0.1.3680043.8.498.7002",
    }
}


def payload(name: str) -> bytes:
    return (
        dicom_with(name, **OWN_UIDS[name])
        if name in OWN_UIDS
        else dicom_testfile(name).read_bytes()
    )


@dataclass
class StoredSite:
    site: object
    token: str
    headers: dict[str, str]
    instances: dict[str, Instance]  # by test file name
    originals: dict[str, pydicom.Dataset]

    def url(self, name: str, suffix: str = "") -> str:
        instance = self.instances[name]
        series = instance.series
        return (
            f"/dicomweb/studies/{series.study.study_instance_uid}/series/"
            f"{series.series_instance_uid}/instances/{instance.sop_instance_uid}{suffix}"
        )


def stow(client, token: str, *payloads: bytes, path: str = "/dicomweb/studies"):
    return client.post(
        path, data=stow_body(*payloads), content_type=STOW_CONTENT_TYPE, **auth(token)
    )


@pytest.fixture
def stored(client, db) -> StoredSite:
    site, token = site_token("wado")
    payloads = {name: payload(name) for name in STORED_FILES}
    response = stow(client, token, *payloads.values())
    assert response.status_code == 200, response.content
    originals = {name: pydicom.dcmread(io.BytesIO(data)) for name, data in payloads.items()}
    referenced = response.json()["00081199"]["Value"]
    by_sent_uid = {item["00081155"]["Value"][0]: item for item in referenced}
    instances = {}
    for name, original in originals.items():
        url = by_sent_uid[original.SOPInstanceUID]["00081190"]["Value"][0]
        instances[name] = Instance.objects.select_related("series__study").get(
            sop_instance_uid=url.rsplit("/", 1)[1]
        )
    return StoredSite(site, token, auth(token), instances, originals)
