"""The list of tables that hold a person (storage.personal_data) against the schema, and
/mydata and /delete for a staff member, on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
)

from mentoring.signup import Signup
from storage.database import make_engine, make_sessionmaker
from storage.personal_data import (
    ANONYMOUS,
    NO_PERSON,
    PERSONAL_DATA,
    SOMEONE_ELSE,
    WITHHELD,
    declared_fields,
)
from storage.tables import (
    AuditRow,
    Base,
    BroadcastRow,
    ConversationStateRow,
    ErasureCountRow,
    OutboxRow,
    StaffMemberRow,
    UserRow,
)
from storage.uow import uow_factory
from tests.storage.person_scan import traces

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


def looks_personal(column: Column[object]) -> bool:
    """A column that could name a person or hold what someone wrote."""
    targets = {fk.column.table.name for fk in column.foreign_keys}
    if "users" in targets or isinstance(column.type, BigInteger):
        return True
    if column.name.endswith(("_id", "_by")) and not targets:
        return True
    kind = column.type
    if isinstance(kind, (Text, JSON)):
        return True
    return isinstance(kind, String) and (kind.length is None or kind.length >= 64)


def undeclared(metadata: MetaData) -> list[str]:
    """Tables and columns of the schema that the personal-data list does not account for."""
    listed = {held.table: held for held in PERSONAL_DATA}
    problems = [f"table {name} is in both lists" for name in set(listed) & set(NO_PERSON)]
    problems += [f"table {name} is listed but not in the schema"
                 for name in (set(listed) | set(NO_PERSON)) - set(metadata.tables)]
    for table in metadata.sorted_tables:
        if table.name in NO_PERSON:
            continue
        held = listed.get(table.name)
        if held is None:
            problems.append(f"table {table.name} is in neither list")
            continue
        fields = declared_fields(held)
        problems += [f"column {table.name}.{name} is declared but not in the schema"
                     for name in fields - set(table.columns.keys())]
        problems += [f"column {table.name}.{column.name} looks personal but is not declared"
                     for column in table.columns
                     if looks_personal(column) and column.name not in fields]
    return problems


def test_every_table_and_personal_column_is_declared() -> None:
    assert undeclared(Base.metadata) == []


def test_a_new_table_or_column_that_holds_a_person_is_caught() -> None:
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables["reports"].append_column(Column("staff_note", Text))
    metadata.tables["pairs"].append_column(
        Column("introduced_by", BigInteger, ForeignKey("users.id")))
    Table("mentor_notes", metadata, Column("id", Integer, primary_key=True),
          Column("volunteer_id", BigInteger), Column("note", Text))
    assert sorted(undeclared(metadata)) == [
        "column pairs.introduced_by looks personal but is not declared",
        "column reports.staff_note looks personal but is not declared",
        "table mentor_notes is in neither list",
    ]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[object]:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


BOSS, SAM, NINA, LEA = 4440001, 7770002, 4440003, 4440004


async def staff_programme(sessions) -> None:
    """Sam is staff: added by Boss, added Nina, wrote announcements, is in the audit log."""
    async with sessions() as session, session.begin():
        for user_id in (BOSS, SAM, NINA, LEA):
            session.add(UserRow(id=user_id, language="fr", created_at=NOW, blocked=False))
        await session.flush()
        session.add_all([
            StaffMemberRow(user_id=SAM, added_by=BOSS, added_at=NOW),
            StaffMemberRow(user_id=NINA, added_by=SAM, added_at=NOW),
        ])
        audience = {"roles": ["student"]}
        done = BroadcastRow(author_id=SAM, text="Sam écrit zorglub-done", audience=audience,
                            status="done", created_at=NOW, send_at=NOW, recipients=1,
                            progress_message_id=12)
        sending = BroadcastRow(author_id=SAM, text="Sam écrit zorglub-sending",
                               audience=audience, status="sending", created_at=NOW,
                               send_at=NOW, recipients=1)
        cancelled = BroadcastRow(author_id=BOSS, text="Texte de Boss", audience=audience,
                                 status="cancelled", created_at=NOW, send_at=NOW,
                                 recipients=0, cancelled_by=SAM)
        session.add_all([done, sending, cancelled])
        await session.flush()
        session.add(OutboxRow(key=f"broadcast:{sending.id}:{LEA}", recipient_id=LEA,
                              kind="broadcast", params={"broadcast": sending.id},
                              status="pending", due_at=NOW, attempts=0, created_at=NOW,
                              lane=1, broadcast_id=sending.id))
        # Sam's half-finished sign-up, and that of someone whose id merely contains Sam's.
        session.add_all([
            ConversationStateRow(key=f"fsm:1:{SAM}:{SAM}:default", state="Form:answering",
                                 data={"draft": {"answers": {"first_name": "zorglub-draft"}}},
                                 updated_at=NOW),
            ConversationStateRow(key=f"fsm:1:{SAM}1:{SAM}1:default", state="Form:answering",
                                 data={}, updated_at=NOW),
        ])
        session.add_all([
            AuditRow(actor_id=BOSS, action="staff_add", details={"user_id": SAM}, at=NOW),
            AuditRow(actor_id=SAM, action="broadcast", details={"id": done.id}, at=NOW),
            AuditRow(actor_id=SAM, action="refused", details={"command": "/stats zorglub-cmd"},
                     at=NOW + timedelta(minutes=1)),
        ])


async def test_a_staff_member_sees_and_erases_what_they_did(sessions) -> None:
    await staff_programme(sessions)
    signup = Signup(uow_factory(sessions), lambda: NOW, "fr")
    data = (await signup.personal_data(SAM, None))["tables"]
    assert [(r["user_id"], r["added_by"]) for r in data["staff_members"]] == [
        (SOMEONE_ELSE, SAM), (SAM, SOMEONE_ELSE)]
    assert [(r["author_id"], r["text"]) for r in data["broadcasts"]] == [
        (SAM, "Sam écrit zorglub-done"), (SAM, "Sam écrit zorglub-sending"),
        (SOMEONE_ELSE, WITHHELD)]
    assert [(r["actor_id"], r["action"]) for r in data["audit_log"]] == [
        (SOMEONE_ELSE, "staff_add"), (SAM, "broadcast"), (SAM, "refused")]
    assert data["audit_log"][0]["details"] == {"user_id": SAM}
    assert data["outbox"] == [] and data["pairs"] == []
    assert [r["data"]["draft"]["answers"] for r in data["conversation_states"]] == [
        {"first_name": "zorglub-draft"}]

    assert await signup.erase(SAM)
    assert await traces(sessions, SAM, ["zorglub"]) == []
    async with sessions() as session:
        staff = (await session.execute(select(StaffMemberRow.user_id,
                                              StaffMemberRow.added_by))).all()
        broadcasts = (await session.execute(
            select(BroadcastRow.author_id, BroadcastRow.status, BroadcastRow.text,
                   BroadcastRow.cancelled_by).order_by(BroadcastRow.id))).all()
        queued = (await session.scalars(select(OutboxRow.status))).all()
        audit = (await session.execute(select(AuditRow.actor_id, AuditRow.action,
                                              AuditRow.details).order_by(AuditRow.id))).all()
        counts = (await session.execute(select(ErasureCountRow.role,
                                               ErasureCountRow.count))).all()
        conversations = (await session.scalars(select(ConversationStateRow.key))).all()
    assert conversations == [f"fsm:1:{SAM}1:{SAM}1:default"]
    assert [tuple(r) for r in staff] == [(NINA, ANONYMOUS)]
    assert [tuple(r) for r in broadcasts] == [
        (ANONYMOUS, "done", "", None), (ANONYMOUS, "cancelled", "", ANONYMOUS),
        (BOSS, "cancelled", "Texte de Boss", ANONYMOUS)]
    assert queued == ["cancelled"]  # the announcement's text is gone, so it stops
    assert [tuple(r) for r in audit] == [
        (BOSS, "staff_add", {"user_id": ANONYMOUS}), (ANONYMOUS, "broadcast", {"id": 1}),
        (ANONYMOUS, "refused", {"command": ""})]
    assert [tuple(r) for r in counts] == [("none", 1)]
