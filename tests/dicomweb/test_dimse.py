"""The DIMSE listener: C-ECHO, C-STORE into the same ingestion as STOW-RS, found by QIDO-RS."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pydicom
import pytest
from django.core.management import CommandError, call_command
from pynetdicom import AE
from pynetdicom.sop_class import CTImageStorage, SecondaryCaptureImageStorage, Verification

from consilium.dicomweb.dimse import ListenerConfig, c_store_status, dicom_listener_start
from consilium.imaging.models import Instance
from consilium.imaging.services import FailureReason, InstanceOutcome
from tests.helpers import auth, dicom_testfile, site_token

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def send(port: int, dataset: pydicom.Dataset | None, called: str = "CONSILIUM"):
    """C-STORE `dataset` (or C-ECHO when None); the response status, or None if refused."""
    scu = AE(ae_title="TESTSCU")
    scu.add_requested_context(Verification)
    scu.add_requested_context(CTImageStorage)
    scu.add_requested_context(SecondaryCaptureImageStorage)
    association = scu.associate("127.0.0.1", port, ae_title=called)
    if not association.is_established:
        return None
    try:
        if dataset is None:
            return association.send_c_echo()
        return association.send_c_store(dataset)
    finally:
        association.release()


@pytest.fixture
def listener(transactional_db):
    site, token = site_token("dimse")
    port = free_port()
    server = dicom_listener_start(
        config=ListenerConfig(site=site, host="127.0.0.1", port=port), block=False
    )
    yield port, token
    server.shutdown()


def test_echo_and_store_then_find_it_with_qido(client, listener) -> None:
    port, token = listener
    assert send(port, None).Status == 0x0000
    ct = pydicom.dcmread(dicom_testfile("CT_small.dcm"))
    status = send(port, ct)
    assert status.Status == 0x0000
    assert send(port, ct).Status == 0x0000  # re-sending is idempotent
    assert Instance.objects.count() == 1

    response = client.get(
        "/dicomweb/studies", {"StudyInstanceUID": ct.StudyInstanceUID}, **auth(token)
    )
    assert response.status_code == 200
    (study,) = response.json()
    assert study["0020000D"]["Value"][0] != ct.StudyInstanceUID
    assert study["00100020"]["Value"][0] != ct.PatientID
    instances = client.get(
        f"/dicomweb/studies/{study['0020000D']['Value'][0]}/instances", **auth(token)
    ).json()
    assert instances[0]["00080016"]["Value"] == [ct.SOPClassUID]


def test_a_quarantined_instance_is_refused_not_authorised(listener) -> None:
    port, _ = listener
    screenshot = pydicom.dcmread(dicom_testfile("SC_rgb.dcm"))
    status = send(port, screenshot)
    assert status.Status == 0x0124
    assert "Quarantined" in status.ErrorComment
    assert Instance.objects.count() == 0


def test_a_call_to_another_ae_title_is_rejected(listener) -> None:
    port, _ = listener
    assert send(port, None, called="SOMEONEELSE") is None


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        (FailureReason.REFUSED_NOT_AUTHORIZED, 0x0124),
        (FailureReason.SOP_CLASS_NOT_SUPPORTED, 0x0122),
        (FailureReason.CANNOT_UNDERSTAND, 0xC000),
        (FailureReason.PROCESSING_FAILURE, 0x0110),
    ],
)
def test_ingestion_failures_map_to_c_store_statuses(reason: int, status: int) -> None:
    response = c_store_status(
        InstanceOutcome(None, None, failure_reason=reason, failure_comment="why")
    )
    assert response.Status == status and response.ErrorComment == "why"


@pytest.mark.django_db
def test_the_command_needs_a_known_site() -> None:
    with pytest.raises(CommandError, match="No site"):
        call_command("dicom_listener", "--site", "nowhere")


@pytest.mark.slow
def test_the_command_listens_and_stores(worker_env, transactional_db, settings) -> None:
    site, _ = site_token("dimse-command")
    port = free_port()
    env = {**worker_env, "IDENTIFIER_ENCRYPTION_KEY": settings.IDENTIFIER_ENCRYPTION_KEY}
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "dicom_listener",
            "--site",
            site.slug,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--ae-title",
            "HOSPITALSCP",
            "--allow-calling-aet",
            "TESTSCU",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert "Listening as HOSPITALSCP" in process.stdout.readline()
        deadline = time.monotonic() + 30
        while (echo := send(port, None, called="HOSPITALSCP")) is None:
            assert time.monotonic() < deadline, "the listener never accepted an association"
            time.sleep(0.2)
        assert echo.Status == 0x0000
        status = send(port, pydicom.dcmread(dicom_testfile("CT_small.dcm")), called="HOSPITALSCP")
        assert status.Status == 0x0000
        assert Instance.objects.filter(series__study__site=site).count() == 1
    finally:
        process.terminate()
        process.wait(timeout=30)
