"""Resumable training: what steps during a run, and the state file that survives interruption.

The state file holds the trainable weights, optimiser, scheduler, gradient scaler and random
generators, the best weights so far and the history, together with a fingerprint of the run's
settings and data; a rerun resumes only when the fingerprint matches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ml.model import ConsiliumNet


@dataclass
class Optimisation:
    """Everything that steps during training, and what a resumed run must restore."""

    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    scaler: torch.amp.GradScaler
    generator: torch.Generator  # augmentation and modality dropout draws
    autocast: Any
    pos_weight: torch.Tensor  # (K,)


@dataclass
class RunState:
    """Progress of a run: what the state file carries between epochs."""

    next_epoch: int = 0
    best_score: float = -math.inf
    bad_epochs: int = 0
    best_state: dict[str, torch.Tensor] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)


def save_training_state(
    path: Path, fingerprint: str, model: ConsiliumNet, run: Optimisation, state: RunState
) -> None:
    torch.save(
        {
            "fingerprint": fingerprint,
            "model": model.trainable_state_dict(),
            "optimizer": run.optimizer.state_dict(),
            "scheduler": run.scheduler.state_dict(),
            "scaler": run.scaler.state_dict(),
            "generator": run.generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "next_epoch": state.next_epoch,
            "best_score": state.best_score,
            "bad_epochs": state.bad_epochs,
            "best_state": state.best_state,
            "history": state.history,
        },
        path,
    )


def restore_training_state(
    path: Path, fingerprint: str, model: ConsiliumNet, run: Optimisation
) -> RunState | None:
    """The saved progress of an interrupted run with the same settings and data, if any."""
    if not path.is_file():
        return None
    saved = torch.load(path, map_location="cpu", weights_only=True)
    if saved.get("fingerprint") != fingerprint:
        return None
    model.load_state_dict(saved["model"], strict=False)
    run.optimizer.load_state_dict(saved["optimizer"])
    run.scheduler.load_state_dict(saved["scheduler"])
    run.scaler.load_state_dict(saved["scaler"])
    run.generator.set_state(saved["generator"])
    torch.set_rng_state(saved["torch_rng"])
    return RunState(
        next_epoch=saved["next_epoch"],
        best_score=saved["best_score"],
        bad_epochs=saved["bad_epochs"],
        best_state=saved["best_state"],
        history=saved["history"],
    )
