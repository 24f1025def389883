"""One study made ready for attribution: model inputs, fixed features, the note's layout.

Every attribution method perturbs one part and holds the rest fixed, so the encoders run once
here; the forward functions below rebuild only what a method varies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ml.encoders import gather_note_tokens
from ml.explain.words import NoteLayout, note_layout
from ml.inference import Predictor, StudyInput
from ml.model import ConsiliumNet
from ml.preprocessing import read_grey_image, select_study_instance


@dataclass(frozen=True)
class StudyContext:
    """``image`` (1, 1, S, S) and its encoder features (detached), ``input_ids`` and
    ``attention_mask`` (W, L) of the note's windows and their encoded tokens (1, T, D), the
    decoded image the heat map is drawn on, and the note's word layout."""

    image: torch.Tensor
    image_present: torch.Tensor
    feature_map: torch.Tensor
    pooled: torch.Tensor
    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    note_tokens: torch.Tensor
    note_mask: torch.Tensor
    display_image: np.ndarray | None
    layout: NoteLayout | None

    @property
    def has_image(self) -> bool:
        return bool(self.image_present.any())

    @property
    def has_note(self) -> bool:
        return bool(self.note_mask.any())


def study_context(predictor: Predictor, study: StudyInput) -> StudyContext:
    prepared = predictor.prepare([study])
    model = predictor.model
    windows = prepared.windows
    with torch.inference_mode():
        features = model.image_encoder(prepared.images)
        notes = model.text_encoder.encode_notes(windows)
    display_image, layout = None, None
    if study.dicom_paths:
        instance = select_study_instance(list(study.dicom_paths))
        display_image = read_grey_image(instance, frame_policy=predictor.preprocessing.frame_policy)
    if windows.input_ids.shape[0]:
        layout = note_layout(predictor.tokenizer, study.note or "", tuple(windows.input_ids.shape))
    return StudyContext(
        image=prepared.images,
        image_present=prepared.image_present,
        feature_map=features.feature_map.clone(),
        pooled=features.pooled.clone(),
        input_ids=windows.input_ids,
        attention_mask=windows.attention_mask,
        note_tokens=notes.tokens.clone(),
        note_mask=notes.mask.clone(),
        display_image=display_image,
        layout=layout,
    )


def _rows(tensor: torch.Tensor, n: int) -> torch.Tensor:
    return tensor.expand(n, *tensor.shape[1:])


def fusion_logits(
    model: ConsiliumNet,
    context: StudyContext,
    feature_map: torch.Tensor,
    pooled: torch.Tensor,
    note_tokens: torch.Tensor,
) -> torch.Tensor:
    """Logits (n, K) of the fusion for n variants of the study's encoded inputs."""
    n = feature_map.shape[0]
    return model.fusion(
        feature_map,
        pooled,
        _rows(context.image_present, n),
        note_tokens,
        _rows(context.note_mask, n),
    ).logits


def image_logits(model: ConsiliumNet, context: StudyContext, images: torch.Tensor) -> torch.Tensor:
    """Logits (n, K) for n variants of the image (n, 1, S, S), the note held fixed."""
    features = model.image_encoder(images)
    n = images.shape[0]
    return fusion_logits(
        model, context, features.feature_map, features.pooled, _rows(context.note_tokens, n)
    )


def window_logits(
    model: ConsiliumNet, context: StudyContext, input_ids: torch.Tensor
) -> torch.Tensor:
    """Logits (n, K) for n variants of the note's windows, stacked as (n * W, L), the image
    held fixed. The text encoder is called once, so its embedding layer runs once per forward
    (Layer Integrated Gradients needs that)."""
    n_windows = context.input_ids.shape[0]
    n = input_ids.shape[0] // n_windows
    mask = context.attention_mask.repeat(n, 1)
    hidden = model.text_encoder(input_ids, mask)
    owner = torch.arange(n, device=input_ids.device).repeat_interleave(n_windows)
    notes = gather_note_tokens(hidden, mask, owner, n)
    return fusion_logits(
        model, context, _rows(context.feature_map, n), _rows(context.pooled, n), notes.tokens
    )
