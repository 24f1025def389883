from __future__ import annotations

import io

import pytest
from PIL import Image

from consilium.imaging.rendering import RenderError, dicom_render
from tests.helpers import dicom_testfile


@pytest.mark.parametrize(
    "name",
    [
        "CT_small.dcm",
        "MR_small.dcm",
        "SC_rgb.dcm",
        "emri_small.dcm",
        "JPEG2000.dcm",
        "MR_small_RLE.dcm",
    ],
)
def test_real_files_render_to_png(name: str) -> None:
    image = Image.open(io.BytesIO(dicom_render(dicom_testfile(name), media_type="image/png")))
    assert image.format == "PNG" and min(image.size) > 0


def test_missing_frame_and_no_pixels_are_clear_errors() -> None:
    with pytest.raises(RenderError, match="Frame"):
        dicom_render(dicom_testfile("emri_small.dcm"), frame=999)
    with pytest.raises(RenderError, match="no pixel data"):
        dicom_render(dicom_testfile("rtplan.dcm"))
