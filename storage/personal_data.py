"""Every table that can hold a person's data, and what /mydata and /delete do with each.

``PERSONAL_DATA`` is the one list both commands read: /mydata exports the rows that name the
person, /delete erases them, in one transaction. ``NO_PERSON`` lists the tables that hold
nobody. tests/storage/test_personal_data.py fails when a table, or a column that looks like a
person reference or free text, is added to storage/tables.py without being declared here.

A field is named ``"column"`` or, inside a JSON column, ``"column.key"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    and_,
    cast,
    delete,
    false,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.broadcasts import SqlBroadcasts
from storage.tables import Base

ANONYMOUS = 0
"""What an erased person's id becomes where the row stays (an audit entry, an announcement):
no Telegram user has id 0, and the row still counts."""

SOMEONE_ELSE = "someone else"
"""How /mydata shows another person's id: a volunteer must not learn a student's Telegram id
from a proposal, nor anyone a staff member's."""

WITHHELD = "written by someone else"
"""How /mydata shows free text another person wrote."""


class Erasure(StrEnum):
    DELETE = "delete"
    """The rows are the person's (or their pair's): rows naming them in an owner field go."""
    ANONYMISE = "anonymise"
    """The rows are the programme's: the person's ids become ANONYMOUS, their text is blanked."""


@dataclass(frozen=True)
class Unsent:
    """A row still waiting to go out stops once what it needs is erased."""

    status: str
    waiting: tuple[str, ...]
    becomes: str


@dataclass(frozen=True)
class Holding:
    table: str
    erasure: Erasure
    owners: tuple[str, ...] = ()
    """Fields whose person the row belongs to: the row is exported, and erased with them."""
    mentions: tuple[str, ...] = ()
    """Fields naming a person in a row that is not theirs: exported, the id anonymised."""
    texts: Mapping[str, str] = field(default_factory=dict)
    """Free text -> the field naming who wrote it: exported to its author only, blanked
    (or erased with the row) when its author is erased."""
    of_pair: str | None = None
    """A column naming a pair: rows of a pair the person was in go with the pair."""
    detached: bool = False
    """With ``of_pair``: rows of the pair that the other member wrote stay, detached from the
    pair, instead of going with it."""
    key: str | None = None
    """A string column with the person's id as one of its ``:``-separated parts."""
    unsent: Unsent | None = None
    export_mentions: bool = True
    """Whether /mydata shows rows where the person is only mentioned or wrote the text
    (False: the rows are other people's, such as messages to them)."""
    plain: Mapping[str, str] = field(default_factory=dict)
    """Fields that look like a person reference or free text but hold none: why."""


PERSONAL_DATA: tuple[Holding, ...] = (
    Holding("users", Erasure.DELETE, owners=("id",),
            texts={"telegram_name": "id", "username": "id", "source": "id"}),
    Holding("consents", Erasure.DELETE, owners=("user_id",)),
    # Staff's decision on a volunteer, the charter they accepted and their check's date.
    Holding("volunteer_vetting", Erasure.DELETE, owners=("user_id",),
            mentions=("decided_by", "check_recorded_by", "question_from"),
            texts={"refusal_reason": "decided_by"}),
    Holding("student_profiles", Erasure.DELETE, owners=("user_id",),
            texts={"first_name": "user_id", "goals": "user_id"},
            plain={"needs": "codes from the form", "languages": "codes from the form",
                   "availability": "codes from the form"}),
    Holding("volunteer_profiles", Erasure.DELETE, owners=("user_id",),
            texts={"first_name": "user_id", "profession": "user_id", "bio": "user_id"},
            plain={"help_families": "codes from the form", "skills": "codes from the form",
                   "languages": "codes from the form", "availability": "codes from the form"}),
    # The sign-up in progress, when conversations live in the database (not in Redis).
    Holding("conversation_states", Erasure.DELETE, key="key", texts={"data": "key"},
            plain={"state": "the name of a step of the form"}),
    Holding("proposals", Erasure.DELETE, owners=("student_id", "volunteer_id"),
            plain={"reasons": "codes of fields, places and needs, no id"}),
    # A pair is both members': it goes when either leaves, with its follow-up clock, answers
    # and feedback (whoever gave them), since none of them makes sense without it.
    Holding("pairs", Erasure.DELETE, owners=("student_id", "volunteer_id"),
            mentions=("ended_by",)),
    Holding("pair_followups", Erasure.DELETE, of_pair="pair_id"),
    Holding("exchanges", Erasure.DELETE, owners=("user_id",), of_pair="pair_id"),
    Holding("feedback", Erasure.DELETE, owners=("user_id",), of_pair="pair_id",
            texts={"comment": "user_id"}),
    # A report stays when the person it is about leaves: staff may still have to act on it.
    Holding("reports", Erasure.DELETE, owners=("reporter_id",), of_pair="pair_id",
            detached=True, texts={"text": "reporter_id"}),
    # An offer of one's contact is the pair's, and goes with it.
    Holding("contact_offers", Erasure.DELETE, owners=("offered_by", "offered_to"),
            of_pair="pair_id"),
    Holding("exclusions", Erasure.DELETE, owners=("student_id", "volunteer_id")),
    # Who wrote to whom through the bot, and when: never what. Both members' rows go with
    # the pair, and after 30 days anyway (storage/relay.py).
    Holding("relay_messages", Erasure.DELETE, owners=("sender_id", "recipient_id"),
            of_pair="pair_id",
            plain={"source_message_id": "a message id in the sender's chat",
                   "copy_message_id": "a message id in the recipient's chat",
                   "kind": "text, photo, document...: never the content"}),
    Holding("relay_choices", Erasure.DELETE, owners=("volunteer_id",), of_pair="pair_id"),
    # Meetings, session logs and outcomes are the pair's, and go with it; the figures of an
    # impact report already made stay, with nobody in them.
    Holding("meetings", Erasure.DELETE, mentions=("proposed_by", "changed_by"),
            of_pair="pair_id",
            plain={"slots": "times", "kind": "call, video or in person",
                   "timezone": "a time zone name"}),
    Holding("session_logs", Erasure.DELETE, owners=("user_id",), of_pair="pair_id",
            texts={"note": "user_id"}, plain={"topics": "codes of the needs list"}),
    Holding("outcomes", Erasure.DELETE, owners=("user_id",), of_pair="pair_id",
            plain={"changes": "codes of the outcomes list", "reason": "a code",
                   "source": "where it was asked"}),
    # Messages to the person go; messages to others (not the person's, so not exported)
    # lose the person's id and report text, and stop if they had not gone yet.
    Holding("outbox", Erasure.DELETE, owners=("recipient_id",),
            mentions=("params.student_id", "params.volunteer_id", "params.reporter_id",
                      "params.sender_id", "params.recipient_id", "params.about"),
            # A relayed text or caption waits here only until it is sent (bot/relay.py).
            texts={"params.text": "params.reporter_id", "params.body": "params.sender_id",
                   "params.caption": "params.sender_id", "params.name": "params.sender_id"},
            unsent=Unsent("status", ("pending", "sending"), "skipped"), export_mentions=False,
            plain={"key": "the recipient's id and ids of pairs or proposals",
                   "last_error": "Telegram's answer", "broadcast_id": "a broadcast",
                   "params": "otherwise ids of pairs, proposals, broadcasts; dates; codes"}),
    # An announcement is the programme's: it stays, without its author or its text; one not
    # sent yet is cancelled, since its text is gone.
    Holding("broadcasts", Erasure.ANONYMISE, mentions=("author_id", "cancelled_by"),
            texts={"text": "author_id"},
            unsent=Unsent("status", ("scheduled", "sending"), "cancelled"),
            plain={"audience": "roles, regions and families of fields",
                   "progress_message_id": "a message in the author's chat"}),
    # A block is the programme's safeguarding record: on the person's /delete it stays, with
    # their id (so that they cannot sign up again under the same account) but without the
    # staff's reason; they see the reason in /mydata, since it is about them.
    Holding("staff_blocks", Erasure.ANONYMISE, owners=("user_id",), mentions=("blocked_by",),
            texts={"reason": "user_id"}),
    Holding("staff_members", Erasure.DELETE, owners=("user_id",), mentions=("added_by",)),
    # The audit log keeps every action, so the counts stay; who did it and to whom does not.
    Holding("audit_log", Erasure.ANONYMISE,
            mentions=("actor_id", "details.user_id", "details.student", "details.volunteer"),
            texts={"details.command": "actor_id", "details.button": "actor_id"},
            plain={"details": "otherwise ids of pairs and broadcasts, file names, audiences"}),
)

NO_PERSON: Mapping[str, str] = {
    "erasure_counts": "anonymous daily counts of erased accounts, by role",
    "leases": "which bot process runs the scheduler",
    "seen_updates": "ids of Telegram updates already handled, for a day",
}


def holding(name: str) -> Holding:
    return next(h for h in PERSONAL_DATA if h.table == name)


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _split(path: str) -> tuple[str, str | None]:
    column, _, key = path.partition(".")
    return column, key or None


def _get(row: Mapping[str, Any], path: str) -> Any:
    column, key = _split(path)
    value = row.get(column)
    if key is None:
        return value
    return value.get(key) if isinstance(value, dict) else None


def _names(held: Holding, row: Mapping[str, Any], path: str, user_id: int) -> bool:
    if path == held.key:
        return str(user_id) in str(row.get(path, "")).split(":")
    return bool(_get(row, path) == user_id)


class PersonalData:
    """/mydata and /delete over ``PERSONAL_DATA``, inside the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def export(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row that names the person, grouped by table, as they may see it."""
        pairs = await self._pairs_of(user_id)
        found: dict[str, list[dict[str, Any]]] = {}
        for held in PERSONAL_DATA:
            found[held.table] = [_as_seen(held, row, user_id)
                                 for row in await self._rows(held, user_id, pairs)]
        return found

    async def erase(self, user_id: int, now: datetime) -> None:
        """Erase the person everywhere ``PERSONAL_DATA`` says."""
        pairs = await self._pairs_of(user_id)
        by_name = {h.table: h for h in PERSONAL_DATA}
        # Children before parents, so that no foreign key is left pointing at a deleted row.
        for table in reversed(Base.metadata.sorted_tables):
            held = by_name.get(table.name)
            if held is None:
                continue
            rows = await self._rows(held, user_id, pairs, everyone=True)
            primary = [c.name for c in table.primary_key.columns]
            gone: list[dict[str, Any]] = []
            kept: list[dict[str, Any]] = []
            for row in rows:
                owned = held.erasure is Erasure.DELETE and self._owned(held, row, user_id, pairs)
                (gone if owned else kept).append(row)
            for start in range(0, len(gone), 500):
                await self._session.execute(delete(table).where(or_(*(
                    and_(*(table.c[c] == row[c] for c in primary))
                    for row in gone[start:start + 500]))))
            for row in kept:
                where = [table.c[c] == row[c] for c in primary]
                changes = _anonymised(held, row, user_id)
                if held.of_pair is not None and row[held.of_pair] in pairs:
                    changes[held.of_pair] = None
                if not changes:
                    continue
                if held.unsent and row[held.unsent.status] in held.unsent.waiting:
                    if held.table == "broadcasts":  # its queued messages stop with it
                        await SqlBroadcasts(self._session).cancel(row["id"], ANONYMOUS, now)
                        changes.pop("cancelled_by", None)
                    else:
                        changes[held.unsent.status] = held.unsent.becomes
                await self._session.execute(update(table).where(*where).values(**changes))
        await self._session.flush()

    @staticmethod
    def _owned(held: Holding, row: Mapping[str, Any], user_id: int, pairs: set[int]) -> bool:
        return (any(_names(held, row, path, user_id) for path in held.owners)
                or (held.key is not None and _names(held, row, held.key, user_id))
                or (held.of_pair is not None and not held.detached
                    and row[held.of_pair] in pairs))

    async def _pairs_of(self, user_id: int) -> set[int]:
        pairs = _table("pairs")
        return set(await self._session.scalars(select(pairs.c.id).where(
            or_(pairs.c.student_id == user_id, pairs.c.volunteer_id == user_id))))

    async def _rows(self, held: Holding, user_id: int, pairs: set[int],
                    everyone: bool = False) -> list[dict[str, Any]]:
        """Rows naming the person in any declared field (``everyone``: also rows of their
        pairs whoever wrote them, for erasure); without any person field, rows of their
        pairs."""
        table = _table(held.table)
        fields: tuple[str, ...] = held.owners
        if everyone or held.export_mentions:
            fields += (*held.mentions, *held.texts.values())
        conditions: list[ColumnElement[bool]] = []
        json_columns: set[str] = set()
        for path in fields:
            column, key = _split(path)
            if path == held.key:
                continue
            if key is None:
                conditions.append(table.c[column] == user_id)
            else:
                json_columns.add(column)
        for column in sorted(json_columns):
            # A coarse filter in SQL (the id appears in the JSON text), made exact below.
            conditions.append(cast(table.c[column], String).like(f"%{user_id}%"))
        if held.key is not None:
            conditions.append(table.c[held.key].like(f"%:{user_id}:%")
                              | table.c[held.key].like(f"%:{user_id}"))
        if held.of_pair is not None and (everyone or not fields):
            conditions.append(table.c[held.of_pair].in_(pairs) if pairs else false())
        if not conditions:
            return []
        result = await self._session.execute(select(table).where(or_(*conditions))
                                             .order_by(*table.primary_key.columns))
        rows = [dict(row) for row in result.mappings()]
        return [row for row in rows
                if any(_names(held, row, path, user_id) for path in fields)
                or (held.key is not None and _names(held, row, held.key, user_id))
                or (held.of_pair is not None and (everyone or not fields)
                    and row[held.of_pair] in pairs)]


def _anonymised(held: Holding, row: Mapping[str, Any], user_id: int) -> dict[str, Any]:
    """The new values of the columns of ``row`` that name the erased person."""
    changes: dict[str, Any] = {}

    def put(path: str, value: Any) -> None:
        column, key = _split(path)
        if key is None:
            changes[column] = value
        else:
            current = dict(changes.get(column, row[column]) or {})
            current[key] = value
            changes[column] = current

    # Text first: its author field is about to be anonymised.
    for text, author in held.texts.items():
        if _names(held, row, author, user_id) and _get(row, text) is not None:
            put(text, "")
    for path in held.mentions:
        if _names(held, row, path, user_id):
            put(path, ANONYMOUS)
    return changes


def _as_seen(held: Holding, row: Mapping[str, Any], user_id: int) -> dict[str, Any]:
    """The row as its person may see it: other people's ids and text hidden."""
    seen = {name: (dict(value) if isinstance(value, dict) else value)
            for name, value in row.items()}

    def put(path: str, value: Any) -> None:
        column, key = _split(path)
        if key is None:
            seen[column] = value
        elif isinstance(seen.get(column), dict) and key in seen[column]:
            seen[column][key] = value

    for text, author in held.texts.items():
        if author != held.key and not _names(held, row, author, user_id) and _get(row, text):
            put(text, WITHHELD)
    for path in (*held.owners, *held.mentions):
        value = _get(row, path)
        if isinstance(value, int) and value not in (user_id, ANONYMOUS):
            put(path, SOMEONE_ELSE)
    return seen


def declared_fields(held: Holding) -> set[str]:
    """Every field the holding declares, for the test that compares it with the schema."""
    paths: Sequence[str] = (*held.owners, *held.mentions, *held.texts, *held.texts.values(),
                            *held.plain)
    found = {_split(path)[0] for path in paths}
    for extra in (held.of_pair, held.key, held.unsent.status if held.unsent else None):
        if extra is not None:
            found.add(extra)
    return found
