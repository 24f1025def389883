"""What the profile does to particular attributes, and what each policy option changes."""

from __future__ import annotations

import copy
import re
import warnings
from datetime import date

import pytest
from deid_support import (
    PATIENT_ID,
    PLANTED_DATES,
    PLANTED_UIDS,
    REFERENCED_SERIES_UID,
    REFERENCED_SOP_UID,
    TEST_FILES,
    from_bytes,
    plant,
    to_bytes,
)
from pydicom import Dataset

from consilium.deid import (
    DeidPolicy,
    DicomDeidentifier,
    date_shift_days,
    pseudonymous_patient_id,
    uid_remap,
)
from consilium.deid.profile import profile_entry, resolve_action

SITE = "site-a"


@pytest.fixture
def planted_ct() -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return from_bytes(to_bytes(plant(TEST_FILES / "CT_small.dcm").dataset))


def _deid(dataset: Dataset, secret: bytes, **policy: object) -> Dataset:
    result = DicomDeidentifier(secret=secret, policy=DeidPolicy(**policy)).deidentify(  # type: ignore[arg-type]
        dataset, site=SITE
    )
    assert result.dataset is not None
    return result.dataset


def _day(value: str) -> date:
    return date(int(value[:4]), int(value[4:6]), int(value[6:8]))


def test_uid_remap_is_a_deterministic_uuid_derived_uid(secret: bytes) -> None:
    uid = uid_remap("1.2.3.4", secret=secret)
    assert re.fullmatch(r"2\.25\.[1-9]\d*", uid)
    assert len(uid) <= 64
    assert uid == uid_remap("1.2.3.4 \x00", secret=secret)
    assert uid != uid_remap("1.2.3.5", secret=secret)
    assert uid != uid_remap("1.2.3.4", secret=secret + b"x")


def test_pseudonym_is_stable_per_site_and_patient(secret: bytes) -> None:
    one = pseudonymous_patient_id("123", site="a", secret=secret)
    assert one == pseudonymous_patient_id("123", site="a", secret=secret)
    assert one != pseudonymous_patient_id("123", site="b", secret=secret)
    assert one != pseudonymous_patient_id("124", site="a", secret=secret)
    assert 1 <= date_shift_days("123", site="a", secret=secret) <= 365


def test_compound_codes_resolve_by_attribute_type() -> None:
    assert resolve_action("X/Z/U*", 1) == "U"
    assert resolve_action("X/Z/U*", 2) == "Z"
    assert resolve_action("X/Z/U*", 3) == "X"
    assert resolve_action("X/Z/D", 1) == "D"
    assert resolve_action("Z/D", 3) == "Z"
    assert resolve_action("X/D", 2) == "D"
    repeating = profile_entry(0x60043000)  # Overlay Data of group 6004
    assert repeating is not None and repeating.basic == "X"
    assert profile_entry(0x00100010) is not None


def test_identifying_attributes(planted_ct: Dataset, secret: bytes) -> None:
    out = _deid(planted_ct, secret)
    pseudonym = pseudonymous_patient_id(PATIENT_ID, site=SITE, secret=secret)
    assert out.PatientID == pseudonym
    assert str(out.PatientName) == pseudonym
    assert out.PatientBirthDate == ""
    assert out.AccessionNumber == ""
    assert out.ReferringPhysicianName == ""
    for keyword in (
        "InstitutionName",
        "OperatorsName",
        "OtherPatientIDsSequence",
        "RequestAttributesSequence",
        "StudyDescription",
        "PatientAddress",
        "DeviceSerialNumber",
        "StationName",
    ):
        assert keyword not in out
    assert out.PatientAge == "090Y"
    assert out.PatientSex == planted_ct.PatientSex  # a patient characteristic, kept


def test_uids_are_remapped_consistently_and_references_kept(
    planted_ct: Dataset, secret: bytes
) -> None:
    out = _deid(planted_ct, secret)
    for keyword, original in PLANTED_UIDS.items():
        assert getattr(out, keyword) == uid_remap(original, secret=secret)
    assert out.file_meta.MediaStorageSOPInstanceUID == out.SOPInstanceUID
    assert out.SOPClassUID == planted_ct.SOPClassUID
    series = out.ReferencedSeriesSequence[0]
    assert series.SeriesInstanceUID == uid_remap(REFERENCED_SERIES_UID, secret=secret)
    image = series.ReferencedImageSequence[0]
    assert image.ReferencedSOPInstanceUID == uid_remap(REFERENCED_SOP_UID, secret=secret)
    assert image.ReferencedSOPClassUID == "1.2.840.10008.5.1.4.1.1.2"


def test_dates_shift_by_one_offset_and_keep_intervals(planted_ct: Dataset, secret: bytes) -> None:
    out = _deid(planted_ct, secret)
    offset = date_shift_days(PATIENT_ID, site=SITE, secret=secret)
    for keyword in ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate"):
        original = _day(PLANTED_DATES[keyword])
        assert (original - _day(getattr(out, keyword))).days == offset
    assert out.StudyTime == planted_ct.StudyTime
    assert out.LongitudinalTemporalInformationModified == "MODIFIED"
    deep = out.ContentSequence[0].ContentSequence[0].ContentSequence[0]
    assert (_day("19870203") - _day(deep.DateTime[:8])).days == offset
    assert deep.DateTime[8:] == "101500"


def test_dates_removed_without_the_longitudinal_option(planted_ct: Dataset, secret: bytes) -> None:
    out = _deid(planted_ct, secret, retain_longitudinal_dates=False)
    assert out.StudyDate == ""  # Type 2: zero length
    assert "AcquisitionDate" not in out  # Type 3: removed
    assert out.LongitudinalTemporalInformationModified == "REMOVED"
    codes = [item.CodeValue for item in out.DeidentificationMethodCodeSequence]
    assert "113107" not in codes


def test_method_is_recorded(planted_ct: Dataset, secret: bytes) -> None:
    out = _deid(planted_ct, secret)
    codes = [item.CodeValue for item in out.DeidentificationMethodCodeSequence]
    assert codes == ["113100", "113107", "113108"]
    assert all(
        item.CodingSchemeDesignator == "DCM" for item in out.DeidentificationMethodCodeSequence
    )
    assert out.PatientIdentityRemoved == "YES"
    everything = _deid(planted_ct, secret, clean_descriptors=True, retain_safe_private=True)
    codes = [item.CodeValue for item in everything.DeidentificationMethodCodeSequence]
    assert {"113100", "113105", "113107", "113111"} <= set(codes)


def test_clean_descriptors_keeps_cleaned_text(planted_ct: Dataset, secret: bytes) -> None:
    out = _deid(planted_ct, secret, clean_descriptors=True)
    assert out.StudyDescription.startswith("CT for")
    assert "Quaxworth" not in out.StudyDescription
    assert "Havisham" not in out.PatientComments


def test_the_input_is_not_mutated(planted_ct: Dataset, secret: bytes) -> None:
    before = copy.deepcopy(planted_ct)
    _deid(planted_ct, secret, clean_descriptors=True)
    assert planted_ct == before
    assert planted_ct.file_meta == before.file_meta


def test_dataset_without_file_meta_gets_one(secret: bytes) -> None:
    dataset = Dataset()
    dataset.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    dataset.SOPInstanceUID = "1.2.3.4.5"
    dataset.StudyInstanceUID = "1.2.3.4"
    dataset.SeriesInstanceUID = "1.2.3.4.1"
    dataset.PatientID = "X1"
    dataset.Modality = "CT"
    out = _deid(dataset, secret)
    assert out.file_meta.MediaStorageSOPInstanceUID == uid_remap("1.2.3.4.5", secret=secret)
    assert from_bytes(to_bytes(out)).PatientID == out.PatientID


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret"):
        DicomDeidentifier(secret=b"")
