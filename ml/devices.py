"""Where the model runs: device choice and arithmetic precision, shared by training and inference."""

from __future__ import annotations

import contextlib
import copy
import itertools
from typing import Any

import torch
from torch import nn

PRECISIONS: tuple[str, ...] = ("auto", "float32", "bfloat16", "float16")
_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def pick_device(name: str | None = "auto") -> torch.device:
    """``"auto"`` (or ``None``) → the first CUDA device when there is one, else the CPU."""
    if name in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bf16 in hardware (AVX512-BF16 or AMX tiles), where oneDNN runs
    bf16 convolutions and matrix products about twice as fast as fp32 on large batches."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    try:
        return any(bool(getattr(torch.cpu, check)()) for check in checks)
    except (AttributeError, RuntimeError):  # an older torch without these probes
        return False


def inference_dtype(device: torch.device, precision: str = "auto") -> torch.dtype:
    """The dtype inference computes in on ``device``.

    ``"auto"``: bf16 on CUDA (fp16 on GPUs without bf16); bf16 on CPUs with native bf16
    (:func:`cpu_has_native_bf16`); fp32 otherwise. ``"float32"``, ``"bfloat16"`` or
    ``"float16"`` force one (fp16 only on CUDA).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    if precision == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.bfloat16 if device.type == "cpu" and cpu_has_native_bf16() else torch.float32
    if precision == "float16" and device.type != "cuda":
        raise ValueError("precision 'float16' needs a CUDA device; use 'bfloat16' on the CPU")
    return _DTYPES[precision]


def dtype_name(dtype: torch.dtype) -> str:
    """``torch.bfloat16`` → ``"bfloat16"``: a dtype as :data:`PRECISIONS` and model cards name it."""
    return str(dtype).removeprefix("torch.")


def autocast(device: torch.device, dtype: torch.dtype) -> Any:
    """An autocast context computing in ``dtype`` on ``device`` (none for fp32)."""
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)


# layers whose products autocast computes in the low-precision dtype, casting their fp32
# weights on every call (torch.amp's CPU and CUDA lists: linear, conv1d/2d/3d)
_AUTOCAST_LOWERED = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def autocast_weights(model: nn.Module, dtype: torch.dtype) -> nn.Module:
    """``model`` for inference under :func:`autocast` in ``dtype``, its weights cast once.

    Autocast casts each linear and convolution weight to ``dtype`` on every call and forgets the
    copy when the context closes, so a predictor re-cast all of its weights for every batch:
    4-7 ms a call for the demo model on two CPU cores, 10-20% of a one-study prediction.
    The returned copy stores those weights in ``dtype`` already; every other parameter and
    buffer (norms, embeddings) is shared with ``model``, not copied. Under the same autocast its
    outputs are bit-identical to ``model``'s, and ``model`` itself is untouched, so fp32 work on
    it (explanations, training) is unaffected. For fp32, ``model`` itself is returned.
    """
    if dtype == torch.float32:
        return model
    lowered = {
        id(tensor)
        for module in model.modules()
        if isinstance(module, _AUTOCAST_LOWERED)
        for tensor in module.parameters(recurse=False)
    }
    shared = {
        id(tensor): tensor
        for tensor in itertools.chain(model.parameters(), model.buffers())
        if id(tensor) not in lowered
    }
    cast = copy.deepcopy(model, shared)
    for module in cast.modules():
        if isinstance(module, _AUTOCAST_LOWERED):
            module.to(dtype)
    return cast


def mixed_precision(
    device: torch.device, precision: str = "auto"
) -> tuple[Any, torch.dtype | None]:
    """The training autocast context for ``device`` and its dtype (``None``: plain fp32).

    The same choice as :func:`inference_dtype`: bf16 on CUDA (fp16, with a gradient scaler, on
    GPUs without bf16) and on CPUs with native bf16, where it trains about 1.7x faster than fp32.
    """
    dtype = inference_dtype(device, precision)
    return autocast(device, dtype), None if dtype == torch.float32 else dtype
