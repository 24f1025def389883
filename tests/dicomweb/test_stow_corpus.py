"""Every file pydicom and pydicom-data ship, sent by STOW-RS: each part is stored or fails alone
with a reason, never a server error; and what was stored can be read back over WADO-RS."""

from __future__ import annotations

import json
from pathlib import Path

import data_store
import pydicom
import pytest

from tests.dicomweb.conftest import stow
from tests.helpers import site_token

pytestmark = pytest.mark.django_db

PYDICOM_DATA = Path(pydicom.__file__).parent / "data"
ROOTS = (
    PYDICOM_DATA / "test_files",
    PYDICOM_DATA / "charset_files",
    Path(data_store.__file__).parent,
)
CORPUS = sorted(
    path
    for root in ROOTS
    for path in root.rglob("*")
    if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
)
BATCH_BYTES = 12 * 1024 * 1024


def batches() -> list[list[Path]]:
    grouped: list[list[Path]] = [[]]
    size = 0
    for path in CORPUS:
        if (grouped[-1] and size + path.stat().st_size > BATCH_BYTES) or len(grouped[-1]) >= 40:
            grouped.append([])
            size = 0
        grouped[-1].append(path)
        size += path.stat().st_size
    return grouped


BATCHES = batches()


def test_the_corpus_is_there() -> None:
    assert len(CORPUS) > 250


@pytest.mark.parametrize("batch", BATCHES, ids=[f"{b[0].name}..{b[-1].name}" for b in BATCHES])
def test_every_shipped_file_is_stored_or_refused_with_a_reason(client, batch) -> None:
    _, token = site_token()
    response = stow(client, token, *(path.read_bytes() for path in batch))
    assert response.status_code in (200, 202, 409), response.content[:500]
    body = response.json()
    stored = body.get("00081199", {}).get("Value", [])
    failed = body.get("00081198", {}).get("Value", [])
    assert len(stored) + len(failed) == len(batch)
    for failure in failed:
        assert failure["00081197"]["Value"][0] > 0
        assert failure["00000902"]["Value"][0].strip()

    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for item in stored:
        url = item["00081190"]["Value"][0].split("://", 1)[1].split("/", 1)[1]
        metadata = client.get(f"/{url}/metadata", **headers)
        assert metadata.status_code == 200, (url, metadata.content[:300])
        (instance,) = json.loads(b"".join(metadata.streaming_content))
        assert instance["00120062"]["Value"] == ["YES"]  # PatientIdentityRemoved
        retrieved = client.get(f"/{url}", **headers)
        assert retrieved.status_code == 200
        assert b"".join(retrieved.streaming_content).endswith(b"--\r\n")
        for suffix in ("/rendered", "/frames/1"):
            assert client.get(f"/{url}{suffix}", **headers).status_code < 500
