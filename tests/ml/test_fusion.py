"""Gated fusion: closed cross-attention gate at start, masks for missing modalities, no NaNs."""

from __future__ import annotations

import pytest
import torch

from ml.encoders import ImageEncoder, gather_note_tokens
from ml.fusion import FusionConfig, GatedFusion


@pytest.fixture
def fusion() -> GatedFusion:
    torch.manual_seed(0)
    return GatedFusion(
        FusionConfig(image_channels=16, pooled_channels=32, text_dim=24, n_findings=5, d_model=32)
    )


def _batch(batch: int = 4, tokens: int = 7) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return {
        "feature_map": torch.randn(batch, 16, 3, 3, generator=generator),
        "image_pooled": torch.randn(batch, 32, generator=generator),
        "note_tokens": torch.randn(batch, tokens, 24, generator=generator),
    }


def test_cross_attention_gates_start_closed(fusion: GatedFusion) -> None:
    assert fusion.cross_attention.attention_gate.item() == 0.0
    assert fusion.cross_attention.feed_forward_gate.item() == 0.0


def test_missing_modalities_force_the_gate_and_stay_finite(fusion: GatedFusion) -> None:
    inputs = _batch()
    image_present = torch.tensor([True, True, False, True])
    note_mask = torch.ones(4, 7, dtype=torch.bool)
    note_mask[1] = False  # row 1: image only
    note_mask[3, 4:] = False  # row 3: a shorter note
    inputs = {k: v.requires_grad_() for k, v in inputs.items()}
    output = fusion(
        inputs["feature_map"], inputs["image_pooled"], image_present, inputs["note_tokens"],
        note_mask,
    )  # fmt: skip
    assert output.logits.shape == (4, 5)
    assert torch.isfinite(output.logits).all()
    assert output.modality_gate[1].item() == 1.0  # image only
    assert output.modality_gate[2].item() == 0.0  # note only
    assert 0.0 < output.modality_gate[0].item() < 1.0
    output.logits.sum().backward()
    for name, tensor in inputs.items():
        assert torch.isfinite(tensor.grad).all(), name
    for name, parameter in fusion.named_parameters():
        if parameter.grad is not None:
            assert torch.isfinite(parameter.grad).all(), name


def test_absent_modality_content_does_not_leak(fusion: GatedFusion) -> None:
    fusion.eval()
    inputs = _batch(batch=2)
    image_present = torch.tensor([False, True])
    note_mask = torch.ones(2, 7, dtype=torch.bool)
    note_mask[1] = False
    first = fusion(
        inputs["feature_map"], inputs["image_pooled"], image_present, inputs["note_tokens"],
        note_mask,
    )  # fmt: skip
    # change the hidden image of row 0 and the hidden note of row 1
    feature_map = inputs["feature_map"].clone()
    feature_map[0] += 5.0
    pooled = inputs["image_pooled"].clone()
    pooled[0] -= 3.0
    tokens = inputs["note_tokens"].clone()
    tokens[1] *= -2.0
    second = fusion(feature_map, pooled, image_present, tokens, note_mask)
    torch.testing.assert_close(first.logits, second.logits)


def test_open_cross_attention_lets_the_image_reach_the_note_path(fusion: GatedFusion) -> None:
    fusion.eval()
    with torch.no_grad():
        fusion.cross_attention.attention_gate.fill_(1.0)
    inputs = _batch(batch=1)
    present, mask = torch.tensor([True]), torch.ones(1, 7, dtype=torch.bool)
    before = fusion.note_pool(
        fusion.cross_attention(
            fusion.note_projection(inputs["note_tokens"]),
            fusion.patch_projection(inputs["feature_map"].flatten(2).transpose(1, 2)),
            present,
        ),
        mask,
    )
    after = fusion.note_pool(
        fusion.cross_attention(
            fusion.note_projection(inputs["note_tokens"]),
            fusion.patch_projection((inputs["feature_map"] * 3).flatten(2).transpose(1, 2)),
            present,
        ),
        mask,
    )
    assert not torch.allclose(before, after)


def test_image_encoder_returns_feature_map_and_pooled_vector() -> None:
    encoder = ImageEncoder("densenet121").eval()
    with torch.no_grad():
        features = encoder(torch.randn(2, 1, 64, 64))
    assert features.feature_map.shape == (2, 1024, 2, 2)
    assert features.pooled.shape == (2, 1024)
    with pytest.raises(ValueError, match="unknown image_encoder"):
        ImageEncoder("vgg11")


def test_gather_note_tokens_concatenates_windows_per_note() -> None:
    hidden = torch.arange(3 * 4, dtype=torch.float32).reshape(3, 4, 1)  # 3 windows of 4
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0], [1, 1, 1, 0]])
    note_index = torch.tensor([0, 0, 2])  # note 0 has two windows, note 1 none, note 2 one
    tokens = gather_note_tokens(hidden, mask, note_index, n_notes=3)
    assert tokens.tokens.shape == (3, 6, 1)
    assert tokens.tokens[0, :, 0].tolist() == [0, 1, 2, 3, 4, 5]
    assert not tokens.mask[1].any()
    assert tokens.tokens[2, :3, 0].tolist() == [8, 9, 10]
    assert tokens.mask.sum(1).tolist() == [6, 0, 3]
