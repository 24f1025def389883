"""DICOM → tensor on pydicom's real test files, LUT order, policies, and note windowing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
import torch
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from ml.preprocessing import (
    ImageDecodeError,
    PreprocessingConfig,
    build_image_transform,
    load_study_image,
    read_grey_image,
    select_study_instance,
)

SIZE = 48

# (file, what it exercises)
REAL_FILES = [
    ("CT_small.dcm", "CT, rescale intercept -1024, signed"),
    ("MR_small.dcm", "MR with window centre/width"),
    ("MR_small_bigendian.dcm", "explicit VR big endian"),
    ("MR_small_RLE.dcm", "RLE lossless"),
    ("MR_small_jp2klossless.dcm", "JPEG 2000 lossless"),
    ("JPEG2000.dcm", "JPEG 2000, non-square"),
    ("US1_J2KR.dcm", "JPEG 2000, YBR_RCT colour"),
    ("US1_J2KI.dcm", "JPEG 2000 lossy, YBR_ICT colour"),
    ("MR2_J2KR.dcm", "JPEG 2000 16-bit with rescale slope"),
    ("emri_small.dcm", "enhanced MR, 10 frames"),
    ("emri_small_RLE.dcm", "multi-frame RLE"),
    ("SC_rgb.dcm", "RGB"),
    ("SC_rgb_rle.dcm", "RGB RLE"),
    ("SC_rgb_32bit.dcm", "RGB 32-bit samples"),
    ("SC_ybr_full_uncompressed.dcm", "YBR_FULL"),
    ("SC_rgb_jpeg_dcmtk.dcm", "JPEG baseline colour"),
    ("OBXXXX1A.dcm", "PALETTE COLOR"),
    ("mlut_18.dcm", "modality LUT sequence"),
    ("vlut_04.dcm", "VOI LUT sequence"),
    ("rtdose.dcm", "32-bit multi-frame dose grid"),
    ("color3d_jpeg_baseline.dcm", "120-frame JPEG colour cine"),
    ("JPEG-LL.dcm", "JPEG Lossless (gdcm)"),
    ("JPEGLSNearLossless_16.dcm", "JPEG-LS near-lossless 16-bit (gdcm)"),
]


@pytest.fixture(scope="module")
def transform():
    return build_image_transform(PreprocessingConfig(image_size=SIZE))


@pytest.mark.parametrize(("name", "feature"), REAL_FILES, ids=[n for n, _ in REAL_FILES])
def test_real_pydicom_files_become_normalised_tensors(transform, name: str, feature: str) -> None:
    image = load_study_image(transform, [get_testdata_file(name)])
    assert isinstance(image, torch.Tensor), feature
    assert image.shape == (1, SIZE, SIZE)
    assert image.dtype == torch.float32
    assert torch.isfinite(image).all()
    assert image.std() > 0, f"{name} ({feature}) came out blank"


def _write_instance(path: Path, pixels: np.ndarray, **elements) -> Path:
    """A minimal secondary-capture instance with ``pixels`` (H, W) or (F, H, W) uint16."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "OT"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = pixels.shape[-2:]
    if pixels.ndim == 3:
        ds.NumberOfFrames = pixels.shape[0]
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    ds.PixelData = pixels.astype(np.uint16).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def test_rescale_then_window_then_unit_range(tmp_path: Path) -> None:
    stored = np.array([[0, 10], [20, 30]], dtype=np.uint16)
    path = _write_instance(
        tmp_path / "lut.dcm",
        stored,
        RescaleSlope=2,
        RescaleIntercept=-10,
        WindowCenter=25,
        WindowWidth=31,
    )
    # modality: 2x-10 → [-10, 10, 30, 50]; window [10, 40] clips the ends, linear in between
    grey = read_grey_image(path)
    assert grey[0, 0] == pytest.approx(0.0)
    assert grey[1, 1] == pytest.approx(1.0)
    assert 0.0 < grey[0, 1] < grey[1, 0] < 1.0


def test_monochrome1_is_inverted(tmp_path: Path) -> None:
    pixels = np.arange(64, dtype=np.uint16).reshape(8, 8) * 100
    normal = read_grey_image(_write_instance(tmp_path / "m2.dcm", pixels))
    inverted = read_grey_image(
        _write_instance(tmp_path / "m1.dcm", pixels, PhotometricInterpretation="MONOCHROME1")
    )
    np.testing.assert_allclose(inverted, 1.0 - normal, atol=1e-6)


@pytest.mark.parametrize(("policy", "expected"), [("middle", 0.6), ("mean", 0.3)])
def test_frame_policy(tmp_path: Path, policy: str, expected: float) -> None:
    # three frames with bulk values 0, 6, 3 and the same dark (0) and bright (10) anchor pixels
    frames = np.stack([np.full((4, 4), v, dtype=np.uint16) for v in (0, 6, 3)])
    frames[:, 0, 0] = 0
    frames[:, 0, 1] = 10
    grey = read_grey_image(_write_instance(tmp_path / "mf.dcm", frames), frame_policy=policy)
    assert grey[2, 2] == pytest.approx(expected)


def test_middle_instance_of_first_series_is_selected(tmp_path: Path) -> None:
    pixels = np.ones((4, 4), dtype=np.uint16)
    series_a, series_b = generate_uid(), generate_uid()
    paths = [
        _write_instance(
            tmp_path / f"a{n}.dcm", pixels, SeriesInstanceUID=series_a, SeriesNumber=1,
            InstanceNumber=n,
        )
        for n in (3, 1, 2)
    ] + [
        _write_instance(
            tmp_path / "b1.dcm", pixels, SeriesInstanceUID=series_b, SeriesNumber=2,
            InstanceNumber=1,
        )
    ]  # fmt: skip
    assert select_study_instance(paths).name == "a2.dcm"


def test_study_skips_instances_without_pixels(transform) -> None:
    paths = [get_testdata_file("rtplan.dcm"), get_testdata_file("CT_small.dcm")]
    assert load_study_image(transform, paths).shape == (1, SIZE, SIZE)


@pytest.mark.parametrize(
    ("name", "reason"),
    [("JPEG-lossy.dcm", "12-bit precision"), ("rtplan.dcm", "no pixel data")],
)
def test_undecodable_instance_raises_image_decode_error_naming_file(
    transform, name: str, reason: str
) -> None:
    path = get_testdata_file(name)
    with pytest.raises(ImageDecodeError) as caught:
        load_study_image(transform, [path])
    assert isinstance(caught.value, ValueError)
    assert name in str(caught.value)
    assert reason in str(caught.value)


def test_non_dicom_file_raises_image_decode_error(transform, tmp_path: Path) -> None:
    bogus = tmp_path / "not-dicom.dcm"
    bogus.write_text("this is a note, not an image")
    with pytest.raises(ImageDecodeError, match=r"not-dicom\.dcm"):
        load_study_image(transform, [bogus])


def test_aspect_ratio_is_kept_by_padding(transform) -> None:
    # JPEG2000.dcm is 1024 x 256: a quarter-width image padded with the darkest value
    image = load_study_image(transform, [get_testdata_file("JPEG2000.dcm")])
    left_margin = image[0, :, : SIZE // 4]
    assert torch.allclose(left_margin, left_margin.min())


def test_percentiles_are_taken_by_numpy_not_torch_quantile(transform, monkeypatch) -> None:
    """torch.quantile sorts the image: a third of a study's preprocessing when it crept back in
    (MONAI 1.6 turned numpy input into a tensor first). The numbers match MONAI's own path."""
    from monai.transforms import ScaleIntensityRangePercentiles

    path = get_testdata_file("CT_small.dcm")
    reference = ScaleIntensityRangePercentiles(
        lower=0.5, upper=99.5, b_min=0.0, b_max=1.0, clip=True
    )
    grey = torch.as_tensor(read_grey_image(Path(path)))[None]
    expected = reference(grey)

    def refuse(*args, **kwargs):
        raise AssertionError("torch.quantile was called during preprocessing")

    monkeypatch.setattr(torch, "quantile", refuse)
    load_study_image(transform, [path])  # would raise above if MONAI took the quantile path
    from ml.preprocessing.image import NumpyPercentileScaling

    scaled = NumpyPercentileScaling(lower=0.5, upper=99.5, b_min=0.0, b_max=1.0, clip=True)(grey)
    assert torch.allclose(torch.as_tensor(scaled), torch.as_tensor(expected), atol=1e-5)


def test_preprocessing_config_round_trips_and_rejects_unknown_keys() -> None:
    config = PreprocessingConfig(image_size=96, frame_policy="mean")
    assert PreprocessingConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown preprocessing"):
        PreprocessingConfig.from_dict({**config.to_dict(), "gamma": 2})


def test_synthetic_dicom_header_and_pixels(tiny_set: Path) -> None:
    path = next((tiny_set / "dicom").rglob("*.dcm"))
    ds = pydicom.dcmread(path)
    assert ds.PhotometricInterpretation == "MONOCHROME2"
    assert (ds.BitsAllocated, ds.BitsStored) == (16, 12)
    assert ds.Modality == "DX"
    assert "synthetic" in ds.ImageComments.lower()
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "StudyInstanceUID"):
        assert str(ds.data_element(keyword).value)
    assert ds.pixel_array.max() <= 4095
