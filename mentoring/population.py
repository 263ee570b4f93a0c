"""Seeded, realistic populations of students and volunteers, for benchmarks and demos.

Big cities and popular fields are over-represented (professionals even more in Paris),
overseas departments are present, one person in ten speaks English only, most volunteers
mentor one student at a time, and students signed up over the last eight weeks.
As on Telegram, usernames are optional: some people have none, and some of those forbid
links to their account (the privacy setting "Forwarded messages: Nobody").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from mentoring import catalog, places
from mentoring.matching.batch import WaitingStudent
from mentoring.model import StudentProfile, VolunteerProfile

__all__ = ["Population", "generate"]

REFERENCE = datetime(2026, 9, 14, 9, 0, tzinfo=UTC)
"""When the generated students are waiting: the start of an academic year."""

STUDENT_IDS, VOLUNTEER_IDS = 100_000_000, 600_000_000
WITHOUT_USERNAME = 0.2  # of everyone
LINKS_FORBIDDEN = 0.5  # of those without a username: the case a link button fails on

# Relative weights; anything not listed weighs 0.4 (departments) or 1 (fields).
_CITIES = {
    "75": 12, "92": 5, "93": 4, "94": 4, "91": 3, "78": 3, "95": 2.5, "77": 2.5,
    "69": 6, "13": 5, "59": 5, "31": 4.5, "33": 4, "44": 3.5, "67": 3, "34": 3.5, "35": 3,
    "38": 2.5, "06": 2.5, "76": 2, "54": 1.8, "63": 1.5, "37": 1.3, "21": 1.2, "49": 1.2,
    "29": 1.2, "14": 1.2, "45": 1.2, "57": 1.3, "62": 1.5, "83": 1.3, "974": 1.2,
    "971": 0.5, "972": 0.5, "973": 0.3, "976": 0.3,
}
_PROFESSIONALS = {"75": 2.5, "92": 2.5, "69": 1.3}  # extra factor for volunteers
_STUDIES = {
    "law": 6, "management": 7, "economics": 4, "accounting": 3, "commerce": 4, "medicine": 6,
    "nursing": 4, "psychology": 5, "computer_sci": 6, "engineering": 4, "biology": 4,
    "languages": 3, "literature": 2, "history": 2, "sport": 3, "education": 2,
    "social_work": 2, "communication": 2, "marketing": 3, "design": 2,
}
_CAREERS = {
    "computer_sci": 8, "management": 8, "engineering": 6, "accounting": 5, "law": 5,
    "commerce": 4, "marketing": 4, "education": 4, "medicine": 3, "economics": 3,
}
_NEEDS = {"cv": 3, "internship": 3, "orientation": 3, "job_search": 2, "cover_letter": 2,
          "exams": 2, "organisation": 2, "homework": 1.5, "oral": 1, "moral_support": 1.5}
_SKILLS = {"cv": 4, "cover_letter": 3, "internship": 3, "job_search": 3, "orientation": 3,
           "oral": 2, "organisation": 2, "moral_support": 2, "exams": 1.5, "homework": 1}
_STUDENT_SLOTS = {"weekday_evening": 3, "saturday": 3, "weekday_afternoon": 2, "sunday": 2,
                  "weekday_noon": 1, "weekday_morning": 1}
_VOLUNTEER_SLOTS = {"weekday_evening": 4, "saturday": 3, "weekday_noon": 2, "sunday": 2,
                    "weekday_morning": 1, "weekday_afternoon": 1}
_LEVELS = {"licence_1": 5, "licence_2": 4, "licence_3": 4, "master_1": 3, "master_2": 2,
           "bts_but": 3, "lycee": 2, "bac_pro": 1, "cap_bep": 1, "prepa": 1,
           "grande_ecole": 1, "doctorate": 0.5, "not_studying": 0.5}
_SECTOR_OF_FAMILY = {
    "law_politics": "law", "business": "finance", "health": "health", "sciences": "education",
    "engineering": "it_digital", "arts": "media_culture", "humanities": "education",
    "society": "social_economy", "media": "media_culture", "agri_env": "energy_env",
    "trades": "construction",
}
_OTHER_LANGUAGES = ("es", "ar", "de", "it", "pt", "zh", "ru", "uk", "tr", "ro", "pl")

FIRST_NAMES = (
    "Léa", "Emma", "Chloé", "Manon", "Camille", "Inès", "Sarah", "Jade", "Louise", "Lina",
    "Zoé", "Clara", "Anaïs", "Mathilde", "Yasmine", "Nina", "Juliette", "Margaux", "Aïcha",
    "Eva", "Lucas", "Hugo", "Louis", "Nathan", "Enzo", "Théo", "Mathis", "Tom", "Yanis",
    "Karim", "Mehdi", "Adam", "Rayan", "Antoine", "Maxime", "Thomas", "Paul", "Julien",
    "Nicolas", "Alexandre", "Sophie", "Nathalie", "Isabelle", "Céline", "Claire", "Hélène",
    "Sandrine", "Marc", "Pierre", "François", "Olivier", "Laurent", "Stéphane", "Sébastien",
    "Fatou", "Moussa", "Ibrahim", "Mamadou", "Linh", "Mei",
)
_GOALS = (
    "Trouver un stage de fin d'études", "Réussir mes partiels de janvier",
    "Choisir mon master l'an prochain", "Préparer mes entretiens d'alternance",
    "Mieux organiser mes révisions", "Reprendre confiance à l'oral",
    "Décrocher mon premier emploi", "Savoir vers quel métier aller",
)
_BIOS = (
    "Vingt ans de métier, j'aime transmettre.", "J'ai été étudiant·e boursier·e, je sais ce "
    "que c'est.", "Je recrute des stagiaires chaque année.", "Ancien·ne prof, toujours "
    "curieux·se.", "Jeune diplômé·e, je me souviens bien de mes études.",
)
_PROFESSIONS = ("Ingénieur·e", "Juriste", "Comptable", "Chef·fe de projet", "Médecin",
                "Enseignant·e", "Développeur·se", "Commercial·e", "Infirmier·e", "Consultant·e")

Rng = np.random.Generator
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Population:
    students: list[WaitingStudent]
    volunteers: list[VolunteerProfile]
    # Telegram account details by user id: who has which username, who forbids links.
    usernames: dict[int, str] = field(default_factory=dict)
    links_forbidden: frozenset[int] = frozenset()

    def available(self) -> list[tuple[VolunteerProfile, int]]:
        """Every volunteer with their whole capacity free."""
        return [(v, v.capacity) for v in self.volunteers]


def _weights(codes: tuple[str, ...], chosen: Mapping[str, float], default: float) -> Floats:
    raw = np.array([chosen.get(code, default) for code in codes], dtype=np.float64)
    normalised: Floats = raw / raw.sum()
    return normalised


def _pick(rng: Rng, codes: tuple[str, ...], p: Floats, n: int) -> list[str]:
    return [codes[i] for i in rng.choice(len(codes), size=n, p=p)]


def _subsets(rng: Rng, weights: Mapping[str, float], sizes: tuple[float, ...], n: int
             ) -> list[list[str]]:
    """``n`` weighted samples without replacement, of 1, 2... items with ``sizes`` odds
    (Gumbel top-k: adding Gumbel noise to log-weights and sorting samples in proportion)."""
    codes = tuple(weights)
    keys = np.log(np.array(list(weights.values()))) + rng.gumbel(size=(n, len(codes)))
    order = np.argsort(-keys, axis=1)
    counts = rng.choice(np.arange(1, len(sizes) + 1), size=n, p=np.array(sizes) / sum(sizes))
    return [[codes[j] for j in row[:k]] for row, k in zip(order, counts, strict=True)]


def _languages(rng: Rng, n: int) -> list[list[str]]:
    english_only = rng.random(n) < 0.10
    english = rng.random(n) < 0.40
    other = rng.random(n) < 0.12
    extra = rng.choice(_OTHER_LANGUAGES, size=n)
    return [["en"] if english_only[i] else
            ["fr", *(["en"] if english[i] else []), *([str(extra[i])] if other[i] else [])]
            for i in range(n)]


def _postal_codes(rng: Rng, departments: list[str]) -> list[str | None]:
    """A plausible postal code for 70% of people (the others did not give one)."""
    given = rng.random(len(departments)) < 0.7
    suffixes = rng.integers(0, 10, size=len(departments)) * 10
    codes: list[str | None] = []
    for department, known, suffix in zip(departments, given, suffixes, strict=True):
        if not known:
            codes.append(None)
        elif department in ("2A", "2B"):
            codes.append("20000" if department == "2A" else "20200")
        else:
            codes.append(f"{department}{suffix:0{5 - len(department)}d}")
    return codes


def _any(rng: Rng, texts: tuple[str, ...], n: int) -> list[str]:
    return [texts[i] for i in rng.integers(0, len(texts), size=n)]


def _departments(rng: Rng, n: int, extra: dict[str, float]) -> list[str]:
    codes = tuple(d.code for d in places.DEPARTMENTS)
    weights = {code: _CITIES.get(code, 0.4) * extra.get(code, 1.0) for code in codes}
    return _pick(rng, codes, _weights(codes, weights, 0.4), n)


def _students(rng: Rng, n: int) -> list[WaitingStudent]:
    fields = catalog.codes(catalog.FIELDS)
    levels = tuple(_LEVELS)
    chosen = _pick(rng, fields, _weights(fields, _STUDIES, 1.0), n)
    departments = _departments(rng, n, {})
    needs = _subsets(rng, _NEEDS, (25, 35, 25, 15), n)
    slots = _subsets(rng, _STUDENT_SLOTS, (20, 35, 30, 15), n)
    languages = _languages(rng, n)
    level = _pick(rng, levels, _weights(levels, _LEVELS, 1.0), n)
    waited = rng.uniform(0, 56 * 24 * 3600, size=n)
    names, goals = _any(rng, FIRST_NAMES, n), _any(rng, _GOALS, n)
    postal_codes = _postal_codes(rng, departments)
    students = []
    for i in range(n):
        since = REFERENCE - timedelta(seconds=float(waited[i]))
        profile = StudentProfile(
            user_id=STUDENT_IDS + i, first_name=names[i], field=chosen[i], level=level[i],
            department=departments[i], postal_code=postal_codes[i], needs=needs[i],
            languages=languages[i], availability=slots[i], goals=goals[i], completed_at=since)
        students.append(WaitingStudent(profile, since))
    return students


def _volunteers(rng: Rng, n: int) -> list[VolunteerProfile]:
    fields = catalog.codes(catalog.FIELDS)
    families = catalog.codes(catalog.FAMILIES)
    chosen = _pick(rng, fields, _weights(fields, _CAREERS, 1.0), n)
    departments = _departments(rng, n, _PROFESSIONALS)
    skills = _subsets(rng, _SKILLS, (10, 25, 30, 20, 10, 5), n)
    slots = _subsets(rng, _VOLUNTEER_SLOTS, (25, 35, 25, 15), n)
    helps = _subsets(rng, dict.fromkeys(families, 1.0), (40, 40, 20), n)
    capacities = rng.choice(catalog.CAPACITIES, size=n, p=(0.60, 0.28, 0.12))
    remote = rng.random(n) < 0.65
    languages = _languages(rng, n)
    joined = rng.uniform(0, 365 * 24 * 3600, size=n)
    names, bios = _any(rng, FIRST_NAMES, n), _any(rng, _BIOS, n)
    professions, postal_codes = _any(rng, _PROFESSIONS, n), _postal_codes(rng, departments)
    volunteers = []
    for i in range(n):
        own = catalog.field(chosen[i]).family
        volunteers.append(VolunteerProfile(
            user_id=VOLUNTEER_IDS + i, first_name=names[i], profession=professions[i],
            sector=_SECTOR_OF_FAMILY[own],
            field=chosen[i], help_families=[f for f in helps[i][1:] if f != own],
            department=departments[i], postal_code=postal_codes[i],
            remote=bool(remote[i]), skills=skills[i], languages=languages[i],
            capacity=int(capacities[i]), availability=slots[i], bio=bios[i],
            completed_at=REFERENCE - timedelta(seconds=float(joined[i]))))
    return volunteers


def _accounts(seed: int, people: list[tuple[int, str]]) -> tuple[dict[int, str], frozenset[int]]:
    # A stream of its own, so that adding accounts left every profile as it was.
    rng = np.random.default_rng([seed, 1])
    draws = rng.random((len(people), 2))
    usernames, forbidden = {}, set()
    for (user_id, first_name), (no_username, no_links) in zip(people, draws, strict=True):
        if no_username >= WITHOUT_USERNAME:
            usernames[user_id] = f"{_ascii(first_name)}_{user_id % 100_000:05d}"
        elif no_links < LINKS_FORBIDDEN:
            forbidden.add(user_id)
    return usernames, frozenset(forbidden)


def _ascii(name: str) -> str:
    """A name as Telegram usernames allow it: lower-case ASCII letters only."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if "a" <= c <= "z") or "user"


def generate(students: int, volunteers: int, seed: int) -> Population:
    """A population of ``students`` waiting students and ``volunteers`` volunteers; the
    same ``seed`` gives the same population."""
    rng = np.random.default_rng(seed)
    waiting, mentors = _students(rng, students), _volunteers(rng, volunteers)
    people = [(s.profile.user_id, s.profile.first_name) for s in waiting]
    people += [(v.user_id, v.first_name) for v in mentors]
    usernames, forbidden = _accounts(seed, people)
    return Population(waiting, mentors, usernames, forbidden)
