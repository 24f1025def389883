"""Person names in free text: patients, relatives and staff.

A token is judged by what it is and what stands around it:

- a title before it ("Dr.", "Mrs", "dr") makes the next one to three name-like tokens a name,
  whatever they are ("Dr. Parkinson" is a person);
- a credential after it ("Jane Roe, MD", "Lee RN") makes the tokens before it a name;
- a cue before it ("patient", "son", "seen by", "discussed with") makes the next capitalised
  token a name, and after a strong cue ("patient", "wife", "daughter") a listed name in lower
  case too ("patient john smith");
- otherwise a capitalised token that is a listed given name or surname and not a common English
  word ("Kowalski", "Jennifer") is a name on its own; a listed name that is also a common word
  ("Will", "Gross", "Hill") only next to another name; two capitalised tokens that are neither
  English words nor clinical words ("Xochitl Quispe") are a name.

Eponyms, drug brands, organisms and report words are never names without a title, and neither
is a capitalised word that an eponym head follows ("Wilson disease", "Bell's palsy", "Kerley B
lines", "Glasgow Coma Scale").

The rules are here; the tokens and their facts are in `note_words`, what is protected as
clinical in `note_eponyms`, and how a marked name extends over its neighbours in
`note_name_runs`.
"""

from __future__ import annotations

from collections.abc import Iterator

from .lexicon import (
    CLINICAL_WORDS,
    CREDENTIALS,
    NAME_CUES,
    STRONG_NAME_CUES,
    TITLES,
    first_names,
    is_ambiguous_name,
    is_english_word,
    is_known_name,
)
from .note_name_runs import NameMarks
from .note_spans import Span
from .note_words import STOPWORDS

__all__ = ["find_names"]


class _NameFinder(NameMarks):
    def titles(self) -> None:
        for index, token in enumerate(self.tokens[:-1]):
            lower = token.word.lower()
            if lower not in TITLES:
                continue
            if token.is_upper and not token.dot:
                continue  # "MS", "MR": multiple sclerosis, mitral regurgitation
            if lower in ("nurse", "doctor", "sister") and not token.is_capitalised:
                continue
            following = index + 1
            if self.words.adjacent(index, following):
                self.mark_run(following, lower_ok=True, override=True)

    def credentials(self) -> None:
        for index in range(1, len(self.tokens)):
            token = self.tokens[index]
            word = self.text[token.start : token.end + (1 if token.dot else 0)]
            if word not in CREDENTIALS and token.word not in CREDENTIALS:
                continue
            gap = self.words.gap(index - 1, index)
            if gap.strip() not in ("", ","):
                continue
            cursor = index - 1
            while (
                cursor >= 0
                and cursor >= index - 4
                and (
                    self.tokens[cursor].is_capitalised
                    and not self.protected[cursor]
                    and self.tokens[cursor].word not in CREDENTIALS
                )
            ):
                if (
                    cursor < index - 1
                    and not self.words.adjacent(cursor, cursor + 1)
                    and (self.words.gap(cursor, cursor + 1).strip() != ",")
                ):
                    break
                self.name[cursor] = True
                cursor -= 1

    def cues(self) -> None:
        for index, token in enumerate(self.tokens[:-1]):
            lower = token.word.lower()
            if lower not in NAME_CUES or (token.is_upper and len(token.word) <= 3):
                continue
            following = index + 1
            gap = self.words.gap(index, following)
            if "\n" in gap or gap.strip() not in ("", ":", ",", "-", "#"):
                continue
            # "patient named", "name is"
            if self.tokens[following].word.lower() in (
                "named",
                "is",
                "was",
            ) and following + 1 < len(self.tokens):
                following += 1
            strong = lower in STRONG_NAME_CUES
            nxt = self.tokens[following]
            if self.protected[following] or nxt.word.lower() in STOPWORDS:
                continue
            if nxt.is_capitalised:
                vouched = (
                    self.words.strong_listed(following)
                    or (strong and self.words.listed(following))
                    or (strong and self.name_like(following))
                    or (
                        strong
                        and self.continues(following)
                        and following + 1 < len(self.tokens)
                        and self.words.adjacent(following, following + 1)
                        and (self.words.strong_listed(following + 1) or self.unknown(following + 1))
                    )
                    or (
                        self.unknown(following)
                        and following + 1 < len(self.tokens)
                        and self.words.adjacent(following, following + 1)
                        and self.name_like(following + 1)
                        and self.tokens[following + 1].is_capitalised
                    )
                )
                if vouched:
                    self.mark_run(following, allow_comma=True)
            elif strong:
                self.mark_run(following, lower_ok=True, limit=2)

    def lexicon(self) -> None:
        count = len(self.tokens)
        for index, token in enumerate(self.tokens):
            if self.protected[index] or self.name[index]:
                continue
            if self._lower_pair(index):
                self.name[index] = self.name[index + 1] = True
                continue
            if not token.is_capitalised:
                continue
            if token.is_upper:
                if self.words.listed(index) and self._upper_pair(index):
                    self.mark_run(index)
                continue
            if self.words.strong_listed(index):
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

    def last_first(self) -> None:
        """ "Papadopoulos, Nikos": a capitalised word, a comma, then a listed given name."""
        for index in range(len(self.tokens) - 1):
            first = index + 1
            if self.words.gap(index, first).strip(" ") != "," or self.protected[index]:
                continue
            last, given = self.tokens[index], self.tokens[first]
            if not (last.is_capitalised and given.is_capitalised) or self.protected[first]:
                continue
            if (
                given.lookup in first_names()
                and not is_ambiguous_name(given.lookup)
                and (self.words.listed(index) or self.unknown(index) or self.name[index])
                and (last.is_upper == given.is_upper)
            ):
                self.name[index] = True
                self.mark_run(first, limit=2)

    def _extend_left(self, index: int) -> None:
        """ "J. Kowalski", "Anna Kowalski": the token before a strong name is part of it."""
        previous = index - 1
        if previous < 0 or self.name[previous] or not self.words.adjacent(previous, index):
            return
        token = self.tokens[previous]
        if token.is_initial or (
            token.is_capitalised
            and not token.is_upper
            and not self.protected[previous]
            and (self.words.listed(previous) or self.unknown(previous))
            and not (self.words.sentence_initial(previous) and not self.words.listed(previous))
        ):
            self.name[previous] = True

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


def find_names(text: str) -> Iterator[Span]:
    """Spans of person names in `text`."""
    finder = _NameFinder(text)
    finder.titles()
    finder.credentials()
    finder.cues()
    finder.lexicon()
    finder.last_first()
    yield from finder.spans()
