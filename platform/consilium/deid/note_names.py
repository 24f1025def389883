"""Person names in free text: patients, relatives and staff.

A token is judged by what it is and what stands around it. Context first (`note_name_cues`):
a title, a credential, a person label, a cue such as "son" or "seen by", or a verb of saying
vouches for the words next to it. Then the word lists (here):

- a capitalised token that is a listed given name or surname and not a common English word
  ("Kowalski", "Jennifer") is a name on its own, unless it is a common word opening a sentence
  ("Young adult with"); a listed name that is also a common word ("Will", "Gross", "Hill") only
  next to another name; two capitalised tokens that are neither English words nor clinical
  words ("Xochitl Quispe") are a name, and so is an initial before one ("Z. Quispe");
- "Last, First" where either part is listed or unknown is a name ("Pajari, Pradeep");
- a found name takes the initials, particles and given name before it ("Anna K. van der Berg").

Eponyms, drug brands, organisms and report words are never names without a title, and neither
is a capitalised word that an eponym head follows ("Wilson disease", "Bell's palsy", "Kerley B
lines", "Glasgow Coma Scale"), a state in an address or a brand written in camel case
(`note_eponyms`). Tokens and their facts are in `note_words`; how a marked name extends over
its neighbours is in `note_name_runs`.
"""

from __future__ import annotations

from collections.abc import Iterator

from .lexicon import (
    CLINICAL_WORDS,
    TITLES,
    first_names,
    is_ambiguous_name,
    is_english_word,
    is_known_name,
)
from .note_name_cues import ContextRules
from .note_spans import Span
from .note_words import PARTICLES, STOPWORDS

__all__ = ["find_names"]


class _NameFinder(ContextRules):
    def lexicon(self) -> None:
        count = len(self.tokens)
        for index, token in enumerate(self.tokens):
            if self.protected[index] or self.name[index]:
                continue
            if self._lower_pair(index):
                self.name[index] = self.name[index + 1] = True
                continue
            if self._initial_and_surname(index):
                self.mark_run(index)
                self._extend_left(index)
                continue
            if not token.is_capitalised:
                continue
            if token.is_upper:
                if self.words.listed(index) and self._upper_pair(index):
                    self.mark_run(index)
                continue
            if self.words.strong_listed(index):
                if not self._sentence_word(index):
                    self.mark_run(index)
                    self._extend_left(index)
                continue
            pair = (
                index + 1 < count
                and self.words.adjacent(index, index + 1)
                and self.tokens[index + 1].is_capitalised
                and not self.tokens[index + 1].is_upper
                and not self.protected[index + 1]
            )
            if not pair:
                continue
            if (
                self.words.listed(index)
                and (
                    self.words.strong_listed(index + 1)
                    or self.unknown(index + 1)
                    or (self.words.listed(index + 1) and not self.words.sentence_initial(index))
                )
            ) or (
                self.unknown(index) and (self.unknown(index + 1) or self.words.listed(index + 1))
            ):
                self.mark_run(index)

    def _initial_and_surname(self, index: int) -> bool:
        """ "Z. Kowalczyk": an initial with its period, then a word no list knows or a name.

        Not after a lower-case word, where the letter ends a term ("hepatitis C. Harvoni").
        """
        token, following = self.tokens[index], index + 1
        if not (token.is_initial and token.dot) or following >= len(self.tokens):
            return False
        if index > 0 and self.words.adjacent(index - 1, index):
            before = self.tokens[index - 1].word
            if before.islower() and before not in STOPWORDS:
                return False
        return (
            self.words.adjacent(index, following)
            and not self.tokens[following].is_upper
            and (self.unknown(following) or self.words.strong_listed(following))
        )

    def _sentence_word(self, index: int) -> bool:
        """ "Young adult with", "Mark the site": a common word opening a sentence, not a name."""
        following = index + 1
        return (
            self.words.sentence_initial(index)
            and is_english_word(self.tokens[index].word)
            and following < len(self.tokens)
            and self.words.adjacent(index, following)
            and self.tokens[following].word.islower()
            and (self.tokens[following].word in STOPWORDS or not self.words.listed(following))
        )

    def _upper_pair(self, index: int) -> bool:
        for other in (index - 1, index + 1):
            if 0 <= other < len(self.tokens):
                left, right = sorted((index, other))
                if (
                    self.tokens[other].is_upper
                    and self.words.listed(other)
                    and not self.protected[other]
                    and self.words.adjacent(left, right)
                ):
                    return True
        return False

    def _lower_pair(self, index: int) -> bool:
        if index + 1 >= len(self.tokens):
            return False
        first, second = self.tokens[index], self.tokens[index + 1]
        return (
            first.word.islower()
            and second.word.islower()
            and self.words.adjacent(index, index + 1)
            and all(
                is_known_name(t.word)
                and not is_english_word(t.word)
                and t.lookup not in CLINICAL_WORDS
                for t in (first, second)
            )
        )

    def last_first(self) -> None:
        """ "Papadopoulos, Nikos": a capitalised word, a comma, then a listed given name."""
        for index in range(len(self.tokens) - 1):
            first = index + 1
            if self.words.gap(index, first).strip(" ") != "," or self.protected[index]:
                continue
            last, given = self.tokens[index], self.tokens[first]
            if not (last.is_capitalised and given.is_capitalised) or self.protected[first]:
                continue
            given_name = (
                given.lookup in first_names() and not is_ambiguous_name(given.lookup)
            ) or self.unknown(first)
            if (
                given_name
                and (self.words.listed(index) or self.unknown(index) or self.name[index])
                and (last.is_upper == given.is_upper)
                and not self.credential(first)
            ):
                self.name[index] = True
                self.mark_run(first, limit=2)

    def extend_left(self) -> None:
        """Every marked name takes the initials, particles and given name before it."""
        for index in range(len(self.tokens) - 1, 0, -1):
            if self.name[index] and not self.name[index - 1]:
                self._extend_left(index)

    def _extend_left(self, index: int) -> None:
        """ "J. Kowalski", "Anna K. Kowalski", "M. van der Berg": what stands before a name."""
        cursor = index
        while cursor > 0:
            previous = cursor - 1
            if self.name[previous] or not self.words.adjacent(previous, cursor):
                return
            token = self.tokens[previous]
            if token.word in PARTICLES or token.is_initial:
                if self.protected[previous]:
                    return
                self.name[previous] = True
                cursor = previous
                continue
            if self.tokens[cursor].is_initial and self._given_before_initial(previous):
                self.name[previous] = True  # "Cliff Z. Moody": a given name before an initial
            elif (
                token.is_capitalised
                and not token.is_upper
                and not self.protected[previous]
                and token.word.lower() not in TITLES
                and not self.credential(previous)
                and (self.words.listed(previous) or self.unknown(previous))
                and not (self.words.sentence_initial(previous) and not self.words.listed(previous))
            ):
                self.name[previous] = True
            return

    def _given_before_initial(self, index: int) -> bool:
        token = self.tokens[index]
        return (
            token.is_capitalised
            and not token.is_upper
            and not self.protected[index]
            and token.word.lower() not in STOPWORDS
            and token.word.lower() not in TITLES
            and not self.label(index)
        )


def find_names(text: str) -> Iterator[Span]:
    """Spans of person names in `text`."""
    finder = _NameFinder(text)
    finder.titles()
    finder.credentials()
    finder.cues()
    finder.labels()
    finder.lower_credentials()
    finder.reporters()
    finder.lexicon()
    finder.last_first()
    finder.extend_left()
    yield from finder.spans()
