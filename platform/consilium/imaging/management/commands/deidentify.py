"""`manage.py deidentify dicom|notes IN_DIR OUT_DIR`: de-identify a folder for export or research.

DICOM: every regular file under IN_DIR is tried (DICOM files often have no extension). Each
instance goes through `consilium.deid.DicomDeidentifier` and is written as
``<de-identified SOPInstanceUID>.dcm`` (an input name may itself hold PHI); instances whose pixels
may show identifying text are quarantined and not written. Notes: every ``*.txt`` under IN_DIR
goes through `note_deidentify` and is written under the same relative name; a note is not tied
to a patient here, so its dates become "[DATE]" instead of being shifted.

One line per file and a summary. Lines name the input by the path the operator gave and never
print a value taken from a file: no names, patient ids or original UIDs.
"""

from __future__ import annotations

import io
import os
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from pydicom import Dataset
from pydicom.errors import InvalidDicomError

from consilium.deid import (
    DicomDeidentifier,
    DicomDeidResult,
    Replacement,
    note_deidentify,
)
from consilium.imaging.deid import deid_policy

MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"  # DICOMDIR: an index of files, not an instance


@dataclass
class Tally:
    """What happened to the files of one run."""

    written: int = 0
    quarantined: int = 0
    refused: int = 0
    unreadable: int = 0
    skipped: int = 0

    def summary(self, noun: str) -> str:
        parts = [
            f"{noun}: {self.written} written",
            f"{self.quarantined} quarantined",
            f"{self.unreadable} unreadable",
        ]
        if self.refused:
            parts.append(f"{self.refused} refused")
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        return ", ".join(parts)


class UnreadableFile(Exception):
    """The file is not something this command can de-identify; the message holds no PHI."""


def folders_checked(in_dir: Path, out_dir: Path) -> tuple[Path, Path]:
    """Both folders resolved, or a CommandError saying what is wrong with them."""
    source, target = in_dir.resolve(), out_dir.resolve()
    if not source.is_dir():
        raise CommandError(f"IN_DIR {in_dir} is not a folder: give the folder to de-identify.")
    if target == source or source in target.parents:
        raise CommandError(
            f"OUT_DIR {out_dir} is IN_DIR or inside it: choose an output folder outside {in_dir}, "
            "so de-identified files are never mixed with (or re-read as) the originals."
        )
    if target.exists() and not target.is_dir():
        raise CommandError(f"OUT_DIR {out_dir} exists and is not a folder.")
    target.mkdir(parents=True, exist_ok=True)
    return source, target


def files_under(folder: Path) -> Iterator[Path]:
    """Every regular file under `folder`, in a stable order; symlinked folders are not followed."""
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            path = Path(root) / name
            if path.is_file():
                yield path


def write_atomically(path: Path, content: bytes) -> None:
    """An interrupted run leaves no truncated output file behind."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(content)
    os.replace(partial, path)


def dicom_read(path: Path) -> Dataset:
    """The dataset in `path`, or UnreadableFile. Files without the DICOM preamble are accepted
    only if they parse into an instance with a SOP class and instance UID."""
    try:
        return pydicom.dcmread(path)
    except InvalidDicomError:
        pass
    except Exception as error:  # pydicom raises many kinds on damaged files
        raise UnreadableFile(f"not a readable DICOM file ({type(error).__name__})") from None
    try:
        dataset = pydicom.dcmread(path, force=True)
        if dataset.get("SOPClassUID") and dataset.get("SOPInstanceUID"):
            return dataset
    except Exception:  # forced parsing of a non-DICOM file fails in arbitrary ways
        pass
    raise UnreadableFile("not a DICOM file")


def sop_class(dataset: Dataset) -> str:
    meta = getattr(dataset, "file_meta", None)
    value = dataset.get("SOPClassUID") or (meta.get("MediaStorageSOPClassUID") if meta else "")
    return str(value or "").strip("\x00 ")


@dataclass
class DicomExport:
    """One `deidentify dicom` run: the de-identifier, where files go and what happened so far."""

    deidentifier: DicomDeidentifier
    site: str
    target: Path
    tally: Tally = field(default_factory=Tally)
    written: set[str] = field(default_factory=set)  # de-identified SOPInstanceUIDs

    def file(self, path: Path) -> str:
        """De-identify the file at `path` into `target`; the outcome for its line."""
        try:
            dataset = dicom_read(path)
            if sop_class(dataset) == MEDIA_STORAGE_DIRECTORY:
                self.tally.skipped += 1
                return "skipped: DICOMDIR (an index of files, not an instance)"
            return self.instance(self.deidentified(dataset))
        except UnreadableFile as error:
            self.tally.unreadable += 1
            return f"unreadable: {error}"

    def deidentified(self, dataset: Dataset) -> DicomDeidResult:
        try:
            return self.deidentifier.deidentify(dataset, site=self.site)
        except Exception as error:  # a value pydicom cannot convert; its message may quote it
            raise UnreadableFile(f"could not be de-identified ({type(error).__name__})") from None

    def instance(self, result: DicomDeidResult) -> str:
        if result.refused:
            self.tally.refused += 1
            return f"refused: {result.reason}"
        if result.quarantined or result.dataset is None:
            self.tally.quarantined += 1
            return f"quarantined: {result.reason}"
        name = str(result.dataset.get("SOPInstanceUID") or "").strip("\x00 ")
        if not name:
            raise UnreadableFile("no SOPInstanceUID: not a DICOM instance")
        if name in self.written:
            self.tally.skipped += 1
            return f"skipped: same instance as a file above ({name}.dcm)"
        write_atomically(self.target / f"{name}.dcm", dataset_bytes(result.dataset))
        self.written.add(name)
        self.tally.written += 1
        if result.unreadable:  # attribute names and what was done, never their values
            return f"written {name}.dcm; undecodable values handled: {'; '.join(result.unreadable)}"
        return f"written {name}.dcm"


class Command(BaseCommand):
    help = (
        "De-identify every DICOM file (`dicom`) or every *.txt note (`notes`) under IN_DIR into "
        "OUT_DIR. DICOM output is named by the de-identified SOPInstanceUID; instances that may "
        "show burned-in text are quarantined, not written. Exit status 1 if a file could not be read."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=["dicom", "notes"], help="What IN_DIR holds.")
        parser.add_argument("in_dir", type=Path, metavar="IN_DIR")
        parser.add_argument("out_dir", type=Path, metavar="OUT_DIR")
        parser.add_argument(
            "--site",
            default="default",
            help="dicom: the site whose key derives patient pseudonyms and date shifts.",
        )

    def handle(self, *args, kind: str, in_dir: Path, out_dir: Path, site: str, **options) -> None:
        source, target = folders_checked(in_dir, out_dir)
        with warnings.catch_warnings():
            # pydicom's warnings about invalid values quote the values, which may be PHI.
            warnings.simplefilter("ignore")
            if kind == "dicom":
                tally = self.dicom_folder(source, target, site=site)
            else:
                tally = self.notes_folder(source, target)
        self.stdout.write(tally.summary("instances" if kind == "dicom" else "notes"))
        if tally.unreadable:
            raise CommandError(
                f"{tally.unreadable} file(s) could not be read; they are listed above and "
                "nothing was written for them.",
                returncode=1,
            )

    def line(self, source: Path, path: Path, outcome: str) -> None:
        self.stdout.write(f"{path.relative_to(source)}: {outcome}")

    def dicom_folder(self, source: Path, target: Path, *, site: str) -> Tally:
        export = DicomExport(
            DicomDeidentifier(secret=settings.DEID_SECRET.encode(), policy=deid_policy()),
            site=site,
            target=target,
        )
        for path in files_under(source):
            self.line(source, path, export.file(path))
        return export.tally

    def notes_folder(self, source: Path, target: Path) -> Tally:
        tally = Tally()
        for path in files_under(source):
            if path.suffix.lower() != ".txt":
                continue
            try:
                outcome = self.note_file(path, source, target)
                tally.written += 1
            except UnreadableFile as error:
                tally.unreadable += 1
                outcome = f"unreadable: {error}"
            self.line(source, path, outcome)
        return tally

    def note_file(self, path: Path, source: Path, target: Path) -> str:
        """De-identify one note into the same relative path under `target`; its line."""
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UnreadableFile("not UTF-8 text: convert it to UTF-8 and run again") from None
        result = note_deidentify(text)
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(destination, result.text.encode("utf-8"))
        return f"written, {replacement_counts(result.replacements)}"


def replacement_counts(replacements: list[Replacement]) -> str:
    """ "2 NAME, 1 DATE" (most frequent first), or that nothing was found."""
    counts = Counter(replacement.kind for replacement in replacements)
    if not counts:
        return "no identifiers found"
    return ", ".join(f"{count} {kind}" for kind, count in counts.most_common())


def dataset_bytes(dataset: Dataset) -> bytes:
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()
