"""De-identification of DICOM instances and clinical notes. Pure Python: imports no Django.

- `DicomDeidentifier`: the PS3.15 Annex E Basic Application Level Confidentiality Profile, with
  the options of `DeidPolicy`, consistent UID remapping and date shifting across processes, and
  quarantine of instances whose pixels may show identifying text (see `consilium.deid.dicom`).
- `note_deidentify`: HIPAA Safe Harbor identifiers in free text replaced by typed placeholders,
  with rules and dictionaries, offline (see `consilium.deid.notes` for the approach and why).
- `uid_remap`, `pseudonymous_patient_id`, `date_shift_days`: the keyed (HMAC-SHA256) mappings,
  so other parts of the platform can find a de-identified study from the UID a hospital sent.

Why rules and dictionaries for notes, not a model: everything must run offline and give the same
answer every time, no weights can be fetched, and a privacy officer must be able to read why a
word was or was not removed. The dictionaries are compact and derived, not hand-typed: given
names and surnames from Faker's person providers (MIT) and base English words from SCOWL
(``wamerican``), with licences beside them in ``data/`` and the script that builds them
(``data/build_lexicons.py``). Clinical words that look like names (eponyms, drug brands,
organisms) are listed by hand in `lexicon`. A labelled corpus of 225 notes (tests/deid/corpus:
45 written by hand, 180 generated, with a held-out part) measures PHI recall, precision and
clinical-phrase survival on every test run; `bench/deid.py` reports the same figures.
"""

from .dicom import (
    DeidPolicy,
    DicomDeidentifier,
    DicomDeidResult,
    OriginalIdentifiers,
)
from .keys import date_shift_days, pseudonymous_patient_id, uid_remap
from .notes import NoteDeidResult, Replacement, note_deidentify

__all__ = [
    "DeidPolicy",
    "DicomDeidResult",
    "DicomDeidentifier",
    "NoteDeidResult",
    "OriginalIdentifiers",
    "Replacement",
    "date_shift_days",
    "note_deidentify",
    "pseudonymous_patient_id",
    "uid_remap",
]
