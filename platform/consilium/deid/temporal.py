"""DICOM dates, date-times and ages: shift them by whole days, aggregate ages over 89.

Dates move back by the patient's offset; times of day stay as they are (a whole-day shift keeps
every interval), and a date-time keeps its time and UTC offset. A value that cannot be parsed
cannot be shifted, so the caller gets None and empties it rather than leaking it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

__all__ = ["aggregate_age", "shift_date", "shift_datetime"]

_DA = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DT = re.compile(r"^(\d{4})(\d{2})?(\d{2})?(.*)$")
_AS = re.compile(r"^(\d{3})([DWMY])$")

#: Ages above this many years are reported as "090Y" (HIPAA Safe Harbor, 45 CFR 164.514(b)).
MAX_REPORTED_AGE_YEARS = 89
_DAYS_PER_UNIT = {"D": 1.0, "W": 7.0, "M": 365.25 / 12, "Y": 365.25}


def _shift(day: date, days: int) -> date | None:
    try:
        return day - timedelta(days=days)
    except OverflowError:
        return None


def shift_date(value: str, days: int) -> str | None:
    """A DA value (``YYYYMMDD``; the old ``YYYY.MM.DD`` too) moved `days` back, or None."""
    text = value.strip().replace(".", "")
    if not text:
        return ""
    match = _DA.match(text)
    if match is None:
        return None
    try:
        original = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    shifted = _shift(original, days)
    return None if shifted is None else shifted.strftime("%Y%m%d")


def shift_datetime(value: str, days: int) -> str | None:
    """A DT value (``YYYY[MM[DD[HH[MM[SS[.F]]]]]][&ZZXX]``) with its date part moved back.

    A value that gives only a year (or year and month) is moved as if it fell on the first day
    of that period and keeps its precision.
    """
    text = value.strip()
    if not text:
        return ""
    match = _DT.match(text)
    if match is None:
        return None
    year, month, day, rest = match[1], match[2], match[3], match[4]
    if rest and not re.fullmatch(r"[0-9.]*([+-]\d{4})?", rest):
        return None
    try:
        original = date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    shifted = _shift(original, days)
    if shifted is None:
        return None
    if day:
        head = shifted.strftime("%Y%m%d")
    elif month:
        head = shifted.strftime("%Y%m")
    else:
        head = shifted.strftime("%Y")
    return head + rest


def aggregate_age(value: str) -> str | None:
    """An AS value (``nnnD|W|M|Y``) with ages over 89 years reported as ``090Y``; None if bad."""
    text = value.strip()
    if not text:
        return ""
    match = _AS.match(text)
    if match is None:
        return None
    years = int(match[1]) * _DAYS_PER_UNIT[match[2]] / _DAYS_PER_UNIT["Y"]
    if years > MAX_REPORTED_AGE_YEARS:
        return "090Y"
    return text
