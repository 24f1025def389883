"""PS3.15 Annex E Table E.1-1, loaded once from the copy shipped in `consilium.deid.data`.

Action codes (PS3.15 E.1.1): D replace with a dummy value, Z zero length, X remove, K keep,
C clean, U replace the UID. Compound codes (X/Z, X/D, Z/D, X/Z/D, X/Z/U*) leave the choice to
what the IOD needs; `resolve_action` makes it from the attribute's type, taking the most
conservative code that keeps the instance conformant: Type 1 -> D (or U), Type 2 -> Z, Type 3 ->
X, falling back to the next-most-conservative code the entry allows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

__all__ = [
    "Action",
    "ProfileEntry",
    "profile_entry",
    "profile_table",
    "resolve_action",
]

Action = Literal["D", "Z", "X", "K", "C", "U"]
IodType = Literal[1, 2, 3]

_DATA_PACKAGE = "consilium.deid.data"
_TABLE_FILE = "confidentiality_profile_attributes.json"

_ACTIONS: dict[str, Action] = {"D": "D", "Z": "Z", "X": "X", "K": "K", "C": "C", "U": "U"}

# The most conservative code first, per attribute type.
_PREFERENCE: dict[int, tuple[Action, ...]] = {
    1: ("U", "D", "Z", "X"),
    2: ("Z", "D", "U", "X"),
    3: ("X", "Z", "D", "U"),
}


@dataclass(frozen=True)
class ProfileEntry:
    """One row of Table E.1-1: the basic-profile code and the code under each option."""

    name: str
    basic: str
    options: dict[str, str]

    def action_under(self, option_keys: tuple[str, ...]) -> str:
        """The code after the options in force (first one that names this attribute wins)."""
        for key in option_keys:
            code = self.options.get(key)
            if code:
                return code
        return self.basic


@dataclass(frozen=True)
class _Table:
    exact: dict[int, ProfileEntry]
    # (mask, value, entry): a tag matches when tag & mask == value ("xx" nibbles are zero in mask)
    repeating: tuple[tuple[int, int, ProfileEntry], ...]
    private: ProfileEntry


def _parse_tag_pattern(tag_id: str) -> tuple[int, int]:
    mask = 0
    value = 0
    for char in tag_id:
        mask <<= 4
        value <<= 4
        if char.lower() != "x":
            mask |= 0xF
            value |= int(char, 16)
    return mask, value


@lru_cache(maxsize=1)
def profile_table() -> _Table:
    text = resources.files(_DATA_PACKAGE).joinpath(_TABLE_FILE).read_text(encoding="utf-8")
    exact: dict[int, ProfileEntry] = {}
    repeating: list[tuple[int, int, ProfileEntry]] = []
    private: ProfileEntry | None = None
    for row in json.loads(text):
        options = {
            key: str(value)
            for key, value in row.items()
            if key.endswith("Opt") and isinstance(value, str) and value
        }
        entry = ProfileEntry(
            name=" ".join(row["name"].split()), basic=row["basicProfile"], options=options
        )
        tag_id = row["id"].lower()
        if tag_id.startswith("gggg"):
            private = entry
        elif "x" in tag_id:
            mask, value = _parse_tag_pattern(tag_id)
            repeating.append((mask, value, entry))
        else:
            exact[int(tag_id, 16)] = entry
    if private is None or not exact:
        raise RuntimeError(f"{_TABLE_FILE} is incomplete: the package data is damaged.")
    return _Table(exact=exact, repeating=tuple(repeating), private=private)


def profile_entry(tag: int) -> ProfileEntry | None:
    """The Table E.1-1 row for a standard tag, repeating groups included; None if not listed."""
    table = profile_table()
    entry = table.exact.get(tag)
    if entry is not None:
        return entry
    for mask, value, repeating_entry in table.repeating:
        if tag & mask == value:
            return repeating_entry
    return None


def resolve_action(code: str, iod_type: IodType) -> Action:
    """One action code from a (possibly compound) code, for an attribute of the given type."""
    parts = [part.rstrip("*") for part in code.split("/")]
    if len(parts) == 1 and parts[0] in _ACTIONS:
        return _ACTIONS[parts[0]]
    for candidate in _PREFERENCE[iod_type]:
        if candidate in parts:
            return candidate
    raise ValueError(f"Unknown action code {code!r} in the confidentiality profile table.")
