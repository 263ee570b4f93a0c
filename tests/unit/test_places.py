"""French regions and departments, and parse_place."""

import pytest

from mentoring import places
from mentoring.places import (
    DEPARTMENTS,
    REGIONS,
    Department,
    Place,
    PlaceError,
    PlaceErrorReason,
    Region,
    department,
    departments_in,
    parse_place,
    region,
)

OVERSEAS = {"971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion",
            "976": "Mayotte"}


def code_of(text: str) -> str:
    return parse_place(text).department.code


def reason_of(text: str) -> str:
    with pytest.raises(PlaceError) as caught:
        parse_place(text)
    return caught.value.reason


# --------------------------------------------------------------------------- data


def test_there_are_101_departments_and_18_regions() -> None:
    assert len(DEPARTMENTS) == 101
    assert len(REGIONS) == 18
    assert len({d.code for d in DEPARTMENTS}) == 101
    assert len({r.code for r in REGIONS}) == 18
    assert len({d.name for d in DEPARTMENTS}) == 101


def test_department_codes() -> None:
    expected = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"} | set(OVERSEAS)
    assert {d.code for d in DEPARTMENTS} == expected
    assert all(d.code.isascii() and len(d.code) <= 16 for d in DEPARTMENTS)


def test_every_department_is_in_a_known_region_and_every_region_has_one() -> None:
    for d in DEPARTMENTS:
        assert region(d.region.code) is d.region
    assert {d.region.code for d in DEPARTMENTS} == {r.code for r in REGIONS}
    assert sum(len(departments_in(r.code)) for r in REGIONS) == 101


def test_region_codes_and_names() -> None:
    assert region("84").name == "Auvergne-Rhône-Alpes"
    assert region("11").name == "Île-de-France"
    assert region("94").name == "Corse"
    assert region("93").name == "Provence-Alpes-Côte d'Azur"
    assert {r.code for r in REGIONS} == {
        "01", "02", "03", "04", "06",
        "11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94",
    }  # fmt: skip
    assert len(departments_in("76")) == 13  # Occitanie
    assert len(departments_in("11")) == 8  # Île-de-France
    assert [d.code for d in departments_in("94")] == ["2A", "2B"]


def test_department_names_and_regions() -> None:
    assert department("69").name == "Rhône"
    assert department("69").region.name == "Auvergne-Rhône-Alpes"
    assert department("2A").name == "Corse-du-Sud"
    assert department("2B").name == "Haute-Corse"
    assert department("93").name == "Seine-Saint-Denis"
    assert department("22").name == "Côtes-d'Armor"
    for code, name in OVERSEAS.items():
        assert department(code).name == name
        assert department(code).region.name == name


def test_unknown_codes_raise_key_error() -> None:
    for code in ("20", "00", "96", "975", "1"):
        with pytest.raises(KeyError):
            department(code)
    with pytest.raises(KeyError):
        region("99")
    with pytest.raises(KeyError):
        departments_in("99")


def test_place_region_and_immutability() -> None:
    place = Place(department("35"), "35000")
    assert place.region == Region("53", "Bretagne")
    with pytest.raises(AttributeError):
        place.postal_code = "35200"  # type: ignore[misc]
    assert isinstance(place.department, Department)


# ------------------------------------------------------------------- postal codes


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("69003", "69"),
        ("75001", "75"),
        ("01000", "01"),
        ("13008", "13"),
        ("95000", "95"),
        ("20000", "2A"),  # Ajaccio
        ("20100", "2A"),
        ("20167", "2A"),
        ("20200", "2B"),  # Bastia
        ("20600", "2B"),
        ("20290", "2B"),
        ("97110", "971"),
        ("97200", "972"),
        ("97300", "973"),
        ("97400", "974"),
        ("97600", "976"),
    ],
)
def test_postal_codes(text: str, code: str) -> None:
    place = parse_place(text)
    assert place.department.code == code
    assert place.postal_code == text


def test_postal_code_with_town_and_spaces() -> None:
    place = parse_place("  69003 Lyon ")
    assert place == Place(department("69"), "69003")
    assert place.region.code == "84"
    assert parse_place("33000 Bordeaux").department.code == "33"
    assert parse_place("97400 Saint-Denis").department.code == "974"
    assert parse_place("Lyon 69003").postal_code == "69003"
    assert parse_place("75 001").postal_code == "75001"


@pytest.mark.parametrize("text", ["97500", "97700", "97800", "98000", "98800", "98600"])
def test_postal_codes_outside_the_101_departments(text: str) -> None:
    assert reason_of(text) == "not_france"


@pytest.mark.parametrize("text", ["00000", "00100", "96000", "99000", "97000", "97900", "20700"])
def test_postal_codes_that_match_no_department(text: str) -> None:
    assert reason_of(text) == "unknown_postal_code"


# ----------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1", "01"),
        ("01", "01"),
        ("9", "09"),
        ("75", "75"),
        ("2a", "2A"),
        ("2A", "2A"),
        ("2b", "2B"),
        ("2B", "2B"),
        ("971", "971"),
        ("974", "974"),
        ("976", "976"),
        (" 13 ", "13"),
    ],
)
def test_department_numbers(text: str, code: str) -> None:
    place = parse_place(text)
    assert place.department.code == code
    assert place.postal_code is None


def test_twenty_is_ambiguous() -> None:
    assert reason_of("20") == "corsica_ambiguous"
    assert reason_of("Corse") == "corsica_ambiguous"


@pytest.mark.parametrize("text", ["0", "00", "96", "99", "970", "979", "123", "1234", "123456"])
def test_unknown_numbers(text: str) -> None:
    assert reason_of(text) == "unknown_department"


@pytest.mark.parametrize("text", ["975", "977", "978", "987", "988"])
def test_numbers_of_places_outside_the_101(text: str) -> None:
    assert reason_of(text) == "not_france"


# ------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Rhône", "69"),
        ("rhone", "69"),
        ("RHONE", "69"),
        ("Seine-Saint-Denis", "93"),
        ("Seine-St-Denis", "93"),
        ("seine saint denis", "93"),
        ("seine st denis", "93"),
        ("Côtes-d'Armor", "22"),
        ("Côtes d'Armor", "22"),
        ("cotes darmor", "22"),
        ("Côte-d'Or", "21"),
        ("Val-d'Oise", "95"),
        ("val d oise", "95"),
        ("La Réunion", "974"),
        ("reunion", "974"),
        ("Guyane", "973"),
        ("Finistère", "29"),
        ("finistere", "29"),
        ("Hte-Garonne", "31"),
        ("Haute Garonne", "31"),
        ("Territoire de Belfort", "90"),
        ("Corse-du-Sud", "2A"),
        ("haute corse", "2B"),
        ("Pyrénées-Atlantiques", "64"),
        ("puy de dome", "63"),
        ("Ille-et-Vilaine", "35"),
        ("les Landes", "40"),
        ("département du Rhône", "69"),
    ],
)
def test_department_names(text: str, code: str) -> None:
    place = parse_place(text)
    assert place.department.code == code
    assert place.postal_code is None


def test_every_official_name_parses_with_and_without_accents() -> None:
    from mentoring.text import fold

    for d in DEPARTMENTS:
        assert code_of(d.name) == d.code, d.name
        assert code_of(fold(d.name)) == d.code, d.name
        assert code_of(d.name.upper()) == d.code, d.name


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Paris", "75"),
        ("Marseille", "13"),
        ("Lyon", "69"),
        ("Toulouse", "31"),
        ("Nice", "06"),
        ("Nantes", "44"),
        ("Montpellier", "34"),
        ("Strasbourg", "67"),
        ("Bordeaux", "33"),
        ("Lille", "59"),
        ("Rennes", "35"),
        ("Reims", "51"),
        ("Toulon", "83"),
        ("Saint-Étienne", "42"),
        ("saint etienne", "42"),
        ("St-Etienne", "42"),
        ("Le Havre", "76"),
        ("Grenoble", "38"),
        ("Dijon", "21"),
        ("Angers", "49"),
        ("Nîmes", "30"),
        ("nimes", "30"),
        ("Villeurbanne", "69"),
        ("Clermont-Ferrand", "63"),
        ("clermont ferrand", "63"),
        ("Ajaccio", "2A"),
        ("Bastia", "2B"),
        ("Paris 15e", "75"),
        ("Lyon 3e", "69"),
    ],
)
def test_cities(text: str, code: str) -> None:
    assert code_of(text) == code


def test_department_names_win_over_city_names() -> None:
    assert code_of("Vienne") == "86"  # the department, not the town in Isère


@pytest.mark.parametrize(
    ("text", "code"),
    [("69 Rhône", "69"), ("69 - Rhône", "69"), ("Lyon (69)", "69"), ("Ajaccio (20)", "2A"),
     ("20 Bastia", "2B")],
)
def test_number_and_name_together(text: str, code: str) -> None:
    assert code_of(text) == code


def test_number_and_name_that_disagree() -> None:
    assert reason_of("13 Lyon") == "unknown_department"


# ------------------------------------------------------------------------ errors


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty(text: str) -> None:
    assert reason_of(text) == "empty"


@pytest.mark.parametrize("text", ["Berlin", "France", "xyz", "Île-de-France", "Saint-Denis", "2C"])
def test_unknown_department(text: str) -> None:
    assert reason_of(text) == "unknown_department"


def test_foreign_places() -> None:
    assert reason_of("Monaco") == "not_france"
    assert reason_of("Saint-Pierre-et-Miquelon") == "not_france"


def test_place_error_carries_a_stable_reason() -> None:
    with pytest.raises(PlaceError) as caught:
        parse_place("20")
    error = caught.value
    assert error.reason is PlaceErrorReason.CORSICA_AMBIGUOUS
    assert error.reason == "corsica_ambiguous"
    assert str(error.reason) == "corsica_ambiguous"
    assert str(error) == "corsica_ambiguous"
    assert error.text == "20"
    assert isinstance(error, ValueError)
    assert {r.value for r in PlaceErrorReason} == {
        "empty", "unknown_postal_code", "unknown_department", "corsica_ambiguous", "not_france",
    }  # fmt: skip


def test_data_is_loaded_once() -> None:
    assert places.DEPARTMENTS is DEPARTMENTS
    assert department("75") is department("75")
    assert parse_place("75").department is department("75")
