"""French regions and departments, and a forgiving parser for "where do you live?".

The reference data ships as package data (``mentoring/data/regions.csv`` and
``mentoring/data/departments.csv``: the 18 regions with their INSEE codes and the 101
departments, overseas included) and is loaded once, at import time.

:func:`parse_place` accepts what people actually type: a postal code (``"69003"``,
``"69003 Lyon"``), a department number (``"1"``, ``"01"``, ``"2a"``, ``"974"``), a
department name typed loosely (``"seine st denis"``, ``"Côtes d'Armor"``, ``"reunion"``) or
one of the largest cities (``"Lyon"``, ``"Saint-Étienne"``). Anything else raises
:class:`PlaceError` whose :attr:`~PlaceError.reason` says why.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from types import MappingProxyType
from typing import TypeAlias

from mentoring.text import fold

__all__ = [
    "DEPARTMENTS",
    "REGIONS",
    "Department",
    "Place",
    "PlaceError",
    "PlaceErrorReason",
    "Region",
    "department",
    "departments_in",
    "parse_place",
    "region",
]


class PlaceErrorReason(StrEnum):
    """Why :func:`parse_place` refused a text. The values are stable strings."""

    EMPTY = "empty"
    UNKNOWN_POSTAL_CODE = "unknown_postal_code"
    UNKNOWN_DEPARTMENT = "unknown_department"
    CORSICA_AMBIGUOUS = "corsica_ambiguous"
    NOT_FRANCE = "not_france"


class PlaceError(ValueError):
    """Raised by :func:`parse_place`; ``reason`` is a :class:`PlaceErrorReason`."""

    def __init__(self, reason: PlaceErrorReason | str, text: str = "") -> None:
        self.reason = PlaceErrorReason(reason)
        self.text = text
        super().__init__(self.reason.value)


@dataclass(frozen=True)
class Region:
    code: str
    name: str


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    region: Region


@dataclass(frozen=True)
class Place:
    department: Department
    postal_code: str | None = None

    @property
    def region(self) -> Region:
        return self.department.region


# --------------------------------------------------------------------------- data


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("mentoring").joinpath("data").joinpath(name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _load() -> tuple[tuple[Region, ...], tuple[Department, ...]]:
    regions = tuple(Region(row["code"], row["name"]) for row in _read_csv("regions.csv"))
    by_code = {r.code: r for r in regions}
    departments = tuple(
        Department(row["code"], row["name"], by_code[row["region_code"]])
        for row in _read_csv("departments.csv")
    )
    return regions, departments


REGIONS: tuple[Region, ...]
DEPARTMENTS: tuple[Department, ...]
REGIONS, DEPARTMENTS = _load()

_REGIONS_BY_CODE: Mapping[str, Region] = MappingProxyType({r.code: r for r in REGIONS})
_DEPARTMENTS_BY_CODE: Mapping[str, Department] = MappingProxyType(
    {d.code: d for d in DEPARTMENTS}
)


def region(code: str) -> Region:
    """The region with INSEE ``code`` (``"84"``, ``"04"``); KeyError if there is none."""
    return _REGIONS_BY_CODE[code]


def department(code: str) -> Department:
    """The department with canonical ``code`` (``"01"``, ``"2A"``, ``"974"``); KeyError if none."""
    return _DEPARTMENTS_BY_CODE[code]


def departments_in(region_code: str) -> tuple[Department, ...]:
    """The departments of a region, in code order; KeyError for an unknown region."""
    region(region_code)
    return tuple(d for d in DEPARTMENTS if d.region.code == region_code)


# ------------------------------------------------------------------ name matching

# Overseas "departments" that are not among the 101: Saint-Pierre-et-Miquelon (975),
# Saint-Barthélemy and Saint-Martin (977, 978), and the 98x collectivities.
_NOT_FRANCE_NUMBERS = frozenset({"975", "977", "978", "984", "986", "987", "988"})

_ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "sts": "saints",
    "hte": "haute",
    "htes": "hautes",
}
_ARTICLES = frozenset({"la", "le", "les", "l"})
_DEPARTMENT_WORDS = frozenset({"departement", "dept", "dpt", "dep", "department"})
_LINK_WORDS = frozenset({"du", "de", "des", "d", "la", "le", "les", "l", "of", "the"})
_ARRONDISSEMENT_CITIES = frozenset({"paris", "lyon", "marseille"})

_EXTRA_DEPARTMENT_NAMES: dict[str, tuple[str, ...]] = {
    "90": ("Belfort",),
    "973": ("Guyane française", "French Guiana"),
    "974": ("Réunion", "Île de La Réunion", "La Réunion île", "Reunion Island"),
    "2A": ("Corse du Sud", "Corse Sud", "South Corsica"),
    "2B": ("Haute Corse", "Upper Corsica"),
}

# The largest cities (and a few prefectures people name instead of their department).
# Saint-Denis is left out on purpose: it exists in 93 and in 974.
_CITIES: dict[str, str] = {
    "Paris": "75",
    "Marseille": "13",
    "Lyon": "69",
    "Toulouse": "31",
    "Nice": "06",
    "Nantes": "44",
    "Montpellier": "34",
    "Strasbourg": "67",
    "Bordeaux": "33",
    "Lille": "59",
    "Rennes": "35",
    "Reims": "51",
    "Toulon": "83",
    "Saint-Étienne": "42",
    "Le Havre": "76",
    "Grenoble": "38",
    "Dijon": "21",
    "Angers": "49",
    "Nîmes": "30",
    "Villeurbanne": "69",
    "Clermont-Ferrand": "63",
    "Le Mans": "72",
    "Aix-en-Provence": "13",
    "Brest": "29",
    "Tours": "37",
    "Amiens": "80",
    "Limoges": "87",
    "Annecy": "74",
    "Perpignan": "66",
    "Boulogne-Billancourt": "92",
    "Metz": "57",
    "Besançon": "25",
    "Orléans": "45",
    "Rouen": "76",
    "Argenteuil": "95",
    "Montreuil": "93",
    "Mulhouse": "68",
    "Caen": "14",
    "Nancy": "54",
    "Versailles": "78",
    "Nanterre": "92",
    "Créteil": "94",
    "Poitiers": "86",
    "Pau": "64",
    "La Rochelle": "17",
    "Avignon": "84",
    "Ajaccio": "2A",
    "Bastia": "2B",
    "Pointe-à-Pitre": "971",
    "Fort-de-France": "972",
    "Cayenne": "973",
    "Mamoudzou": "976",
}

_NOT_FRANCE_NAMES = (
    "Saint-Pierre-et-Miquelon",
    "Saint-Barthélemy",
    "Saint-Martin",
    "Nouvelle-Calédonie",
    "New Caledonia",
    "Polynésie française",
    "French Polynesia",
    "Tahiti",
    "Wallis-et-Futuna",
    "Monaco",
    "Belgique",
    "Belgium",
    "Suisse",
    "Switzerland",
    "Luxembourg",
    "Andorre",
    "Andorra",
)

_AMBIGUOUS_NAMES = ("Corse", "Corsica")

_Target: TypeAlias = Department | PlaceErrorReason


def _tokens(text: str) -> list[str]:
    return [_ABBREVIATIONS.get(word, word) for word in fold(text).split()]


def _keys(text: str) -> list[str]:
    """The forms under which a name is indexed and looked up, most precise first."""
    words = _tokens(text)
    forms = [words]
    if len(words) > 1 and words[0] in _ARTICLES:
        forms.append(words[1:])
    keys: list[str] = []
    for form in forms:
        for key in (" ".join(form), "".join(form)):
            if key and key not in keys:
                keys.append(key)
    return keys


def _build_index() -> dict[str, _Target]:
    index: dict[str, _Target] = {}

    def add(name: str, target: _Target) -> None:
        for key in _keys(name):
            index.setdefault(key, target)

    # Official names win over every alias, aliases over cities.
    for dep in DEPARTMENTS:
        add(dep.name, dep)
    for code, names in _EXTRA_DEPARTMENT_NAMES.items():
        for name in names:
            add(name, _DEPARTMENTS_BY_CODE[code])
    for name in _AMBIGUOUS_NAMES:
        add(name, PlaceErrorReason.CORSICA_AMBIGUOUS)
    for name in _NOT_FRANCE_NAMES:
        add(name, PlaceErrorReason.NOT_FRANCE)
    for name, code in _CITIES.items():
        add(name, _DEPARTMENTS_BY_CODE[code])
    return index


_NAME_INDEX: Mapping[str, _Target] = MappingProxyType(_build_index())

_ARRONDISSEMENT = re.compile(r"\d{1,2}(?:e|eme|er|ieme)?")


def _by_name(text: str) -> _Target | None:
    for key in _keys(text):
        target = _NAME_INDEX.get(key)
        if target is not None:
            return target
    words = _tokens(text)
    if len(words) > 1 and words[0] in _DEPARTMENT_WORDS:  # "département du Rhône"
        rest = words[1:]
        while len(rest) > 1 and rest[0] in _LINK_WORDS:
            rest = rest[1:]
        return _by_name(" ".join(rest))
    if (  # "Paris 15e", "Lyon 3", "Marseille 13eme"
        len(words) == 2
        and words[0] in _ARRONDISSEMENT_CITIES
        and _ARRONDISSEMENT.fullmatch(words[1])
    ):
        return _by_name(words[0])
    return None


# ---------------------------------------------------------------- codes and numbers

_POSTAL_FIRST = re.compile(r"(\d{5}|\d{2} \d{3})(?:[\s,;:/(\-].*)?", re.DOTALL)
_POSTAL_LAST = re.compile(r".*\D\(?(\d{5})\)?", re.DOTALL)
_NUMBER = re.compile(r"\d{1,3}|2[ab]", re.IGNORECASE)
_NUMBER_FIRST = re.compile(
    r"(\d{1,3}|2[ab])(?:\s*[-–—:,.)]\s*|\s+)(\D.*)", re.IGNORECASE | re.DOTALL
)
_NUMBER_LAST = re.compile(
    r"(.*\D)(?:\s*[(\-–—,:]\s*|\s+)(\d{1,3}|2[ab])\s*\)?", re.IGNORECASE | re.DOTALL
)


def _by_postal_code(code: str) -> Place:
    prefix = code[:2]
    if prefix == "97":
        dep = _DEPARTMENTS_BY_CODE.get(code[:3])
        if dep is not None:
            return Place(dep, code)
        if code[:3] in _NOT_FRANCE_NUMBERS:
            raise PlaceError(PlaceErrorReason.NOT_FRANCE, code)
        raise PlaceError(PlaceErrorReason.UNKNOWN_POSTAL_CODE, code)
    if prefix == "98":  # Monaco and the Pacific collectivities
        raise PlaceError(PlaceErrorReason.NOT_FRANCE, code)
    if prefix == "20":  # Corsica: 200xx-201xx Corse-du-Sud, 202xx-206xx Haute-Corse
        third = code[2]
        if third in "01":
            return Place(_DEPARTMENTS_BY_CODE["2A"], code)
        if third in "23456":
            return Place(_DEPARTMENTS_BY_CODE["2B"], code)
        raise PlaceError(PlaceErrorReason.UNKNOWN_POSTAL_CODE, code)
    dep = _DEPARTMENTS_BY_CODE.get(prefix)
    if dep is None:
        raise PlaceError(PlaceErrorReason.UNKNOWN_POSTAL_CODE, code)
    return Place(dep, code)


def _by_number(number: str) -> _Target:
    code = number.upper()
    if code.isdigit() and int(code) < 100:
        code = f"{int(code):02d}"
    if code == "20":
        return PlaceErrorReason.CORSICA_AMBIGUOUS
    dep = _DEPARTMENTS_BY_CODE.get(code)
    if dep is not None:
        return dep
    if code in _NOT_FRANCE_NUMBERS:
        return PlaceErrorReason.NOT_FRANCE
    return PlaceErrorReason.UNKNOWN_DEPARTMENT


def _combine(number: str, name: str) -> _Target:
    """ "69 Rhône", "Lyon (69)", "20 Ajaccio": a number and a name that should agree."""
    by_number = _by_number(number)
    by_name = _by_name(name)
    if not isinstance(by_name, Department):
        return by_number  # a town we don't know: trust the number
    if by_number == by_name:
        return by_name
    if by_number is PlaceErrorReason.CORSICA_AMBIGUOUS and by_name.code in ("2A", "2B"):
        return by_name
    return PlaceErrorReason.UNKNOWN_DEPARTMENT


def _place(target: _Target | None, text: str) -> Place:
    if target is None:
        raise PlaceError(PlaceErrorReason.UNKNOWN_DEPARTMENT, text)
    if isinstance(target, PlaceErrorReason):
        raise PlaceError(target, text)
    return Place(target)


def parse_place(text: str) -> Place:
    """Understand a French place typed by a user, down to the department.

    Raises :class:`PlaceError` with reason ``empty``, ``unknown_postal_code``,
    ``unknown_department``, ``corsica_ambiguous`` (``"20"``, ``"Corse"``) or
    ``not_france`` (postal codes and numbers of Saint-Pierre-et-Miquelon, Saint-Barthélemy,
    Saint-Martin, Monaco and the Pacific collectivities, a few neighbouring countries).
    """
    stripped = " ".join(text.split())
    if not fold(stripped):
        raise PlaceError(PlaceErrorReason.EMPTY, text)

    match = _POSTAL_FIRST.fullmatch(stripped) or _POSTAL_LAST.fullmatch(stripped)
    if match:
        return _by_postal_code(match.group(1).replace(" ", ""))

    if _NUMBER.fullmatch(stripped):
        return _place(_by_number(stripped), text)

    target = _by_name(stripped)
    if target is None and (match := _NUMBER_FIRST.fullmatch(stripped)):
        target = _combine(match.group(1), match.group(2))
    if target is None and (match := _NUMBER_LAST.fullmatch(stripped)):
        target = _combine(match.group(2), match.group(1))
    return _place(target, text)
