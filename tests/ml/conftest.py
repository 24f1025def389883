"""Fixtures for the ml tests: small synthetic data and an untrained checkpoint, built once.

The ml package imports no Django, so these tests run with ``-p no:django`` as well as inside the
full suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# nothing in ml may reach the network; fail fast if something tries
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _media_root() -> None:
    """Overrides the suite-wide media fixture, which needs Django settings ml does not use."""


@pytest.fixture(scope="session")
def untrained_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid checkpoint with seeded random weights at 32 px (real architecture, no training)."""
    from ml.demo import build_untrained_checkpoint

    return build_untrained_checkpoint(tmp_path_factory.mktemp("ml") / "untrained", image_size=32)


@pytest.fixture(scope="session")
def tiny_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 synthetic studies at 64 px (synthetic, not clinical data)."""
    from ml.synthetic import generate_synthetic_set

    root = tmp_path_factory.mktemp("ml") / "tiny-set"
    generate_synthetic_set(root, n=24, seed=5, matrix=64)
    return root


@pytest.fixture(scope="session")
def predictor(untrained_checkpoint: Path):
    from ml.inference import Predictor

    return Predictor.load(untrained_checkpoint)
