"""Clinical note → token windows for a BERT-family encoder.

A note longer than the encoder's limit is never truncated: its tokens are cut into consecutive,
non-overlapping windows that each get the encoder's special tokens, and the windows are stacked
on the batch axis. :func:`ml.encoders.gather_note_tokens` puts the encoded windows back together
per note, so every token of every window reaches the fusion module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class NoteWindows:
    """Token windows of a batch of notes.

    ``input_ids`` and ``attention_mask`` are (W, L) long tensors, W windows of at most L tokens.
    ``note_index`` (W,) says which note of the batch each window belongs to; windows of a note
    are consecutive and notes appear in batch order. ``note_present`` (B,) is False for a
    missing (``None`` or blank) note, which has no window.
    """

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    note_index: torch.Tensor
    note_present: torch.Tensor

    @property
    def n_notes(self) -> int:
        return int(self.note_present.shape[0])

    def to(self, device: torch.device | str) -> NoteWindows:
        return NoteWindows(
            input_ids=self.input_ids.to(device),
            attention_mask=self.attention_mask.to(device),
            note_index=self.note_index.to(device),
            note_present=self.note_present.to(device),
        )


def note_is_present(note: str | None) -> bool:
    """A note counts as present when it has any non-blank text."""
    return note is not None and bool(note.strip())


class NoteTokenizer:
    """Wraps a Hugging Face tokenizer to cut notes into windows of ``max_tokens`` tokens."""

    def __init__(self, tokenizer: Any, max_tokens: int) -> None:
        self.tokenizer = tokenizer
        self.prefix, self.suffix = _special_token_frame(tokenizer)
        special = len(self.prefix) + len(self.suffix)
        if max_tokens - special < 1:
            raise ValueError(f"max_tokens={max_tokens} leaves no room beside special tokens")
        self.max_tokens = max_tokens
        self.body_tokens = max_tokens - special
        self.pad_token_id = int(tokenizer.pad_token_id or 0)

    def note_windows(self, note: str | None) -> list[list[int]]:
        """Token ids of each window of ``note`` (special tokens included); [] when missing."""
        if not note_is_present(note):
            return []
        body = self.tokenizer(note, add_special_tokens=False, verbose=False)["input_ids"]
        if not body:
            body = [self.tokenizer.unk_token_id]
        chunks = [body[i : i + self.body_tokens] for i in range(0, len(body), self.body_tokens)]
        return [[*self.prefix, *chunk, *self.suffix] for chunk in chunks]

    def __call__(self, notes: Sequence[str | None]) -> NoteWindows:
        """Tokenise a batch of B notes into W >= 0 windows."""
        return windows_from_ids([self.note_windows(n) for n in notes], self.pad_token_id)


def _special_token_frame(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The special tokens a tokenizer puts before and after a single sequence.

    Found by encoding a probe word with and without special tokens, which works for every
    single-sequence template ([CLS] x [SEP], <s> x </s>, ...) without model-specific code.
    """
    probe = "finding"
    bare = tokenizer(probe, add_special_tokens=False, verbose=False)["input_ids"]
    framed = tokenizer(probe, verbose=False)["input_ids"]
    for start in range(len(framed) - len(bare) + 1):
        if framed[start : start + len(bare)] == bare:
            return list(framed[:start]), list(framed[start + len(bare) :])
    raise ValueError(
        "cannot locate the special tokens of this tokenizer's single-sequence template"
    )


def windows_from_ids(per_note: Sequence[Sequence[Sequence[int]]], pad_token_id: int) -> NoteWindows:
    """Pad per-note windows of token ids into a :class:`NoteWindows` batch."""
    windows = [w for note in per_note for w in note]
    owners = [i for i, note in enumerate(per_note) for _ in note]
    length = max((len(w) for w in windows), default=1)
    input_ids = torch.full((len(windows), length), pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((len(windows), length), dtype=torch.long)
    for row, window in enumerate(windows):
        input_ids[row, : len(window)] = torch.tensor(window, dtype=torch.long)
        attention_mask[row, : len(window)] = 1
    return NoteWindows(
        input_ids=input_ids,
        attention_mask=attention_mask,
        note_index=torch.tensor(owners, dtype=torch.long),
        note_present=torch.tensor([len(note) > 0 for note in per_note], dtype=torch.bool),
    )
