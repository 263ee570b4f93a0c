"""The database schema. Times are stored timezone-aware in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy import false as sa_false
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8))
    telegram_name: Mapped[str | None] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(16), index=True)
    source: Mapped[str | None] = mapped_column(String(64), index=True)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConsentRow(Base):
    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    notice_version: Mapped[str] = mapped_column(String(32))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StudentProfileRow(Base):
    __tablename__ = "student_profiles"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    first_name: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(16), index=True)
    level: Mapped[str] = mapped_column(String(16))
    department: Mapped[str] = mapped_column(String(3), index=True)
    postal_code: Mapped[str | None] = mapped_column(String(5))
    needs: Mapped[list[str]] = mapped_column(JSONType)
    languages: Mapped[list[str]] = mapped_column(JSONType)
    availability: Mapped[list[str]] = mapped_column(JSONType)
    goals: Mapped[str] = mapped_column(Text)
    # The year of birth: students under 18 are proposed only to volunteers with a valid
    # check (see VolunteerVettingRow). None for profiles made before it was asked.
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the student (re)joined the waiting list; None while proposed or paired.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class VolunteerProfileRow(Base):
    __tablename__ = "volunteer_profiles"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    first_name: Mapped[str] = mapped_column(String(64))
    profession: Mapped[str] = mapped_column(String(128))
    sector: Mapped[str] = mapped_column(String(16))
    field: Mapped[str] = mapped_column(String(16), index=True)
    help_families: Mapped[list[str]] = mapped_column(JSONType)
    department: Mapped[str] = mapped_column(String(3), index=True)
    postal_code: Mapped[str | None] = mapped_column(String(5))
    remote: Mapped[bool] = mapped_column(Boolean)
    skills: Mapped[list[str]] = mapped_column(JSONType)
    languages: Mapped[list[str]] = mapped_column(JSONType)
    capacity: Mapped[int] = mapped_column(Integer)
    availability: Mapped[list[str]] = mapped_column(JSONType)
    bio: Mapped[str] = mapped_column(Text)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # True while a pause has to be announced as over when it ends.
    resume_pending: Mapped[bool] = mapped_column(Boolean, default=False,
                                                 server_default=sa_false())
    # The monthly "can you take a student?" question: when it is next due, and when the
    # last one was asked while it waits for an answer.
    availability_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    availability_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # When the profile or the pause last changed: lets a process refresh its in-memory
    # search pool with only what changed.
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Open proposals plus active pairs. Kept in the row so that a reservation is one
    # conditional UPDATE (load < capacity), safe under concurrency on SQLite and PostgreSQL.
    load: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ErasureCountRow(Base):
    """Anonymous daily counts of erased accounts: all that /delete leaves behind."""

    __tablename__ = "erasure_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ConversationStateRow(Base):
    """aiogram's FSM state and data for one chat, so a conversation survives restarts."""

    __tablename__ = "conversation_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProposalRow(Base):
    __tablename__ = "proposals"
    __table_args__ = (
        # A student has at most one open proposal at a time.
        Index("uq_proposals_open_student", "student_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_proposals_open_deadline", "status", "deadline"),
        Index("ix_proposals_pair", "student_id", "volunteer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(String(32))


class PairRow(Base):
    __tablename__ = "pairs"
    __table_args__ = (
        # A student is in at most one active pair.
        Index("uq_pairs_active_student", "student_id", unique=True,
              sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("proposals.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[int | None] = mapped_column(BigInteger)


class ContactOfferRow(Base):
    """A member's offer to show their Telegram contact to their partner, and the answer."""

    __tablename__ = "contact_offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    offered_by: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    offered_to: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))  # pending | accepted | declined
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExclusionRow(Base):
    """A student and a volunteer that staff decided must never be proposed to each other."""

    __tablename__ = "exclusions"

    student_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxRow(Base):
    """A message the bot sends on its own, written in the transaction that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key", name="uq_outbox_key"),
        # Two lanes: direct and scheduled messages (0) go before broadcasts (1).
        Index("ix_outbox_lane_due", "lane", "status", "due_at"),
        Index("ix_outbox_broadcast", "broadcast_id", "status"),
        CheckConstraint("attempts >= 0", name="attempts_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128))
    recipient_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16))  # pending | sending | sent | blocked | failed
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(255))
    lane: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    broadcast_id: Mapped[int | None] = mapped_column(Integer)


class BroadcastRow(Base):
    """An announcement from staff to an audience, sent now or at a chosen time."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    audience: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # scheduled | sending | done | cancelled
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    cancelled_by: Mapped[int | None] = mapped_column(BigInteger)


class SeenUpdateRow(Base):
    """Updates a webhook worker has taken, for a day: Telegram posts an update again when it
    did not get the answer in time, and another worker must not handle it a second time."""

    __tablename__ = "seen_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LeaseRow(Base):
    """Who holds a job that only one process may run (the scheduler), and until when."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedbackRow(Base):
    """What a participant said of their pair when it ended: 1 to 5, and an optional word."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(Integer, ForeignKey("pairs.id", ondelete="CASCADE"),
                                         index=True)
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReportRow(Base):
    """A problem reported about a pair; its reminders stay frozen until staff close it."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FollowUpRow(Base):
    """A pair's follow-up clock (see mentoring.followup): what is due next, and when."""

    __tablename__ = "pair_followups"
    __table_args__ = (Index("ix_pair_followups_due", "next_due_at"),)

    pair_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("pairs.id", ondelete="CASCADE"), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rhythm: Mapped[str] = mapped_column(String(16))
    last_exchange_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_exchange_done: Mapped[bool] = mapped_column(Boolean)
    silent_periods: Mapped[int] = mapped_column(Integer)
    # None once nothing can be due (frozen or ended), so the due index stays small.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_kind: Mapped[str] = mapped_column(String(24))
    frozen: Mapped[bool] = mapped_column(Boolean)
    ended: Mapped[bool] = mapped_column(Boolean)
    sequence: Mapped[int] = mapped_column(Integer)


class ExchangeRow(Base):
    """An answer to a follow-up question: "yes, we talked", "not yet", or a problem."""

    __tablename__ = "exchanges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(Integer, ForeignKey("pairs.id", ondelete="CASCADE"),
                                         index=True)
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    answer: Mapped[str] = mapped_column(String(16))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StaffMemberRow(Base):
    """Staff added from the chat by another staff member (STAFF_IDS are staff anyway)."""

    __tablename__ = "staff_members"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    added_by: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditRow(Base):
    """Every staff action, and every refused attempt at one."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(48))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class RelayMessageRow(Base):
    """One message a member of a pair sent the other through the bot: who, to whom, when
    and what kind, never its content; and the two message ids that replies and edits need.
    Deleted after 30 days, or with the pair."""

    __tablename__ = "relay_messages"
    __table_args__ = (
        Index("ix_relay_messages_pair_sent", "pair_id", "sent_at"),
        # A reply or an edit finds its message from the chat it happens in.
        Index("ix_relay_messages_source", "sender_id", "source_message_id"),
        Index("ix_relay_messages_copy", "recipient_id", "copy_message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(Integer, ForeignKey("pairs.id", ondelete="CASCADE"))
    sender_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    source_message_id: Mapped[int] = mapped_column(BigInteger)
    copy_message_id: Mapped[int] = mapped_column(BigInteger)


class RelayChoiceRow(Base):
    """Which of a volunteer's students their messages go to when they reply to nothing."""

    __tablename__ = "relay_choices"

    volunteer_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False)
    pair_id: Mapped[int] = mapped_column(Integer, ForeignKey("pairs.id", ondelete="CASCADE"),
                                         index=True)
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetingRow(Base):
    """A meeting one member of a pair proposed: up to three slots, then the one the partner
    picked. ``sequence`` grows with every change, for the calendar file (iCalendar SEQUENCE)
    and so that a reminder queued before a change is known stale."""

    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meetings_pair_starts", "pair_id", "starts_at"),
        Index("ix_meetings_status_starts", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(Integer, ForeignKey("pairs.id", ondelete="CASCADE"))
    proposed_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    """call, video or in_person."""
    status: Mapped[str] = mapped_column(String(16))
    """proposed, confirmed, cancelled, held (a session log said it happened) or missed."""
    slots: Mapped[list[str]] = mapped_column(JSONType)
    """The proposed start times, ISO 8601 in UTC."""
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """The slot picked (UTC); None while only proposed."""
    minutes: Mapped[int] = mapped_column(Integer, default=60)
    timezone: Mapped[str] = mapped_column(String(64))
    """The proposer's time zone (IANA name) when the slots were chosen."""
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"))


class SessionLogRow(Base):
    """One member's account of a meeting (or of a check-in answered "yes"): whether it
    happened, what they worked on (codes of the needs list), an optional sentence and, for the
    student, how useful it was (1 to 5). One row per member and occasion."""

    __tablename__ = "session_logs"
    __table_args__ = (
        UniqueConstraint("pair_id", "occasion", "user_id",
                         name="uq_session_logs_pair_occasion_user"),
        Index("ix_session_logs_pair_at", "pair_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(Integer, ForeignKey("pairs.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    happened: Mapped[str | None] = mapped_column(String(16))
    """yes, no or moved; None while asked and not answered."""
    topics: Mapped[list[str]] = mapped_column(JSONType, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    usefulness: Mapped[int | None] = mapped_column(SmallInteger)
    held_on: Mapped[datetime] = mapped_column(UTCDateTime)
    """When the meeting was (or the check-in answered)."""
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    occasion: Mapped[str | None] = mapped_column(String(32))
    """What the question is about: ``meeting:<id>:<sequence>`` (a meeting moved since is
    asked about again) or ``checkin:<n>`` (the pair's n-th follow-up step, answered "yes"),
    so that each member is asked once per occasion."""
    step: Mapped[str] = mapped_column(String(16), default="asked", server_default="done")
    """Where the member is in the questions: asked, topics, note, usefulness or done."""


class OutcomeRow(Base):
    """What came of a pair: the reason it ended and, for the student, what changed.
    Written at /end, at the six-month feedback, when staff close a pair, or any time with
    /news (then ``reason`` is None)."""

    __tablename__ = "outcomes"
    __table_args__ = (Index("ix_outcomes_pair", "pair_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("pairs.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(16))
    """end, feedback, staff or news."""
    reason: Mapped[str | None] = mapped_column(String(24))
    """finished, goal_reached, not_needed, no_contact, incompatible or other."""
    changes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    """internship, job, exam, orientation, confidence or nothing_yet."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    step: Mapped[str] = mapped_column(String(16), default="done", server_default="done")
    """changes while the student is still choosing what changed, then done."""


class VolunteerVettingRow(Base):
    """Where a volunteer stands before meeting students: staff approval, the mentor charter
    they accepted, and the date of their criminal-record check ("attestation
    d'honorabilité"), which expires after CHECK_VALID_MONTHS."""

    __tablename__ = "volunteer_vetting"
    __table_args__ = (Index("ix_volunteer_vetting_status", "status"),)

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False)
    status: Mapped[str] = mapped_column(String(16))
    """pending, approved or refused."""
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    charter_version: Mapped[str | None] = mapped_column(String(16))
    charter_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_on: Mapped[date | None] = mapped_column(Date, index=True)
    """The date of the last check staff recorded; valid for CHECK_VALID_MONTHS from then."""
    check_recorded_by: Mapped[int | None] = mapped_column(BigInteger)
    check_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the volunteer was asked for a new check (a month before expiry)."""
    check_expired_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the expiry of this check was seen (and staff alerted about pairs of minors)."""
    question_from: Mapped[int | None] = mapped_column(BigInteger)
    """The staff member whose question the volunteer has not answered yet."""
    charter_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the charter was last shown to a volunteer who had not accepted its version."""


class StaffBlockRow(Base):
    """A person staff have blocked: their pairs ended, nothing of theirs is relayed or
    answered, and they cannot sign up again under the same account. No foreign key to
    ``users``: the block outlives the account's erasure (the person's /delete blanks the
    reason but keeps the id, so the block still holds if they come back)."""

    __tablename__ = "staff_blocks"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    reason: Mapped[str] = mapped_column(Text)
    blocked_by: Mapped[int] = mapped_column(BigInteger)
    blocked_at: Mapped[datetime] = mapped_column(UTCDateTime)
