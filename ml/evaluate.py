"""Evaluation of a checkpoint on a labelled set, fused and with one modality hidden.

``python -m ml.evaluate CHECKPOINT DATA_DIR --json`` prints
``{"fused": {...}, "image_only": {...}, "note_only": {...}}``, each with ``macro_auroc``,
``macro_auprc``, ``ece`` (mean of per-finding ECEs) and ``per_finding``. The image-only and
note-only figures come from the same model with the other modality masked, which is how the
platform serves a study that lacks one.

``--precision`` (default ``float32``, the reference) evaluates in another arithmetic, e.g.
``bfloat16`` or ``auto`` to see what the platform's predictor computes on this machine.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ml.checkpoint import load_checkpoint
from ml.dataset import DatasetError, read_labelled_set
from ml.devices import PRECISIONS, autocast, inference_dtype, pick_device
from ml.metrics import multilabel_report
from ml.preprocessing import build_image_transform
from ml.study_tensors import build_study_cache, predict_all_modes


def evaluate_checkpoint(
    checkpoint_dir: Path,
    data_dir: Path,
    *,
    device: str = "cpu",
    batch_size: int = 32,
    precision: str = "float32",
    progress: bool = False,
) -> dict[str, dict[str, Any]]:
    """Metrics of the checkpoint on ``data_dir`` → ``{"fused", "image_only", "note_only"}``.

    The set must have a label column for every finding of the model card. ``precision`` as
    :func:`ml.devices.inference_dtype` takes it.
    """
    target = pick_device(device)
    dtype = inference_dtype(target, precision)
    loaded = load_checkpoint(checkpoint_dir, device=str(target))
    card = loaded.card
    labelled = read_labelled_set(Path(data_dir))
    missing = [f for f in card.findings if f not in labelled.findings]
    if missing:
        raise DatasetError(f"{data_dir} has no label column for {', '.join(missing)}")
    columns = [labelled.findings.index(f) for f in card.findings]
    labels = labelled.label_matrix()[:, columns]
    with autocast(target, dtype):
        cache = build_study_cache(
            loaded.model,
            loaded.tokenizer,
            build_image_transform(loaded.preprocessing),
            loaded.preprocessing.image_size,
            [s.dicom_paths for s in labelled.studies],
            [s.note for s in labelled.studies],
            torch.from_numpy(labels),
            device=target,
            progress=progress,
        )
        probabilities = predict_all_modes(
            loaded.model,
            cache,
            np.arange(len(labelled.studies)),
            batch_size=batch_size,
            device=target,
        )
    thresholds = [card.thresholds[f] for f in card.findings]
    return {
        mode: multilabel_report(labels, probabilities[mode], card.findings, thresholds)
        for mode in ("fused", "image_only", "note_only")
    }


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def _format_table(report: dict[str, dict[str, Any]]) -> str:
    def cell(value: float | None) -> str:
        return "  n/a" if value is None else f"{value:.3f}"

    lines = [f"{'':14}{'fused':>8}{'image':>8}{'note':>8}   (AUROC)"]
    findings = list(report["fused"]["per_finding"])
    for finding in findings:
        row = [report[m]["per_finding"][finding]["auroc"] for m in report]
        lines.append(f"{finding:14}" + "".join(f"{cell(v):>8}" for v in row))
    for key in ("macro_auroc", "macro_auprc", "ece"):
        lines.append(f"{key:14}" + "".join(f"{cell(report[m][key]):>8}" for m in report))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m ml.evaluate", description="Evaluate a checkpoint on a labelled set."
    )
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--precision",
        default="float32",
        choices=PRECISIONS,
        help="arithmetic of the forward passes (default float32, the reference)",
    )
    args = parser.parse_args(argv)
    report = evaluate_checkpoint(
        args.checkpoint,
        args.data_dir,
        device=args.device,
        batch_size=args.batch_size,
        precision=args.precision,
        progress=not args.json,
    )
    if args.json:
        print(json.dumps(_json_safe(report), indent=2))
    else:
        print(_format_table(report))


if __name__ == "__main__":
    main()
