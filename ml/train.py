"""Training: a plain function with a config dataclass.

``python -m ml.train DATA_DIR OUT_DIR [--epochs E --image-size S --batch-size B --seed S]``
trains on a labelled set (see :mod:`ml.dataset`) and writes a checkpoint into OUT_DIR.

What it does, in order: read the set; preprocess every image once with the shared transform and,
when the text encoder is frozen, encode every note once (features cached in memory); split off
a validation set; train with AdamW, class-weighted BCE on the fused logits plus auxiliary
image-only and note-only losses (so studies missing a modality are served well; modality
dropout is available too) and light augmentation; stop early on validation macro AUROC; correct
the head's bias for the class weights (so probabilities are calibrated again); pick per-finding
F1-optimal thresholds on validation; write the checkpoint. A state file in
OUT_DIR is updated every epoch, and a rerun with the same settings resumes from it.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import random
import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ml import __version__
from ml.augmentation import augment_images, modality_dropout
from ml.checkpoint import ModelCard, TextEncoderCard, read_model_card, write_checkpoint
from ml.dataset import labelled_set_sha256, read_labelled_set
from ml.devices import PRECISIONS, dtype_name, inference_dtype, mixed_precision, pick_device
from ml.encoders import (
    TextEncoder,
    load_text_encoder,
    resolve_text_encoder_dir,
    text_encoder_sha256,
)
from ml.losses import class_weights, modes_loss
from ml.metrics import f1_optimal_threshold, multilabel_report
from ml.model import ConsiliumNet, ModelConfig
from ml.preprocessing import (
    PreprocessingConfig,
    build_image_transform,
    describe_image_transform,
)
from ml.study_tensors import (
    StudyCache,
    build_study_cache,
    collate_studies,
    note_inputs,
    predict_all_modes,
)
from ml.training_state import (
    Optimisation,
    RunState,
    restore_training_state,
    save_training_state,
)

STATE_FILE = "training-state.pt"


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run; everything but paths and ``progress`` goes in the card."""

    data_dir: Path
    out_dir: Path
    epochs: int = 20
    batch_size: int = 32
    image_size: int = 224
    learning_rate: float = 1e-3
    weight_decay: float = 1e-2
    warmup_fraction: float = 0.1
    val_fraction: float = 0.15
    patience: int = 4
    seed: int = 0
    modality_dropout: float = 0.0
    unimodal_loss_weight: float = 0.5
    augment: bool = True
    image_encoder: str = "densenet121"
    text_encoder_dir: Path | None = None
    freeze_text_encoder: bool = True
    d_model: int = 256
    n_heads: int = 4
    text_layers: int = 1
    dropout: float = 0.1
    max_note_tokens: int = 512
    max_pos_weight: float = 10.0
    time_budget_s: float | None = None
    device: str = "auto"
    precision: str = "auto"  # ml.devices.mixed_precision: bf16 autocast where it is native
    model_name: str = "consilium-findings"
    model_version: str = "1"
    recipe: str = "custom"
    disclaimer: str | None = None
    progress: bool = True

    def recorded(self) -> dict[str, Any]:
        """The settings that define the run (what a resumed run must share)."""
        values = asdict(self)
        for transient in ("data_dir", "out_dir", "progress", "device"):
            values.pop(transient)
        values["text_encoder_dir"] = (
            None if self.text_encoder_dir is None else str(self.text_encoder_dir)
        )
        return values


@dataclass(frozen=True)
class TrainResult:
    """Where the checkpoint went, its card, and the run's numbers."""

    checkpoint_dir: Path
    card: ModelCard
    history: list[dict[str, Any]]
    wall_clock_s: float


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class _StudyIndices(torch.utils.data.Dataset[int]):
    """Positions into a :class:`StudyCache`; the collate function turns them into a batch."""

    def __init__(self, indices: np.ndarray) -> None:
        self.indices = [int(i) for i in indices]

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, position: int) -> int:
        return self.indices[position]


def _loader(
    cache: StudyCache, indices: np.ndarray, batch_size: int, *, shuffle: bool, seed: int, pin: bool
) -> torch.utils.data.DataLoader[int]:
    generator = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(
        _StudyIndices(indices),
        batch_size=batch_size,
        shuffle=shuffle,
        generator=generator,
        collate_fn=lambda chunk: collate_studies(cache, chunk),
        pin_memory=pin,
    )


def split_indices(n: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded random split → (train, validation) index arrays; validation has >= 1 study."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = min(max(1, round(n * val_fraction)), n - 1)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def _optimisation(
    model: ConsiliumNet, labels: torch.Tensor, config: TrainConfig, device: torch.device,
    steps_per_epoch: int,
) -> Optimisation:  # fmt: skip
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad],
        lr=config.learning_rate,
        weight_decay=config.weight_decay,
    )
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer,
        max_lr=config.learning_rate,
        total_steps=max(1, config.epochs * steps_per_epoch),
        pct_start=config.warmup_fraction,
        anneal_strategy="cos",
    )
    autocast, amp_dtype = mixed_precision(device, config.precision)
    return Optimisation(
        optimizer=optimizer,
        scheduler=scheduler,
        scaler=torch.amp.GradScaler("cuda", enabled=amp_dtype == torch.float16),
        generator=torch.Generator().manual_seed(config.seed + 1),
        autocast=autocast,
        pos_weight=class_weights(labels, config.max_pos_weight).to(device),
    )


def _train_epoch(
    model: ConsiliumNet, cache: StudyCache, train_idx: np.ndarray, config: TrainConfig,
    run: Optimisation, device: torch.device, epoch: int,
) -> float:  # fmt: skip
    """One pass over the training studies; returns the mean training loss."""
    model.train()
    loader = _loader(
        cache, train_idx, config.batch_size, shuffle=True, seed=config.seed + epoch,
        pin=device.type == "cuda",
    )  # fmt: skip
    trainable = [p for p in model.parameters() if p.requires_grad]
    running, seen = 0.0, 0
    bar = tqdm(loader, desc=f"epoch {epoch + 1}/{config.epochs}", disable=not config.progress)
    for batch in bar:
        images = batch.images.to(device, non_blocking=True)
        if config.augment:
            images = augment_images(images, run.generator)
        images = images.contiguous(memory_format=torch.channels_last)
        labels = batch.labels.to(device, non_blocking=True)
        tokens, mask = note_inputs(model, batch, device)
        image_present, note_present = modality_dropout(
            batch.image_present.to(device), mask.any(1), config.modality_dropout, run.generator
        )
        mask = mask & note_present[:, None]
        with run.autocast:
            if config.unimodal_loss_weight > 0:
                outputs = model.forward_modes(images, image_present, tokens, mask)
            else:
                outputs = {"fused": model(images, image_present, tokens, mask)}
        loss = modes_loss(
            outputs, labels, image_present, note_present, run.pos_weight,
            config.unimodal_loss_weight,
        )  # fmt: skip
        run.optimizer.zero_grad(set_to_none=True)
        run.scaler.scale(loss).backward()
        run.scaler.unscale_(run.optimizer)
        nn.utils.clip_grad_norm_(trainable, 5.0)
        run.scaler.step(run.optimizer)
        run.scaler.update()
        run.scheduler.step()
        running += loss.detach().item() * labels.shape[0]
        seen += labels.shape[0]
        bar.set_postfix(loss=f"{running / seen:.4f}")
    return running / max(seen, 1)


def train(config: TrainConfig) -> TrainResult:
    """Train a model on ``config.data_dir`` and write its checkpoint to ``config.out_dir``."""
    started = time.perf_counter()
    seed_everything(config.seed)
    device = pick_device(config.device)
    out_dir = Path(config.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    labelled = read_labelled_set(Path(config.data_dir))
    if len(labelled.studies) < 2:
        raise ValueError("training needs at least two studies (one for validation)")
    data_sha256 = labelled_set_sha256(labelled)

    preprocessing = PreprocessingConfig(
        image_size=config.image_size, max_note_tokens=config.max_note_tokens
    )
    model_config = ModelConfig(
        findings=labelled.findings,
        image_encoder=config.image_encoder,
        d_model=config.d_model,
        n_heads=config.n_heads,
        text_layers=config.text_layers,
        dropout=config.dropout,
        freeze_text_encoder=config.freeze_text_encoder,
    )
    text_encoder, tokenizer = load_text_encoder(
        config.text_encoder_dir, max_tokens=config.max_note_tokens
    )
    model = ConsiliumNet(model_config, text_encoder).to(device)
    # Convolutions train about 1.3x faster on channels-last tensors on CPUs (oneDNN) and GPUs
    # (cuDNN); the weights are the same numbers, only stored in another order.
    model.image_encoder.to(memory_format=torch.channels_last)
    cache = build_study_cache(
        model,
        tokenizer,
        build_image_transform(preprocessing),
        preprocessing.image_size,
        [s.dicom_paths for s in labelled.studies],
        [s.note for s in labelled.studies],
        torch.from_numpy(labelled.label_matrix()),
        device=device,
        progress=config.progress,
    )
    train_idx, val_idx = split_indices(len(labelled.studies), config.val_fraction, config.seed)
    val_labels = cache.labels[val_idx].numpy()
    run = _optimisation(
        model, cache.labels[train_idx], config, device,
        steps_per_epoch=math.ceil(len(train_idx) / config.batch_size),
    )  # fmt: skip

    fingerprint = json.dumps({"config": config.recorded(), "data": data_sha256}, sort_keys=True)
    state_path = out_dir / STATE_FILE
    state = restore_training_state(state_path, fingerprint, model, run)
    if state is not None and config.progress:
        print(f"resuming from epoch {state.next_epoch + 1} ({state_path})")
    state = state or RunState()

    stopped_early = False
    for epoch in range(state.next_epoch, config.epochs):
        over_budget = (
            config.time_budget_s is not None
            and time.perf_counter() - started > config.time_budget_s
        )
        if state.bad_epochs >= config.patience or over_budget:
            stopped_early = True
            break
        train_loss = _train_epoch(model, cache, train_idx, config, run, device, epoch)
        probabilities = predict_all_modes(
            model, cache, val_idx, batch_size=config.batch_size, device=device
        )
        scores = {
            mode: multilabel_report(val_labels, probs, labelled.findings)["macro_auroc"]
            for mode, probs in probabilities.items()
        }
        record = {
            "epoch": epoch + 1,
            "train_loss": train_loss,
            "val_macro_auroc": scores,
            "elapsed_s": round(time.perf_counter() - started, 1),
        }
        state.history.append(record)
        if config.progress:
            print(json.dumps(record))
        score = scores["fused"] if scores["fused"] is not None else -train_loss
        if score > state.best_score + 1e-4:
            state.best_score, state.bad_epochs = score, 0
            state.best_state = copy.deepcopy(model.trainable_state_dict())
        else:
            state.bad_epochs += 1
        state.next_epoch = epoch + 1
        save_training_state(state_path, fingerprint, model, run, state)

    if state.best_state is not None:
        model.load_state_dict(state.best_state, strict=False)
    # the class weights shift the optimal logit by log(pos_weight); undo it for calibration
    with torch.no_grad():
        cast(nn.Linear, model.fusion.head[-1]).bias.sub_(torch.log(run.pos_weight))
    probabilities = predict_all_modes(
        model, cache, val_idx, batch_size=config.batch_size, device=device
    )
    thresholds = [
        f1_optimal_threshold(val_labels[:, k], probabilities["fused"][:, k])
        for k in range(len(labelled.findings))
    ]
    wall_clock = time.perf_counter() - started
    card = ModelCard(
        name=config.model_name,
        version=config.model_version,
        findings=labelled.findings,
        thresholds=dict(zip(labelled.findings, thresholds, strict=True)),
        image_encoder=config.image_encoder,
        text_encoder=_text_encoder_card(config, text_encoder, tokenizer.max_tokens),
        model=model_config.to_dict(),
        preprocessing=preprocessing.to_dict(),
        image_transform=describe_image_transform(build_image_transform(preprocessing)),
        training={
            **config.recorded(),
            "data_sha256": data_sha256,
            "data_findings": list(labelled.findings),
            "n_studies": len(labelled.studies),
            "n_train": len(train_idx),
            "n_validation": len(val_idx),
            "epochs_run": len(state.history),
            "best_validation_macro_auroc": (
                None if state.best_score == -math.inf else state.best_score
            ),
            "stopped_early": stopped_early,
            "pos_weight": dict(zip(labelled.findings, run.pos_weight.tolist(), strict=True)),
            "calibration": "head bias corrected by -log(pos_weight) after training",
            "threshold_method": "F1-optimal on the validation split",
            "device": device.type,
            "precision": dtype_name(inference_dtype(device, config.precision)),
            "torch_version": torch.__version__,
            "wall_clock_s": round(wall_clock, 1),
            "history": state.history,
        },
        metrics={
            "validation": {
                mode: multilabel_report(val_labels, probs, labelled.findings, thresholds)
                for mode, probs in probabilities.items()
            }
        },
        ml_version=__version__,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        weights_sha256="",
        disclaimer=config.disclaimer,
    )
    write_checkpoint(out_dir, model, card)
    state_path.unlink(missing_ok=True)
    return TrainResult(
        checkpoint_dir=out_dir,
        card=read_model_card(out_dir),
        history=state.history,
        wall_clock_s=wall_clock,
    )


def _text_encoder_card(
    config: TrainConfig, text_encoder: TextEncoder, window_tokens: int
) -> TextEncoderCard:
    encoder_dir = resolve_text_encoder_dir(config.text_encoder_dir)
    return TextEncoderCard(
        name=text_encoder.name,
        source="package" if config.text_encoder_dir is None else "directory",
        directory=str(encoder_dir),
        sha256=text_encoder_sha256(encoder_dir),
        frozen=config.freeze_text_encoder,
        hidden_size=text_encoder.hidden_size,
        window_tokens=window_tokens,
    )


def _parse_args(argv: list[str] | None) -> tuple[TrainConfig, bool]:
    parser = argparse.ArgumentParser(
        prog="python -m ml.train", description="Train a Consilium findings model."
    )
    parser.add_argument("data_dir", type=Path, help="labelled set (labels.csv + files)")
    parser.add_argument("out_dir", type=Path, help="checkpoint directory to write")
    parser.add_argument("--demo", action="store_true", help="start from the fast demo recipe")
    parser.add_argument("--epochs", type=int, help="maximum epochs (early stopping may end sooner)")
    parser.add_argument("--image-size", type=int, help="side of the square input image, pixels")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--seed", type=int, help="seed for initialisation, split and batches")
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument("--image-encoder", help="densenet121 (default), densenet169, resnet18, ...")
    parser.add_argument(
        "--text-encoder-dir", type=Path, help="local BERT-family checkpoint (default: MiniLM)"
    )
    parser.add_argument(
        "--train-text-encoder", action="store_true", help="fine-tune instead of freezing it"
    )
    parser.add_argument(
        "--time-budget", type=float, dest="time_budget_s", help="stop after this many seconds"
    )
    parser.add_argument("--device", help="auto (default), cpu, cuda, cuda:1, ...")
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        help="autocast dtype; auto (default): bf16 on CUDA and on CPUs with native bf16",
    )
    parser.add_argument("--name", dest="model_name")
    parser.add_argument("--version", dest="model_version")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    if args.demo:
        from ml.demo import demo_train_config

        config = demo_train_config(args.data_dir, args.out_dir)
    else:
        config = TrainConfig(data_dir=args.data_dir, out_dir=args.out_dir)
    overrides = {
        name: getattr(args, name)
        for name in (
            "epochs", "image_size", "batch_size", "seed", "learning_rate", "image_encoder",
            "text_encoder_dir", "time_budget_s", "device", "precision", "model_name",
            "model_version",
        )
        if getattr(args, name) is not None
    }  # fmt: skip
    if args.train_text_encoder:
        overrides["freeze_text_encoder"] = False
    return replace(config, **overrides, progress=not args.quiet), args.quiet


def main(argv: list[str] | None = None) -> None:
    config, quiet = _parse_args(argv)
    result = train(config)
    summary = {
        "checkpoint": str(result.checkpoint_dir),
        "wall_clock_s": round(result.wall_clock_s, 1),
        "epochs_run": len(result.history),
        "validation_macro_auroc": {
            mode: report["macro_auroc"]
            for mode, report in result.card.metrics["validation"].items()
        },
    }
    print(json.dumps(summary, indent=None if quiet else 2))


if __name__ == "__main__":
    main()
