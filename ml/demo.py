"""The demonstration model: trained on synthetic data, never for clinical use.

- :func:`ensure_demo_checkpoint` returns a valid demo checkpoint, training one first if needed
  (about four minutes on two CPU cores): it generates a synthetic set into a temporary directory,
  trains the demo recipe (:func:`demo_train_config`) into a sibling of the target directory and
  renames it into place, so a half-written checkpoint is never visible. Concurrent callers wait
  on a lock file instead of training twice; an interrupted run resumes.
- :func:`build_untrained_checkpoint` writes a valid checkpoint with seeded random weights in a
  few seconds, for tests of the platform.

``python -m ml.demo OUT_DIR`` calls :func:`ensure_demo_checkpoint`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ml import DEMO_DISCLAIMER, __version__
from ml.checkpoint import (
    CARD_FILE,
    WEIGHTS_FILE,
    CheckpointError,
    ModelCard,
    TextEncoderCard,
    read_model_card,
)

if TYPE_CHECKING:
    from ml.train import TrainConfig

DEMO_STUDIES = 600
DEMO_DATA_SEED = 0
DEMO_TRAIN_SEED = 0
UNTRAINED_DISCLAIMER = "Untrained test model with random weights — not for clinical use"
DEMO_IMAGE_SIZE = 96  # pixels a side the demo network reads


def demo_train_config(data_dir: Path, out_dir: Path, *, progress: bool = True) -> TrainConfig:
    """The demo recipe: DenseNet121 at 96 px, frozen MiniLM with cached features, 6 epochs.

    Sized to finish in about four minutes on a two-core CPU; every setting lands in the card.
    """
    from ml.train import TrainConfig

    return TrainConfig(
        data_dir=Path(data_dir),
        out_dir=Path(out_dir),
        epochs=6,
        batch_size=32,
        image_size=DEMO_IMAGE_SIZE,
        learning_rate=1e-3,
        patience=3,
        d_model=128,
        seed=DEMO_TRAIN_SEED,
        model_name="consilium-demo",
        model_version=f"demo-{__version__}",
        recipe="demo",
        disclaimer=DEMO_DISCLAIMER,
        progress=progress,
    )


def _valid_checkpoint(checkpoint_dir: Path) -> bool:
    try:
        read_model_card(checkpoint_dir)
    except CheckpointError:
        return False
    return (checkpoint_dir / WEIGHTS_FILE).is_file()


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``lock_path`` (POSIX); elsewhere, no lock."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - non-POSIX
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_demo_checkpoint(out_dir: Path, *, progress: bool = True) -> Path:
    """Return ``out_dir`` holding a valid demo checkpoint, training it first if needed.

    The common case, a checkpoint already there, reads only its card (no torch import).
    """
    out_dir = Path(out_dir)
    if _valid_checkpoint(out_dir):
        return out_dir
    from ml.synthetic import generate_synthetic_set
    from ml.train import train

    with _exclusive(out_dir.parent / f".{out_dir.name}.lock"):
        if _valid_checkpoint(out_dir):  # another process finished while we waited
            return out_dir
        partial = out_dir.parent / f".{out_dir.name}.partial"
        if not _valid_checkpoint(partial):  # else: trained, but the rename did not happen
            with tempfile.TemporaryDirectory(prefix="consilium-demo-data-") as data_dir:
                if progress:
                    print(
                        f"training the demo model: generating {DEMO_STUDIES} synthetic studies "
                        "(synthetic, not clinical data)"
                    )
                generate_synthetic_set(Path(data_dir), n=DEMO_STUDIES, seed=DEMO_DATA_SEED)
                train(demo_train_config(Path(data_dir), partial, progress=progress))
        if out_dir.exists():
            stale = out_dir.parent / f".{out_dir.name}.stale"
            shutil.rmtree(stale, ignore_errors=True)
            os.replace(out_dir, stale)  # an unreadable old checkpoint is kept aside, not deleted
        os.replace(partial, out_dir)
    return out_dir


def build_untrained_checkpoint(out_dir: Path, *, image_size: int = 64, seed: int = 0) -> Path:
    """Write a valid checkpoint with seeded random weights into ``out_dir`` (a few seconds).

    Same architecture, findings and card as the demo model, no training; thresholds are 0.5.
    """
    import torch

    from ml.checkpoint import write_checkpoint
    from ml.encoders import load_text_encoder, resolve_text_encoder_dir, text_encoder_sha256
    from ml.model import ConsiliumNet, ModelConfig
    from ml.preprocessing import (
        PreprocessingConfig,
        build_image_transform,
        describe_image_transform,
    )
    from ml.synthetic import FINDINGS

    torch.manual_seed(seed)
    preprocessing = PreprocessingConfig(image_size=image_size)
    config = ModelConfig(findings=FINDINGS, d_model=128)
    text_encoder, tokenizer = load_text_encoder(None, max_tokens=preprocessing.max_note_tokens)
    model = ConsiliumNet(config, text_encoder).eval()
    encoder_dir = resolve_text_encoder_dir(None)
    card = ModelCard(
        name="consilium-untrained",
        version=f"untrained-{seed}",
        findings=FINDINGS,
        thresholds=dict.fromkeys(FINDINGS, 0.5),
        image_encoder=config.image_encoder,
        text_encoder=TextEncoderCard(
            name=text_encoder.name,
            source="package",
            directory=str(encoder_dir),
            sha256=text_encoder_sha256(encoder_dir),
            frozen=True,
            hidden_size=text_encoder.hidden_size,
            window_tokens=tokenizer.max_tokens,
        ),
        model=config.to_dict(),
        preprocessing=preprocessing.to_dict(),
        image_transform=describe_image_transform(build_image_transform(preprocessing)),
        training={"recipe": "untrained", "seed": seed},
        metrics={},
        ml_version=__version__,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        weights_sha256="",
        disclaimer=UNTRAINED_DISCLAIMER,
    )
    return write_checkpoint(Path(out_dir), model, card)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m ml.demo",
        description="Make sure a demo checkpoint exists (trained on synthetic data; "
        "not for clinical use).",
    )
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    checkpoint = ensure_demo_checkpoint(args.out_dir, progress=not args.quiet)
    card = read_model_card(checkpoint)
    validation = card.metrics.get("validation", {})
    print(
        json.dumps(
            {
                "checkpoint": str(checkpoint / CARD_FILE),
                "name": card.name,
                "version": card.version,
                "disclaimer": card.disclaimer,
                "seconds": round(time.perf_counter() - started, 1),
                "validation_macro_auroc": {m: r.get("macro_auroc") for m, r in validation.items()},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
