"""The programme's vocabulary: fields of study, levels, needs, languages, availability...

Every label is an English gettext message id wrapped in :func:`~mentoring.text.N_`; the
handlers translate it into the user's language when they render it. Codes are short
ASCII identifiers (``[a-z0-9_]``, at most 16 characters; ``weekday_afternoon``, 17, is the
one exception, as specified) because they travel in Telegram callback data (64 bytes in
all) and are stored in the database: never rename one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar

from mentoring.text import N_, fold

__all__ = [
    "AVAILABILITY",
    "CAPACITIES",
    "FAMILIES",
    "FIELDS",
    "LANGUAGES",
    "LEVELS",
    "NEEDS",
    "SECTORS",
    "Family",
    "Field",
    "Option",
    "codes",
    "family",
    "field",
    "fields_in",
    "option",
    "search_fields",
]


@dataclass(frozen=True)
class Option:
    """A simple choice: a stable ``code`` and an English ``label`` (a gettext msgid)."""

    code: str
    label: str


@dataclass(frozen=True)
class Family:
    """A group of fields of study, used to page through them."""

    code: str
    label: str


@dataclass(frozen=True)
class Field:
    """A field of study. ``family`` is a :class:`Family` code; ``keywords`` are extra
    lower-case search words, in French and English."""

    code: str
    family: str
    label: str
    keywords: tuple[str, ...] = ()


# ------------------------------------------------------------------ fields of study

FAMILIES: tuple[Family, ...] = (
    Family("law_politics", N_("Law and political science")),
    Family("business", N_("Economics, business and management")),
    Family("health", N_("Health")),
    Family("sciences", N_("Sciences")),
    Family("engineering", N_("Engineering and computer science")),
    Family("arts", N_("Arts, design and architecture")),
    Family("humanities", N_("Languages and humanities")),
    Family("society", N_("Psychology, education and social work")),
    Family("media", N_("Communication, marketing and media")),
    Family("agri_env", N_("Agriculture and environment")),
    Family("trades", N_("Vocational trades (CAP, bac pro)")),
)


def _field(code: str, family_code: str, label: str, *keywords: str) -> Field:
    return Field(code, family_code, label, keywords)


FIELDS: tuple[Field, ...] = (
    # Law and political science
    _field(
        "law", "law_politics", N_("Law"),
        "droit", "juridique", "juriste", "avocat", "notaire", "justice", "capacite en droit",
        "lawyer", "legal", "attorney",
    ),
    _field(
        "political_sci", "law_politics", N_("Political science"),
        "science politique", "sciences po", "iep", "relations internationales",
        "politics", "international relations", "government",
    ),
    # Economics, business and management
    _field(
        "economics", "business", N_("Economics"),
        "economie", "eco", "aes", "econometrie", "economie gestion", "economist",
    ),
    _field(
        "management", "business", N_("Management and business"),
        "gestion", "management", "ecole de commerce", "business school", "gea",
        "ressources humaines", "rh", "entrepreneuriat", "human resources", "entrepreneurship",
    ),
    _field(
        "accounting", "business", N_("Accounting and finance"),
        "comptabilite", "comptable", "dcg", "dscg", "cg", "banque", "audit", "assurance",
        "accounting", "accountant", "banking", "finance",
    ),
    _field(
        "commerce", "business", N_("Sales and commerce"),
        "commerce", "commercial", "vente", "vendeur", "ndrc", "mco", "tc",
        "techniques de commercialisation", "sales", "retail", "trade",
    ),
    _field(
        "hospitality", "business", N_("Hospitality and tourism"),
        "hotellerie", "hotel", "restauration", "tourisme", "accueil", "hospitality", "tourism",
    ),
    _field(
        "logistics", "business", N_("Transport and logistics"),
        "logistique", "transport", "supply chain", "qlio", "glt", "logistics",
    ),
    # Health
    _field(
        "medicine", "health", N_("Medicine"),
        "medecine", "medecin", "pass", "las", "paces", "sante", "maieutique", "sage femme",
        "dentaire", "odontologie", "dentiste", "mmopk", "doctor", "medical", "dentistry",
        "midwife",
    ),
    _field(
        "pharmacy", "health", N_("Pharmacy"),
        "pharmacie", "pharmacien", "preparateur en pharmacie", "pharmacist",
    ),
    _field(
        "nursing", "health", N_("Nursing"),
        "infirmier", "infirmiere", "ifsi", "soins infirmiers", "aide soignant", "nurse",
    ),
    _field(
        "physiotherapy", "health", N_("Physiotherapy"),
        "kine", "kinesitherapie", "kinesitherapeute", "masseur kinesitherapeute", "physio",
        "physiotherapist",
    ),
    _field(
        "paramedical", "health", N_("Other health professions"),
        "paramedical", "orthophonie", "ergotherapie", "psychomotricite", "orthoptie",
        "manipulateur radio", "audioprothesiste", "opticien", "optique", "podologie",
        "dieteticien", "speech therapy", "occupational therapy", "optician",
    ),
    _field(
        "veterinary", "health", N_("Veterinary and animal care"),
        "veterinaire", "veto", "asv", "soigneur animalier", "animaux", "vet", "animals",
    ),
    # Sciences
    _field(
        "mathematics", "sciences", N_("Mathematics"),
        "maths", "math", "mathematiques", "statistiques", "stats", "actuariat", "statistics",
    ),
    _field(
        "physics", "sciences", N_("Physics"),
        "physique", "physique chimie", "astrophysique", "sciences physiques", "astrophysics",
    ),
    _field(
        "chemistry", "sciences", N_("Chemistry"),
        "chimie", "chimiste", "biochimie", "chemist", "biochemistry",
    ),
    _field(
        "biology", "sciences", N_("Biology and life sciences"),
        "biologie", "svt", "sciences de la vie", "biotechnologies", "biotech", "genetique",
        "geologie", "sciences de la terre", "genetics", "geology",
    ),
    # Engineering and computer science
    _field(
        "computer_sci", "engineering", N_("Computer science"),
        "informatique", "info", "numerique", "developpement", "developpeur", "programmation",
        "reseaux", "cybersecurite", "miage", "sio", "data", "ia", "intelligence artificielle",
        "it", "coding", "programming", "developer", "software", "computing", "ai",
    ),
    _field(
        "engineering", "engineering", N_("Engineering school (general)"),
        "ecole d ingenieur", "ingenieur", "ingenierie", "genie", "prepa integree", "insa",
        "engineer", "engineering",
    ),
    _field(
        "mech_eng", "engineering", N_("Mechanical engineering"),
        "genie mecanique", "mecanique", "gmp", "productique", "aeronautique", "aerospatial",
        "mechanical", "aerospace",
    ),
    _field(
        "elec_eng", "engineering", N_("Electrical engineering and electronics"),
        "genie electrique", "electronique", "electrotechnique", "geii", "automatisme",
        "robotique", "electronics", "robotics",
    ),
    _field(
        "civil_eng", "engineering", N_("Civil engineering"),
        "genie civil", "btp", "travaux publics", "batiment", "construction durable",
        "civil engineering",
    ),
    # Arts, design and architecture
    _field(
        "architecture", "arts", N_("Architecture"),
        "archi", "architecte", "ensa", "urbanisme", "architect", "urban planning",
    ),
    _field(
        "fine_arts", "arts", N_("Fine arts"),
        "arts plastiques", "beaux arts", "art", "peinture", "dessin", "histoire de l art",
        "painting", "drawing", "art history",
    ),
    _field(
        "design", "arts", N_("Design"),
        "design graphique", "graphisme", "graphiste", "dn made", "dnmade", "stylisme", "mode",
        "design d interieur", "graphic design", "fashion", "interior design", "ux",
    ),
    _field(
        "music", "arts", N_("Music"),
        "musique", "musicologie", "conservatoire", "musicien", "musician",
    ),
    _field(
        "performing_arts", "arts", N_("Cinema, theatre and performing arts"),
        "cinema", "theatre", "audiovisuel", "film", "danse", "arts du spectacle", "comedien",
        "acting", "dance", "filmmaking",
    ),
    # Languages and humanities
    _field(
        "languages", "humanities", N_("Foreign languages (LLCE, LEA)"),
        "langues", "langues etrangeres", "llce", "lea", "anglais", "espagnol", "allemand",
        "traduction", "interpretariat", "languages", "english", "spanish", "german",
        "translation",
    ),
    _field(
        "literature", "humanities", N_("Literature"),
        "lettres", "lettres modernes", "lettres classiques", "litterature", "francais",
        "latin", "grec", "letters", "french",
    ),
    _field(
        "philosophy", "humanities", N_("Philosophy"),
        "philo", "philosophie", "philosophy",
    ),
    _field(
        "history", "humanities", N_("History"),
        "histoire", "archeologie", "histoire geo", "archaeology",
    ),
    _field(
        "geography", "humanities", N_("Geography"),
        "geographie", "geo", "amenagement du territoire", "cartographie", "geography",
    ),
    # Psychology, education and social work
    _field(
        "psychology", "society", N_("Psychology"),
        "psycho", "psychologie", "psychologue", "neurosciences", "psychologist",
    ),
    _field(
        "sociology", "society", N_("Sociology"),
        "socio", "sociologie", "anthropologie", "ethnologie", "sciences sociales",
        "anthropology", "social sciences",
    ),
    _field(
        "education", "society", N_("Education and teaching"),
        "enseignement", "enseignant", "professeur", "prof", "professeur des ecoles", "inspe",
        "meef", "sciences de l education", "teacher", "teaching",
    ),
    _field(
        "social_work", "society", N_("Social work"),
        "travail social", "assistant social", "educateur specialise", "deass", "dees",
        "carrieres sociales", "animation", "social worker",
    ),
    _field(
        "care_services", "society", N_("Childcare and personal care services"),
        "petite enfance", "cap aepe", "aepe", "creche", "auxiliaire de puericulture", "assp",
        "services a la personne", "aide a domicile", "childcare", "care",
    ),
    _field(
        "sport", "society", N_("Sport (STAPS)"),
        "staps", "sport", "eps", "coach", "entraineur", "activites physiques",
        "physical education", "sports",
    ),
    # Communication, marketing and media
    _field(
        "communication", "media", N_("Communication"),
        "info com", "information communication", "relations publiques", "evenementiel",
        "communication", "public relations", "events",
    ),
    _field(
        "journalism", "media", N_("Journalism"),
        "journalisme", "journaliste", "presse", "medias", "journalist", "press",
    ),
    _field(
        "marketing", "media", N_("Marketing"),
        "marketing", "mercatique", "publicite", "marketing digital", "reseaux sociaux",
        "advertising", "digital marketing", "social media",
    ),
    # Agriculture and environment
    _field(
        "agriculture", "agri_env", N_("Agriculture and agronomy"),
        "agriculture", "agronomie", "agricole", "agriculteur", "viticulture", "horticulture",
        "paysagiste", "agroalimentaire", "lycee agricole", "farming", "agronomy",
        "food science",
    ),
    _field(
        "environment", "agri_env", N_("Environment and ecology"),
        "environnement", "ecologie", "developpement durable", "climat", "energie",
        "biodiversite", "environment", "ecology", "sustainability", "energy",
    ),
    # Vocational trades
    _field(
        "construction", "trades", N_("Building trades"),
        "batiment", "maconnerie", "macon", "plomberie", "plombier", "menuiserie", "menuisier",
        "charpente", "peintre", "carreleur", "cap", "bac pro", "btp", "building", "plumber",
        "carpenter", "bricklayer",
    ),
    _field(
        "electricity", "trades", N_("Electrical installation"),
        "electricite", "electricien", "melec", "domotique", "cap", "bac pro", "electrician",
    ),
    _field(
        "auto_mechanics", "trades", N_("Car and motorbike mechanics"),
        "mecanique auto", "maintenance des vehicules", "garagiste", "carrosserie", "moto",
        "mecanicien", "cap", "bac pro", "car mechanic", "motorbike", "bodywork",
    ),
    _field(
        "beauty", "trades", N_("Beauty and hairdressing"),
        "esthetique", "estheticienne", "coiffure", "coiffeur", "cosmetique", "onglerie", "cap",
        "bac pro", "beautician", "hairdresser", "cosmetics",
    ),
    _field(
        "cooking", "trades", N_("Cooking and baking"),
        "cuisine", "cuisinier", "patisserie", "patissier", "boulangerie", "boulanger",
        "boucherie", "chef", "cap", "bac pro", "cook", "pastry", "baker", "bakery",
    ),
)

_FAMILIES_BY_CODE: Mapping[str, Family] = MappingProxyType({f.code: f for f in FAMILIES})
_FIELDS_BY_CODE: Mapping[str, Field] = MappingProxyType({f.code: f for f in FIELDS})

# Folded English label and keywords of each field, computed once for search_fields.
_FOLDED_LABELS: Mapping[str, str] = MappingProxyType({f.code: fold(f.label) for f in FIELDS})
_FOLDED_KEYWORDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {f.code: tuple(dict.fromkeys(fold(k) for k in f.keywords)) for f in FIELDS}
)


def field(code: str) -> Field:
    """The field with ``code``; KeyError if there is none."""
    return _FIELDS_BY_CODE[code]


def family(code: str) -> Family:
    """The family with ``code``; KeyError if there is none."""
    return _FAMILIES_BY_CODE[code]


def fields_in(family_code: str) -> tuple[Field, ...]:
    """The fields of a family, in catalogue order; KeyError for an unknown family."""
    family(family_code)
    return tuple(f for f in FIELDS if f.family == family_code)


def _same(label: str) -> str:
    return label


# Ranks, best first.
(
    _EXACT,  # the query is a whole label or keyword
    _LABEL_START,  # a label starts with the query
    _LABEL_WORD,  # a word of a label starts with the query
    _KEYWORD_WORD,  # a word of a keyword starts with the query
    _ALL_WORDS,  # every word of the query starts a word somewhere
    _SUBSTRING,  # the query appears anywhere
) = range(6)


def _starts_word(query: str, text: str) -> bool:
    return f" {query}" in f" {text}"


def _rank(query: str, labels: tuple[str, ...], keywords: tuple[str, ...]) -> int | None:
    texts = (*labels, *keywords)
    if query in texts:
        return _EXACT
    if any(label.startswith(query) for label in labels):
        return _LABEL_START
    if any(_starts_word(query, label) for label in labels):
        return _LABEL_WORD
    if any(_starts_word(query, keyword) for keyword in keywords):
        return _KEYWORD_WORD
    words = query.split()
    vocabulary = [word for text in texts for word in text.split()]
    if len(words) > 1 and all(any(v.startswith(w) for v in vocabulary) for w in words):
        return _ALL_WORDS
    if any(query in text for text in texts):
        return _SUBSTRING
    return None


def search_fields(
    query: str, label_of: Callable[[str], str] = _same, limit: int = 8
) -> list[Field]:
    """Fields matching what a user typed, best first.

    ``label_of`` translates an English label into the user's language. The folded query
    (see :func:`~mentoring.text.fold`) is matched against the translated label, the English
    label and the keywords. Whole-word and prefix matches rank above the rest: an exact
    label or keyword first, then a label starting with the query, a label word starting
    with it, a keyword word starting with it, a multi-word query whose every word starts a
    word somewhere; a match anywhere else comes last. Ties are broken alphabetically by
    translated label. Queries shorter than two letters return ``[]``.
    """
    folded = fold(query)
    if len(folded.replace(" ", "")) < 2 or limit <= 0:
        return []
    found: list[tuple[int, str, str, Field]] = []
    for candidate in FIELDS:
        translated = fold(label_of(candidate.label))
        labels = (translated, _FOLDED_LABELS[candidate.code])
        rank = _rank(folded, labels, _FOLDED_KEYWORDS[candidate.code])
        if rank is not None:
            found.append((rank, translated, candidate.code, candidate))
    found.sort(key=lambda item: item[:3])
    return [item[3] for item in found[:limit]]


# ----------------------------------------------------------------- simple choices

LEVELS: tuple[Option, ...] = (
    Option("lycee", N_("High school (lycée)")),
    Option("cap_bep", N_("CAP / BEP")),
    Option("bac_pro", N_("Vocational baccalaureate (bac pro)")),
    Option("bts_but", N_("BTS / BUT")),
    Option("licence_1", N_("Bachelor's, 1st year (L1)")),
    Option("licence_2", N_("Bachelor's, 2nd year (L2)")),
    Option("licence_3", N_("Bachelor's, 3rd year (L3)")),
    Option("master_1", N_("Master's, 1st year (M1)")),
    Option("master_2", N_("Master's, 2nd year (M2)")),
    Option("prepa", N_("Preparatory class (prépa)")),
    Option("grande_ecole", N_("Grande école (engineering, business…)")),
    Option("doctorate", N_("Doctorate (PhD)")),
    Option("not_studying", N_("Not currently studying")),
)

END_REASONS: tuple[Option, ...] = (
    Option("finished", N_("Programme finished")),
    Option("goal_reached", N_("Goal reached")),
    Option("not_needed", N_("No longer needed")),
    Option("no_contact", N_("No contact")),
    Option("incompatible", N_("Incompatibility")),
    Option("other", N_("Other reason")),
)
"""Why a pair ended (``outcomes.reason``), as the impact report names it."""

OUTCOME_CHANGES: tuple[Option, ...] = (
    Option("internship", N_("Internship found")),
    Option("job", N_("Job found")),
    Option("exam", N_("Exam passed")),
    Option("orientation", N_("Orientation chosen")),
    Option("confidence", N_("More confident")),
    Option("nothing_yet", N_("Nothing yet")),
)
"""What changed for the student (``outcomes.changes``)."""

NEEDS: tuple[Option, ...] = (
    Option("homework", N_("Homework and courses")),
    Option("organisation", N_("Study organisation")),
    Option("exams", N_("Exam preparation")),
    Option("oral", N_("Oral practice")),
    Option("cv", N_("CV review")),
    Option("cover_letter", N_("Cover letter")),
    Option("internship", N_("Internship search")),
    Option("job_search", N_("Job search")),
    Option("orientation", N_("Orientation")),
    Option("moral_support", N_("Moral support")),
)

LANGUAGES: tuple[Option, ...] = (
    Option("fr", N_("French")),
    Option("en", N_("English")),
    Option("es", N_("Spanish")),
    Option("de", N_("German")),
    Option("it", N_("Italian")),
    Option("pt", N_("Portuguese")),
    Option("ar", N_("Arabic")),
    Option("zh", N_("Chinese")),
    Option("ru", N_("Russian")),
    Option("uk", N_("Ukrainian")),
    Option("tr", N_("Turkish")),
    Option("ro", N_("Romanian")),
    Option("pl", N_("Polish")),
)

AVAILABILITY: tuple[Option, ...] = (
    Option("weekday_morning", N_("Weekdays, morning")),
    Option("weekday_noon", N_("Weekdays, lunch break")),
    Option("weekday_afternoon", N_("Weekdays, afternoon")),
    Option("weekday_evening", N_("Weekdays, evening")),
    Option("saturday", N_("Saturday")),
    Option("sunday", N_("Sunday")),
)

SECTORS: tuple[Option, ...] = (
    Option("public_service", N_("Public service")),
    Option("industry", N_("Industry")),
    Option("it_digital", N_("IT and digital")),
    Option("finance", N_("Banking, finance and insurance")),
    Option("health", N_("Health")),
    Option("education", N_("Education and research")),
    Option("law", N_("Law")),
    Option("commerce", N_("Commerce and retail")),
    Option("consulting", N_("Consulting")),
    Option("media_culture", N_("Media and culture")),
    Option("construction", N_("Construction and public works")),
    Option("transport", N_("Transport and logistics")),
    Option("energy_env", N_("Energy and environment")),
    Option("social_economy", N_("Associations and social economy")),
    Option("hospitality", N_("Hospitality and tourism")),
    Option("agriculture", N_("Agriculture and food")),
    Option("other", N_("Other sector")),
)

CAPACITIES: tuple[int, ...] = (1, 2, 3)
"""How many students a volunteer may mentor at once."""

_O = TypeVar("_O", Option, Family, Field)


def option(options: Iterable[_O], code: str) -> _O:
    """The entry of ``options`` with ``code``; KeyError if there is none."""
    for candidate in options:
        if candidate.code == code:
            return candidate
    raise KeyError(code)


def codes(options: Iterable[Option | Family | Field]) -> tuple[str, ...]:
    """The codes of ``options``, in order."""
    return tuple(o.code for o in options)
