"""Maintainer tool: rebuild first_names.txt, surnames.txt and english_words.txt. Not imported.

Run from the repository root, with Faker installed (a dev dependency, via factory-boy) and the
Debian ``wamerican`` word list at /usr/share/dict/words::

    .venv/bin/python platform/consilium/deid/data/build_lexicons.py

Names: every given name and family name of Faker's person providers for the locales below
(Latin script), folded to ASCII, without the clinical words of `lexicon.py` (eponyms, drug
brands, organisms, report words). Faker is MIT-licensed (names.LICENSE.txt).

English words: the lower-case, alphabetic words of SCOWL (``wamerican``) of three letters or
more, reduced to base forms (`lexicon.is_english_word` undoes the common suffixes), so the file
stays small. SCOWL's notice is in english_words.LICENSE.txt.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import unicodedata
from pathlib import Path
from types import ModuleType

from consilium.deid.lexicon import inflection_stems

HERE = Path(__file__).resolve().parent
LOCALES = (
    "en_US",
    "en_GB",
    "en_IE",
    "en_IN",
    "en_NZ",
    "en_PK",
    "en_NG",
    "en_KE",
    "es_ES",
    "es_MX",
    "es_AR",
    "es_CO",
    "fr_FR",
    "de_DE",
    "it_IT",
    "pt_BR",
    "pt_PT",
    "pl_PL",
    "nl_NL",
    "tr_TR",
    "vi_VN",
    "id_ID",
    "sw",
    "yo_NG",
    "ig_NG",
    "ha_NG",
    "zu_ZA",
    "tw_GH",
    "cs_CZ",
    "sv_SE",
    "da_DK",
    "no_NO",
    "fi_FI",
    "hu_HU",
    "ro_RO",
    "hr_HR",
)
WORDS = Path("/usr/share/dict/words")
_NAME = re.compile(r"[A-Z][a-z]+(?:['-][A-Z]?[a-z]+)*")


def _lexicon_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_deid_lexicon", HERE.parent / "lexicon.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fold(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")


def _names(attributes: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in attributes:
            for name in getattr(provider, attribute, None) or ():
                for part in _fold(str(name)).split():
                    part = part[:1].upper() + part[1:]
                    if len(part) >= 2 and _NAME.fullmatch(part):
                        found.add(part)
    return found


def _derivable(word: str, words: set[str]) -> bool:
    # The same rules the runtime applies, so a dropped word is always found again.
    return any(stem in words and stem != word for stem in inflection_stems(word))


def main() -> None:
    lexicon = _lexicon_module()
    clinical = {word.lower() for word in lexicon.CLINICAL_WORDS}
    first = {
        n
        for n in _names(("first_names", "first_names_male", "first_names_female"))
        if n.lower() not in clinical
    }
    last = {n for n in _names(("last_names",)) if n.lower() not in clinical}
    (HERE / "first_names.txt").write_text("\n".join(sorted(first)) + "\n", encoding="utf-8")
    (HERE / "surnames.txt").write_text("\n".join(sorted(last)) + "\n", encoding="utf-8")

    raw = {
        line.strip()
        for line in WORDS.read_text(encoding="utf-8").splitlines()
        if re.fullmatch(r"[a-z]{3,}", line.strip())
    }
    base = sorted(word for word in raw if not _derivable(word, raw))
    (HERE / "english_words.txt").write_text("\n".join(base) + "\n", encoding="utf-8")
    print(f"{len(first)} first names, {len(last)} surnames, {len(base)} English base words")


if __name__ == "__main__":
    main()
