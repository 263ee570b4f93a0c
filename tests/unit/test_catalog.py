"""The programme's vocabulary: codes, fields of study, search and translations."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from mentoring import catalog
from mentoring.catalog import (
    AVAILABILITY,
    CAPACITIES,
    FAMILIES,
    FIELDS,
    LANGUAGES,
    LEVELS,
    NEEDS,
    SECTORS,
    Family,
    Field,
    Option,
    codes,
    family,
    field,
    fields_in,
    option,
    search_fields,
)

LOCALES = Path(__file__).resolve().parents[2] / "locales"
CODE = re.compile(r"[a-z0-9_]+")
# The one code longer than 16 characters, named so by the programme's specification;
# "ans:availability:toggle:weekday_afternoon" is 41 bytes, far below Telegram's 64.
LONG_CODES = {"weekday_afternoon": 17}

OPTION_LISTS = {
    "LEVELS": LEVELS,
    "NEEDS": NEEDS,
    "LANGUAGES": LANGUAGES,
    "AVAILABILITY": AVAILABILITY,
    "SECTORS": SECTORS,
}
EVERYTHING: dict[str, tuple[Option, ...] | tuple[Family, ...] | tuple[Field, ...]] = {
    **OPTION_LISTS,
    "FAMILIES": FAMILIES,
    "FIELDS": FIELDS,
}


def all_labels() -> set[str]:
    return {entry.label for entries in EVERYTHING.values() for entry in entries}


# ------------------------------------------------------------------------- codes


@pytest.mark.parametrize("name", sorted(EVERYTHING))
def test_codes_are_unique_and_fit_in_callback_data(name: str) -> None:
    found = codes(EVERYTHING[name])
    assert found, name
    assert len(set(found)) == len(found), name
    for code in found:
        assert CODE.fullmatch(code), (name, code)
        assert code.isascii()
        assert len(code.encode()) <= LONG_CODES.get(code, 16), (name, code)


@pytest.mark.parametrize("name", sorted(EVERYTHING))
def test_labels_are_non_empty_stripped_and_unique_within_a_list(name: str) -> None:
    labels = [entry.label for entry in EVERYTHING[name]]
    assert all(label and label == label.strip() for label in labels)
    assert len(set(labels)) == len(labels), name


def test_needs_are_exactly_the_ten_of_the_programme() -> None:
    assert codes(NEEDS) == (
        "homework",
        "organisation",
        "exams",
        "oral",
        "cv",
        "cover_letter",
        "internship",
        "job_search",
        "orientation",
        "moral_support",
    )
    assert [n.label for n in NEEDS] == [
        "Homework and courses",
        "Study organisation",
        "Exam preparation",
        "Oral practice",
        "CV review",
        "Cover letter",
        "Internship search",
        "Job search",
        "Orientation",
        "Moral support",
    ]


def test_simple_lists_have_the_expected_shape() -> None:
    assert 8 <= len(LEVELS) <= 14
    assert {"lycee", "bac_pro", "bts_but", "licence_1", "master_2", "not_studying"} <= set(
        codes(LEVELS)
    )
    assert codes(AVAILABILITY) == (
        "weekday_morning",
        "weekday_noon",
        "weekday_afternoon",
        "weekday_evening",
        "saturday",
        "sunday",
    )
    assert {"fr", "en", "es", "de", "it", "pt", "ar", "zh", "ru", "tr", "ro", "pl"} <= set(
        codes(LANGUAGES)
    )
    assert option(LANGUAGES, "fr").label == "French"
    assert option(LANGUAGES, "en").label == "English"
    assert len(SECTORS) >= 14
    assert CAPACITIES == (1, 2, 3)


def test_option_and_codes() -> None:
    assert option(NEEDS, "cv") == Option("cv", "CV review")
    assert codes(AVAILABILITY)[0] == "weekday_morning"
    with pytest.raises(KeyError):
        option(NEEDS, "nope")
    assert option(FAMILIES, "health") == family("health")


def test_options_are_frozen() -> None:
    with pytest.raises(AttributeError):
        NEEDS[0].code = "other"  # type: ignore[misc]


# ----------------------------------------------------------------- fields of study


def test_there_are_enough_fields_and_families() -> None:
    assert len(FIELDS) >= 35
    assert len(FAMILIES) >= 8
    assert len({f.family for f in FIELDS}) >= 8


def test_every_field_is_in_a_known_family_and_every_family_has_fields() -> None:
    family_codes = set(codes(FAMILIES))
    for f in FIELDS:
        assert f.family in family_codes, f
    for fam in FAMILIES:
        assert fields_in(fam.code), fam
    assert sum(len(fields_in(fam.code)) for fam in FAMILIES) == len(FIELDS)


def test_field_codes_do_not_clash_across_the_catalogue() -> None:
    assert not set(codes(FIELDS)) & set(codes(SECTORS)) - {
        "law",
        "health",
        "commerce",
        "education",
        "hospitality",
        "agriculture",
        "construction",
    }


def test_keywords_are_lower_case_and_searchable() -> None:
    for f in FIELDS:
        assert f.keywords, f.code
        for keyword in f.keywords:
            assert keyword == keyword.lower().strip(), (f.code, keyword)
            assert len(keyword) >= 2, (f.code, keyword)


def test_expected_fields_are_present() -> None:
    expected = {
        "law",
        "economics",
        "medicine",
        "nursing",
        "psychology",
        "computer_sci",
        "mathematics",
        "physics",
        "chemistry",
        "biology",
        "architecture",
        "design",
        "music",
        "languages",
        "literature",
        "history",
        "geography",
        "sociology",
        "political_sci",
        "education",
        "sport",
        "communication",
        "journalism",
        "marketing",
        "accounting",
        "commerce",
        "hospitality",
        "agriculture",
        "environment",
        "social_work",
        "pharmacy",
        "physiotherapy",
        "construction",
        "electricity",
        "auto_mechanics",
        "beauty",
        "cooking",
    }
    assert expected <= set(codes(FIELDS))


def test_lookups() -> None:
    assert field("law").label == "Law"
    assert field("law").family == "law_politics"
    assert family("health").label == "Health"
    assert all(f.family == "trades" for f in fields_in("trades"))
    with pytest.raises(KeyError):
        field("astrology")
    with pytest.raises(KeyError):
        family("nope")
    with pytest.raises(KeyError):
        fields_in("nope")


# ------------------------------------------------------------------------- search


def found(query: str, **kwargs: object) -> list[str]:
    return [f.code for f in search_fields(query, **kwargs)]  # type: ignore[arg-type]


def test_a_few_letters_in_french_find_the_field() -> None:
    assert found("dro")[0] == "law"
    assert found("info")[0] == "computer_sci"
    assert found("Informatique")[0] == "computer_sci"
    assert found("kiné")[0] == "physiotherapy"
    assert found("STAPS") == ["sport"]
    assert found("sciences po")[0] == "political_sci"
    assert found("génie civil")[0] == "civil_eng"


def test_english_words_find_the_field_too() -> None:
    assert found("law")[0] == "law"
    assert found("lawyer") == ["law"]
    assert found("computer")[0] == "computer_sci"
    assert found("nurse") == ["nursing"]
    assert found("med")[0] == "medicine"


def test_label_matches_rank_above_keyword_and_substring_matches() -> None:
    results = found("psy")
    assert results[0] == "psychology"
    # "it" is an exact keyword for computer science and a mere substring elsewhere.
    assert found("it")[0] == "computer_sci"


def test_ties_are_alphabetical_and_results_deterministic() -> None:
    results = search_fields("cap", limit=20)
    trades = [f for f in results if f.family == "trades"]
    assert [f.label for f in trades] == sorted(f.label for f in trades)
    assert search_fields("ar", limit=50) == search_fields("ar", limit=50)


def test_translated_labels_are_searched() -> None:
    french = {"Music": "Zzmusique", "Law": "Droit", "Computer science": "Informatique"}

    def label_of(label: str) -> str:
        return french.get(label, label)

    assert found("zzmus") == []
    assert found("zzmus", label_of=label_of) == ["music"]
    assert found("zzmusique", label_of=label_of) == ["music"]
    # English labels keep working whatever the user's language.
    assert found("music", label_of=label_of) == ["music"]


def test_ties_are_broken_by_the_translated_label() -> None:
    labels = {"Building trades": "Zz bâtiment", "Cooking and baking": "Aa cuisine"}

    def label_of(label: str) -> str:
        return labels.get(label, label)

    results = [f.code for f in search_fields("cap", label_of=label_of, limit=20)]
    assert results.index("cooking") < results.index("construction")


def test_queries_are_folded() -> None:
    assert found("ÉCONOMIE")[0] == "economics"
    assert found("  génie   CIVIL ")[0] == "civil_eng"
    assert found("psychologie") == found("Psychologie")


def test_short_and_empty_queries_find_nothing() -> None:
    assert found("") == []
    assert found("d") == []
    assert found("é") == []
    assert found(" - ") == []
    assert found("zzzz") == []


def test_limit() -> None:
    assert len(search_fields("ar")) <= 8
    assert len(search_fields("ar", limit=3)) == 3
    assert search_fields("ar", limit=0) == []
    assert search_fields("ar", limit=3) == search_fields("ar", limit=8)[:3]


def test_search_returns_field_objects() -> None:
    assert search_fields("droit") == [catalog.field("law")]


# ------------------------------------------------------------------- translations


def read_catalogue(lang: str) -> dict[str, str]:
    with open(LOCALES / lang / "LC_MESSAGES" / "binome.po", "rb") as fh:
        po = read_po(fh, locale=lang, domain="binome")
    return {m.id: m.string for m in po if m.id and isinstance(m.id, str)}


def test_every_label_has_a_french_translation() -> None:
    fr = read_catalogue("fr")
    for label in all_labels():
        assert fr.get(label), label
    assert fr["Law"] == "Droit"
    assert fr["Computer science"] == "Informatique"
    assert fr["Homework and courses"] == "Aide aux devoirs et aux cours"
    assert fr["Moral support"] == "Soutien moral"
    assert fr["French"] == "Français"
    assert fr["Weekdays, morning"] == "En semaine, le matin"


def test_english_catalogue_is_the_identity() -> None:
    en = read_catalogue("en")
    for label in all_labels():
        assert en.get(label) == label
