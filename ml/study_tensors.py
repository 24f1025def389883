"""Turning many studies into model inputs, in batches; shared by training, evaluation, inference.

Images go through the shared MONAI transform; notes through the text encoder once, after which
their token features can be cached (the text encoder is frozen in the default recipe).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from monai.transforms import Compose
from tqdm.auto import tqdm

from ml.encoders import NoteTokens, TextEncoder
from ml.preprocessing import NoteTokenizer, NoteWindows, load_study_image, windows_from_ids

if TYPE_CHECKING:
    from ml.model import ConsiliumNet

MODES = ("fused", "image_only", "note_only")


def preprocess_images(
    transform: Compose,
    studies: Sequence[Sequence[Path]],
    image_size: int,
    *,
    progress: bool = False,
    description: str = "images",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each study's instance paths → images (N, 1, S, S) float32 and ``image_present`` (N,) bool.

    A study without paths gets a zero image and ``image_present`` False. Decoding errors raise
    :class:`~ml.preprocessing.ImageDecodeError` naming the file.
    """
    decoded = [
        load_study_image(transform, paths) if paths else None
        for paths in tqdm(studies, desc=description, disable=not progress)
    ]
    return stack_images(decoded, image_size)


def stack_images(
    images: Sequence[torch.Tensor | None], image_size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Decoded images (1, S, S), ``None`` for a study without one → (N, 1, S, S), present (N,)."""
    stacked = torch.zeros(len(images), 1, image_size, image_size)
    present = torch.zeros(len(images), dtype=torch.bool)
    for index, image in enumerate(images):
        if image is not None:
            stacked[index] = image
            present[index] = True
    return stacked, present


def encode_note_features(
    text_encoder: TextEncoder,
    tokenizer: NoteTokenizer,
    notes: Sequence[str | None],
    *,
    device: torch.device | str = "cpu",
    batch_size: int = 32,
    progress: bool = False,
) -> list[torch.Tensor]:
    """Each note → its token features (n_i, D) on the CPU; (0, D) for a missing note.

    Notes longer than the encoder's window are encoded window by window and concatenated.
    """
    # notes of similar length share a batch, so little compute goes into padding
    order = sorted(range(len(notes)), key=lambda i: len(notes[i] or ""))
    features: list[torch.Tensor] = [torch.empty(0)] * len(notes)
    starts = range(0, len(order), batch_size)
    with torch.inference_mode():
        for start in tqdm(starts, desc="notes", disable=not progress):
            chunk = order[start : start + batch_size]
            windows = tokenizer([notes[i] for i in chunk]).to(device)
            encoded = text_encoder.encode_notes(windows)
            for index, tokens, mask in zip(chunk, encoded.tokens, encoded.mask, strict=True):
                features[index] = tokens[mask].float().cpu()
    return features


def pad_note_features(
    features: Sequence[torch.Tensor], *, device: torch.device | str = "cpu"
) -> NoteTokens:
    """Per-note token features [(n_i, D)] → :class:`~ml.encoders.NoteTokens` (B, T, D), (B, T)."""
    dim = features[0].shape[-1]
    length = max(max((f.shape[0] for f in features), default=0), 1)
    tokens = torch.zeros(len(features), length, dim)
    mask = torch.zeros(len(features), length, dtype=torch.bool)
    for row, feature in enumerate(features):
        tokens[row, : feature.shape[0]] = feature
        mask[row, : feature.shape[0]] = True
    return NoteTokens(tokens=tokens.to(device), mask=mask.to(device))


@dataclass
class StudyCache:
    """All studies' model inputs, computed once: images (N, 1, S, S), labels (N, K), notes.

    ``note_features`` holds (n_i, D) token features per note when the text encoder is frozen;
    otherwise ``note_windows`` holds each note's token-id windows, encoded batch by batch.
    """

    images: torch.Tensor
    image_present: torch.Tensor
    labels: torch.Tensor
    note_features: list[torch.Tensor] | None
    note_windows: list[list[list[int]]] | None
    pad_token_id: int


@dataclass
class Batch:
    """A batch drawn from a :class:`StudyCache`; note inputs are features or windows."""

    images: torch.Tensor
    image_present: torch.Tensor
    labels: torch.Tensor
    note_tokens: torch.Tensor | None  # (B, T, D) cached features
    note_mask: torch.Tensor | None  # (B, T)
    windows: NoteWindows | None  # when the text encoder is trained

    def pin_memory(self) -> Batch:
        return Batch(
            images=self.images.pin_memory(),
            image_present=self.image_present.pin_memory(),
            labels=self.labels.pin_memory(),
            note_tokens=None if self.note_tokens is None else self.note_tokens.pin_memory(),
            note_mask=None if self.note_mask is None else self.note_mask.pin_memory(),
            windows=self.windows,
        )


def collate_studies(cache: StudyCache, indices: list[int]) -> Batch:
    """The studies ``indices`` of ``cache`` as one :class:`Batch` (notes padded to the longest)."""
    index = torch.as_tensor(indices, dtype=torch.long)
    tokens: torch.Tensor | None = None
    mask: torch.Tensor | None = None
    windows: NoteWindows | None = None
    if cache.note_features is not None:
        encoded = pad_note_features([cache.note_features[i] for i in indices])
        tokens, mask = encoded.tokens, encoded.mask
    else:
        assert cache.note_windows is not None
        windows = windows_from_ids([cache.note_windows[i] for i in indices], cache.pad_token_id)
    return Batch(
        images=cache.images[index],
        image_present=cache.image_present[index],
        labels=cache.labels[index],
        note_tokens=tokens,
        note_mask=mask,
        windows=windows,
    )


def note_inputs(
    model: ConsiliumNet, batch: Batch, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Note tokens (B, T, D) and mask (B, T) of ``batch``: cached, or encoded now."""
    if batch.note_tokens is not None and batch.note_mask is not None:
        return batch.note_tokens.to(device, non_blocking=True), batch.note_mask.to(device)
    if batch.windows is None:
        raise ValueError("a batch needs either cached note features or note windows")
    encoded = model.encode_notes(batch.windows.to(device))
    return encoded.tokens, encoded.mask


def predict_all_modes(
    model: ConsiliumNet,
    cache: StudyCache,
    indices: np.ndarray,
    *,
    batch_size: int,
    device: torch.device,
) -> dict[str, np.ndarray]:
    """Probabilities (n, K) for ``indices`` with both modalities, image only and note only.

    The image encoder runs once per batch; only the cheap fusion runs three times.
    """
    model.eval()
    outputs: dict[str, list[np.ndarray]] = {mode: [] for mode in MODES}
    with torch.inference_mode():
        for start in range(0, len(indices), batch_size):
            batch = collate_studies(cache, [int(i) for i in indices[start : start + batch_size]])
            images = batch.images.to(device)
            image_present = batch.image_present.to(device)
            tokens, mask = note_inputs(model, batch, device)
            for mode, output in model.forward_modes(images, image_present, tokens, mask).items():
                outputs[mode].append(torch.sigmoid(output.logits.float()).cpu().numpy())
    return {mode: np.concatenate(parts) for mode, parts in outputs.items()}


def build_study_cache(
    model: ConsiliumNet,
    tokenizer: NoteTokenizer,
    transform: Compose,
    image_size: int,
    dicom_paths: Sequence[Sequence[Path]],
    notes: Sequence[str | None],
    labels: torch.Tensor,
    *,
    device: torch.device,
    progress: bool = False,
) -> StudyCache:
    """Preprocess every image and (with a frozen text encoder) encode every note, once."""
    images, image_present = preprocess_images(transform, dicom_paths, image_size, progress=progress)
    features = windows = None
    if model.config.freeze_text_encoder:
        features = encode_note_features(
            model.text_encoder, tokenizer, notes, device=device, progress=progress
        )
    else:
        windows = [tokenizer.note_windows(note) for note in notes]
    return StudyCache(
        images=images,
        image_present=image_present,
        labels=labels,
        note_features=features,
        note_windows=windows,
        pad_token_id=tokenizer.pad_token_id,
    )
