"""Training-time perturbations, applied on top of the shared preprocessing (never at inference)."""

from __future__ import annotations

import torch
from torch import nn


def augment_images(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random shift (±5 %), zoom (±5 %) and contrast/brightness jitter; (B, 1, S, S) → same.

    No flips: laterality is part of the anatomy (the heart is on the patient's left).
    """
    batch = images.shape[0]

    def uniform(low: float, high: float) -> torch.Tensor:
        return (low + (high - low) * torch.rand(batch, generator=generator)).to(images.device)

    zoom = uniform(0.95, 1.05)
    theta = torch.zeros(batch, 2, 3, device=images.device)
    theta[:, 0, 0] = zoom
    theta[:, 1, 1] = zoom
    theta[:, 0, 2] = uniform(-0.05, 0.05)
    theta[:, 1, 2] = uniform(-0.05, 0.05)
    grid = nn.functional.affine_grid(theta, list(images.shape), align_corners=False)
    moved = nn.functional.grid_sample(images, grid, padding_mode="border", align_corners=False)
    return moved * uniform(0.9, 1.1)[:, None, None, None] + uniform(-0.1, 0.1)[:, None, None, None]


def modality_dropout(
    image_present: torch.Tensor, note_present: torch.Tensor, rate: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Hide the image of ~``rate`` and the note of another ~``rate`` of the studies that have
    both; (B,) bool masks in, (B,) bool masks out."""
    draw = torch.rand(image_present.shape[0], generator=generator).to(image_present.device)
    both = image_present & note_present
    hide_image = both & (draw < rate)
    hide_note = both & (draw >= rate) & (draw < 2 * rate)
    return image_present & ~hide_image, note_present & ~hide_note
