"""Writing `multipart/related` responses (RFC 2387) part by part, so a study is never held whole."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class OutgoingPart:
    """One part: its Content-Type, its length when known in advance, and its body as chunks."""

    content_type: str
    chunks: Iterable[bytes]
    length: int | None = None


def multipart_boundary() -> str:
    # Random per response, so no part's bytes can contain the delimiter by accident.
    return f"consilium-{uuid.uuid4().hex}"


def multipart_content_type(part_type: str, boundary: str) -> str:
    return f'multipart/related; type="{part_type}"; boundary={boundary}'


def multipart_stream(parts: Iterable[OutgoingPart], boundary: str) -> Iterator[bytes]:
    """The body, one chunk at a time; each part is produced only when the client reads that far."""
    for part in parts:
        head = f"--{boundary}\r\nContent-Type: {part.content_type}\r\n"
        if part.length is not None:
            head += f"Content-Length: {part.length}\r\n"
        yield (head + "\r\n").encode("latin-1")
        yield from part.chunks
        yield b"\r\n"
    yield f"--{boundary}--\r\n".encode("latin-1")
