"""A starting worker loads the active model before any analysis asks for it (real worker)."""

from __future__ import annotations

import re

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
