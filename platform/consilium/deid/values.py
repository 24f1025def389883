"""Values by VR: what "zero length" and "dummy" mean for each, and how long a value may be."""

from __future__ import annotations

from typing import Any

__all__ = ["DUMMY_TEXT", "FREE_TEXT_VRS", "TEXT_VRS", "dummy_value", "empty_value", "fit_to_vr"]

#: The dummy put in place of identifying text (action D).
DUMMY_TEXT = "ANONYMIZED"

TEXT_VRS = frozenset({"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"})
FREE_TEXT_VRS = frozenset({"LO", "LT", "SH", "ST", "UC", "UT"})
_BINARY_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "OB or OW", "US or OW"})
_INT_VRS = frozenset({"US", "SS", "UL", "SL", "UV", "SV", "AT", "US or SS", "US or SS or OW"})
_FLOAT_VRS = frozenset({"FL", "FD"})

_MAX_LENGTH = {"AE": 16, "CS": 16, "SH": 16, "LO": 64, "PN": 64, "ST": 1024, "LT": 10240}

_DUMMY_BY_VR: dict[str, Any] = {
    "DA": "19000101",
    "DT": "19000101000000",
    "TM": "000000",
    "AS": "000Y",
    "IS": "0",
    "DS": "0",
    "UI": None,  # UIDs are remapped, never given a dummy
}


def empty_value(vr: str) -> Any:
    """The zero-length value of a VR (action Z)."""
    if vr == "SQ":
        return []
    if vr in TEXT_VRS or vr in {"DA", "DT", "TM", "AS", "IS", "DS", "UI"}:
        return ""
    return None


def dummy_value(vr: str) -> Any:
    """A non-empty value that is valid for the VR and says nothing (action D)."""
    if vr in _DUMMY_BY_VR:
        return _DUMMY_BY_VR[vr]
    if vr in TEXT_VRS:
        return fit_to_vr(DUMMY_TEXT, vr)
    if vr in _INT_VRS:
        return 0
    if vr in _FLOAT_VRS:
        return 0.0
    if vr in _BINARY_VRS:
        return bytes(8)
    return None


def fit_to_vr(text: str, vr: str) -> str:
    """`text` cut to the longest value the VR allows."""
    limit = _MAX_LENGTH.get(vr)
    return text if limit is None else text[:limit]
