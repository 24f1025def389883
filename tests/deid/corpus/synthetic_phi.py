"""Safe Harbor identifiers for the synthetic notes, written out already marked ``{{KIND|text}}``.

`PhiWriter` draws people, dates, addresses, numbers and contacts from one seeded random source
and one half of the vocabulary (see `synthetic_vocabulary`). What a note may keep stays outside
the marks: titles and credentials ("Dr.", "MD"), states, a date's bare year is inside the mark
but the scoring lets it stay.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import date, timedelta

import synthetic_vocabulary as vocabulary


def mark(kind: str, text: str) -> str:
    return "{{" + kind + "|" + text + "}}"


@dataclass(frozen=True)
class Person:
    given: str
    family: str
    middle: str  # an initial

    @property
    def full(self) -> str:
        return f"{self.given} {self.family}"


class PhiWriter:
    def __init__(self, rng: random.Random, *, held_out: bool) -> None:
        self.rng = rng
        pick = lambda entries: vocabulary.half(entries, held_out=held_out)  # noqa: E731
        self.given = pick(vocabulary.GIVEN_NAMES)
        self.word_given = pick(vocabulary.WORD_GIVEN_NAMES)
        self.surnames = pick(vocabulary.SURNAMES)
        self.word_surnames = pick(vocabulary.WORD_SURNAMES)
        self.particle_surnames = pick(vocabulary.PARTICLE_SURNAMES)
        self.saints = pick(vocabulary.SAINTS)
        self.towns = pick(vocabulary.TOWNS)
        self.streets = pick(vocabulary.STREET_NAMES)

    # -- people ----------------------------------------------------------------------------

    def person(self) -> Person:
        roll = self.rng.random()
        if roll < 0.12:  # "Rose Baker", "Will Hope"
            given, family = self.rng.choice(self.word_given), self.rng.choice(self.word_surnames)
        elif roll < 0.2:
            given, family = self.rng.choice(self.given), self.rng.choice(self.word_surnames)
        elif roll < 0.26:
            given, family = self.rng.choice(self.word_given), self.rng.choice(self.surnames)
        elif roll < 0.31:
            given, family = self.rng.choice(self.given), self.rng.choice(self.particle_surnames)
        elif roll < 0.37:  # double-barrelled, made on the spot
            first, second = self.rng.sample(self.surnames, 2)
            given, family = self.rng.choice(self.given), f"{first}-{second}".replace("'", "")
        else:
            given, family = self.rng.choice(self.given), self.rng.choice(self.surnames)
        return Person(given, family, self.rng.choice(string.ascii_uppercase))

    def name(self, person: Person, style: str | None = None) -> str:
        """One way of writing `person`, marked; `style` picks it, or it is drawn."""
        style = style or self.rng.choice(
            ("full", "full", "full", "middle", "last_first", "initial", "upper_last_first")
        )
        text = {
            "full": person.full,
            "middle": f"{person.given} {person.middle}. {person.family}",
            "last_first": f"{person.family}, {person.given}",
            "upper_last_first": f"{person.family}, {person.given}".upper(),
            "upper": person.full.upper(),
            "initial": f"{person.given[0]}. {person.family}",
            "given": person.given,
            "family": person.family,
            "lower": person.full.lower(),
            "lower_given": person.given.lower(),
        }[style]
        return mark("NAME", text)

    def staff(self, person: Person, *, credential: str | None = None) -> str:
        """A clinician as a note signs or cites one: with a title or a credential."""
        credential = credential or self.rng.choice(
            ("MD", "MD", "DO", "RN", "NP", "PA-C", "MBBS", "PhD", "APRN", "M.D.")
        )
        form = self.rng.random()
        if form < 0.35:
            return f"{self.rng.choice(('Dr.', 'Dr', 'Dr.'))} {self.name(person, 'full')}"
        if form < 0.5:
            return f"Dr. {self.name(person, 'family')}"
        if form < 0.85:
            return (
                f"{self.name(person, self.rng.choice(('full', 'middle', 'initial')))}, {credential}"
            )
        return f"{self.name(person, 'full')} {credential}"

    # -- dates -----------------------------------------------------------------------------

    def day(self, start: int = 2016, end: int = 2024) -> date:
        first = date(start, 1, 1)
        return first + timedelta(days=self.rng.randrange((date(end, 12, 31) - first).days))

    def birth_day(self, *, encounter: date, age: int) -> date:
        """A birthday that makes someone `age` years old on `encounter`."""
        day = min(encounter.day, 28)  # 29 February has no anniversary in most years
        latest = encounter.replace(year=encounter.year - age, day=day)
        return latest - timedelta(days=self.rng.randrange(365))

    def date(self, when: date, style: str | None = None) -> str:
        style = style or self.rng.choice(DATE_STYLES)
        return mark("DATE", date_text(when, style))

    # -- places ----------------------------------------------------------------------------

    def town(self) -> str:
        return self.rng.choice(self.towns)

    def street(self) -> str:
        number = self.rng.choice(
            (self.rng.randint(1, 99), self.rng.randint(100, 999), self.rng.randint(1000, 19999))
        )
        lead = self.rng.choice(("", "", "", "N. ", "West ", "S ", "East "))
        line = f"{number} {lead}{self.rng.choice(self.streets)} {self.rng.choice(vocabulary.STREET_SUFFIXES)}"
        if self.rng.random() < 0.3:
            line += self.rng.choice((", ", " ")) + self.rng.choice(vocabulary.UNITS)
        return mark("ADDRESS", line)

    def zip_code(self) -> str:
        code = f"{self.rng.randint(1001, 99950):05d}"
        if self.rng.random() < 0.2:
            code += f"-{self.rng.randint(1, 9999):04d}"
        return mark("ADDRESS", code)

    def address(self, *, one_line: bool = True) -> str:
        """Street, town, state and ZIP; the state is no identifier and stays unmarked."""
        abbreviation, full = self.rng.choice(vocabulary.STATES)
        state = abbreviation if self.rng.random() < 0.75 else full
        town = mark("ADDRESS", self.town())
        separator = ", " if one_line else "\n"
        return f"{self.street()}{separator}{town}, {state} {self.zip_code()}"

    def town_and_state(self) -> str:
        abbreviation, _ = self.rng.choice(vocabulary.STATES)
        return f"{mark('ADDRESS', self.town())}, {abbreviation}"

    def institution(self) -> str:
        form = self.rng.choice(vocabulary.INSTITUTION_FORMS)
        text = form.format(
            town=self.town(),
            saint=self.rng.choice(self.saints),
            surname=self.rng.choice(self.surnames),
        )
        return mark("INSTITUTION", text)

    # -- numbers and contacts ----------------------------------------------------------------

    def digits(self, count: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(count))

    def letters(self, count: int) -> str:
        return "".join(self.rng.choice(string.ascii_uppercase) for _ in range(count))

    def phone(self) -> str:
        area, exchange, line = (
            self.rng.randint(201, 989),
            self.rng.randint(201, 989),
            self.digits(4),
        )
        text = self.rng.choice(
            (
                f"({area}) {exchange}-{line}",
                f"{area}-{exchange}-{line}",
                f"{area}.{exchange}.{line}",
                f"+1 {area} {exchange} {line}",
                f"1-{area}-{exchange}-{line}",
                f"({area}){exchange}-{line}",
                f"{area}-{exchange}-{line} ext. {self.rng.randint(100, 9999)}",
            )
        )
        return mark("PHONE", text)

    def pager(self) -> str:
        return mark("PHONE", self.digits(self.rng.choice((4, 5, 7))))

    def email(self, person: Person) -> str:
        family = person.family.lower().replace(" ", "").replace("'", "")
        given = person.given.lower().replace("'", "")
        local = self.rng.choice(
            (
                f"{given}.{family}",
                f"{given[0]}{family}{self.rng.randint(1, 99)}",
                f"{family}.{given[0]}",
                f"{given}_{self.rng.randint(1950, 2005)}",
            )
        )
        return mark("EMAIL", f"{local}@{self.rng.choice(vocabulary.EMAIL_DOMAINS)}")

    def ssn(self) -> str:
        area = self.rng.choice(
            (
                f"{self.rng.randint(1, 665):03d}",
                f"{self.rng.randint(667, 899)}",
                "000",
                "666",
                f"{self.rng.randint(900, 999)}",
            )
        )
        group, serial = self.digits(2), self.digits(4)
        style = self.rng.random()
        text = f"{area}{group}{serial}" if style < 0.2 else f"{area}-{group}-{serial}"
        return mark("SSN", text)

    def mrn(self) -> str:
        text = self.rng.choice(
            (
                self.digits(8),
                self.digits(7),
                f"MR-{self.digits(7)}",
                f"{self.letters(1)}{self.digits(7)}",
                f"{self.digits(3)}-{self.digits(2)}-{self.digits(3)}",
            )
        )
        return mark("MRN", text)

    def account(self) -> str:
        text = self.rng.choice(
            (self.digits(10), f"AC-{self.digits(8)}", f"{self.letters(3)}{self.digits(9)}")
        )
        return mark("ID", text)

    def health_plan(self) -> str:
        text = self.rng.choice(
            (
                f"{self.letters(3)}{self.digits(9)}",
                f"W{self.digits(9)}",
                f"{self.digits(1)}{self.letters(2)}{self.digits(1)}-{self.letters(2)}"
                f"{self.digits(1)}-{self.letters(2)}{self.digits(2)}",
                f"{self.letters(2)}{self.digits(8)}",
            )
        )
        return mark("ID", text)

    def licence(self) -> str:
        text = self.rng.choice(
            (
                f"{self.letters(1)}{self.digits(3)}-{self.digits(4)}-{self.digits(4)}",
                f"{self.letters(1)}{self.digits(8)}",
                f"{self.digits(9)}",
                f"{self.letters(2)}-{self.digits(5)}",
            )
        )
        return mark("ID", text)

    def device(self) -> str:
        text = self.rng.choice(
            (
                f"{self.letters(3)}{self.digits(6)}{self.letters(1)}",
                self.digits(14),
                f"SN{self.digits(8)}",
                f"{self.letters(2)}{self.digits(7)}{self.letters(1)}",
            )
        )
        return mark("ID", text)

    def plate(self) -> str:
        text = self.rng.choice(
            (
                f"{self.digits(1)}{self.letters(3)}{self.digits(3)}",
                f"{self.letters(3)}-{self.digits(4)}",
                f"{self.letters(3)} {self.digits(4)}",
            )
        )
        return mark("ID", text)

    def vin(self) -> str:
        characters = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
        return mark("ID", "".join(self.rng.choice(characters) for _ in range(17)))

    def url(self, slug: str) -> str:
        text = self.rng.choice(
            (
                f"https://mychart.{slug}.org/visit/{self.digits(6)}",
                f"www.{slug}.org/patients/{self.digits(5)}",
                f"https://portal.{slug}health.com/messages?id={self.digits(7)}",
                f"http://www.caringbridge.org/visit/{slug}{self.digits(2)}",
            )
        )
        return mark("URL", text)

    def ip(self) -> str:
        text = self.rng.choice(
            (
                f"10.{self.rng.randint(0, 255)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}",
                f"192.168.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}",
                f"{self.rng.randint(23, 223)}.{self.rng.randint(0, 255)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}",
                f"2001:db8:{self.rng.randint(0, 65535):x}::{self.rng.randint(1, 65535):x}",
            )
        )
        return mark("IP", text)

    def old_age(self) -> str:
        return mark("AGE>89", str(self.rng.randint(90, 104)))


DATE_STYLES = (
    "mdy_slash",
    "mdy_slash_short",
    "mdy_slash_2",
    "iso",
    "month_day_year",
    "mon_day_year",
    "day_month_year",
    "dd_mon_yyyy",
    "month_ordinal_year",
    "weekday_month_day_year",
    "dmy_dot",
    "compact",
    "month_year",
    "ordinal_of_month",
    "mon_dot_day",
)


def date_text(when: date, style: str) -> str:
    month = when.strftime("%B")
    abbreviation = "Sept" if when.month == 9 else month[:3]
    ordinal = {1: "st", 2: "nd", 3: "rd"}.get(when.day % 10, "th")
    if 10 <= when.day % 100 <= 20:
        ordinal = "th"
    return {
        "mdy_slash": when.strftime("%m/%d/%Y"),
        "mdy_slash_short": f"{when.month}/{when.day}/{when.year}",
        "mdy_slash_2": f"{when.month}/{when.day}/{when.year % 100:02d}",
        "iso": when.isoformat(),
        "month_day_year": f"{month} {when.day}, {when.year}",
        "mon_day_year": f"{month[:3]} {when.day}, {when.year}",
        "day_month_year": f"{when.day} {month} {when.year}",
        "dd_mon_yyyy": f"{when.day:02d}-{month[:3].upper()}-{when.year}",
        "month_ordinal_year": f"{month} {when.day}{ordinal}, {when.year}",
        "weekday_month_day_year": f"{when.strftime('%A')}, {month} {when.day}, {when.year}",
        "dmy_dot": when.strftime("%d.%m.%Y"),
        "compact": when.strftime("%Y%m%d"),
        "month_year": f"{month} {when.year}",
        "ordinal_of_month": f"the {when.day}{ordinal} of {month}",
        "mon_dot_day": f"{abbreviation}{'.' if len(month) > 3 else ''} {when.day}",
        "month_day": f"{month} {when.day}",
        "m_d": f"{when.month}/{when.day}",
    }[style]
