"""No planted identifier survives anywhere in a written de-identified file; pixels are untouched."""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import pytest
from deid_support import (
    PlantedInstance,
    base_paths,
    element_values,
    elements,
    from_bytes,
    plant,
    to_bytes,
)
from pydicom import Dataset
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID

from consilium.deid import DicomDeidentifier

SECRET = b"consilium-leak-test-secret"


@dataclass(frozen=True)
class Outcome:
    planted: PlantedInstance
    source: Dataset  # the planted instance as read back from its file
    written: bytes  # the de-identified instance as written


@functools.cache
def _outcomes() -> dict[str, Outcome]:
    deidentifier = DicomDeidentifier(secret=SECRET)
    outcomes = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the test files carry a few invalid values on purpose
        for path in base_paths():
            planted = plant(path)
            source = from_bytes(to_bytes(planted.dataset))
            result = deidentifier.deidentify(source, site="site-leak")
            assert not result.quarantined, (path.name, result.reason)
            assert result.dataset is not None
            outcomes[path.name] = Outcome(planted, source, to_bytes(result.dataset))
    return outcomes


def _names() -> list[str]:
    return [path.name for path in base_paths()]


def test_corpus_has_the_files_it_needs() -> None:
    names = set(_names())
    assert {"CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "test-SR.dcm"} <= names
    assert len(names) >= 12


@pytest.mark.parametrize("name", _names())
def test_no_planted_identifier_survives_in_the_written_file(name: str) -> None:
    outcome = _outcomes()[name]
    source_bytes = to_bytes(outcome.planted.dataset)
    planted_in_input = [needle for needle in outcome.planted.needles if needle in source_bytes]
    assert len(planted_in_input) == len(outcome.planted.needles)  # the corpus really plants them
    leaks = [needle for needle in outcome.planted.needles if needle in outcome.written]
    assert leaks == []


@pytest.mark.parametrize("name", _names())
def test_no_original_uid_name_or_date_survives(name: str) -> None:
    """Beyond the planted values: every UID, person name and full date the file came with."""
    outcome = _outcomes()[name]
    found = []
    for element in [*elements(outcome.source), *elements(outcome.source.file_meta)]:
        for value in element_values(element):
            if element.VR == "UI":
                if value.startswith("1.2.840.10008.") or PYDICOM_IMPLEMENTATION_UID.startswith(
                    value
                ):
                    continue
                candidates = [value]
            elif element.VR == "PN":
                candidates = [
                    part
                    for part in value.replace("^", " ").replace("=", " ").split()
                    if len(part) >= 4
                ]
            elif element.VR in ("DA", "DT"):
                candidates = [value] if len(value) >= 8 else []
            else:
                continue
            found += [(element.keyword, c) for c in candidates if c.encode() in outcome.written]
    assert found == []


@pytest.mark.parametrize("name", _names())
def test_pydicom_rereads_the_output_and_pixels_are_unchanged(name: str) -> None:
    outcome = _outcomes()[name]
    output = from_bytes(outcome.written)
    assert not [element for element in elements(output) if element.tag.is_private]
    assert output.PatientIdentityRemoved == "YES"
    assert output.file_meta.MediaStorageSOPInstanceUID == output.SOPInstanceUID
    assert output.file_meta.TransferSyntaxUID == outcome.source.file_meta.TransferSyntaxUID
    if "PixelData" in outcome.source:
        assert output.PixelData == outcome.source.PixelData
    for element in elements(output):
        assert element.VR != "UN"
        assert not 0x6000 <= element.tag.group <= 0x60FF
        assert not 0x5000 <= element.tag.group <= 0x50FF
        assert element.keyword != "IconImageSequence"
