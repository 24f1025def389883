"""A starting worker loads the active model before any analysis asks for it (real worker)."""

from __future__ import annotations

import re
import shutil

import pytest

from consilium.registry.services import model_version_register
from tests.helpers import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_starting_worker_loads_the_active_model_version(worker_pool, checkpoint_dir) -> None:
    model = model_version_register(checkpoint_dir=checkpoint_dir)
    worker = worker_pool.start("preload-worker@localhost")
    try:
        loaded = wait_for(
            lambda: re.search(r"Preloaded model (\S+) (\S+) in [\d.]+ s", worker.log_text()),
            120,
            "the worker to preload the active model",
        )
        assert loaded.groups() == (model.name, model.version)
        assert "Could not preload" not in worker.log_text()
    finally:
        worker.stop()


def test_a_checkpoint_that_fails_to_load_does_not_stop_the_worker(
    worker_pool, checkpoint_dir, tmp_path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(checkpoint_dir, broken)
    model_version_register(checkpoint_dir=broken)
    (broken / "model.safetensors").write_bytes(b"not safetensors")
    worker = worker_pool.start("broken-preload-worker@localhost")  # returns once it answers pings
    try:
        wait_for(
            lambda: "Could not preload the active model version" in worker.log_text(),
            60,
            "the worker to log the failed preload",
        )
        assert worker.process is not None and worker.process.poll() is None
    finally:
        worker.stop()
