"""Reading one greyscale image out of a DICOM study.

Pixel pipeline, in the order PS3.3 C.11 defines it for monochrome images:
stored values → modality LUT / rescale slope-intercept → VOI LUT / windowing → presentation
(MONOCHROME1 is inverted so that bright always means dense). Colour images (RGB, YBR_*, PALETTE
COLOR) are converted to RGB by pydicom and then to luminance.

Policies (recorded in the model card through :class:`~ml.preprocessing.PreprocessingConfig`):

- **series**: the first series of the study, ordered by (SeriesNumber, SeriesInstanceUID), among
  the instances that carry pixel data;
- **instance**: the middle instance of that series, ordered by (InstanceNumber, slice position,
  file name) — one representative image, as a radiologist would pick a key image;
- **frame**: the middle frame of a multi-frame instance (``"middle"``, the default: only one frame
  is decoded and a cine loop is not blurred), or the mean of all frames (``"mean"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels import (
    apply_color_lut,
    apply_modality_lut,
    apply_voi_lut,
    pixel_array,
)

FramePolicy = Literal["middle", "mean"]

_LUMINANCE = np.array([0.299, 0.587, 0.114])


class ImageDecodeError(ValueError):
    """A DICOM instance could not be turned into an image; the message names the file."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"cannot decode DICOM image {self.path}: {reason}")


@dataclass(frozen=True)
class InstanceHeader:
    """What is needed to choose one instance from a study, read without pixel data."""

    path: Path
    series_number: int
    series_uid: str
    instance_number: int
    slice_position: float


def read_instance_header(path: Path) -> InstanceHeader | None:
    """Header of ``path``, or ``None`` when the instance has no image (e.g. a structured report)."""
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
    except (InvalidDicomError, OSError, EOFError, ValueError) as exc:
        raise ImageDecodeError(path, f"not a readable DICOM file ({exc})") from exc
    if "Rows" not in ds or "Columns" not in ds:
        return None
    position = ds.get("ImagePositionPatient")
    return InstanceHeader(
        path=path,
        series_number=_as_int(ds.get("SeriesNumber"), default=0),
        series_uid=str(ds.get("SeriesInstanceUID", "")),
        instance_number=_as_int(ds.get("InstanceNumber"), default=0),
        slice_position=float(position[2]) if position is not None and len(position) == 3 else 0.0,
    )


def select_study_instance(paths: Sequence[Path]) -> Path:
    """The instance that represents the study: middle instance of the first image series."""
    if not paths:
        raise ValueError("a study needs at least one DICOM instance to select an image from")
    if len(paths) == 1:
        return Path(paths[0])
    headers = [h for h in (read_instance_header(Path(p)) for p in paths) if h is not None]
    if not headers:
        raise ImageDecodeError(paths[0], f"none of the study's {len(paths)} instances has an image")
    first_series = min((h.series_number, h.series_uid) for h in headers)
    series = sorted(
        (h for h in headers if (h.series_number, h.series_uid) == first_series),
        key=lambda h: (h.instance_number, h.slice_position, h.path.name),
    )
    return series[len(series) // 2].path


def read_grey_image(path: Path, *, frame_policy: FramePolicy = "middle") -> np.ndarray:
    """Decode one instance to a display-ready greyscale image.

    Returns a float32 array (H, W) scaled to [0, 1], where 1 is the brightest (densest) value.
    Raises :class:`ImageDecodeError` naming ``path`` for anything that cannot be decoded.
    """
    try:
        ds = pydicom.dcmread(path)
    except (InvalidDicomError, OSError, EOFError, ValueError) as exc:
        raise ImageDecodeError(path, f"not a readable DICOM file ({exc})") from exc
    if not any(tag in ds for tag in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
        raise ImageDecodeError(path, "the instance has no pixel data")
    n_frames = _as_int(ds.get("NumberOfFrames"), default=1)
    frame_index = n_frames // 2
    try:
        if n_frames > 1 and frame_policy == "middle":
            frames = pixel_array(ds, index=frame_index)[np.newaxis]
        else:
            frames = ds.pixel_array
            frames = frames[np.newaxis] if n_frames <= 1 else frames
        grey = _to_grey(frames, ds, frame_index)
    except ImageDecodeError:
        raise
    except Exception as exc:  # decoders raise anything from RuntimeError to struct.error
        raise ImageDecodeError(path, f"{type(exc).__name__}: {exc}") from exc
    return _unit_range(grey)


def _to_grey(frames: np.ndarray, ds: Dataset, frame_index: int) -> np.ndarray:
    """(F, H, W) or (F, H, W, 3) decoded frames → (H, W) float64 greyscale, brightest = dense."""
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    if photometric == "PALETTE COLOR":
        frames = apply_color_lut(frames, ds)
    if frames.ndim == 4:  # pydicom has already converted YBR_* to RGB
        return (frames.astype(np.float64) @ _LUMINANCE).mean(axis=0)
    if frames.ndim != 3:
        raise ValueError(f"unexpected decoded pixel array of shape {frames.shape}")
    frame_ds = _frame_attributes(ds, frame_index)
    values = apply_modality_lut(frames, frame_ds)
    if frame_ds.get("VOILUTSequence") or "WindowCenter" in frame_ds:
        if frame_ds.get("VOILUTSequence") and not np.issubdtype(values.dtype, np.integer):
            values = np.rint(values).astype(np.int64)  # a lookup table is indexed by integers
        values = apply_voi_lut(values, frame_ds, index=0)
    values = values.astype(np.float64).mean(axis=0)
    if photometric == "MONOCHROME1":
        values = values.max() + values.min() - values
    return values


def _frame_attributes(ds: Dataset, frame_index: int) -> Dataset:
    """``ds`` with the rescale and window of ``frame_index`` lifted to the top level.

    Enhanced multi-frame objects keep them in functional group sequences, where pydicom's LUT
    functions do not look.
    """
    groups = []
    for sequence_name in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        items = ds.get(sequence_name)
        if not items:
            continue
        index = 0 if sequence_name.startswith("Shared") else min(frame_index, len(items) - 1)
        groups.append(items[index])
    if not groups:
        return ds
    lifted = Dataset()
    for element in ds:
        if element.tag != 0x7FE00010:  # pixel data is not needed for LUTs
            lifted.add(element)
    for group in groups:
        for sequence_name in ("PixelValueTransformationSequence", "FrameVOILUTSequence"):
            items = group.get(sequence_name)
            if items:
                for element in items[0]:
                    lifted[element.tag] = element
    return lifted


def _unit_range(values: np.ndarray) -> np.ndarray:
    """Min-max scale to float32 [0, 1]; a constant image becomes all zeros."""
    values = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    low, high = float(values.min()), float(values.max())
    if high - low <= 0:
        return np.zeros(values.shape, dtype=np.float32)
    return ((values - low) / (high - low)).astype(np.float32)


def _as_int(value: object, *, default: int) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default
