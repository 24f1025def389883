"""Render de-identified DICOM pixel data to PNG / JPEG / GIF (no torch on the web side)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image
from pydicom.pixels import apply_voi_lut

from consilium.imaging.pixels import DecodedFrame, RenderError, frame_decode

__all__ = ["RenderError", "Viewport", "Window", "dicom_render"]

WINDOW_FUNCTIONS = ("linear", "linear_exact", "sigmoid")
MAX_VIEWPORT = 4096
_PIL_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF"}


@dataclass(frozen=True)
class Window:
    """A VOI window (PS3.3 C.11.2.1.2): centre, width and the VOI LUT function."""

    centre: float
    width: float
    function: str = "linear"

    def __post_init__(self) -> None:
        if self.function not in WINDOW_FUNCTIONS:
            raise RenderError(
                f"Unknown window function {self.function!r}; use one of {', '.join(WINDOW_FUNCTIONS)}."
            )
        if self.function == "linear" and self.width < 1:
            raise RenderError("The window width must be at least 1 for the linear function.")
        if self.width <= 0:
            raise RenderError("The window width must be greater than 0.")

    def apply(self, values: np.ndarray) -> np.ndarray:
        """Values mapped to [0, 1] by the window's function."""
        c, w = self.centre, self.width
        if self.function == "linear":
            scaled = (values - (c - 0.5)) / max(w - 1.0, 1e-6) + 0.5
        elif self.function == "linear_exact":
            scaled = (values - c) / w + 0.5
        else:
            return 1.0 / (1.0 + np.exp(np.clip(-4.0 * (values - c) / w, -500, 500)))
        return np.clip(scaled, 0.0, 1.0)


@dataclass(frozen=True)
class Viewport:
    """PS3.18 8.3.5.1.3: the output size, and optionally the source region (negative = flipped)."""

    width: int
    height: int
    region: tuple[int, int, int, int] | None = None

    def __post_init__(self) -> None:
        if not (0 < self.width <= MAX_VIEWPORT and 0 < self.height <= MAX_VIEWPORT):
            raise RenderError(f"The viewport must be between 1 and {MAX_VIEWPORT} pixels each way.")

    def apply(self, image: Image.Image) -> Image.Image:
        if self.region is not None:
            x, y, region_width, region_height = self.region
            left, right = sorted((x, x + region_width))
            top, bottom = sorted((y, y + region_height))
            if right - left < 1 or bottom - top < 1:
                raise RenderError("The viewport's source region is empty.")
            image = image.crop((left, top, right, bottom))
            if region_width < 0:
                image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            if region_height < 0:
                image = image.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        # Fit inside the viewport, keeping the aspect ratio.
        scale = min(self.width / image.width, self.height / image.height)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        return image.resize(size, Image.Resampling.LANCZOS) if size != image.size else image


def _frame_image(source, *, frame: int, window: Window | None) -> Image.Image:
    """One frame as an 8-bit grey or RGB image; RenderError for anything that cannot be shown."""
    decoded = frame_decode(source, frame=frame)
    try:
        return _decoded_image(decoded, window)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as error:
        # Odd layouts (volumes in one frame, odd sample counts) that decode but cannot be shown.
        raise RenderError("The pixel data cannot be shown as an image.") from error


def _decoded_image(decoded: DecodedFrame, window: Window | None) -> Image.Image:
    if decoded.rgb is not None:
        return Image.fromarray(decoded.rgb, mode="RGB")
    values, dataset = decoded.values, decoded.dataset
    if window is not None:
        scaled = window.apply(values)
    else:
        if "WindowCenter" in dataset or "VOILUTSequence" in dataset:
            values = apply_voi_lut(values, dataset).astype(np.float64)
            low, high = float(values.min()), float(values.max())
        else:
            low, high = np.percentile(values, [0.5, 99.5])
        scaled = np.clip((values - low) / max(high - low, 1e-6), 0.0, 1.0)
    if decoded.monochrome1:
        scaled = 1.0 - scaled
    return Image.fromarray((scaled * 255).astype(np.uint8), mode="L")


def dicom_render(
    source,
    *,
    media_type: str = "image/jpeg",
    frame: int = 0,
    window: Window | None = None,
    viewport: Viewport | None = None,
    quality: int | None = None,
    max_size: int = 1024,
) -> bytes:
    """One frame as `media_type` (image/jpeg, image/png or image/gif), windowed and fitted to a
    viewport as PS3.18 rendered resources describe; without a viewport, at most `max_size` wide."""
    image_format = _PIL_FORMATS.get(media_type)
    if image_format is None:
        raise RenderError(f"Cannot render as {media_type}.")
    if quality is not None and not 1 <= quality <= 100:
        raise RenderError("quality must be between 1 and 100.")
    image = _frame_image(source, frame=frame, window=window)
    if viewport is not None:
        image = viewport.apply(image)
    elif max(image.size) > max_size:
        image.thumbnail((max_size, max_size))
    out = io.BytesIO()
    options = {"quality": quality or 90} if image_format == "JPEG" else {}
    image.save(out, format=image_format, **options)
    return out.getvalue()
