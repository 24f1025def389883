"""Which instances may carry identifying text in their pixels, and so must not pass.

The Basic Profile does not clean pixel data (that is the Clean Pixel Data Option, which needs a
person or an OCR pipeline), so an instance whose pixels may show a name or a date is quarantined:

- BurnedInAnnotation (0028,0301) is YES: always.
- The instance is of a kind whose devices commonly burn text into the image (ultrasound, secondary
  capture, photographs, endoscopy, slide labels, scanned documents, ...): unless its
  BurnedInAnnotation is NO *and* the site's policy trusts NO for that kind.
- An encapsulated document (PDF, CDA): its content is free text and layout nobody has cleaned.
- BurnedInAnnotation is present but its value cannot be decoded: nobody can say it is NO.

The reasons returned name the attribute and the kind, never a value taken from the instance.
"""

from __future__ import annotations

from pydicom import Dataset

__all__ = ["BURN_IN_MODALITIES", "burned_in_category", "quarantine_reason"]

#: Modalities (0008,0060) whose images commonly have text burned in.
BURN_IN_MODALITIES = frozenset(
    {
        "US",  # ultrasound: patient name/date/probe labels on screen captures
        "IVUS",  # intravascular ultrasound
        "SC",  # written by some devices for secondary capture
        "OT",  # "other": scanned films, screenshots
        "XC",  # external-camera photography
        "ES",  # endoscopy
        "GM",  # general microscopy
        "SM",  # slide microscopy: the slide label image
        "OP",  # ophthalmic photography
        "DOC",  # scanned documents
    }
)

_SOP_CLASS_CATEGORY: dict[str, str] = {
    # Ultrasound (and their retired forms)
    "1.2.840.10008.5.1.4.1.1.6": "US",
    "1.2.840.10008.5.1.4.1.1.6.1": "US",
    "1.2.840.10008.5.1.4.1.1.3": "US",
    "1.2.840.10008.5.1.4.1.1.3.1": "US",
    # Secondary Capture family
    "1.2.840.10008.5.1.4.1.1.7": "SC",
    "1.2.840.10008.5.1.4.1.1.7.1": "SC",
    "1.2.840.10008.5.1.4.1.1.7.2": "SC",
    "1.2.840.10008.5.1.4.1.1.7.3": "SC",
    "1.2.840.10008.5.1.4.1.1.7.4": "SC",
    # Visible light
    "1.2.840.10008.5.1.4.1.1.77.1.1": "ES",
    "1.2.840.10008.5.1.4.1.1.77.1.1.1": "ES",
    "1.2.840.10008.5.1.4.1.1.77.1.2": "GM",
    "1.2.840.10008.5.1.4.1.1.77.1.2.1": "GM",
    "1.2.840.10008.5.1.4.1.1.77.1.3": "SM",
    "1.2.840.10008.5.1.4.1.1.77.1.6": "SM",
    "1.2.840.10008.5.1.4.1.1.77.1.4": "XC",
    "1.2.840.10008.5.1.4.1.1.77.1.4.1": "XC",
    "1.2.840.10008.5.1.4.1.1.77.1.5.1": "OP",
    "1.2.840.10008.5.1.4.1.1.77.1.5.2": "OP",
    "1.2.840.10008.5.1.4.1.1.77.1.5.4": "OP",
    # Encapsulated documents
    "1.2.840.10008.5.1.4.1.1.104.1": "DOC",
    "1.2.840.10008.5.1.4.1.1.104.2": "DOC",
}


class _Undecodable(Exception):
    """An attribute whose value pydicom cannot decode."""


def _text(dataset: Dataset, keyword: str) -> str:
    try:
        value = dataset.get(keyword, "")
    except (ValueError, TypeError, KeyError) as error:
        raise _Undecodable(keyword) from error
    return str(value).strip().upper() if value is not None else ""


def _text_or_empty(dataset: Dataset, keyword: str) -> str:
    try:
        return _text(dataset, keyword)
    except _Undecodable:
        return ""


def burned_in_category(dataset: Dataset) -> str | None:
    """The burn-in-prone kind of this instance ("US", "SC", ...), or None if it is not one."""
    sop_class = _text_or_empty(dataset, "SOPClassUID").rstrip("\x00")
    category = _SOP_CLASS_CATEGORY.get(sop_class)
    if category is not None:
        return category
    modality = _text_or_empty(dataset, "Modality")
    return modality if modality in BURN_IN_MODALITIES else None


def quarantine_reason(dataset: Dataset, *, trusted_no: frozenset[str]) -> str | None:
    """Why this instance must be quarantined, or None when it may pass."""
    try:
        burned_in = _text(dataset, "BurnedInAnnotation")
    except _Undecodable:
        return (
            "BurnedInAnnotation cannot be decoded: identifying text may be burned into the pixels"
        )
    if burned_in == "YES":
        return "BurnedInAnnotation is YES: identifying text may be burned into the pixel data"
    category = burned_in_category(dataset)
    if category is None:
        return None
    modality = _text_or_empty(dataset, "Modality")
    trusted = {category, modality} & {kind.strip().upper() for kind in trusted_no}
    if burned_in == "NO" and trusted:
        return None
    if burned_in == "NO":
        return (
            f"{category} instances may carry burned-in text and the policy does not trust "
            f"BurnedInAnnotation NO for {category}"
        )
    return f"{category} instances may carry burned-in text and BurnedInAnnotation is not NO"
