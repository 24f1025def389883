"""Dates in free text: every element but the year is an identifier (45 CFR 164.514(b)(2)(i)(C)).

Found: numeric dates (3/14/2021, 14.03.21, 2021-03-14, 20210314), dates with month names
("March 3rd, 2021", "3 Mar 2021", "14-MAR-2021", with or without a weekday), day and month
without a year after a cue ("on 3/14", "since March 3"), a month alone after a preposition ("in
May"), holidays ("Christmas Eve"), and a birth year that makes someone older than 89. A year
alone is kept, and so is the year of "March 2021" (only the month goes).

With a shift, a date that has a day is moved back by that many days and written in its own
format (a weekday is recomputed, or dropped when the year is unknown); anything less precise
becomes "[DATE]".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

from .lexicon import word_set
from .note_spans import Span

__all__ = ["find_dates"]

_MONTHS_FULL = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTHS_ABBR = tuple(month[:3] for month in _MONTHS_FULL)
_MONTH_NUMBER: dict[str, int] = {}
for _number, (_full, _abbr) in enumerate(zip(_MONTHS_FULL, _MONTHS_ABBR, strict=True), start=1):
    _MONTH_NUMBER[_full.lower()] = _number
    _MONTH_NUMBER[_abbr.lower()] = _number
_MONTH_NUMBER["sept"] = 9

# Capitalised (or upper-case) months only: "march" and "may" are verbs.
_MONTH = (
    r"(?P<month>(?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December|JANUARY|FEBRUARY|MARCH|APRIL|MAY|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|"
    r"NOVEMBER|DECEMBER)\b|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec|JAN|FEB|MAR|APR|"
    r"JUN|JUL|AUG|SEPT|SEP|OCT|NOV|DEC)\b\.?)"
)
_WEEKDAY = (
    r"(?P<weekday>(?:Mon|Tues|Tue|Wed|Wednes|Thurs|Thur|Thu|Fri|Sat|Satur|Sun)(?:day)?\.?,?\s+)?"
)
_ORDINAL = r"(?:st|nd|rd|th)?"

# A time after the date stays: Safe Harbor removes dates, not times of day.
_ISO = re.compile(
    r"(?<![\d.])(?P<year>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)"
)
_NUMERIC = re.compile(
    r"(?<![\d/.\-])(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})"
    r"(?![\d/]|\.\d)"
)
_COMPACT = re.compile(
    r"(?<![\d.])(?P<year>(?:18|19|20)\d{2})(?P<m>0[1-9]|1[0-2])"
    r"(?P<d>0[1-9]|[12]\d|3[01])(?![\d])"
)
_MONTH_DAY = re.compile(
    _WEEKDAY + _MONTH + r"\s+(?P<day>\d{1,2})" + _ORDINAL + r"(?![\d:])"
    r"(?:(?P<ysep>,?\s+|,\s*)(?P<year>\d{4})(?!\d))?"
)
_DAY_MONTH = re.compile(
    _WEEKDAY
    + r"(?:the\s+)?(?<![\d.])(?P<day>\d{1,2})"
    + _ORDINAL
    + r"(?P<dsep>\s+of\s+|\s+|-)"
    + _MONTH
    + r"(?:(?P<ysep>,?\s+|-)(?P<year>\d{4}|\d{2})(?!\d|:\d))?"
)
_MONTH_YEAR = re.compile(_MONTH + r",?\s+(?:of\s+)?(?P<year>\d{4})(?!\d)")
_MONTH_ALONE = re.compile(
    r"(?i:\b(?:in|since|during|until|till|through|by|from|of|early|late|mid|last|this|next|"
    r"before|after|around|throughout|beginning|end|the)\s+(?:of\s+)?|\bmid-)" + _MONTH
)
_SHORT = re.compile(
    r"(?i:\b(?:on|since|from|until|till|through|thru|dated|starting|beginning|before|after|"
    r"dob|dos|d/c|discharged|admitted|hospitali[sz]ed|intubated|extubated|started|stopped|"
    r"placed|removed|performed|drawn|collected|obtained|seen|date|due|onset|as\s+of|visit|"
    r"last|dated|surgery|scan|scanned|cultures?|biopsy|biopsied|transfused|note)\b[:\s]+)"
    r"(?P<m>\d{1,2})(?P<sep>[/-])(?P<d>\d{1,2})(?![\d/])"
)
_RANGE_TAIL = re.compile(
    r"\s*(?:-|\u2013|to|through)\s*(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:/(?P<year>\d{2,4}))?"
    r"(?![\d/])"
)
_BARE_RANGE = re.compile(
    r"(?<![\d/.])(?P<m>\d{1,2})/(?P<d>\d{1,2})(?=\s*(?:-|\u2013|to|through)\s*\d{1,2}/\d{1,2}(?![\d/]))"
)
_WEEKDAY_BEFORE = re.compile(
    r"(?:Mon|Tues|Tue|Wed|Wednes|Thurs|Thur|Thu|Fri|Sat|Satur|Sun)(?:day)?\.?,?\s+$"
)
# "list 11/14": a day-month whose day cannot be a denominator of a fraction or a score.
_BARE_DAY_MONTH = re.compile(
    r"(?<![\d/.:])(?<!GCS )(?<!acuity )(?<!VA )(?P<m>0?[1-9]|1[0-2])/(?P<d>1[3-9]|2\d|3[01])"
    r"(?![\d/])"
)
_WORD_BEFORE = re.compile(r"(?P<word>[A-Za-z]+)\W{0,3}$")
_SCORE_WORDS = word_set(
    """
    gcs moca mmse slums score scored scores acuity va strength power grade murmur pain apgar
    apgars nihss phq gad audit edinburgh epworth
    """
)
_HOLIDAY = re.compile(
    r"\b(?:Christmas(?:\s+(?:Day|Eve))?|Thanksgiving(?:\s+Day)?|Easter(?:\s+Sunday)?|Halloween|"
    r"New\s+Year'?s(?:\s+(?:Day|Eve))?|Independence\s+Day|Fourth\s+of\s+July|Memorial\s+Day|"
    r"Labor\s+Day|Valentine'?s\s+Day|Veterans\s+Day|Mother'?s\s+Day|Father'?s\s+Day)\b"
    r"(?!\s+(?:disease|factor))"
)
_BIRTH_YEAR = re.compile(
    r"(?i:\b(?:born|b\.|dob|d\.o\.b\.|date\s+of\s+birth|birth\s*year|year\s+of\s+birth)\s*"
    r"(?:in|:|on|-)?\s*)(?P<year>\d{4})(?!\d)"
)

_REFERENCE_YEAR = 2000  # leap year: a day-month without a year is shifted as if in 2000
_MAX_AGE = 89


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        pivot = date.today().year % 100
        year += 2000 if year <= pivot else 1900
    return year


def _pad(value: int, like: str) -> str:
    return f"{value:0{len(like)}d}" if like.startswith("0") or len(like) == 2 else str(value)


def _year_text(year: int, like: str) -> str:
    return f"{year % 100:02d}" if len(like) == 2 else f"{year:04d}"


def _month_text(month: int, like: str) -> str:
    bare = like.rstrip(".")
    name = _MONTHS_FULL[month - 1] if len(bare) > 4 or bare.lower() == "june" else None
    if name is None:
        name = _MONTHS_ABBR[month - 1]
        if bare.lower() == "sept" and month == 9:
            name = "Sept"
    if bare.isupper():
        name = name.upper()
    return name + ("." if like.endswith(".") else "")


def _ordinal(day: int) -> str:
    if 10 <= day % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _weekday_text(day: date, like: str) -> str:
    full = day.strftime("%A")
    text = full if len(like.strip(" ,.")) > 3 else full[:3]
    return text + like[len(like.rstrip(" ,.")) :]


class _Finder:
    def __init__(self, text: str, shift_days: int | None) -> None:
        self.text = text
        self.shift = shift_days
        self.spans: list[Span] = []
        self.taken: list[tuple[int, int]] = []

    def _free(self, start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in self.taken)

    def add(self, start: int, end: int, replacement: str | None = None) -> None:
        weekday = _WEEKDAY_BEFORE.search(self.text, max(0, start - 12), start)
        if weekday is not None:
            start = weekday.start()  # a date element too, and wrong once the date is shifted
        self.spans.append(Span(start, end, "DATE", replacement))
        self.taken.append((start, end))

    def shifted(self, day: date) -> date | None:
        if self.shift is None:
            return None
        try:
            return day - timedelta(days=self.shift)
        except OverflowError:
            return None

    # -- numeric --------------------------------------------------------------------------

    def iso(self) -> None:
        for m in _ISO.finditer(self.text):
            day = _valid(int(m["year"]), int(m["m"]), int(m["d"]))
            if day is None or not 1800 <= day.year <= 2199 or not self._free(*m.span()):
                continue
            new = self.shifted(day)
            replacement = None
            if new is not None:
                sep = m["sep"]
                replacement = (
                    f"{new.year:04d}{sep}{_pad(new.month, m['m'])}{sep}{_pad(new.day, m['d'])}"
                )
            self.add(*m.span(), replacement)

    def numeric(self) -> None:
        for m in _NUMERIC.finditer(self.text):
            a, b, year = int(m["a"]), int(m["b"]), _full_year(m["year"])
            day_first = a > 12
            day = _valid(year, b, a) if day_first else _valid(year, a, b)
            if day is None or not self._free(*m.span()):
                continue
            new = self.shifted(day)
            replacement = None
            if new is not None:
                first, second = (new.day, new.month) if day_first else (new.month, new.day)
                sep = m["sep"]
                replacement = (
                    f"{_pad(first, m['a'])}{sep}{_pad(second, m['b'])}{sep}"
                    f"{_year_text(new.year, m['year'])}"
                )
            self.add(*m.span(), replacement)
            self.range_tail(m.end(), year)

    def compact(self) -> None:
        for m in _COMPACT.finditer(self.text):
            day = _valid(int(m["year"]), int(m["m"]), int(m["d"]))
            if day is None or not self._free(*m.span()):
                continue
            new = self.shifted(day)
            self.add(*m.span(), None if new is None else new.strftime("%Y%m%d"))

    def short(self) -> None:
        for m in _SHORT.finditer(self.text):
            day = _valid(_REFERENCE_YEAR, int(m["m"]), int(m["d"]))
            if day is None or not self._free(m.start("m"), m.end("d")):
                continue
            new = self.shifted(day)
            replacement = None
            if new is not None:
                replacement = f"{_pad(new.month, m['m'])}{m['sep']}{_pad(new.day, m['d'])}"
            self.add(m.start("m"), m.end("d"), replacement)
            self.range_tail(m.end("d"), None)

    def bare_ranges(self) -> None:
        """ "hospitalized 1/5-1/9": two day-months joined by a dash are dates, not fractions."""
        for m in _BARE_RANGE.finditer(self.text):
            day = _valid(_REFERENCE_YEAR, int(m["m"]), int(m["d"]))
            if day is None or not self._free(*m.span()):
                continue
            new = self.shifted(day)
            replacement = None
            if new is not None:
                replacement = f"{_pad(new.month, m['m'])}/{_pad(new.day, m['d'])}"
            self.add(*m.span(), replacement)
            self.range_tail(m.end(), None)

    def bare_day_months(self) -> None:
        for m in _BARE_DAY_MONTH.finditer(self.text):
            day = _valid(_REFERENCE_YEAR, int(m["m"]), int(m["d"]))
            if day is None or not self._free(*m.span()):
                continue
            before = _WORD_BEFORE.search(self.text, max(0, m.start() - 20), m.start())
            if before is not None and before["word"].lower() in _SCORE_WORDS:
                continue  # "MoCA 12/30", "strength 4/5": a score out of a maximum
            new = self.shifted(day)
            replacement = None
            if new is not None:
                replacement = f"{_pad(new.month, m['m'])}/{_pad(new.day, m['d'])}"
            self.add(*m.span(), replacement)

    def range_tail(self, position: int, year: int | None) -> None:
        m = _RANGE_TAIL.match(self.text, position)
        if m is None:
            return
        full_year = _full_year(m["year"]) if m["year"] else (year or _REFERENCE_YEAR)
        day = _valid(full_year, int(m["m"]), int(m["d"]))
        if day is None or not self._free(m.start("m"), m.end()):
            return
        new = self.shifted(day)
        replacement = None
        if new is not None:
            replacement = f"{_pad(new.month, m['m'])}/{_pad(new.day, m['d'])}"
            if m["year"]:
                replacement += "/" + _year_text(new.year, m["year"])
        self.add(m.start("m"), m.end(), replacement)

    # -- with month names -----------------------------------------------------------------

    def named(self, pattern: re.Pattern[str], *, day_first: bool) -> None:
        for m in pattern.finditer(self.text):
            if not self._free(*m.span()):
                continue
            month = _MONTH_NUMBER[m["month"].rstrip(".").lower()]
            year_text = m["year"]
            year = _full_year(year_text) if year_text else _REFERENCE_YEAR
            day = _valid(year, month, int(m["day"]))
            if day is None:
                continue
            new = self.shifted(day)
            self.add(*m.span(), None if new is None else self._named_text(m, new, day_first))

    def _named_text(self, m: re.Match[str], new: date, day_first: bool) -> str:
        weekday = ""
        if m["weekday"] and m["year"]:
            weekday = _weekday_text(new, m["weekday"])
        day_text = str(new.day) + (
            _ordinal(new.day) if re.search(r"\d(?:st|nd|rd|th)", m.group(0)) else ""
        )
        if m["day"].startswith("0") and len(m["day"]) == 2:
            day_text = f"{new.day:02d}" + day_text[len(str(new.day)) :]
        month_text = _month_text(new.month, m["month"])
        if day_first:
            lead = "the " if re.match(r"(?:\w+\.?,?\s+)?the\s", m.group(0)) else ""
            body = f"{lead}{day_text}{m['dsep']}{month_text}"
        else:
            body = f"{month_text} {day_text}"
        if m["year"]:
            year = new.year if m["year"] and len(m["year"]) == 4 else new.year % 100
            body += f"{m['ysep']}{year:0{len(m['year'])}d}"
        return weekday + body

    def month_year(self) -> None:
        for m in _MONTH_YEAR.finditer(self.text):
            if self._free(*m.span("month")):
                self.add(*m.span("month"))

    def month_alone(self) -> None:
        for m in _MONTH_ALONE.finditer(self.text):
            if self._free(*m.span("month")):
                self.add(*m.span("month"))

    def holidays(self) -> None:
        for m in _HOLIDAY.finditer(self.text):
            if self._free(*m.span()):
                self.add(*m.span())

    def birth_years(self) -> None:
        oldest = date.today().year - _MAX_AGE - 1
        for m in _BIRTH_YEAR.finditer(self.text):
            if int(m["year"]) <= oldest and self._free(*m.span("year")):
                self.add(*m.span("year"))


def find_dates(text: str, *, shift_days: int | None) -> Iterator[Span]:
    """Every date element of `text` but bare years, with shifted text when a shift is given."""
    finder = _Finder(text, shift_days)
    finder.iso()
    finder.named(_MONTH_DAY, day_first=False)
    finder.named(_DAY_MONTH, day_first=True)
    finder.numeric()
    finder.compact()
    finder.short()
    finder.bare_ranges()
    finder.bare_day_months()
    finder.month_year()
    finder.month_alone()
    finder.holidays()
    finder.birth_years()
    yield from finder.spans
