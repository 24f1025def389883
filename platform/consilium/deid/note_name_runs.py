"""Marking names token by token: what may be part of a name, and how far a name runs.

`NameMarks` holds, per token of a note, whether it is protected (clinical, `note_eponyms`) and
whether a rule has marked it as part of a name; `mark_run` extends a name from a token the
rules vouch for over the tokens that may continue it, and `spans` turns the marks into spans.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .lexicon import CLINICAL_WORDS, CREDENTIALS, FIELD_LABELS, TITLES, is_english_word
from .note_eponyms import protected_tokens
from .note_spans import Span
from .note_words import PARTICLES, STOPWORDS, NoteWords

__all__ = ["NameMarks"]

# "M.D.", "Ph.D.": credentials the tokens split at their periods.
_DOTTED_CREDENTIAL = re.compile(
    r"(?:M\.D|D\.O|R\.N|N\.P|P\.A|Ph\.D|D\.D\.S|M\.B\.B\.S)\.?(?![\w.])"
)


class NameMarks:
    def __init__(self, text: str) -> None:
        self.text = text
        self.words = NoteWords(text)
        self.tokens = self.words.tokens
        self.name = [False] * len(self.tokens)
        self.protected = protected_tokens(self.words)

    # -- what a token may be ------------------------------------------------------------------

    def unknown(self, index: int) -> bool:
        """Capitalised, not listed, not English, not clinical: maybe a name nobody listed."""
        return (
            self.tokens[index].is_capitalised
            and not self.protected[index]
            and self.words.foreign(index)
        )

    def name_like(self, index: int, *, lower_ok: bool = False, override: bool = False) -> bool:
        """Could be part of a name that something else (a title, a cue, a name) vouches for."""
        token = self.tokens[index]
        if (
            token.word.lower() in STOPWORDS
            or token.word.lower() in TITLES
            or self.credential(index)
            or (token.is_upper and token.word in FIELD_LABELS)
        ):
            return False
        if self.protected[index] and not override:
            return False
        if token.is_initial:
            return True
        words = self.words
        if token.is_capitalised:
            if override and not token.is_upper:
                return True
            return words.listed(index) or self.unknown(index) or not is_english_word(token.word)
        return lower_ok and (
            words.strong_listed(index) or (words.listed(index) and not is_english_word(token.word))
        )

    def credential(self, index: int) -> bool:
        token = self.tokens[index]
        if _DOTTED_CREDENTIAL.match(self.text, token.start):
            return True
        return token.word in CREDENTIALS and (token.is_upper or token.word in ("PhD", "PharmD"))

    def lower_foreign(self, index: int) -> bool:
        """ "pt thelma fothergill": a lower-case word that is no English word after a name."""
        token = self.tokens[index]
        return (
            token.word.islower()
            and not self.protected[index]
            and token.lookup not in CLINICAL_WORDS
            and self.words.foreign(index)
        )

    def label(self, index: int) -> bool:
        """ "Account:" - a field label, not part of the name before it."""
        return self.text[self.tokens[index].end : self.tokens[index].end + 1] == ":"

    def continues(self, index: int) -> bool:
        """A capitalised word right after a name is more of it ("Bartholomew Quince")."""
        token = self.tokens[index]
        return (
            not self.label(index)
            and not self.credential(index)
            and token.is_capitalised
            and not token.is_upper
            and not self.protected[index]
            and token.word.lower() not in STOPWORDS
            and token.word.lower() not in TITLES
            and token.word not in CLINICAL_WORDS
        )

    # -- marking ------------------------------------------------------------------------------

    def mark_run(
        self,
        start: int,
        *,
        limit: int = 3,
        lower_ok: bool = False,
        allow_comma: bool = False,
        override: bool = False,
    ) -> int:
        """Mark name-like tokens from `start` on; returns how many were marked."""
        words = self.words
        count = 0
        index = start
        while index < len(self.tokens) and count < limit + 1:
            if count and not words.adjacent(index - 1, index):
                gap = words.gap(index - 1, index)
                if not (allow_comma and gap.strip() == "," and words.listed(index)):
                    break
            if self.tokens[index].word.lower() in PARTICLES and (count or override):
                after = index
                while after < len(self.tokens) and self.tokens[after].word.lower() in PARTICLES:
                    after += 1
                if (
                    after < len(self.tokens)
                    and self.tokens[after].is_capitalised
                    and (self.name_like(after, override=override) or self.continues(after))
                ):
                    for particle in range(index, after):
                        self.name[particle] = True
                    index = after
                    continue
            token = self.tokens[index]
            if count and token.is_upper and not self.tokens[index - 1].is_upper:
                break  # "Ann Lee  MRN": an upper-case word after a name in title case is a label
            if not self.name_like(index, lower_ok=lower_ok, override=override) and not (
                count and (self.continues(index) or (lower_ok and self.lower_foreign(index)))
            ):
                break
            self.name[index] = True
            count += not self.tokens[index].is_initial
            index += 1
        return count

    def spans(self) -> Iterator[Span]:
        index = 0
        while index < len(self.tokens):
            if not self.name[index]:
                index += 1
                continue
            start = self.tokens[index].start
            end_index = index
            while (
                end_index + 1 < len(self.tokens)
                and self.name[end_index + 1]
                and self.words.adjacent(end_index, end_index + 1)
            ):
                end_index += 1
            last = self.tokens[end_index]
            end = last.end + (1 if last.is_initial and last.dot else 0)
            yield Span(start, end, "NAME")
            index = end_index + 1
