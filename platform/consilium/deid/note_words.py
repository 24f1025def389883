"""The words of a note as the name rules see them: tokens, their case, and what lies between them.

`NoteWords` splits a note into word tokens (a trailing period and a possessive "'s" are set
aside) and answers the questions every name rule asks: is a token a listed name, a common
English word, or neither; are two tokens adjacent; does a token start a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import (
    MEDICAL_ENDINGS,
    TITLES,
    is_ambiguous_name,
    is_english_word,
    is_known_name,
    word_set,
)

__all__ = ["PARTICLES", "STOPWORDS", "NoteWords", "Token", "name_parts"]

_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['\u2019-](?=[^\W\d_]))*\.?")
# "al-Hashimi", "d'Souza": a lower-case particle joined to a capitalised name.
_PARTICLE_PREFIX = re.compile(r"(?:al|el|ad|as|ash|bin|ibn|abu|ben|bint|d|l|o)['\u2019-][A-Z]")
PARTICLES = word_set("van von de del della der den di da du la le bin ibn al el ter ten dos das y")
STOPWORDS = word_set(
    """
    a an the and or but if of in on at to for from by with without into onto over under is
    was were are be been being has had have do does did not no nor as than then this that
    these those it its he she they them his her their him we us our you your i me my who whom
    which what when where why how all any some each every both either neither per via vs
    """
)
# "BlueCross", "UnitedHealthcare": a capital inside a word after a syllable that no surname
# starts with is a brand; "McAllister", "MacKinnon", "DeBakey", "VanDyke" are names.
_CAMEL_CASE = re.compile(
    r"(?!(?:Mc|Mac|De|Di|Da|Du|La|Le|Van|Von|St|Fitz)[A-Z])[A-Z][a-z]{2,}[A-Z]"
)
_SENTENCE_END = frozenset(".!?:;\n\r\t•*")


@dataclass
class Token:
    start: int
    end: int
    word: str  # without a trailing period or possessive
    dot: bool

    @property
    def lookup(self) -> str:
        return self.word[:1].upper() + self.word[1:].lower()

    @property
    def is_capitalised(self) -> bool:
        return self.word[:1].isupper() or _PARTICLE_PREFIX.match(self.word) is not None

    @property
    def is_upper(self) -> bool:
        return len(self.word) > 1 and self.word.isupper()

    @property
    def is_initial(self) -> bool:
        return len(self.word) == 1 and self.word.isupper()


def _tokens(text: str) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        raw = match.group()
        dot = raw.endswith(".")
        word = raw[:-1] if dot else raw
        end = match.end() - (1 if dot else 0)
        for possessive in ("'s", "\u2019s", "'S"):
            if word.endswith(possessive) and len(word) > 3:
                word = word[: -len(possessive)]
                end -= len(possessive)
                dot = False
        tokens.append(Token(match.start(), end, word, dot))
    return tokens


def name_parts(token: Token) -> list[str]:
    """The parts of a (hyphenated) token, capitalised as a name list spells them."""
    return [
        part[:1].upper() + part[1:].lower() for part in re.split(r"['\u2019-]", token.word) if part
    ]


class NoteWords:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)

    def __len__(self) -> int:
        return len(self.tokens)

    def gap(self, left: int, right: int) -> str:
        return self.text[self.tokens[left].end : self.tokens[right].start]

    def adjacent(self, left: int, right: int) -> bool:
        """Only spaces between two tokens (and the period of an initial or a title)."""
        gap = self.gap(left, right)
        if len(gap) > 2 or "\n" in gap:
            return False
        if gap.strip(" ") == "":
            return True
        token = self.tokens[left]
        return (
            gap.strip(" ") == "."
            and token.dot
            and (token.is_initial or token.word.lower() in TITLES)
        )

    def sentence_initial(self, index: int) -> bool:
        before = self.text[: self.tokens[index].start].rstrip(" \"'(")
        return not before or before[-1] in _SENTENCE_END or before.endswith(("-", "\u2022"))

    def camel_case(self, index: int) -> bool:
        return _CAMEL_CASE.match(self.tokens[index].word) is not None

    def name_parts(self, index: int) -> list[str]:
        """The parts of a (hyphenated) token that carry a name: single letters do not."""
        return [part for part in name_parts(self.tokens[index]) if len(part) > 1]

    def listed(self, index: int) -> bool:
        parts = self.name_parts(index)
        return bool(parts) and all(is_known_name(part) for part in parts)

    def strong_listed(self, index: int) -> bool:
        """A listed name that is not also a common word."""
        return self.listed(index) and any(
            not is_ambiguous_name(part) for part in self.name_parts(index)
        )

    def foreign(self, index: int) -> bool:
        """Neither an English word nor a listed name in any of its parts: maybe a name."""
        parts = self.name_parts(index)
        return (
            len(self.tokens[index].word) > 2
            and bool(parts)
            and not any(is_english_word(part) for part in parts)
            and not all(is_known_name(part) for part in parts)
            and not self.tokens[index].word.lower().endswith(MEDICAL_ENDINGS)
        )
