"""Static reference tables the generator draws from.

Codes are the ones real Synthea exports use (SNOMED CT for encounters, reasons, conditions and
procedures; LOINC for observations). The warehouse's own seeds (`seeds/reference/`) map these codes to
ICD-10-CM, departments, planned-readmission and infection groups: keep the two in step when a code is
added here (tests/pytest/test_reference_coverage.py checks it).
"""
from __future__ import annotations

from dataclasses import dataclass

ENCOUNTER_CLASSES = ("ambulatory", "outpatient", "urgentcare", "emergency", "wellness", "inpatient")

# (code, description) per encounter class; the first entry is the most common.
ENCOUNTER_CODES: dict[str, list[tuple[str, str]]] = {
    "ambulatory": [
        ("185345009", "Encounter for symptom"),
        ("185347001", "Encounter for problem (procedure)"),
        ("390906007", "Follow-up encounter (procedure)"),
    ],
    "outpatient": [
        ("185347001", "Encounter for problem (procedure)"),
        ("371883000", "Outpatient procedure (procedure)"),
        ("33879002", "Administration of vaccine to produce active immunity (procedure)"),
    ],
    "urgentcare": [
        ("702927004", "Urgent care clinic (environment)"),
        ("185345009", "Encounter for symptom"),
    ],
    "emergency": [
        ("50849002", "Emergency room admission (procedure)"),
        ("183452005", "Emergency hospital admission (procedure)"),
    ],
    "wellness": [
        ("162673000", "General examination of patient (procedure)"),
        ("410620009", "Well child visit (procedure)"),
    ],
    "inpatient": [
        ("32485007", "Hospital admission (procedure)"),
        ("305408004", "Admission to surgical department (procedure)"),
    ],
}

# The same code spelled differently, as real exports have it (with and without the semantic tag).
DESCRIPTION_VARIANTS: dict[str, str] = {
    "185347001": "Encounter for problem",
    "390906007": "Follow-up encounter",
    "32485007": "Hospital admission",
    "50849002": "Emergency Room Admission",
    "162673000": "General examination of patient",
}


@dataclass(frozen=True)
class Condition:
    code: str
    description: str
    icd10: str | None  # None: deliberately unmapped in the warehouse seed
    group: str  # chronic group key or acute family


# Chronic conditions the generator plants on patients (prevalence in params.py).
CHRONIC: dict[str, Condition] = {
    "diabetes": Condition("44054006", "Diabetes mellitus type 2 (disorder)", "E11.9", "diabetes"),
    "hypertension": Condition("38341003", "Hypertension (disorder)", "I10", "hypertension"),
    "heart_failure": Condition("88805009", "Chronic congestive heart failure (disorder)", "I50.9", "heart_disease"),
    "copd": Condition("185086009", "Chronic obstructive bronchitis (disorder)", "J44.9", "copd"),
    "ckd": Condition("433144002", "Chronic kidney disease stage 3 (disorder)", "N18.30", "ckd"),
}

# Acute reasons for visits and admissions, by family.
ACUTE: dict[str, list[Condition]] = {
    "respiratory": [
        Condition("444814009", "Viral sinusitis (disorder)", "J01.90", "respiratory"),
        Condition("195662009", "Acute viral pharyngitis (disorder)", "J02.9", "respiratory"),
        Condition("10509002", "Acute bronchitis (disorder)", "J20.9", "respiratory"),
        Condition("43878008", "Streptococcal sore throat (disorder)", "J02.0", "respiratory"),
    ],
    "pediatric": [
        Condition("65363002", "Otitis media (disorder)", "H66.90", "pediatric"),
        Condition("195967001", "Asthma (disorder)", "J45.909", "pediatric"),
    ],
    "cardiac": [
        Condition("22298006", "Myocardial infarction (disorder)", "I21.9", "cardiac"),
        Condition("49436004", "Atrial fibrillation (disorder)", "I48.91", "cardiac"),
        Condition("53741008", "Coronary heart disease (disorder)", "I25.10", "cardiac"),
    ],
    "orthopedic": [
        Condition("16114001", "Fracture of ankle (disorder)", "S82.899A", "orthopedic"),
        Condition("58150001", "Fracture of clavicle (disorder)", "S42.009A", "orthopedic"),
        Condition("65966004", "Fracture of forearm (disorder)", "S52.90XA", "orthopedic"),
        Condition("239873007", "Osteoarthritis of knee (disorder)", "M17.9", "orthopedic"),
    ],
    "infection": [
        Condition("233604007", "Pneumonia (disorder)", "J18.9", "infection"),
        Condition("91302008", "Sepsis (disorder)", "A41.9", "infection"),
        Condition("68566005", "Urinary tract infectious disease (disorder)", "N39.0", "infection"),
    ],
    "stroke": [
        Condition("230690007", "Cerebrovascular accident (disorder)", "I63.9", "stroke"),
    ],
    "oncology": [
        Condition("254637007", "Non-small cell lung cancer (disorder)", "C34.90", "oncology"),
        Condition("363406005", "Malignant neoplasm of colon (disorder)", "C18.9", "oncology"),
        Condition("254837009", "Malignant neoplasm of breast (disorder)", "C50.919", "oncology"),
    ],
    "obstetric": [
        Condition("72892002", "Normal pregnancy (finding)", "Z34.90", "obstetric"),
    ],
    "social": [  # findings with no ICD-10-CM mapping in the seed: counted as `unmapped`
        Condition("73595000", "Stress (finding)", None, "social"),
        Condition("160903007", "Full-time employment (finding)", None, "social"),
    ],
}

# Hospital-acquired infections: conditions that start on day 3 or later of a stay.
HAI: list[Condition] = [
    Condition("186431008", "Clostridioides difficile infection (disorder)", "A04.72", "infection"),
    Condition("433202001", "Surgical site infection (disorder)", "T81.49XA", "infection"),
    Condition("68566005", "Urinary tract infectious disease (disorder)", "N39.0", "infection"),
    Condition("233604007", "Pneumonia (disorder)", "J18.9", "infection"),
]


@dataclass(frozen=True)
class Procedure:
    code: str
    description: str
    base_cost: float  # typical cost in USD (log-normal around it)


PROCEDURES: dict[str, list[Procedure]] = {
    "general": [
        Procedure("430193006", "Medication Reconciliation (procedure)", 469.38),
        Procedure("710824005", "Assessment of health and social care needs (procedure)", 431.40),
        Procedure("171207006", "Depression screening (procedure)", 431.40),
        Procedure("428211000124100", "Assessment of substance use (procedure)", 431.40),
        Procedure("76601001", "Intramuscular injection", 2102.14),
    ],
    "diagnostic": [
        Procedure("399208008", "Plain chest X-ray (procedure)", 302.52),
        Procedure("252160004", "Standard pregnancy test (procedure)", 301.03),
        Procedure("23426006", "Measurement of respiratory function (procedure)", 516.65),
    ],
    "diabetes": [Procedure("268556000", "Urine screening for glucose (procedure)", 431.40)],
    "ckd": [Procedure("265764009", "Renal dialysis (procedure)", 1255.57)],
    "cardiac": [
        Procedure("433236007", "Transthoracic echocardiography (procedure)", 581.75),
        Procedure("415070008", "Percutaneous coronary intervention (procedure)", 22560.27),
    ],
    "orthopedic": [
        Procedure("274474001", "Bone immobilization (procedure)", 7616.38),
        Procedure("609588000", "Total knee replacement (procedure)", 24716.34),
    ],
    "infection": [Procedure("432102000", "Administration of intravenous antibiotic (procedure)", 1680.43)],
    "obstetric": [Procedure("177184002", "Normal delivery procedure (procedure)", 10383.22)],
    # planned readmission procedures (seed planned_readmission_codes lists them)
    "chemotherapy": [Procedure("367336001", "Chemotherapy (procedure)", 6470.47)],
    "radiotherapy": [Procedure("33195004", "Teleradiotherapy procedure (procedure)", 7389.25)],
    "rehabilitation": [Procedure("52052004", "Rehabilitation therapy (regime/therapy)", 2304.71)],
    "cesarean": [Procedure("11466000", "Cesarean section (procedure)", 15410.74)],
}

# Vital-sign and lab observations (LOINC), the ones the warehouse reads.
OBSERVATIONS = {
    "systolic": ("8480-6", "Systolic Blood Pressure", "mm[Hg]", "vital-signs"),
    "diastolic": ("8462-4", "Diastolic Blood Pressure", "mm[Hg]", "vital-signs"),
    "heart_rate": ("8867-4", "Heart rate", "/min", "vital-signs"),
    "glucose": ("2339-0", "Glucose [Mass/volume] in Blood", "mg/dL", "laboratory"),
}

BASE_ENCOUNTER_COST = {
    "ambulatory": 129.16,
    "outpatient": 129.16,
    "urgentcare": 142.58,
    "emergency": 146.18,
    "wellness": 136.80,
    "inpatient": 106.43,
}

# name, address, city, state, zip, phone; kind drives age rules and coverage
PAYERS = [
    ("Medicare", "7500 Security Blvd", "Baltimore", "MD", "21244", "1-800-633-4227", "medicare"),
    ("Medicaid", "7500 Security Blvd", "Baltimore", "MD", "21244", "1-877-267-2323", "medicaid"),
    ("Dual Eligible", "7500 Security Blvd", "Baltimore", "MD", "21244", "1-877-267-2323", "dual"),
    ("Aetna", "151 Farmington Avenue", "Hartford", "CT", "06156", "1-800-872-3862", "private"),
    ("Anthem", "220 Virginia Ave", "Indianapolis", "IN", "46204", "1-800-331-1476", "private"),
    ("Blue Cross Blue Shield", "101 Huntington Ave Suite 1300", "Boston", "MA", "02199", "1-800-262-2583", "private"),
    ("Cigna Health", "900 Cottage Grove Road", "Bloomfield", "CT", "06002", "1-800-997-1654", "private"),
    ("Humana", "500 West Main St", "Louisville", "KY", "40018", "1-844-330-7799", "private"),
    ("UnitedHealthcare", "9800 Healthcare Lane", "Minnetonka", "MN", "55436", "1-888-545-5205", "private"),
    ("NO_INSURANCE", "", "", "", "", "", "none"),
]
PAYER_COVERAGE_SHARE = {"medicare": 0.80, "medicaid": 0.95, "dual": 0.90, "private": 0.75, "none": 0.0}

# name, address, city, zip, lat, lon (Massachusetts hospitals); the first is the main hospital
ORGANIZATIONS = [
    ("Massachusetts General Hospital", "55 Fruit Street", "Boston", "02114", 42.362556, -71.069158),
    ("Brigham and Women's Hospital", "75 Francis Street", "Boston", "02115", 42.335944, -71.106906),
    ("Beth Israel Deaconess Medical Center", "330 Brookline Avenue", "Boston", "02215", 42.338921, -71.106614),
    ("UMass Memorial Medical Center", "55 Lake Avenue North", "Worcester", "01655", 42.276019, -71.760953),
    ("Baystate Medical Center", "759 Chestnut Street", "Springfield", "01199", 42.120566, -72.604583),
    ("Lowell General Hospital", "295 Varnum Avenue", "Lowell", "01854", 42.647467, -71.341583),
    ("Cape Cod Hospital", "27 Park Street", "Hyannis", "02601", 41.655873, -70.279713),
    ("Berkshire Medical Center", "725 North Street", "Pittsfield", "01201", 42.463620, -73.251690),
]

# city, county, zip, lat, lon, weight (rough share of the state's population)
CITIES = [
    ("Boston", "Suffolk County", "02114", 42.3601, -71.0589, 10),
    ("Cambridge", "Middlesex County", "02139", 42.3736, -71.1097, 2.0),
    ("Somerville", "Middlesex County", "02143", 42.3876, -71.0995, 1.5),
    ("Quincy", "Norfolk County", "02169", 42.2529, -71.0023, 1.5),
    ("Brookline", "Norfolk County", "02445", 42.3318, -71.1212, 1.0),
    ("Newton", "Middlesex County", "02458", 42.3370, -71.2092, 1.5),
    ("Worcester", "Worcester County", "01608", 42.2626, -71.8023, 3.0),
    ("Springfield", "Hampden County", "01103", 42.1015, -72.5898, 2.5),
    ("Lowell", "Middlesex County", "01852", 42.6334, -71.3162, 1.8),
    ("Lynn", "Essex County", "01902", 42.4668, -70.9495, 1.5),
    ("New Bedford", "Bristol County", "02740", 41.6362, -70.9342, 1.5),
    ("Brockton", "Plymouth County", "02301", 42.0834, -71.0184, 1.5),
    ("Fall River", "Bristol County", "02720", 41.7015, -71.1550, 1.4),
    ("Lawrence", "Essex County", "01840", 42.7070, -71.1631, 1.3),
    ("Framingham", "Middlesex County", "01702", 42.2793, -71.4162, 1.2),
    ("Pittsfield", "Berkshire County", "01201", 42.4501, -73.2454, 0.7),
    ("Barnstable", "Barnstable County", "02630", 41.7003, -70.3002, 0.7),
    ("Plymouth", "Plymouth County", "02360", 41.9584, -70.6673, 0.9),
    ("Salem", "Essex County", "01970", 42.5195, -70.8967, 0.7),
    ("Amherst", "Hampshire County", "01002", 42.3732, -72.5199, 0.6),
]

STREETS = ["Main St", "Washington St", "Elm St", "Maple Ave", "Oak St", "Pleasant St", "Park Ave",
           "School St", "Center St", "Highland Ave", "Union St", "Summer St", "Prospect St", "Chestnut St"]

FIRST_NAMES_M = ["James", "John", "Robert", "Michael", "William", "David", "Joseph", "Thomas", "Carlos", "Daniel",
                 "Matthew", "Anthony", "Mark", "José", "Kevin", "Brian", "George", "Edward", "Ronald", "Jason"]
FIRST_NAMES_F = ["Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah",
                 "Karen", "Maria", "Nancy", "Lisa", "Betty", "Margaret", "Sandra", "Ashley", "Emily", "Ana", "Kimberly"]
LAST_NAMES = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
              "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
              "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez",
              "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen"]

# Synthea's race and ethnicity values, Massachusetts-like shares.
RACES = (("white", 0.71), ("black", 0.09), ("asian", 0.07), ("hispanic", 0.10), ("native", 0.01), ("other", 0.02))

# ---------------------------------------------------------------- EMR extract

EMR_DEPARTMENTS = ("ER", "Cardiology", "Orthopedics", "Pediatrics", "Oncology")

# ICD-10-CM codes per department for the EMR extract (primary diagnosis pool)
EMR_DIAGNOSES: dict[str, list[str]] = {
    "ER": ["J18.9", "N39.0", "R07.9", "S06.0X0A", "J06.9", "A41.9", "R10.9"],
    "Cardiology": ["I10", "I50.9", "I25.10", "I48.91", "I21.9"],
    "Orthopedics": ["S82.899A", "M17.9", "S52.90XA", "M54.5", "S42.009A"],
    "Pediatrics": ["J06.9", "H66.90", "J45.909", "J02.9", "R50.9"],
    "Oncology": ["C34.90", "C18.9", "C50.919", "C61", "Z51.11"],
}
EMR_SECONDARY = ["E11.9", "I10", "E78.5", "J44.9", "N18.30", "E66.9", "F32.9", "K21.9", ""]
EMR_CPT = {
    "ER": ["99283", "99284", "99285", "71046"],
    "Cardiology": ["93000", "93306", "99214", "92928"],
    "Orthopedics": ["27447", "29881", "99213", "73560"],
    "Pediatrics": ["99392", "99213", "90460", "87880"],
    "Oncology": ["96413", "77385", "99215", "96367"],
}
EMR_MEDICATIONS = ["Metformin", "Lisinopril", "Atorvastatin", "Amoxicillin", "Ibuprofen", "Albuterol",
                   "Insulin", "Aspirin", "Paclitaxel", "None"]
EMR_INSURANCE = ("Private", "Medicare", "Medicaid", "Uninsured")
EMR_SOURCE_SYSTEMS = ("Epic", "Cerner", "Meditech")
EMR_SURGERY_LEVELS = ("None", "Minor", "Major")
