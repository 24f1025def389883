"""A found identifier in a note: where it is, what it is, and what to put in its place."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Span", "merge_spans", "pattern_spans"]

# When two findings overlap, the merged span takes the kind of the more specific one.
_PRIORITY = {
    "EMAIL": 10,
    "URL": 10,
    "IP": 10,
    "SSN": 9,
    "PHONE": 8,
    "MRN": 8,
    "ID": 7,
    "DATE": 6,
    "AGE>89": 6,
    "ADDRESS": 5,
    "INSTITUTION": 4,
    "NAME": 3,
}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str
    replacement: str | None = None  # None: the placeholder "[KIND]"

    @property
    def text(self) -> str:
        return self.replacement if self.replacement is not None else f"[{self.kind}]"


def merge_spans(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans covering every character any finding covered."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.end <= span.start:
            continue
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            if span.end <= last.end and last.replacement is None:
                continue  # inside a placeholder already
            winner = max(last, span, key=lambda s: (_PRIORITY.get(s.kind, 0), s.end - s.start))
            merged[-1] = Span(last.start, max(last.end, span.end), winner.kind)
        else:
            merged.append(span)
    return merged


def pattern_spans(
    pattern: re.Pattern[str], text: str, kind: str, group: str | int = 0
) -> Iterator[Span]:
    """A span of `kind` for every match of `pattern` (or of one of its groups) in `text`."""
    for match in pattern.finditer(text):
        if match.group(group) is not None:
            yield Span(match.start(group), match.end(group), kind)
