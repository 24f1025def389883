"""A synthetic multimodal study set: CXR-like DICOM files, notes and labels.

Synthetic, not clinical data. ``python -m ml.synthetic OUT_DIR --n N --seed S`` writes::

    OUT_DIR/README.txt                      says what this is (synthetic, not clinical data)
    OUT_DIR/dataset.json                    generator, seed, findings and where each comes from
    OUT_DIR/labels.csv                      study_id, dicom_path, note_path, one column per finding
    OUT_DIR/dicom/<study_id>/instance-1.dcm
    OUT_DIR/notes/<study_id>.txt

The same seed gives the same files, byte for byte. Which findings need which modality is
documented in :mod:`ml.synthetic.cohort`.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml import SYNTHETIC_LABEL, __version__
from ml.dataset import ID_COLUMNS, LABELS_FILE
from ml.synthetic.anatomy import render_radiographs
from ml.synthetic.cohort import FINDING_SOURCES, FINDINGS, Cohort, sample_cohort
from ml.synthetic.dicom_files import StudyHeader, write_radiograph
from ml.synthetic.notes import FAMILY_NAMES, FEMALE_NAMES, MALE_NAMES, NoteIdentity, write_note

__all__ = ["FINDINGS", "FINDING_SOURCES", "SyntheticSet", "generate_synthetic_set"]

_CHUNK = 32  # studies rendered per numpy batch; fixed, so the random stream is too


@dataclass(frozen=True)
class SyntheticSet:
    """Where a generated set lives and what is in it."""

    root: Path
    n_studies: int
    seed: int
    findings: tuple[str, ...]
    labels: np.ndarray  # (n, K) int


def _identity(rng: np.random.Generator, female: bool, age: int) -> tuple[NoteIdentity, str]:
    given_names = FEMALE_NAMES if female else MALE_NAMES
    given = given_names[int(rng.integers(len(given_names)))]
    family = FAMILY_NAMES[int(rng.integers(len(FAMILY_NAMES)))]
    year, month, day = (
        int(rng.integers(2019, 2026)),
        int(rng.integers(1, 13)),
        int(rng.integers(1, 29)),
    )
    birth = f"{year - age:04d}{int(rng.integers(1, 13)):02d}{int(rng.integers(1, 29)):02d}"
    who = NoteIdentity(
        given_name=given,
        family_name=family,
        patient_id=f"SGH{int(rng.integers(1_000_000, 9_999_999))}",
        birth_date=birth,
        study_date=f"{year:04d}{month:02d}{day:02d}",
        physician=FAMILY_NAMES[int(rng.integers(len(FAMILY_NAMES)))],
    )
    time = f"{int(rng.integers(7, 20)):02d}{int(rng.integers(0, 60)):02d}{int(rng.integers(0, 60)):02d}"
    return who, time


def generate_synthetic_set(out_dir: Path, *, n: int, seed: int, matrix: int = 256) -> SyntheticSet:
    """Write ``n`` synthetic studies (``matrix``² pixel images) into ``out_dir``."""
    if n < 1:
        raise ValueError("n must be at least 1")
    if matrix < 64:
        raise ValueError("matrix must be at least 64 pixels")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cohort_rng, image_rng, note_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)
    )
    cohort: Cohort = sample_cohort(cohort_rng, n)
    labels = cohort.labels()
    study_ids = [f"syn{seed}-{i:05d}" for i in range(n)]
    rows: list[list[str]] = []
    for start in range(0, n, _CHUNK):
        images = render_radiographs(cohort, slice(start, start + _CHUNK), image_rng, matrix)
        for offset, image in enumerate(images):
            index = start + offset
            study_id = study_ids[index]
            age = int(cohort.age[index])
            who, study_time = _identity(note_rng, bool(cohort.female[index]), age)
            header = StudyHeader(
                study_id=study_id,
                seed=seed,
                who=who,
                female=bool(cohort.female[index]),
                age=age,
                accession_number=f"A{int(note_rng.integers(10_000_000, 99_999_999))}",
                study_time=study_time,
                pixel_spacing_mm=360.0 / matrix,
            )
            dicom_path = f"dicom/{study_id}/instance-1.dcm"
            note_path = f"notes/{study_id}.txt"
            write_radiograph(out_dir / dicom_path, image, header)
            (out_dir / note_path).parent.mkdir(parents=True, exist_ok=True)
            (out_dir / note_path).write_text(write_note(note_rng, cohort, index, who), "utf-8")
            rows.append([study_id, dicom_path, note_path, *map(str, labels[index])])

    with (out_dir / LABELS_FILE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*ID_COLUMNS, *FINDINGS])
        writer.writerows(rows)
    manifest = {
        "description": f"Consilium synthetic chest radiograph + note set: {SYNTHETIC_LABEL}",
        "synthetic": True,
        "generator": "ml.synthetic",
        "ml_version": __version__,
        "seed": seed,
        "n_studies": n,
        "matrix": matrix,
        "findings": list(FINDINGS),
        "finding_sources": FINDING_SOURCES,
        "prevalence": {f: float(labels[:, k].mean()) for k, f in enumerate(FINDINGS)},
    }
    (out_dir / "dataset.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    (out_dir / "README.txt").write_text(
        f"Synthetic, not clinical data.\n\nGenerated by `python -m ml.synthetic` (seed {seed}, "
        f"{n} studies). Images, notes, names, identifiers and dates are all invented; the "
        "identifiers only look realistic so that de-identification can be exercised.\n",
        "utf-8",
    )
    return SyntheticSet(root=out_dir, n_studies=n, seed=seed, findings=FINDINGS, labels=labels)
