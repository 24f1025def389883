"""Deletion checks: does removing what the explanation points at hurt the finding more than
removing as much at random?

Image: the model's input is cut into a grid of cells over the image region; the cells with
the highest mean Grad-CAM (``fraction`` of them, at least one) are set to the image's mean,
against the same number of random cells, ``draws`` times. Note: the top-scoring ``fraction``
of words (at least one) become ``[PAD]`` pieces, against random words. The drop is the
finding's probability before minus after; random draws are shared by all findings of a study.
"""

from __future__ import annotations

import numpy as np
import torch

from ml.explain.context import StudyContext, image_logits, window_logits
from ml.explain.geometry import Region, image_region
from ml.explain.types import Faithfulness
from ml.explain.words import without_words
from ml.model import ConsiliumNet


def _region(context: StudyContext) -> Region:
    size = context.image.shape[-1]
    shape = context.display_image.shape if context.display_image is not None else (size, size)
    return image_region(shape[0], shape[1], size)


def _cells(context: StudyContext, grid: int) -> list[tuple[slice, slice]]:
    region = _region(context)
    rows = np.linspace(region.top, region.top + region.height, grid + 1).round().astype(int)
    cols = np.linspace(region.left, region.left + region.width, grid + 1).round().astype(int)
    return [
        (slice(rows[r], rows[r + 1]), slice(cols[c], cols[c + 1]))
        for r in range(grid)
        for c in range(grid)
        if rows[r + 1] > rows[r] and cols[c + 1] > cols[c]
    ]


def _probabilities(logits: torch.Tensor) -> np.ndarray:
    return torch.sigmoid(logits.float()).cpu().numpy()


def _checks(
    modality: str, probabilities: np.ndarray, targets: list[int], draws: int, fraction: float
) -> list[Faithfulness]:
    """Rows of ``probabilities``: original, ``draws`` random deletions, then one top deletion
    per target."""
    original, random_rows = probabilities[0], probabilities[1 : 1 + draws]
    checks = []
    for position, target in enumerate(targets):
        top_drop = float(original[target] - probabilities[1 + draws + position, target])
        random_drop = float(np.mean(original[target] - random_rows[:, target]))
        checks.append(
            Faithfulness(modality, fraction, top_drop, random_drop, draws, top_drop > random_drop)
        )
    return checks


def image_deletion(
    model: ConsiliumNet,
    context: StudyContext,
    cams: torch.Tensor,
    targets: list[int],
    *,
    fraction: float,
    draws: int,
    grid: int,
    rng: np.random.Generator,
) -> list[Faithfulness]:
    """``cams`` (len(targets), S, S) on the model's input grid."""
    cells = _cells(context, grid)
    count = max(1, round(fraction * len(cells)))
    image = context.image[0]
    region = _region(context)
    rows, cols = (
        slice(region.top, region.top + region.height),
        slice(region.left, region.left + region.width),
    )
    fill = float(image[:, rows, cols].mean())

    def deleted(chosen: np.ndarray) -> torch.Tensor:
        copy = image.clone()
        for index in chosen:
            rows, cols = cells[int(index)]
            copy[:, rows, cols] = fill
        return copy

    variants = [image] + [
        deleted(rng.choice(len(cells), count, replace=False)) for _ in range(draws)
    ]
    for cam in cams:
        scores = np.array([float(cam[rows, cols].mean()) for rows, cols in cells])
        variants.append(deleted(np.argsort(-scores, kind="stable")[:count]))
    with torch.inference_mode():
        probabilities = _probabilities(image_logits(model, context, torch.stack(variants)))
    return _checks("image", probabilities, targets, draws, fraction)


def note_deletion(
    model: ConsiliumNet,
    context: StudyContext,
    scores: list[list[float]],
    targets: list[int],
    *,
    fraction: float,
    draws: int,
    pad_token_id: int,
    rng: np.random.Generator,
) -> list[Faithfulness]:
    """``scores``: per target, one score per word of the note."""
    assert context.layout is not None
    n_words = len(context.layout.spans)
    count = max(1, round(fraction * n_words))

    def deleted(words: list[int]) -> torch.Tensor:
        return without_words(context.input_ids, context.layout, words, pad_token_id)

    variants = [context.input_ids] + [
        deleted(sorted(int(w) for w in rng.choice(n_words, count, replace=False)))
        for _ in range(draws)
    ]
    for word_scores in scores:
        variants.append(deleted(list(np.argsort(-np.asarray(word_scores), kind="stable")[:count])))
    with torch.inference_mode():
        probabilities = _probabilities(window_logits(model, context, torch.cat(variants)))
    return _checks("note", probabilities, targets, draws, fraction)
