"""Imported volunteers marked approved in the file are proposed at once; the others wait
for staff like a sign-up in the chat. Students' years of birth come in too, and a student
too young for the programme is refused on their line."""

from __future__ import annotations

from sqlalchemy import select

from mentoring.importing import parse_csv
from mentoring.model import Role
from storage.importing import SqlImport
from storage.tables import StudentProfileRow, VolunteerVettingRow
from storage.uow import SqlUnitOfWork
from tests.storage.test_importing import (
    MONTH,
    NOW,
    STUDENTS,
    TRANSLATIONS,
    VOLUNTEERS,
    sessions,  # noqa: F401  (the fixture)
    student,
    volunteer,
)


def volunteers_file(*rows: str):
    return parse_csv("\n".join((VOLUNTEERS + ";approved", *rows)).encode(), Role.VOLUNTEER,
                     TRANSLATIONS, today=NOW.date())


def students_file(*rows: str, min_age: int = 16):
    return parse_csv("\n".join((STUDENTS + ";birth_year", *rows)).encode(), Role.STUDENT,
                     TRANSLATIONS, today=NOW.date(), min_age=min_age)


async def test_the_approved_column_decides_who_waits_for_staff(sessions) -> None:  # noqa: F811
    store = SqlImport(sessions, default_language="fr", availability_every=MONTH,
                      approval_required=True)
    parsed = volunteers_file(volunteer(201) + ";oui", volunteer(202) + ";", volunteer(203) + ";no")
    assert parsed.problems == []
    _, written = await store.run(parsed, NOW)
    assert written
    async with sessions() as session:
        statuses = dict((await session.execute(
            select(VolunteerVettingRow.user_id, VolunteerVettingRow.status))).all())
    assert statuses == {201: "approved", 202: "pending", 203: "pending"}
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.matching.volunteer_free(201, NOW) is not None
        assert await uow.matching.volunteer_free(202, NOW) is None  # never proposed
        assert [v.user_id for v, _ in await uow.matching.available_volunteers(NOW)] == [201]


async def test_without_approval_every_imported_volunteer_is_approved(sessions) -> None:  # noqa: F811
    store = SqlImport(sessions, default_language="fr", availability_every=MONTH)
    _, written = await store.run(volunteers_file(volunteer(201) + ";"), NOW)
    assert written
    async with sessions() as session:
        row = await session.get(VolunteerVettingRow, 201)
        assert row is not None and row.status == "approved"


def test_a_wrong_approved_cell_is_a_problem_on_its_line() -> None:
    parsed = volunteers_file(volunteer(201) + ";maybe")
    assert [str(p) for p in parsed.problems] == ['line 2: approved "maybe" is not yes or no']


async def test_years_of_birth_are_imported_and_the_too_young_refused(sessions) -> None:  # noqa: F811
    parsed = students_file(student(101) + ";2008", student(102) + ";", student(103) + ";2012",
                           student(104) + ";20x8")
    assert [str(p) for p in parsed.problems] == [
        "line 4: birth_year 2012: under 16, too young for the programme",
        'line 5: birth_year "20x8" is not a year of birth (four digits, for example 2007)']
    store = SqlImport(sessions, default_language="fr", availability_every=MONTH)
    _, written = await store.run(parsed, NOW, skip_invalid=True)
    assert written
    async with sessions() as session:
        years = dict((await session.execute(
            select(StudentProfileRow.user_id, StudentProfileRow.birth_year))).all())
    assert years == {101: 2008, 102: None}
