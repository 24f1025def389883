"""Gated-attention fusion of an image feature map and note tokens, with a multi-label head.

Two gates, two jobs:

- :class:`GatedCrossAttention` lets note tokens attend to image patches. Its residual branches are
  scaled by ``tanh(gate)`` with the gate parameters initialised at 0, so training starts from
  the text-only path and opens the image path as it helps (as in Flamingo).
- :class:`ModalityGate` is a gated multimodal unit (GMU, Arevalo et al. 2017): a learned,
  per-study sigmoid gate ``z`` mixes the pooled image and note vectors,
  ``h = z * tanh(W_i v_image) + (1 - z) * tanh(W_t v_note)``.

A missing modality is handled by masks, never by NaNs: a study without image gets no
cross-attention update and ``z = 0``; a study without note gets ``z = 1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn


class FusionOutput(NamedTuple):
    """``logits`` (B, K) per finding; ``modality_gate`` (B,) the image share of the GMU gate."""

    logits: torch.Tensor
    modality_gate: torch.Tensor


@dataclass(frozen=True)
class FusionConfig:
    """Sizes of the fusion module; the first three come from the encoders."""

    image_channels: int
    pooled_channels: int
    text_dim: int
    n_findings: int
    d_model: int = 256
    n_heads: int = 4
    text_layers: int = 1
    dropout: float = 0.1


def patch_positions(height: int, width: int, dim: int, device: torch.device) -> torch.Tensor:
    """Fixed 2-D sine-cosine position code for a height x width patch grid → (h*w, dim)."""
    quarter = dim // 4
    frequencies = torch.exp(
        -math.log(10000.0) * torch.arange(quarter, device=device, dtype=torch.float32) / quarter
    )
    rows = torch.arange(height, device=device, dtype=torch.float32)[:, None] * frequencies
    cols = torch.arange(width, device=device, dtype=torch.float32)[:, None] * frequencies
    row_code = torch.cat([rows.sin(), rows.cos()], dim=1)[:, None, :].expand(height, width, -1)
    col_code = torch.cat([cols.sin(), cols.cos()], dim=1)[None, :, :].expand(height, width, -1)
    code = torch.cat([row_code, col_code], dim=-1).reshape(height * width, 4 * quarter)
    return nn.functional.pad(code, (0, dim - code.shape[1]))


class GatedCrossAttention(nn.Module):
    """Note tokens (B, T, D) attend to image patches (B, P, D) → updated tokens (B, T, D).

    Both residual branches (attention and feed-forward) are multiplied by ``tanh`` of a
    gate that starts at 0 (closed) and by ``image_present`` (B,), so rows without image keep
    their text-only tokens exactly.
    """

    def __init__(self, dim: int, n_heads: int, dropout: float) -> None:
        super().__init__()
        self.query_norm = nn.LayerNorm(dim)
        self.attention = nn.MultiheadAttention(dim, n_heads, dropout=dropout, batch_first=True)
        self.attention_gate = nn.Parameter(torch.zeros(1))
        self.feed_forward = nn.Sequential(
            nn.LayerNorm(dim),
            nn.Linear(dim, 2 * dim),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(2 * dim, dim),
        )
        self.feed_forward_gate = nn.Parameter(torch.zeros(1))

    def forward(
        self, tokens: torch.Tensor, patches: torch.Tensor, image_present: torch.Tensor
    ) -> torch.Tensor:
        present = image_present.to(tokens.dtype)[:, None, None]
        attended, _ = self.attention(self.query_norm(tokens), patches, patches, need_weights=False)
        tokens = tokens + torch.tanh(self.attention_gate) * attended * present
        update = self.feed_forward(tokens)
        return tokens + torch.tanh(self.feed_forward_gate) * update * present


class AttentionPool(nn.Module):
    """Masked attention pooling: tokens (B, T, D), mask (B, T) → (B, D); empty rows → zeros."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.score = nn.Linear(dim, 1)

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        scores = self.score(tokens).squeeze(-1)
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
        weights = torch.softmax(scores, dim=-1) * mask.to(tokens.dtype)
        return torch.einsum("bt,btd->bd", weights, tokens)


class ModalityGate(nn.Module):
    """GMU: pooled image (B, D) and note (B, D) vectors → fused (B, D) and gate z (B, D).

    ``z`` is forced to 1 where only the image is present and to 0 where only the note is.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.image_projection = nn.Linear(dim, dim)
        self.note_projection = nn.Linear(dim, dim)
        self.gate = nn.Linear(2 * dim, dim)

    def forward(
        self,
        image_vector: torch.Tensor,
        note_vector: torch.Tensor,
        image_present: torch.Tensor,
        note_present: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        image_hidden = torch.tanh(self.image_projection(image_vector))
        note_hidden = torch.tanh(self.note_projection(note_vector))
        gate = torch.sigmoid(self.gate(torch.cat([image_vector, note_vector], dim=-1)))
        image_only = (image_present & ~note_present)[:, None]
        note_only = (note_present & ~image_present)[:, None]
        gate = torch.where(image_only, torch.ones_like(gate), gate)
        gate = torch.where(note_only, torch.zeros_like(gate), gate)
        return gate * image_hidden + (1 - gate) * note_hidden, gate


class GatedFusion(nn.Module):
    """Image features + note tokens → :class:`FusionOutput`.

    Inputs: ``feature_map`` (B, C, h, w), ``image_pooled`` (B, P), ``image_present`` (B,) bool,
    ``note_tokens`` (B, T, D_text), ``note_mask`` (B, T) bool (a note is present when any of its
    mask is True). Output logits are (B, n_findings); the modality gate is (B,) in [0, 1].
    """

    def __init__(self, config: FusionConfig) -> None:
        super().__init__()
        dim = config.d_model
        self.config = config
        self.patch_projection = nn.Sequential(
            nn.Linear(config.image_channels, dim), nn.LayerNorm(dim)
        )
        self.image_projection = nn.Sequential(
            nn.Linear(config.pooled_channels, dim), nn.LayerNorm(dim)
        )
        self.note_projection = nn.Sequential(nn.Linear(config.text_dim, dim), nn.LayerNorm(dim))
        self.note_layers = nn.ModuleList(
            nn.TransformerEncoderLayer(
                dim,
                config.n_heads,
                dim_feedforward=2 * dim,
                dropout=config.dropout,
                batch_first=True,
                norm_first=True,
            )
            for _ in range(config.text_layers)
        )
        self.cross_attention = GatedCrossAttention(dim, config.n_heads, config.dropout)
        self.note_pool = AttentionPool(dim)
        self.modality_gate = ModalityGate(dim)
        self.head = nn.Sequential(
            nn.LayerNorm(dim),
            nn.Dropout(config.dropout),
            nn.Linear(dim, dim),
            nn.GELU(),
            nn.Dropout(config.dropout),
            nn.Linear(dim, config.n_findings),
        )

    def encode_image(
        self, feature_map: torch.Tensor, image_pooled: torch.Tensor, image_present: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Patches (B, h*w, D) with positions, and the image vector (B, D), zero when absent."""
        height, width = feature_map.shape[-2:]
        patches = self.patch_projection(feature_map.flatten(2).transpose(1, 2))
        patches = patches + patch_positions(height, width, patches.shape[-1], patches.device)
        image_vector = self.image_projection(image_pooled) * image_present.bool()[:, None]
        return patches, image_vector

    def encode_note(self, note_tokens: torch.Tensor, note_mask: torch.Tensor) -> torch.Tensor:
        """Note tokens (B, T, D_text) → contextualised tokens (B, T, D), image not yet seen."""
        note_mask = note_mask.bool()
        tokens = self.note_projection(note_tokens)
        # a row with no token would make attention softmax over nothing: let it see position 0
        attend_mask = note_mask.clone()
        attend_mask[:, 0] |= ~note_mask.any(dim=1)
        for layer in self.note_layers:
            tokens = layer(tokens, src_key_padding_mask=~attend_mask)
        return tokens

    def combine(
        self,
        patches: torch.Tensor,
        image_vector: torch.Tensor,
        image_present: torch.Tensor,
        tokens: torch.Tensor,
        note_mask: torch.Tensor,
    ) -> FusionOutput:
        """Cross-attention, pooling, modality gate and head on encoded image and note."""
        image_present, note_mask = image_present.bool(), note_mask.bool()
        tokens = self.cross_attention(tokens, patches, image_present)
        note_vector = self.note_pool(tokens, note_mask)
        fused, gate = self.modality_gate(
            image_vector * image_present[:, None], note_vector, image_present, note_mask.any(dim=1)
        )
        return FusionOutput(logits=self.head(fused), modality_gate=gate.mean(dim=-1))

    def forward(
        self,
        feature_map: torch.Tensor,
        image_pooled: torch.Tensor,
        image_present: torch.Tensor,
        note_tokens: torch.Tensor,
        note_mask: torch.Tensor,
    ) -> FusionOutput:
        patches, image_vector = self.encode_image(feature_map, image_pooled, image_present)
        tokens = self.encode_note(note_tokens, note_mask)
        return self.combine(patches, image_vector, image_present, tokens, note_mask)
