"""Word lists for the note de-identifier: what is a name, and what must never be taken for one.

Three data files ship in `consilium.deid.data` (see `data/build_lexicons.py` for how they are
made and `data/*.LICENSE.txt` for their licences):

- ``first_names.txt`` and ``surnames.txt``: given names and family names of many languages, in
  Latin script, folded to ASCII, from the person providers of the Faker package (MIT), with
  every entry that is a clinical word (below) taken out;
- ``english_words.txt``: the lower-case words of SCOWL (the ``wamerican`` list), reduced to
  base forms: it tells a capitalised common word ("Findings", "Gross", "Colon") from an unknown
  capitalised token that may be a name.

The lists in this module are written by hand: clinical words that look like names (eponyms,
drug brands, organisms), and the cues around names, places, institutions and dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

__all__ = [
    "CLINICAL_WORDS",
    "EPONYM_HEADS",
    "FIELD_LABELS",
    "KIN_CUES",
    "MEDICAL_ENDINGS",
    "NAME_CUES",
    "PERSON_LABELS",
    "TITLES",
    "first_names",
    "is_english_word",
    "surnames",
    "word_set",
]

_DATA_PACKAGE = "consilium.deid.data"


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text` (keeps the long lists below readable)."""
    return frozenset(text.split())


# Eponyms that are rarely a person's name in a note: never taken for a name unless a title
# ("Dr.", "Mrs.") stands before them.
STRICT_EPONYMS = word_set(
    """
    Achilles Addison Addisons Alzheimer Alzheimers Apgar Asperger Babinski Bankart Bartholin
    Bartter Behcet Billroth Blalock Bochdalek Boerhaave Bosniak Breslow Broca Brudzinski
    Brugada Buerger Burkitt Charcot Cheyne Chiari Chopart Colles Crigler Crohn Crohns Crouzon
    Cushing Cushings Danlos DeBakey Denonvilliers Dieulafoy DiGeorge Doppler Dupuytren Ebstein
    Eisenmenger Ewing Fabry Fallot Fanconi Fleischner Foley Fontan Fournier Friedreich Galeazzi
    Gaucher Gerota Gitelman Glanzmann Gleason Goodpasture Gradenigo Graves Guillain Barre
    Hamman Hartnup Hashimoto Hashimotos Heberden Heimlich Henoch Hesselbach Hirschsprung
    Hodgkin Hodgkins Holter Huntington Huntingtons Hurler Hurthle Jacksonian Kaposi Kartagener
    Kawasaki Kayser Kerley Kernig Kienbock Kimmelstiel Klatskin Kleihauer Klinefelter
    Korotkoff Korsakoff Krabbe Krukenberg Kupffer Kussmaul Lachman Langerhans Lasegue Latarjet
    Leydig Lisfranc Lown Lyme Maisonneuve Marfan McArdle McBurney McMurray Meckel Meniere
    Menkes Monteggia Morgagni Mullerian Nissen Noonan Osgood Paget Pancoast Papanicolaou
    Parkinson Parkinsons Parkinsonism Parkinsonian Patau Perthes Peyronie Phalen Plummer Pompe
    Prinzmetal Purkinje Raynaud Raynauds Reye Romberg Rovsing Schatzki Scheuermann Schlatter
    Schmorl Schonlein Schwann Sequard Sertoli Sezary Sjogren Sjogrens Spigelian Sydenham
    Takayasu Tietze Tinel Tourette Tourettes Treitz Trendelenburg Trousseau Valsalva Virchow
    Waldenstrom Wallenberg Warthin Wegener Wenckebach Wernicke Westermark Whipple Willebrand
    Wilms Wolffian Zenker Zollinger Castleman Erdheim Letterer Kikuchi Kimura Gehrig Strumpell
    Steell Friderichsen Nyhan Najjar Hashimoto Graves Basedow Sjögren Behçet Ménière
    """
)

# Eponyms that are also common names ("Wilson disease", "Bell palsy", "Ramsay Hunt
# syndrome"): protected only where an eponym head (below) follows them.
NAME_EPONYMS = word_set(
    """
    Adie Argyll Arnold Austin Baker Barr Barrett Beck Becker Bell Bence Bennett Berger Bernard
    Bloom Bowen Bowman Brenner Brock Brown Budd Campbell Caplan Chester Child Christian Churg
    Clark Coats Collins Conn Cooper Corrigan Cowden Cowper Cullen Curling Curtis Dandy Dorfman
    Douglas Dressler Dubin Duchenne Eaton Edinger Edwards Ehlers Ellison Epstein Erb Felty
    Fisher Fitz Flint Fowler Freiberg Frey Fuchs Galen Ganz Gardner Gilbert Glasgow Glenn
    Glisson Gorlin Graham Guyon Hageman Hampton Hand Hartmann Hassall Heller Henle Hess Hickman
    Hill Homan Homans Horner Howell Hugh Hunt Hunter Jackson James Janeway Jefferson Jolly Jones
    Joseph Kasai Kearns Kehr Klippel Kocher Koebner Kohler Kuhn Ladd Lambert Legg Leigh Lesch
    Levine Libman Liddle Loeffler Lou Ludwig Luschka Lynch Macleod Magendie Mallory Marie Mary
    Mayo Meigs Merkel Meyer Mobitz Monro Morison Morrison Murphy Niemann Nikolsky Oddi Osler
    Peutz Peyer Pick Pierre Poiseuille Pott Prader Pugh Ramsay Reed Reinke Reiter Rett Reynolds
    Rich Richter Riedel Rinne Robertson Robin Rolando Rosai Rosenthal Roth Rotor Roux Sachs
    Sacks Salter Santorini Scarpa Schuller Segond Sever Sheehan Shy Sipple Sister Siwe Skene
    Smith Spitz Spurling Starling Stein Stener Sternberg Stevens Still Stokes Strauss Sturge
    Swan Swyer Sylvius Taussig Tay Todd Tooth Treacher Turner Vater Verner Volkmann Waterhouse
    Weber Wells Werner Wermer Westphal White Williams Willis Wilson Wirsung Wiskott Wolff Weiss
    Christmas Down
    """
)

EPONYMS = STRICT_EPONYMS | NAME_EPONYMS

# Words after a capitalised token that make it an eponym: "Parkinson's disease", "Foley
# catheter", "Glasgow Coma Scale", "Kerley B lines".
EPONYM_HEADS = word_set(
    """
    disease diseases syndrome syndromes sign signs fracture fractures lymphoma lymphomas
    sarcoma tumor tumour tumors cyst cysts catheter catheters procedure operation repair
    score scale classification criteria test maneuver manoeuvre phenomenon reflex palsy
    paralysis ulcer ulcers node nodes line lines triad pentad law rule stain ring diverticulum
    pouch space canal duct tube drain valve shunt anastomosis esophagus oesophagus type stage
    staging grade angle body bodies cell cells membrane capsule gland glands bundle block
    contracture deformity malformation anomaly dementia chorea ataxia dystrophy neuralgia
    neuroma neuropathy encephalopathy thyroiditis hernia aneurysm arteritis vasculitis
    nephropathy nephritis nodule nodules lesion lesions position incision method technique
    mask monitor monitoring effect murmur bruit hump lobe organ organs area fossa plexus
    ganglion ligament fascia foramen tubercle sinus artery vein ventricle cistern tract
    pathway loop spots spot ridge bursa sheath triangle pattern index disorder anemia
    ophthalmoplegia hemorrhage infarct infarction aphasia apnea agent protocol solution
    balloon shunt needle forceps retractor clamp view projection coma ratio protein proteins
    pupil pupils sequence complex tooth esophagitis phenomenon's spike waves tear tears
    lesion's nodes
    grade grading
    """
)

# Brand names of drugs often written capitalised (generic names are lower case and are not
# names anyway), and organisms written with a capital.
DRUG_BRANDS = word_set(
    """
    Lasix Coumadin Eliquis Xarelto Pradaxa Savaysa Keppra Norvasc Zofran Tylenol Motrin Advil
    Aleve Lipitor Zocor Crestor Pravachol Plavix Brilinta Effient Synthroid Levoxyl Prilosec
    Nexium Protonix Pepcid Zantac Ativan Xanax Valium Klonopin Haldol Seroquel Zyprexa
    Risperdal Abilify Prozac Zoloft Lexapro Celexa Paxil Wellbutrin Cymbalta Effexor Lyrica
    Neurontin Flomax Proscar Lopressor Toprol Coreg Tenormin Lotensin Zestril Prinivil Vasotec
    Altace Cozaar Diovan Benicar Avapro Aldactone Bumex Demadex Lantus Levemir Tresiba Humalog
    Novolog Glucophage Januvia Jardiance Farxiga Invokana Ozempic Trulicity Victoza Mounjaro
    Levaquin Cipro Zithromax Augmentin Keflex Bactrim Flagyl Zosyn Rocephin Unasyn Vancocin
    Solumedrol Medrol Decadron Deltasone Ventolin Proventil Atrovent Spiriva Advair Symbicort
    Singulair Benadryl Claritin Zyrtec Allegra Reglan Compazine Phenergan Dilaudid Percocet
    Vicodin Norco Oxycontin Ultram Narcan Lovenox Heparin Lanoxin Cardizem Cordarone Pacerone
    Imdur Ranexa Entresto Aricept Namenda Sinemet Requip Mirapex Dilantin Depakote Tegretol
    Lamictal Topamax Imitrex Fosamax Boniva Prolia Humira Enbrel Remicade Rituxan Herceptin
    Avastin Keytruda Opdivo Gleevec Arimidex Femara Lupron Zoladex Casodex Xtandi Zytiga
    Kayexalate Lokelma Renvela Sensipar Epogen Procrit Neupogen Neulasta Zyloprim Uloric
    Colcrys Plaquenil Imuran Cellcept Prograf Rapamune Bactroban Diflucan Valtrex Tamiflu
    Paxlovid Remdesivir Dexilant Carafate Miralax Colace Senokot Dulcolax Lomotil Imodium
    Bentyl Levsin Ditropan Detrol Vesicare Myrbetriq Cialis Viagra Premarin Provera Estrace
    Clomid Depo Provera Nuvaring Mirena Suboxone Subutex Methadose Chantix Nicorette Adderall
    Ritalin Concerta Strattera Vyvanse Ambien Lunesta Restoril Desyrel Remeron Buspar Elavil
    Pamelor Trileptal Vimpat Zonegran Botox Xolair Dupixent Nucala Fasenra Stelara Entyvio
    Xeljanz Otezla Cosentyx Taltz Skyrizi Tremfya Orencia Actemra Kineret Krystexxa
    """
)

ORGANISMS = word_set(
    """
    Klebsiella Pseudomonas Staphylococcus Streptococcus Candida Enterococcus Clostridium
    Clostridioides Escherichia Proteus Serratia Acinetobacter Enterobacter Haemophilus
    Neisseria Listeria Legionella Mycoplasma Chlamydia Bordetella Salmonella Shigella
    Campylobacter Helicobacter Aspergillus Cryptococcus Pneumocystis Histoplasma Blastomyces
    Coccidioides Mycobacterium Nocardia Actinomyces Bacteroides Prevotella Fusobacterium
    Treponema Borrelia Rickettsia Ehrlichia Babesia Plasmodium Toxoplasma Giardia Trichomonas
    Strongyloides Moraxella Morganella Citrobacter Providencia Stenotrophomonas Burkholderia
    Veillonella Peptostreptococcus Gardnerella Ureaplasma Malassezia Rhizopus Mucor Fusarium
    Bartonella Brucella Francisella Yersinia Vibrio Corynebacterium Cutibacterium Kingella
    Eikenella Cardiobacterium Aggregatibacter Abiotrophia Granulicatella Lactobacillus
    Bifidobacterium Micrococcus Rothia Gemella Leuconostoc Pediococcus Aerococcus
    """
)

# Capitalised clinical and report words that are in name lists but rarely names in a note.
CLINICAL_TERMS = word_set(
    """
    Abdomen Adenopathy Anterior Aorta Aortic Apex Apical Appendix Atelectasis Atrium Axial Axilla
    Basal Bibasilar Bilateral Biopsy Bladder Bowel Brain Breast Bronchi Cardiac Cardiomegaly
    Carina Carotid Cecum Cervical Chest Clavicle Colon Comparison Consolidation Contrast Coronal
    Cortex Cranial Diaphragm Distal Dorsal Duodenum Edema Effusion Esophagus Femur Fibula
    Findings Gallbladder Gastric Hemithorax Hepatic Hilar Hilum Humerus Ileum Impression
    Indication Infiltrate Inferior Jejunum Kidney Kidneys Lateral Liver Lobe Lumbar Lung Lungs
    Mass Medial Mediastinum Mesentery Nodule Opacity Pancreas Pelvis Pericardium Pleura Pleural
    Pneumonia Pneumothorax Posterior Prostate Proximal Pulmonary Radius Rectum Renal Sacrum
    Sagittal Scapula Spine Spleen Sternum Stomach Superior Technique Thoracic Thorax Thyroid
    Tibia Trachea Ulna Ureter Urethra Uterus Ventral Ventricle Vertebra Sinus Sinuses Bones
    Soft Tissues Osseous Cardiomediastinal Silhouette Vasculature Costophrenic Retrocardiac
    History Reason Exam Examination Study Procedure Report Addendum Clinical Diagnosis Plan
    Assessment Medications Allergies Vitals Labs Imaging Discharge Admission Followup Follow
    Negative Positive Normal Abnormal Unremarkable Stable Unchanged Improved Worsening Acute
    Chronic Mild Moderate Severe Small Large Left Right Status Post Patient Pt Mother Father
    Sister Brother Son Daughter Wife Husband Doctor Nurse Physician Attending Resident Fellow
    Radiologist Technologist Surgeon Oncology Cardiology Neurology Radiology Pathology Urology
    Nephrology Gastroenterology Pulmonology Dermatology Psychiatry Orthopedics Hospitalist
    Emergency Department Unit Floor Service Team Clinic Hospital Center Office Room Bed Ward
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday Stat Code Rapid Response
    Afib Aflutter Copd Chf Cabg Nstemi Stemi Gerd Dvt Ckd Esrd Uti Mri Pet Cta Ekg Ecg Echo
    Hgb Hct Wbc Plt Bun Inr Ptt Tsh Psa Bnp Ldh Ast Alt Alk Phos Bili Ldl Hdl Hba Mcv Rdw
    Lasix Foley Doppler Holter Valsalva Coumadin Insulin Aspirin Heparin Morphine Fentanyl
    Versed Propofol Ketamine Oxygen Saline Albumin Plasma Platelets X-ray X-Ray X-rays Xray
    """
)

#: Every capitalised word that must survive unless a title stands before it.
CLINICAL_WORDS = STRICT_EPONYMS | DRUG_BRANDS | ORGANISMS | CLINICAL_TERMS

# Names that are also English words but that, capitalised in a note, are almost always names.
NAME_WORDS_THAT_ARE_NAMES = word_set(
    """
    John Johns Peter Peters Maria Martin Martins Mike Nick Tom Toms Tony Terry Sally Sue Roger
    Rogers Victor Max Sandy Randy Rick Patty Billy Bobby Bob Jimmy Josh Dick Harry Jack Jasper
    Hector Basil Chad Colleen Dale Dean Derrick Dirk Earl Glen Jay Ken Lance Noel Ray
    Sonny Serge Troy Wade Warren Carol Daisy Dolly Flora Hazel Heather Holly Iris Ivy Jade
    Jasmine Lily Meg Melody Misty Olive Penny Phoebe Poppy Rosemary Ruby Savannah Sherry Sierra
    Viola Violet Bonnie Brandy Amber Crystal Destiny Ebony Patience Prudence Charity Trinity
    Miller Walker Wright Potter Mason Carpenter Butler Chandler Sanders Sawyer Sexton Tucker
    Tanner Thatcher Wheeler Weaver Watts Welch Wilder Woods Brooks Cox Curry Davenport Downing
    Drake Dyer Finch Ford Foster Freeman Fuller Garner Garrison Gibbons Griffin Grimes Hardy
    Hart Hicks Hogan Lamb Levy Madden Manning Marsh Meadows Mills Moody Newton Parsons Pierce
    Sears Shields Sims Spears Stark Summers Winters Young Bishop Booth Bridges Brewer Bullock
    Cannon Flowers Maxim Hogan Proctor Reeves Sellers Singleton Storey Sparks Steward Wolfram
    Hale Nash Rhodes Ross Gomez Moreno Salazar Tyler Mackenzie Rivers Smith Jones Lee Hall King
    Baker Carter Parker Turner Murphy Cook Cooper Bailey Reed Price Fisher Jordan Cole Marshall
    Wells Porter Shaw Hunter Palmer Rice Spencer Grant Knight Grace Faith Mark Bill Pat Hope
    """
)

TITLES = word_set(
    """
    dr doctor mr mrs ms miss mx prof professor sr sra srta rev reverend fr pastor rabbi imam
    sir dame lady lord madam madame mme mlle herr frau nurse
    """
)

# Words after which the next capitalised token (or a known name in any case) is a person.
NAME_CUES = word_set(
    """
    patient pt patients son daughter wife husband mother mom mum father dad brother sister
    spouse partner fiance fiancee boyfriend girlfriend grandson granddaughter grandmother
    grandfather grandma grandpa niece nephew aunt uncle cousin friend neighbor neighbour
    caregiver carer guardian roommate stepson stepdaughter stepmother stepfather child
    attending resident fellow intern radiologist technologist tech surgeon physician provider
    pcp referring dictated signed transcribed reviewed read interpreted performed examined
    evaluated seen discussed spoke called paged contacted notified informed consulted
    consultant cc attn dear name named mr mrs ms dr per by with to from and or
    """
)

# Cues strong enough that a following lower-case known name is taken ("patient john smith").
STRONG_NAME_CUES = word_set(
    """
    patient pt son daughter wife husband mother mom mum father dad brother sister spouse
    partner fiance fiancee boyfriend girlfriend grandson granddaughter grandmother grandfather
    niece nephew aunt uncle cousin friend neighbor neighbour caregiver guardian named name
    dr doctor mr mrs ms miss nurse
    """
)

# Kin and carers: the capitalised word right after one is a name even when it is also a common
# word ("his sister Will", "mother Cliff").
KIN_CUES = word_set(
    """
    son daughter wife husband mother mom mum father dad brother sister spouse partner fiance
    fiancee boyfriend girlfriend grandson granddaughter grandmother grandfather grandma grandpa
    niece nephew aunt uncle cousin friend neighbor neighbour caregiver carer guardian roommate
    stepson stepdaughter stepmother stepfather
    """
)

# Field labels that introduce a person ("Caller:", "Next of kin:", "Ordering physician:",
# "Dictated by:", "Re:" in a letter): the capitalised run after the colon is a name.
PERSON_LABELS = word_set(
    """
    patient name caller contact kin physician surgeon assistant anesthesia anesthesiologist
    anesthetist pathologist radiologist attending resident provider pcp nurse rn technologist
    author signer cosigner by guarantor subscriber insured guardian re clinician doctor
    cardiologist oncologist neurologist consultant referrer interpreter witness
    """
)

# Upper-case field labels of a header, never part of the name beside them ("SMITH, ANN  MRN").
FIELD_LABELS = word_set("MRN DOB DOD SSN DOS FIN CSN NPI DEA ACCT ACC MR ID AGE SEX EMAIL TEL FAX")

# Endings of clinical words the English list lacks ("cellulitis", "cholecystectomy",
# "Rheumatology"): such a word is neither a name nor a place.
MEDICAL_ENDINGS = (
    "itis",
    "osis",
    "emia",
    "aemia",
    "ectomy",
    "otomy",
    "ostomy",
    "ology",
    "ologist",
    "iatry",
    "iatrics",
    "opathy",
    "iasis",
    "algia",
    "plasty",
    "scopy",
    "graphy",
)

CREDENTIALS = word_set(
    """
    MD M.D. DO D.O. RN R.N. NP N.P. PA PA-C MBBS FRCR FRCP FRCS FACR FACC FACS PhD Ph.D.
    CRNA LPN MSW LCSW DDS DMD PharmD RPh RT RRT CNA APRN FNP DNP ANP CNM MPH MS MSc BSN DPM OD
    """
)


def _read_lines(name: str) -> frozenset[str]:
    text = resources.files(_DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


# Given names common in the patient population that Faker's lists lack (many are English words,
# so they stay "ambiguous" and need a neighbouring name or a cue).
_EXTRA_FIRST_NAMES = word_set(
    """
    Precious Blessing Gift Favour Favor Goodness Princess Godfrey Godwin Chinedu Chidi Ngozi
    Nnamdi Obinna Oluwaseun Olumide Temitope Kwame Kofi Kwabena Ama Akosua Thandiwe Sipho
    Themba Lindiwe Nomvula Ayesha Fatima Yusuf Youssef Karim Mohammed Muhammad Ahmed Imran
    Priya Arjun Ravi Lakshmi Anjali Sanjay Deepak Wei Jing Hui Xin Yuki Hiroshi Takeshi Haruka
    """
)


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    return _read_lines("first_names.txt") | _EXTRA_FIRST_NAMES


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    return _read_lines("surnames.txt")


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    return _read_lines("english_words.txt")


# Inflections the word list leaves out (build_lexicons.py drops words derivable by these rules).
INFLECTION_SUFFIXES = (
    ("ies", ("y",)),
    ("ied", ("y",)),
    ("ness", ("",)),
    ("ers", ("", "e")),
    ("est", ("", "e")),
    ("ing", ("", "e")),
    ("es", ("",)),
    ("ed", ("", "e")),
    ("er", ("", "e")),
    ("ly", ("",)),
    ("s", ("",)),
)


def is_english_word(word: str) -> bool:
    """Whether `word` (any case) is a common English word, inflected forms included."""
    lower = word.lower()
    words = _english_words()
    if lower in words:
        return True
    return any(stem in words for stem in inflection_stems(lower))


def inflection_stems(word: str) -> Iterator[str]:
    """The words `word` may be an inflection of ("studies" -> "study"), by INFLECTION_SUFFIXES."""
    for suffix, replacements in INFLECTION_SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            yield from (stem + replacement for replacement in replacements)


def is_known_name(token: str) -> bool:
    """Whether a token (any case) is in the first-name or surname lists."""
    title = token[:1].upper() + token[1:].lower()
    return title in first_names() or title in surnames()


def is_ambiguous_name(token: str) -> bool:
    """A listed name that is also a common word ("Will", "Gross"): it needs context."""
    title = token[:1].upper() + token[1:].lower()
    if title in NAME_WORDS_THAT_ARE_NAMES:
        return False
    return len(title) <= 2 or is_english_word(title)
