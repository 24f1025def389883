"""The Captum methods, one function per question.

- :func:`image_gradcam` — where in the image: LayerGradCam on the image encoder's last block
  (``relu_attributions=True``), on the model's input grid;
- :func:`image_integrated_gradients` — the same question pixel by pixel, on demand;
- :func:`note_word_attributions` — which words: LayerIntegratedGradients on the text encoder's
  input embedding layer, from a reference note whose word pieces are all ``[PAD]`` (special
  tokens and attention mask kept);
- :func:`modality_attributions` — how much each modality: IntegratedGradients over the fusion
  inputs (image feature map and pooled vector; note tokens) from zeros, with the completeness
  delta ``sum(attributions) - (f(x) - f(baseline))`` on the finding's logit.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from captum.attr import (
    IntegratedGradients,
    LayerAttribution,
    LayerGradCam,
    LayerIntegratedGradients,
)

from ml.explain.context import StudyContext, fusion_logits, image_logits, window_logits
from ml.model import ConsiliumNet


def image_gradcam(model: ConsiliumNet, context: StudyContext, targets: list[int]) -> torch.Tensor:
    """Grad-CAM of each target finding → (len(targets), S, S), non-negative."""
    images = context.image.expand(len(targets), -1, -1, -1).clone()
    cam = LayerGradCam(
        lambda batch: image_logits(model, context, batch), model.image_encoder.trunk[-1]
    ).attribute(images, target=targets, relu_attributions=True)
    size = tuple(context.image.shape[-2:])
    upsampled = LayerAttribution.interpolate(cam, size, interpolate_mode="bilinear")
    return upsampled[:, 0].clamp_min(0).detach()


def image_integrated_gradients(
    model: ConsiliumNet, context: StudyContext, target: int, *, steps: int, batch: int
) -> torch.Tensor:
    """|Integrated Gradients| of the image from a black image → (S, S)."""
    black = torch.full_like(context.image, float(context.image.min()))
    attributions = IntegratedGradients(
        lambda images: image_logits(model, context, images)
    ).attribute(
        context.image, baselines=black, target=target, n_steps=steps, internal_batch_size=batch
    )
    return attributions[0, 0].abs().detach()


def note_token_scores(
    model: ConsiliumNet, context: StudyContext, target: int, *, steps: int, batch: int
) -> torch.Tensor:
    """Per-token LayerIntegratedGradients scores (W, L) of one finding (summed over the
    embedding dimension; zero at special tokens and padding, which the reference keeps)."""
    pad = context.layout.token_word >= 0 if context.layout else None
    assert pad is not None, "a study without note has no word attributions"
    text_model = model.text_encoder.model
    pad_id = int(getattr(text_model.config, "pad_token_id", None) or 0)
    reference = context.input_ids.masked_fill(pad.to(context.input_ids.device), pad_id)
    n_windows = context.input_ids.shape[0]
    attributions = LayerIntegratedGradients(
        lambda ids: window_logits(model, context, ids), text_model.get_input_embeddings()
    ).attribute(
        context.input_ids,
        baselines=reference,
        target=target,
        n_steps=steps,
        internal_batch_size=max(batch, 1) * n_windows,  # whole notes per internal batch
    )
    return attributions.sum(dim=-1).detach()


class ModalityAttribution(NamedTuple):
    image: float
    note: float
    delta: float  # |sum(attributions) - (f(x) - f(baseline))|
    change: float  # f(x) - f(baseline) on the logit


def modality_attributions(
    model: ConsiliumNet, context: StudyContext, target: int, *, steps: int
) -> ModalityAttribution:
    inputs = (context.feature_map, context.pooled, context.note_tokens)
    baselines = tuple(torch.zeros_like(part) for part in inputs)

    def forward(feature_map, pooled, note_tokens):  # Captum calls it with the inputs
        return fusion_logits(model, context, feature_map, pooled, note_tokens)

    attributions, delta = IntegratedGradients(forward).attribute(
        inputs, baselines=baselines, target=target, n_steps=steps, return_convergence_delta=True
    )
    with torch.no_grad():
        change = float(forward(*inputs)[0, target] - forward(*baselines)[0, target])
    image = float(attributions[0].sum() + attributions[1].sum())
    return ModalityAttribution(
        image=image,
        note=float(attributions[2].sum()),
        delta=abs(float(delta.sum())),
        change=change,
    )
