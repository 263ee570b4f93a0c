"""Importing participants on the real storage (SQLite, or PostgreSQL with
TEST_DATABASE_URL): all or nothing, --skip-invalid, --update, what is already there, and
imported people are matched and exported like everyone else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.i18n import make_i18n
from bot.importing import write_export
from mentoring.importing import parse_csv
from mentoring.matchmaking import Matchmaker
from mentoring.model import Role, User
from mentoring.staff import StaffDirectory
from storage.database import make_engine, make_sessionmaker
from storage.importing import SqlImport
from storage.tables import (
    AuditRow,
    ConsentRow,
    ProposalRow,
    StudentProfileRow,
    UserRow,
    VolunteerProfileRow,
)
from storage.uow import SqlUnitOfWork, uow_factory

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
TRANSLATIONS = [t.gettext for t in make_i18n().locales.values()]
MONTH = timedelta(days=30)

STUDENTS = ("telegram_id;first_name;language;field;level;place;needs;languages;availability;"
            "goals")
VOLUNTEERS = ("telegram_id;first_name;language;profession;sector;field;help_families;place;"
              "remote;skills;languages;capacity;availability;bio")


def student(user_id: int, level: str = "L2", name: str = "Léa") -> str:
    return (f"{user_id};{name};fr;Droit;{level};69003;CV, exams;fr;En semaine, le soir;"
            "Réussir mes partiels")


def volunteer(user_id: int, capacity: int = 2) -> str:
    return (f"{user_id};Marc;en;Lawyer;law;law;law_politics;Lyon;no;cv, exams;fr;{capacity};"
            "weekday_evening;A lawyer for ten years.")


def students_file(*rows: str):
    return parse_csv("\n".join((STUDENTS, *rows)).encode(), Role.STUDENT, TRANSLATIONS)


def volunteers_file(*rows: str):
    return parse_csv("\n".join((VOLUNTEERS, *rows)).encode(), Role.VOLUNTEER, TRANSLATIONS)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[object]:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def store(sessions) -> SqlImport:
    return SqlImport(sessions, default_language="fr", availability_every=MONTH)


async def count(sessions, table, *where) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(*where)))


async def test_imported_students_get_what_a_sign_up_gives_and_no_consent(sessions,
                                                                         store) -> None:
    decision, written = await store.run(students_file(student(101), student(102)), NOW)
    assert written and [r.user_id for r in decision.create] == [101, 102]
    async with SqlUnitOfWork(sessions) as uow:
        user = await uow.users.get(101)
        assert user == User(id=101, language="fr", created_at=NOW, role=Role.STUDENT,
                            source="import")
        profile = await uow.profiles.student(101)
        assert profile is not None and profile.level == "licence_2"
        assert await uow.matching.waiting_student(101) == (profile, NOW)
        assert await uow.consents.for_user(101) == []
    assert await count(sessions, ConsentRow) == 0


async def test_imported_volunteers_are_asked_about_availability_a_month_later(sessions,
                                                                             store) -> None:
    _, written = await store.run(volunteers_file(volunteer(201, capacity=3)), NOW)
    assert written
    async with SqlUnitOfWork(sessions) as uow:
        user = await uow.users.get(201)
        assert user is not None and user.language == "en" and user.source == "import"
        assert await uow.matching.availability_of(201) == (NOW + MONTH, None)
        assert await uow.matching.volunteer_free(201, NOW) is not None
    async with sessions() as session:
        row = await session.get(VolunteerProfileRow, 201)
        assert (row.capacity, row.load, row.remote, row.department) == (3, 0, False, "69")


async def test_one_invalid_row_and_nothing_is_written(sessions, store) -> None:
    parsed = students_file(student(101), student(102, level="L5"), student(103))
    decision, written = await store.run(parsed, NOW)
    assert not written and len(decision.create) == 2
    assert await count(sessions, UserRow) == 0
    assert await count(sessions, StudentProfileRow) == 0


async def test_skip_invalid_writes_the_valid_rows(sessions, store) -> None:
    parsed = students_file(student(101), student(102, level="L5"), student(103))
    _, written = await store.run(parsed, NOW, skip_invalid=True)
    assert written
    async with sessions() as session:
        ids = set(await session.scalars(select(StudentProfileRow.user_id)))
    assert ids == {101, 103}


async def test_a_dry_run_writes_nothing_even_when_everything_is_valid(sessions,
                                                                      store) -> None:
    decision, written = await store.run(students_file(student(101)), NOW, dry_run=True,
                                        skip_invalid=True)
    assert not written and len(decision.create) == 1
    assert await count(sessions, UserRow) == 0


async def test_a_profile_already_there_is_a_duplicate_and_stops_the_import(sessions,
                                                                          store) -> None:
    await store.run(students_file(student(101)), NOW)
    decision, written = await store.run(students_file(student(101), student(102)),
                                        NOW + MONTH)
    assert not written
    assert [str(p) for p in decision.problems] == [
        "line 2: telegram_id 101 already has a student profile (use --update to replace it "
        "with this row)"]
    assert await count(sessions, UserRow) == 1
    _, written = await store.run(students_file(student(101), student(102)), NOW + MONTH,
                                 skip_invalid=True)
    assert written and await count(sessions, UserRow) == 2


async def test_an_import_never_changes_a_role(sessions, store) -> None:
    await store.run(volunteers_file(volunteer(101)), NOW)
    decision, written = await store.run(students_file(student(101)), NOW, update=True,
                                        skip_invalid=True)
    assert written and decision.create == decision.update == []
    assert [p.line for p in decision.problems] == [2]
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.profiles.volunteer(101) is not None
        assert await uow.profiles.student(101) is None


async def test_update_replaces_the_answers_and_keeps_the_waiting_place(sessions,
                                                                       store) -> None:
    await store.run(students_file(student(101)), NOW)
    later = NOW + MONTH
    decision, written = await store.run(
        students_file(student(101, level="M1", name="Léane")), later, update=True)
    assert written and [r.user_id for r in decision.update] == [101]
    async with SqlUnitOfWork(sessions) as uow:
        found = await uow.matching.waiting_student(101)
    assert found is not None
    profile, since = found
    assert (profile.first_name, profile.level) == ("Léane", "master_1")
    assert since == NOW and profile.completed_at == NOW


async def test_someone_who_only_started_the_bot_keeps_their_account(sessions, store) -> None:
    started = NOW - MONTH
    async with SqlUnitOfWork(sessions) as uow:
        await uow.users.add(User(id=101, language="en", created_at=started,
                                 telegram_name="Léa B", source="lycee-jaures"))
        await uow.users.add(User(id=102, language="en", created_at=started))
        await uow.commit()
    _, written = await store.run(students_file(student(101), student(102)), NOW)
    assert written
    async with SqlUnitOfWork(sessions) as uow:
        first = await uow.users.get(101)
        second = await uow.users.get(102)
        assert await uow.profiles.student(101) is not None
    assert first == User(id=101, language="fr", created_at=started, telegram_name="Léa B",
                         role=Role.STUDENT, source="lycee-jaures")
    assert second is not None and second.source == "import" and second.role is Role.STUDENT


async def test_imported_students_and_volunteers_are_matched(sessions, store) -> None:
    await store.run(students_file(*(student(100 + n) for n in range(4))), NOW)
    await store.run(volunteers_file(volunteer(200, capacity=2), volunteer(201, capacity=1)),
                    NOW)
    matchmaker = Matchmaker(uow_factory(sessions), lambda: NOW + timedelta(minutes=1))
    plan, waiting, volunteers = await matchmaker.plan_batch(time_budget=5)
    assert (waiting, volunteers, plan.matched) == (4, 2, 3)
    made = await matchmaker.apply_plan(plan)
    assert made == 3
    assert await count(sessions, ProposalRow, ProposalRow.status == "open") == 3


async def test_export_writes_the_files_of_the_staff_export(sessions, store,
                                                                tmp_path) -> None:
    await store.run(students_file(student(101), student(102)), NOW)
    await store.run(volunteers_file(volunteer(200)), NOW)
    staff = StaffDirectory(uow_factory(sessions), lambda: NOW, [])
    files = await staff.export(0)
    written = write_export(tmp_path / "out", files)
    assert [(path.name, rows) for path, rows in written] == [
        ("binome-students.csv", 2), ("binome-volunteers.csv", 1), ("binome-pairs.csv", 0),
        ("binome-checkins.csv", 0), ("binome-meetings.csv", 0),
        ("binome-session_logs.csv", 0), ("binome-outcomes.csv", 0)]
    text = (tmp_path / "out" / "binome-students.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbfid,language,source,")
    assert text.decode("utf-8-sig") == files["students"]
    assert b",import," in text
    assert await count(sessions, AuditRow, AuditRow.action == "export") == 1


async def test_many_rows_in_one_go(sessions, store) -> None:
    rows = [student(10_000 + n) for n in range(1_200)]  # more than one IN (...) chunk
    _, written = await store.run(students_file(*rows), NOW)
    assert written and await count(sessions, StudentProfileRow) == 1_200
    again, written = await store.run(students_file(*rows), NOW, skip_invalid=True)
    assert len(again.problems) == 1_200 and again.create == []



async def test_a_sign_up_during_the_import_leaves_nothing_half_written(sessions, store,
                                                                       monkeypatch) -> None:
    import storage.importing

    async with SqlUnitOfWork(sessions) as uow:
        await uow.users.add(User(id=102, language="en", created_at=NOW))
        await uow.commit()

    async def not_seen_yet(session, ids):  # the user arrives between the check and the write
        return {}

    monkeypatch.setattr(storage.importing, "_users", not_seen_yet)
    with pytest.raises(storage.importing.ImportConflict):
        await store.run(students_file(student(101), student(102)), NOW)
    assert await count(sessions, UserRow) == 1
    assert await count(sessions, StudentProfileRow) == 0
