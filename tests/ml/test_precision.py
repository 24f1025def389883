"""Arithmetic precision: which dtype "auto" picks, and what bf16 does to the demo model's output."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ml.devices import (
    autocast,
    autocast_weights,
    cpu_has_native_bf16,
    inference_dtype,
    mixed_precision,
)
from ml.evaluate import evaluate_checkpoint
from ml.inference import Predictor, StudyInput, labelled_studies
from ml.synthetic import generate_synthetic_set

CPU = torch.device("cpu")


def test_auto_is_bf16_only_on_cpus_that_multiply_bf16() -> None:
    expected = torch.bfloat16 if cpu_has_native_bf16() else torch.float32
    assert inference_dtype(CPU, "auto") == expected
    assert inference_dtype(CPU, "float32") == torch.float32
    assert inference_dtype(CPU, "bfloat16") == torch.bfloat16


def test_bad_precisions_are_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="auto, float32, bfloat16, float16"):
        inference_dtype(CPU, "int8")
    with pytest.raises(ValueError, match="needs a CUDA device"):
        inference_dtype(CPU, "float16")


def test_training_autocasts_where_inference_would() -> None:
    _, dtype = mixed_precision(CPU)
    assert dtype == (torch.bfloat16 if cpu_has_native_bf16() else None)
    context, dtype = mixed_precision(CPU, "float32")
    assert dtype is None
    with context:
        assert not torch.is_autocast_enabled("cpu")


def test_predictor_refuses_a_bad_precision_before_loading(tmp_path: Path) -> None:
    # the directory does not exist: the precision is checked first, so that is not the error
    with pytest.raises(ValueError, match="precision must be one of"):
        Predictor.load(tmp_path / "missing", device="cpu", precision="half")


@pytest.fixture(scope="module")
def held_out(tmp_path_factory: pytest.TempPathFactory) -> list[StudyInput]:
    """24 studies from a seed the demo model never saw (synthetic, not clinical data)."""
    root = tmp_path_factory.mktemp("precision") / "set"
    generate_synthetic_set(root, n=24, seed=4242)
    return labelled_studies(root)


def test_bf16_predictions_stay_within_a_few_thousandths_of_fp32(
    demo_checkpoint: Path, held_out: list[StudyInput]
) -> None:
    exact = Predictor.load(demo_checkpoint, device="cpu", precision="float32")
    fast = Predictor.load(demo_checkpoint, device="cpu", precision="bfloat16")
    assert (exact.precision, fast.precision) == ("float32", "bfloat16")
    reference = exact.predict(held_out)
    rounded = fast.predict(held_out)
    differences = [
        abs(a.probability - b.probability)
        for one, other in zip(reference, rounded, strict=True)
        for a, b in zip(one.findings, other.findings, strict=True)
    ]
    gates = [
        abs(one.modality_gate["image"] - other.modality_gate["image"])
        for one, other in zip(reference, rounded, strict=True)
    ]
    assert max(differences) < 0.03
    assert sum(differences) / len(differences) < 0.005
    assert max(gates) < 0.03
    decisions = [
        a.positive == b.positive
        for one, other in zip(reference, rounded, strict=True)
        for a, b in zip(one.findings, other.findings, strict=True)
    ]
    assert sum(decisions) / len(decisions) >= 0.97


def test_evaluate_in_bf16_reports_the_same_metrics_within_rounding(
    demo_checkpoint: Path, tmp_path: Path
) -> None:
    data = tmp_path / "set"
    generate_synthetic_set(data, n=48, seed=4343)
    exact = evaluate_checkpoint(demo_checkpoint, data)
    rounded = evaluate_checkpoint(demo_checkpoint, data, precision="bfloat16")
    for mode in ("fused", "image_only", "note_only"):
        assert rounded[mode]["macro_auroc"] == pytest.approx(exact[mode]["macro_auroc"], abs=0.02)


def test_bf16_weights_are_cast_once_with_the_same_numbers_autocast_gives(
    untrained_checkpoint: Path, tiny_studies: list[StudyInput]
) -> None:
    """The predictor keeps a copy with its matrix weights already in bf16 instead of letting
    autocast re-cast them every batch; the numbers must be exactly autocast's, and the fp32
    model that explanations use must keep its fp32 weights."""
    predictor = Predictor.load(untrained_checkpoint, device="cpu", precision="bfloat16")
    studies = tiny_studies[:6]
    prepared = predictor.prepare(studies)
    with torch.inference_mode(), autocast(CPU, torch.bfloat16):
        expected = predictor.model.forward_windows(
            prepared.images, prepared.image_present, prepared.windows
        )
    predicted = predictor.predict(studies)
    assert [[f.probability for f in p.findings] for p in predicted] == (
        torch.sigmoid(expected.logits.float()).tolist()
    )
    assert {p.dtype for p in predictor.model.parameters()} == {torch.float32}


def test_autocast_weights_casts_matrix_layers_and_shares_the_rest() -> None:
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3),
        torch.nn.BatchNorm2d(4),
        torch.nn.Flatten(),
        torch.nn.LazyLinear(2),
    )
    model(torch.zeros(1, 1, 5, 5))
    assert autocast_weights(model, torch.float32) is model
    cast = autocast_weights(model, torch.bfloat16)
    assert cast[0].weight.dtype == cast[3].weight.dtype == torch.bfloat16
    assert model[0].weight.dtype == model[3].weight.dtype == torch.float32
    assert cast[1].weight is model[1].weight  # the norm is shared, not copied
    assert cast[1].running_mean is model[1].running_mean
