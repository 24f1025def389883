"""Write the synthetic part of the de-identification corpus: annotated notes and their phrases.

    .venv/bin/python tests/deid/corpus/generate_notes.py

Deterministic: the same seeds give the same files byte for byte, so the notes are committed as
plain data and this script only documents (and can redo) how they were made.

- ``notes/g_tune_NNN_<type>.txt``: tuning notes (seed `TUNING_SEED`, even half of every
  vocabulary list), the ones the de-identifier's rules were adjusted against;
- ``notes/g_held_NNN_<type>.txt``: held-out notes (seed `HELD_OUT_SEED`, the odd half), same
  note types and clinical content, but people, streets, towns and institutions that no tuning
  note contains;
- ``clinical_phrases_generated.txt``: every phrase the notes mark ``[[...]]`` as clinical
  content that must survive, for tests/deid/test_deid_notes_corpus.py.

Identifiers are marked ``{{KIND|text}}`` like the hand-written notes. Note types cycle through
`synthetic_notes.NOTE_TYPES` (discharge summaries, radiology, ED, referral letters, nursing,
telephone, operative, registration face sheets, pathology, consults, telehealth, transfers and
progress notes); the people, dates, numbers and clinical problems are drawn per note.
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

from synthetic_notes import NOTE_TYPES, new_scene
from synthetic_phi import PhiWriter

CORPUS = Path(__file__).resolve().parent
TUNING_SEED = 20240611
HELD_OUT_SEED = 97531
TUNING_NOTES = 110
HELD_OUT_NOTES = 70
PHRASE = re.compile(r"\[\[(.+?)\]\]")
PHRASES_FILE = "clinical_phrases_generated.txt"


def generated_notes(*, seed: int, count: int, held_out: bool) -> list[tuple[str, str]]:
    """(note type, marked text) for `count` notes; types cycle so that each appears often."""
    rng = random.Random(seed)
    phi = PhiWriter(rng, held_out=held_out)
    types = list(NOTE_TYPES)
    notes = []
    for index in range(count):
        if index % len(types) == 0:
            rng.shuffle(types)
        kind = types[index % len(types)]
        scene = new_scene(rng, phi, kind=kind)
        notes.append((kind, NOTE_TYPES[kind](scene).strip() + "\n"))
    return notes


def write_corpus(folder: Path) -> tuple[int, int]:
    """Rewrites the generated notes and the phrase list; returns (notes, phrases) written."""
    notes_folder = folder / "notes"
    for old in notes_folder.glob("g_*.txt"):
        old.unlink()
    phrases: set[str] = set()
    written = 0
    for split, seed, count, held_out in (
        ("tune", TUNING_SEED, TUNING_NOTES, False),
        ("held", HELD_OUT_SEED, HELD_OUT_NOTES, True),
    ):
        for number, (kind, marked) in enumerate(
            generated_notes(seed=seed, count=count, held_out=held_out), start=1
        ):
            phrases.update(PHRASE.findall(marked))
            text = PHRASE.sub(r"\1", marked)
            (notes_folder / f"g_{split}_{number:03d}_{kind}.txt").write_text(text, encoding="utf-8")
            written += 1
    header = (
        "# Clinical phrases of the generated notes (written by generate_notes.py, do not edit).\n"
        "# Each must survive de-identification; see clinical_phrases.txt for the format.\n"
    )
    (folder / PHRASES_FILE).write_text(
        header + "".join(f"{phrase}\n" for phrase in sorted(phrases)), encoding="utf-8"
    )
    return written, len(phrases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the corpus folder")
    args = parser.parse_args()
    notes, phrases = write_corpus(args.corpus)
    print(f"wrote {notes} notes and {phrases} phrases under {args.corpus}")


if __name__ == "__main__":
    main()
