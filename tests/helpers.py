"""Builders shared by the platform tests: STOW bodies, FHIR notes, authenticated clients."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pydicom
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


def multipart_parts(content_type: str, body: bytes) -> list[tuple[dict[str, str], bytes]]:
    """The parts of a multipart/related response body: (headers, content) each."""
    boundary = next(
        piece.split("=", 1)[1].strip('"')
        for piece in (p.strip() for p in content_type.split(";"))
        if piece.lower().startswith("boundary=")
    )
    parts = []
    for chunk in (b"\r\n" + body).split(f"\r\n--{boundary}".encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("latin-1").split("\r\n"):
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        parts.append((headers, content))
    return parts


def dicom_with(name: str, **attributes: object) -> bytes:
    """A pydicom test file with some attributes replaced, as Part 10 bytes."""
    dataset = pydicom.dcmread(dicom_testfile(name))
    for keyword, value in attributes.items():
        setattr(dataset, keyword, value)
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float, what: str, *, every: float = 0.1) -> T:
    """Poll ``predicate`` until it returns something truthy (returned) or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def upload_study(base: str, token: str, *names: str, note: str = NOTE_TEXT) -> str:
    """STOW-RS the named pydicom test files and a FHIR note on the first one's study, as a
    hospital would, against a live server; returns the StudyInstanceUID as sent."""
    import requests

    if not names:
        raise ValueError("upload_study needs at least one DICOM file name")
    headers = {"Authorization": f"Bearer {token}"}
    paths = [dicom_testfile(name) for name in names]
    stored = requests.post(
        f"{base}/dicomweb/studies",
        data=stow_body(*(path.read_bytes() for path in paths)),
        headers={**headers, "Content-Type": STOW_CONTENT_TYPE},
        timeout=60,
    )
    assert stored.status_code == 200, stored.text
    sent_uid = pydicom.dcmread(paths[0]).StudyInstanceUID
    noted = requests.post(
        f"{base}/fhir/DocumentReference",
        json=note_resource(sent_uid, note),
        headers={**headers, "Content-Type": "application/fhir+json"},
        timeout=30,
    )
    assert noted.status_code == 201, noted.text
    return sent_uid


def settings_refusal(tmp_path: Path, **env: str) -> str:
    """Start Django in a subprocess with ``env`` added, expecting the settings to refuse it;
    returns what it wrote on stderr."""
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            **os.environ,
            **env,
            "DJANGO_SETTINGS_MODULE": "consilium.settings",
            "VAR_DIR": str(tmp_path),
            "PYTHONPATH": os.pathsep.join(sys.path),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0, "the settings accepted it"
    return result.stderr
