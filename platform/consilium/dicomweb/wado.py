"""WADO-RS (PS3.18 10.4): instances, metadata, frames, bulk data and rendered images.

Everything here reads the de-identified store only. Instances are streamed from their files one
at a time; metadata, frames and bulk data read one instance at a time.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pydicom
from django.conf import settings
from django.http import QueryDict
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.encaps import generate_frames
from pydicom.pixels import pack_bits, pixel_array, unpack_bits
from pydicom.pixels.utils import get_expected_length

from consilium.accounts.models import Site
from consilium.dicomweb.accept import (
    COMPRESSED_MEDIA_TYPES,
    EXPLICIT_VR_LITTLE_ENDIAN,
    InstanceAcceptance,
    PixelAcceptance,
)
from consilium.dicomweb.errors import DicomwebError
from consilium.dicomweb.multipart_writer import OutgoingPart
from consilium.imaging.models import Instance, Series, Study
from consilium.imaging.rendering import RenderError, Viewport, Window, dicom_render
from consilium.imaging.selectors import instance_get_by_uid, series_get_by_uid, study_get_by_uid

logger = logging.getLogger(__name__)

CHUNK = 256 * 1024
BIG_ENDIAN = "1.2.840.10008.1.2.2"
DEFLATED = "1.2.840.10008.1.2.1.99"
PIXEL_TAGS = {0x7FE00008: "OF", 0x7FE00009: "OD", 0x7FE00010: None}
AVAILABLE_TRANSFER_SYNTAX_UID = "00083002"


def bulk_data_threshold() -> int:
    """Binary values longer than this (bytes) are sent as BulkDataURI, not inline."""
    return int(getattr(settings, "DICOMWEB_BULK_DATA_THRESHOLD", 1024))


# --- what a URL names ------------------------------------------------------------------------


@dataclass(frozen=True)
class RetrieveScope:
    study: Study
    series: Series | None = None
    instance: Instance | None = None


def retrieve_scope(
    *, site: Site, study_uid: str, series_uid: str | None = None, sop_uid: str | None = None
) -> RetrieveScope:
    """The study, series or instance a WADO-RS URL names, at this site only (else 404)."""
    study = study_get_by_uid(site=site, uid=study_uid)
    if study is None:
        raise DicomwebError(404, "No such study at this site.")
    if series_uid is None:
        return RetrieveScope(study)
    series = series_get_by_uid(study=study, uid=series_uid)
    if series is None:
        raise DicomwebError(404, "No such series in this study.")
    if sop_uid is None:
        return RetrieveScope(study, series)
    instance = instance_get_by_uid(series=series, uid=sop_uid)
    if instance is None:
        raise DicomwebError(404, "No such instance in this series.")
    return RetrieveScope(study, series, instance)


def scope_instances(scope: RetrieveScope) -> list[Instance]:
    """The instances in scope, in series and instance order (one query)."""
    if scope.instance is not None:
        return [scope.instance]
    instances = Instance.objects.select_related("series__study")
    if scope.series is not None:
        instances = instances.filter(series=scope.series)
    else:
        instances = instances.filter(series__study=scope.study)
    instances = list(
        instances.order_by("series__series_number", "series_id", "instance_number", "id")
    )
    if not instances:
        raise DicomwebError(404, "No instances are stored for this study yet.")
    return instances


def _open(instance: Instance) -> BinaryIO:
    return instance.file.storage.open(instance.file.name, "rb")


def _read(instance: Instance, **options) -> Dataset:
    with _open(instance) as handle:
        return pydicom.dcmread(handle, **options)


# --- instances ---------------------------------------------------------------------------------


def instance_transfer_syntaxes(
    instances: list[Instance], acceptance: InstanceAcceptance
) -> list[str]:
    """The transfer syntax each instance goes out in; 406 if one cannot go out in any accepted."""
    chosen = []
    for instance in instances:
        syntax = acceptance.choose(instance.transfer_syntax_uid or EXPLICIT_VR_LITTLE_ENDIAN)
        if syntax is None:
            raise DicomwebError(
                406,
                f"An instance is stored as {instance.transfer_syntax_uid}; ask for "
                f'transfer-syntax={instance.transfer_syntax_uid}, "*" or {EXPLICIT_VR_LITTLE_ENDIAN}.',
            )
        chosen.append(syntax)
    return chosen


def _file_chunks(instance: Instance) -> Iterator[bytes]:
    with _open(instance) as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _transcode(instance: Instance, target: str) -> bytes:
    """The instance re-encoded as Explicit VR Little Endian (decompressed if need be)."""
    dataset = _read(instance)
    stored = str(dataset.file_meta.get("TransferSyntaxUID", ""))
    if stored == BIG_ENDIAN:
        raise ValueError("big endian instances are sent as stored")
    if dataset.file_meta.TransferSyntaxUID.is_compressed:
        dataset.decompress()
    dataset.file_meta.TransferSyntaxUID = target
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def instance_part(instance: Instance, transfer_syntax: str) -> OutgoingPart:
    """One instance as a part; the file is read only when the response gets this far."""
    stored = instance.transfer_syntax_uid or EXPLICIT_VR_LITTLE_ENDIAN
    if transfer_syntax != stored:
        try:
            payload = _transcode(instance, transfer_syntax)
        except Exception as error:
            # PS3.18 8.7.3.5.2: what cannot be decoded goes out in the form the server holds.
            logger.info("Sending instance %s as stored (%s)", instance.pk, type(error).__name__)
        else:
            return OutgoingPart(
                f"application/dicom; transfer-syntax={transfer_syntax}", [payload], len(payload)
            )
    return OutgoingPart(
        f"application/dicom; transfer-syntax={stored}",
        _file_chunks(instance),
        instance.size_bytes or None,
    )


# --- metadata ----------------------------------------------------------------------------------


def _element_paths(dataset: Dataset, prefix: str = "") -> dict[int, str]:
    """id(element) -> its tag path (`SSSSSSSS/item/TTTTTTTT`), for naming bulk data."""
    paths: dict[int, str] = {}
    for element in dataset:
        path = f"{prefix}{element.tag:08X}"
        paths[id(element)] = path
        if element.VR == "SQ":
            for index, item in enumerate(element.value or []):
                paths.update(_element_paths(item, f"{path}/{index}/"))
    return paths


def _pixel_element_after(handle: BinaryIO, dataset: Dataset) -> tuple[str, str] | None:
    """The (tag, VR) of the pixel data element where `stop_before_pixels` left the file."""
    header = handle.read(8)
    if len(header) < 8:
        return None
    syntax = str(dataset.file_meta.get("TransferSyntaxUID", EXPLICIT_VR_LITTLE_ENDIAN))
    order = "big" if syntax == BIG_ENDIAN else "little"
    tag = (int.from_bytes(header[0:2], order) << 16) | int.from_bytes(header[2:4], order)
    if tag not in PIXEL_TAGS:
        return None
    vr = header[4:6].decode("latin-1")
    if not vr.isalpha() or not vr.isupper():  # implicit VR
        vr = PIXEL_TAGS[tag] or ("OW" if int(dataset.get("BitsAllocated", 16) or 16) > 8 else "OB")
    return f"{tag:08X}", vr


def instance_metadata(*, instance: Instance, instance_url: str) -> dict:
    """DICOM JSON (PS3.18 F.2) of one instance, binary values over the threshold as BulkDataURI."""
    with _open(instance) as handle:
        dataset = pydicom.dcmread(handle, stop_before_pixels=True)
        pixel = None
        if str(dataset.file_meta.get("TransferSyntaxUID", "")) == DEFLATED:
            full = _read(instance)
            pixel = next(((f"{tag:08X}", full[tag].VR) for tag in PIXEL_TAGS if tag in full), None)
        else:
            pixel = _pixel_element_after(handle, dataset)
    paths = _element_paths(dataset)

    def bulk_data_uri(element: DataElement) -> str:
        return f"{instance_url}/bulkdata/{paths.get(id(element), f'{element.tag:08X}')}"

    metadata = dataset.to_json_dict(
        bulk_data_threshold=bulk_data_threshold(),
        bulk_data_element_handler=bulk_data_uri,
        suppress_invalid_tags=True,
    )
    if pixel is not None:
        tag, vr = pixel
        metadata[tag] = {"vr": vr, "BulkDataURI": f"{instance_url}/bulkdata/{tag}"}
    if instance.transfer_syntax_uid:
        metadata[AVAILABLE_TRANSFER_SYNTAX_UID] = {
            "vr": "UI",
            "Value": [instance.transfer_syntax_uid],
        }
    return dict(sorted(metadata.items()))


# --- frames and bulk data ----------------------------------------------------------------------


def frame_numbers_parse(text: str) -> list[int]:
    """`1,3,5` -> [1, 3, 5] (1-based, as in the URL); 400 if it is not such a list."""
    try:
        numbers = [int(piece) for piece in text.split(",")]
    except ValueError as error:
        raise DicomwebError(
            400, "The frame list must be frame numbers (1, 2, ...) separated by commas."
        ) from error
    if not numbers or any(number < 1 for number in numbers):
        raise DicomwebError(400, "Frame numbers start at 1.")
    return numbers


def _pixel_keyword(dataset: Dataset) -> str:
    for keyword in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"):
        if keyword in dataset:
            return keyword
    raise DicomwebError(400, "This instance has no pixel data.")


def _frame_count(dataset: Dataset) -> int:
    try:
        return max(int(dataset.get("NumberOfFrames", 1) or 1), 1)
    except (TypeError, ValueError):
        return 1


def _little_endian(values: bytes, dataset: Dataset, keyword: str) -> bytes:
    syntax = str(dataset.file_meta.get("TransferSyntaxUID", ""))
    bits = int(dataset.get("BitsAllocated", 8) or 8)
    if syntax != BIG_ENDIAN or (keyword == "PixelData" and bits <= 8):
        return values
    width = (
        4 if keyword == "FloatPixelData" else 8 if keyword == "DoubleFloatPixelData" else bits // 8
    )
    return np.frombuffer(values, dtype=f">u{width}").astype(f"<u{width}").tobytes()


def _native_frames(dataset: Dataset, keyword: str, numbers: list[int]) -> list[bytes]:
    frames = _frame_count(dataset)
    values = _little_endian(bytes(dataset[keyword].value), dataset, keyword)
    try:
        total_bits = get_expected_length(dataset, unit="pixels") * int(dataset.BitsAllocated)
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise DicomwebError(
            422, "The instance lacks the attributes that size its frames."
        ) from error
    if total_bits > len(values) * 8:
        raise DicomwebError(422, "The pixel data is shorter than Rows x Columns x frames say.")
    frame_bits = total_bits // frames
    if frame_bits % 8 == 0:
        size = frame_bits // 8
        return [values[(n - 1) * size : n * size] for n in numbers]
    bits = unpack_bits(values)  # 1-bit pixels: frames need not start on a byte
    return [pack_bits(bits[(n - 1) * frame_bits : n * frame_bits]) for n in numbers]


def _decoded_frames(dataset: Dataset, numbers: list[int]) -> list[bytes]:
    frames = []
    for number in numbers:
        try:
            array = pixel_array(dataset, index=number - 1)
        except Exception as error:
            raise DicomwebError(
                406,
                "The stored pixel data could not be decompressed; ask for the stored form "
                f"(type={_stored_media_type(dataset)!r} or */* with transfer-syntax=*).",
            ) from error
        frames.append(np.ascontiguousarray(array.astype(array.dtype.newbyteorder("<"))).tobytes())
    return frames


def _stored_media_type(dataset: Dataset) -> str:
    return COMPRESSED_MEDIA_TYPES.get(str(dataset.file_meta.TransferSyntaxUID), "")


def _pixel_parts(
    dataset: Dataset, keyword: str, numbers: list[int], acceptance: PixelAcceptance
) -> list[OutgoingPart]:
    syntax = str(dataset.file_meta.get("TransferSyntaxUID", EXPLICIT_VR_LITTLE_ENDIAN))
    octet = f"application/octet-stream; transfer-syntax={EXPLICIT_VR_LITTLE_ENDIAN}"
    if keyword != "PixelData" or not dataset.file_meta.TransferSyntaxUID.is_compressed:
        if not acceptance.uncompressed:
            raise DicomwebError(
                406, "The pixel data is uncompressed: accept application/octet-stream."
            )
        return [OutgoingPart(octet, [b], len(b)) for b in _native_frames(dataset, keyword, numbers)]
    stored_type = acceptance.stored_form_media_type(syntax)
    if stored_type is not None:
        frames = list(generate_frames(dataset.PixelData, number_of_frames=_frame_count(dataset)))
        chosen = [frames[n - 1] for n in numbers]
        return [
            OutgoingPart(f"{stored_type}; transfer-syntax={syntax}", [b], len(b)) for b in chosen
        ]
    if not acceptance.uncompressed:
        raise DicomwebError(
            406,
            f"The frames are stored as {_stored_media_type(dataset) or syntax}; accept that or "
            "application/octet-stream.",
        )
    return [OutgoingPart(octet, [b], len(b)) for b in _decoded_frames(dataset, numbers)]


def instance_frames(
    *, instance: Instance, numbers: list[int], acceptance: PixelAcceptance
) -> list[OutgoingPart]:
    """The requested frames' pixel data, one part each, in the order asked."""
    dataset = _read(instance)
    keyword = _pixel_keyword(dataset)
    frames = _frame_count(dataset)
    missing = [number for number in numbers if number > frames]
    if missing:
        raise DicomwebError(404, f"Frame {missing[0]} does not exist (the instance has {frames}).")
    return _pixel_parts(dataset, keyword, numbers, acceptance)


def _element_at(dataset: Dataset, path: str) -> tuple[Dataset, DataElement]:
    pieces = path.strip("/").split("/")
    if len(pieces) % 2 == 0:
        raise DicomwebError(
            400, "A bulk data path is TAG or TAG/item/TAG/... (tags as 8 hex digits)."
        )
    current = dataset
    try:
        for depth in range(0, len(pieces) - 1, 2):
            current = current[int(pieces[depth], 16)].value[int(pieces[depth + 1])]
        return current, current[int(pieces[-1], 16)]
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise DicomwebError(404, "No such bulk data element in this instance.") from error


def instance_bulkdata(
    *, instance: Instance, path: str, acceptance: PixelAcceptance
) -> list[OutgoingPart]:
    """The value a BulkDataURI names: pixel data as frames' worth of bytes, others as they are."""
    dataset = _read(instance)
    parent, element = _element_at(dataset, path)
    keyword = element.keyword
    if parent is dataset and keyword in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"):
        numbers = list(range(1, _frame_count(dataset) + 1))
        if keyword == "PixelData" and dataset.file_meta.TransferSyntaxUID.is_compressed:
            return _pixel_parts(dataset, keyword, numbers, acceptance)
        if not acceptance.uncompressed:
            raise DicomwebError(406, "Bulk data is sent as application/octet-stream.")
        values = _little_endian(bytes(element.value), dataset, keyword)
        return [OutgoingPart("application/octet-stream", [values], len(values))]
    if not acceptance.uncompressed:
        raise DicomwebError(406, "Bulk data is sent as application/octet-stream.")
    if not isinstance(element.value, bytes | bytearray):
        raise DicomwebError(404, "That element is not bulk data.")
    value = bytes(element.value)
    return [OutgoingPart("application/octet-stream", [value], len(value))]


# --- rendered ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderParameters:
    window: Window | None = None
    viewport: Viewport | None = None
    quality: int | None = None


def _numbers(text: str, name: str, count: tuple[int, ...], kind: Callable = float) -> list:
    pieces = [piece.strip() for piece in text.split(",")]
    if len(pieces) not in count:
        raise DicomwebError(
            400, f"{name} takes {' or '.join(map(str, count))} comma-separated values."
        )
    try:
        return [kind(piece) for piece in pieces]
    except ValueError as error:
        raise DicomwebError(400, f"{name} values must be numbers.") from error


def render_parameters_parse(query: QueryDict) -> RenderParameters:
    """PS3.18 8.3.5.1: `window=centre,width[,function]`, `viewport=vw,vh[,sx,sy,sw,sh]`,
    `quality=1..100`. Other presentation parameters (annotation, iccprofile) are ignored."""
    window = viewport = quality = None
    try:
        if "window" in query:
            pieces = [piece.strip() for piece in query["window"].split(",")]
            centre, width = _numbers(",".join(pieces[:2]), "window", (2,))
            function = pieces[2].lower() if len(pieces) > 2 and pieces[2] else "linear"
            if len(pieces) > 3:
                raise DicomwebError(400, "window takes centre,width[,function].")
            window = Window(centre, width, function.replace("-", "_"))
        if "viewport" in query:
            values = _numbers(query["viewport"], "viewport", (2, 6), int)
            region = tuple(values[2:]) if len(values) == 6 else None
            viewport = Viewport(values[0], values[1], region)  # type: ignore[arg-type]
        if "quality" in query:
            (quality,) = _numbers(query["quality"], "quality", (1,), int)
            if not 1 <= quality <= 100:
                raise DicomwebError(400, "quality must be between 1 and 100.")
    except RenderError as error:
        raise DicomwebError(400, str(error)) from error
    return RenderParameters(window, viewport, quality)


def instance_render(
    *, instance: Instance, media_type: str, frame: int, parameters: RenderParameters
) -> bytes:
    """One frame (1-based) rendered as `media_type`."""
    if frame > max(instance.number_of_frames, 1):
        raise DicomwebError(
            404, f"Frame {frame} does not exist (the instance has {instance.number_of_frames})."
        )
    try:
        with _open(instance) as handle:
            return dicom_render(
                handle,
                media_type=media_type,
                frame=frame - 1,
                window=parameters.window,
                viewport=parameters.viewport,
                quality=parameters.quality,
            )
    except RenderError as error:
        status = 404 if "does not exist" in str(error) else 400
        raise DicomwebError(status, f"Cannot render this instance: {error}") from error
