"""Free text inside sequences: SR content (113104), annotations (113103), requests (113105).

Without an option the Basic Profile's D replaces the text with a dummy; with it, the note
de-identifier cleans the text (names, dates, ids go; the clinical words stay), and the instance's
own names and ids are taken out even where they are ordinary words.
"""

from __future__ import annotations

import warnings
from datetime import date

import pydicom
import pytest
from deid_support import TEST_FILES, from_bytes, to_bytes
from pydicom import Dataset
from pydicom.dataelem import DataElement
from pydicom.sequence import Sequence

from consilium.deid import DeidPolicy, DicomDeidentifier, date_shift_days, uid_remap
from consilium.deid.values import DUMMY_TEXT

SITE = "site-content"
PATIENT_ID = "SR-PID-20417"
REPORT_TEXT = "Spiculated mass seen by Dr. Quaxworth on 03/04/2019, biopsy advised."
FAMILY_WORD_TEXT = "There is hope of a good response."  # the patient is called Hope
OBSERVER = "Wemmickley^Alfred"
ITEM_UID = "1.2.826.0.1.3680043.2.1125.5150.9"
ITEM_DATETIME = "20190304101500"
ANNOTATION = "Quaxworth 07/03/1941 left breast"


def _text_item(text: str) -> Dataset:
    item = Dataset()
    item.RelationshipType = "CONTAINS"
    item.ValueType = "TEXT"
    name = Dataset()
    name.CodeValue, name.CodingSchemeDesignator, name.CodeMeaning = "121071", "DCM", "Finding"
    item.ConceptNameCodeSequence = Sequence([name])
    item.TextValue = text
    return item


def _report() -> Dataset:
    """pydicom's test SR with a report paragraph at depth 1 and 3, a name, UID and date deeper."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = pydicom.dcmread(TEST_FILES / "test-SR.dcm")
    dataset.PatientID = PATIENT_ID
    dataset.PatientName = "Hope^Estella"
    dataset.OperatorsName = "Pumblechook^Uncle"
    deep = _text_item(REPORT_TEXT)
    observer = Dataset()
    observer.RelationshipType, observer.ValueType = "HAS OBS CONTEXT", "PNAME"
    observer.PersonName = OBSERVER
    stamped = Dataset()
    stamped.RelationshipType, stamped.ValueType = "CONTAINS", "DATETIME"
    stamped.DateTime = ITEM_DATETIME
    stamped.UID = ITEM_UID
    middle = Dataset()
    middle.RelationshipType, middle.ValueType = "CONTAINS", "CONTAINER"
    middle.ContentSequence = Sequence([deep, observer, stamped])
    outer = Dataset()
    outer.RelationshipType, outer.ValueType = "CONTAINS", "CONTAINER"
    outer.ContentSequence = Sequence([middle])
    dataset.ContentSequence = Sequence(
        [_text_item(FAMILY_WORD_TEXT), outer, *dataset.ContentSequence]
    )
    return dataset


def _presentation_state() -> Dataset:
    dataset = pydicom.dcmread(TEST_FILES / "CT_small.dcm")
    dataset.PatientID = PATIENT_ID
    dataset.PatientName = "Quaxworth^Zebulon"  # annotations usually repeat the header's name
    text = Dataset()
    text.UnformattedTextValue = ANNOTATION
    text.BoundingBoxAnnotationUnits = "PIXEL"
    text.BoundingBoxTopLeftHandCorner = [10.0, 10.0]
    text.BoundingBoxBottomRightHandCorner = [90.0, 20.0]
    text.BoundingBoxTextHorizontalJustification = "LEFT"
    graphic = Dataset()
    graphic.GraphicAnnotationUnits = "PIXEL"
    graphic.GraphicDimensions = 2
    graphic.NumberOfGraphicPoints = 2
    graphic.GraphicData = [10.0, 10.0, 50.0, 50.0]
    graphic.GraphicType = "POLYLINE"
    annotation = Dataset()
    annotation.GraphicLayer = "LAYER1"
    annotation.TextObjectSequence = Sequence([text])
    annotation.GraphicObjectSequence = Sequence([graphic])
    dataset.GraphicAnnotationSequence = Sequence([annotation])
    dataset.add(DataElement(0x60004000, "LT", "Overlay note on Quaxworth"))
    return dataset


def _deid(dataset: Dataset, secret: bytes, **options: bool) -> Dataset:
    deidentifier = DicomDeidentifier(secret=secret, policy=DeidPolicy(**options))
    result = deidentifier.deidentify(dataset, site=SITE)
    assert result.dataset is not None
    return from_bytes(to_bytes(result.dataset))


def _codes(dataset: Dataset) -> set[str]:
    return {item.CodeValue for item in dataset.DeidentificationMethodCodeSequence}


def _deep(dataset: Dataset) -> Sequence:
    return dataset.ContentSequence[1].ContentSequence[0].ContentSequence


@pytest.mark.parametrize("options", [{}, {"clean_descriptors": True}], ids=["basic", "descriptors"])
def test_sr_text_is_replaced_without_the_structured_content_option(
    options: dict[str, bool], secret: bytes
) -> None:
    out = _deid(_report(), secret, **options)
    deep_text, observer, stamped = _deep(out)
    assert out.ContentSequence[0].TextValue == DUMMY_TEXT
    assert deep_text.TextValue == DUMMY_TEXT
    assert observer.PersonName == DUMMY_TEXT
    assert uid_remap(ITEM_UID, secret=secret) == stamped.UID
    assert "113104" not in _codes(out)
    assert b"Quaxworth" not in to_bytes(out) and b"Wemmickley" not in to_bytes(out)


def test_clean_structured_content_keeps_the_report_without_its_identifiers(secret: bytes) -> None:
    out = _deid(_report(), secret, clean_structured_content=True)
    deep_text, observer, stamped = _deep(out)
    assert deep_text.TextValue.startswith("Spiculated mass seen by")
    assert "biopsy advised" in deep_text.TextValue
    assert "Quaxworth" not in deep_text.TextValue and "03/04/2019" not in deep_text.TextValue
    assert deep_text.ConceptNameCodeSequence[0].CodeMeaning == "Finding"
    assert observer.PersonName == DUMMY_TEXT  # a name is replaced, not cleaned
    assert uid_remap(ITEM_UID, secret=secret) == stamped.UID
    offset = date_shift_days(PATIENT_ID, site=SITE, secret=secret)
    shifted = date(
        int(stamped.DateTime[:4]), int(stamped.DateTime[4:6]), int(stamped.DateTime[6:8])
    )
    assert (date(2019, 3, 4) - shifted).days == offset
    assert "113104" in _codes(out)
    assert b"Wemmickley" not in to_bytes(out)


def test_cleaned_text_loses_the_instance_own_names_even_as_ordinary_words(secret: bytes) -> None:
    out = _deid(_report(), secret, clean_structured_content=True)
    cleaned = out.ContentSequence[0].TextValue
    assert "hope" not in cleaned.lower()
    assert cleaned.endswith("of a good response.")


def test_acquisition_context_text_follows_the_structured_content_option(secret: bytes) -> None:
    dataset = _report()
    context = _text_item("Contrast given by nurse Pumblechook")  # the header's operator
    dataset.AcquisitionContextSequence = Sequence([context])
    basic = _deid(dataset, secret)
    assert len(basic.AcquisitionContextSequence) == 0  # Type 2 in the IODs: zero length
    cleaned = _deid(dataset, secret, clean_structured_content=True)
    text = cleaned.AcquisitionContextSequence[0].TextValue
    assert text.startswith("Contrast given by") and "Pumblechook" not in text


def test_annotation_text_is_a_dummy_by_default_and_cleaned_with_clean_graphics(
    secret: bytes,
) -> None:
    basic = _deid(_presentation_state(), secret)
    annotation = basic.GraphicAnnotationSequence[0]
    assert annotation.TextObjectSequence[0].UnformattedTextValue == DUMMY_TEXT
    assert annotation.GraphicObjectSequence[0].GraphicData == [10.0, 10.0, 50.0, 50.0]
    assert "113103" not in _codes(basic)

    cleaned = _deid(_presentation_state(), secret, clean_graphics=True)
    text = cleaned.GraphicAnnotationSequence[0].TextObjectSequence[0].UnformattedTextValue
    assert text.endswith("left breast")
    assert "Quaxworth" not in text and "07/03/1941" not in text
    assert "113103" in _codes(cleaned)
    for out in (basic, cleaned):  # overlays go either way: their bitmaps are not cleaned
        assert not [element for element in out if 0x6000 <= element.tag.group <= 0x60FF]
        assert b"Quaxworth" not in to_bytes(out)


def test_request_attributes_are_cleaned_inside_under_clean_descriptors(secret: bytes) -> None:
    dataset = _presentation_state()
    request = Dataset()
    request.RequestedProcedureDescription = "Mammogram for Quaxworth"
    request.ScheduledProcedureStepDescription = "Screening, see Dr. Jaggersby"
    request.RequestedProcedureID = "RPID-7731"
    request.ReasonForTheRequestedProcedure = "Lump felt by Quaxworth"  # not listed in the table
    dataset.RequestAttributesSequence = Sequence([request])
    assert "RequestAttributesSequence" not in _deid(dataset, secret)
    out = _deid(dataset, secret, clean_descriptors=True).RequestAttributesSequence[0]
    assert out.RequestedProcedureDescription.startswith("Mammogram for")
    assert "Quaxworth" not in out.RequestedProcedureDescription
    assert "Jaggersby" not in out.ScheduledProcedureStepDescription
    assert "RequestedProcedureID" not in out
    assert out.ReasonForTheRequestedProcedure.startswith("Lump felt by")
    assert "Quaxworth" not in out.ReasonForTheRequestedProcedure
