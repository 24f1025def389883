"""Content negotiation: what each kind of WADO-RS answer makes of an Accept header."""

from __future__ import annotations

import pytest

from consilium.dicomweb.accept import (
    AcceptError,
    accept_parse,
    accepts_dicom_json,
    instance_acceptance,
    pixel_acceptance,
    rendered_media_type,
)

EXPLICIT_LE = "1.2.840.10008.1.2.1"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"


def test_ranges_are_ordered_by_q_and_q_zero_is_dropped() -> None:
    ranges = accept_parse('image/png;q=0.5, image/jpeg, image/gif;q=0, text/plain; q="0.7"')
    assert [r.media_type for r in ranges] == ["image/jpeg", "text/plain", "image/png"]


def test_quoted_parameters_may_hold_commas_and_semicolons() -> None:
    (only,) = accept_parse('multipart/related; type="application/dicom"; note="a,b;c"')
    assert only.multipart_type == "application/dicom" and only.params["note"] == "a,b;c"


def test_a_malformed_header_is_an_error() -> None:
    with pytest.raises(AcceptError):
        accept_parse("dicom")
    with pytest.raises(AcceptError):
        accept_parse("image/png; q=high")


@pytest.mark.parametrize(
    ("header", "stored", "chosen"),
    [
        (None, JPEG_BASELINE, EXPLICIT_LE),
        ('multipart/related; type="application/dicom"', JPEG_BASELINE, EXPLICIT_LE),
        (
            'multipart/related; type="application/dicom"; transfer-syntax=*',
            JPEG_BASELINE,
            JPEG_BASELINE,
        ),
        (
            f"multipart/related; type=application/dicom; transfer-syntax={JPEG_BASELINE}",
            JPEG_BASELINE,
            JPEG_BASELINE,
        ),
        (
            f"multipart/related; type=application/dicom; transfer-syntax={JPEG_BASELINE}",
            EXPLICIT_LE,
            None,
        ),
        ("*/*", EXPLICIT_LE, EXPLICIT_LE),
    ],
)
def test_instances_go_out_in_the_transfer_syntax_asked(header, stored, chosen) -> None:
    acceptance = instance_acceptance(accept_parse(header))
    assert acceptance is not None and acceptance.choose(stored) == chosen


def test_instances_are_not_offered_as_other_types() -> None:
    assert instance_acceptance(accept_parse('multipart/related; type="image/jpeg"')) is None
    assert instance_acceptance(accept_parse("application/dicom+json")) is None


def test_pixel_data_uncompressed_or_as_stored() -> None:
    default = pixel_acceptance(accept_parse(None))
    assert default.uncompressed and default.stored_form_media_type(JPEG_BASELINE) is None
    anything = pixel_acceptance(accept_parse("*/*; transfer-syntax=*"))
    assert anything.stored_form_media_type(JPEG_BASELINE) == "image/jpeg"
    jpeg = pixel_acceptance(accept_parse('multipart/related; type="image/jpeg"'))
    assert not jpeg.uncompressed and jpeg.stored_form_media_type(JPEG_BASELINE) == "image/jpeg"
    rle = pixel_acceptance(accept_parse('multipart/related; type="image/x-dicom-rle"'))
    assert rle.stored_form_media_type("1.2.840.10008.1.2.5") == "image/dicom-rle"
    assert pixel_acceptance(accept_parse("text/html")) is None


@pytest.mark.parametrize(
    ("header", "media_type"),
    [
        (None, "image/jpeg"),
        ("image/*", "image/jpeg"),
        ("image/png, image/jpeg;q=0.5", "image/png"),
        ("image/gif", "image/gif"),
        ("application/pdf", None),
    ],
)
def test_rendered_media_type(header, media_type) -> None:
    assert rendered_media_type(accept_parse(header)) == media_type


def test_dicom_json_is_accepted_by_wildcards_and_plain_json() -> None:
    assert accepts_dicom_json(accept_parse(None))
    assert accepts_dicom_json(accept_parse("application/json"))
    assert not accepts_dicom_json(accept_parse("application/dicom+xml"))
