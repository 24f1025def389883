"""Note words and their word pieces: which tokens of which window make up each word.

A word is a maximal run of non-space characters of the note (what a reader calls a word,
punctuation attached). Word pieces are mapped to words through the tokenizer's character
offsets, so attributions of the pieces of "effusions." add up to that one word.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import torch

from ml.explain.types import WordAttribution
from ml.preprocessing import NoteTokenizer

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class NoteLayout:
    """The note's words (``spans``: (start, end) character offsets) and, for each window
    position (W, L), the index of the word its token belongs to, -1 for special tokens and
    padding."""

    note: str
    spans: list[tuple[int, int]]
    token_word: torch.Tensor  # (W, L) long


def note_layout(tokenizer: NoteTokenizer, note: str, window_shape: tuple[int, int]) -> NoteLayout:
    """Lay out ``note`` as :meth:`NoteTokenizer.note_windows` cuts it into windows."""
    spans = [(m.start(), m.end()) for m in _WORD.finditer(note)]
    starts = [start for start, _ in spans]
    encoded = tokenizer.tokenizer(
        note, add_special_tokens=False, return_offsets_mapping=True, verbose=False
    )
    offsets = encoded["offset_mapping"]
    token_word = torch.full(window_shape, -1, dtype=torch.long)
    prefix = len(tokenizer.prefix)
    for position, (start, _end) in enumerate(offsets):
        word = bisect.bisect_right(starts, start) - 1
        window, column = divmod(position, tokenizer.body_tokens)
        token_word[window, prefix + column] = max(word, 0)
    return NoteLayout(note=note, spans=spans, token_word=token_word)


def word_scores(layout: NoteLayout, token_scores: torch.Tensor) -> list[float]:
    """Per-token scores (W, L) → per-word sums, in word order (0.0 for a word without pieces)."""
    totals = torch.zeros(len(layout.spans), dtype=torch.float64)
    valid = layout.token_word >= 0
    totals.index_add_(0, layout.token_word[valid], token_scores[valid].double().cpu())
    return totals.tolist()


def word_attributions(layout: NoteLayout, scores: list[float]) -> list[WordAttribution]:
    return [
        WordAttribution(word=layout.note[start:end], start=start, end=end, score=float(score))
        for (start, end), score in zip(layout.spans, scores, strict=True)
    ]


def without_words(
    input_ids: torch.Tensor, layout: NoteLayout, words: list[int], pad_token_id: int
) -> torch.Tensor:
    """``input_ids`` (W, L) with every piece of the given words replaced by the pad token."""
    if not words:
        return input_ids.clone()
    chosen = torch.isin(layout.token_word, torch.tensor(words, dtype=torch.long))
    return input_ids.masked_fill(chosen.to(input_ids.device), pad_token_id)
