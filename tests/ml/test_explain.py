"""ml.explain on real synthetic studies: shapes, coverage, completeness, determinism, missing
modalities, long notes, and the geometry that puts heat maps back on the image."""

from __future__ import annotations

import re

import numpy as np
import pydicom
import pytest
import torch
from monai.transforms import Resize, ResizeWithPadOrCrop

from ml.explain import Explainer, ExplainSettings
from ml.explain.geometry import image_region, to_image_grid
from ml.inference import StudyInput

FAST = ExplainSettings(word_steps=8, modality_steps=32, random_draws=3)


@pytest.fixture(scope="module")
def explainer(predictor) -> Explainer:
    return Explainer(predictor, FAST)


@pytest.fixture(scope="module")
def study(tiny_studies: list[StudyInput]) -> StudyInput:
    return tiny_studies[0]


@pytest.fixture(scope="module")
def explained(explainer: Explainer, study: StudyInput):
    return explainer.explain(study, ["effusion", "copd"])


def test_heatmap_lies_on_the_decoded_image(explained, study: StudyInput) -> None:
    dataset = pydicom.dcmread(study.dicom_paths[0])
    for explanation in explained:
        assert explanation.heatmap.shape == (dataset.Rows, dataset.Columns)
        assert explanation.display_image.shape == explanation.heatmap.shape
        assert explanation.heatmap.dtype == np.float32
        assert explanation.heatmap.min() >= 0.0 and explanation.heatmap.max() <= 1.0


def test_word_attributions_cover_every_word_of_the_note(explained, study: StudyInput) -> None:
    for explanation in explained:
        assert [w.word for w in explanation.words] == re.findall(r"\S+", study.note)
        assert all(study.note[w.start : w.end] == w.word for w in explanation.words)
        assert any(w.score != 0.0 for w in explanation.words)


def test_modality_shares_sum_to_one_and_integrated_gradients_is_complete(explained) -> None:
    for explanation in explained:
        shares = explanation.modality_shares
        assert shares["image"] + shares["note"] == pytest.approx(1.0)
        assert 0.0 <= shares["image"] <= 1.0
        assert explanation.completeness_relative < 0.05
        gate = explanation.model_gate
        assert gate["image"] + gate["note"] == pytest.approx(1.0)


def test_faithfulness_is_checked_for_each_modality_and_recorded(explained) -> None:
    for explanation in explained:
        assert [check.modality for check in explanation.faithfulness] == ["image", "note"]
        for check in explanation.faithfulness:
            assert check.random_draws == FAST.random_draws
            assert check.passed == (check.top_drop > check.random_drop)
        assert explanation.faithful == all(c.passed for c in explanation.faithfulness)
        assert explanation.settings["captum"]
        assert explanation.settings["word_steps"] == FAST.word_steps


def test_same_inputs_give_the_same_attributions(
    explainer: Explainer, study: StudyInput, explained
) -> None:
    again = explainer.explain(study, ["effusion", "copd"])
    for first, second in zip(explained, again, strict=True):
        assert np.array_equal(first.heatmap, second.heatmap)
        assert [w.score for w in first.words] == [w.score for w in second.words]
        assert first.modality_shares == second.modality_shares
        assert first.faithfulness == second.faithfulness


def test_image_only_study_gives_the_note_exactly_nothing(
    explainer: Explainer, study: StudyInput
) -> None:
    (explanation,) = explainer.explain(StudyInput(study.dicom_paths, None), ["effusion"])
    assert explanation.words == []
    assert explanation.modality_attributions["note"] == 0.0
    assert explanation.modality_shares == {"image": 1.0, "note": 0.0}
    assert [check.modality for check in explanation.faithfulness] == ["image"]
    assert explanation.heatmap is not None


def test_note_only_study_gives_the_image_exactly_nothing(
    explainer: Explainer, study: StudyInput
) -> None:
    (explanation,) = explainer.explain(StudyInput([], study.note), ["copd"])
    assert explanation.heatmap is None and explanation.display_image is None
    assert explanation.modality_attributions["image"] == 0.0
    assert explanation.modality_shares == {"image": 0.0, "note": 1.0}
    assert [check.modality for check in explanation.faithfulness] == ["note"]
    assert len(explanation.words) == len(study.note.split())


def test_a_note_longer_than_one_window_is_attributed_in_every_window(
    explainer: Explainer, study: StudyInput
) -> None:
    long_note = " ".join([study.note] * 8)
    windows = explainer.predictor.tokenizer([long_note])
    assert windows.input_ids.shape[0] >= 2
    (explanation,) = explainer.explain(StudyInput(study.dicom_paths, long_note), ["copd"])
    assert [w.word for w in explanation.words] == long_note.split()
    last_window_words = explanation.words[-len(study.note.split()) :]
    assert any(w.score != 0.0 for w in last_window_words)
    assert explanation.completeness_relative < 0.05


@pytest.mark.parametrize("long", [False, True], ids=["one window", "several windows"])
def test_word_scores_of_several_findings_equal_captum_s_one_finding_at_a_time(
    explainer: Explainer, study: StudyInput, long: bool
) -> None:
    """Every finding's word attributions come from one forward pass; they must be the numbers
    Captum's LayerIntegratedGradients gives for each finding on its own."""
    from captum.attr import LayerIntegratedGradients

    from ml.explain.attributions import note_token_scores
    from ml.explain.context import study_context, window_logits

    note = " ".join([study.note] * (8 if long else 1))
    context = study_context(explainer.predictor, StudyInput(study.dicom_paths, note))
    model = explainer.model
    targets = [0, 2, 3]
    shared = note_token_scores(model, context, targets, steps=8, batch=3)  # steps in 3 chunks
    assert context.layout is not None
    pad_id = int(model.text_encoder.model.config.pad_token_id or 0)
    reference = context.input_ids.masked_fill(context.layout.token_word >= 0, pad_id)
    captum = LayerIntegratedGradients(
        lambda ids: window_logits(model, context, ids),
        model.text_encoder.model.get_input_embeddings(),
    )
    for row, target in enumerate(targets):
        expected = captum.attribute(
            context.input_ids, baselines=reference, target=target, n_steps=8
        ).sum(dim=-1)
        assert shared[row].shape == expected.shape
        torch.testing.assert_close(shared[row], expected, rtol=1e-4, atol=1e-6)
    assert shared.abs().sum() > 0


def test_unknown_finding_is_refused_with_the_model_s_findings(explainer, study) -> None:
    with pytest.raises(ValueError, match=r"unknown finding.*this model predicts"):
        explainer.explain(study, ["fracture"])


def test_integrated_gradients_image_map_on_demand(explainer: Explainer, study: StudyInput) -> None:
    heatmap = explainer.image_integrated_gradients(study, "effusion")
    dataset = pydicom.dcmread(study.dicom_paths[0])
    assert heatmap.shape == (dataset.Rows, dataset.Columns)
    assert heatmap.max() == pytest.approx(1.0)


@pytest.mark.parametrize(("height", "width"), [(100, 60), (61, 100), (128, 128), (333, 200)])
def test_image_region_matches_the_shared_transform(height: int, width: int) -> None:
    size = 112
    image = np.zeros((1, height, width), np.float32)
    image[0, height // 2, :] = 1.0
    image[0, :, 0] = image[0, :, -1] = 1.0
    on_grid = np.asarray(
        ResizeWithPadOrCrop((size, size))(Resize(size, size_mode="longest", mode="area")(image))
    )[0]
    rows, cols = np.nonzero(on_grid.max(axis=1))[0], np.nonzero(on_grid.max(axis=0))[0]
    region = image_region(height, width, size)
    assert (region.top, region.top + region.height - 1) == (rows.min(), rows.max())
    assert (region.left, region.left + region.width - 1) == (cols.min(), cols.max())
    back = to_image_grid(torch.from_numpy(on_grid), height, width)
    assert back.shape == (height, width)
    assert back[height // 2].mean() > back[height // 4].mean()
