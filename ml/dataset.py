"""Labelled study sets on disk: ``labels.csv`` + DICOM files + notes.

Layout (what :mod:`ml.synthetic` writes, and what :mod:`ml.train` / :mod:`ml.evaluate` read)::

    DATA_DIR/labels.csv          study_id, dicom_path, note_path, <one 0/1 column per finding>
    DATA_DIR/<dicom_path>        one DICOM file, or a folder of a study's instance files
    DATA_DIR/<note_path>         UTF-8 note text

``dicom_path`` or ``note_path`` may be empty: that study's image or note is missing.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LABELS_FILE = "labels.csv"
ID_COLUMNS = ("study_id", "dicom_path", "note_path")


class DatasetError(ValueError):
    """A study set on disk is malformed; the message says which file and what is wrong."""


@dataclass(frozen=True)
class LabelledStudy:
    """One study of a labelled set; ``labels`` follows the set's ``findings`` order."""

    study_id: str
    dicom_paths: tuple[Path, ...]
    note: str | None
    labels: tuple[int, ...]


@dataclass(frozen=True)
class LabelledSet:
    """All studies of a labelled set and the findings its columns name."""

    root: Path
    findings: tuple[str, ...]
    studies: tuple[LabelledStudy, ...]

    def label_matrix(self) -> np.ndarray:
        """(N, K) float32 0/1 labels."""
        return np.asarray([s.labels for s in self.studies], dtype=np.float32).reshape(
            len(self.studies), len(self.findings)
        )


def _instance_files(path: Path) -> tuple[Path, ...]:
    if path.is_dir():
        return tuple(sorted(p for p in path.rglob("*") if p.is_file()))
    return (path,)


def read_labelled_set(root: Path) -> LabelledSet:
    """Read ``root/labels.csv`` and the notes it points to (DICOM files are read later)."""
    root = Path(root)
    labels_path = root / LABELS_FILE
    if not labels_path.is_file():
        raise DatasetError(f"{labels_path} not found; a data directory needs a {LABELS_FILE}")
    with labels_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = tuple(reader.fieldnames or ())
        missing = [c for c in ID_COLUMNS if c not in columns]
        if missing:
            raise DatasetError(f"{labels_path} lacks the column(s) {', '.join(missing)}")
        findings = tuple(c for c in columns if c not in ID_COLUMNS)
        if not findings:
            raise DatasetError(f"{labels_path} has no finding columns")
        studies = []
        for line, row in enumerate(reader, start=2):
            try:
                labels = tuple(int(row[f]) for f in findings)
            except (TypeError, ValueError) as exc:
                raise DatasetError(f"{labels_path}:{line}: labels must be 0 or 1") from exc
            if any(v not in (0, 1) for v in labels):
                raise DatasetError(f"{labels_path}:{line}: labels must be 0 or 1")
            dicom = row["dicom_path"].strip()
            note_path = row["note_path"].strip()
            dicom_paths = _instance_files(root / dicom) if dicom else ()
            if dicom and not all(p.exists() for p in dicom_paths):
                raise DatasetError(f"{labels_path}:{line}: {dicom} does not exist")
            note = (root / note_path).read_text(encoding="utf-8") if note_path else None
            studies.append(
                LabelledStudy(
                    study_id=row["study_id"], dicom_paths=dicom_paths, note=note, labels=labels
                )
            )
    if not studies:
        raise DatasetError(f"{labels_path} lists no studies")
    return LabelledSet(root=root, findings=findings, studies=tuple(studies))


def labelled_set_sha256(labelled: LabelledSet) -> str:
    """SHA-256 of the labels file and every file it references, in order."""
    digest = hashlib.sha256((labelled.root / LABELS_FILE).read_bytes())
    for study in labelled.studies:
        for path in study.dicom_paths:
            digest.update(path.read_bytes())
        digest.update((study.note or "").encode("utf-8"))
    return digest.hexdigest()
