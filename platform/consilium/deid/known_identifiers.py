"""The instance's own names and ids, so text kept under a Clean option cannot repeat them.

The note de-identifier finds names by their shape and its word lists; a DICOM instance says
outright who the patient, the physicians and the observers are. Where text is cleaned rather
than removed (Clean Descriptors, Clean Structured Content, Clean Graphics), every word of those
names and every patient or accession id the instance carries is also replaced, whether or not
the note de-identifier recognised it: a family name that is an English word ("Rose", "Young")
costs that word in the text, which is the trade the note de-identifier makes too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pydicom import Dataset
from pydicom.dataelem import DataElement
from pydicom.multival import MultiValue

__all__ = ["KnownIdentifiers", "known_identifiers"]

_NAME_PLACEHOLDER = "[NAME]"
_ID_PLACEHOLDER = "[ID]"
_ID_KEYWORDS = frozenset(
    {"PatientID", "OtherPatientIDs", "AccessionNumber", "StudyID", "MedicalRecordLocator"}
)
# Family, given and middle name; prefix and suffix ("Dr", "Jr") identify nobody.
_NAME_COMPONENTS = 3
_MIN_NAME_PART = 2
_MIN_ID = 3


@dataclass(frozen=True)
class KnownIdentifiers:
    names: frozenset[str]  # name words, as written in the instance
    ids: frozenset[str]

    def scrub(self, text: str) -> str:
        """`text` with every known id and name word replaced (whole words, any case)."""
        for value in sorted(self.ids, key=len, reverse=True):
            text = _pattern(value).sub(_ID_PLACEHOLDER, text)
        for value in sorted(self.names, key=len, reverse=True):
            text = _pattern(value).sub(_NAME_PLACEHOLDER, text)
        return text


def _pattern(value: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.IGNORECASE)


def _elements(dataset: Dataset) -> Iterator[DataElement]:
    for tag in list(dataset.keys()):
        try:
            element = dataset[tag]
        except (ValueError, TypeError, KeyError, OverflowError):
            continue  # undecodable: the walk removes or empties it
        if element.VR == "SQ":
            for item in element.value or []:
                yield from _elements(item)
        else:
            yield element


def _strings(element: DataElement) -> list[str]:
    value = element.value
    values = list(value) if isinstance(value, MultiValue | list | tuple) else [value]
    return [str(item) for item in values if item not in (None, "")]


def _name_words(person_name: str) -> Iterator[str]:
    for representation in person_name.split("="):  # alphabetic, ideographic, phonetic
        for component in representation.split("^")[:_NAME_COMPONENTS]:
            for word in re.split(r"[\s,]+", component):
                word = word.strip(".'\"-")
                if len(word) >= _MIN_NAME_PART:
                    yield word


def known_identifiers(dataset: Dataset) -> KnownIdentifiers:
    """Every person-name word and patient/accession id in `dataset`, at every depth."""
    names: set[str] = set()
    ids: set[str] = set()
    for element in _elements(dataset):
        if element.VR == "PN":
            for person_name in _strings(element):
                names.update(_name_words(person_name))
        elif element.keyword in _ID_KEYWORDS:
            ids.update(
                value.strip() for value in _strings(element) if len(value.strip()) >= _MIN_ID
            )
    return KnownIdentifiers(frozenset(names), frozenset(ids))
