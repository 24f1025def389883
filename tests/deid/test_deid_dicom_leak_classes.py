"""The leak classes of the de-identification issue that the planted corpus does not already pin.

Where each class is tested:

- Table E.1-1 attributes at depth 1, 2 and 3 inside sequences the table does not list: here;
- OtherPatientIDsSequence, RequestAttributesSequence: test_deid_dicom_leaks (planted, every
  corpus file) and test_deid_dicom_profile (removed); RequestAttributesSequence under Clean
  Descriptors: test_deid_dicom_content;
- VerifyingObserverSequence: here; real observer names (test-SR.dcm): test_deid_dicom_files;
- private blocks at top level and nested, private sequences, UN: test_deid_dicom_leaks
  (planted, and no private or UN element in the re-read output); retained ones:
  test_deid_dicom_private;
- file meta (source AE title, media storage UID): test_deid_dicom_leaks;
- PatientAge over 89: test_deid_dicom_profile (top level) and here (nested, every unit);
- DA, DT and TM, nested and multi-valued: here; test_deid_dicom_profile (top level, DT at depth 3);
- UIDs consistent across files and processes, references remapped: test_deid_processes and
  test_deid_dicom_profile;
- free text in ImageComments, StudyDescription: test_deid_dicom_leaks (planted); SR content and
  annotations: test_deid_dicom_content;
- burned-in annotation: test_deid_quarantine;
- every file pydicom and pydicom-data ship: test_deid_dicom_files.
"""

from __future__ import annotations

import warnings
from datetime import date

import pydicom
import pytest
from deid_support import TEST_FILES, from_bytes, to_bytes
from pydicom import Dataset
from pydicom.sequence import Sequence

from consilium.deid import DeidPolicy, DicomDeidentifier, date_shift_days, uid_remap
from consilium.deid.values import DUMMY_TEXT

SITE = "site-classes"
PATIENT_ID = "CLS-PID-3321"
NESTED_STUDY_UID = "1.2.826.0.1.3680043.2.1125.6161.1"


def _instance() -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = pydicom.dcmread(TEST_FILES / "MR_small.dcm")
    dataset.PatientID = PATIENT_ID
    return dataset


def _deid(dataset: Dataset, secret: bytes, **options: bool) -> Dataset:
    deidentifier = DicomDeidentifier(secret=secret, policy=DeidPolicy(**options))
    result = deidentifier.deidentify(dataset, site=SITE)
    assert result.dataset is not None
    return from_bytes(to_bytes(result.dataset))


def _day(value: str) -> date:
    return date(int(value[:4]), int(value[4:6]), int(value[6:8]))


def _offset(secret: bytes) -> int:
    return date_shift_days(PATIENT_ID, site=SITE, secret=secret)


def test_table_attributes_inside_unlisted_sequences_at_depth_one_two_and_three(
    secret: bytes,
) -> None:
    """Per-frame functional groups, frame content and diffusion: none of them is in the table."""
    dataset = _instance()
    depth3 = Dataset()
    depth3.PatientBirthDate = "19410307"
    depth3.OtherPatientIDs = "OPID-DEPTH3"
    depth3.ReferringPhysicianName = "Drummlesby^Bentley"
    depth3.PatientAddress = "9 Depthcote Lane"
    depth3.DiffusionBValue = 1000.0
    depth2 = Dataset()
    depth2.OperatorsName = "Pumblewick^Uncle"
    depth2.DeviceSerialNumber = "SN-DEPTH2"
    depth2.FrameAcquisitionDateTime = "20190304101500"
    depth2.MRDiffusionSequence = Sequence([depth3])
    depth1 = Dataset()
    depth1.PatientName = "Quaxdepth^Zebulon"
    depth1.InstitutionName = "Depthford Infirmary"
    depth1.AccessionNumber = "ACC-DEPTH1"
    depth1.StudyInstanceUID = NESTED_STUDY_UID
    depth1.FrameContentSequence = Sequence([depth2])
    dataset.PerFrameFunctionalGroupsSequence = Sequence([depth1])

    out = _deid(dataset, secret)
    written = to_bytes(out)
    for needle in (
        b"Quaxdepth",
        b"Depthford",
        b"ACC-DEPTH1",
        NESTED_STUDY_UID.encode(),
        b"Pumblewick",
        b"SN-DEPTH2",
        b"20190304",
        b"19410307",
        b"OPID-DEPTH3",
        b"Drummlesby",
        b"Depthcote",
    ):
        assert needle not in written, needle
    first = out.PerFrameFunctionalGroupsSequence[0]
    assert first.PatientName == "" and first.AccessionNumber == ""  # Z
    assert "InstitutionName" not in first  # X
    assert first.StudyInstanceUID == uid_remap(NESTED_STUDY_UID, secret=secret)  # U
    second = first.FrameContentSequence[0]
    assert "OperatorsName" not in second and "DeviceSerialNumber" not in second
    assert (date(2019, 3, 4) - _day(second.FrameAcquisitionDateTime)).days == _offset(secret)
    third = second.MRDiffusionSequence[0]
    assert third.PatientBirthDate == "" and third.ReferringPhysicianName == ""
    assert "OtherPatientIDs" not in third and "PatientAddress" not in third
    assert third.DiffusionBValue == 1000.0  # what the model needs stays


def test_verifying_observer_sequence(secret: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = pydicom.dcmread(TEST_FILES / "test-SR.dcm")
    dataset.PatientID = PATIENT_ID
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "ID-7731", "L", "Verifier"
    observer = Dataset()
    observer.VerifyingObserverName = "Verifyson^Agatha"
    observer.VerifyingOrganization = "Verifyshire General"
    observer.VerificationDateTime = "20190305120000"
    observer.VerifyingObserverIdentificationCodeSequence = Sequence([code])
    dataset.VerifyingObserverSequence = Sequence([observer])

    out = _deid(dataset, secret).VerifyingObserverSequence[0]
    assert out.VerifyingObserverName == DUMMY_TEXT  # D
    assert out.VerifyingOrganization == DUMMY_TEXT  # D
    assert len(out.VerifyingObserverIdentificationCodeSequence) == 0  # Z
    assert (date(2019, 3, 5) - _day(out.VerificationDateTime)).days == _offset(secret)
    assert out.VerificationDateTime[8:] == "120000"


def _calibrated(dataset: Dataset) -> Dataset:
    equipment = Dataset()  # Contributing Equipment Sequence: not in the table
    equipment.DateOfLastCalibration = ["20010203", "20020304"]  # listed, DA, multi-valued
    equipment.TimeOfLastCalibration = ["101500", "111500"]  # listed, TM, multi-valued
    equipment.DateOfGainCalibration = "20030405"  # not listed, DA
    equipment.StudyUpdateDateTime = "20190304101500.25+0100"  # not listed, DT with an offset
    equipment.Manufacturer = "ACME"
    dataset.ContributingEquipmentSequence = Sequence([equipment])
    return dataset


def test_nested_multi_valued_dates_shift_by_the_patient_offset_and_times_stay(
    secret: bytes,
) -> None:
    out = _deid(_calibrated(_instance()), secret).ContributingEquipmentSequence[0]
    offset = _offset(secret)
    assert [
        (original - _day(value)).days
        for original, value in zip(
            (date(2001, 2, 3), date(2002, 3, 4)), out.DateOfLastCalibration, strict=True
        )
    ] == [offset, offset]
    assert out.TimeOfLastCalibration == ["101500", "111500"]
    assert (date(2003, 4, 5) - _day(out.DateOfGainCalibration)).days == offset
    assert (date(2019, 3, 4) - _day(out.StudyUpdateDateTime)).days == offset
    assert out.StudyUpdateDateTime[8:] == "101500.25+0100"


def test_nested_dates_go_without_the_longitudinal_option(secret: bytes) -> None:
    out = _deid(_calibrated(_instance()), secret, retain_longitudinal_dates=False)
    equipment = out.ContributingEquipmentSequence[0]
    for keyword in (
        "DateOfLastCalibration",
        "TimeOfLastCalibration",
        "DateOfGainCalibration",
        "StudyUpdateDateTime",
    ):
        assert keyword not in equipment
    assert equipment.Manufacturer == "ACME"
    assert b"20010203" not in to_bytes(out) and b"20030405" not in to_bytes(out)


@pytest.mark.filterwarnings("ignore::UserWarning")  # the invalid value is the point
def test_a_date_that_cannot_be_parsed_is_emptied_not_kept(secret: bytes) -> None:
    dataset = _calibrated(_instance())
    dataset.ContributingEquipmentSequence[0].DateOfGainCalibration = "2003-04-05"
    out = _deid(dataset, secret).ContributingEquipmentSequence[0]
    assert out.DateOfGainCalibration == ""


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    ("age", "reported"),
    [
        ("095Y", "090Y"),
        ("090Y", "090Y"),
        ("089Y", "089Y"),
        ("999M", "999M"),  # 83 years
        ("999W", "999W"),
        ("045D", "045D"),
        ("95Y", ""),  # not an AS value: emptied
    ],
)
def test_nested_ages_over_89_are_aggregated_in_every_unit(
    age: str, reported: str, secret: bytes
) -> None:
    dataset = _instance()
    dataset.PatientAge = age
    context = Dataset()
    context.PatientAge = age
    dataset.ContributingEquipmentSequence = Sequence([context])
    out = _deid(dataset, secret)
    assert out.PatientAge == reported
    assert out.ContributingEquipmentSequence[0].PatientAge == reported
