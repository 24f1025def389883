"""Writing the labelled set to disk in the layout that ml.train reads.

The layout is ml/dataset.py's (the platform does not import `ml` outside analyses.inference)::

    OUT_DIR/labels.csv                       study_id, dicom_path, note_path, one 0/1 column per finding
    OUT_DIR/dicom/<study_id>/instance-0001.dcm   the study's de-identified image instances, in order
    OUT_DIR/notes/<study_id>.txt             its de-identified notes, joined

`study_id` is the de-identified StudyInstanceUID: nothing that names a patient leaves the platform.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from consilium.accounts.models import Site
from consilium.audit.models import Action
from consilium.audit.services import Actor, audit_record
from consilium.feedback.selectors import SkippedStudy, StudyLabels, labelled_set
from consilium.imaging.models import ClinicalNote, Instance
from consilium.imaging.selectors import INSTANCE_ORDER
from ml.dataset import ID_COLUMNS, LABELS_FILE  # the layout `python -m ml.train` reads (no torch)

NOTE_SEPARATOR = "\n\n"  # how analyses.services.study_inputs joins a study's notes
COPY_CHUNK = 1 << 20


class LabelExportError(ValueError):
    """The labelled set cannot be exported as asked; the message says what to change."""


@dataclass(frozen=True)
class ExportResult:
    out_dir: Path
    findings: tuple[str, ...]
    study_ids: list[str]  # de-identified StudyInstanceUIDs, in labels.csv order
    skipped: list[SkippedStudy]
    labels_sha256: str

    @property
    def exported(self) -> int:
        return len(self.study_ids)


def _copy_verified(instance: Instance, target: Path) -> None:
    """Copy an instance's stored file, checking it is the file that was stored."""
    digest = hashlib.sha256()
    with instance.file.open("rb") as source, target.open("wb") as sink:
        while chunk := source.read(COPY_CHUNK):
            digest.update(chunk)
            sink.write(chunk)
    if digest.hexdigest() != instance.sha256:
        raise LabelExportError(
            f"The stored file of instance {instance.pk} does not match its checksum; "
            "the store is damaged: restore it from backup before exporting."
        )


def _study_inputs(
    rows: Sequence[StudyLabels],
) -> tuple[dict[int, list[Instance]], dict[int, list[str]]]:
    """Decodable image instances and note texts of the studies, in the order analyses read them."""
    study_ids = [row.study.pk for row in rows]
    instances: dict[int, list[Instance]] = defaultdict(list)
    for instance in (
        Instance.objects.filter(
            series__study_id__in=study_ids, rows__isnull=False, columns__isnull=False
        )
        .select_related("series")
        .order_by(*INSTANCE_ORDER)
    ):
        instances[instance.series.study_id].append(instance)
    notes: dict[int, list[str]] = defaultdict(list)
    for note in ClinicalNote.objects.filter(study_id__in=study_ids).order_by("created_at"):
        notes[note.study_id].append(note.text)
    return instances, notes


def _write_study(
    root: Path, row: StudyLabels, instances: list[Instance], notes: list[str]
) -> list[str]:
    study_id = row.study.study_instance_uid
    dicom_path = note_path = ""
    if instances:
        dicom_path = f"dicom/{study_id}"
        (root / dicom_path).mkdir(parents=True)
        for number, instance in enumerate(instances, start=1):
            _copy_verified(instance, root / dicom_path / f"instance-{number:04d}.dcm")
    if notes:
        note_path = f"notes/{study_id}.txt"
        (root / note_path).parent.mkdir(exist_ok=True)
        (root / note_path).write_text(NOTE_SEPARATOR.join(notes), encoding="utf-8")
    return [study_id, dicom_path, note_path, *map(str, row.values)]


def _empty_target(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise LabelExportError(
            f"{out_dir} exists and is not an empty folder; export into a new one, "
            "so that no study of an older export is mixed in."
        )


def labelled_set_export(
    *,
    site: Site,
    out_dir: Path,
    findings: Sequence[str] | None = None,
    actor: Actor = None,
) -> ExportResult:
    """Write the site's completely labelled studies to `out_dir` (new or empty) and audit it.

    Studies only partly reviewed, or with neither an image nor a note, are skipped and reported.
    The set is written beside `out_dir` and moved there at the end, so a failed export leaves
    nothing half-written behind. Raises LabelExportError (or the selector's LabelledSetError) on
    input a user can get wrong, and when no study is complete.
    """
    out_dir = Path(out_dir).resolve()
    _empty_target(out_dir)
    selection = labelled_set(site=site, findings=findings)
    instances, notes = _study_inputs(selection.rows)
    rows, skipped = [], list(selection.skipped)
    for row in selection.rows:
        if instances[row.study.pk] or notes[row.study.pk]:
            rows.append(row)
        else:
            skipped.append(
                SkippedStudy(study=row.study, reason="it has neither an image nor a note")
            )
    if not rows:
        raise LabelExportError(
            f"No study at this site is labelled for every one of {', '.join(selection.findings)} "
            f"({len(skipped)} partly reviewed or empty); nothing was written."
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        with (staging / LABELS_FILE).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow([*ID_COLUMNS, *selection.findings])
            for row in rows:
                writer.writerow(
                    _write_study(staging, row, instances[row.study.pk], notes[row.study.pk])
                )
        if out_dir.exists():
            out_dir.rmdir()
        staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result = ExportResult(
        out_dir=out_dir,
        findings=selection.findings,
        study_ids=[row.study.study_instance_uid for row in rows],
        skipped=skipped,
        labels_sha256=hashlib.sha256((out_dir / LABELS_FILE).read_bytes()).hexdigest(),
    )
    audit_record(
        site=site,
        actor=actor,
        action=Action.LABELS_EXPORTED,
        details={
            "studies": [row.study.pk for row in rows],
            "skipped": len(skipped),
            "findings": list(selection.findings),
            "labels_sha256": result.labels_sha256,
        },
    )
    return result
