"""Decoding one frame of a stored instance: the step the rendered images and the viewer share.

Every transfer syntax pydicom reads with the pylibjpeg and GDCM plugins decodes here. Colour
(RGB, YBR, palette) comes out as 8-bit RGB; greyscale as modality values (the modality LUT or
rescale slope/intercept applied, e.g. Hounsfield units), before any VOI window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pydicom
from pydicom.pixels import apply_color_lut, apply_modality_lut, pixel_array

_PIXEL_TAGS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
# Values longer than this (Pixel Data) stay on disk until used, so one frame of a long cine loop
# costs that frame's bytes, not the whole file's.
_DEFER_BYTES = 64 * 1024


class RenderError(ValueError):
    """The instance holds no pixel data that can be decoded."""


@dataclass(frozen=True)
class DecodedFrame:
    dataset: pydicom.Dataset  # the header; Pixel Data is left unread
    rgb: np.ndarray | None  # (H, W, 3) uint8 for colour images
    values: np.ndarray | None  # (H, W) float64 modality values for greyscale images

    @property
    def monochrome1(self) -> bool:
        """Low values are bright: the display inverts."""
        return self.dataset.get("PhotometricInterpretation") == "MONOCHROME1"


def _rgb8(rgb: np.ndarray) -> np.ndarray:
    peak = 255.0 if rgb.max() <= 255 else 65535.0
    return np.clip(rgb.astype(np.float64) / peak * 255.0, 0, 255).astype(np.uint8)


def _palette_rgb(pixels: np.ndarray, dataset: pydicom.Dataset) -> np.ndarray | None:
    """8-bit RGB through the palette, or None (then the indices are shown as grey levels)."""
    try:
        return _rgb8(apply_color_lut(pixels, dataset))
    except Exception:
        return None


def frame_decode(source, *, frame: int) -> DecodedFrame:
    """Frame `frame` (0-based) of the instance in `source` (a path or a seekable binary file).

    Raises RenderError with a reason for anything that cannot be shown.
    """
    try:
        dataset = pydicom.dcmread(source, defer_size=_DEFER_BYTES)
    except Exception as error:
        raise RenderError("The stored instance could not be read.") from error
    if not any(tag in dataset for tag in _PIXEL_TAGS):
        raise RenderError("This instance has no pixel data.")
    try:
        frames = int(dataset.get("NumberOfFrames", 1) or 1)
    except (TypeError, ValueError) as error:
        raise RenderError("The instance's Number of Frames is not a number.") from error
    if not 0 <= frame < frames:
        raise RenderError(f"Frame {frame + 1} does not exist (the instance has {frames}).")
    try:
        if frames > 1:
            if hasattr(source, "seek"):
                source.seek(0)
            pixels = pixel_array(source, index=frame)  # reads and decodes that frame alone
        else:
            pixels = dataset.pixel_array
    except Exception as error:  # decoders raise anything from RuntimeError to struct.error
        raise RenderError("The pixel data could not be decoded.") from error
    try:
        return _frame_values(dataset, pixels)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as error:
        # Odd attribute combinations (sample counts, bit depths) that decode but cannot be shown.
        raise RenderError("The pixel data cannot be shown as an image.") from error


def _frame_values(dataset: pydicom.Dataset, pixels: np.ndarray) -> DecodedFrame:
    samples = int(dataset.get("SamplesPerPixel", 1) or 1)
    if samples > 1 and pixels.ndim == 3 and pixels.shape[-1] in (3, 4):
        return DecodedFrame(dataset, rgb=_rgb8(pixels[..., :3]), values=None)
    if dataset.get("PhotometricInterpretation") == "PALETTE COLOR":
        rgb = _palette_rgb(pixels, dataset)
        if rgb is not None:
            return DecodedFrame(dataset, rgb=rgb, values=None)
    if pixels.ndim != 2:  # e.g. a volume stored as one frame of a 3-sample layout
        raise ValueError(f"a frame of shape {pixels.shape} is not an image")
    values = apply_modality_lut(pixels, dataset).astype(np.float64)
    return DecodedFrame(dataset, rgb=None, values=values)
