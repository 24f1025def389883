"""Keyed, deterministic pseudonyms: UIDs, patient ids and per-patient date offsets.

Everything here is an HMAC-SHA256 of the original under the platform's secret, so the same input
gives the same output in every process and on every machine that holds the secret, and nobody
without it can recompute (or reverse) the mapping. Each use has its own domain label, so a UID,
a patient id and a date offset derived from the same string are unrelated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = [
    "UID_ROOT_UUID",
    "date_shift_days",
    "normalise_uid",
    "pseudonymous_patient_id",
    "uid_remap",
]

#: The ISO/ITU-T arc for UIDs made from a UUID (PS3.5 Annex B.2): "2.25.<UUID as an integer>".
UID_ROOT_UUID = "2.25."

#: Longest date shift, in days (the shift is always 1..MAX_DATE_SHIFT_DAYS days back).
MAX_DATE_SHIFT_DAYS = 365


def _digest(secret: bytes, label: str, *parts: str) -> bytes:
    if not secret:
        raise ValueError("The de-identification secret is empty: set one before de-identifying.")
    message = "\x1f".join((label, *parts)).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).digest()


def normalise_uid(uid: str) -> str:
    """A UID as it compares: DICOM pads UI values with NUL (and some writers with spaces)."""
    return uid.strip().rstrip("\x00").strip()


def uid_remap(uid: str, *, secret: bytes) -> str:
    """The de-identified UID for `uid`: ``2.25.<int>``, the same for the same input everywhere.

    The integer is a 128-bit value laid out as an RFC 9562 version-8 ("custom") UUID, so the result
    is a valid UUID-derived UID (at most 44 characters, well under the 64 allowed).
    """
    raw = bytearray(_digest(secret, "uid", normalise_uid(uid))[:16])
    raw[6] = (raw[6] & 0x0F) | 0x80  # version 8
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122/9562 variant
    return UID_ROOT_UUID + str(int.from_bytes(bytes(raw), "big"))


def pseudonymous_patient_id(original_id: str, *, site: str, secret: bytes) -> str:
    """A stable pseudonym for a patient of a site: ``CSL-`` and 16 base-32 characters (80 bits).

    The same (site, original id) always gives the same pseudonym; two sites that happen to use
    the same local id get different ones.
    """
    digest = _digest(secret, "patient-id", site.strip(), original_id.strip())
    return "CSL-" + base64.b32encode(digest[:10]).decode("ascii")


def date_shift_days(original_id: str, *, site: str, secret: bytes) -> int:
    """How many days (1..365) every date of this patient is moved back.

    One offset per (site, original patient id), so intervals between a patient's dates survive
    across studies, instances and processes.
    """
    digest = _digest(secret, "date-shift", site.strip(), original_id.strip())
    return int.from_bytes(digest[:8], "big") % MAX_DATE_SHIFT_DAYS + 1
