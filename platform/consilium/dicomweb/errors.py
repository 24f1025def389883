"""The one error type DICOMweb services raise for what a client did or asked for."""

from __future__ import annotations


class DicomwebError(Exception):
    """A request the client can fix, or a resource that is not there: HTTP status and reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
