"""Where the model's square input sits on the decoded image, and mapping maps back onto it.

The shared transform (:func:`ml.preprocessing.build_image_transform`) resizes the longest side
of an (H, W) image to S (sizes rounded to the nearest pixel) and pads the other side equally
on both sides (the extra pixel, if any, after). A map on the S x S grid is cropped to that
region and resized to (H, W), so heat maps lie on the image a clinician sees.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch.nn import functional


class Region(NamedTuple):
    """The image's rows ``top:top + height`` and columns ``left:left + width`` on the S grid."""

    top: int
    left: int
    height: int
    width: int


def image_region(height: int, width: int, size: int) -> Region:
    """The region an (height, width) image occupies in the model's size x size input."""
    scale = size / max(height, width)
    rows, cols = round(height * scale), round(width * scale)
    return Region((size - rows) // 2, (size - cols) // 2, rows, cols)


def to_image_grid(grid_map: torch.Tensor, height: int, width: int) -> np.ndarray:
    """A (S, S) map on the model's input → (height, width) float32 on the decoded image."""
    region = image_region(height, width, grid_map.shape[-1])
    crop = grid_map[
        region.top : region.top + region.height, region.left : region.left + region.width
    ]
    resized = functional.interpolate(
        crop[None, None].float(), size=(height, width), mode="bilinear", align_corners=False
    )
    return resized[0, 0].detach().cpu().numpy().astype(np.float32)


def unit_scale(values: np.ndarray) -> np.ndarray:
    """Non-negative map scaled to [0, 1] by its maximum (all zeros stays all zeros)."""
    values = np.clip(values, 0.0, None)
    peak = float(values.max()) if values.size else 0.0
    return (values / peak if peak > 0 else np.zeros_like(values)).astype(np.float32)
