"""Which words of a note are clinical, so that no name rule but a title may take them.

A token is protected when it is a clinical word (a strict eponym, a drug brand, an organism, a
report word: `lexicon.CLINICAL_WORDS`), or when an eponym head follows it ("Wilson disease",
"Bell's palsy", "Kerley B lines", "Glasgow Coma Scale"), or when it follows "pouch of",
"circle of" and the like ("pouch of Douglas", "tetralogy of Fallot").
"""

from __future__ import annotations

from .lexicon import CLINICAL_WORDS, EPONYM_HEADS, EPONYMS, STRICT_EPONYMS, word_set
from .note_places import state_spans
from .note_words import NoteWords, Token, name_parts

__all__ = ["protected_tokens"]

# "pouch of Douglas": a capitalised word after these and "of" is an eponym.
_OF_HEADS = word_set(
    """
    pouch circle sphincter ampulla loop canal canals space ligament islets islet tetralogy
    organ organs crypts crypt angle triangle foramen duct ducts node nodes line lines tract
    spaces island bundle fibers fibres cells body bodies capsule membrane gland glands plexus
    """
)


def _is_clinical(token: Token) -> bool:
    return (
        token.word in CLINICAL_WORDS
        or token.lookup in CLINICAL_WORDS
        or any(part in STRICT_EPONYMS for part in name_parts(token))
    )


def protected_tokens(words: NoteWords) -> list[bool]:
    """Per token of `words`: whether it is clinical vocabulary (or a state) rather than a name."""
    protected = [
        _is_clinical(token) or words.camel_case(index) for index, token in enumerate(words.tokens)
    ]
    tokens = words.tokens
    for start, end in state_spans(words.text):
        for index, token in enumerate(tokens):
            if start <= token.start and token.end <= end:
                protected[index] = True
    for index, token in enumerate(tokens):
        lower = token.word.lower()
        if index == 0:
            continue
        if lower in EPONYM_HEADS or lower in _OF_HEADS:
            _protect_before(words, protected, index)
        if (
            lower == "of"
            and index + 1 < len(tokens)
            and tokens[index - 1].word.lower() in _OF_HEADS
        ):
            # "pouch of Douglas", "circle of Willis", "tetralogy of Fallot"
            following = tokens[index + 1]
            if following.is_capitalised and words.adjacent(index, index + 1):
                protected[index + 1] = True
    return protected


def _protect_before(words: NoteWords, protected: list[bool], head: int) -> None:
    tokens = words.tokens
    run: list[int] = []
    cursor = head - 1
    # single capital letters between ("Kerley B lines") belong to the eponym
    while cursor >= 0 and tokens[cursor].is_initial and words.adjacent(cursor, cursor + 1):
        cursor -= 1
    while cursor >= 0 and tokens[cursor].is_capitalised:
        right = run[-1] if run else cursor + 1
        gap = words.gap(cursor, right).strip(" ")
        if gap not in ("", "'s", "\u2019s") or "\n" in words.gap(cursor, right):
            break
        run.append(cursor)
        cursor -= 1
    if (
        len(run) == 1
        or (run and all(all(part in EPONYMS for part in name_parts(tokens[i])) for i in run))
        or (len(run) == 2 and not any(words.listed(i) for i in run))
    ):
        for i in run:
            protected[i] = True
