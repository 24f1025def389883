"""The walk: a new dataset built from the original, element by element, at every depth.

Nothing is copied that was not looked at: each element is either dropped, replaced, or copied
after its action was decided. The input is never written to.

Order of decisions for one element:

1. group lengths, file meta in the body, curves (50xx) and overlays (60xx, the whole group):
   dropped;
2. private tags: dropped (unless the Retain Safe Private Option keeps an allow-listed one);
3. elements still UN after pydicom resolved what it could from the dictionary: dropped, since
   nobody can tell what they hold (UN of a standard tag is read with its real VR);
4. everything else: the Table E.1-1 action (with the options in force), resolved for this
   attribute's IOD type; attributes the table does not list are kept, except that every UID is
   remapped, every date shifted (or removed), every name emptied and every age aggregated anyway,
   and free text inside replaced content (D on a sequence, e.g. an SR Content Sequence) is
   replaced too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydicom import Dataset
from pydicom.config import IGNORE
from pydicom.dataelem import DataElement
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence

from .iod import attribute_type
from .keys import normalise_uid, pseudonymous_patient_id, uid_remap
from .private import safe_private_tags
from .profile import Action, profile_entry, resolve_action
from .temporal import aggregate_age, shift_date, shift_datetime
from .values import FREE_TEXT_VRS, dummy_value, empty_value, fit_to_vr

__all__ = ["WalkSettings", "clean_dataset", "is_well_known_uid"]

_DICOM_UID_ROOT = "1.2.840.10008."
_ICON_IMAGE_SEQUENCE = 0x00880200

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
    option_keys: tuple[str, ...]
    retain_safe_private: bool
    clean_descriptors: bool
    clean_text: Callable[[str], str]
    pseudonym: str


def is_well_known_uid(uid: str, keyword: str, *, listed_in_profile: bool) -> bool:
    """A UID that identifies no one: DICOM's own, or the value of a class-naming attribute."""
    if normalise_uid(uid).startswith(_DICOM_UID_ROOT):
        return True
    return keyword in _CLASS_UID_KEYWORDS and not listed_in_profile


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


class _Walker:
    def __init__(self, settings: WalkSettings) -> None:
        self.settings = settings

    # -- datasets ---------------------------------------------------------------------------

    def dataset(self, source: Dataset, *, parent: str | None, replaced: bool) -> Dataset:
        target = Dataset()
        private_keep = (
            safe_private_tags(source) if self.settings.retain_safe_private else frozenset()
        )
        for element in source:
            cleaned = self.element(
                source, element, parent=parent, replaced=replaced, private_keep=private_keep
            )
            if cleaned is not None:
                target.add(cleaned)
        return target

    def sequence(self, element: DataElement, *, replaced: bool) -> DataElement:
        items = [
            self.dataset(item, parent=element.keyword or None, replaced=replaced)
            for item in (element.value or [])
        ]
        return DataElement(element.tag, "SQ", Sequence(items), validation_mode=IGNORE)

    # -- elements ---------------------------------------------------------------------------

    def element(
        self,
        source: Dataset,
        element: DataElement,
        *,
        parent: str | None,
        replaced: bool,
        private_keep: frozenset[int],
    ) -> DataElement | None:
        tag = element.tag
        group = tag.group
        if tag.element == 0x0000 or group == 0x0002 or group == 0xFFFE:
            return None
        if tag.is_private:
            return _with_value(element, element.value) if int(tag) in private_keep else None
        if 0x5000 <= group <= 0x50FF or 0x6000 <= group <= 0x60FF:
            return None
        if element.VR == "UN" or int(tag) == _ICON_IMAGE_SEQUENCE:
            return None
        keyword = element.keyword
        if parent is None and keyword in _SET_AFTERWARDS:
            return None
        if keyword == "PatientID":
            return self._patient_id(element, top_level=parent is None)
        if keyword == "PatientName" and parent is None:
            return _with_value(element, self.settings.pseudonym)

        entry = profile_entry(int(tag))
        iod_type = attribute_type(keyword, parent=parent, sop_class_uid=self.settings.sop_class_uid)
        action: Action
        if entry is None:
            action = "K"
        else:
            action = resolve_action(entry.action_under(self.settings.option_keys), iod_type)
        return self.apply(
            element, action, listed=entry is not None, replaced=replaced, iod_type=iod_type
        )

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
        self, element: DataElement, action: Action, *, listed: bool, replaced: bool, iod_type: int
    ) -> DataElement | None:
        vr = element.VR
        if action == "X":
            return None
        if action == "Z":
            return _with_value(element, empty_value(vr))
        if vr == "SQ":
            # D, U, K and C on a sequence all keep its items and clean them with the profile;
            # D means the content is replaced, so free text inside goes too.
            return self.sequence(element, replaced=replaced or action == "D")
        if vr == "UI":
            return self._uids(element, listed=listed)
        if action == "D":
            return self._dummy(element)
        if action == "C":
            return self._clean(element)
        return self._keep(element, listed=listed, replaced=replaced, iod_type=iod_type)

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
        self, element: DataElement, *, listed: bool, replaced: bool, iod_type: int
    ) -> DataElement | None:
        vr = element.VR
        if vr in ("DA", "DT") and not listed:
            if self.settings.shift_days is not None:
                return self._shifted(element)
            return _with_value(element, empty_value(vr)) if iod_type < 3 else None
        if vr == "PN" and not listed:
            return _with_value(element, empty_value(vr))
        if vr == "AS":
            aged = [aggregate_age(str(age)) for age in _values(element)]
            return _with_value(element, _joined(age or "" for age in aged))
        if replaced and vr in FREE_TEXT_VRS and not listed:
            return self._clean(element) if self.settings.clean_descriptors else self._dummy(element)
        return _with_value(element, element.value)

    def _shifted(self, element: DataElement) -> DataElement:
        days = self.settings.shift_days
        assert days is not None
        shift = shift_date if element.VR == "DA" else shift_datetime
        shifted = [shift(str(value), days) for value in _values(element)]
        if any(value is None for value in shifted):
            return _with_value(element, "")  # unparseable: cannot be shifted, must not leak
        return _with_value(element, _joined(value or "" for value in shifted))


def clean_dataset(source: Dataset, settings: WalkSettings) -> Dataset:
    """A de-identified copy of `source` (the main dataset; its file meta is not walked)."""
    return _Walker(settings).dataset(source, parent=None, replaced=False)
