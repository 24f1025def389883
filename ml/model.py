"""The whole network: image encoder + text encoder + gated fusion + multi-label head."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
from torch import nn

from ml.encoders import ImageEncoder, NoteTokens, TextEncoder
from ml.fusion import FusionConfig, FusionOutput, GatedFusion
from ml.preprocessing.notes import NoteWindows


@dataclass(frozen=True)
class ModelConfig:
    """Architecture settings; stored in the model card so the weights can be rebuilt."""

    findings: tuple[str, ...]
    image_encoder: str = "densenet121"
    d_model: int = 256
    n_heads: int = 4
    text_layers: int = 1
    dropout: float = 0.1
    freeze_text_encoder: bool = True

    def __post_init__(self) -> None:
        if not self.findings:
            raise ValueError("a model needs at least one finding")
        if len(set(self.findings)) != len(self.findings):
            raise ValueError(f"findings must be unique, got {list(self.findings)}")
        if self.d_model % self.n_heads:
            raise ValueError("d_model must be divisible by n_heads")

    def to_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["findings"] = list(self.findings)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown model settings: {', '.join(unknown)}")
        return cls(**{**values, "findings": tuple(values["findings"])})


class ConsiliumNet(nn.Module):
    """Study tensors → :class:`~ml.fusion.FusionOutput` (logits (B, K), modality gate (B,)).

    ``forward`` takes already-encoded note tokens, so training with a frozen text encoder can
    feed cached features; :meth:`forward_windows` runs the text encoder too.
    """

    def __init__(self, config: ModelConfig, text_encoder: TextEncoder) -> None:
        super().__init__()
        self.config = config
        self.image_encoder = ImageEncoder(config.image_encoder)
        self.text_encoder = text_encoder
        self.fusion = GatedFusion(
            FusionConfig(
                image_channels=self.image_encoder.out_channels,
                pooled_channels=self.image_encoder.pooled_channels,
                text_dim=text_encoder.hidden_size,
                n_findings=len(config.findings),
                d_model=config.d_model,
                n_heads=config.n_heads,
                text_layers=config.text_layers,
                dropout=config.dropout,
            )
        )
        if config.freeze_text_encoder:
            self.text_encoder.requires_grad_(False)
            self.text_encoder.eval()

    def train(self, mode: bool = True) -> ConsiliumNet:
        super().train(mode)
        if self.config.freeze_text_encoder:
            self.text_encoder.eval()  # a frozen encoder keeps dropout off
        return self

    def encode_notes(self, windows: NoteWindows) -> NoteTokens:
        """Token windows → per-note tokens (B, T, D_text); no gradient when the encoder is frozen."""
        track = torch.is_grad_enabled() and not self.config.freeze_text_encoder
        with torch.set_grad_enabled(track):
            return self.text_encoder.encode_notes(windows)

    def forward(
        self,
        image: torch.Tensor,
        image_present: torch.Tensor,
        note_tokens: torch.Tensor,
        note_mask: torch.Tensor,
    ) -> FusionOutput:
        """``image`` (B, 1, H, W), ``image_present`` (B,), ``note_tokens`` (B, T, D_text),
        ``note_mask`` (B, T) → logits (B, K) and modality gate (B,)."""
        features = self.image_encoder(image)
        return self.fusion(
            features.feature_map, features.pooled, image_present, note_tokens, note_mask
        )

    def forward_modes(
        self,
        image: torch.Tensor,
        image_present: torch.Tensor,
        note_tokens: torch.Tensor,
        note_mask: torch.Tensor,
    ) -> dict[str, FusionOutput]:
        """The same batch fused three ways — ``"fused"``, ``"image_only"`` (notes masked) and
        ``"note_only"`` (images masked) — with the image encoder run once."""
        features = self.image_encoder(image)
        patches, image_vector = self.fusion.encode_image(
            features.feature_map, features.pooled, image_present
        )
        tokens = self.fusion.encode_note(note_tokens, note_mask)
        no_image = torch.zeros_like(image_present, dtype=torch.bool)
        no_note = torch.zeros_like(note_mask, dtype=torch.bool)
        return {
            mode: self.fusion.combine(patches, image_vector, present, tokens, mask)
            for mode, present, mask in (
                ("fused", image_present, note_mask),
                ("image_only", image_present, no_note),
                ("note_only", no_image, note_mask),
            )
        }

    def forward_windows(
        self, image: torch.Tensor, image_present: torch.Tensor, windows: NoteWindows
    ) -> FusionOutput:
        """Like :meth:`forward`, from token windows instead of encoded tokens."""
        encoded = self.encode_notes(windows)
        return self(image, image_present, encoded.tokens, encoded.mask)

    def trainable_state_dict(self) -> dict[str, torch.Tensor]:
        """Weights a checkpoint stores: all but a frozen text encoder's (reloaded from its dir)."""
        state = self.state_dict()
        if self.config.freeze_text_encoder:
            state = {k: v for k, v in state.items() if not k.startswith("text_encoder.")}
        return state
