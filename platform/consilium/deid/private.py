"""Private attributes: all removed, unless the Retain Safe Private Option keeps an allow-listed one.

The allow-list is deliberately small: vendor attributes that hold numeric acquisition parameters
(diffusion b-values and gradient directions) that analysis needs and that cannot identify anyone,
in the spirit of PS3.15 Table E.3.10-1. An entry is kept only when its private creator matches,
its VR is one of the numeric VRs listed for it (never text, never UN), and the block's creator
element is kept with it so the element still means what it meant.
"""

from __future__ import annotations

from pydicom import Dataset
from pydicom.dataelem import DataElement
from pydicom.tag import BaseTag

__all__ = ["SAFE_PRIVATE_ATTRIBUTES", "safe_private_tags"]

_NUMERIC = frozenset({"DS", "IS", "FD", "FL", "US", "SS", "UL", "SL", "UV", "SV"})

#: (private creator, group, element offset within the block) -> allowed VRs
SAFE_PRIVATE_ATTRIBUTES: dict[tuple[str, int, int], frozenset[str]] = {
    ("SIEMENS MR HEADER", 0x0019, 0x0C): _NUMERIC,  # B_value
    ("SIEMENS MR HEADER", 0x0019, 0x0E): _NUMERIC,  # DiffusionGradientDirection
    ("SIEMENS MR HEADER", 0x0019, 0x27): _NUMERIC,  # B_matrix
    ("GEMS_PARM_01", 0x0043, 0x39): _NUMERIC,  # slop_int_6..9 (b-value)
    ("GEMS_ACQU_01", 0x0019, 0xBB): _NUMERIC,  # diffusion direction X
    ("GEMS_ACQU_01", 0x0019, 0xBC): _NUMERIC,  # diffusion direction Y
    ("GEMS_ACQU_01", 0x0019, 0xBD): _NUMERIC,  # diffusion direction Z
    ("Philips Imaging DD 001", 0x2001, 0x03): _NUMERIC,  # Diffusion B-Factor
    ("Philips MR Imaging DD 001", 0x2005, 0xB0): _NUMERIC,  # diffusion direction RL
    ("Philips MR Imaging DD 001", 0x2005, 0xB1): _NUMERIC,  # diffusion direction AP
    ("Philips MR Imaging DD 001", 0x2005, 0xB2): _NUMERIC,  # diffusion direction FH
}


def _creator(dataset: Dataset, tag: BaseTag) -> str | None:
    creator_tag = (tag.group << 16) | (tag.element >> 8)
    if creator_tag not in dataset:
        return None
    value = dataset[creator_tag].value
    return str(value).strip() if isinstance(value, str) else None


def _is_safe(dataset: Dataset, element: DataElement) -> bool:
    tag = BaseTag(element.tag)
    if tag.element < 0x1000:
        return False
    creator = _creator(dataset, tag)
    if creator is None:
        return False
    allowed = SAFE_PRIVATE_ATTRIBUTES.get((creator, tag.group, tag.element & 0xFF))
    return allowed is not None and element.VR in allowed


def safe_private_tags(dataset: Dataset) -> frozenset[int]:
    """The private tags of this dataset level to keep: safe attributes and their creators."""
    keep: set[int] = set()
    for element in dataset:
        if element.tag.is_private and _is_safe(dataset, element):
            keep.add(int(element.tag))
            keep.add((element.tag.group << 16) | (element.tag.element >> 8))
    return frozenset(keep)
