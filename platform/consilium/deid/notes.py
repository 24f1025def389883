"""De-identify a clinical note: every HIPAA Safe Harbor identifier becomes a typed placeholder.

`note_deidentify(text)` returns the text with "[NAME]", "[DATE]", "[ID]", "[MRN]", "[SSN]",
"[PHONE]", "[EMAIL]", "[URL]", "[IP]", "[ADDRESS]", "[INSTITUTION]" and "[AGE>89]" in place of
what was there, and where each placeholder sits in the output. With ``date_shift_days`` full
dates are moved back by that many days instead (the platform passes the patient's DICOM offset,
so a note and its images agree) and keep their format; partial dates still become "[DATE]".

Approach: rules and dictionaries, offline and deterministic, no model. A statistical NER model
would need weights that cannot be shipped or fetched here, and its misses cannot be reasoned
about; rules can be read, tested one by one and extended. Shaped identifiers (dates, phone
numbers, e-mail, URLs, IPs, SSNs, record numbers, ages over 89, ZIP codes, street addresses,
institutions) are regular expressions with cues (`note_dates`, `note_patterns`, `note_places`).
Names combine titles, credentials, person labels and cue words with given-name and surname
lists derived from Faker and an English word list derived from SCOWL, so a capitalised token
can be told apart as a listed name, a common word or an unknown word (`note_names`,
`note_name_cues`, `lexicon`). Clinical meaning is protected by
lists of eponyms ("Parkinson", "Hodgkin", "Down syndrome"), drug brands ("Lasix") and organisms,
and by eponym heads ("disease", "syndrome", "sign", "fracture"...), so they survive unless a
title marks a person.

Where finding and keeping disagree, the rules remove: a miss leaks a patient, a false hit costs
a word. The corpus in tests/deid/corpus measures both (PHI recall, precision, clinical-phrase
survival), including generated notes the rules were not tuned against.
"""

from __future__ import annotations

from dataclasses import dataclass

from .note_dates import find_dates
from .note_names import find_names
from .note_patterns import find_patterns
from .note_places import find_places
from .note_spans import Span, merge_spans

__all__ = ["NoteDeidResult", "Replacement", "find_identifiers", "note_deidentify", "replace_spans"]


@dataclass(frozen=True)
class Replacement:
    kind: str  # "NAME", "DATE", "ID", "PHONE", "ADDRESS", "AGE>89", "EMAIL", "URL", "IP", ...
    start: int  # offsets in the OUTPUT text of the placeholder
    end: int


@dataclass(frozen=True)
class NoteDeidResult:
    text: str
    replacements: list[Replacement]  # never contains the original strings


def _join_names(text: str, spans: list[Span]) -> list[Span]:
    """ "[NAME] [NAME]" reads worse than "[NAME]": names split only by spaces are one name."""
    joined: list[Span] = []
    for span in spans:
        if (
            joined
            and span.kind == joined[-1].kind
            and span.kind in ("NAME", "ADDRESS", "INSTITUTION")
            and text[joined[-1].end : span.start].strip(" .,") == ""
            and "\n" not in text[joined[-1].end : span.start]
            and text[joined[-1].end : span.start].strip(" ") == ""
        ):
            joined[-1] = Span(joined[-1].start, span.end, span.kind)
        else:
            joined.append(span)
    return joined


def find_identifiers(text: str, *, date_shift_days: int | None = None) -> list[Span]:
    """Where the identifiers of `text` are (offsets in `text`), merged and in order."""
    found: list[Span] = []
    found.extend(find_patterns(text))
    found.extend(find_places(text))
    found.extend(find_dates(text, shift_days=date_shift_days))
    found.extend(find_names(text))
    return _join_names(text, merge_spans(found))


def note_deidentify(text: str, *, date_shift_days: int | None = None) -> NoteDeidResult:
    """`text` with every Safe Harbor identifier replaced; see the module docstring."""
    return replace_spans(text, find_identifiers(text, date_shift_days=date_shift_days))


def replace_spans(text: str, spans: list[Span]) -> NoteDeidResult:
    """`text` with each of `spans` (in order, not overlapping) replaced by its placeholder."""
    pieces: list[str] = []
    replacements: list[Replacement] = []
    position = 0
    length = 0
    for span in spans:
        kept = text[position : span.start]
        pieces.append(kept)
        length += len(kept)
        placeholder = span.text
        pieces.append(placeholder)
        replacements.append(Replacement(span.kind, length, length + len(placeholder)))
        length += len(placeholder)
        position = span.end
    pieces.append(text[position:])
    return NoteDeidResult("".join(pieces), replacements)
