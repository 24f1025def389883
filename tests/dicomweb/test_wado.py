"""WADO-RS through the real views: streamed instances, metadata, frames, bulk data, rendered."""

from __future__ import annotations

import io
import json

import numpy as np
import pydicom
import pytest
from django.http import StreamingHttpResponse
from PIL import Image
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from consilium.dicomweb.wado import bulk_data_threshold
from tests.dicomweb.conftest import stow
from tests.helpers import auth, dicom_testfile, multipart_parts, site_token

pytestmark = pytest.mark.django_db

EXPLICIT_LE = "1.2.840.10008.1.2.1"
DICOM_MULTIPART = 'multipart/related; type="application/dicom"'


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def dicom_parts(response) -> list[tuple[dict[str, str], pydicom.Dataset]]:
    return [
        (headers, pydicom.dcmread(io.BytesIO(content)))
        for headers, content in multipart_parts(response["Content-Type"], body_of(response))
    ]


def test_study_is_streamed_one_part_per_instance_in_explicit_vr_little_endian(
    client, stored
) -> None:
    study = stored.instances["CT_small.dcm"].series.study
    response = client.get(f"/dicomweb/studies/{study.study_instance_uid}", **stored.headers)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith('multipart/related; type="application/dicom"')
    parts = dicom_parts(response)
    expected = {i.sop_instance_uid for i in study.series.all() for i in i.instances.all()}
    assert {str(dataset.SOPInstanceUID) for _, dataset in parts} == expected
    for headers, dataset in parts:
        assert headers["content-type"] == f"application/dicom; transfer-syntax={EXPLICIT_LE}"
        assert dataset.file_meta.TransferSyntaxUID == EXPLICIT_LE
        assert dataset.PatientIdentityRemoved == "YES"
        assert str(dataset.PatientName) != str(stored.originals["CT_small.dcm"].PatientName)


def test_compressed_instance_is_decompressed_by_default_and_sent_as_stored_on_request(
    client, stored
) -> None:
    instance = stored.instances["MR2_J2KR.dcm"]
    url = stored.url("MR2_J2KR.dcm")
    ((headers, decoded),) = dicom_parts(client.get(url, **stored.headers))
    assert decoded.file_meta.TransferSyntaxUID == EXPLICIT_LE
    response = client.get(
        url, HTTP_ACCEPT=f"{DICOM_MULTIPART}; transfer-syntax=*", **stored.headers
    )
    ((headers, content),) = multipart_parts(response["Content-Type"], body_of(response))
    assert (
        headers["content-type"]
        == f"application/dicom; transfer-syntax={instance.transfer_syntax_uid}"
    )
    assert content == instance.file.open("rb").read()
    assert int(headers["content-length"]) == len(content)
    as_stored = pydicom.dcmread(io.BytesIO(content))
    assert np.array_equal(decoded.pixel_array, as_stored.pixel_array)


def test_a_transfer_syntax_the_server_cannot_make_is_406(client, stored) -> None:
    response = client.get(
        stored.url("MR2_J2KR.dcm"),
        HTTP_ACCEPT=f"{DICOM_MULTIPART}; transfer-syntax=1.2.840.10008.1.2.4.50",
        **stored.headers,
    )
    assert response.status_code == 406
    assert "transfer-syntax" in response.json()["detail"]


def test_series_and_instance_can_be_named_by_the_uids_the_hospital_sent(client, stored) -> None:
    original = stored.originals["MR_small.dcm"]
    series_url = (
        f"/dicomweb/studies/{original.StudyInstanceUID}/series/{original.SeriesInstanceUID}"
    )
    (part,) = dicom_parts(client.get(series_url, **stored.headers))
    assert part[1].SOPInstanceUID == stored.instances["MR_small.dcm"].sop_instance_uid
    instance_url = f"{series_url}/instances/{original.SOPInstanceUID}"
    assert client.get(instance_url, **stored.headers).status_code == 200


@pytest.mark.parametrize(
    ("suffix", "accept"),
    [
        ("", "*/*"),
        ("/metadata", "application/dicom+json"),
        ("/rendered", "image/png"),
        ("/frames/1", "*/*"),
    ],
)
def test_unknown_and_other_sites_instances_are_404(client, stored, suffix, accept) -> None:
    _, other_token = site_token("elsewhere")
    url = stored.url("CT_small.dcm", suffix)
    assert client.get(url, HTTP_ACCEPT=accept, **stored.headers).status_code == 200
    assert client.get(url, HTTP_ACCEPT=accept, **auth(other_token)).status_code == 404
    unknown = url.replace(stored.instances["CT_small.dcm"].sop_instance_uid, "1.2.3.4")
    response = client.get(unknown, HTTP_ACCEPT=accept, **stored.headers)
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("suffix", "accept"),
    [
        ("", "application/json"),
        ("", 'multipart/related; type="image/jpeg"'),
        ("/metadata", 'multipart/related; type="application/dicom+xml"'),
        ("/rendered", "application/pdf"),
        ("/frames/1", "text/plain"),
    ],
)
def test_unsupported_accept_is_406(client, stored, suffix, accept) -> None:
    response = client.get(stored.url("CT_small.dcm", suffix), HTTP_ACCEPT=accept, **stored.headers)
    assert response.status_code == 406
    assert response.json()["detail"]


def test_instance_metadata_is_dicom_json_with_bulk_data_by_reference(client, stored) -> None:
    response = client.get(stored.url("CT_small.dcm", "/metadata"), **stored.headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/dicom+json"
    (metadata,) = json.loads(body_of(response))
    instance = stored.instances["CT_small.dcm"]
    assert metadata["00080018"]["Value"] == [instance.sop_instance_uid]
    assert metadata["00100010"]["Value"][0]["Alphabetic"] == instance.series.study.patient.pseudonym
    assert metadata["00083002"]["Value"] == [instance.transfer_syntax_uid]
    pixel = metadata["7FE00010"]
    assert pixel["vr"] == "OW" and "InlineBinary" not in pixel
    assert pixel["BulkDataURI"].endswith(stored.url("CT_small.dcm", "/bulkdata/7FE00010"))

    def inline_sizes(dataset: dict) -> list[int]:
        sizes = []
        for attribute in dataset.values():
            if "InlineBinary" in attribute:
                sizes.append(len(attribute["InlineBinary"]) * 3 // 4)
            for item in attribute.get("Value", []) if attribute["vr"] == "SQ" else []:
                sizes.extend(inline_sizes(item))
        return sizes

    assert all(size <= bulk_data_threshold() for size in inline_sizes(metadata))
    assert not any(
        original in json.dumps(metadata)
        for original in (
            str(stored.originals["CT_small.dcm"].PatientID),
            str(stored.originals["CT_small.dcm"].SOPInstanceUID),
        )
    )

    bulk = client.get(pixel["BulkDataURI"], **stored.headers)
    ((headers, content),) = multipart_parts(bulk["Content-Type"], body_of(bulk))
    assert headers["content-type"] == "application/octet-stream"
    assert content == pydicom.dcmread(instance.file.open("rb")).PixelData


def test_study_and_series_metadata_list_every_instance(client, stored) -> None:
    study = stored.instances["CT_small.dcm"].series.study
    response = client.get(
        f"/dicomweb/studies/{study.study_instance_uid}/metadata", **stored.headers
    )
    listed = json.loads(body_of(response))
    assert len(listed) == sum(series.instances.count() for series in study.series.all())
    series_url = stored.url("MR_small.dcm").rsplit("/instances/", 1)[0]
    (only,) = json.loads(body_of(client.get(f"{series_url}/metadata", **stored.headers)))
    assert only["00080018"]["Value"] == [stored.instances["MR_small.dcm"].sop_instance_uid]


def test_frames_are_the_pixel_data_of_the_frames_asked_for(client, stored) -> None:
    instance = stored.instances["emri_small.dcm"]
    response = client.get(stored.url("emri_small.dcm", "/frames/1,3"), **stored.headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith('multipart/related; type="application/octet-stream"')
    parts = multipart_parts(response["Content-Type"], body_of(response))
    frames = pydicom.dcmread(instance.file.open("rb")).pixel_array
    assert [content for _, content in parts] == [frames[0].tobytes(), frames[2].tobytes()]
    assert all(h["content-type"].startswith("application/octet-stream") for h, _ in parts)


def test_compressed_frames_are_decoded_or_sent_as_stored(client, stored) -> None:
    instance = stored.instances["MR2_J2KR.dcm"]
    stored_pixels = pydicom.dcmread(instance.file.open("rb")).pixel_array
    decoded = client.get(stored.url("MR2_J2KR.dcm", "/frames/1"), **stored.headers)
    ((_, content),) = multipart_parts(decoded["Content-Type"], body_of(decoded))
    assert content == stored_pixels.astype(stored_pixels.dtype.newbyteorder("<")).tobytes()
    native = client.get(
        stored.url("MR2_J2KR.dcm", "/frames/1"),
        HTTP_ACCEPT='multipart/related; type="image/jp2"',
        **stored.headers,
    )
    ((headers, codestream),) = multipart_parts(native["Content-Type"], body_of(native))
    assert headers["content-type"].startswith("image/jp2; transfer-syntax=1.2.840.10008.1.2.4.9")
    assert codestream[:4] in (b"\xff\x4f\xff\x51", b"\x00\x00\x00\x0c")  # J2K or JP2 signature


@pytest.mark.parametrize(("frames", "status"), [("11", 404), ("0", 400), ("1,a", 400)])
def test_bad_frame_lists_are_4xx_with_a_reason(client, stored, frames, status) -> None:
    response = client.get(stored.url("emri_small.dcm", f"/frames/{frames}"), **stored.headers)
    assert response.status_code == status
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("accept", "image_format"), [("image/png", "PNG"), ("*/*", "JPEG"), ("image/gif", "GIF")]
)
def test_rendered_instance_follows_accept(client, stored, accept, image_format) -> None:
    response = client.get(
        stored.url("CT_small.dcm", "/rendered"), HTTP_ACCEPT=accept, **stored.headers
    )
    assert response.status_code == 200
    image = Image.open(io.BytesIO(response.content))
    assert image.format == image_format
    assert image.size == (128, 128)


def test_rendered_window_and_viewport(client, stored) -> None:
    url = stored.url("CT_small.dcm", "/rendered")
    png = {"HTTP_ACCEPT": "image/png", **stored.headers}

    def pixels(**params) -> np.ndarray:
        response = client.get(url, params, **png)
        assert response.status_code == 200, response.content
        return np.asarray(Image.open(io.BytesIO(response.content)))

    narrow = pixels(window="40,80")
    wide = pixels(window="40,2000,linear-exact")
    assert not np.array_equal(narrow, wide)
    assert pixels(window="40,400,sigmoid").std() > 0
    assert pixels(viewport="64,32").shape == (32, 32)
    cropped = pixels(viewport="50,50,10,10,50,-50")
    assert cropped.shape == (50, 50)


def test_rendered_frame_of_a_multiframe_instance(client, stored) -> None:
    url = stored.url("emri_small.dcm", "/frames/4/rendered")
    first = client.get(
        stored.url("emri_small.dcm", "/frames/1/rendered"),
        HTTP_ACCEPT="image/png",
        **stored.headers,
    )
    fourth = client.get(url, HTTP_ACCEPT="image/png", **stored.headers)
    assert fourth.status_code == first.status_code == 200
    assert fourth.content != first.content
    too_far = client.get(stored.url("emri_small.dcm", "/frames/11/rendered"), **stored.headers)
    assert too_far.status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"window": "40"},
        {"window": "a,b"},
        {"window": "40,0"},
        {"window": "40,400,cubic"},
        {"viewport": "0,10"},
        {"viewport": "10,10,1"},
        {"quality": "101"},
    ],
)
def test_bad_rendering_parameters_are_400(client, stored, params) -> None:
    response = client.get(stored.url("CT_small.dcm", "/rendered"), params, **stored.headers)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_bulk_data_inside_a_sequence_is_referenced_and_retrievable(client) -> None:
    _, token = site_token("nested-bulk")
    dataset = pydicom.dcmread(dicom_testfile("CT_small.dcm"))
    lut_values = bytes(range(256)) * 16
    item = Dataset()
    item.LUTDescriptor = [2048, 0, 16]
    item.add(DataElement(0x00283006, "OW", lut_values))
    dataset.ModalityLUTSequence = Sequence([item])
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    response = stow(client, token, buffer.getvalue())
    assert response.status_code == 200, response.content
    url = response.json()["00081199"]["Value"][0]["00081190"]["Value"][0]
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]

    (metadata,) = json.loads(body_of(client.get(f"{path}/metadata", **auth(token))))
    (lut,) = metadata["00283000"]["Value"]
    uri = lut["00283006"]["BulkDataURI"]
    assert uri.endswith("/bulkdata/00283000/0/00283006")
    bulk = client.get("/" + uri.split("://", 1)[1].split("/", 1)[1], **auth(token))
    ((_, content),) = multipart_parts(bulk["Content-Type"], body_of(bulk))
    assert content == lut_values
    missing = client.get(f"{path}/bulkdata/00283000/5/00283006", **auth(token))
    assert missing.status_code == 404
