"""Checkpoint round trip, card validation, and refusal of anything that does not match."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from ml import DEMO_DISCLAIMER
from ml.checkpoint import (
    CARD_FILE,
    WEIGHTS_FILE,
    CheckpointError,
    file_sha256,
    load_checkpoint,
    read_model_card,
)
from ml.demo import UNTRAINED_DISCLAIMER, build_untrained_checkpoint
from ml.synthetic import FINDINGS

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def copy_of(untrained_checkpoint: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(untrained_checkpoint, target)
    return target


def _edit_card(checkpoint: Path, **changes) -> None:
    path = checkpoint / CARD_FILE
    values = json.loads(path.read_text())
    for key, value in changes.items():
        if "." in key:
            outer, inner = key.split(".")
            values[outer][inner] = value
        else:
            values[key] = value
    path.write_text(json.dumps(values))


def test_card_describes_the_model(untrained_checkpoint: Path) -> None:
    card = read_model_card(untrained_checkpoint)
    assert card.findings == FINDINGS
    assert set(card.thresholds) == set(FINDINGS)
    assert card.image_encoder == "densenet121"
    assert card.text_encoder.frozen
    assert len(card.text_encoder.sha256) == 64
    assert card.preprocessing["image_size"] == 32
    assert card.disclaimer == UNTRAINED_DISCLAIMER
    assert card.ml_version and card.created_at
    assert card.image_transform[0]["transform"] == "LoadDicomStudy"


def test_frozen_text_encoder_weights_are_not_stored(untrained_checkpoint: Path) -> None:
    stored = load_file(str(untrained_checkpoint / WEIGHTS_FILE))
    assert not any(key.startswith("text_encoder.") for key in stored)
    assert (untrained_checkpoint / WEIGHTS_FILE).stat().st_size < 40 * 2**20


def test_round_trip_restores_identical_outputs(tmp_path: Path) -> None:
    first = build_untrained_checkpoint(tmp_path / "a", image_size=32, seed=3)
    loaded = load_checkpoint(first)
    again = load_checkpoint(first)
    generator = torch.Generator().manual_seed(0)
    image = torch.randn(2, 1, 32, 32, generator=generator)
    windows = loaded.tokenizer(["no fever, known heart failure", None])
    with torch.inference_mode():
        one = loaded.model.forward_windows(image, torch.tensor([True, True]), windows)
        two = again.model.forward_windows(image, torch.tensor([True, True]), windows)
    torch.testing.assert_close(one.logits, two.logits)
    # a different seed gives different weights, the same seed the same weights
    other = build_untrained_checkpoint(tmp_path / "b", image_size=32, seed=4)
    same = build_untrained_checkpoint(tmp_path / "c", image_size=32, seed=3)
    assert file_sha256(other / WEIGHTS_FILE) != file_sha256(first / WEIGHTS_FILE)
    assert file_sha256(same / WEIGHTS_FILE) == file_sha256(first / WEIGHTS_FILE)


def test_read_model_card_needs_no_torch(untrained_checkpoint: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from ml.checkpoint import read_model_card; "
        f"card = read_model_card(Path({str(untrained_checkpoint)!r})); "
        "assert card.findings; assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)


def test_unknown_card_version_is_refused(copy_of: Path) -> None:
    _edit_card(copy_of, card_version=99)
    with pytest.raises(CheckpointError, match="card_version 99"):
        read_model_card(copy_of)


def test_missing_card_and_bad_json_are_refused(copy_of: Path, tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="not found"):
        read_model_card(tmp_path / "nowhere")
    (copy_of / CARD_FILE).write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        read_model_card(copy_of)


def test_thresholds_must_match_findings(copy_of: Path) -> None:
    _edit_card(copy_of, thresholds={"effusion": 0.5})
    with pytest.raises(CheckpointError, match="thresholds"):
        read_model_card(copy_of)


def test_altered_weights_are_refused(copy_of: Path) -> None:
    stored = load_file(str(copy_of / WEIGHTS_FILE))
    stored["fusion.head.5.bias"] = stored["fusion.head.5.bias"] + 1
    save_file(stored, str(copy_of / WEIGHTS_FILE))
    with pytest.raises(CheckpointError, match="altered"):
        load_checkpoint(copy_of)


def test_missing_and_unexpected_keys_are_refused(copy_of: Path) -> None:
    stored = load_file(str(copy_of / WEIGHTS_FILE))
    stored.pop("fusion.head.5.bias")
    stored["fusion.extra.weight"] = torch.zeros(2)
    save_file(stored, str(copy_of / WEIGHTS_FILE))
    _edit_card(copy_of, weights_sha256=file_sha256(copy_of / WEIGHTS_FILE))
    with pytest.raises(CheckpointError, match=r"missing 1 tensor.*fusion\.head\.5\.bias"):
        load_checkpoint(copy_of)


def test_wrong_shapes_are_refused(copy_of: Path) -> None:
    findings = [*FINDINGS, "fracture"]
    values = json.loads((copy_of / CARD_FILE).read_text())
    values["findings"] = findings
    values["model"]["findings"] = findings
    values["thresholds"] = dict.fromkeys(findings, 0.5)
    (copy_of / CARD_FILE).write_text(json.dumps(values))
    with pytest.raises(CheckpointError, match="wrong shape"):
        load_checkpoint(copy_of)


def test_text_encoder_hash_mismatch_is_refused(copy_of: Path) -> None:
    _edit_card(copy_of, **{"text_encoder.sha256": "0" * 64})
    with pytest.raises(CheckpointError, match="set text_encoder_dir"):
        load_checkpoint(copy_of)


def test_missing_text_encoder_dir_names_the_setting(copy_of: Path, tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="text_encoder_dir"):
        load_checkpoint(copy_of, text_encoder_dir=tmp_path / "no-such-encoder")


def test_demo_disclaimer_text() -> None:
    assert DEMO_DISCLAIMER == "Demonstration model trained on synthetic data — not for clinical use"
