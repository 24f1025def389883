"""Note types for the synthetic corpus: how each kind of clinical document is laid out.

Every writer takes a `Scene` (one patient, the people around them, one problem told by a
`synthetic_clinical.Vignette`) and returns the note with identifiers marked ``{{KIND|text}}``
and phrases that must survive marked ``[[text]]``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from synthetic_clinical import COMMON_WORD_SENTENCES, VIGNETTES, Vignette, measurements
from synthetic_phi import Person, PhiWriter, mark

RELATIONS = (
    "daughter",
    "son",
    "spouse",
    "niece",
    "nephew",
    "sister",
    "brother",
    "granddaughter",
    "neighbor",
    "partner",
    "caregiver",
    "mother",
    "father",
)
SPECIALTIES = (
    "Cardiology",
    "Neurology",
    "Gastroenterology",
    "Endocrinology",
    "Orthopedics",
    "Rheumatology",
    "Oncology",
    "Nephrology",
    "Pulmonology",
    "General Surgery",
)
PAYERS = ("Aetna", "Cigna", "Humana", "UnitedHealthcare", "BlueCross BlueShield", "Medicaid")


@dataclass
class Scene:
    rng: random.Random
    phi: PhiWriter
    vignette: Vignette
    history: list[Vignette]  # other problems, for the past history
    patient: Person
    relative: Person
    relation: str
    clinicians: list[Person]
    encounter: date
    old: bool  # older than 89: the age itself is an identifier
    age: int
    he: bool
    values: dict[str, str] = field(default_factory=dict)

    @property
    def pronoun(self) -> str:
        return "He" if self.he else "She"

    @property
    def possessive(self) -> str:
        return "his" if self.he else "her"

    @property
    def honorific(self) -> str:
        return "Mr." if self.he else self.rng.choice(("Mrs.", "Ms.", "Ms", "Mrs"))

    def clinical(self, text: str) -> str:
        return text.format(**self.values)

    def age_text(self) -> str:
        """ "a 93-year-old man", with the number marked when it is over 89."""
        age = mark("AGE>89", str(self.age)) if self.old else str(self.age)
        article = "an" if str(self.age).startswith("8") or self.age in (11, 18) else "a"
        if self.vignette.child:
            return f"{article} {self.age}-year-old {'boy' if self.he else 'girl'}"
        noun = (
            self.rng.choice(("man", "gentleman")) if self.he else self.rng.choice(("woman", "lady"))
        )
        sex = "M" if self.he else "F"
        return self.rng.choice(
            (
                f"{article} {age}-year-old {noun}",
                f"{article} {age} y/o {'male' if self.he else 'female'}",
                f"{article} {age} yo {sex}",
                f"{article} {age}{sex}",
                f"{article} {age} year old {noun}",
                f"{article} {age}-yo {noun}",
            )
        )

    def birthday(self) -> date:
        return self.phi.birth_day(encounter=self.encounter, age=self.age)

    def later(self, days: int) -> date:
        return self.encounter + timedelta(days=days)

    def clinician(self, index: int) -> Person:
        return self.clinicians[index % len(self.clinicians)]

    def problems(self) -> str:
        return ", ".join(vignette.problem for vignette in [self.vignette, *self.history])

    def medications(self) -> list[str]:
        found = list(self.vignette.medications)
        for vignette in self.history:
            found.extend(vignette.medications[:1])
        return [self.clinical(medication) for medication in found if medication != "none"]


def suits(kind: str, vignette: Vignette) -> bool:
    """Whether a note of type `kind` could tell `vignette` (an operation needs a procedure)."""
    if kind == "operative":
        return bool(vignette.procedure)
    if kind == "pathology":
        return "biopsy" in vignette.study.lower()
    return True


def new_scene(rng: random.Random, phi: PhiWriter, *, kind: str) -> Scene:
    vignette = rng.choice([v for v in VIGNETTES if suits(kind, v)])
    he = rng.random() < 0.5
    relation = rng.choice(RELATIONS)
    if relation == "spouse":
        relation = "wife" if he else "husband"
    others = [other for other in VIGNETTES if other is not vignette and not other.child]
    old = not vignette.child and rng.random() < 0.3
    age = (
        rng.randint(90, 104)
        if old
        else rng.randint(2, 9)
        if vignette.child
        else rng.randint(19, 89)
    )
    return Scene(
        rng=rng,
        phi=phi,
        vignette=vignette,
        history=[] if vignette.child else rng.sample(others, rng.randint(1, 3)),
        patient=phi.person(),
        relative=phi.person(),
        relation=rng.choice(("mother", "father")) if vignette.child else relation,
        clinicians=[phi.person() for _ in range(4)],
        encounter=phi.day(2017, 2024),
        old=old,
        age=age,
        he=he,
        values=measurements(rng),
    )


def _header_name(scene: Scene) -> str:
    return scene.phi.name(
        scene.patient, scene.rng.choice(("full", "last_first", "upper_last_first", "middle"))
    )


def _time(rng: random.Random) -> str:
    return f"{rng.randint(0, 23):02d}:{rng.choice(('00', '15', '30', '42', '05', '58'))}"


def _slug(text: str) -> str:
    return "".join(char for char in text.lower() if char.isalnum())


def _label(rng: random.Random, text: str) -> str:
    return text.upper() if rng.random() < 0.4 else text


# -- note types ------------------------------------------------------------------------------


def discharge_summary(scene: Scene) -> str:
    rng, phi, v = scene.rng, scene.phi, scene.vignette
    admitted = scene.encounter
    discharged = scene.later(rng.randint(2, 12))
    attending, pcp, consultant = scene.clinicians[:3]
    lines = [
        rng.choice(("DISCHARGE SUMMARY", "Discharge Summary", "HOSPITAL DISCHARGE SUMMARY")),
        "",
        f"{_label(rng, 'Patient')}: {_header_name(scene)}    MRN: {phi.mrn()}",
        f"{_label(rng, 'Date of Birth')}: {phi.date(scene.birthday(), rng.choice(('mdy_slash', 'mdy_slash_short', 'iso', 'month_day_year')))}"
        f"    Account #: {phi.account()}",
        f"{_label(rng, 'Admission Date')}: {phi.date(admitted)}    "
        f"{_label(rng, 'Discharge Date')}: {phi.date(discharged)}",
        f"{_label(rng, 'Attending')}: {phi.staff(attending)}",
        f"{_label(rng, 'Primary care physician')}: {phi.staff(pcp)}",
        "",
        "HISTORY OF PRESENT ILLNESS:",
        f"{scene.honorific} {phi.name(scene.patient, 'family')} is {scene.age_text()} with "
        f"{scene.problems()} who presented to {phi.institution()} on {phi.date(admitted, 'm_d')} "
        f"with the following. {scene.clinical(v.history)}",
        "",
        "HOSPITAL COURSE:",
        f"{scene.clinical(v.study)} {scene.clinical(v.plan)} {phi.staff(consultant)} of "
        f"{rng.choice(SPECIALTIES)} was consulted on {phi.date(scene.later(1), rng.choice(('m_d', 'month_day', 'mon_dot_day')))}. "
        f"{rng.choice(COMMON_WORD_SENTENCES)}",
        "",
        "DISCHARGE DIAGNOSIS: " + scene.clinical(v.impression),
        "",
        "DISCHARGE MEDICATIONS:",
        *(f"- {medication}" for medication in scene.medications()),
        "",
    ]
    if rng.random() < 0.5:
        lines.append(
            f"DISPOSITION: Home with {scene.possessive} {scene.relation} "
            f"{phi.name(scene.relative, rng.choice(('full', 'given')))}, {phi.address()}."
        )
    else:
        lines.append(f"DISPOSITION: Discharged to {phi.institution()} for rehabilitation.")
    lines += [
        f"FOLLOW-UP: {phi.staff(pcp)} in {scene.values['weeks']} weeks; call {phi.phone()} "
        "with questions.",
        "",
        f"Electronically signed by {phi.name(attending, 'full')}, MD on "
        f"{phi.date(discharged, 'mdy_slash')} {_time(rng)}",
    ]
    return "\n".join(lines)


MODALITIES = (
    "CT CHEST WITH CONTRAST",
    "MRI BRAIN WITHOUT AND WITH CONTRAST",
    "US ABDOMEN COMPLETE",
    "XR CHEST 2 VIEWS",
    "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "MRI LUMBAR SPINE WITHOUT CONTRAST",
    "CTA HEAD AND NECK",
)


def radiology_report(scene: Scene) -> str:
    rng, phi, v = scene.rng, scene.phi, scene.vignette
    ordering, radiologist = scene.clinicians[:2]
    accession = mark("ID", f"{phi.letters(2)}{phi.digits(8)}")
    sex = "male" if scene.he else "female"
    age = mark("AGE>89", str(scene.age)) if scene.old else str(scene.age)
    lines = []
    if rng.random() < 0.5:
        lines += [f"{phi.institution()} - Department of Radiology", ""]
    lines += [
        f"EXAM: {rng.choice(MODALITIES)}",
        f"ACCESSION: {accession}",
        f"PATIENT: {phi.name(scene.patient, rng.choice(('upper_last_first', 'last_first')))}"
        f"    MRN: {phi.mrn()}    DOB: {phi.date(scene.birthday(), 'mdy_slash')}",
        f"DATE OF SERVICE: {phi.date(scene.encounter, rng.choice(('mdy_slash', 'iso', 'dd_mon_yyyy', 'compact')))}",
        f"ORDERING PHYSICIAN: {phi.name(ordering, rng.choice(('full', 'upper_last_first', 'last_first')))}",
        "",
        f"CLINICAL HISTORY: {age} year old {sex} with {scene.clinical(v.problem)}. "
        f"{scene.clinical(v.history)}",
        "",
    ]
    if rng.random() < 0.6:
        prior = scene.later(-rng.randint(30, 900))
        lines.append(f"COMPARISON: Prior study dated {phi.date(prior)} at {phi.institution()}.")
    else:
        lines.append("COMPARISON: None available.")
    lines += [
        "",
        "TECHNIQUE: Standard protocol. Dose reduction techniques were used.",
        "",
        "FINDINGS:",
        scene.clinical(v.study),
        rng.choice(
            (
                "No [[pleural effusion]]. No pneumothorax.",
                "The visualized osseous structures are unremarkable.",
                "[[Mild cardiomegaly]]. No focal consolidation.",
                "No acute abnormality of the visualized [[upper abdomen]].",
            )
        ),
        "",
        "IMPRESSION:",
        f"1. {scene.clinical(v.impression)}",
        f"2. {scene.clinical(v.plan)}",
        "",
    ]
    if rng.random() < 0.5:
        lines.append(
            f"Findings discussed with {phi.staff(ordering)} by telephone at {_time(rng)} on "
            f"{phi.date(scene.encounter, rng.choice(('mdy_slash', 'month_day_year', 'm_d')))}."
        )
    lines += [
        f"Dictated by: {phi.name(radiologist, rng.choice(('full', 'middle')))}, MD",
        f"Signed: {phi.date(scene.later(1), 'mdy_slash')} {_time(rng)}"
        + (f" at workstation {phi.ip()}" if rng.random() < 0.25 else ""),
    ]
    return "\n".join(lines)


def ed_note(scene: Scene) -> str:
    rng, phi, v = scene.rng, scene.phi, scene.vignette
    resident, attending, consultant = scene.clinicians[:3]
    arrival = rng.choice(
        (
            f"via EMS from {phi.institution()}",
            f"by private vehicle from home at {phi.address()}",
            "by ambulance",
            "walk-in",
        )
    )
    lines = [
        rng.choice(("EMERGENCY DEPARTMENT NOTE", "ED Provider Note", "Emergency Department Visit")),
        f"Arrival: {phi.date(scene.encounter, rng.choice(('mdy_slash', 'mdy_slash_2', 'iso')))} "
        f"{_time(rng)} {arrival}",
        f"Patient: {_header_name(scene)}  MRN {phi.mrn()}",
        "",
        f"HPI: {scene.clinical(v.history)} Patient is {scene.age_text()} with a history of "
        f"{scene.problems()}. History from the patient and {scene.possessive} {scene.relation} "
        f"{phi.name(scene.relative, rng.choice(('full', 'given')))}, reachable at {phi.phone()}.",
    ]
    if rng.random() < 0.25:
        lines.append(
            f"Restrained driver in a low-speed collision earlier today; vehicle plate "
            f"{phi.plate()} (VIN {phi.vin()}) per the police report. No airbag deployment."
        )
    lines += [
        "",
        f"Vitals: BP {scene.values['bp']}, HR {scene.values['hr']}, T {scene.values['temp']}, "
        f"SpO2 {scene.values['spo2']}% on room air.",
        f"Exam: {scene.clinical(v.exam)}",
        "",
        f"ED course: {scene.clinical(v.study)} Discussed with {rng.choice(SPECIALTIES).lower()} "
        f"({phi.staff(consultant)}), pager {phi.pager()}.",
        f"Impression: {scene.clinical(v.impression)}",
        f"Plan: {scene.clinical(v.plan)}",
        "",
        f"{phi.name(resident, rng.choice(('full', 'initial')))}, MD (resident); seen and examined "
        f"with attending Dr. {phi.name(attending, rng.choice(('full', 'family')))}.",
    ]
    return "\n".join(lines)


def referral_letter(scene: Scene) -> str:
    rng, phi, v = scene.rng, scene.phi, scene.vignette
    writer, recipient = scene.clinicians[:2]
    slug = _slug(phi.town())
    plan_label, plan_id = rng.choice(
        (
            ("NHS number", mark("ID", f"{phi.digits(3)} {phi.digits(3)} {phi.digits(4)}")),
            ("Member ID", phi.health_plan()),
            ("Hospital number", phi.mrn()),
            ("Insurance ID", phi.health_plan()),
        )
    )
    closing = rng.choice(("Yours sincerely,", "Kind regards,", "Sincerely,", "With best wishes,"))
    lines = [
        phi.institution(),
        phi.address(one_line=False),
        f"Tel {phi.phone()} | Fax {phi.phone()} | {phi.url(slug)}",
        "",
        phi.date(scene.encounter, rng.choice(("month_day_year", "day_month_year", "mdy_slash"))),
        "",
        f"Dr. {phi.name(recipient, 'full')}",
        phi.institution(),
        phi.address(one_line=False),
        "",
        f"Re: {phi.name(scene.patient, rng.choice(('full', 'middle')))}, DOB "
        f"{phi.date(scene.birthday(), rng.choice(('mdy_slash', 'day_month_year', 'dmy_dot')))}, "
        f"{plan_label} {plan_id}",
        "",
        f"Dear Dr {phi.name(recipient, 'family')},",
        "",
        f"Thank you for seeing {scene.honorific} {phi.name(scene.patient, 'family')}, "
        f"{scene.age_text()} with {scene.problems()}. {scene.clinical(v.history)} "
        f"On examination: {scene.clinical(v.exam)} {scene.clinical(v.study)}",
        "",
        f"I would value your opinion on {scene.clinical(v.impression).rstrip('.')}. "
        f"{scene.pronoun} lives with {scene.possessive} {scene.relation} "
        f"{phi.name(scene.relative, rng.choice(('full', 'given')))} in {phi.town_and_state()} and "
        f"can be reached at {phi.phone()} or {phi.email(scene.patient)}.",
        "",
        closing,
        "",
        f"{phi.name(writer, rng.choice(('full', 'middle')))}, {rng.choice(('MD', 'MBBS, FRCP', 'DO', 'MD, PhD'))}",
        f"Consultant in {rng.choice(SPECIALTIES)}",
        phi.email(writer),
    ]
    return "\n".join(lines)


def nursing_note(scene: Scene) -> str:
    rng, phi, v = scene.rng, scene.phi, scene.vignette
    nurse, oncoming = scene.clinicians[:2]
    lower = rng.random() < 0.5
    patient = phi.name(scene.patient, "lower" if lower else "full")
    relative = phi.name(scene.relative, "lower_given" if lower else "given")
    lines = [
        f"nursing note {phi.date(scene.encounter, rng.choice(('m_d', 'mdy_slash_2')))} 0700-1900",
        f"pt {patient} a&o x3, {'resting in bed' if rng.random() < 0.5 else 'up to chair'}. "
        f"vs: bp {scene.values['bp']} hr {scene.values['hr']} spo2 {scene.values['spo2']}% 2L nc.",
        scene.clinical(v.exam).lower(),
        "[[Foley draining]] clear yellow urine. skin intact, turned q2h.",
        f"{scene.relation} {relative} at bedside, updated on plan of care. "
        f"{scene.relation} phone {phi.phone()}.",
        f"meds given as ordered incl {scene.medications()[0] if scene.medications() else 'none'}.",
        f"report given to {phi.name(oncoming, rng.choice(('full', 'lower', 'given')))} rn at 1900.",
        f"- {phi.name(nurse, rng.choice(('full', 'initial')))}, RN",
    ]
    return "\n".join(lines)


def telephone_note(scene: Scene) -> str:
    rng, phi, v = scene.rng, scene.phi, scene.vignette
    nurse, doctor = scene.clinicians[:2]
    pharmacy = mark("INSTITUTION", f"{rng.choice(phi.surnames)} Pharmacy")
    lines = [
        rng.choice(("TELEPHONE ENCOUNTER", "Telephone Note", "Phone call")),
        f"Date: {phi.date(scene.encounter)} {_time(rng)}",
        f"Caller: {phi.name(scene.relative, 'full')} ({scene.relation}) at {phi.phone()}",
        f"Re: patient {phi.name(scene.patient, rng.choice(('full', 'last_first')))}, DOB "
        f"{phi.date(scene.birthday(), rng.choice(('mdy_slash', 'mdy_slash_short')))}",
        "",
        f"{scene.relation.capitalize()} reports: {scene.clinical(v.history)} "
        f"Reviewed with Dr. {phi.name(doctor, 'family')}, who advised: {scene.clinical(v.plan)}",
        f"Refill of {scene.medications()[0] if scene.medications() else 'nothing'} sent to "
        f"{pharmacy}, {phi.street()}, {phi.town_and_state()}.",
        rng.choice(
            (
                f"Callback number confirmed: {phi.phone()}.",
                f"Left voicemail; summary sent to {phi.email(scene.relative)}.",
                f"Next appointment {phi.date(scene.later(rng.randint(3, 40)), rng.choice(('m_d', 'month_day', 'mon_dot_day', 'ordinal_of_month')))}.",
            )
        ),
        f"{phi.name(nurse, 'full')}, RN",
    ]
    return "\n".join(lines)


def operative_note(scene: Scene) -> str:
    rng, phi, v = scene.rng, scene.phi, scene.vignette
    surgeon, assistant, anesthetist = scene.clinicians[:3]
    lines = [
        rng.choice(("OPERATIVE REPORT", "Procedure Note", "OPERATIVE NOTE")),
        f"Date of surgery: {phi.date(scene.encounter)}",
        f"Surgeon: {phi.name(surgeon, 'full')}, MD",
        f"Assistant: {phi.name(assistant, 'full')}, PA-C",
        f"Anesthesia: {phi.name(anesthetist, rng.choice(('full', 'initial')))}, CRNA",
        f"Patient: {_header_name(scene)}    MRN: {phi.mrn()}",
        "",
        f"Preoperative diagnosis: {scene.clinical(v.impression)}",
        f"Indication: {scene.clinical(v.history)}",
        f"Procedure: {scene.clinical(v.procedure)}",
        f"Findings: {scene.clinical(v.study)}",
    ]
    if v.implant:
        lines.append(
            f"Implant: {v.implant}, serial number {phi.device()}; device identifier {phi.device()}."
        )
    lines += [
        "Estimated blood loss 50 mL. No complications. Sponge and needle counts correct.",
        f"{scene.pronoun} was taken to the PACU in stable condition; {scene.possessive} "
        f"{scene.relation} {phi.name(scene.relative, 'given')} was updated by phone at "
        f"{phi.phone()}.",
    ]
    return "\n".join(lines)


def registration_sheet(scene: Scene) -> str:
    rng, phi = scene.rng, scene.phi
    abbreviation = rng.choice(("NY", "OH", "TX", "WI", "FL"))
    lines = [
        rng.choice(("PATIENT REGISTRATION", "Face Sheet", "ADMISSION FACE SHEET")),
        f"Name: {phi.name(scene.patient, rng.choice(('last_first', 'upper_last_first', 'full')))}"
        f"    Sex: {'M' if scene.he else 'F'}",
        f"DOB: {phi.date(scene.birthday(), rng.choice(('mdy_slash', 'iso', 'mdy_slash_short')))}"
        + (f"    Age: {mark('AGE>89', str(scene.age))}" if scene.old else f"    Age: {scene.age}"),
        f"SSN: {phi.ssn()}",
        f"Address: {phi.address()}",
        f"Home phone: {phi.phone()}    Mobile: {phi.phone()}",
        f"Email: {phi.email(scene.patient)}",
        f"MRN: {phi.mrn()}    Account number: {phi.account()}",
        f"Insurance: {rng.choice(PAYERS)}    Member ID: {phi.health_plan()}"
        f"    Group number: {mark('ID', phi.digits(6))}",
        rng.choice(
            (
                f"Medicare ID: {phi.health_plan()}",
                f"Medicaid #: {mark('ID', f'{abbreviation}{phi.digits(8)}')}",
                f"Secondary policy number: {phi.health_plan()}",
            )
        ),
        f"Driver's license: {phi.licence()} ({abbreviation})",
        f"Emergency contact: {phi.name(scene.relative, 'full')} ({scene.relation}) {phi.phone()}",
        f"Patient portal: {phi.url(_slug(scene.patient.family))}",
    ]
    if rng.random() < 0.4:
        lines.append(f"Parking permit vehicle plate: {phi.plate()}")
    if rng.random() < 0.4:
        lines.append(f"Social Security Number (guarantor): {phi.ssn()}")
    return "\n".join(lines)


def pathology_report(scene: Scene) -> str:
    rng, phi, v = scene.rng, scene.phi, scene.vignette
    submitter, pathologist = scene.clinicians[:2]
    accession = mark("ID", f"S{scene.encounter.year % 100:02d}-{phi.digits(5)}")
    lines = [
        "SURGICAL PATHOLOGY REPORT",
        f"Accession #: {accession}",
        f"Patient: {_header_name(scene)}    MRN: {phi.mrn()}",
        f"Collected: {phi.date(scene.encounter, 'mdy_slash')}    "
        f"Received: {phi.date(scene.later(1), 'mdy_slash')}",
        f"Submitting physician: Dr. {phi.name(submitter, rng.choice(('full', 'family')))}",
        f"Submitted from: {phi.institution()}",
        "",
        f"Clinical history: {scene.clinical(v.problem)}. {scene.clinical(v.history)}",
        f"Diagnosis: {scene.clinical(v.study)}",
        f"Comment: {scene.clinical(v.impression)}",
        "",
        f"Pathologist: {phi.name(pathologist, rng.choice(('full', 'middle')))}, MD",
        f"Electronically signed {phi.date(scene.later(3), rng.choice(('mdy_slash', 'month_day_year')))}",
    ]
    return "\n".join(lines)


def consult_note(scene: Scene) -> str:
    rng, phi, v = scene.rng, scene.phi, scene.vignette
    requester, consultant = scene.clinicians[:2]
    specialty = rng.choice(SPECIALTIES)
    lines = [
        f"{specialty.upper()} CONSULTATION",
        f"Requested by: Dr. {phi.name(requester, 'full')}    Date: {phi.date(scene.encounter)}",
        f"Reason for consultation: {scene.clinical(v.problem)}",
        "",
        f"HPI: {scene.honorific} {phi.name(scene.patient, 'family')} is {scene.age_text()} "
        f"with {scene.problems()}. {scene.clinical(v.history)}",
        f"Social history: lives in {phi.town_and_state()} with {scene.possessive} "
        f"{scene.relation} {phi.name(scene.relative, rng.choice(('given', 'full')))}; retired "
        f"from {phi.institution()} in {rng.randint(1995, 2020)}.",
        f"Exam: {scene.clinical(v.exam)}",
        f"Data: {scene.clinical(v.study)}",
        f"Assessment: {scene.clinical(v.impression)}",
        f"Recommendations: {scene.clinical(v.plan)} {rng.choice(COMMON_WORD_SENTENCES)}",
        "",
        f"Thank you for this consult. {phi.staff(consultant)}",
    ]
    if rng.random() < 0.4:
        lines.append(
            f"NPI {mark('ID', phi.digits(10))}, DEA {mark('ID', phi.letters(2) + phi.digits(7))}"
        )
    return "\n".join(lines)


def telehealth_note(scene: Scene) -> str:
    rng, phi, v = scene.rng, scene.phi, scene.vignette
    clinician = scene.clinicians[0]
    slug = _slug(phi.town())
    lines = [
        f"Video visit {phi.date(scene.encounter, rng.choice(('weekday_month_day_year', 'month_day_year', 'mdy_slash')))}",
        f"Platform: {phi.url(slug)}; patient connected from IP {phi.ip()} at home in "
        f"{phi.town_and_state()}.",
        f"{phi.name(scene.patient, 'full')} is {scene.age_text()} with {scene.problems()}. "
        f"{scene.clinical(v.history)}",
        f"Assessment: {scene.clinical(v.impression)} Plan: {scene.clinical(v.plan)}",
    ]
    if rng.random() < 0.5:
        lines.append(f"Home glucose monitor serial {phi.device()} uploaded readings.")
    lines += [
        f"After-visit summary sent to {phi.email(scene.patient)}.",
        f"{phi.staff(clinician)}",
    ]
    return "\n".join(lines)


def transfer_note(scene: Scene) -> str:
    rng, phi, v = scene.rng, scene.phi, scene.vignette
    accepting, nurse = scene.clinicians[:2]
    lines = [
        "INTERFACILITY TRANSFER NOTE",
        f"From: {phi.institution()}, {phi.address()}",
        f"To: {phi.institution()}",
        f"Date of transfer: {phi.date(scene.encounter)}",
        "",
        f"Patient {phi.name(scene.patient, rng.choice(('full', 'last_first')))} "
        f"({'age ' + (mark('AGE>89', str(scene.age)) if scene.old else str(scene.age))}), "
        f"MRN {phi.mrn()}, is transferred for {scene.clinical(v.problem)}.",
        f"Course: {scene.clinical(v.history)} {scene.clinical(v.study)}",
        f"Accepting physician: Dr. {phi.name(accepting, rng.choice(('full', 'family')))}",
        f"Report called to {phi.name(nurse, 'full')}, RN, at {phi.phone()} on "
        f"{phi.date(scene.encounter, 'm_d')}.",
        f"Next of kin: {phi.name(scene.relative, 'full')} ({scene.relation}), {phi.phone()}.",
    ]
    return "\n".join(lines)


def progress_note(scene: Scene) -> str:
    rng, phi, v = scene.rng, scene.phi, scene.vignette
    author = scene.clinicians[0]
    lines = [
        f"Progress note - hospital day {scene.values['days']} - "
        f"{phi.date(scene.encounter, rng.choice(('mdy_slash', 'mon_day_year', 'iso')))}",
        f"S: {phi.name(scene.patient, rng.choice(('given', 'full')))} reports feeling "
        f"{rng.choice(('better', 'about the same', 'worse'))}. {scene.clinical(v.history)}",
        f"O: BP {scene.values['bp']}, HR {scene.values['hr']}, SpO2 {scene.values['spo2']}%. "
        f"{scene.clinical(v.exam)} Hgb {scene.values['hgb']}, WBC {scene.values['wbc']}, "
        f"Cr {scene.values['cr']}.",
        f"A: {scene.clinical(v.impression)}",
        f"P: {scene.clinical(v.plan)} {rng.choice(COMMON_WORD_SENTENCES)} Discussed with "
        f"{scene.possessive} {scene.relation} {phi.name(scene.relative, rng.choice(('full', 'given')))} "
        f"by phone.",
        f"{phi.staff(author)}",
    ]
    return "\n".join(lines)


NoteWriter = Callable[[Scene], str]

NOTE_TYPES: dict[str, NoteWriter] = {
    "discharge": discharge_summary,
    "radiology": radiology_report,
    "ed": ed_note,
    "referral": referral_letter,
    "nursing": nursing_note,
    "telephone": telephone_note,
    "operative": operative_note,
    "registration": registration_sheet,
    "pathology": pathology_report,
    "consult": consult_note,
    "telehealth": telehealth_note,
    "transfer": transfer_note,
    "progress": progress_note,
}
