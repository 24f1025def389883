"""Render de-identified DICOM pixel data to PNG for the viewer (no torch on the web side)."""

from __future__ import annotations

import io

import numpy as np
import pydicom
from PIL import Image
from pydicom.pixels import apply_modality_lut, apply_voi_lut


class RenderError(ValueError):
    """The instance holds no pixel data that can be decoded."""


def dicom_render_png(
    source, *, frame: int = 0, window: tuple[float, float] | None = None, max_size: int = 1024
) -> bytes:
    """PNG bytes of one frame: modality LUT, VOI window (or the given centre/width), MONOCHROME1 inverted."""
    dataset = pydicom.dcmread(source)
    if "PixelData" not in dataset:
        raise RenderError("This instance has no pixel data.")
    try:
        pixels = dataset.pixel_array
    except Exception as error:
        raise RenderError("The pixel data could not be decoded.") from error
    frames = int(dataset.get("NumberOfFrames", 1) or 1)
    photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2"))
    if frames > 1:
        if not 0 <= frame < frames:
            raise RenderError(f"Frame {frame + 1} does not exist (the instance has {frames}).")
        pixels = pixels[frame]
    if pixels.ndim == 3 and pixels.shape[-1] in (3, 4):
        image = Image.fromarray(np.asarray(pixels[..., :3], dtype=np.uint8), mode="RGB")
    else:
        values = apply_modality_lut(pixels, dataset).astype(np.float64)
        if window is not None:
            centre, width = window
            low, high = centre - width / 2, centre + width / 2
        elif "WindowCenter" in dataset or "VOILUTSequence" in dataset:
            values = apply_voi_lut(values, dataset).astype(np.float64)
            low, high = float(values.min()), float(values.max())
        else:
            low, high = np.percentile(values, [0.5, 99.5])
        scaled = np.clip((values - low) / max(high - low, 1e-6), 0.0, 1.0)
        if photometric == "MONOCHROME1":
            scaled = 1.0 - scaled
        image = Image.fromarray((scaled * 255).astype(np.uint8), mode="L")
    if max(image.size) > max_size:
        image.thumbnail((max_size, max_size))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
