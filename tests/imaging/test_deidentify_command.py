"""`manage.py deidentify dicom|notes IN_DIR OUT_DIR` (CONTRACTS.md, operator commands)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pydicom
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from consilium.deid import uid_remap
from tests.helpers import NOTE_TEXT, dicom_testfile

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET = "deidentify-command-test-secret"

# Input layout: names without PHI, since the lines print the relative input path.
DICOM_INPUTS = {
    "study1/IM0001": "CT_small.dcm",  # DICOM files often have no extension
    "study1/series2/mr.dcm": "MR_small.dcm",
    "us/IM0001": "US1_J2KR.dcm",  # ultrasound: burned-in text, quarantined
}
NOT_DICOM = "study1/scan-notes.pdf"


@pytest.fixture(autouse=True)
def _deid_secret(settings) -> None:
    settings.DEID_SECRET = SECRET


def _identifiers(name: str) -> list[bytes]:
    """The original identifying values of a test file, as bytes that must appear nowhere."""
    dataset = pydicom.dcmread(dicom_testfile(name))
    patient_name = str(dataset.PatientName)
    values = [patient_name, *(part for part in patient_name.split("^") if len(part) >= 4)]
    values += [dataset.PatientID, dataset.StudyInstanceUID, dataset.SeriesInstanceUID]
    values.append(dataset.SOPInstanceUID)
    return [str(value).encode() for value in values]


def _output_name(name: str) -> str:
    """What the command names the de-identified copy of test file `name`."""
    original = str(pydicom.dcmread(dicom_testfile(name)).SOPInstanceUID)
    return f"{uid_remap(original, secret=SECRET.encode())}.dcm"


def _dicom_folder(root: Path, *, unreadable: bool = True) -> Path:
    folder = root / "in"
    for relative, name in DICOM_INPUTS.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dicom_testfile(name), folder / relative)
    if unreadable:
        (folder / NOT_DICOM).write_bytes(b"%PDF-1.4 not a DICOM file\n")
    return folder


def _run(*args: str) -> tuple[str, CommandError | None]:
    stdout = io.StringIO()
    try:
        call_command("deidentify", *args, stdout=stdout)
    except CommandError as error:
        return stdout.getvalue(), error
    return stdout.getvalue(), None


def _assert_no_identifiers(out_dir: Path, stdout: str) -> None:
    needles = [needle for name in DICOM_INPUTS.values() for needle in _identifiers(name)]
    written = {path.name: path.read_bytes() for path in out_dir.rglob("*") if path.is_file()}
    assert written
    leaks = [(name, n) for name, data in written.items() for n in needles if n in data]
    assert leaks == []
    assert [needle for needle in needles if needle in stdout.encode()] == []


def test_dicom_writes_quarantines_and_reports_unreadable(tmp_path: Path) -> None:
    in_dir, out_dir = _dicom_folder(tmp_path), tmp_path / "out"
    stdout, error = _run("dicom", str(in_dir), str(out_dir))

    assert error is not None and error.returncode == 1
    assert "could not be read" in str(error)
    lines = stdout.splitlines()
    assert len(lines) == 5  # four files and the summary
    assert lines[-1] == "instances: 2 written, 1 quarantined, 1 unreadable"
    expected = {
        relative: _output_name(name)
        for relative, name in DICOM_INPUTS.items()
        if name != "US1_J2KR.dcm"
    }
    for relative, output_name in expected.items():
        assert f"{relative}: written {output_name}" in lines
    assert any(line.startswith("us/IM0001: quarantined: US ") for line in lines)
    assert f"{NOT_DICOM}: unreadable: not a DICOM file" in lines

    assert sorted(path.name for path in out_dir.iterdir()) == sorted(expected.values())
    for output_name in expected.values():
        output = pydicom.dcmread(out_dir / output_name)
        assert output.PatientIdentityRemoved == "YES"
        assert f"{output.SOPInstanceUID}.dcm" == output_name
    _assert_no_identifiers(out_dir, stdout)


def test_dicom_exits_zero_when_every_file_reads(tmp_path: Path) -> None:
    in_dir, out_dir = _dicom_folder(tmp_path, unreadable=False), tmp_path / "out"
    # The same instance twice and a DICOMDIR: each skipped with a line, not an error.
    (in_dir / "zz").mkdir()  # walked after study1/
    shutil.copyfile(dicom_testfile("CT_small.dcm"), in_dir / "zz" / "copy-of-ct")
    shutil.copyfile(dicom_testfile("dicomdirtests/DICOMDIR"), in_dir / "DICOMDIR")
    stdout, error = _run("dicom", str(in_dir), str(out_dir))

    assert error is None
    assert stdout.splitlines()[-1] == "instances: 2 written, 1 quarantined, 0 unreadable, 2 skipped"
    assert "DICOMDIR: skipped: DICOMDIR" in stdout
    assert "zz/copy-of-ct: skipped: same instance as a file above" in stdout
    assert len(list(out_dir.iterdir())) == 2


def test_dicom_site_keys_the_pseudonym(tmp_path: Path) -> None:
    in_dir = _dicom_folder(tmp_path, unreadable=False)
    pseudonyms = []
    for site in ("north", "south"):
        out_dir = tmp_path / f"out-{site}"
        _run("dicom", str(in_dir), str(out_dir), "--site", site)
        output = pydicom.dcmread(out_dir / _output_name("CT_small.dcm"))
        pseudonyms.append(str(output.PatientID))
    assert pseudonyms[0] != pseudonyms[1]


def test_undecodable_value_is_handled_and_reported_without_it(tmp_path: Path) -> None:
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    shutil.copyfile(dicom_testfile("badVR.dcm"), in_dir / "IM0001")  # an IS value of "1A"
    stdout, error = _run("dicom", str(in_dir), str(out_dir))
    assert error is None
    assert "IM0001: written " in stdout and "undecodable values handled: " in stdout
    assert "1A" not in stdout
    (written,) = out_dir.iterdir()
    assert b"1A" not in written.read_bytes()


@pytest.mark.parametrize("inside", [".", "export", "a/b"])
def test_out_dir_in_or_inside_in_dir_is_refused(tmp_path: Path, inside: str) -> None:
    in_dir = _dicom_folder(tmp_path)
    with pytest.raises(CommandError, match="outside"):
        call_command("deidentify", "dicom", str(in_dir), str(in_dir / inside), stdout=io.StringIO())
    assert not (in_dir / "export").exists()


def test_missing_in_dir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="not a folder"):
        call_command("deidentify", "notes", str(tmp_path / "nope"), str(tmp_path / "out"))


def test_notes_keep_relative_names_and_count_replacements(tmp_path: Path) -> None:
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    (in_dir / "ward" / "2024").mkdir(parents=True)
    (in_dir / "admission.txt").write_text(NOTE_TEXT)
    (in_dir / "ward" / "2024" / "discharge.txt").write_text("Seen by Dr. Alice Jones today.\n")
    (in_dir / "ward" / "empty.txt").write_text("No acute distress.\n")
    (in_dir / "ward" / "image.dcm").write_bytes(b"not a note")

    stdout, error = _run("notes", str(in_dir), str(out_dir))

    assert error is None
    lines = stdout.splitlines()
    assert lines[-1] == "notes: 3 written, 0 quarantined, 0 unreadable"
    admission = next(line for line in lines if line.startswith("admission.txt: written, "))
    assert "NAME" in admission and "MRN" in admission and "DATE" in admission
    assert "ward/empty.txt: written, no identifiers found" in lines
    written = sorted(str(path.relative_to(out_dir)) for path in out_dir.rglob("*.txt"))
    assert written == ["admission.txt", "ward/2024/discharge.txt", "ward/empty.txt"]
    assert not (out_dir / "ward" / "image.dcm").exists()
    text = (out_dir / "admission.txt").read_text()
    assert "congestive heart failure" in text
    for phi in ("John", "Smith", "12345678", "03/04/2024", "Alice", "Jones"):
        assert phi not in text and phi not in stdout
    assert "Alice" not in (out_dir / "ward" / "2024" / "discharge.txt").read_text()


def test_notes_not_utf8_is_unreadable(tmp_path: Path) -> None:
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    (in_dir / "latin1.txt").write_bytes("Patient Jos\xe9 Garc\xeda".encode("latin-1"))
    stdout, error = _run("notes", str(in_dir), str(out_dir))
    assert error is not None and error.returncode == 1
    assert "latin1.txt: unreadable: not UTF-8 text" in stdout
    assert not (out_dir / "latin1.txt").exists()


def test_manage_py_prints_a_line_per_file_and_exits_1_on_unreadable(tmp_path: Path) -> None:
    in_dir, out_dir = _dicom_folder(tmp_path), tmp_path / "out"
    env = {**os.environ, "DEID_SECRET": SECRET, "VAR_DIR": str(tmp_path / "var")}
    result = subprocess.run(
        [sys.executable, "manage.py", "deidentify", "dicom", str(in_dir), str(out_dir)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    assert lines[-1] == "instances: 2 written, 1 quarantined, 1 unreadable"
    assert "could not be read" in result.stderr
    _assert_no_identifiers(out_dir, result.stdout + result.stderr)
