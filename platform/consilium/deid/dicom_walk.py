"""The walk: a new dataset built from the original, element by element, at every depth.

Nothing is copied that was not looked at: each element is either dropped, replaced, or copied
after its action was decided. The input is never written to.

Order of decisions for one element:

1. group lengths, file meta in the body, curves (50xx) and overlays (60xx, the whole group):
   dropped (also under the Clean Graphics Option: overlay bitmaps cannot be cleaned here);
2. private tags: dropped, unless the Retain Safe Private Option retains a Table E.3.10-1 one
   (see `private`);
3. elements still UN after pydicom resolved what it could from the dictionary: dropped, since
   nobody can tell what they hold (UN of a standard tag is read with its real VR);
4. everything else: the Table E.1-1 action (with the options in force), resolved for this
   attribute's IOD type; attributes the table does not list are kept, except that every UID is
   remapped, every date shifted (or removed), every name emptied and every age aggregated anyway.

Free text the table does not list (TextValue, UnformattedTextValue, CodeMeaning, ...) follows the
sequence it sits in: inside a sequence whose action is D (Content Sequence, Graphic Annotation
Sequence, Verifying Observer Sequence, ...) it is replaced by a dummy, inside one whose action is
C (the same sequences under Clean Structured Content or Clean Graphics, Request Attributes
Sequence under Clean Descriptors) it is cleaned by the note de-identifier, and the stricter of the
two wins at any depth below.

A value pydicom cannot decode (or that cannot be re-encoded for its VR, like the IS "1A" of
pydicom's badVR.dcm) never stops the instance: an attribute to be removed is removed; one to be
kept or replaced is given a dummy (Type 1), emptied (Type 2) or removed (Type 3), and the walk
records which attribute it was and what was done, never the value.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydicom import Dataset
from pydicom.config import IGNORE
from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag

from .iod import attribute_type
from .keys import normalise_uid, pseudonymous_patient_id, uid_remap
from .private import retained_private_tags
from .profile import Action, profile_entry, resolve_action
from .temporal import aggregate_age, shift_date, shift_datetime
from .values import FREE_TEXT_VRS, dummy_value, empty_value, fit_to_vr

__all__ = ["FreeText", "WalkOutcome", "WalkSettings", "clean_dataset", "is_well_known_uid"]

_DICOM_UID_ROOT = "1.2.840.10008."
_ICON_IMAGE_SEQUENCE = 0x00880200

#: What happens to unlisted free text at this depth (see the module docstring).
FreeText = Literal["keep", "clean", "replace"]
_STRICTNESS: dict[FreeText, int] = {"keep": 0, "clean": 1, "replace": 2}
_SEQUENCE_FREE_TEXT: dict[str, FreeText] = {"D": "replace", "C": "clean"}

# What pydicom raises for a value it cannot decode, or cannot convert for a new element.
_UNDECODABLE = (ValueError, TypeError, OverflowError, KeyError, struct.error)

# UIDs that name a kind of thing (a SOP class, a transfer syntax, a coding scheme), not an
# instance: they identify nobody and must keep their meaning.
_CLASS_UID_KEYWORDS = frozenset(
    {
        "SOPClassUID",
        "ReferencedSOPClassUID",
        "ReferencedSOPClassUIDInFile",
        "MediaStorageSOPClassUID",
        "AffectedSOPClassUID",
        "RequestedSOPClassUID",
        "RelatedGeneralSOPClassUID",
        "OriginalSpecializedSOPClassUID",
        "SOPClassesInStudy",
        "TransferSyntaxUID",
        "ReferencedTransferSyntaxUIDInFile",
        "CodingSchemeUID",
        "ContextUID",
        "MappingResourceUID",
        "ImplementationClassUID",
    }
)

# Set by the deidentifier itself after the walk.
_SET_AFTERWARDS = frozenset(
    {
        "PatientIdentityRemoved",
        "DeidentificationMethod",
        "DeidentificationMethodCodeSequence",
        "LongitudinalTemporalInformationModified",
    }
)


@dataclass(frozen=True)
class WalkSettings:
    secret: bytes
    site: str
    sop_class_uid: str
    shift_days: int | None  # None: dates are not kept (removed/emptied as the profile says)
    option_keys: tuple[str, ...]  # Table E.1-1 option columns in force
    retain_safe_private: bool
    clean_text: Callable[[str], str]  # the note de-identifier, for action C on free text
    pseudonym: str


@dataclass(frozen=True)
class WalkOutcome:
    dataset: Dataset
    # one line per attribute whose value could not be decoded: tag, keyword, VR and what was
    # done with it; never the value
    unreadable: tuple[str, ...]


@dataclass(frozen=True)
class _Decision:
    action: Action
    listed: bool  # named in Table E.1-1
    iod_type: int


def is_well_known_uid(uid: str, keyword: str, *, listed_in_profile: bool) -> bool:
    """A UID that identifies no one: DICOM's own, or the value of a class-naming attribute."""
    if normalise_uid(uid).startswith(_DICOM_UID_ROOT):
        return True
    return keyword in _CLASS_UID_KEYWORDS and not listed_in_profile


def _stricter(one: FreeText, other: FreeText) -> FreeText:
    return one if _STRICTNESS[one] >= _STRICTNESS[other] else other


def _values(element: DataElement) -> list[Any]:
    value = element.value
    if value is None:
        return []
    if isinstance(value, MultiValue | list | tuple):
        return list(value)
    return [value]


def _with_value(element: DataElement, value: Any) -> DataElement:
    return DataElement(
        element.tag,
        element.VR,
        value,
        is_undefined_length=element.is_undefined_length,
        validation_mode=IGNORE,
    )


def _joined(values: Iterable[str]) -> str:
    return "\\".join(values)


def _raw_vr(raw: RawDataElement) -> str:
    if raw.VR:
        return str(raw.VR)
    try:
        return str(dictionary_VR(raw.tag))
    except KeyError:
        return "UN"


class _Walker:
    def __init__(self, settings: WalkSettings) -> None:
        self.settings = settings
        self.unreadable: list[str] = []

    # -- datasets ---------------------------------------------------------------------------

    def dataset(self, source: Dataset, *, parent: str | None, text: FreeText) -> Dataset:
        target = Dataset()
        private_keep = (
            retained_private_tags(source) if self.settings.retain_safe_private else frozenset()
        )
        for tag in sorted(source.keys()):
            try:
                element = source[tag]
            except _UNDECODABLE:
                cleaned = self.undecodable(source.get_item(tag), parent=parent)
            else:
                cleaned = self.element(element, parent=parent, text=text, private_keep=private_keep)
            if cleaned is not None:
                target.add(cleaned)
        return target

    def sequence(self, element: DataElement, *, text: FreeText) -> DataElement:
        parent = element.keyword or str(element.tag)
        items = [self.dataset(item, parent=parent, text=text) for item in (element.value or [])]
        return DataElement(element.tag, "SQ", Sequence(items), validation_mode=IGNORE)

    # -- decisions --------------------------------------------------------------------------

    def decide(
        self, tag: BaseTag, vr: str, keyword: str, *, parent: str | None
    ) -> _Decision | None:
        """The action for a standard element, or None when it is dropped whatever it holds."""
        group = tag.group
        if tag.element == 0x0000 or group == 0x0002 or group == 0xFFFE or tag.is_private:
            return None
        if 0x5000 <= group <= 0x50FF or 0x6000 <= group <= 0x60FF:
            return None
        if vr == "UN" or int(tag) == _ICON_IMAGE_SEQUENCE:
            return None
        if parent is None and keyword in _SET_AFTERWARDS:
            return None
        entry = profile_entry(int(tag))
        iod_type = attribute_type(keyword, parent=parent, sop_class_uid=self.settings.sop_class_uid)
        if entry is None:
            return _Decision("K", listed=False, iod_type=iod_type)
        action = resolve_action(entry.action_under(self.settings.option_keys), iod_type)
        return _Decision(action, listed=True, iod_type=iod_type)

    # -- elements ---------------------------------------------------------------------------

    def element(
        self,
        element: DataElement,
        *,
        parent: str | None,
        text: FreeText,
        private_keep: frozenset[int],
    ) -> DataElement | None:
        tag = element.tag
        if tag.is_private:
            if int(tag) not in private_keep:
                return None
            try:
                return self._private(element, text=text)
            except _UNDECODABLE:
                return None  # retained only when its value is readable, so never reached
        keyword = element.keyword
        decision = self.decide(tag, element.VR, keyword, parent=parent)
        if decision is None:
            return None
        try:
            if keyword == "PatientID":
                return self._patient_id(element, top_level=parent is None)
            if keyword == "PatientName" and parent is None:
                return _with_value(element, self.settings.pseudonym)
            return self.apply(element, decision, text=text)
        except _UNDECODABLE:
            return self._unreadable(tag, element.VR, keyword, decision)

    def undecodable(self, raw: RawDataElement, *, parent: str | None) -> DataElement | None:
        """An element pydicom could not even decode from the file."""
        tag = BaseTag(raw.tag)
        vr = _raw_vr(raw)
        keyword = keyword_for_tag(tag)
        decision = self.decide(tag, vr, keyword, parent=parent)
        if decision is None:
            return None
        return self._unreadable(tag, vr, keyword, decision)

    def _unreadable(
        self, tag: BaseTag, vr: str, keyword: str, decision: _Decision
    ) -> DataElement | None:
        if decision.action == "X":
            return None  # to be removed anyway
        replacement: DataElement | None = None
        if decision.iod_type == 1 and dummy_value(vr) is not None:
            replacement = DataElement(tag, vr, dummy_value(vr), validation_mode=IGNORE)
            done = "replaced by a dummy"
        elif decision.iod_type < 3:
            replacement = DataElement(tag, vr, empty_value(vr), validation_mode=IGNORE)
            done = "emptied"
        else:
            done = "removed"
        name = keyword or "unknown attribute"
        self.unreadable.append(
            f"({tag.group:04X},{tag.element:04X}) {name} {vr}: value could not be decoded; {done}"
        )
        return replacement

    def _private(self, element: DataElement, *, text: FreeText) -> DataElement:
        if element.VR == "SQ":
            return self.sequence(element, text=text)
        if element.VR == "UI":
            return self._uids(element, listed=False)
        return _with_value(element, element.value)

    def _patient_id(self, element: DataElement, *, top_level: bool) -> DataElement:
        if top_level:
            return _with_value(element, self.settings.pseudonym)
        original = str(element.value or "").strip()
        if not original:
            return _with_value(element, "")
        return _with_value(
            element,
            pseudonymous_patient_id(original, site=self.settings.site, secret=self.settings.secret),
        )

    def apply(
        self, element: DataElement, decision: _Decision, *, text: FreeText
    ) -> DataElement | None:
        vr = element.VR
        action = decision.action
        if action == "X":
            return None
        if action == "Z":
            return _with_value(element, empty_value(vr))
        if vr == "SQ":
            # D, C, U and K on a sequence all keep its items and clean them with the profile;
            # D and C also decide what happens to the free text inside (module docstring).
            inner = _stricter(text, _SEQUENCE_FREE_TEXT.get(action, "keep"))
            return self.sequence(element, text=inner)
        if vr == "UI":
            return self._uids(element, listed=decision.listed)
        if action == "D":
            return self._dummy(element)
        if action == "C":
            return self._clean(element)
        return self._keep(element, decision, text=text)

    def _uids(self, element: DataElement, *, listed: bool) -> DataElement:
        keyword = element.keyword
        remapped = [
            uid
            if not normalise_uid(str(uid))
            or is_well_known_uid(str(uid), keyword, listed_in_profile=listed)
            else uid_remap(str(uid), secret=self.settings.secret)
            for uid in _values(element)
        ]
        if not remapped:
            return _with_value(element, "")
        return _with_value(element, remapped if len(remapped) > 1 else remapped[0])

    def _dummy(self, element: DataElement) -> DataElement | None:
        vr = element.VR
        if vr in ("DA", "DT") and self.settings.shift_days is not None:
            return self._shifted(element)
        value = dummy_value(vr)
        if value is None:
            return None
        return _with_value(element, value)

    def _clean(self, element: DataElement) -> DataElement | None:
        vr = element.VR
        if vr in ("DA", "DT"):
            return self._shifted(element) if self.settings.shift_days is not None else None
        if vr in FREE_TEXT_VRS:
            cleaned = [
                fit_to_vr(self.settings.clean_text(str(text)), vr) for text in _values(element)
            ]
            return _with_value(element, _joined(cleaned))
        if vr == "PN":
            return _with_value(element, "")
        return _with_value(element, element.value)

    def _keep(
        self, element: DataElement, decision: _Decision, *, text: FreeText
    ) -> DataElement | None:
        vr = element.VR
        listed = decision.listed
        if vr in ("DA", "DT") and not listed:
            if self.settings.shift_days is not None:
                return self._shifted(element)
            return _with_value(element, empty_value(vr)) if decision.iod_type < 3 else None
        if vr == "PN" and not listed:
            return _with_value(element, empty_value(vr))
        if vr == "AS":
            aged = [aggregate_age(str(age)) for age in _values(element)]
            return _with_value(element, _joined(age or "" for age in aged))
        if vr in FREE_TEXT_VRS and not listed and text != "keep":
            return self._dummy(element) if text == "replace" else self._clean(element)
        return _with_value(element, element.value)

    def _shifted(self, element: DataElement) -> DataElement:
        days = self.settings.shift_days
        assert days is not None
        shift = shift_date if element.VR == "DA" else shift_datetime
        shifted = [shift(str(value), days) for value in _values(element)]
        if any(value is None for value in shifted):
            return _with_value(element, "")  # unparseable: cannot be shifted, must not leak
        return _with_value(element, _joined(value or "" for value in shifted))


def clean_dataset(source: Dataset, settings: WalkSettings) -> WalkOutcome:
    """A de-identified copy of `source` (the main dataset; its file meta is not walked)."""
    walker = _Walker(settings)
    cleaned = walker.dataset(source, parent=None, text="keep")
    return WalkOutcome(cleaned, tuple(walker.unreadable))
