"""Separate processes agree: one study split across two workers stays one study after de-id.

Also: `consilium.deid` is pure Python; importing it loads no Django.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pydicom
from deid_support import TEST_FILES
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

REPO_ROOT = Path(__file__).resolve().parents[2]
PLATFORM = REPO_ROOT / "platform"

# Imports `consilium.deid` without running `consilium/__init__.py` (which wires Celery and
# Django for the web side): what is checked is the de-identification package itself.
_BOOTSTRAP = f"""
import sys, types
sys.path.insert(0, {str(PLATFORM)!r})
package = types.ModuleType("consilium")
package.__path__ = [{str(PLATFORM / "consilium")!r}]
sys.modules["consilium"] = package
"""

_WORKER = (
    _BOOTSTRAP
    + """
import pathlib
import pydicom
from consilium.deid import DicomDeidentifier
source, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
deidentifier = DicomDeidentifier(secret=b"shared-secret-of-the-platform")
for path in sorted(source.glob("*.dcm")):
    result = deidentifier.deidentify(pydicom.dcmread(path), site="site-a")
    result.dataset.save_as(target / path.name, enforce_file_format=True)
"""
)

STUDY_UID = "1.2.826.0.1.3680043.2.1125.9001"
FRAME_UID = "1.2.826.0.1.3680043.2.1125.9002"


def _study(tmp_path: Path) -> tuple[Path, Path]:
    """Four CT instances of one study in two series; series 2 references series 1."""
    halves = (tmp_path / "in-a", tmp_path / "in-b")
    for half in halves:
        half.mkdir()
    for number in range(4):
        dataset = pydicom.dcmread(TEST_FILES / "CT_small.dcm")
        series = 1 if number < 2 else 2
        dataset.PatientID = "MRN-4455"
        dataset.StudyInstanceUID = STUDY_UID
        dataset.FrameOfReferenceUID = FRAME_UID
        dataset.SeriesInstanceUID = f"{STUDY_UID}.{series}"
        dataset.SOPInstanceUID = f"{STUDY_UID}.{series}.{number}"
        dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
        if series == 2:
            image = Dataset()
            image.ReferencedSOPClassUID = dataset.SOPClassUID
            image.ReferencedSOPInstanceUID = f"{STUDY_UID}.1.{number - 2}"
            referenced = Dataset()
            referenced.SeriesInstanceUID = f"{STUDY_UID}.1"
            referenced.ReferencedImageSequence = Sequence([image])
            dataset.ReferencedSeriesSequence = Sequence([referenced])
        dataset.save_as(halves[number % 2] / f"{number}.dcm", enforce_file_format=True)
    return halves


def test_two_processes_produce_one_consistent_study(tmp_path: Path) -> None:
    outputs = []
    for half in _study(tmp_path):
        target = tmp_path / f"out-{half.name}"
        target.mkdir()
        subprocess.run(
            [sys.executable, "-c", _WORKER, str(half), str(target)], check=True, timeout=120
        )
        outputs.append(target)
    instances = [pydicom.dcmread(path) for out in outputs for path in sorted(out.glob("*.dcm"))]
    assert len(instances) == 4

    assert len({str(ds.StudyInstanceUID) for ds in instances}) == 1
    assert str(instances[0].StudyInstanceUID) != STUDY_UID
    assert len({str(ds.FrameOfReferenceUID) for ds in instances}) == 1
    assert len({str(ds.PatientID) for ds in instances}) == 1
    assert len({str(ds.StudyDate) for ds in instances}) == 1
    assert len({str(ds.SOPInstanceUID) for ds in instances}) == 4

    by_series: dict[str, set[str]] = {}
    for ds in instances:
        by_series.setdefault(str(ds.SeriesInstanceUID), set()).add(str(ds.SOPInstanceUID))
    assert len(by_series) == 2
    referencing = [ds for ds in instances if "ReferencedSeriesSequence" in ds]
    assert len(referencing) == 2
    for ds in referencing:
        referenced = ds.ReferencedSeriesSequence[0]
        target_series = str(referenced.SeriesInstanceUID)
        assert target_series in by_series and target_series != str(ds.SeriesInstanceUID)
        sop = str(referenced.ReferencedImageSequence[0].ReferencedSOPInstanceUID)
        assert (
            sop in by_series[target_series]
        )  # the reference resolves, in the other process's output


def test_deid_imports_no_django() -> None:
    code = (
        _BOOTSTRAP
        + """
import json
import consilium.deid
from consilium.deid import note_deidentify
note_deidentify("Seen by Dr. Smith on 3/4/2021.")
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("django", "celery"))))
"""
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    output = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    ).stdout
    assert json.loads(output) == []


def test_deid_sources_do_not_import_django() -> None:
    package = PLATFORM / "consilium" / "deid"
    offenders = [
        path.name
        for path in package.rglob("*.py")
        if any(
            line.strip().startswith(
                ("import django", "from django", "import celery", "from celery")
            )
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == []
