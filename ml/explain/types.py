"""What an explanation of one finding for one study is made of (plain data, no torch)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class WordAttribution:
    """One whitespace-delimited word of the note: ``note[start:end] == word``.

    ``score`` is the sum of Layer Integrated Gradients over the word's word pieces, signed:
    positive pushed the finding's score up, negative pushed it down.
    """

    word: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Faithfulness:
    """A deletion check for one modality: removing the top-attributed ``fraction`` of image area
    (or of words) should lower the finding's probability more than removing a random
    ``fraction`` (mean over ``random_draws`` draws). ``passed`` says whether it did."""

    modality: str  # "image" | "note"
    fraction: float
    top_drop: float
    random_drop: float
    random_draws: int
    passed: bool


@dataclass(frozen=True)
class ModalityContribution:
    """How much each modality counted for one finding (see :class:`FindingExplanation`)."""

    finding: str
    shares: dict[str, float]
    attributions: dict[str, float]
    completeness_delta: float
    completeness_relative: float
    steps: int  # Integrated Gradients steps it took to get there


@dataclass(frozen=True)
class FindingExplanation:
    """The explanation of one finding for one study.

    - ``heatmap``: Grad-CAM (H, W) float32 in [0, 1] on the grid of ``display_image`` (the
      decoded instance the model saw, (H, W) float32 in [0, 1], before resizing); both ``None``
      for a study without image.
    - ``words``: every word of the note, in order; empty for a study without note.
    - ``modality_shares``: ``{"image": s, "note": 1 - s}`` from Integrated Gradients over the
      fusion inputs; an absent modality's share is exactly 0. ``modality_attributions`` are
      the signed sums behind them; ``completeness_delta`` is
      ``|sum(attributions) - (f(x) - f(baseline))|`` on the finding's logit and
      ``completeness_relative`` that over ``|f(x) - f(baseline)|``.
    - ``model_gate``: the fusion's own modality gate for the study.
    - ``faithfulness``: one check per modality present; ``faithful`` is True when all passed.
    - ``settings``: Captum version and every setting used, for the record.
    """

    finding: str
    probability: float
    logit: float
    heatmap: np.ndarray | None
    display_image: np.ndarray | None
    words: list[WordAttribution]
    modality_shares: dict[str, float]
    modality_attributions: dict[str, float]
    completeness_delta: float
    completeness_relative: float
    model_gate: dict[str, float]
    faithfulness: list[Faithfulness]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def faithful(self) -> bool:
        return all(check.passed for check in self.faithfulness)
