"""Places and institutions in free text: streets, towns, ZIP codes, counties, hospitals.

Safe Harbor removes every geographic subdivision smaller than a state and the initial three
digits of a ZIP code in most cases, so a street, a town, a county and a ZIP code all go; a
state stays. Shapes that are unambiguous (a house number and a street suffix, "Town, ST 12345",
"P.O. Box 12") are taken as they are; a 5-digit number is a ZIP code only after a state or the
word "ZIP"; a capitalised word after "in", "lives in", "from" is a
place only when it is no English word, name or clinical word. Institutions are capitalised runs
that end in a head word ("Hospital", "Medical Center", "Clinic") or follow one ("Hospice of").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .lexicon import CLINICAL_WORDS, is_english_word, is_known_name, word_set
from .note_spans import Span, pattern_spans

__all__ = ["find_places", "state_spans"]

_US_STATES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|"
    "Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|"
    "Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|"
    "New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|"
    "Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|"
    "West Virginia|Wisconsin|Wyoming|District of Columbia"
)
_STATE_ABBR = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    "NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR"
)
# State abbreviations that are also clinical abbreviations or credentials.
_CLINICAL_ABBREVIATIONS = word_set(
    "PA MD CT MS OR ME IN CO LA MI SC VA GA ID DE OK HI AL NE MO NP DO RN"
)
_STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|"
    r"Terrace|Ter|Way|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Loop|Alley|Row|"
    r"Crescent|Close|Route|Rte|Pike|Turnpike|Plaza|Walk|Path|Point|Ridge|Heights|Hollow|"
    r"Crossing|Commons|Expressway|Freeway|Gardens|Green|Grove|Mews)"
)
# Within one line: a date at the end of one line and "Dr." at the start of the next are no street.
_STREET = re.compile(
    r"\b\d{1,6}[A-Za-z]?(?:-\d+)?[ \t]+(?:(?:[NSEW]\.?|North|South|East|West)[ \t]+)?"
    r"(?:[A-Z0-9][A-Za-z0-9'.-]*[ \t]+){0,4}?" + _STREET_SUFFIX + r"\b\.?"
    r"(?:,?[ \t]*(?:Apt|Apartment|Unit|Suite|Ste|Fl|Floor|Rm|Room|Bldg|Building|Lot|Space|#)"
    r"\.?[ \t]*#?[ \t]*[A-Za-z0-9-]+)?"
)
_NAMED_STREET = re.compile(
    r"\b(?:[A-Z][a-z]+[ \t]+){1,3}(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Terrace|"
    r"Parkway|Highway|Place|Crescent)\b"
)
_PO_BOX = re.compile(r"(?i:\bP\.?\s*O\.?\s*Box\s+\d+)")
_CITY_STATE = re.compile(
    r"(?P<city>\b[A-Z][a-zA-Z'.-]+(?:[ \t]+[A-Z][a-zA-Z'.-]+){0,2}),[ \t]*"
    r"(?P<state>(?:" + _US_STATES + r")|(?:" + _STATE_ABBR + r")(?![a-zA-Z]))"
    r"(?:,?[ \t]+(?P<zip>\d{5}(?:-\d{4})?)(?!\d))?"
)
_ZIP_CUED = re.compile(
    r"(?i:\b(?:zip|zip\s+code|postal\s+code|postcode)\s*[:#]?\s*)"
    r"(?P<zip>\d{5}(?:-\d{4})?|[A-Z]\d[A-Z]\s?\d[A-Z]\d)\b"
)
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?[ \t]+\d[A-Z]{2}\b")
_TOWN_BEFORE = re.compile(r"(?P<town>[A-Z][a-z]+(?:[ -][A-Z][a-z]+)?),?\s+$")
# "a child in Guadalajara": a capitalised word that is no English word, name or clinical term.
_IN_PLACE = re.compile(
    r"\b(?:in|at|near|from|to|outside|around)\s+"
    r"(?P<place>[A-Z][a-z]{3,}(?:[ \t]+[A-Z][a-z]{3,})?)\b"
)
_COUNTY = re.compile(r"\b(?:[A-Z][a-z]+[ \t]+){1,2}(?:County|Parish|Borough|Township)\b")
_PLACE_CUED = re.compile(
    r"(?i:\b(?:lives|living|resides|residing|resident|moved|relocated|born|grew\s+up|from|"
    r"visiting|travell?ed|home)\s+(?:alone\s+)?(?:in|at|to|of|from|near)\s+(?:the\s+)?)"
    r"(?P<place>[A-Z][a-zA-Z'.-]+(?:[ \t]+[A-Z][a-zA-Z'.-]+){0,2})"
)

_INSTITUTION_HEAD = (
    r"(?:Hospital|Hospitals|Medical\s+Center|Medical\s+Centre|Health\s+Center|Health\s+Centre|"
    r"Health\s+System|Healthcare|Health\s+Care|Clinic|Clinics|Infirmary|Sanatorium|Hospice|"
    r"Nursing\s+Home|Nursing\s+Facility|Care\s+Center|Care\s+Home|Rehabilitation\s+Center|"
    r"Rehabilitation\s+Hospital|Rehab\s+Center|Cancer\s+Center|Cancer\s+Institute|Medical\s+Group|"
    r"Medical\s+Associates|Family\s+Practice|Urgent\s+Care|Surgery\s+Center|Surgical\s+Center|"
    r"Imaging\s+Center|Dialysis\s+Center|Heart\s+Institute|Eye\s+Institute|Institute|"
    r"University|College|Laboratories|Laboratory|Pharmacy|Associates|Partners|Group|"
    r"(?:Elementary|Middle|High|Primary|Secondary)\s+School|School|Academy|LLC|Inc\.?|Corp\.?|"
    r"Corporation|Company|Ltd\.?|PLLC|LLP)"
)
_PROPER = r"(?:St\.|Saint|Mt\.|Mount|[A-Z][A-Za-z'\u2019&.-]*)"
_INSTITUTION = re.compile(
    r"(?P<name>(?:"
    + _PROPER
    + r"[ \t]+(?:(?:of|the|and|&|for|de|la)[ \t]+)*){1,6}"
    + _INSTITUTION_HEAD
    + r"\b(?:[ \t]+(?:of|at|for)[ \t]+(?:the[ \t]+)?[A-Z][A-Za-z'.-]*"
    r"(?:[ \t]+[A-Z][A-Za-z'.-]*){0,3})?)"
)
_INSTITUTION_OF = re.compile(
    r"\b(?:Hospital|Hospice|University|Clinic|Infirmary|College|Institute|Medical[ \t]+Center|"
    r"Sisters|Hospitals)[ \t]+of[ \t]+(?:the[ \t]+)?"
    r"[A-Z][A-Za-z'.-]*(?:[ \t]+[A-Z][A-Za-z'.-]*){0,4}"
)
_KNOWN_INSTITUTIONS = re.compile(
    r"\b(?:Mayo|Johns\s+Hopkins|Mass(?:achusetts)?\s+General|Mount\s+Sinai|Mt\.?\s+Sinai|"
    r"Cedars[-\s]Sinai|Kaiser(?:\s+Permanente)?|(?:Memorial\s+)?Sloan[-\s]Kettering|"
    r"MD\s+Anderson|Brigham(?:\s+and\s+Women'?s)?|Beth\s+Israel(?:\s+Deaconess)?|"
    r"NYU\s+Langone|Cleveland\s+Clinic|Intermountain|Geisinger|Ochsner|Northwell|"
    r"Vanderbilt|UCSF|UCLA|UPMC|MGH|BIDMC)\b"
)
_GENERIC_LEADS = word_set(
    "The This That Our Their His Her An A Outside Local Any Another Same Each Other"
)
# "Pain Clinic", "Cardiology Clinic": a department, which names no one.
_DEPARTMENT_WORDS = word_set(
    """
    Pain Cardiology Oncology Neurology Urology Dermatology Orthopedic Orthopedics Orthopaedic
    Surgical Surgery Medical Primary Care Wound Diabetes Anticoagulation Coumadin Heart Sleep
    Memory Movement Disorders Disorder Allergy Asthma Travel Fertility Eye Dental Walk-in
    Outpatient Inpatient Specialty Transplant Vascular Vein Women's Men's Pediatric Pediatrics
    Family Internal Emergency Urgent Rheumatology Endocrine Endocrinology Hepatology Liver Kidney
    Renal Dialysis Infusion Chemotherapy Radiation Breast Lung Spine Sports Physical Therapy
    Rehab Rehabilitation Psychiatric Psychiatry Mental Behavioral Addiction Methadone HIV ID GI
    ENT OB GYN OB/GYN Prenatal Lactation Nutrition Weight Bariatric Hand Foot Podiatry Audiology
    Optometry Headache Epilepsy Stroke Cancer Hematology Nephrology Pulmonary Pulmonology
    Gastroenterology Infectious Disease Diseases Geriatric Geriatrics Palliative Hospice
    Neurosurgery Ophthalmology Otolaryngology Radiology Imaging Cardiac Pacemaker Device
    Lipid Hypertension Obesity Tuberculosis TB STD Sexual Health Vaccine Immunization Student
    """
)


# "Consultant in Rheumatology": the word lists lack most specialty and procedure words.
_MEDICAL_ENDINGS = (
    "ology",
    "ologist",
    "iatry",
    "iatrics",
    "ics",
    "ectomy",
    "otomy",
    "ostomy",
    "itis",
    "osis",
    "emia",
    "opathy",
)


def _is_place_word(word: str) -> bool:
    return (
        word not in CLINICAL_WORDS
        and word not in _DEPARTMENT_WORDS
        and not word.lower().endswith(_MEDICAL_ENDINGS)
        and not is_english_word(word)
        and not is_known_name(word)
    )


def _addresses(text: str) -> Iterator[Span]:
    yield from pattern_spans(_STREET, text, "ADDRESS")
    for match in _NAMED_STREET.finditer(text):
        words = match.group().split()
        if not any(word in CLINICAL_WORDS for word in words[:-1]):
            yield Span(match.start(), match.end(), "ADDRESS")
    yield from pattern_spans(_PO_BOX, text, "ADDRESS")
    for match in _CITY_STATE.finditer(text):
        words = match["city"].split()
        # "Chest, PA" and "Smith, MD" are not places: where the state could be a clinical
        # abbreviation, only a ZIP or a word that is not English makes one.
        strict = match["state"] in _CLINICAL_ABBREVIATIONS and not match["zip"]
        while words and (words[0] in CLINICAL_WORDS or (strict and not _is_place_word(words[0]))):
            words = words[1:]
        if words:
            start = match.end("city") - len(" ".join(words))
            yield Span(start, match.end("city"), "ADDRESS")
        if match["zip"]:
            yield Span(match.start("zip"), match.end("zip"), "ADDRESS")
    yield from pattern_spans(_ZIP_CUED, text, "ADDRESS", "zip")
    for match in _UK_POSTCODE.finditer(text):
        yield Span(match.start(), match.end(), "ADDRESS")
        town = _TOWN_BEFORE.search(text, max(0, match.start() - 40), match.start())
        if town is not None and _is_place_word(town["town"].split()[0]):
            yield Span(town.start("town"), town.end("town"), "ADDRESS")
    for match in _IN_PLACE.finditer(text):
        words = match["place"].split()
        if all(_is_place_word(word) for word in words):
            yield Span(match.start("place"), match.end("place"), "ADDRESS")
    yield from pattern_spans(_COUNTY, text, "ADDRESS")
    for match in _PLACE_CUED.finditer(text):
        place = match["place"]
        if not re.fullmatch(_US_STATES, place) and place.split()[0] not in CLINICAL_WORDS:
            yield Span(match.start("place"), match.end("place"), "ADDRESS")


def _institutions(text: str) -> Iterator[Span]:
    for match in _INSTITUTION.finditer(text):
        words = list(re.finditer(r"\S+", match["name"]))
        head = re.search(_INSTITUTION_HEAD, match["name"])
        assert head is not None
        leading = [w for w in words if w.end() <= head.start()]
        while leading and leading[0].group() in _GENERIC_LEADS:
            leading = leading[1:]
        names = [w.group() for w in leading if w.group() not in ("of", "the", "and", "&", "for")]
        # "the Hospital" or "Pain Clinic" is no institution's name.
        if not names or all(name in _DEPARTMENT_WORDS for name in names):
            continue
        yield Span(match.start("name") + leading[0].start(), match.end("name"), "INSTITUTION")
    yield from pattern_spans(_INSTITUTION_OF, text, "INSTITUTION")
    yield from pattern_spans(_KNOWN_INSTITUTIONS, text, "INSTITUTION")


def state_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where a state is named as part of an address ("Tucson, Arizona 85701"): no one's name.

    A state that may be a given name ("Smith, Virginia") counts only with a ZIP code after it
    or a town before it that is no listed name.
    """
    for match in _CITY_STATE.finditer(text):
        town = match["city"].split()[-1]
        if match["zip"] or not is_known_name(town):
            yield match.start("state"), match.end("state")


def find_places(text: str) -> Iterator[Span]:
    """Spans of addresses, towns, ZIP codes and institutions in `text`."""
    yield from _addresses(text)
    yield from _institutions(text)
