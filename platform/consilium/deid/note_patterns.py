"""Identifiers with a shape: contacts, numbers and ages over 89.

Each finder yields spans over the original text; overlaps are resolved later. The rules lean
towards removal where a pattern is unambiguous in a clinical note (a 10-digit phone number, an
e-mail address) and ask for a cue where it is not (a bare number is an identifier only from six
digits up and when no unit follows it; a short one needs a cue such as "MRN" or "policy").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .note_spans import Span, pattern_spans

__all__ = ["find_patterns"]

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(
    r"\b(?:https?://|ftp://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)]"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|edu|gov|mil|io|info|biz|health|co\.uk|org\.uk|"
    r"nhs\.uk)\b(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)])?"
)
_IPV4 = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)"
    r"(?![\d.]\d)"
)
_IPV6 = re.compile(
    r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::?[0-9A-Fa-f]{1,4}|:)(?![\w:])"
    r"|(?<![\w:])::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4}(?![\w:])"
)
_MAC = re.compile(r"\b(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}\b")
_DICOM_UID = re.compile(r"(?<![\d.])\d+(?:\.\d+){4,}(?![\d.]\d)")

_SSN = re.compile(
    r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])"
    r"|(?i:\b(?:ssn|social\s+security(?:\s+(?:number|no\.?|#))?)\s*[:#]?\s*)(?P<ssn>\d{3}[\s-]?\d{2}[\s-]?\d{4})\b"
)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}"
    r"(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?(?!\d)"
    r"|(?<![\w+])\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]\d{2,4}){1,4}(?!\d)"
)
_PHONE_CUED = re.compile(
    r"(?i:\b(?:phone|tel|telephone|fax|cell|mobile|pager|beeper|page|call|contact|ext|"
    r"extension)\b\.?\s*(?:number|no\.?|#)?\s*[:#]?\s*)(?P<number>\d[\d\s.-]{2,14}\d)(?!\d)"
    r"|\bx(?P<extension>\d{3,6})\b"
)

_ID_CUE = (
    r"(?P<cue>mrn|mr\s*#|mr\s+no\.?|medical\s+record(?:\s+(?:number|no\.?|#))?|"
    r"record\s+(?:number|no\.?|#)|chart\s+(?:number|no\.?|#)|hospital\s+(?:number|no\.?|#)|"
    r"patient\s+(?:id|number|no\.?|#)|pt\s+id|pid|acct|account(?:\s+(?:number|no\.?|#))?|"
    r"member\s+(?:id|number|no\.?|#)|subscriber\s+(?:id|number)|policy(?:\s+(?:number|no\.?|#))?|"
    r"health\s+plan(?:\s+(?:id|number|no\.?|#))?|insurance(?:\s+(?:id|number|no\.?|#))?|"
    r"group\s+(?:number|no\.?|#)|medicaid(?:\s+(?:id|number|#))?|medicare(?:\s+(?:id|number|#))?|"
    r"licen[cs]e(?:\s+(?:number|no\.?|#))?|lic\.?\s*#?|dea(?:\s+(?:number|no\.?|#))?|npi|"
    r"certificate(?:\s+(?:number|no\.?|#))?|serial(?:\s+(?:number|no\.?|#))?|s/n|"
    r"device\s+(?:id|identifier|serial)|udi|implant\s+(?:id|serial)|vin|"
    r"(?:licen[cs]e|vehicle|registration|tag)\s+plate(?:\s+(?:number|no\.?|#))?|"
    r"plate\s+(?:number|no\.?|#)|accession(?:\s+(?:number|no\.?|#))?|"
    r"acc\s*#|encounter(?:\s+(?:id|number|no\.?|#))?|visit\s+(?:id|number|no\.?|#)|fin|csn|"
    r"order\s+(?:number|no\.?|#)|specimen\s+(?:id|number|no\.?|#)|case\s+(?:number|no\.?|#)|"
    r"requisition(?:\s+(?:number|no\.?|#))?|id(?:\s+(?:number|no\.?|#))?|#)"
)
_CUED_ID = re.compile(
    r"(?i:\b" + _ID_CUE + r"\s*(?:is|was|of)?\s*[:#=]?\s*)"
    # "ABC 1234": letters, a space, digits, as number plates and some policy numbers are written
    r"(?P<value>[A-Z]{2,4}[ ]\d{3,5}(?![\w-])|"
    r"(?=[A-Za-z0-9-]*\d)[A-Za-z0-9][A-Za-z0-9/.-]*[A-Za-z0-9])"
)
_LONG_NUMBER = re.compile(r"(?<![\w.,/])\d{6,}(?![\w.,/]\d)")
_COMPACT_DATE = re.compile(r"(?:18|19|20|21)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
# A vehicle identification number: 17 letters and digits, no I, O or Q.
_VIN = re.compile(r"\b(?=[A-HJ-NPR-Z0-9]*\d)(?=[A-HJ-NPR-Z0-9]*[A-HJ-NPR-Z])[A-HJ-NPR-Z0-9]{17}\b")
_CODE_ID = re.compile(r"\b(?=[A-Z0-9-]*[A-Z])(?=(?:[A-Z-]*\d){5,})[A-Z0-9]+(?:-[A-Z0-9]+)*\b")
_UNIT_AFTER = re.compile(
    r"\s*(?:mg|mcg|µg|ug|g|kg|ml|mL|l|L|cc|units?|iu|IU|copies|cells|/|%|mm|cm|mmhg|mmHg|k|K|"
    r"x\s*10|ng|pg|meq|mEq|mmol|umol|µmol|cfu|CFU|IU/|u/l|U/L)\b",
)

_AGE = re.compile(
    r"(?<![\d.])(?P<age>\d{2,3})(?P<tail>\s*(?:-|\s)?\s*(?:years?|yrs?|y/?o|yo|y\.o\.|yoa)"
    r"(?:[\s-]*old)?\b|[\s-]*year[\s-]*old\b)"
    r"|(?i:\b(?:age|aged|ages|age:)\s*(?:of\s*)?[:=]?\s*)(?P<age2>\d{2,3})(?!\d|\.\d)"
    r"|(?i:\b(?:a|an)\s+)(?P<age3>\d{2,3})(?:\s*(?:-|\s)?\s*(?:M|F|male|female|man|woman|"
    r"gentleman|lady|year))\b"
    r"|(?<![\w.])(?P<age4>\d{2,3})\s?(?:M|F|yo[MF]?)\b"
    r"|(?i:\b(?:alive|died|deceased|passed\s+away|death|dying)\s+(?:at|aged?)\s+(?:age\s+)?)"
    r"(?P<age5>\d{2,3})(?!\d|\.\d)"
)
_AGE_DECADE = re.compile(
    r"(?i:\b(?:in\s+(?:his|her|their|the)\s+(?:late\s+|early\s+|mid-?\s*)?))"
    r"(?P<decade>(?:9|10|11)0s|nineties)\b"
)
_MAX_AGE = 89
_OLDEST = 125  # "150 years" is not an age


def _contacts(text: str) -> Iterator[Span]:
    yield from pattern_spans(_EMAIL, text, "EMAIL")
    for match in _URL.finditer(text):
        if "@" not in text[max(0, match.start() - 1) : match.start()]:
            yield Span(match.start(), match.end(), "URL")
    yield from pattern_spans(_IPV4, text, "IP")
    yield from pattern_spans(_IPV6, text, "IP")
    yield from pattern_spans(_MAC, text, "ID")
    yield from pattern_spans(_DICOM_UID, text, "ID")
    for match in _SSN.finditer(text):
        group = "ssn" if match["ssn"] else 0
        yield Span(match.start(group), match.end(group), "SSN")
    yield from pattern_spans(_PHONE, text, "PHONE")
    for match in _PHONE_CUED.finditer(text):
        group = "number" if match["number"] else "extension"
        if sum(char.isdigit() for char in match[group]) >= 4:
            yield Span(match.start(group), match.end(group), "PHONE")


def _numbers(text: str) -> Iterator[Span]:
    for match in _CUED_ID.finditer(text):
        cue = match["cue"].lower()
        kind = "MRN" if cue.startswith(("mr", "medical", "record", "chart", "hospital")) else "ID"
        if cue in ("id", "#", "id number") and sum(c.isdigit() for c in match["value"]) < 3:
            continue
        yield Span(match.start("value"), match.end("value"), kind)
    for match in _LONG_NUMBER.finditer(text):
        if _COMPACT_DATE.fullmatch(match.group()):
            continue  # 20230417: a date, found (and shifted) with the dates
        if not _UNIT_AFTER.match(text, match.end()):
            yield Span(match.start(), match.end(), "ID")
    yield from pattern_spans(_CODE_ID, text, "ID")
    yield from pattern_spans(_VIN, text, "ID")


def _ages(text: str) -> Iterator[Span]:
    for match in _AGE.finditer(text):
        group = next(
            name for name in ("age", "age2", "age3", "age4", "age5") if match[name] is not None
        )
        if _MAX_AGE < int(match[group]) <= _OLDEST:
            yield Span(match.start(group), match.end(group), "AGE>89")
    yield from pattern_spans(_AGE_DECADE, text, "AGE>89", "decade")


def find_patterns(text: str) -> Iterator[Span]:
    """Spans of every shaped identifier in `text`."""
    yield from _contacts(text)
    yield from _numbers(text)
    yield from _ages(text)
