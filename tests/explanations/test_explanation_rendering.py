"""The pictures of an explanation, drawn from arrays (no model needed to test the drawing)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from consilium.explanations import rendering
from tests.explanations.explanation_support import png_size

HEIGHT, WIDTH = 96, 128


def image_and_heatmap() -> tuple[np.ndarray, np.ndarray]:
    rows, columns = np.mgrid[0:HEIGHT, 0:WIDTH]
    image = (columns / (WIDTH - 1)).astype(np.float32)
    heatmap = np.exp(-((rows - 40) ** 2 + (columns - 90) ** 2) / 200.0).astype(np.float32)
    heatmap[heatmap < 0.01] = 0.0
    return image, heatmap


def test_heatmap_png_is_rgba_the_image_size_and_clear_where_nothing_counted() -> None:
    _, heatmap = image_and_heatmap()
    content = rendering.heatmap_png(heatmap)
    assert png_size(content, "RGBA") == (WIDTH, HEIGHT)
    pixels = np.asarray(Image.open(io.BytesIO(content)))
    alpha = pixels[..., 3]
    assert alpha[heatmap == 0].max() == 0
    assert alpha[40, 90] == round(rendering.MAX_ALPHA * 255)
    assert alpha[40, 90] > alpha[40, 100] > 0  # fades with the heat


def test_image_png_is_the_grey_image_pixel_for_pixel() -> None:
    image, _ = image_and_heatmap()
    content = rendering.image_png(image)
    assert png_size(content, "L") == (WIDTH, HEIGHT)
    pixels = np.asarray(Image.open(io.BytesIO(content)))
    assert pixels[0, 0] == 0 and pixels[0, -1] == 255


def test_overlay_blends_the_heat_map_and_adds_a_colour_bar() -> None:
    image, heatmap = image_and_heatmap()
    content = rendering.overlay_png(image, heatmap, title="effusion")
    width, height = png_size(content)
    assert width > height  # the colour bar sits to the right of the image
    pixels = np.asarray(Image.open(io.BytesIO(content)).convert("RGB")).astype(int)
    saturation = pixels.max(axis=2) - pixels.min(axis=2)
    assert (saturation > 100).sum() > 500  # coloured heat and colour bar on a grey image


def test_overlay_refuses_a_heat_map_on_another_grid() -> None:
    image, heatmap = image_and_heatmap()
    with pytest.raises(rendering.ExplanationRenderError, match="grid"):
        rendering.overlay_png(image, heatmap[:, :64])
    with pytest.raises(rendering.ExplanationRenderError, match="2-D"):
        rendering.heatmap_png(np.zeros((2, 3, 4), dtype=np.float32))


def test_shares_bar_is_a_png() -> None:
    width, height = png_size(rendering.shares_png({"image": 0.7, "note": 0.3}))
    assert width > 4 * height


def test_word_colours_say_sign_by_hue_and_strength_by_depth() -> None:
    strong_up = rendering.word_colour(1.0, 1.0)
    weak_up = rendering.word_colour(0.2, 1.0)
    strong_down = rendering.word_colour(-1.0, 1.0)

    def rgb(colour: str) -> tuple[int, int, int]:
        return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))

    assert rgb(strong_up)[0] > rgb(strong_up)[2]  # red
    assert rgb(strong_down)[2] > rgb(strong_down)[0]  # blue
    assert sum(rgb(weak_up)) > sum(rgb(strong_up))  # weaker is paler
    assert rendering.word_colour(0.0, 1.0) == "#ffffff"


def test_note_segments_rebuild_the_note_with_every_word_coloured() -> None:
    note = "Fever and\n\nproductive  cough."
    words = [
        {"word": word, "start": start, "end": start + len(word), "score": score}
        for word, start, score in (
            ("Fever", 0, 0.9),
            ("and", 6, -0.1),
            ("productive", 11, 0.4),
            ("cough.", 23, -0.6),
        )
    ]
    segments = rendering.note_segments(note, words)
    assert "".join(segment.text for segment in segments) == note
    scored = [segment for segment in segments if segment.score is not None]
    assert [segment.text for segment in scored] == ["Fever", "and", "productive", "cough."]
    assert all(segment.colour.startswith("#") for segment in scored)
