"""Instances whose pixels may show identifying text are quarantined, not de-identified."""

from __future__ import annotations

import pydicom
import pytest
from deid_support import TEST_FILES
from pydicom import Dataset

from consilium.deid import DeidPolicy, DicomDeidentifier

ULTRASOUND = "1.2.840.10008.5.1.4.1.1.6.1"
PATIENT = "Quarantinedson^Philippa"


def _instance(*, modality: str, sop_class: str | None = None, burned_in: str | None) -> Dataset:
    dataset = pydicom.dcmread(TEST_FILES / "CT_small.dcm")
    dataset.PatientName = PATIENT
    dataset.PatientID = "QID-7781"
    dataset.Modality = modality
    if sop_class is not None:
        dataset.SOPClassUID = sop_class
    if burned_in is not None:
        dataset.BurnedInAnnotation = burned_in
    return dataset


def _run(dataset: Dataset, secret: bytes, trust: frozenset[str] = frozenset()):  # type: ignore[no-untyped-def]
    policy = DeidPolicy(trust_burned_in_no=trust)
    return DicomDeidentifier(secret=secret, policy=policy).deidentify(dataset, site="s")


def _assert_quarantined(result, dataset: Dataset) -> None:  # type: ignore[no-untyped-def]
    assert result.quarantined
    assert result.dataset is None
    assert result.reason
    assert PATIENT.split("^")[0] not in result.reason and "QID-7781" not in result.reason
    assert result.original.patient_id == "QID-7781"
    assert result.original.sop_instance_uid == dataset.SOPInstanceUID
    assert result.pseudonym.startswith("CSL-")


def test_burned_in_annotation_yes_is_quarantined_whatever_the_modality(secret: bytes) -> None:
    dataset = _instance(modality="CT", burned_in="YES")
    result = _run(dataset, secret, trust=frozenset({"CT", "US"}))
    _assert_quarantined(result, dataset)
    assert "BurnedInAnnotation" in result.reason


@pytest.mark.parametrize(
    ("modality", "sop_class"),
    [
        ("US", ULTRASOUND),
        ("US", None),
        ("OT", "1.2.840.10008.5.1.4.1.1.7"),  # Secondary Capture
        ("XC", None),
        ("ES", None),
    ],
)
@pytest.mark.parametrize("burned_in", [None, "NO"])
def test_burn_in_prone_kinds_are_quarantined_without_trust(
    modality: str, sop_class: str | None, burned_in: str | None, secret: bytes
) -> None:
    dataset = _instance(modality=modality, sop_class=sop_class, burned_in=burned_in)
    _assert_quarantined(_run(dataset, secret), dataset)


def test_the_real_secondary_capture_file_is_quarantined(secret: bytes) -> None:
    dataset = pydicom.dcmread(TEST_FILES / "SC_rgb_small_odd.dcm")
    result = _run(dataset, secret)
    assert result.quarantined and result.dataset is None


def test_trusted_no_lets_an_ultrasound_pass(secret: bytes) -> None:
    dataset = _instance(modality="US", sop_class=ULTRASOUND, burned_in="NO")
    result = _run(dataset, secret, trust=frozenset({"US"}))
    assert not result.quarantined
    assert result.dataset is not None and result.reason is None
    assert result.dataset.PixelData == dataset.PixelData


def test_trust_needs_an_explicit_no(secret: bytes) -> None:
    dataset = _instance(modality="US", sop_class=ULTRASOUND, burned_in=None)
    _assert_quarantined(_run(dataset, secret, trust=frozenset({"US"})), dataset)


def test_trust_for_one_modality_does_not_cover_another(secret: bytes) -> None:
    dataset = _instance(modality="US", sop_class=ULTRASOUND, burned_in="NO")
    _assert_quarantined(_run(dataset, secret, trust=frozenset({"SC"})), dataset)


def test_ct_passes(secret: bytes) -> None:
    result = _run(_instance(modality="CT", burned_in=None), secret)
    assert not result.quarantined and result.dataset is not None
