"""Every file pydicom and pydicom-data ship: de-identified, quarantined or refused, never a crash.

The files include pydicom's deliberately broken ones (badVR.dcm's IS "1A", truncated pixel data,
no file meta, big-endian, deflated, DICOMDIRs, every character set it tests). A file pydicom
itself cannot read is skipped; nothing is downloaded (only files on disk are listed).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pydicom
import pytest
from deid_support import (
    TEST_FILES,
    identifying_values,
    read_shipped,
    shipped_files,
    surviving,
)
from pydicom import Dataset
from pydicom.config import RAISE

from consilium.deid import DeidPolicy, DicomDeidentifier, DicomDeidResult

SECRET = b"consilium-shipped-files-secret"
DEFAULT = DicomDeidentifier(secret=SECRET)
EVERY_OPTION = DicomDeidentifier(
    secret=SECRET,
    policy=DeidPolicy(
        clean_descriptors=True,
        clean_structured_content=True,
        clean_graphics=True,
        retain_safe_private=True,
    ),
)
FILES = shipped_files()


def _name(path: Path) -> str:
    parts = path.parts
    for anchor in ("test_files", "charset_files", "data"):
        if anchor in parts:
            index = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[index:])
    return path.name


def _deidentify(deidentifier: DicomDeidentifier, dataset: Dataset) -> DicomDeidResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the broken files warn on purpose
        return deidentifier.deidentify(dataset, site="site-shipped")


def _written(dataset: Dataset) -> bytes:
    buffer = io.BytesIO()
    complete = bool(dataset.get("SOPClassUID")) and bool(dataset.get("SOPInstanceUID"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset.save_as(buffer, enforce_file_format=complete)
    return buffer.getvalue()


def test_the_shipped_files_are_found() -> None:
    names = {path.name for path in FILES}
    assert {"badVR.dcm", "CT_small.dcm", "chrSQEncoding.dcm", "DICOMDIR"} <= names
    assert len(FILES) > 100


@pytest.mark.parametrize("deidentifier", [DEFAULT, EVERY_OPTION], ids=["default", "all-options"])
@pytest.mark.parametrize("path", FILES, ids=_name)
def test_every_shipped_file_is_deidentified_quarantined_or_refused(
    path: Path, deidentifier: DicomDeidentifier
) -> None:
    source = read_shipped(path)
    if source is None:
        pytest.skip("pydicom cannot read this file as DICOM")
    result = _deidentify(deidentifier, source)
    if result.dataset is None:
        assert result.quarantined != result.refused
        assert result.reason
        return
    assert not result.quarantined and not result.refused
    written = _written(result.dataset)
    output = pydicom.dcmread(io.BytesIO(written), force=True)
    assert output.PatientIdentityRemoved == "YES"
    assert str(output.PatientID) == result.pseudonym
    assert surviving(identifying_values(source), written, output) == []
    if deidentifier is DEFAULT:
        assert not [element for element in output if element.tag.is_private]


def test_bad_vr_file_is_deidentified_with_the_bad_value_handled(secret: bytes) -> None:
    source = read_shipped(TEST_FILES / "badVR.dcm")
    assert source is not None
    result = _deidentify(DicomDeidentifier(secret=secret), source)
    assert result.dataset is not None and not result.quarantined
    # NumberOfFrames holds IS "1A": Type 3 here, so it is removed and the removal recorded
    assert "NumberOfFrames" not in result.dataset
    assert result.unreadable == (
        "(0028,0008) NumberOfFrames IS: value could not be decoded; removed",
    )
    assert "1A" not in " ".join(result.unreadable).replace("(0028,0008)", "")
    assert result.dataset.PixelData == source.PixelData


def test_a_value_pydicom_refuses_to_decode_is_handled_by_its_action(
    secret: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With strict reading, decoding itself raises: same outcome, nothing leaks."""
    monkeypatch.setattr(pydicom.config.settings, "reading_validation_mode", RAISE)
    source = pydicom.dcmread(TEST_FILES / "badVR.dcm")
    result = _deidentify(DicomDeidentifier(secret=secret), source)
    assert result.dataset is not None
    assert "NumberOfFrames" not in result.dataset
    assert any("NumberOfFrames" in line for line in result.unreadable)
    assert "Lastname" not in str(result.dataset.PatientName)


def test_an_undecodable_type_2_value_is_emptied_and_a_type_1_value_dummied(
    secret: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pydicom.config.settings, "reading_validation_mode", RAISE)
    source = pydicom.dcmread(TEST_FILES / "CT_small.dcm")
    buffer = io.BytesIO()
    source.StudyID = "S1"
    source.SeriesNumber = "7"
    source.save_as(buffer)
    # Corrupt two IS values in the encoded file: SeriesNumber (Type 2) and InstanceNumber.
    data = buffer.getvalue().replace(b"IS\x02\x007 ", b"IS\x02\x007Q")
    damaged = pydicom.dcmread(io.BytesIO(data))
    result = _deidentify(DicomDeidentifier(secret=secret), damaged)
    assert result.dataset is not None
    assert result.dataset.SeriesNumber is None or str(result.dataset.SeriesNumber) == ""
    assert any(line.startswith("(0020,0011) SeriesNumber IS") for line in result.unreadable)
    assert all("7Q" not in line for line in result.unreadable)


def test_a_dicomdir_is_refused_with_its_reason(secret: bytes) -> None:
    source = read_shipped(TEST_FILES / "dicomdirtests" / "DICOMDIR")
    assert source is not None
    result = _deidentify(DicomDeidentifier(secret=secret), source)
    assert result.refused and not result.quarantined and result.dataset is None
    assert result.reason is not None and "DICOMDIR" in result.reason
