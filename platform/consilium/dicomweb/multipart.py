"""A streaming reader for `multipart/related` bodies (RFC 2387), as STOW-RS sends them.

Each part is spooled to a temporary file as it arrives, so a large upload is never held in memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from typing import BinaryIO, Protocol

CHUNK = 256 * 1024
SPOOL_LIMIT = 8 * 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024


class MultipartError(ValueError):
    """The body is not well-formed multipart/related; the message says how."""


class Readable(Protocol):
    def read(self, size: int = -1) -> bytes: ...


@dataclass
class Part:
    headers: dict[str, str]
    body: BinaryIO  # positioned at 0

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def parse_content_type(header: str) -> tuple[str, dict[str, str]]:
    message = Message()
    message["content-type"] = header
    params = {key.lower(): value for key, value in message.get_params(failobj=[])[1:]}
    return message.get_content_type(), params


def iter_parts(stream: Readable, boundary: str) -> Iterator[Part]:
    """Yield each part of the body; the caller must consume one part before asking the next."""
    if not boundary or len(boundary) > 70:
        raise MultipartError("The Content-Type has no valid 'boundary' parameter.")
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    buffer = b"\r\n"  # so a delimiter at the very start matches like the others
    eof = False

    def fill() -> bool:
        nonlocal buffer, eof
        if eof:
            return False
        chunk = stream.read(CHUNK)
        if not chunk:
            eof = True
            return False
        buffer += chunk
        return True

    # Skip the preamble up to the first delimiter.
    while (index := buffer.find(delimiter)) < 0:
        buffer = buffer[-len(delimiter) :]
        if not fill():
            raise MultipartError("No part found: the boundary never occurs in the body.")
    buffer = buffer[index + len(delimiter) :]

    while True:
        while len(buffer) < 2 and fill():
            pass
        if buffer.startswith(b"--"):
            return  # close delimiter
        # Transport padding, then CRLF, then the part's headers.
        while (header_end := buffer.find(b"\r\n\r\n")) < 0:
            if len(buffer) > MAX_HEADER_BYTES:
                raise MultipartError("A part's headers are too long or not terminated.")
            if not fill():
                raise MultipartError("The body ends inside a part's headers.")
        headers = _parse_headers(buffer[:header_end])
        buffer = buffer[header_end + 4 :]
        body = tempfile.SpooledTemporaryFile(max_size=SPOOL_LIMIT)  # noqa: SIM115 - closed after the yield
        while (index := buffer.find(delimiter)) < 0:
            keep = len(delimiter) - 1
            if len(buffer) > keep:
                body.write(buffer[:-keep])
                buffer = buffer[-keep:]
            if not fill():
                body.close()
                raise MultipartError("The body ends before the closing boundary.")
        body.write(buffer[:index])
        buffer = buffer[index + len(delimiter) :]
        body.seek(0)
        try:
            yield Part(headers=headers, body=body)
        finally:
            body.close()


def _parse_headers(raw: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in raw.decode("latin-1").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers
