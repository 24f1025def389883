"""The GPU path: prediction under bf16 autocast, mixed-precision training with pinned memory.

Skipped where there is no CUDA device (CI has none); run on a GPU machine with
``pytest tests/ml -p no:django``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import ml.study_tensors
from ml.checkpoint import read_model_card
from ml.explain import Explainer, ExplainSettings
from ml.inference import Predictor, StudyInput
from ml.train import TrainConfig, train

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def test_cuda_predictions_match_the_cpu_within_bf16_rounding(
    untrained_checkpoint: Path, tiny_studies: list
) -> None:
    studies = tiny_studies[:8]
    studies[2] = StudyInput(dicom_paths=studies[2].dicom_paths, note=None)
    studies[5] = StudyInput(dicom_paths=[], note=studies[5].note)
    gpu = Predictor.load(untrained_checkpoint, device="cuda")
    assert gpu.device.type == "cuda"
    assert gpu.precision == ("bfloat16" if torch.cuda.is_bf16_supported() else "float16")
    cpu = Predictor.load(untrained_checkpoint, device="cpu", precision="float32")
    for fast, exact in zip(gpu.predict(studies), cpu.predict(studies), strict=True):
        for a, b in zip(fast.findings, exact.findings, strict=True):
            assert a.probability == pytest.approx(b.probability, abs=0.02)
        assert fast.modality_gate["image"] == pytest.approx(exact.modality_gate["image"], abs=0.02)
    image_only, note_only = gpu.predict([studies[2], studies[5]])
    assert image_only.modality_gate == {"image": 1.0, "note": 0.0}
    assert note_only.modality_gate == {"image": 0.0, "note": 1.0}


def test_cuda_batched_equals_one_by_one_within_rounding(
    untrained_checkpoint: Path, tiny_studies: list
) -> None:
    gpu = Predictor.load(untrained_checkpoint, device="cuda")
    studies = tiny_studies[:6]
    batched = gpu.predict(studies, batch_size=32)
    single = [gpu.predict([study])[0] for study in studies]
    for one, other in zip(batched, single, strict=True):
        for a, b in zip(one.findings, other.findings, strict=True):
            assert a.probability == pytest.approx(b.probability, abs=0.01)


def test_mixed_precision_training_on_cuda_pins_batches_and_lowers_the_loss(
    tiny_set: Path, tiny_studies: list, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pinned: list[bool] = []
    real_pin = ml.study_tensors.Batch.pin_memory

    def recording_pin(batch):
        result = real_pin(batch)
        pinned.append(result.images.is_pinned())
        return result

    monkeypatch.setattr(ml.study_tensors.Batch, "pin_memory", recording_pin)
    config = TrainConfig(
        data_dir=tiny_set,
        out_dir=tmp_path / "model",
        epochs=8,
        batch_size=6,
        image_size=32,
        learning_rate=3e-3,
        d_model=32,
        patience=10,
        val_fraction=0.25,
        progress=False,
        model_name="tiny-cuda",
        augment=False,
        modality_dropout=0.0,
        dropout=0.0,
        device="cuda",
    )
    result = train(config)
    losses = [epoch["train_loss"] for epoch in result.history]
    assert losses[-1] < 0.9 * losses[0]
    assert pinned and all(pinned)
    card = read_model_card(result.checkpoint_dir)
    assert card.training["device"] == "cuda"
    # the checkpoint is device-independent: it loads and predicts on the CPU
    on_cpu = Predictor.load(result.checkpoint_dir, device="cpu", precision="float32")
    [prediction] = on_cpu.predict(tiny_studies[:1])
    assert len(prediction.findings) == len(card.findings)


def test_explanations_on_cuda_are_complete(untrained_checkpoint: Path, tiny_studies: list) -> None:
    gpu = Predictor.load(untrained_checkpoint, device="cuda")
    explainer = Explainer(gpu, ExplainSettings(word_steps=8, modality_steps=32, random_draws=3))
    [study] = tiny_studies[:1]
    explained = explainer.explain(study, ["effusion", "copd"])
    assert [e.finding for e in explained] == ["effusion", "copd"]
    for explanation in explained:
        assert explanation.heatmap is not None
        assert explanation.heatmap.min() >= 0.0 and explanation.heatmap.max() <= 1.0
        assert explanation.completeness_relative < 0.05
        assert explanation.modality_shares["image"] + explanation.modality_shares[
            "note"
        ] == pytest.approx(1.0)
