"""Builders shared by the platform tests: STOW bodies, FHIR notes, authenticated clients."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

from pydicom.data import get_testdata_file

from consilium.accounts.services import api_client_create, site_get_or_create

BOUNDARY = "consilium-test-boundary"
STOW_CONTENT_TYPE = f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'


def dicom_testfile(name: str) -> Path:
    return Path(get_testdata_file(name))


def stow_body(*payloads: bytes, boundary: str = BOUNDARY) -> bytes:
    parts = [
        f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + payload + b"\r\n"
        for payload in payloads
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def note_resource(study_uid: str, text: str) -> dict:
    return {
        "resourceType": "DocumentReference",
        "status": "current",
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain",
                    "data": base64.b64encode(text.encode()).decode(),
                }
            }
        ],
        "context": {
            "related": [
                {"identifier": {"system": "urn:dicom:uid", "value": f"urn:oid:{study_uid}"}}
            ]
        },
    }


def site_token(slug: str | None = None) -> tuple[object, str]:
    """A site and a live bearer token for it."""
    site = site_get_or_create(slug=slug or f"site-{uuid.uuid4().hex[:8]}")
    return site, api_client_create(site=site, name="pacs").token


def auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# A synthetic note with planted identifiers (made-up people and places).
NOTE_TEXT = (FIXTURES / "notes" / "admission_note.txt").read_text()
