"""Where the model runs: device choice and mixed precision, shared by training and inference."""

from __future__ import annotations

import contextlib
from typing import Any

import torch


def pick_device(name: str | None = "auto") -> torch.device:
    """``"auto"`` (or ``None``) → the first CUDA device when there is one, else the CPU."""
    if name in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def mixed_precision(device: torch.device) -> tuple[Any, torch.dtype | None]:
    """An autocast context for ``device`` and its dtype: bf16 (fp16 on GPUs without bf16) on
    CUDA; none on the CPU, where fp32 is both the fastest and the exact path here."""
    if device.type != "cuda":
        return contextlib.nullcontext(), None
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.autocast("cuda", dtype=dtype), dtype
