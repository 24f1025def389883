from __future__ import annotations

import io

import pytest

from consilium.dicomweb import multipart
from consilium.dicomweb.multipart import MultipartError, iter_parts, parse_content_type


class Trickle(io.BytesIO):
    """Hands out the body a few bytes at a time, so delimiters straddle reads."""

    def __init__(self, data: bytes, step: int) -> None:
        super().__init__(data)
        self.step = step

    def read(self, size: int = -1) -> bytes:
        return super().read(min(self.step, size if size > 0 else self.step))


def body(*payloads: bytes, boundary: str = "b0undary", preamble: bytes = b"") -> bytes:
    out = preamble
    for payload in payloads:
        out += (
            f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + payload + b"\r\n"
        )
    return out + f"--{boundary}--\r\n".encode()


@pytest.mark.parametrize("step", [1, 3, 7, 64, 1 << 20])
def test_parts_survive_any_read_size(step: int) -> None:
    payloads = [b"\r\n--b0und" * 3 + bytes(range(256)), b"", b"x" * 5000]
    parts = [
        (part.content_type, part.body.read())
        for part in iter_parts(Trickle(body(*payloads, preamble=b"ignored\r\n"), step), "b0undary")
    ]
    assert parts == [("application/dicom", payload) for payload in payloads]


def test_large_part_is_spooled_to_disk(monkeypatch) -> None:
    monkeypatch.setattr(multipart, "SPOOL_LIMIT", 1024)
    parts = iter_parts(io.BytesIO(body(b"z" * 10_000)), "b0undary")
    part = next(parts)
    assert part.body._rolled  # on disk, not in memory
    assert part.body.read() == b"z" * 10_000


def test_truncated_body_is_an_error() -> None:
    truncated = body(b"abc")[:-20]
    with pytest.raises(MultipartError):
        list(iter_parts(io.BytesIO(truncated), "b0undary"))


def test_missing_boundary_is_an_error() -> None:
    with pytest.raises(MultipartError):
        list(iter_parts(io.BytesIO(b"no parts here"), "b0undary"))
    with pytest.raises(MultipartError):
        list(iter_parts(io.BytesIO(b""), ""))


def test_content_type_parameters_are_parsed() -> None:
    media, params = parse_content_type(
        'multipart/related; type="application/dicom"; boundary="a b"'
    )
    assert media == "multipart/related"
    assert params == {"type": "application/dicom", "boundary": "a b"}
