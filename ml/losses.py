"""Training objective: class-weighted BCE on the fused logits and on each modality alone."""

from __future__ import annotations

import torch
from torch import nn

from ml.fusion import FusionOutput


def class_weights(labels: torch.Tensor, max_weight: float) -> torch.Tensor:
    """``pos_weight`` (K,) for (N, K) 0/1 labels: negatives per positive, clamped to [1, max]."""
    positives = labels.sum(0)
    return ((labels.shape[0] - positives) / positives.clamp(min=1)).clamp(1.0, max_weight)


def modes_loss(
    outputs: dict[str, FusionOutput],
    labels: torch.Tensor,
    image_present: torch.Tensor,
    note_present: torch.Tensor,
    pos_weight: torch.Tensor,
    unimodal_weight: float,
) -> torch.Tensor:
    """BCE of the ``"fused"`` logits (B, K), plus ``unimodal_weight`` times that of the
    ``"image_only"`` and ``"note_only"`` logits over the studies that have that modality.

    Supervising each modality on its own keeps both branches useful when the other is missing,
    and gives the image encoder a gradient that the note cannot mask.
    """
    criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight, reduction="none")
    loss = criterion(outputs["fused"].logits.float(), labels).mean()
    for mode, rows in (("image_only", image_present), ("note_only", note_present)):
        if mode in outputs and rows.any():
            per_study = criterion(outputs[mode].logits.float(), labels).mean(dim=1)
            loss = loss + unimodal_weight * per_study[rows].mean()
    return loss
