"""The unmodified `dicomweb-client` package against a live server: every transaction it offers
that this platform serves, and only de-identified data coming back."""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from dicomweb_client.api import DICOMwebClient
from PIL import Image

from tests.helpers import dicom_testfile, site_token

pytestmark = pytest.mark.django_db(transaction=True)


def test_dicomweb_client_stores_searches_and_retrieves(live_server, settings) -> None:
    # dicomweb-client sends `Host` without the port, so the public root is configured.
    settings.DICOMWEB_BASE_URL = live_server.url
    _, token = site_token("dicomweb-client")
    client = DICOMwebClient(
        url=f"{live_server.url}/dicomweb", headers={"Authorization": f"Bearer {token}"}
    )
    originals = [pydicom.dcmread(dicom_testfile(name)) for name in ("CT_small.dcm", "MR_small.dcm")]
    identifiers = {str(o.PatientID) for o in originals} | {str(o.PatientName) for o in originals}

    result = client.store_instances(originals)
    assert len(result.ReferencedSOPSequence) == 2
    assert "FailedSOPSequence" not in result

    studies = client.search_for_studies()
    assert len(studies) == 2
    sent_ct = originals[0]
    (ct_study,) = client.search_for_studies(
        search_filters={"StudyInstanceUID": sent_ct.StudyInstanceUID}
    )
    study_uid = ct_study["0020000D"]["Value"][0]
    assert study_uid != sent_ct.StudyInstanceUID
    assert ct_study["00100020"]["Value"][0] not in identifiers

    (series,) = client.search_for_series(study_uid, search_filters={"Modality": "CT"})
    series_uid = series["0020000E"]["Value"][0]
    (instance,) = client.search_for_instances(study_uid, series_uid, fields=["all"])
    sop_uid = instance["00080018"]["Value"][0]
    assert len(client.search_for_instances()) == 2

    (retrieved,) = client.retrieve_study(study_uid)
    assert retrieved.SOPInstanceUID == sop_uid
    assert retrieved.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert str(retrieved.PatientID) not in identifiers
    assert str(retrieved.PatientName) not in identifiers
    assert retrieved.StudyInstanceUID == study_uid
    assert np.array_equal(retrieved.pixel_array, sent_ct.pixel_array)

    metadata = client.retrieve_instance_metadata(study_uid, series_uid, sop_uid)
    assert metadata["00080018"]["Value"] == [sop_uid]
    assert metadata["00100020"]["Value"][0] not in identifiers
    (pixels,) = client.retrieve_bulkdata(metadata["7FE00010"]["BulkDataURI"])
    assert pixels == retrieved.PixelData

    jpeg = client.retrieve_instance_rendered(study_uid, series_uid, sop_uid)
    assert Image.open(io.BytesIO(jpeg)).format == "JPEG"
    png = client.retrieve_instance_rendered(
        study_uid, series_uid, sop_uid, media_types=("image/png",), params={"window": "40,400"}
    )
    assert Image.open(io.BytesIO(png)).size == (128, 128)

    (frame,) = client.retrieve_instance_frames(study_uid, series_uid, sop_uid, frame_numbers=[1])
    assert frame == retrieved.PixelData
    (octets,) = client.retrieve_instance_frames(
        study_uid,
        series_uid,
        sop_uid,
        frame_numbers=[1],
        media_types=("application/octet-stream",),
    )
    assert octets == frame
