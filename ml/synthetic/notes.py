"""Clinical-style notes for synthetic studies (synthetic, not clinical data).

A note states or negates what the cohort's latent variables say: infective symptoms, a
heart-failure history, COPD. Negations ("no fever", "denies productive cough", "no history of
heart failure") appear as often as positive mentions, so a model cannot get by on keywords.
Each note opens with a header of fake identifiers, which a de-identifier is expected to strip.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.synthetic.cohort import Cohort

FEMALE_NAMES = (
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah",
    "Karen", "Nancy", "Margaret", "Sandra", "Ashley", "Dorothy", "Emily", "Donna", "Michelle",
    "Carol", "Amanda", "Melissa", "Deborah", "Stephanie", "Rebecca", "Laura", "Helen", "Sharon",
    "Agnes", "Ingrid", "Fatima", "Aisha", "Mei", "Priya", "Sofia", "Lucia", "Anna",
)  # fmt: skip
MALE_NAMES = (
    "James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas",
    "Charles", "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Paul",
    "Andrew", "Joshua", "Kenneth", "Kevin", "Brian", "George", "Edward", "Ronald", "Timothy",
    "Omar", "Hiroshi", "Rajesh", "Luca", "Pieter", "Mateo", "Ahmed", "Wei", "Olusegun",
)  # fmt: skip
FAMILY_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Okafor", "Nakamura", "Patel", "Kowalski", "van der Berg", "Rossi", "Haddad", "Nguyen",
)  # fmt: skip

COMPLAINTS = (
    "shortness of breath", "cough", "chest discomfort", "fatigue", "dyspnoea on exertion",
    "reduced exercise tolerance", "wheeze", "a fall at home", "pre-operative assessment",
)  # fmt: skip
INFECTIVE_POSITIVE = (
    "Reports fever and rigors since {days} days.",
    "Productive cough with green sputum.",
    "Febrile on arrival, temperature {temp} C.",
    "Complains of fever, chills and a cough productive of yellow sputum.",
    "Pleuritic pain on deep inspiration with fevers overnight.",
    "Spiking temperatures at home, up to {temp} C.",
)  # fmt: skip
INFECTIVE_NEGATIVE = (
    "No fever or chills.",
    "Denies productive cough.",
    "Afebrile throughout, no rigors.",
    "No sputum production and no fevers reported.",
    "No history of recent infection.",
    "Denies fever, night sweats or chills.",
)  # fmt: skip
HEART_FAILURE_POSITIVE = (
    "History of congestive heart failure, ejection fraction {ef}% on last echo.",
    "Known HFrEF on furosemide and bisoprolol.",
    "Chronic heart failure, NYHA class {nyha}, recently increased diuretics.",
    "Ischaemic cardiomyopathy with heart failure, EF {ef}%.",
    "Admitted last year with decompensated heart failure.",
)  # fmt: skip
HEART_FAILURE_NEGATIVE = (
    "No history of heart failure.",
    "Echo last year showed normal ejection fraction.",
    "No known cardiac history.",
    "Denies orthopnoea or paroxysmal nocturnal dyspnoea; no heart failure.",
)  # fmt: skip
COPD_POSITIVE = (
    "Known COPD on tiotropium and salbutamol.",
    "COPD, GOLD stage {gold}, on home inhalers.",
    "Former heavy smoker with COPD, {packs} pack-years.",
    "Long-standing chronic obstructive pulmonary disease with frequent exacerbations.",
)  # fmt: skip
COPD_NEGATIVE = (
    "No history of COPD or asthma.",
    "Never smoker, no chronic lung disease.",
    "Spirometry last year normal, no obstructive lung disease.",
    "No known chronic obstructive pulmonary disease.",
)  # fmt: skip
COMORBIDITIES = (
    "Hypertension on amlodipine.", "Type 2 diabetes on metformin.", "Hypothyroidism.",
    "Prior appendectomy.", "Osteoarthritis of both knees.", "Atrial fibrillation on apixaban.",
    "Hyperlipidaemia on atorvastatin.", "Chronic kidney disease stage 3.", "Gout.",
    "Previous right hip replacement.",
)  # fmt: skip


@dataclass(frozen=True)
class NoteIdentity:
    """Fake identifiers for the note header and the DICOM header (synthetic, not clinical data)."""

    given_name: str
    family_name: str
    patient_id: str
    birth_date: str  # YYYYMMDD
    study_date: str  # YYYYMMDD
    physician: str


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _format_date(yyyymmdd: str) -> str:
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"


def write_note(rng: np.random.Generator, cohort: Cohort, index: int, who: NoteIdentity) -> str:
    """The note for study ``index`` of ``cohort``; draws only from ``rng``, so it is seeded."""
    sex = "woman" if cohort.female[index] else "man"
    values = {
        "days": int(rng.integers(1, 8)),
        "temp": f"{rng.uniform(38.1, 39.8):.1f}",
        "ef": int(rng.integers(20, 41)),
        "nyha": ("II", "III")[int(rng.integers(2))],
        "gold": int(rng.integers(2, 5)),
        "packs": int(rng.integers(20, 61)),
    }
    history: list[str] = []
    symptoms: list[str] = []
    if cohort.heart_failure[index]:
        history.append(_pick(rng, HEART_FAILURE_POSITIVE))
    elif rng.random() < 0.6:
        history.append(_pick(rng, HEART_FAILURE_NEGATIVE))
    if cohort.copd[index]:
        history.append(_pick(rng, COPD_POSITIVE))
    elif rng.random() < 0.5:
        history.append(_pick(rng, COPD_NEGATIVE))
    history.extend(
        COMORBIDITIES[i]
        for i in sorted(rng.choice(len(COMORBIDITIES), int(rng.integers(0, 3)), replace=False))
    )
    if cohort.infective[index]:
        symptoms.extend(_pick(rng, INFECTIVE_POSITIVE) for _ in range(1 + int(rng.random() < 0.5)))
    else:
        symptoms.append(_pick(rng, INFECTIVE_NEGATIVE))
    # symptoms that go with image findings, as loosely as in real notes
    if rng.random() < (0.5 if cohort.pneumothorax[index] else 0.08):
        symptoms.append("Sudden onset of sharp chest pain on one side.")
    if rng.random() < (0.45 if cohort.effusion[index] else 0.2):
        symptoms.append("Progressive breathlessness over the past weeks.")
    if cohort.heart_failure[index] and rng.random() < 0.5:
        symptoms.append("Bilateral ankle swelling.")
    rng.shuffle(history)
    rng.shuffle(symptoms)
    history = [sentence.format(**values) for sentence in history]
    symptoms = [sentence.format(**values) for sentence in symptoms]

    if cohort.infective[index]:
        temperature = rng.uniform(38.0, 39.6)
        wbc = rng.uniform(11.5, 21.0)
    else:
        temperature = rng.uniform(36.2, 37.6)
        wbc = rng.uniform(4.5, 10.5)
    vitals = (
        f"T {temperature:.1f} C, HR {int(rng.integers(62, 118))}, "
        f"RR {int(rng.integers(12, 28))}, SpO2 {int(rng.integers(88, 100))}% on room air."
    )
    labs = f"WBC {wbc:.1f} x10^9/L." if rng.random() < 0.7 else "Bloods pending."
    complaint = _pick(rng, COMPLAINTS)
    history_text = " ".join(history) or "No significant past medical history."
    return "\n".join(
        [
            "SYNTHETIC NOTE - synthetic, not clinical data.",
            f"Patient: {who.given_name} {who.family_name}    MRN: {who.patient_id}    "
            f"DOB: {_format_date(who.birth_date)}",
            f"Date of service: {_format_date(who.study_date)}    Attending: Dr. {who.physician}",
            "",
            f"HISTORY: {int(cohort.age[index])}-year-old {sex} presenting with {complaint} "
            f"for {int(rng.integers(1, 15))} days. {history_text}",
            f"SYMPTOMS: {' '.join(symptoms)}",
            f"EXAMINATION: {vitals}",
            f"LABS: {labs}",
            "PLAN: PA chest radiograph.",
            "",
        ]
    )
