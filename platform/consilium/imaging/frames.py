"""One decoded frame for the browser viewer: real values, so window/level runs in the browser.

The server decodes (consilium.imaging.pixels: every transfer syntax pydicom, pylibjpeg and GDCM
read) and applies the modality LUT; the viewer applies the VOI window on a canvas,
so dragging window/level needs no round trip. The wire format is self-describing:

    uint32 little-endian N · N bytes of JSON metadata (space-padded to 4-byte alignment) · pixels

Pixels are float32 little-endian (grey, modality values such as Hounsfield units) or uint8 RGB
(colour), row by row.
"""

from __future__ import annotations

import json
import struct
from dataclasses import asdict, dataclass, field

import numpy as np
import pydicom
from pydicom.multival import MultiValue

from consilium.imaging.pixels import frame_decode

# Common presets by modality (centre, width); the file's own windows come first.
MODALITY_PRESETS: dict[str, list[tuple[str, float, float]]] = {
    "CT": [
        ("Lung", -600.0, 1500.0),
        ("Mediastinum", 50.0, 350.0),
        ("Bone", 400.0, 1800.0),
        ("Brain", 40.0, 80.0),
    ],
}


@dataclass(frozen=True)
class WindowPreset:
    name: str
    centre: float
    width: float


@dataclass(frozen=True)
class FramePixels:
    rows: int
    columns: int
    kind: str  # "grey" (float32 values) or "rgb" (uint8 triplets)
    invert: bool  # MONOCHROME1: low values are bright
    minimum: float
    maximum: float
    windows: list[WindowPreset] = field(default_factory=list)  # the first is the default
    pixels: bytes = b""

    def encode(self) -> bytes:
        meta = asdict(self)
        del meta["pixels"]
        header = json.dumps(meta, separators=(",", ":")).encode()
        header += b" " * (-len(header) % 4)  # float32 pixels start 4-byte aligned
        return struct.pack("<I", len(header)) + header + self.pixels


def _first(value: object) -> float | None:
    if isinstance(value, MultiValue | list | tuple):
        value = value[0] if len(value) else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _file_windows(dataset: pydicom.Dataset) -> list[WindowPreset]:
    centres = dataset.get("WindowCenter")
    widths = dataset.get("WindowWidth")
    if centres is None or widths is None:
        return []
    centres = list(centres) if isinstance(centres, MultiValue) else [centres]
    widths = list(widths) if isinstance(widths, MultiValue) else [widths]
    names = dataset.get("WindowCenterWidthExplanation") or []
    names = list(names) if isinstance(names, MultiValue) else [names]
    presets = []
    for index, (centre, width) in enumerate(zip(centres, widths, strict=False)):
        centre_value, width_value = _first(centre), _first(width)
        if centre_value is None or width_value is None or width_value <= 0:
            continue
        name = str(names[index]) if index < len(names) and names[index] else f"File {index + 1}"
        presets.append(WindowPreset(name, centre_value, width_value))
    return presets


def _grey_windows(values: np.ndarray, dataset: pydicom.Dataset) -> list[WindowPreset]:
    low, high = (float(v) for v in np.percentile(values, [0.5, 99.5]))
    minimum, maximum = float(values.min()), float(values.max())
    presets = _file_windows(dataset)
    presets.append(WindowPreset("Auto", (low + high) / 2, max(high - low, 1.0)))
    presets.append(WindowPreset("Full range", (minimum + maximum) / 2, max(maximum - minimum, 1.0)))
    modality = str(dataset.get("Modality", ""))
    presets += [WindowPreset(*preset) for preset in MODALITY_PRESETS.get(modality, [])]
    return presets


def frame_pixels(source, *, frame: int) -> FramePixels:
    """Frame `frame` (0-based) of one instance; RenderError with a reason for what cannot be shown."""
    decoded = frame_decode(source, frame=frame)
    if decoded.rgb is not None:
        rows, columns = decoded.rgb.shape[:2]
        return FramePixels(
            rows=rows,
            columns=columns,
            kind="rgb",
            invert=False,
            minimum=0.0,
            maximum=255.0,
            windows=[WindowPreset("Full range", 127.5, 256.0)],
            pixels=np.ascontiguousarray(decoded.rgb).tobytes(),
        )
    values = decoded.values.astype("<f4")
    rows, columns = values.shape
    return FramePixels(
        rows=rows,
        columns=columns,
        kind="grey",
        invert=decoded.monochrome1,
        minimum=float(values.min()),
        maximum=float(values.max()),
        windows=_grey_windows(values, decoded.dataset),
        pixels=np.ascontiguousarray(values).tobytes(),
    )
