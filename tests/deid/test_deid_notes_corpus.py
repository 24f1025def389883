"""PHI recall and clinical-phrase survival of the note de-identifier on a labelled corpus.

corpus/notes/*.txt are clinical notes with every identifier marked ``{{KIND|text}}``;
corpus/clinical_phrases.txt lists phrases that must come through. A planted identifier counts as
caught when every letter and digit of it lies under a placeholder (a bare year may stay: Safe
Harbor keeps years). Survival is occurrences of the phrases in the output over occurrences in the
input. Both figures are printed (`pytest -s` shows them).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from consilium.deid import note_deidentify
from consilium.deid.notes import find_identifiers

CORPUS = Path(__file__).parent / "corpus"
MARK = re.compile(r"\{\{(?P<kind>[A-Z>0-9]+)\|(?P<text>.*?)\}\}", re.DOTALL)
RECALL_TARGET = 0.99
SURVIVAL_TARGET = 0.97


@dataclass(frozen=True)
class Planted:
    note: str
    kind: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Note:
    name: str
    text: str
    planted: list[Planted]


def _parse(path: Path) -> Note:
    marked = path.read_text(encoding="utf-8")
    pieces: list[str] = []
    planted: list[Planted] = []
    position = 0
    length = 0
    for match in MARK.finditer(marked):
        before = marked[position : match.start()]
        pieces.append(before)
        length += len(before)
        text = match["text"]
        planted.append(Planted(path.name, match["kind"], length, length + len(text), text))
        pieces.append(text)
        length += len(text)
        position = match.end()
    pieces.append(marked[position:])
    return Note(path.name, "".join(pieces), planted)


@functools.cache
def corpus() -> list[Note]:
    return [_parse(path) for path in sorted((CORPUS / "notes").glob("*.txt"))]


def phrases() -> list[str]:
    lines = (CORPUS / "clinical_phrases.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _required(planted: Planted) -> list[int]:
    """Offsets of the characters that must be replaced (a date's bare year may stay)."""
    offsets = []
    for token in re.finditer(r"[^\W_]+", planted.text):
        # a bare year may stay, unless it is all there is (a birth year revealing age > 89)
        year = re.fullmatch(r"(?:18|19|20)\d\d", token.group())
        if planted.kind == "DATE" and year and token.group() != planted.text:
            continue
        offsets += range(planted.start + token.start(), planted.start + token.end())
    return offsets


def _occurrences(phrase: str, text: str) -> int:
    return len(re.findall(r"(?<![\w-])" + re.escape(phrase) + r"(?![\w-])", text))


def measure() -> tuple[float, float, list[Planted], list[tuple[str, str]]]:
    caught = total = 0
    missed: list[Planted] = []
    kept = seen = 0
    lost: list[tuple[str, str]] = []
    for note in corpus():
        covered = set()
        for span in find_identifiers(note.text):
            covered.update(range(span.start, span.end))
        for planted in note.planted:
            total += 1
            if all(offset in covered for offset in _required(planted)):
                caught += 1
            else:
                missed.append(planted)
        output = note_deidentify(note.text).text
        for phrase in phrases():
            before, after = _occurrences(phrase, note.text), _occurrences(phrase, output)
            seen += before
            kept += min(before, after)
            if after < before:
                lost.append((note.name, phrase))
    return caught / total, kept / seen, missed, lost


def test_corpus_is_big_enough() -> None:
    notes = corpus()
    planted = [p for note in notes for p in note.planted]
    assert len(notes) >= 25
    assert len(planted) >= 250
    assert {p.kind for p in planted} >= {
        "NAME",
        "DATE",
        "ID",
        "MRN",
        "PHONE",
        "ADDRESS",
        "AGE>89",
        "EMAIL",
        "URL",
        "IP",
        "INSTITUTION",
        "SSN",
    }
    text = "\n".join(note.text for note in notes)
    absent = [phrase for phrase in phrases() if _occurrences(phrase, text) == 0]
    assert absent == []


def test_phi_recall_and_clinical_survival() -> None:
    recall, survival, missed, lost = measure()
    total = sum(len(note.planted) for note in corpus())
    print(
        f"\nnote de-identification: PHI recall {recall:.4f} ({total - len(missed)}/{total}), "
        f"clinical-phrase survival {survival:.4f}"
    )
    for planted in missed:
        print(f"  missed {planted.kind} in {planted.note}")
    for note, phrase in lost:
        print(f"  lost '{phrase}' in {note}")
    assert recall >= RECALL_TARGET
    assert survival >= SURVIVAL_TARGET
