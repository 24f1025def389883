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
def tiny_studies(tiny_set: Path) -> list:
    """The tiny set's studies as :class:`~ml.inference.StudyInput`s, in ``labels.csv`` order."""
    from ml.inference import labelled_studies

    return labelled_studies(tiny_set)


@pytest.fixture(scope="session")
def predictor(untrained_checkpoint: Path):
    """The exact path (CPU, fp32): these tests compare probabilities to 1e-5. bf16 and CUDA
    have their own tests (test_precision.py, test_cuda.py)."""
    from ml.inference import Predictor

    return Predictor.load(untrained_checkpoint, device="cpu", precision="float32")


def _ml_source_digest() -> str:
    """A digest of the ml package's code: a cached demo model is reused only by the same code."""
    import hashlib

    import ml

    root = Path(ml.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if "explain" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def demo_checkpoint(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The demo model `make run` serves, trained by its own recipe on synthetic data (about four
    minutes on two cores). It is kept in pytest's cache, keyed by the ml code, so a machine
    trains it once; without the cache plugin it is trained into a temporary directory."""
    from ml.demo import ensure_demo_checkpoint

    cache = getattr(request.config, "cache", None)
    root = (
        Path(cache.mkdir(f"consilium-demo-{_ml_source_digest()}"))
        if cache is not None
        else tmp_path_factory.mktemp("demo")
    )
    return ensure_demo_checkpoint(root / "demo", progress=False)
