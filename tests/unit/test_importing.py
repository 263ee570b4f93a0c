"""Reading participants from a spreadsheet: every row checked with the form's rules, every
problem reported with its line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.i18n import make_i18n
from mentoring.importing import ImportRow, decide, parse_csv
from mentoring.model import Role, StudentProfile, VolunteerProfile

DOCS = Path(__file__).resolve().parents[2] / "docs" / "import"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
TRANSLATIONS = [t.gettext for t in make_i18n().locales.values()]

STUDENT_HEADER = ("telegram_id,first_name,language,field,level,place,needs,languages,"
                  "availability,goals")
LEA = '111,Léa,fr,law,licence_2,69003,"cv, exams",fr,weekday_evening,Réussir mes partiels'
VOLUNTEER_HEADER = ("telegram_id,first_name,language,profession,sector,field,help_families,"
                    "place,remote,skills,languages,capacity,availability,bio")
MARC = ('222,Marc,fr,Avocat,law,law,law_politics,75011,yes,"cv, oral",fr,2,saturday,'
        "Avocat depuis dix ans")


def students(*rows: str, header: str = STUDENT_HEADER, translations=TRANSLATIONS):
    return parse_csv("\n".join((header, *rows)).encode(), Role.STUDENT, translations)


def volunteers(*rows: str, header: str = VOLUNTEER_HEADER):
    return parse_csv("\n".join((header, *rows)).encode(), Role.VOLUNTEER, TRANSLATIONS)


def messages(parsed) -> list[str]:
    return [str(problem) for problem in parsed.problems]


def student_profile(parsed, index: int = 0) -> StudentProfile:
    profile = parsed.rows[index].profile(NOW)
    assert isinstance(profile, StudentProfile)
    return profile


def test_a_valid_student_row_becomes_the_profile_the_form_would_make() -> None:
    parsed = students(LEA)
    assert parsed.problems == [] and parsed.read == 1
    assert parsed.rows[0].user_id == 111 and parsed.rows[0].language == "fr"
    assert student_profile(parsed) == StudentProfile(
        user_id=111, first_name="Léa", field="law", level="licence_2", department="69",
        postal_code="69003", needs=["exams", "cv"], languages=["fr"],
        availability=["weekday_evening"], goals="Réussir mes partiels", completed_at=NOW)


def test_a_valid_volunteer_row_becomes_the_profile_the_form_would_make() -> None:
    parsed = volunteers(MARC)
    assert parsed.problems == []
    profile = parsed.rows[0].profile(NOW)
    assert profile == VolunteerProfile(
        user_id=222, first_name="Marc", profession="Avocat", sector="law", field="law",
        help_families=["law_politics"], department="75", postal_code="75011", remote=True,
        skills=["oral", "cv"], languages=["fr"], capacity=2, availability=["saturday"],
        bio="Avocat depuis dix ans", completed_at=NOW)


@pytest.mark.parametrize("name, role", [("students-example.csv", Role.STUDENT),
                                        ("volunteers-example.csv", Role.VOLUNTEER)])
def test_the_example_files_are_valid(name: str, role: Role) -> None:
    parsed = parse_csv((DOCS / name).read_bytes(), role, TRANSLATIONS)
    assert parsed.problems == [] and parsed.notes == []
    assert len(parsed.rows) == 3


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_any_delimiter_with_or_without_bom(delimiter: str, bom: bytes) -> None:
    cells = ["111", "Léa", "fr", "law", "licence_2", "69003", "cv|exams", "fr",
             "weekday_evening", "Réussir mes partiels"]
    text = "\r\n".join((STUDENT_HEADER.replace(",", delimiter), delimiter.join(cells)))
    parsed = parse_csv(bom + text.encode(), Role.STUDENT, TRANSLATIONS)
    assert parsed.problems == [] and parsed.delimiter == delimiter
    assert student_profile(parsed) == student_profile(students(LEA))


def test_french_english_labels_and_codes_give_the_same_answers() -> None:
    codes = students(LEA)
    english = students('111,Léa,English,Law,"Bachelor\'s, 2nd year (L2)",Lyon 3e,'
                       '"CV review; Exam preparation",French,"Weekdays, evening",'
                       "Réussir mes partiels")
    french = students('111,Léa,Français,Droit,Licence 2 (L2),69003,'
                      '"Relecture de CV, Préparation aux examens",français,'
                      '"En semaine, le soir",Réussir mes partiels')
    short = students('111,Léa,FR,droit,L2,69003,"CV, examens",fr,"en semaine, le soir",'
                     "Réussir mes partiels")
    assert messages(english) == messages(french) == []
    expected = student_profile(codes)
    assert student_profile(french) == expected
    english_profile = student_profile(english)
    assert english_profile.postal_code is None and english_profile.department == "69"
    assert english_profile.level == expected.level and english_profile.needs == expected.needs
    assert english.rows[0].language == "en"
    assert messages(short) == ['line 2: needs "examens" is not one of: homework, '
                               "organisation, exams, oral, cv, cover_letter, internship, "
                               "job_search, orientation, moral_support (a code, or its label "
                               "in French or English)"]


def test_french_labels_need_the_french_catalogue() -> None:
    row = ('111,Léa,fr,law,Licence 2 (L2),69003,Relecture de CV,fr,weekday_evening,'
           "Réussir mes partiels")
    assert students(row).problems == []
    without = students(row, translations=())
    assert [p.message.split(" is ")[0] for p in without.problems] == [
        'level "Licence 2 (L2)"', 'needs "Relecture de CV"']


def test_values_with_a_comma_in_their_label_are_split_correctly() -> None:
    parsed = students('111,Léa,fr,law,L2,69003,cv,"fr, en",'
                      '"En semaine, le soir, Le samedi; dimanche",Réussir mes partiels')
    assert parsed.problems == []
    assert student_profile(parsed).availability == ["weekday_evening", "saturday", "sunday"]
    assert student_profile(parsed).languages == ["fr", "en"]


ERRORS = [
    ("telegram_id", "", "telegram_id is empty"),
    ("telegram_id", "abc", 'telegram_id "abc" is not a whole number'),
    ("telegram_id", "1,23457E+09",
     'telegram_id "1,23457E+09" is not a whole number (format the column as text'),
    ("telegram_id", "-1001234", 'telegram_id "-1001234" is a group or channel id'),
    ("telegram_id", "0", 'telegram_id "0" is not a Telegram user id'),
    ("first_name", "", "first_name is empty"),
    ("first_name", "R2D2", 'first_name "R2D2" may only hold letters'),
    ("first_name", "x" * 41, "first_name is longer than 40 characters"),
    ("language", "de", 'language "de" is not one of: fr, en'),
    ("field", "", "field is empty"),
    ("field", "zzzz", 'field "zzzz" matches no field of study'),
    ("field", "btp", 'field "btp" could be several fields: civil_eng, construction'),
    ("level", "L5", 'level "L5" is not one of: lycee, cap_bep'),
    ("level", "", "level is empty: one of: lycee"),
    ("place", "", "place is empty"),
    ("place", "99999", 'place "99999" is not a French postal code we know'),
    ("place", "Narnia", 'place "Narnia" is not a postal code, department number'),
    ("place", "Corse", 'place "Corse" could be Corse-du-Sud (2A) or Haute-Corse (2B)'),
    ("place", "Monaco", 'place "Monaco" is outside the French departments'),
    ("needs", "", "needs is empty: give at least one value"),
    ("needs", "cv, cooking", 'needs "cooking" is not one of: homework'),
    ("languages", "klingon", 'languages "klingon" is not one of: fr, en'),
    ("availability", "night", 'availability "night" is not one of: weekday_morning'),
    ("goals", "", "goals is empty"),
    ("goals", "short", "goals is shorter than 10 characters"),
    ("goals", "é" * 801, "goals is longer than 800 characters"),
    ("goals", "1234567890!", 'goals "1234567890!" has no letters'),
]


@pytest.mark.parametrize("column, value, expected", ERRORS)
def test_each_problem_is_one_sentence_with_its_line(column: str, value: str,
                                                    expected: str) -> None:
    index = STUDENT_HEADER.split(",").index(column)
    cells = ['112', 'Tom', 'en', 'law', 'licence_1', '75001', 'cv', 'fr', 'saturday',
             'Find an internship']
    cells[index] = f'"{value}"'
    parsed = students(LEA, ",".join(cells), LEA.replace("111", "113"))
    assert len(parsed.problems) == 1
    assert str(parsed.problems[0]).startswith(f"line 3: {expected}")
    assert [row.user_id for row in parsed.rows] == [111, 113]


@pytest.mark.parametrize("column, value, expected", [
    ("remote", "maybe", 'remote "maybe" is not one of: yes, no'),
    ("capacity", "4", 'capacity "4" is not one of: 1, 2, 3'),
    ("sector", "space", 'sector "space" is not one of: public_service'),
    ("help_families", "", "help_families is empty"),
    ("skills", "juggling", 'skills "juggling" is not one of: homework'),
    ("profession", "", "profession is empty"),
    ("profession", "X", "profession is shorter than 2 characters"),
    ("bio", "Hi", "bio is shorter than 10 characters"),
    ("field", "", "field is empty: give their own field"),
])
def test_volunteer_problems(column: str, value: str, expected: str) -> None:
    cells = MARC.replace('"cv, oral"', "cv").split(",")
    cells[VOLUNTEER_HEADER.split(",").index(column)] = value
    parsed = volunteers(",".join(cells))
    assert [str(p) for p in parsed.problems] == [
        str(p) for p in parsed.problems if str(p).startswith(f"line 2: {expected}")]
    assert len(parsed.problems) == 1 and parsed.rows == []


def test_volunteer_yes_no_in_french_and_fields_standing_for_their_family() -> None:
    cells = MARC.split(",")
    cells[8] = "Non"
    cells[6] = '"Droit; Informatique; health"'
    parsed = volunteers(",".join(cells))
    assert parsed.problems == []
    profile = parsed.rows[0].profile(NOW)
    assert isinstance(profile, VolunteerProfile) and profile.remote is False
    assert profile.help_families == ["law_politics", "health", "engineering"]


def test_every_problem_of_the_file_is_listed_in_line_order() -> None:
    parsed = students(
        LEA,
        '112,Tom,en,law,L5,Narnia,cv,fr,saturday,Find an internship',
        LEA.replace("111", "113"),
        '114,,en,law,licence_1,75001,cv,fr,night,Find an internship',
    )
    assert messages(parsed) == [
        'line 3: level "L5" is not one of: lycee, cap_bep, bac_pro, bts_but, licence_1, '
        "licence_2, licence_3, master_1, master_2, prepa, grande_ecole, doctorate, "
        "not_studying (a code, or its label in French or English)",
        'line 3: place "Narnia" is not a postal code, department number, department name or '
        "large city we know",
        "line 5: first_name is empty",
        'line 5: availability "night" is not one of: weekday_morning, weekday_noon, '
        "weekday_afternoon, weekday_evening, saturday, sunday (a code, or its label in "
        "French or English)",
    ]
    assert parsed.invalid_lines() == [3, 5]
    assert [row.line for row in parsed.rows] == [2, 4]


def test_a_telegram_id_twice_in_the_file_names_both_lines() -> None:
    parsed = students(LEA, LEA.replace("111", "112"), LEA, LEA)
    assert messages(parsed) == [
        "line 2: telegram_id 111 is also on lines 4, 5",
        "line 4: telegram_id 111 is also on lines 2, 5",
        "line 5: telegram_id 111 is also on lines 2, 4",
    ]
    assert [row.user_id for row in parsed.rows] == [112]
    pair = students(LEA, LEA)
    assert messages(pair) == ["line 2: telegram_id 111 is also on line 3",
                              "line 3: telegram_id 111 is also on line 2"]


def test_lines_are_physical_lines_despite_blank_rows_and_multiline_cells() -> None:
    multiline = LEA.replace("Réussir mes partiels", '"Réussir\nmes\npartiels"')
    parsed = students(multiline, ",,,,,,,,,", "", '112,Tom,en,law,L5,75001,cv,fr,saturday,'
                                                   "Find an internship")
    assert messages(parsed)[0].startswith('line 7: level "L5"')
    assert parsed.read == 2
    assert student_profile(parsed).goals == "Réussir mes partiels"


def test_a_row_longer_than_the_header_is_refused() -> None:
    parsed = students(LEA + ",surprise", LEA.replace("111", "112") + ",,")
    assert messages(parsed) == ["line 2: the row has 11 cells but the header names 10 "
                                "columns"]
    assert [row.user_id for row in parsed.rows] == [112]


def test_a_missing_column_makes_the_file_unreadable() -> None:
    header = STUDENT_HEADER.replace(",level", "")
    parsed = students(LEA, header=header)
    assert parsed.fatal and parsed.rows == []
    assert messages(parsed)[0].startswith('line 1: the column "level" is missing')


def test_optional_and_unknown_columns_and_french_headers() -> None:
    header = ("ID Telegram;Prénom;Domaine;Niveau;Code postal;Besoins;Langues;"
              "Disponibilités;Objectifs;E-mail")
    parsed = students("111;Léa;Droit;L2;69003;cv;fr;samedi;Réussir mes partiels;lea@x.fr",
                      header=header)
    assert parsed.problems == [] and parsed.rows[0].language is None
    assert [str(n) for n in parsed.notes] == [
        'line 1: the column "E-mail" is not used; it was ignored']


def test_a_column_named_twice_is_refused() -> None:
    parsed = students(LEA + ",x", header=STUDENT_HEADER + ",Niveau")
    assert parsed.fatal
    assert messages(parsed) == ['line 1: the column "level" appears twice ("level" and '
                                '"Niveau")']


def test_a_file_that_is_not_utf8_names_the_line() -> None:
    text = "\n".join((STUDENT_HEADER, LEA, LEA.replace("111", "112")))
    parsed = parse_csv(text.encode("cp1252"), Role.STUDENT, TRANSLATIONS)
    assert parsed.fatal and parsed.rows == []
    assert messages(parsed) == ['line 2: the file is not UTF-8 text; save it from the '
                                'spreadsheet as "CSV UTF-8"']


def test_an_empty_file() -> None:
    parsed = parse_csv(b"", Role.STUDENT, TRANSLATIONS)
    assert parsed.fatal and messages(parsed)[0].startswith("line 1: the file is empty")
    header_only = students()
    assert not header_only.fatal and header_only.problems == [] and header_only.read == 0


def test_decide_against_the_profiles_already_there() -> None:
    rows = students(LEA, LEA.replace("111", "112"), LEA.replace("111", "113")).rows
    existing = {112: Role.STUDENT, 113: Role.VOLUNTEER}
    refused = decide(rows, existing, update=False)
    assert [r.user_id for r in refused.create] == [111] and refused.update == []
    assert [str(p) for p in refused.problems] == [
        "line 3: telegram_id 112 already has a student profile (use --update to replace it "
        "with this row)",
        "line 4: telegram_id 113 already has a volunteer profile; an import cannot change "
        "someone's role",
    ]
    updating = decide(rows, existing, update=True)
    assert [r.user_id for r in updating.create] == [111]
    assert [r.user_id for r in updating.update] == [112]
    assert [p.line for p in updating.problems] == [4]


def test_rows_keep_their_line() -> None:
    parsed = students("", LEA)
    assert isinstance(parsed.rows[0], ImportRow) and parsed.rows[0].line == 3


def test_skipped_lines_are_shown_as_ranges() -> None:
    from bot.importing import _ranges

    assert _ranges([2, 3, 4, 5, 9, 12, 13]) == "2-5, 9, 12-13"
    assert _ranges(list(range(2, 20_002))) == "2-20001"
    assert _ranges([2, 4, 6, 8], shown=2) == "2, 4 and 2 more ranges"
