"""Content negotiation for DICOMweb retrieve and search (PS3.18 8.7): parse `Accept`, pick a form.

Each resource asks a different question of the Accept header, so this module gives one parser and
one small chooser per kind of answer: DICOM instances, bulk data / frames, rendered images, and
DICOM JSON. A chooser returns None when nothing the client accepts can be produced (HTTP 406).
"""

from __future__ import annotations

from dataclasses import dataclass, field

EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"
ANY_TRANSFER_SYNTAX = "*"

# PS3.18 Table 8.7.3-4 (compressed bulk data): the media type of each stored transfer syntax.
COMPRESSED_MEDIA_TYPES: dict[str, str] = {
    "1.2.840.10008.1.2.5": "image/dicom-rle",
    "1.2.840.10008.1.2.4.50": "image/jpeg",
    "1.2.840.10008.1.2.4.51": "image/jpeg",
    "1.2.840.10008.1.2.4.57": "image/jpeg",
    "1.2.840.10008.1.2.4.70": "image/jpeg",
    "1.2.840.10008.1.2.4.80": "image/jls",
    "1.2.840.10008.1.2.4.81": "image/jls",
    "1.2.840.10008.1.2.4.90": "image/jp2",
    "1.2.840.10008.1.2.4.91": "image/jp2",
    "1.2.840.10008.1.2.4.92": "image/jpx",
    "1.2.840.10008.1.2.4.93": "image/jpx",
    "1.2.840.10008.1.2.4.201": "image/jphc",
    "1.2.840.10008.1.2.4.202": "image/jphc",
    "1.2.840.10008.1.2.4.203": "image/jphc",
    "1.2.840.10008.1.2.4.100": "video/mpeg2",
    "1.2.840.10008.1.2.4.101": "video/mpeg2",
    "1.2.840.10008.1.2.4.102": "video/mp4",
    "1.2.840.10008.1.2.4.103": "video/mp4",
    "1.2.840.10008.1.2.4.104": "video/mp4",
    "1.2.840.10008.1.2.4.105": "video/mp4",
    "1.2.840.10008.1.2.4.106": "video/mp4",
    "1.2.840.10008.1.2.4.107": "video/h265",
    "1.2.840.10008.1.2.4.108": "video/h265",
}
# Older names some clients still send.
_MEDIA_TYPE_ALIASES = {"image/x-dicom-rle": "image/dicom-rle", "image/x-jls": "image/jls"}

RENDERED_MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif")
DICOM_JSON = "application/dicom+json"


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header: `type/subtype` (lower case), its parameters and q."""

    media_type: str
    params: dict[str, str] = field(default_factory=dict)
    q: float = 1.0

    @property
    def multipart_type(self) -> str | None:
        """For `multipart/related; type=...`, the type of the parts (lower case)."""
        if self.media_type != "multipart/related":
            return None
        part_type = self.params.get("type", "").strip().lower()
        return _MEDIA_TYPE_ALIASES.get(part_type, part_type) or None

    @property
    def transfer_syntax(self) -> str | None:
        value = self.params.get("transfer-syntax")
        return value.strip() if value else None

    def matches(self, media_type: str) -> bool:
        """Whether this range admits `media_type` (wildcards `*/*` and `type/*` included)."""
        if self.media_type in ("*/*", "*"):
            return True
        kind, _, subtype = self.media_type.partition("/")
        wanted_kind, _, wanted_subtype = media_type.partition("/")
        return kind == wanted_kind and subtype in ("*", "", wanted_subtype)


class AcceptError(ValueError):
    """The Accept header cannot be parsed."""


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    pieces, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return pieces


def accept_parse(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header, most preferred first; `*/*` when there is none."""
    if not header or not header.strip():
        return [MediaRange("*/*")]
    ranges: list[MediaRange] = []
    for entry in _split_outside_quotes(header, ","):
        pieces = [piece.strip() for piece in _split_outside_quotes(entry, ";")]
        if not pieces[0]:
            continue
        media_type = pieces[0].lower()
        if "/" not in media_type and media_type != "*":
            raise AcceptError(f"{pieces[0]!r} in the Accept header is not a media type.")
        media_type = _MEDIA_TYPE_ALIASES.get(media_type, media_type)
        params: dict[str, str] = {}
        q = 1.0
        for piece in pieces[1:]:
            name, sep, value = piece.partition("=")
            if not sep:
                continue
            name, value = name.strip().lower(), value.strip().strip('"')
            if name == "q":
                try:
                    q = float(value)
                except ValueError as error:
                    raise AcceptError(
                        f"q={value!r} in the Accept header is not a number."
                    ) from error
            else:
                params[name] = value
        if q > 0:
            ranges.append(MediaRange(media_type, params, q))
    # A stable sort keeps the client's order among equal q values.
    return sorted(ranges, key=lambda media_range: -media_range.q)


def accepts_dicom_json(ranges: list[MediaRange]) -> bool:
    return any(
        media_range.matches(DICOM_JSON) or media_range.media_type == "application/json"
        for media_range in ranges
    )


@dataclass(frozen=True)
class InstanceAcceptance:
    """Which transfer syntaxes the client takes DICOM instances in."""

    any_transfer_syntax: bool
    transfer_syntaxes: frozenset[str]

    def choose(self, stored: str) -> str | None:
        """The transfer syntax to send an instance stored in `stored` in, or None if none fits."""
        if self.any_transfer_syntax or stored in self.transfer_syntaxes:
            return stored
        if EXPLICIT_VR_LITTLE_ENDIAN in self.transfer_syntaxes:
            return EXPLICIT_VR_LITTLE_ENDIAN
        return None


def instance_acceptance(ranges: list[MediaRange]) -> InstanceAcceptance | None:
    """What `multipart/related; type="application/dicom"` ranges ask for (PS3.18 8.7.3.5).

    A range without transfer-syntax asks for Explicit VR Little Endian, the default; `*` asks for
    any (the stored one). `*/*` and `multipart/related` without a type count as application/dicom.
    """
    any_syntax, syntaxes = False, set()
    for media_range in ranges:
        part_type = media_range.multipart_type
        if media_range.media_type in ("*/*", "*", "multipart/*", "multipart/related"):
            part_type = part_type or "application/dicom"
        elif media_range.media_type == "application/dicom":
            part_type = "application/dicom"
        if part_type not in ("application/dicom", "application/*", "*/*"):
            continue
        syntax = media_range.transfer_syntax or EXPLICIT_VR_LITTLE_ENDIAN
        if syntax == ANY_TRANSFER_SYNTAX:
            any_syntax = True
        else:
            syntaxes.add(syntax)
    if not any_syntax and not syntaxes:
        return None
    return InstanceAcceptance(any_syntax, frozenset(syntaxes))


@dataclass(frozen=True)
class PixelAcceptance:
    """How the client takes frames or pixel bulk data: uncompressed, or compressed as stored."""

    uncompressed: bool
    compressed_media_types: frozenset[str]
    any_compressed: bool

    def stored_form_media_type(self, stored: str) -> str | None:
        """The media type to send the stored (compressed) bytes as, if the client takes them."""
        media_type = COMPRESSED_MEDIA_TYPES.get(stored)
        if media_type is None:
            return None
        if self.any_compressed or media_type in self.compressed_media_types:
            return media_type
        return None


def pixel_acceptance(ranges: list[MediaRange]) -> PixelAcceptance | None:
    """What `multipart/related; type=...` ranges ask of frames and bulk data (PS3.18 8.7.3.3).

    `application/octet-stream` is uncompressed (Explicit VR Little Endian). `*/*` without a
    transfer syntax is taken as uncompressed too; with `transfer-syntax=*` it admits the stored
    compressed form. `image/jpeg` etc. admit the stored form when it is of that type.
    """
    uncompressed, any_compressed, compressed = False, False, set()
    for media_range in ranges:
        if media_range.media_type == "multipart/related":
            part_type = media_range.multipart_type or "application/octet-stream"
        elif media_range.media_type in ("*/*", "*", "multipart/*"):
            part_type = "*/*"
        else:
            part_type = media_range.media_type
        syntax = media_range.transfer_syntax
        if part_type in ("application/octet-stream", "application/*"):
            if syntax in (None, EXPLICIT_VR_LITTLE_ENDIAN, ANY_TRANSFER_SYNTAX):
                uncompressed = True
        elif part_type == "*/*":
            uncompressed = True
            any_compressed = any_compressed or syntax == ANY_TRANSFER_SYNTAX
        elif part_type.endswith("/*"):
            kind = part_type[:-1]
            compressed.update(t for t in COMPRESSED_MEDIA_TYPES.values() if t.startswith(kind))
        elif part_type in COMPRESSED_MEDIA_TYPES.values():
            compressed.add(part_type)
    if not uncompressed and not compressed and not any_compressed:
        return None
    return PixelAcceptance(uncompressed, frozenset(compressed), any_compressed)


def rendered_media_type(ranges: list[MediaRange]) -> str | None:
    """The rendered image type to answer with (image/jpeg when anything goes), or None."""
    for media_range in ranges:
        for media_type in RENDERED_MEDIA_TYPES:
            if media_range.matches(media_type):
                return media_type
    return None
