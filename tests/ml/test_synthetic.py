"""The synthetic generator: deterministic per seed, consistent labels, real files."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from ml.dataset import read_labelled_set
from ml.synthetic import FINDING_SOURCES, FINDINGS, generate_synthetic_set

REPO_ROOT = Path(__file__).resolve().parents[2]


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path) -> None:
    generate_synthetic_set(tmp_path / "a", n=6, seed=11, matrix=64)
    generate_synthetic_set(tmp_path / "b", n=6, seed=11, matrix=64)
    generate_synthetic_set(tmp_path / "c", n=6, seed=12, matrix=64)
    first, second, other = (_files(tmp_path / name) for name in "abc")
    assert first == second
    assert first["labels.csv"] != other["labels.csv"] or first != other
    dicom = next(k for k in first if k.endswith(".dcm"))
    other_dicom = next(k for k in other if k.endswith(".dcm"))
    assert first[dicom] != other[other_dicom]


def test_layout_labels_and_notes(tiny_set: Path) -> None:
    labelled = read_labelled_set(tiny_set)
    assert labelled.findings == FINDINGS
    assert len(labelled.studies) == 24
    labels = labelled.label_matrix()
    column = {f: k for k, f in enumerate(FINDINGS)}
    # findings that need both modalities imply the image finding they build on
    assert (labels[:, column["pneumonia"]] <= labels[:, column["opacity"]]).all()
    assert (labels[:, column["edema"]] <= labels[:, column["opacity"]]).all()
    assert FINDING_SOURCES["copd"] == "note"
    with (tiny_set / "labels.csv").open() as handle:
        header = next(csv.reader(handle))
    assert header[:3] == ["study_id", "dicom_path", "note_path"]
    note = labelled.studies[0].note or ""
    assert "synthetic, not clinical data" in note
    assert "HISTORY:" in note and "MRN:" in note
    manifest = json.loads((tiny_set / "dataset.json").read_text())
    assert manifest["synthetic"] is True
    assert "synthetic, not clinical data" in (tiny_set / "README.txt").read_text().lower()


def test_notes_carry_negations(tmp_path: Path) -> None:
    generate_synthetic_set(tmp_path, n=40, seed=2, matrix=64)
    notes = " ".join(p.read_text() for p in (tmp_path / "notes").glob("*.txt")).lower()
    assert any(phrase in notes for phrase in ("no fever", "denies", "no history of"))


def test_command_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ml.synthetic", str(tmp_path / "cli"), "--n", "3", "--seed", "1",
         "--matrix", "64"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "synthetic, not clinical data" in result.stdout
    assert len(read_labelled_set(tmp_path / "cli").studies) == 3
