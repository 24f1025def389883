"""Retain Safe Private Option (113111): PS3.15 Table E.3.10-1, keyed by private creator."""

from __future__ import annotations

import warnings

import pydicom
import pytest
from deid_support import TEST_FILES, elements, from_bytes, to_bytes
from pydicom import Dataset
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.sequence import Sequence
from pydicom.tag import Tag

from consilium.deid import DeidPolicy, DicomDeidentifier, uid_remap
from consilium.deid.private import safe_private_table

SITE = "site-private"
CSA_NAME = b"Csaheaderson^Wilhelmina"
NQ_UID = "1.2.826.0.1.3680043.2.1125.4242.1"


def _deid(dataset: Dataset, secret: bytes, *, retain: bool) -> Dataset:
    policy = DeidPolicy(retain_safe_private=retain)
    result = DicomDeidentifier(secret=secret, policy=policy).deidentify(dataset, site=SITE)
    assert result.dataset is not None
    return result.dataset


def _private(dataset: Dataset) -> dict[int, object]:
    return {int(element.tag): element.value for element in dataset if element.tag.is_private}


def _vendor_instance() -> Dataset:
    """An MR instance with safe, unsafe and look-alike private elements from several vendors."""
    dataset = pydicom.dcmread(TEST_FILES / "MR_small.dcm")
    for element in [element for element in dataset if element.tag.is_private]:
        del dataset[element.tag]
    add = dataset.add
    # SIEMENS MR HEADER in block 0x10 of group 0019
    add(DataElement(0x00190010, "LO", "SIEMENS MR HEADER"))
    add(DataElement(0x0019100C, "IS", "1000"))  # B Value: listed, IS
    add(DataElement(0x0019100E, "FD", [0.0, 0.6, 0.8]))  # Diffusion Gradient Direction
    add(DataElement(0x0019100D, "LO", "DIRECTIONAL"))  # listed as CS: wrong VR, removed
    add(DataElement(0x00191008, "CS", "IMAGE NUM 4"))  # not listed, same block: removed
    # another vendor's block in the same group, same offsets
    add(DataElement(0x00190011, "LO", "ACME MR HEADER"))
    add(DataElement(0x0019110C, "IS", "1000"))
    # GE uses offset 0x27 of group 0019 for something else than Siemens (DS, not FD)
    add(DataElement(0x00190012, "LO", "GEMS_ACQU_01"))
    add(DataElement(0x00191227, "DS", "0.5"))  # Rotation Speed
    add(DataElement(0x0019129E, "LO", "epi2_diff"))  # Internal Pulse Sequence Name
    # the Siemens CSA header: OB that embeds the patient's name; never safe
    add(DataElement(0x00290010, "LO", "SIEMENS CSA HEADER"))
    add(DataElement(0x00291010, "OB", b"SV10\x04\x03\x02\x01" + CSA_NAME + b"\x00"))
    # listed in the table, but long text and bulk binary: not retained
    add(DataElement(0x00990010, "LO", "NQHeader"))
    add(DataElement(0x00991005, "LT", "Report for Csaheaderson"))
    add(DataElement(0x00991002, "UI", NQ_UID))  # Analyzed Series UID: retained, remapped
    add(DataElement(0x7E010010, "LO", "HOLOGIC, Inc."))
    add(DataElement(0x7E011012, "OB", b"codec" + CSA_NAME))
    # a listed DS whose value is not a number
    add(DataElement(0x70530010, "LO", "Philips PET Private Group"))
    add(DataElement(0x70531000, "DS", "1.5"))
    # as pydicom reads an invalid DS from a file: the text, undecoded
    dataset[0x70531009] = RawDataElement(Tag(0x70531009), "DS", 12, b"Csaheaderson", 0, False, True)
    return dataset


def test_the_table_is_keyed_by_creator_group_and_offset() -> None:
    table = safe_private_table()
    assert len(table) == 130
    siemens = table[("SIEMENS MR HEADER", 0x0019, 0x27)]
    ge = table[("GEMS_ACQU_01", 0x0019, 0x27)]
    assert (siemens.vr, siemens.meaning) == ("FD", "B Matrix")
    assert (ge.vr, ge.meaning) == ("DS", "Rotation Speed (Gantry Period)")
    assert table[("Philips Imaging DD 001", 0x2001, 0x03)].meaning == "Diffusion B-Factor"
    assert not any("CSA" in creator for creator, _, _ in table)
    assert not table[("HOLOGIC, Inc.", 0x7E01, 0x12)].retained  # OB
    assert table[("NQHeader", 0x0099, 0x02)].retained  # UI


def test_without_the_option_every_private_element_goes(secret: bytes) -> None:
    assert _private(_deid(_vendor_instance(), secret, retain=False)) == {}


def test_safe_elements_are_retained_with_their_creators_and_nothing_else(secret: bytes) -> None:
    out = _deid(_vendor_instance(), secret, retain=True)
    assert _private(out) == {
        0x00190010: "SIEMENS MR HEADER",
        0x0019100C: "1000",
        0x0019100E: [0.0, 0.6, 0.8],
        0x00190012: "GEMS_ACQU_01",
        0x00191227: "0.5",
        0x0019129E: "epi2_diff",
        0x00990010: "NQHeader",
        0x00991002: uid_remap(NQ_UID, secret=secret),
        0x70530010: "Philips PET Private Group",
        0x70531000: "1.5",
    }
    codes = [item.CodeValue for item in out.DeidentificationMethodCodeSequence]
    assert "113111" in codes
    written = to_bytes(out)
    assert CSA_NAME not in written and b"Csaheaderson" not in written
    assert NQ_UID.encode() not in written
    reread = from_bytes(written)
    assert reread[0x0019100C].value == 1000  # still means B Value once read back


def test_a_safe_element_is_retained_only_under_its_own_creator_at_its_own_level(
    secret: bytes,
) -> None:
    dataset = _vendor_instance()
    item = Dataset()
    item.add(DataElement(0x00190010, "LO", "SIEMENS MR HEADER"))
    item.add(DataElement(0x0019100C, "IS", "500"))
    orphan = Dataset()  # its creator is only at the top level, not in this item
    orphan.add(DataElement(0x0019100C, "IS", "700"))
    dataset.MRDiffusionSequence = Sequence([item, orphan])
    out = _deid(dataset, secret, retain=True)
    nested, stray = out.MRDiffusionSequence
    assert _private(nested) == {0x00190010: "SIEMENS MR HEADER", 0x0019100C: "500"}
    assert _private(stray) == {}


def test_a_retained_private_sequence_is_cleaned_inside(secret: bytes) -> None:
    dataset = _vendor_instance()
    inner = Dataset()
    inner.PatientName = "Csaheaderson^Wilhelmina"
    inner.add(DataElement(0x7E010010, "LO", "HOLOGIC, Inc."))
    inner.add(DataElement(0x7E011001, "LO", "v2.1"))  # Codec Version
    inner.add(DataElement(0x7E011012, "OB", b"codec content"))
    dataset.add(DataElement(0x7E011010, "SQ", Sequence([inner])))  # High Resolution Data
    out = _deid(dataset, secret, retain=True)
    retained = out[0x7E011010].value[0]
    assert str(retained.PatientName) == ""
    assert _private(retained) == {0x7E010010: "HOLOGIC, Inc.", 0x7E011001: "v2.1"}


def test_a_real_ge_ct_keeps_its_listed_attributes_only(secret: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = pydicom.dcmread(TEST_FILES / "CT_small.dcm")
    listed = {0x00191023, 0x00191024, 0x00191027, 0x00251007, 0x00431027}
    assert listed <= {int(element.tag) for element in dataset}
    out = _deid(dataset, secret, retain=True)
    retained = {tag for tag in _private(out) if tag & 0xFF00}
    assert retained == listed
    assert out[0x00431027].value == dataset[0x00431027].value  # GEMS_PARM_01 Scan Pitch Ratio
    creators = {str(value) for tag, value in _private(out).items() if not tag & 0xFF00}
    assert creators == {"GEMS_ACQU_01", "GEMS_SERS_01", "GEMS_PARM_01"}


@pytest.mark.parametrize("vr", ["UN", "OB"])
def test_a_listed_element_that_arrives_as_unknown_or_binary_is_removed(
    vr: str, secret: bytes
) -> None:
    dataset = _vendor_instance()
    del dataset[0x0019100C]
    dataset.add(DataElement(0x0019100C, vr, b"1000"))
    out = _deid(dataset, secret, retain=True)
    assert 0x0019100C not in out
    assert not [element for element in elements(out) if element.VR == "UN"]
