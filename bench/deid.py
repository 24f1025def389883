"""De-identification benchmark: DICOM against `dicognito` (PyPI, unmodified), and clinical notes.

DICOM: throughput and leaks of `consilium.deid.DicomDeidentifier` and dicognito.

Corpus: pydicom's test files and the `pydicom-data` files that read without force, are at most
2 MB, are not a DICOMDIR, are not quarantined by consilium (it writes nothing for them, so timing
them would flatter it) and that neither tool raises on; replicated whole to at least ``--files``.

Throughput, per core: one process, files read once beforehand, each run de-identifies a fresh deep
copy of every instance in memory (the copy and any I/O are outside the timed region); the runs of
the two tools alternate so that background load falls on both; the median run is reported.

Leaks: every base file gets the identifiers of `PLANTED` (patient, physicians, institution, a
private tag, a nested sequence item, descriptions, an overlay comment, ...), each tool
de-identifies it and writes it to bytes, and every planted string found in those bytes is a leak.

Notes (the ``notes`` section): `consilium.deid.note_deidentify` on the labelled note corpus of
tests/deid/corpus (hand-written and generated notes), scored as the corpus test scores it
(tests/deid/note_corpus.py): PHI recall, precision and clinical-phrase survival, overall and per
part, and notes de-identified per second on one core (median of ``--repeat`` passes over the
whole corpus, after one warm-up pass; no other tool is run on notes).

    .venv/bin/python bench/deid.py [--repeat 5] [--files 300] [--out bench/results/deid.json]

Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import copy
import importlib.metadata
import importlib.util
import io
import os
import platform
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pydicom
from dicognito.anonymizer import Anonymizer
from pydicom import Dataset
from pydicom.dataelem import DataElement
from pydicom.sequence import Sequence

REPO_ROOT = Path(__file__).resolve().parents[1]
# platform/ is a source root; appended so that the standard library's `platform` stays first.
sys.path.append(str(REPO_ROOT / "platform"))

# The note corpus and its scoring are shared with the corpus test.
sys.path.append(str(REPO_ROOT / "tests" / "deid"))

from machine import cpu_name, emit  # noqa: E402  (bench/ is sys.path[0] when a script runs)
from note_corpus import SPLITS, Note, Score, corpus, phrases, score_corpus  # noqa: E402

from consilium.deid import DicomDeidentifier, note_deidentify  # noqa: E402

MAX_FILE_BYTES = 2_000_000
SECRET = b"bench-deid-secret"
SITE = "bench"
DICOMDIR_CLASS = "1.2.840.10008.1.3.10"

# One planted value per field; the needle is a distinctive part of it that must not survive.
Planter = Callable[[Dataset], None]


@dataclass(frozen=True)
class Plant:
    field: str
    needle: bytes
    planter: Planter


def _set(keyword: str, value: str) -> Planter:
    return lambda dataset: setattr(dataset, keyword, value)


def _add(tag: int, vr: str, value: object) -> Planter:
    return lambda dataset: dataset.add(DataElement(tag, vr, value))


def _private_name(dataset: Dataset) -> None:
    dataset.add(DataElement(0x00110010, "LO", "ACME BENCH"))
    dataset.add(DataElement(0x00111001, "PN", "Trabbington^Orlick"))


def _nested_person(dataset: Dataset) -> None:
    inner = Dataset()
    inner.RelationshipType, inner.ValueType = "CONTAINS", "PNAME"
    inner.PersonName = "Provisworth^Compeyson"
    outer = Dataset()
    outer.RelationshipType, outer.ValueType = "CONTAINS", "CONTAINER"
    outer.ContentSequence = Sequence([inner])
    dataset.ContentSequence = Sequence([outer])


def _other_ids_sequence(dataset: Dataset) -> None:
    other = Dataset()
    other.PatientID = "OPIDSEQ-0099X"
    dataset.OtherPatientIDsSequence = Sequence([other])


PLANTED = (
    Plant("PatientName", b"Quaxworth", _set("PatientName", "Quaxworth^Zebulon")),
    Plant("PatientID", b"PID-88431907", _set("PatientID", "PID-88431907")),
    Plant("OtherPatientIDs", b"OPID-55120X", _set("OtherPatientIDs", "OPID-55120X")),
    Plant("OtherPatientIDsSequence", b"OPIDSEQ-0099X", _other_ids_sequence),
    Plant("PatientBirthDate", b"19410307", _set("PatientBirthDate", "19410307")),
    Plant("PatientAddress", b"Vexley", _set("PatientAddress", "77 Vexley Crescent Ottercombe")),
    Plant("PatientTelephoneNumbers", b"867-5309", _set("PatientTelephoneNumbers", "555-867-5309")),
    Plant("InstitutionName", b"Ottercombe Royal", _set("InstitutionName", "Ottercombe Royal")),
    Plant("ReferringPhysicianName", b"Drummle", _set("ReferringPhysicianName", "Drummle^Bentley")),
    Plant("OperatorsName", b"Pumblechook", _set("OperatorsName", "Pumblechook^Uncle")),
    Plant("AccessionNumber", b"ACCN7741902", _set("AccessionNumber", "ACCN7741902")),
    Plant("StudyID", b"STUDY4471Q", _set("StudyID", "STUDY4471Q")),
    Plant("StationName", b"STN-OTTER9", _set("StationName", "STN-OTTER9")),
    Plant("DeviceSerialNumber", b"SN-99812-XQ", _set("DeviceSerialNumber", "SN-99812-XQ")),
    Plant(
        "StudyInstanceUID",
        b"1.2.826.0.1.3680043.2.1125.7771.1",
        _set("StudyInstanceUID", "1.2.826.0.1.3680043.2.1125.7771.1"),
    ),
    Plant("private tag (PN)", b"Trabbington", _private_name),
    Plant("nested sequence PersonName", b"Provisworth", _nested_person),
    Plant(
        "StudyDescription",
        b"Wemmickshire",
        _set("StudyDescription", "Follow-up for Mr Wemmickshire"),
    ),
    Plant("ImageComments", b"Havishamley", _set("ImageComments", "Called Estella Havishamley")),
    Plant(
        "PatientComments", b"Gargleworth", _set("PatientComments", "Brother Joe Gargleworth visits")
    ),
    Plant("overlay comment", b"Pocketham", _add(0x60024000, "LT", "Marked by Pocketham")),
)


@dataclass(frozen=True)
class Instance:
    name: str
    dataset: Dataset


Tool = Callable[[Dataset], Dataset]


class Quarantined(Exception):
    """consilium wrote nothing for this instance: its pixels may show identifying text."""


def consilium_tool() -> Tool:
    deidentifier = DicomDeidentifier(secret=SECRET)

    def run(dataset: Dataset) -> Dataset:
        result = deidentifier.deidentify(dataset, site=SITE)
        if result.dataset is None:
            raise Quarantined(result.reason)
        return result.dataset

    return run


def dicognito_tool() -> Tool:
    anonymizer = Anonymizer()

    def run(dataset: Dataset) -> Dataset:
        anonymizer.anonymize(dataset)  # in place
        return dataset

    return run


TOOLS: dict[str, Callable[[], Tool]] = {"consilium": consilium_tool, "dicognito": dicognito_tool}


def candidate_paths() -> list[Path]:
    folders = [Path(pydicom.__file__).parent / "data" / "test_files"]
    spec = importlib.util.find_spec("data_store")  # the pydicom-data package
    if spec is not None and spec.origin is not None:
        folders.append(Path(spec.origin).parent / "data")
    paths = [path for folder in folders for path in sorted(folder.rglob("*")) if path.is_file()]
    return [path for path in paths if path.stat().st_size <= MAX_FILE_BYTES]


def readable(path: Path) -> Dataset | None:
    try:
        dataset = pydicom.dcmread(path)
    except Exception:  # the test folders hold JSON, dumps and deliberately broken files
        return None
    sop_class = dataset.file_meta.get("MediaStorageSOPClassUID", "")
    return None if sop_class == DICOMDIR_CLASS else dataset


def failing_tools(dataset: Dataset) -> list[str]:
    """The tools that raise on `dataset` (a quarantine counts as no failure here)."""
    failing = []
    for name, make in TOOLS.items():
        try:
            make()(copy.deepcopy(dataset))
        except Quarantined:
            pass
        except Exception:
            failing.append(name)
    return failing


def base_corpus() -> tuple[list[Instance], dict[str, object]]:
    """The usable files, and which candidates were left out for which reason."""
    instances: list[Instance] = []
    unreadable, quarantined = 0, 0
    errors: dict[str, list[str]] = {name: [] for name in TOOLS}
    quarantine = DicomDeidentifier(secret=SECRET)
    for path in candidate_paths():
        dataset = readable(path)
        if dataset is None:
            unreadable += 1
        elif failing := failing_tools(dataset):
            for name in failing:
                errors[name].append(path.name)
        elif quarantine.deidentify(dataset, site=SITE).quarantined:
            quarantined += 1
        else:
            instances.append(Instance(path.name, dataset))
    left_out = {
        "not_dicom_or_unreadable": unreadable,
        "quarantined_by_consilium": quarantined,
        "raised_in": errors,
    }
    return instances, left_out


def timed_run(tool: Tool, corpus: list[Instance]) -> float:
    """Files per second for one pass over `corpus`; deep copies are made outside the timing."""
    elapsed = 0.0
    for instance in corpus:
        dataset = copy.deepcopy(instance.dataset)
        start = time.perf_counter()
        tool(dataset)
        elapsed += time.perf_counter() - start
    return len(corpus) / elapsed


def replicated(base: list[Instance], *, files: int) -> list[Instance]:
    """Whole copies of `base`, at least `files` instances, so every file weighs the same."""
    return base * max(1, -(-files // len(base)))


def throughput(
    corpus: list[Instance], base: list[Instance], *, repeat: int
) -> dict[str, list[float]]:
    runs: dict[str, list[float]] = {name: [] for name in TOOLS}
    for make in TOOLS.values():
        timed_run(make(), base)  # warm-up: imports, dictionaries, caches
    for _ in range(repeat):
        for name, make in TOOLS.items():
            runs[name].append(timed_run(make(), corpus))
    return runs


def dataset_bytes(dataset: Dataset) -> bytes:
    """The bytes as a file would hold them; some test files lack file meta, so none is enforced."""
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=False)
    return buffer.getvalue()


def planted(instance: Instance) -> Dataset:
    dataset = copy.deepcopy(instance.dataset)
    for plant in PLANTED:
        plant.planter(dataset)
    # read back, so planted values reach the tools raw, as from a file
    return pydicom.dcmread(io.BytesIO(dataset_bytes(dataset)), force=True)


def leaks(base: list[Instance]) -> dict[str, dict[str, int]]:
    """Per tool, per planted field: in how many written files the planted string survives."""
    found = {name: {plant.field: 0 for plant in PLANTED} for name in TOOLS}
    for instance in base:
        source = planted(instance)
        source_bytes = dataset_bytes(source)
        missing = [plant.field for plant in PLANTED if plant.needle not in source_bytes]
        if missing:
            raise RuntimeError(f"{instance.name}: planting failed for {missing}")
        for name, make in TOOLS.items():
            written = dataset_bytes(make()(copy.deepcopy(source)))
            for plant in PLANTED:
                found[name][plant.field] += plant.needle in written
    return found


def tool_report(runs: list[float], leaked: dict[str, int], planted_total: int) -> dict:
    return {
        "files_per_s": round(statistics.median(runs), 1),
        "files_per_s_runs": [round(run, 1) for run in runs],
        "leaks": sum(leaked.values()),
        "leaks_of": planted_total,
        "leaks_by_field": {field: count for field, count in leaked.items() if count},
    }


def notes_per_second(notes: list[Note], *, repeat: int) -> list[float]:
    """Notes per second for each of `repeat` passes over `notes`, after a warm-up pass."""
    for note in notes:
        note_deidentify(note.text)  # warm-up: word lists, compiled patterns
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for note in notes:
            note_deidentify(note.text)
        runs.append(len(notes) / (time.perf_counter() - start))
    return runs


def note_score(score: Score) -> dict:
    return {
        "identifiers": score.planted,
        "phi_recall": round(score.recall, 4),
        "precision": round(score.precision, 4),
        "clinical_phrase_survival": round(score.survival, 4),
        "missed_by_kind": dict(sorted(Counter(p.kind for p in score.missed).items())),
    }


def notes_report(*, repeat: int) -> dict:
    notes = corpus()
    scores = score_corpus(notes, phrases())
    runs = notes_per_second(notes, repeat=repeat)
    return {
        "notes": len(notes),
        "phrases": len(phrases()),
        **note_score(scores["all"]),
        "by_part": {
            split: {
                "notes": sum(note.split == split for note in notes),
                **note_score(scores[split]),
            }
            for split in SPLITS
        },
        "notes_per_s": round(statistics.median(runs), 1),
        "notes_per_s_runs": [round(run, 1) for run in runs],
        "characters_per_note": round(statistics.mean(len(note.text) for note in notes)),
    }


def benchmark(*, files: int, repeat: int) -> dict:
    base, left_out = base_corpus()
    load_before = os.getloadavg()[0]
    corpus = replicated(base, files=files)
    runs = throughput(corpus, base, repeat=repeat)
    load_after = os.getloadavg()[0]
    found = leaks(base)
    planted_total = len(base) * len(PLANTED)
    report = {"files": len(corpus), "base_files": len(base), "left_out": left_out, "repeat": repeat}
    for name in TOOLS:
        report[name] = tool_report(runs[name], found[name], planted_total)
    report["ratio_files_per_s"] = round(
        report["consilium"]["files_per_s"] / report["dicognito"]["files_per_s"], 3
    )
    report["notes"] = notes_report(repeat=repeat)
    report["versions"] = {
        name: importlib.metadata.version(name) for name in ("pydicom", "dicognito", "consilium")
    }
    report["python"] = platform.python_version()
    report["cpu"] = cpu_name()
    report["load_average_1min"] = [round(load_before, 2), round(load_after, 2)]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per tool (median kept)")
    parser.add_argument(
        "--files", type=int, default=300, help="at least this many instances per timed run"
    )
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the test files carry invalid values on purpose
        report = benchmark(files=args.files, repeat=args.repeat)
    emit(report, args.out)


if __name__ == "__main__":
    main()
