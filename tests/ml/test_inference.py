"""The platform's interface: Predictor.load / predict on real files, batching, missing data."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

from ml.inference import FindingPrediction, Predictor, StudyInput, StudyPrediction
from ml.preprocessing import ImageDecodeError
from ml.synthetic import FINDINGS


def test_predictions_follow_the_card(predictor: Predictor, tiny_studies: list) -> None:
    [prediction] = predictor.predict(tiny_studies[:1])
    assert isinstance(prediction, StudyPrediction)
    assert [f.finding for f in prediction.findings] == list(predictor.card.findings)
    assert list(predictor.card.findings) == list(FINDINGS)
    for finding in prediction.findings:
        assert isinstance(finding, FindingPrediction)
        assert 0.0 <= finding.probability <= 1.0
        assert finding.threshold == predictor.card.thresholds[finding.finding]
        assert finding.positive == (finding.probability >= finding.threshold)
    assert set(prediction.modality_gate) == {"image", "note"}
    assert prediction.modality_gate["image"] + prediction.modality_gate["note"] == pytest.approx(1)


def test_batched_equals_one_by_one(predictor: Predictor, tiny_studies: list) -> None:
    studies = tiny_studies[:5]
    studies[1] = StudyInput(dicom_paths=studies[1].dicom_paths, note=None)
    studies[3] = StudyInput(dicom_paths=[], note=studies[3].note)
    batched = predictor.predict(studies, batch_size=32)
    single = [predictor.predict([study])[0] for study in studies]
    for one, other in zip(batched, single, strict=True):
        for a, b in zip(one.findings, other.findings, strict=True):
            assert a.probability == pytest.approx(b.probability, abs=1e-5)
        assert one.modality_gate["image"] == pytest.approx(other.modality_gate["image"], abs=1e-5)


def test_missing_modalities_force_the_gate(predictor: Predictor, tiny_studies: list) -> None:
    study = tiny_studies[0]
    image_only, note_only, blank_note = predictor.predict(
        [
            StudyInput(dicom_paths=study.dicom_paths, note=None),
            StudyInput(dicom_paths=[], note=study.note),
            StudyInput(dicom_paths=study.dicom_paths, note="   "),
        ]
    )
    assert image_only.modality_gate == {"image": 1.0, "note": 0.0}
    assert note_only.modality_gate == {"image": 0.0, "note": 1.0}
    assert blank_note.modality_gate == {"image": 1.0, "note": 0.0}


def test_study_without_image_or_note_is_refused(predictor: Predictor) -> None:
    with pytest.raises(ValueError, match="neither DICOM instances nor a note"):
        predictor.predict([StudyInput(dicom_paths=[], note=None)])


def test_real_pydicom_files_and_multi_instance_study(predictor: Predictor) -> None:
    files = ["CT_small.dcm", "MR_small.dcm", "US1_J2KR.dcm", "emri_small.dcm", "SC_rgb.dcm"]
    studies = [StudyInput(dicom_paths=[Path(get_testdata_file(f))], note=None) for f in files]
    studies.append(StudyInput(dicom_paths=[Path(get_testdata_file(f)) for f in files], note="x"))
    predictions = predictor.predict(studies, batch_size=4)
    assert len(predictions) == len(studies)


def test_undecodable_dicom_raises_image_decode_error(predictor: Predictor) -> None:
    broken = Path(get_testdata_file("JPEG-lossy.dcm"))
    with pytest.raises(ImageDecodeError, match=r"JPEG-lossy\.dcm"):
        predictor.predict([StudyInput(dicom_paths=[broken], note="no fever")])


def test_predict_each_puts_a_decode_error_in_its_study_s_place(
    predictor: Predictor, tiny_studies: list
) -> None:
    """One undecodable study must not cost the rest of its batch their predictions."""
    broken = StudyInput(dicom_paths=[Path(get_testdata_file("JPEG-lossy.dcm"))], note="no fever")
    good = tiny_studies[:4]
    results = predictor.predict_each([good[0], broken, *good[1:3], broken, good[3]], batch_size=3)
    errors = [results[1], results[4]]
    assert all(isinstance(e, ImageDecodeError) and "JPEG-lossy.dcm" in str(e) for e in errors)
    alone = predictor.predict(good, batch_size=1)
    for result, expected in zip(
        [results[0], results[2], results[3], results[5]], alone, strict=True
    ):
        assert isinstance(result, StudyPrediction)
        for a, b in zip(result.findings, expected.findings, strict=True):
            assert a.probability == pytest.approx(b.probability, abs=1e-5)
    assert all(isinstance(r, ImageDecodeError) for r in predictor.predict_each([broken, broken]))


def test_long_note_is_windowed_not_truncated(predictor: Predictor) -> None:
    tokenizer = predictor.tokenizer
    first_part = "fever " * 600
    long_note = first_part + "known heart failure with pleural effusion " * 80
    windows = tokenizer.note_windows(long_note)
    assert len(windows) >= 2
    assert all(len(w) <= tokenizer.max_tokens for w in windows)
    body = tokenizer.tokenizer(long_note, add_special_tokens=False)["input_ids"]
    joined = [t for w in windows for t in w[len(tokenizer.prefix) : len(w) - len(tokenizer.suffix)]]
    assert joined == body  # every token survives, in order

    first_window_only = "fever " * tokenizer.body_tokens
    assert tokenizer.note_windows(first_window_only) == windows[:1]
    full, first = predictor.predict(
        [
            StudyInput(dicom_paths=[], note=long_note),
            StudyInput(dicom_paths=[], note=first_window_only),
        ]
    )
    differences = [
        abs(a.probability - b.probability)
        for a, b in zip(full.findings, first.findings, strict=True)
    ]
    assert max(differences) > 1e-4


def test_channels_last_images_give_the_same_probabilities(
    predictor: Predictor, tiny_studies: list
) -> None:
    """The predictor stores images channels-last for speed; the numbers must not change."""
    import torch

    studies = tiny_studies[:4]
    prepared = predictor.prepare(studies)
    assert prepared.images.is_contiguous(memory_format=torch.channels_last)
    fast = predictor.predict(studies, batch_size=4)
    encoder = predictor.model.image_encoder
    try:
        encoder.to(memory_format=torch.contiguous_format)
        with torch.inference_mode():
            output = predictor.model.forward_windows(
                prepared.images.contiguous(), prepared.image_present, prepared.windows
            )
    finally:
        encoder.to(memory_format=torch.channels_last)
    plain = torch.sigmoid(output.logits).tolist()
    for study, row in zip(fast, plain, strict=True):
        for finding, probability in zip(study.findings, row, strict=True):
            assert finding.probability == pytest.approx(probability, abs=1e-5)
