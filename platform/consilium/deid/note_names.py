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
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .lexicon import (
    CLINICAL_WORDS,
    CREDENTIALS,
    EPONYM_HEADS,
    EPONYMS,
    NAME_CUES,
    STRICT_EPONYMS,
    STRONG_NAME_CUES,
    TITLES,
    first_names,
    is_ambiguous_name,
    is_english_word,
    is_known_name,
    word_set,
)
from .note_spans import Span

__all__ = ["find_names"]

_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['\u2019-](?=[^\W\d_]))*\.?")
_PARTICLES = word_set("van von de del della der den di da du la le bin ibn al el ter ten dos das y")
_STOPWORDS = word_set(
    """
    a an the and or but if of in on at to for from by with without into onto over under is
    was were are be been being has had have do does did not no nor as than then this that
    these those it its he she they them his her their him we us our you your i me my who whom
    which what when where why how all any some each every both either neither per via vs
    """
)
# "pouch of Douglas": a capitalised word after these and "of" is an eponym.
_OF_HEADS = word_set(
    """
    pouch circle sphincter ampulla loop canal canals space ligament islets islet tetralogy
    organ organs crypts crypt angle triangle foramen duct ducts node nodes line lines tract
    spaces island bundle fibers fibres cells body bodies capsule membrane gland glands plexus
    """
)
# Upper-case forms of cues that are clinical abbreviations: PT (physical therapy), CC, OR...
_UPPER_NOT_CUES = word_set("pt cc or to and per with from attn tech")
_SENTENCE_END = frozenset(".!?:;\n\r\t•*")


@dataclass
class _Token:
    start: int
    end: int
    word: str  # without a trailing period or possessive
    dot: bool

    @property
    def lookup(self) -> str:
        return self.word[:1].upper() + self.word[1:].lower()

    @property
    def is_capitalised(self) -> bool:
        return self.word[:1].isupper()

    @property
    def is_upper(self) -> bool:
        return len(self.word) > 1 and self.word.isupper()

    @property
    def is_initial(self) -> bool:
        return len(self.word) == 1 and self.word.isupper()


def _tokens(text: str) -> list[_Token]:
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
        tokens.append(_Token(match.start(), end, word, dot))
    return tokens


def _parts(token: _Token) -> list[str]:
    return [
        part[:1].upper() + part[1:].lower() for part in re.split(r"['\u2019-]", token.word) if part
    ]


def _is_clinical(token: _Token) -> bool:
    return (
        token.word in CLINICAL_WORDS
        or token.lookup in CLINICAL_WORDS
        or any(part in STRICT_EPONYMS for part in _parts(token))
    )


class _NameFinder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.name = [False] * len(self.tokens)
        self.protected = [_is_clinical(token) for token in self.tokens]
        self._protect_eponym_runs()

    # -- token facts -------------------------------------------------------------------------

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

    def _name_parts(self, index: int) -> list[str]:
        """The parts of a (hyphenated) token that carry a name: single letters do not."""
        return [part for part in _parts(self.tokens[index]) if len(part) > 1]

    def listed(self, index: int) -> bool:
        parts = self._name_parts(index)
        return bool(parts) and all(is_known_name(part) for part in parts)

    def strong_listed(self, index: int) -> bool:
        """A listed name that is not also a common word."""
        return self.listed(index) and any(
            not is_ambiguous_name(part) for part in self._name_parts(index)
        )

    def unknown(self, index: int) -> bool:
        """Capitalised, not listed, not English, not clinical: maybe a name nobody listed."""
        token = self.tokens[index]
        parts = self._name_parts(index)
        return (
            token.is_capitalised
            and len(token.word) > 2
            and bool(parts)
            and not self.protected[index]
            and not any(is_english_word(part) for part in parts)
            and not all(is_known_name(part) for part in parts)
        )

    def name_like(self, index: int, *, lower_ok: bool = False, override: bool = False) -> bool:
        """Could be part of a name that something else (a title, a cue, a name) vouches for."""
        token = self.tokens[index]
        if (
            token.word.lower() in _STOPWORDS
            or token.word.lower() in TITLES
            or self._credential(index)
        ):
            return False
        if self.protected[index] and not override:
            return False
        if token.is_initial:
            return True
        if token.is_capitalised:
            if override and not token.is_upper:
                return True
            return self.listed(index) or self.unknown(index) or not is_english_word(token.word)
        return lower_ok and (
            self.strong_listed(index) or (self.listed(index) and not is_english_word(token.word))
        )

    # -- protection ----------------------------------------------------------------------------

    def _protect_eponym_runs(self) -> None:
        for index, token in enumerate(self.tokens):
            lower = token.word.lower()
            if index == 0:
                continue
            if lower in EPONYM_HEADS or lower in _OF_HEADS:
                self._protect_before(index)
            if (
                lower == "of"
                and index + 1 < len(self.tokens)
                and index > 0
                and (self.tokens[index - 1].word.lower() in _OF_HEADS)
            ):
                # "pouch of Douglas", "circle of Willis", "tetralogy of Fallot"
                following = self.tokens[index + 1]
                if following.is_capitalised and self.adjacent(index, index + 1):
                    self.protected[index + 1] = True

    def _protect_before(self, head: int) -> None:
        run: list[int] = []
        cursor = head - 1
        # single capital letters between ("Kerley B lines") belong to the eponym
        while cursor >= 0 and self.tokens[cursor].is_initial and self.adjacent(cursor, cursor + 1):
            cursor -= 1
        while cursor >= 0 and self.tokens[cursor].is_capitalised:
            right = run[-1] if run else cursor + 1
            gap = self.gap(cursor, right).strip(" ")
            if gap not in ("", "'s", "\u2019s") or "\n" in self.gap(cursor, right):
                break
            run.append(cursor)
            cursor -= 1
        if len(run) == 1 or (
            run and all(all(part in EPONYMS for part in _parts(self.tokens[i])) for i in run)
        ):
            for i in run:
                self.protected[i] = True

    # -- rules -----------------------------------------------------------------------------

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
        count = 0
        index = start
        while index < len(self.tokens) and count < limit + 1:
            if count and not self.adjacent(index - 1, index):
                gap = self.gap(index - 1, index)
                if not (allow_comma and gap.strip() == "," and self.listed(index)):
                    break
            if self.tokens[index].word.lower() in _PARTICLES and count:
                after = index
                while after < len(self.tokens) and self.tokens[after].word.lower() in _PARTICLES:
                    after += 1
                if (
                    after < len(self.tokens)
                    and self.tokens[after].is_capitalised
                    and (self.name_like(after, override=override) or self._continues(after))
                ):
                    for particle in range(index, after):
                        self.name[particle] = True
                    index = after
                    continue
            if not self.name_like(index, lower_ok=lower_ok, override=override) and not (
                count and self._continues(index)
            ):
                break
            self.name[index] = True
            count += not self.tokens[index].is_initial
            index += 1
        return count

    def _credential(self, index: int) -> bool:
        token = self.tokens[index]
        return token.word in CREDENTIALS and (token.is_upper or token.word in ("PhD", "PharmD"))

    def _label(self, index: int) -> bool:
        """ "Account:" - a field label, not part of the name before it."""
        return self.text[self.tokens[index].end : self.tokens[index].end + 1] == ":"

    def _continues(self, index: int) -> bool:
        """A capitalised word right after a name is more of it ("Bartholomew Quince")."""
        token = self.tokens[index]
        return (
            not self._label(index)
            and not self._credential(index)
            and token.is_capitalised
            and not token.is_upper
            and not self.protected[index]
            and token.word.lower() not in _STOPWORDS
            and token.word.lower() not in TITLES
            and token.word not in CLINICAL_WORDS
        )

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
            if self.adjacent(index, following):
                self.mark_run(following, lower_ok=True, override=True)

    def credentials(self) -> None:
        for index in range(1, len(self.tokens)):
            token = self.tokens[index]
            word = self.text[token.start : token.end + (1 if token.dot else 0)]
            if word not in CREDENTIALS and token.word not in CREDENTIALS:
                continue
            gap = self.gap(index - 1, index)
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
                    and not self.adjacent(cursor, cursor + 1)
                    and (self.gap(cursor, cursor + 1).strip() != ",")
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
            gap = self.gap(index, following)
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
            if self.protected[following] or nxt.word.lower() in _STOPWORDS:
                continue
            if nxt.is_capitalised:
                vouched = (
                    self.strong_listed(following)
                    or (strong and self.listed(following))
                    or (strong and self.name_like(following))
                    or (
                        strong
                        and self._continues(following)
                        and following + 1 < len(self.tokens)
                        and self.adjacent(following, following + 1)
                        and (self.strong_listed(following + 1) or self.unknown(following + 1))
                    )
                    or (
                        self.unknown(following)
                        and following + 1 < len(self.tokens)
                        and self.adjacent(following, following + 1)
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
                if self.listed(index) and self._upper_pair(index):
                    self.mark_run(index)
                continue
            if self.strong_listed(index):
                self.mark_run(index)
                self._extend_left(index)
                continue
            pair = (
                index + 1 < count
                and self.adjacent(index, index + 1)
                and self.tokens[index + 1].is_capitalised
                and not self.tokens[index + 1].is_upper
                and not self.protected[index + 1]
            )
            if not pair:
                continue
            if (
                self.listed(index)
                and (
                    self.strong_listed(index + 1)
                    or self.unknown(index + 1)
                    or (self.listed(index + 1) and not self.sentence_initial(index))
                )
            ) or (self.unknown(index) and (self.unknown(index + 1) or self.listed(index + 1))):
                self.mark_run(index)

    def last_first(self) -> None:
        """ "Papadopoulos, Nikos": a capitalised word, a comma, then a listed given name."""
        for index in range(len(self.tokens) - 1):
            first = index + 1
            if self.gap(index, first).strip(" ") != "," or self.protected[index]:
                continue
            last, given = self.tokens[index], self.tokens[first]
            if not (last.is_capitalised and given.is_capitalised) or self.protected[first]:
                continue
            if (
                given.lookup in first_names()
                and not is_ambiguous_name(given.lookup)
                and (self.listed(index) or self.unknown(index) or self.name[index])
                and (last.is_upper == given.is_upper)
            ):
                self.name[index] = True
                self.mark_run(first, limit=2)

    def _extend_left(self, index: int) -> None:
        """ "J. Kowalski", "Anna Kowalski": the token before a strong name is part of it."""
        previous = index - 1
        if previous < 0 or self.name[previous] or not self.adjacent(previous, index):
            return
        token = self.tokens[previous]
        if token.is_initial or (
            token.is_capitalised
            and not token.is_upper
            and not self.protected[previous]
            and (self.listed(previous) or self.unknown(previous))
            and not (self.sentence_initial(previous) and not self.listed(previous))
        ):
            self.name[previous] = True

    def _upper_pair(self, index: int) -> bool:
        for other in (index - 1, index + 1):
            if 0 <= other < len(self.tokens):
                left, right = sorted((index, other))
                if (
                    self.tokens[other].is_upper
                    and self.listed(other)
                    and not self.protected[other]
                    and self.adjacent(left, right)
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
            and self.adjacent(index, index + 1)
            and all(
                is_known_name(t.word)
                and not is_english_word(t.word)
                and t.lookup not in CLINICAL_WORDS
                for t in (first, second)
            )
        )

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
                and self.adjacent(end_index, end_index + 1)
            ):
                end_index += 1
            last = self.tokens[end_index]
            end = last.end + (1 if last.is_initial and last.dot else 0)
            yield Span(start, end, "NAME")
            index = end_index + 1


def find_names(text: str) -> Iterator[Span]:
    """Spans of person names in `text`."""
    finder = _NameFinder(text)
    finder.titles()
    finder.credentials()
    finder.cues()
    finder.lexicon()
    finder.last_first()
    yield from finder.spans()
