"""Pictures of an explanation, drawn with matplotlib's Agg canvas (no display, no pyplot state).

- the heat map as a transparent RGBA PNG exactly the image's size (a viewer lays it over the image);
- the image with the heat map blended in and a colour bar (dashboard, reports);
- the image alone, and a small bar of the modality shares;
- colours for the note's words: red pushed the finding up, blue pushed it down, stronger = deeper.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

HEATMAP_COLORMAP = "turbo"
# Opacity of the heat map at its maximum; low values fade out so the anatomy stays visible.
MAX_ALPHA = 0.6
POSITIVE_RGB = (220, 38, 38)
NEGATIVE_RGB = (37, 99, 235)
IMAGE_COLOUR = "#1f5fbf"
NOTE_COLOUR = "#d97706"


class ExplanationRenderError(ValueError):
    """The arrays cannot be drawn (wrong shape, mismatched grids): a programming error upstream."""


def _unit_grid(array: np.ndarray, what: str) -> np.ndarray:
    values = np.asarray(array, dtype=np.float32)
    if values.ndim != 2 or min(values.shape) < 1:
        raise ExplanationRenderError(f"The {what} must be a 2-D (H, W) array, got {values.shape}.")
    return np.clip(np.nan_to_num(values, nan=0.0), 0.0, 1.0)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def heatmap_rgba(heatmap: np.ndarray) -> np.ndarray:
    """(H, W) in [0, 1] -> (H, W, 4) uint8: the colour map, alpha rising with the value."""
    values = _unit_grid(heatmap, "heat map")
    rgba = matplotlib.colormaps[HEATMAP_COLORMAP](values)
    rgba[..., 3] = values * MAX_ALPHA
    return np.round(rgba * 255).astype(np.uint8)


def heatmap_png(heatmap: np.ndarray) -> bytes:
    """The transparent heat map, one pixel per image pixel, for a viewer's overlay toggle."""
    return _png(Image.fromarray(heatmap_rgba(heatmap), mode="RGBA"))


def image_png(display_image: np.ndarray) -> bytes:
    """The grey image the model saw, one pixel per image pixel."""
    values = _unit_grid(display_image, "image")
    return _png(Image.fromarray(np.round(values * 255).astype(np.uint8), mode="L"))


def _figure_png(figure: Figure, dpi: int) -> bytes:
    FigureCanvasAgg(figure)  # the Agg raster canvas, whatever backend pyplot would pick
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


def overlay_png(
    display_image: np.ndarray, heatmap: np.ndarray, *, title: str = "", dpi: int = 150
) -> bytes:
    """The image with the heat map blended in, and a colour bar saying what the colours mean."""
    image = _unit_grid(display_image, "image")
    values = _unit_grid(heatmap, "heat map")
    if image.shape != values.shape:
        raise ExplanationRenderError(
            f"The heat map {values.shape} is not on the image's grid {image.shape}."
        )
    height, width = image.shape
    figure = Figure(figsize=(5.0, 4.3 * height / width + 0.5), layout="constrained")
    axes = figure.add_subplot()
    axes.imshow(image, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    layer = axes.imshow(
        values,
        cmap=HEATMAP_COLORMAP,
        vmin=0.0,
        vmax=1.0,
        alpha=values * MAX_ALPHA,
        interpolation="bilinear",
    )
    axes.set_axis_off()
    if title:
        axes.set_title(title, fontsize=10)
    colour_bar = figure.colorbar(layer, ax=axes, fraction=0.046, pad=0.03)
    colour_bar.solids.set_alpha(1.0)
    colour_bar.set_label("Grad-CAM relevance (0 = none, 1 = most)", fontsize=8)
    colour_bar.ax.tick_params(labelsize=7)
    return _figure_png(figure, dpi)


def shares_png(shares: dict[str, float], *, dpi: int = 150) -> bytes:
    """A one-line stacked bar: how much the image and the note counted (Integrated Gradients)."""
    image_share = float(shares.get("image", 0.0))
    note_share = float(shares.get("note", 0.0))
    figure = Figure(figsize=(5.0, 0.7), layout="constrained")
    axes = figure.add_subplot()
    axes.barh([0], [image_share], color=IMAGE_COLOUR)
    axes.barh([0], [note_share], left=[image_share], color=NOTE_COLOUR)
    for left, share, label in ((0.0, image_share, "image"), (image_share, note_share, "note")):
        if share >= 0.12:
            axes.text(
                left + share / 2,
                0,
                f"{label} {share:.0%}",
                ha="center",
                va="center",
                color="white",
                fontsize=8,
            )
    axes.set_xlim(0, 1)
    axes.set_axis_off()
    return _figure_png(figure, dpi)


def word_colour(score: float, strongest: float) -> str:
    """Hex colour of a word's highlight: red for +, blue for -, alpha by |score| on white."""
    if strongest <= 0 or score == 0:
        return "#ffffff"
    alpha = min(abs(score) / strongest, 1.0) * 0.85
    base = POSITIVE_RGB if score > 0 else NEGATIVE_RGB
    channels = (round(255 + (value - 255) * alpha) for value in base)
    return "#" + "".join(f"{channel:02x}" for channel in channels)


@dataclass(frozen=True)
class NoteSegment:
    """A stretch of the note: a scored word (with its colour) or the text between words."""

    text: str
    score: float | None = None
    colour: str | None = None


def note_segments(note: str, words: list[dict]) -> list[NoteSegment]:
    """The whole note, cut into words (coloured by attribution) and the gaps between them."""
    strongest = max((abs(float(word["score"])) for word in words), default=0.0)
    segments: list[NoteSegment] = []
    cursor = 0
    for word in sorted(words, key=lambda item: int(item["start"])):
        start, end = int(word["start"]), int(word["end"])
        if start < cursor or end > len(note):
            continue  # offsets that do not fit the stored note are not drawn
        if start > cursor:
            segments.append(NoteSegment(text=note[cursor:start]))
        score = float(word["score"])
        segments.append(
            NoteSegment(text=note[start:end], score=score, colour=word_colour(score, strongest))
        )
        cursor = end
    if cursor < len(note):
        segments.append(NoteSegment(text=note[cursor:]))
    return segments
