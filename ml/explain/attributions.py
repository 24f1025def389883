"""The Captum methods, one function per question.

- :func:`image_gradcam` — where in the image: LayerGradCam on the image encoder's last block
  (``relu_attributions=True``), on the model's input grid;
- :func:`image_integrated_gradients` — the same question pixel by pixel, on demand;
- :func:`note_token_scores` — which words: Layer Integrated Gradients on the text encoder's
  input embedding layer, from a reference note whose word pieces are all ``[PAD]`` (special
  tokens and attention mask kept), every finding from one forward pass;
- :func:`modality_attributions` — how much each modality: IntegratedGradients over the fusion
  inputs (image feature map and pooled vector; note tokens) from zeros, with the completeness
  delta ``sum(attributions) - (f(x) - f(baseline))`` on the finding's logit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch
from captum.attr import IntegratedGradients, LayerAttribution, LayerGradCam

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
    model: ConsiliumNet, context: StudyContext, targets: list[int], *, steps: int, batch: int
) -> torch.Tensor:
    """Per-token Layer Integrated Gradients scores (len(targets), W, L) of each finding, summed
    over the embedding dimension; zero at special tokens and padding, which the reference keeps.

    The attributions are those of Captum's ``LayerIntegratedGradients`` on the input embedding
    layer (Gauss-Legendre steps, the same step sizes), computed for all targets at once: the
    interpolated notes go through the text encoder and fusion once, and only the backward pass
    is repeated per finding. Captum runs the whole forward again for every target, which made
    it most of an explanation's time (a forward costs about as much as a backward here).
    ``batch`` notes (interpolation steps) go through the model at a time.
    """
    pad = context.layout.token_word >= 0 if context.layout else None
    assert pad is not None, "a study without note has no word attributions"
    text_model = model.text_encoder.model
    pad_id = int(getattr(text_model.config, "pad_token_id", None) or 0)
    reference = context.input_ids.masked_fill(pad.to(context.input_ids.device), pad_id)
    embedding = text_model.get_input_embeddings()
    with torch.no_grad():
        actual, baseline = embedding(context.input_ids), embedding(reference)
    nodes, weights = np.polynomial.legendre.leggauss(steps)  # Captum's "gausslegendre" on [0, 1]
    alphas, step_sizes = ((nodes + 1) / 2).tolist(), (weights / 2).tolist()
    totals = torch.zeros(len(targets), *actual.shape, dtype=actual.dtype, device=actual.device)
    n_windows = context.input_ids.shape[0]
    chunk = max(batch, 1)
    for start in range(0, steps, chunk):
        alpha = torch.tensor(alphas[start : start + chunk], dtype=actual.dtype)
        weight = torch.tensor(step_sizes[start : start + chunk], dtype=actual.dtype)
        alpha, weight = alpha.to(actual.device), weight.to(actual.device)
        scaled = baseline + alpha[:, None, None, None] * (actual - baseline)  # (k, W, L, E)
        scaled = scaled.flatten(0, 1).requires_grad_()
        handle = embedding.register_forward_hook(_replace_output(scaled))
        try:
            with torch.enable_grad():
                logits = window_logits(model, context, context.input_ids.repeat(len(alpha), 1))
                for row, target in enumerate(targets):
                    (grads,) = torch.autograd.grad(
                        logits[:, target].sum(), scaled, retain_graph=row < len(targets) - 1
                    )
                    steps_grads = grads.unflatten(0, (len(alpha), n_windows))
                    totals[row] += (steps_grads * weight[:, None, None, None]).sum(dim=0)
        finally:
            handle.remove()
    return (totals * (actual - baseline)).sum(dim=-1).detach()


def _replace_output(replacement: torch.Tensor) -> Callable[..., torch.Tensor]:
    """A forward hook that makes its module return ``replacement``."""

    def hook(_module: torch.nn.Module, _inputs: object, _output: torch.Tensor) -> torch.Tensor:
        return replacement

    return hook


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
