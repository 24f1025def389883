"""Private attributes: all removed, unless the Retain Safe Private Option keeps a listed one.

The list is PS3.15 Table E.3.10-1 "Safe Private Attributes" (``data/safe_private_attributes.json``,
provenance beside it), keyed as the table is: by private creator, group and the element's offset
within its block, never by raw tag, since a vendor's block may sit at any of 0x10..0xFF and
another vendor may use the same group and offset for something else.

An element is retained only when all of these hold:

- its block's private creator, at this level of the dataset, matches a row exactly;
- the row's VR is one the platform can check: numbers, code strings, short strings (SH, LO),
  UIDs (which the walk then remaps like any other) and sequences (whose items the walk cleans
  with the profile, private elements included). Rows of long text (LT) or bulk binary (OB/OW)
  are not retained: PS3.15 E.3.10 Note 2 warns that such values often carry whole proprietary
  headers with the patient's name in them, and nothing here can look inside. Rows without a VR
  are not retained either;
- the element carries that VR (an element pydicom could only read as UN is never retained);
- a DS or IS value holds only numeric characters.

The creator element of a block is kept with the elements retained from it, so they still mean
what they meant; a block with nothing retained loses its creator too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from pydicom import Dataset
from pydicom.dataelem import DataElement
from pydicom.multival import MultiValue
from pydicom.tag import BaseTag

__all__ = [
    "RETAINED_VRS",
    "SafePrivateAttribute",
    "private_creator",
    "retained_private_tags",
    "safe_private_attribute",
    "safe_private_table",
]

_DATA_PACKAGE = "consilium.deid.data"
_TABLE_FILE = "safe_private_attributes.json"
_TAG = re.compile(r"^\(([0-9A-Fa-f]{4}),xx([0-9A-Fa-f]{2})\)$")
_NUMERIC_TEXT = re.compile(r"^[0-9+\-.eE ]*$")

_NUMERIC_VRS = frozenset({"DS", "IS", "FD", "FL", "US", "SS", "UL", "SL", "UV", "SV"})
#: The VRs of Table E.3.10-1 rows that the option retains (see the module docstring).
RETAINED_VRS = _NUMERIC_VRS | {"CS", "SH", "LO", "UI", "SQ"}


@dataclass(frozen=True)
class SafePrivateAttribute:
    """One row of Table E.3.10-1."""

    private_creator: str
    group: int
    offset: int  # the element within its block: (gggg,xxee) -> ee
    vr: str  # "" where the table gives none
    vm: str
    meaning: str

    @property
    def retained(self) -> bool:
        return self.vr in RETAINED_VRS


@lru_cache(maxsize=1)
def safe_private_table() -> dict[tuple[str, int, int], SafePrivateAttribute]:
    """Table E.3.10-1, keyed by (private creator, group, offset within the block)."""
    text = resources.files(_DATA_PACKAGE).joinpath(_TABLE_FILE).read_text(encoding="utf-8")
    table: dict[tuple[str, int, int], SafePrivateAttribute] = {}
    for row in json.loads(text):
        match = _TAG.match(row["tag"])
        if match is None:
            raise RuntimeError(f"{_TABLE_FILE}: {row['tag']!r} is not a private tag pattern.")
        attribute = SafePrivateAttribute(
            private_creator=row["privateCreator"],
            group=int(match[1], 16),
            offset=int(match[2], 16),
            vr=row["vr"],
            vm=row["vm"],
            meaning=row["meaning"],
        )
        table[(attribute.private_creator, attribute.group, attribute.offset)] = attribute
    if not table:
        raise RuntimeError(f"{_TABLE_FILE} is empty: the package data is damaged.")
    return table


def _creator_tag(tag: BaseTag) -> int:
    return (tag.group << 16) | (tag.element >> 8)


def private_creator(dataset: Dataset, tag: BaseTag) -> str | None:
    """The private creator of the block `tag` belongs to, at this level of `dataset`."""
    creator_tag = _creator_tag(tag)
    if creator_tag not in dataset:
        return None
    try:
        value = dataset[creator_tag].value
    except (ValueError, TypeError, KeyError):
        return None
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    return value.strip(" \x00") if isinstance(value, str) else None


def _numeric_text(element: DataElement) -> bool:
    value = element.value
    values = list(value) if isinstance(value, MultiValue | list | tuple) else [value]
    return all(item is None or _NUMERIC_TEXT.match(str(item)) for item in values)


def safe_private_attribute(dataset: Dataset, element: DataElement) -> SafePrivateAttribute | None:
    """The Table E.3.10-1 row that lets `element` (of `dataset`) be retained, or None."""
    tag = BaseTag(element.tag)
    if not tag.is_private or tag.element < 0x1000:
        return None
    creator = private_creator(dataset, tag)
    if not creator:
        return None
    attribute = safe_private_table().get((creator, tag.group, tag.element & 0xFF))
    if attribute is None or not attribute.retained or attribute.vr != element.VR:
        return None
    if element.VR in ("DS", "IS") and not _numeric_text(element):
        return None
    return attribute


def retained_private_tags(dataset: Dataset) -> frozenset[int]:
    """The private tags of this level of `dataset` to retain: safe elements and their creators."""
    keep: set[int] = set()
    for tag in list(dataset.keys()):
        if not BaseTag(tag).is_private:
            continue
        try:
            element = dataset[tag]
            safe = safe_private_attribute(dataset, element) is not None
        except (ValueError, TypeError, KeyError, OverflowError):
            continue  # a value that cannot be decoded cannot be shown to be safe
        if safe:
            keep.add(int(tag))
            keep.add(_creator_tag(BaseTag(tag)))
    return frozenset(keep)
