"""The model and studies a benchmark runs on (bench scripts import this as a sibling module)."""

from __future__ import annotations

from pathlib import Path

from ml.demo import build_untrained_checkpoint
from ml.inference import StudyInput, labelled_studies
from ml.synthetic import generate_synthetic_set


def model_and_studies(
    root: Path, *, checkpoint: Path | None, image_size: int, studies: int, seed: int
) -> tuple[Path, list[StudyInput]]:
    """``checkpoint``, or an untrained one at ``image_size`` (the same network and cost as a
    trained one), and ``studies`` synthetic studies (synthetic, not clinical data) under ``root``."""
    chosen = checkpoint or build_untrained_checkpoint(root / "checkpoint", image_size=image_size)
    generate_synthetic_set(root / "studies", n=studies, seed=seed)
    return chosen, labelled_studies(root / "studies")
