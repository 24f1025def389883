"""A tiny training run: the loss goes down, a checkpoint comes out, interrupted runs resume."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

import ml.train as training
from ml.checkpoint import read_model_card
from ml.evaluate import evaluate_checkpoint
from ml.evaluate import main as evaluate_main
from ml.inference import Predictor, StudyInput
from ml.train import STATE_FILE, TrainConfig, train


def _config(data_dir: Path, out_dir: Path, **changes) -> TrainConfig:
    values = {
        "epochs": 8,
        "batch_size": 6,
        "image_size": 32,
        "learning_rate": 3e-3,
        "d_model": 32,
        "patience": 10,
        "val_fraction": 0.25,
        "progress": False,
        "model_name": "tiny",
        # no augmentation, modality dropout or dropout: 18 studies are to be fitted, not generalised
        "augment": False,
        "modality_dropout": 0.0,
        "dropout": 0.0,
    }
    values.update(changes)
    return TrainConfig(data_dir=data_dir, out_dir=out_dir, **values)


@pytest.fixture(scope="module")
def trained(tiny_set: Path, tmp_path_factory: pytest.TempPathFactory):
    return train(_config(tiny_set, tmp_path_factory.mktemp("train") / "model"))


def test_tiny_run_lowers_the_loss(trained) -> None:
    losses = [epoch["train_loss"] for epoch in trained.history]
    assert len(losses) == 8
    assert losses[-1] < 0.9 * losses[0]


def test_checkpoint_records_the_run(trained, tiny_set: Path) -> None:
    card = read_model_card(trained.checkpoint_dir)
    assert card.name == "tiny"
    assert card.preprocessing["image_size"] == 32
    assert card.training["n_train"] == 18 and card.training["n_validation"] == 6
    assert len(card.training["data_sha256"]) == 64
    assert card.training["precision"] in ("float32", "bfloat16")  # what "auto" resolved to
    assert set(card.metrics["validation"]) == {"fused", "image_only", "note_only"}
    assert not (trained.checkpoint_dir / STATE_FILE).exists()
    predictor = Predictor.load(trained.checkpoint_dir)
    note = (tiny_set / "notes" / "syn5-00000.txt").read_text()
    [prediction] = predictor.predict([StudyInput(dicom_paths=[], note=note)])
    assert len(prediction.findings) == len(card.findings)


def test_evaluate_reports_three_modes(trained, tiny_set: Path, capsys) -> None:
    report = evaluate_checkpoint(trained.checkpoint_dir, tiny_set)
    assert set(report) == {"fused", "image_only", "note_only"}
    for mode in report.values():
        assert {"macro_auroc", "macro_auprc", "ece", "per_finding"} <= set(mode)
    evaluate_main([str(trained.checkpoint_dir), str(tiny_set), "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"fused", "image_only", "note_only"}


def test_interrupted_run_resumes(tiny_set: Path, tmp_path: Path, monkeypatch) -> None:
    config = _config(tiny_set, tmp_path / "model", epochs=3)
    real = training.predict_all_modes
    calls = {"n": 0}

    def interrupt_in_epoch_two(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "predict_all_modes", interrupt_in_epoch_two)
    with pytest.raises(KeyboardInterrupt):
        train(config)
    assert (tmp_path / "model" / STATE_FILE).is_file()
    monkeypatch.setattr(training, "predict_all_modes", real)
    result = train(config)
    assert [epoch["epoch"] for epoch in result.history] == [1, 2, 3]
    # a run with other settings does not pick up a foreign state
    other = train(replace(config, out_dir=tmp_path / "other", epochs=1))
    assert len(other.history) == 1


def test_trained_text_encoder_is_stored_and_reloaded(tiny_set: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file

    from ml.checkpoint import WEIGHTS_FILE, load_checkpoint

    result = train(_config(tiny_set, tmp_path / "tuned", epochs=1, freeze_text_encoder=False))
    assert not result.card.text_encoder.frozen
    stored = load_file(str(result.checkpoint_dir / WEIGHTS_FILE))
    assert any(key.startswith("text_encoder.") for key in stored)
    loaded = load_checkpoint(result.checkpoint_dir)
    key = next(k for k in stored if k.startswith("text_encoder."))
    assert torch.equal(loaded.model.state_dict()[key], stored[key])


def test_augmentation_and_modality_dropout() -> None:
    from ml.augmentation import augment_images, modality_dropout

    generator = torch.Generator().manual_seed(0)
    images = torch.randn(6, 1, 16, 16)
    assert augment_images(images, generator).shape == images.shape
    present = torch.ones(1000, dtype=torch.bool)
    image_present, note_present = modality_dropout(present, present, 0.2, generator)
    assert (image_present | note_present).all()  # never both hidden
    assert 0.1 < (~image_present).float().mean() < 0.3
    assert 0.1 < (~note_present).float().mean() < 0.3
