"""Names vouched for by what stands around them: titles, credentials, labels, cues, verbs.

- a title before a token ("Dr.", "Mrs", "dr") makes the next one to three name-like tokens a
  name, whatever they are ("Dr. Parkinson" is a person);
- a credential after it ("Jane Roe, MD", "Lee RN", "G. Field, M.D.", "gladys rosenbaum rn")
  makes the tokens before it on the same line a name;
- a person label and a colon ("Caller:", "Next of kin:", "Ordering physician:", "Re:") make the
  capitalised run after it a name, common words included ("Caller: Rich Day");
- a cue before it ("patient", "son", "seen by", "discussed with") makes the next capitalised
  token a name; after kin ("sister", "mother") any capitalised word that is not clinical ("his
  sister Will") and a lower-case word no list knows ("niece oluwadamilare"); after a strong cue
  ("patient", "wife") a listed name in lower case too ("patient john smith");
- a verb of saying after it ("Efua reports") makes a listed or unknown word a name.
"""

from __future__ import annotations

from .lexicon import (
    CREDENTIALS,
    FIELD_LABELS,
    KIN_CUES,
    NAME_CUES,
    PERSON_LABELS,
    STRONG_NAME_CUES,
    TITLES,
    is_english_word,
)
from .note_name_runs import NameMarks
from .note_words import PARTICLES, STOPWORDS

__all__ = ["ContextRules"]

_LOWER_CREDENTIALS = frozenset(("rn", "md", "np", "lpn", "crna"))
_REPORTING_VERBS = frozenset(
    [
        "reports",
        "reported",
        "states",
        "stated",
        "denies",
        "denied",
        "endorses",
        "endorsed",
        "says",
        "said",
        "complains",
        "complained",
        "notes",
        "noted",
        "feels",
        "felt",
        "presents",
        "presented",
        "agrees",
        "agreed",
        "declines",
        "declined",
    ]
)


class ContextRules(NameMarks):
    """The rules that need context; `note_names` adds the ones that read the word lists."""

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
            if self.text[token.end : token.end + 1].isalnum():
                continue  # "NP0500973": an identifier, not a credential
            dotted = self.credential(index) and not token.is_upper  # "M.D."
            if word not in CREDENTIALS and token.word not in CREDENTIALS and not dotted:
                continue
            gap = self.words.gap(index - 1, index)
            if gap.strip() not in ("", ",") or "\n" in gap:
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
                gap = self.words.gap(cursor, cursor + 1)
                if (
                    cursor < index - 1
                    and not self.words.adjacent(cursor, cursor + 1)
                    and (gap.strip() != "," or "\n" in gap)
                ):
                    break
                self.name[cursor] = True
                cursor -= 1

    def lower_credentials(self) -> None:
        """ "report given to gladys rosenbaum rn": the words before a lower-case credential.

        Listed names that are also common words ("grace sharp") count only beside a word that
        is surely a name.
        """
        for index in range(1, len(self.tokens)):
            token = self.tokens[index]
            if (
                token.word not in _LOWER_CREDENTIALS
                or self.text[token.end : token.end + 1].isalnum()
            ):
                continue
            run: list[int] = []
            cursor = index - 1
            while cursor >= 0 and cursor >= index - 3 and self.words.adjacent(cursor, cursor + 1):
                before = self.tokens[cursor]
                if self.protected[cursor] or before.word.lower() in STOPWORDS:
                    break
                if not (
                    self._sure_lower_name(cursor)
                    or before.is_capitalised
                    or self.words.listed(cursor)
                ):
                    break
                run.append(cursor)
                cursor -= 1
            if any(self._sure_lower_name(i) or self.tokens[i].is_capitalised for i in run):
                for member in run:
                    self.name[member] = True

    def _sure_lower_name(self, index: int) -> bool:
        word = self.tokens[index].word
        return self.lower_foreign(index) or (self.words.listed(index) and not is_english_word(word))

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
                pair = strong and self._common_pair(following)  # "patient Will Frost"
                vouched = (
                    self.words.strong_listed(following)
                    or (strong and self.words.listed(following))
                    or (strong and self.name_like(following))
                    or (
                        self.unknown(following)
                        and following + 1 < len(self.tokens)
                        and self.words.adjacent(following, following + 1)
                        and self.name_like(following + 1)
                        and self.tokens[following + 1].is_capitalised
                    )
                )
                if vouched or pair:
                    self.mark_run(following, allow_comma=True)
                if pair:
                    self.name[following] = self.name[following + 1] = True
                elif lower in KIN_CUES and self._kin_name(following):
                    self.name[following] = True  # "his sister Will"
            elif strong:
                if self._lower_name_after_cue(lower, following):
                    self.name[following] = True
                    self.mark_run(following + 1, lower_ok=True, limit=1)
                else:
                    self.mark_run(following, lower_ok=True, limit=2)

    def _common_pair(self, index: int) -> bool:
        """Two capitalised words that may continue a name, the second listed or unknown."""
        following = index + 1
        return (
            self.continues(index)
            and following < len(self.tokens)
            and self.words.adjacent(index, following)
            and self.continues(following)
            and (self.words.listed(following) or self.unknown(following))
        )

    def _kin_name(self, index: int) -> bool:
        """ "his sister Will": after kin, a capitalised word that is no clinical word."""
        token = self.tokens[index]
        return (
            not token.is_upper
            and not self.protected[index]
            and token.word.lower() not in TITLES
            and not self.label(index)
        )

    def _lower_name_after_cue(self, cue: str, index: int) -> bool:
        """ "niece oluwadamilare", "pt xiaoming donnelly": a lower-case name nobody listed.

        After kin a word that is no English word will do; after "pt" or "patient", whose next
        word may be unlisted jargon ("pt afebrile"), only with a listed name beside it.
        """
        if not self.lower_foreign(index):
            return False
        if cue in KIN_CUES:
            return True
        following = index + 1
        return (
            following < len(self.tokens)
            and self.words.adjacent(index, following)
            and self.tokens[following].word.islower()
            and self.words.listed(following)
            and not is_english_word(self.tokens[following].word)
        )

    def labels(self) -> None:
        """ "Caller: Rich Day (brother)", "PATIENT: YOUNG, CHASE": a person label and a colon."""
        for index in range(len(self.tokens) - 1):
            token = self.tokens[index]
            if token.word.lower() not in PERSON_LABELS or not self.label(index):
                continue
            run = self._label_run(index + 1)
            if len(run) > 1 or (run and (self.words.listed(run[0]) or self.unknown(run[0]))):
                for member in run:
                    self.name[member] = True

    def _label_run(self, start: int) -> list[int]:
        """The capitalised tokens on the line after a label, up to what cannot be a name."""
        if "\n" in self.words.gap(start - 1, start):
            return []
        run: list[int] = []
        upper = self.tokens[start].is_upper
        index = start
        while index < len(self.tokens) and len(run) < 4:
            token = self.tokens[index]
            if run:
                gap = self.words.gap(index - 1, index)
                if not (self.words.adjacent(index - 1, index) or gap.strip() == ","):
                    break
                if "\n" in gap:
                    break
            acceptable = (
                (token.is_capitalised or token.word in PARTICLES)
                and token.is_upper == upper
                and not self.protected[index]
                and self.name_like(index, override=not upper)
                and not (upper and not (self.words.listed(index) or self.unknown(index)))
            )
            after_comma = bool(run) and self.words.gap(index - 1, index).strip() == ","
            if after_comma and not acceptable:
                # "OKAFOR-BELLO, WILL": the given name after "Last," may be a common word
                acceptable = (
                    token.is_capitalised
                    and token.is_upper == upper
                    and not self.protected[index]
                    and token.word not in FIELD_LABELS
                    and not self.label(index)
                )
            if self.credential(index) or (not acceptable and not (token.is_initial and run)):
                break
            run.append(index)
            index += 1
        return run

    def reporters(self) -> None:
        """ "S: Efua reports feeling better": a name nobody vouched for, before a verb of saying."""
        for index in range(len(self.tokens) - 1):
            token, verb = self.tokens[index], self.tokens[index + 1]
            if (
                verb.word in _REPORTING_VERBS
                and self.words.adjacent(index, index + 1)
                and token.is_capitalised
                and not token.is_upper
                and not self.protected[index]
                and token.word.lower() not in STOPWORDS
                and (self.words.listed(index) or self.unknown(index))
            ):
                self.name[index] = True
