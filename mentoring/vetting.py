"""Safeguarding: volunteers approved by staff after accepting the mentor charter, the
students' age, and the criminal-record check that lets a volunteer meet a minor.

A year of birth is all we ask, so an age is known only to one year: the rules err on the
side of the young person. Someone may sign up from the year they turn ``min_age``; they are
treated as a minor until the first of January after the year they turn 18.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from mentoring.errors import DomainError, InvalidAnswer, Stale, StaleReason
from mentoring.model import VolunteerProfile
from mentoring.pairing import Notification
from mentoring.ports import Clock, UnitOfWork

CHARTER_VERSION = "2026-12"
"""Bump it when the charter's text changes: every volunteer is asked again at their next
message to the bot."""
ADULT_AGE = 18
OLDEST_YEAR_OFFSET = 100
CHARTER_ASKED_AGAIN_AFTER = timedelta(days=1)
SLACK = timedelta(days=3)


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass(frozen=True)
class Safeguarding:
    approval_required: bool = True
    min_age: int = 16
    check_valid_months: int = 12

    def too_young(self, birth_year: int, today: date) -> bool:
        """Under the minimum age all this year (they do not turn ``min_age`` before 1 Jan)."""
        return today.year - birth_year < self.min_age

    def check_expires_on(self, check_on: date) -> date:
        """The first day the check no longer counts."""
        return add_months(check_on, self.check_valid_months)

    def renewal_due_on(self, check_on: date) -> date:
        """The day the volunteer is asked for a new check: a month before it expires."""
        return add_months(check_on, self.check_valid_months - 1)

    def check_valid(self, check_on: date | None, today: date) -> bool:
        return check_on is not None and check_on <= today < self.check_expires_on(check_on)


def is_minor(birth_year: int | None, today: date) -> bool:
    """Possibly under 18 today: someone born in ``birth_year`` may not have had their
    birthday yet. Unknown (profiles from before the question existed) counts as adult."""
    return birth_year is not None and today.year - birth_year - 1 < ADULT_AGE


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier); the 31st becomes the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def parse_birth_year(raw: str, today: date) -> int:
    """A year of birth typed or pressed; InvalidAnswer unless it is a plausible one."""
    text = raw.strip()
    if not (len(text) == 4 and text.isdigit()):
        raise InvalidAnswer("birth_year", "not_a_year")
    year = int(text)
    if year > today.year:
        raise InvalidAnswer("birth_year", "future_year")
    if year < today.year - OLDEST_YEAR_OFFSET:
        raise InvalidAnswer("birth_year", "not_a_year")
    return year


def birth_year_choices(today: date) -> list[int]:
    """The years offered as buttons: 15 to 30 years ago, youngest first."""
    return [today.year - offset for offset in range(15, 31)]


def parse_check_date(raw: str, today: date, policy: Safeguarding) -> date:
    """The date of a check typed by staff (2026-11-30 or 30/11/2026)."""
    text = raw.strip()
    try:
        if "/" in text:
            day, month, year = (int(part) for part in text.split("/"))
            found = date(year, month, day)
        else:
            found = date.fromisoformat(text)
    except ValueError:
        raise CheckRefused("not_a_date") from None
    if found > today:
        raise CheckRefused("future")
    if policy.check_expires_on(found) <= today:
        raise CheckRefused("expired")
    return found


class CharterNotAccepted(DomainError):
    """Staff tried to approve a volunteer who has not accepted the charter yet."""


class CheckRefused(DomainError):
    """A check date staff typed that cannot be recorded; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class VettingRecord:
    user_id: int
    status: Status
    submitted_at: datetime
    decided_at: datetime | None = None
    decided_by: int | None = None
    refusal_reason: str | None = None
    charter_version: str | None = None
    charter_accepted_at: datetime | None = None
    check_on: date | None = None
    check_recorded_by: int | None = None
    check_reminded_at: datetime | None = None
    question_from: int | None = None
    charter_asked_at: datetime | None = None
    check_expired_alerted_at: datetime | None = None

    @property
    def charter_current(self) -> bool:
        return self.charter_version == CHARTER_VERSION


@dataclass(frozen=True)
class DueChecks:
    """Volunteers whose check is due for renewal, and pairs of a minor whose volunteer's
    check has just expired, found by the nightly look at the checks."""

    renewals: int
    expired_pairs: int


class Vetting:
    """Use cases of approval, the charter and checks. One unit of work per call."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, policy: Safeguarding,
                 staff: Callable[[], object]) -> None:
        self._uow = uow
        self._clock = clock
        self.policy = policy
        self._staff = staff  # an async callable giving the staff ids

    async def _staff_ids(self) -> Collection[int]:
        members = await self._staff()  # type: ignore[misc]
        return list(members)

    async def record(self, volunteer_id: int) -> VettingRecord | None:
        async with self._uow() as uow:
            return await uow.vetting.get(volunteer_id)

    async def submitted(self, volunteer_id: int) -> VettingRecord | None:
        """A volunteer confirmed their profile: staff hear of a new one to approve."""
        now = self._clock()
        staff = await self._staff_ids()  # before the unit of work: it opens its own
        async with self._uow() as uow:
            record = await uow.vetting.get(volunteer_id)
            if record is None or record.status is not Status.PENDING:
                return record
            # The charter follows this message: not shown again at their next one.
            await uow.vetting.save(replace(record, charter_asked_at=now))
            for member in staff:
                await uow.outbox.add(Notification(
                    f"vetting-new:{volunteer_id}:{record.submitted_at.isoformat()}:{member}",
                    member, "vetting_new", {"volunteer_id": volunteer_id}), now)
            await uow.commit()
            return record

    async def pending(self, limit: int = 30) -> list[tuple[VolunteerProfile, VettingRecord]]:
        """Volunteers waiting for a decision, oldest first."""
        async with self._uow() as uow:
            return await uow.vetting.pending(limit)

    async def accept_charter(self, volunteer_id: int, version: str) -> VettingRecord:
        """The volunteer tapped "I accept" under the charter of ``version``."""
        now = self._clock()
        async with self._uow() as uow:
            record = await uow.vetting.get(volunteer_id)
            if record is None or version != CHARTER_VERSION or record.status is Status.REFUSED:
                raise Stale()
            if record.charter_current:
                raise Stale(StaleReason.ALREADY_ANSWERED)
            record = replace(record, charter_version=version, charter_accepted_at=now)
            await uow.vetting.save(record)
            await uow.commit()
            return record

    async def charter_due(self, volunteer_id: int) -> bool:
        """Whether to show the charter at this contact: not accepted in its current version,
        and not shown in the last day (one message is enough, not one per message)."""
        if not self.policy.approval_required:
            return False
        now = self._clock()
        async with self._uow() as uow:
            record = await uow.vetting.get(volunteer_id)
            if (record is None or record.charter_current or record.status is Status.REFUSED
                    or (record.charter_asked_at is not None
                        and now - record.charter_asked_at < CHARTER_ASKED_AGAIN_AFTER)):
                return False
            await uow.vetting.save(replace(record, charter_asked_at=now))
            await uow.commit()
            return True

    async def approve(self, staff_id: int, volunteer_id: int) -> VettingRecord:
        now = self._clock()
        async with self._uow() as uow:
            record = await self._pending(uow, volunteer_id)
            if not record.charter_current:
                raise CharterNotAccepted()
            record = replace(record, status=Status.APPROVED, decided_at=now,
                             decided_by=staff_id, question_from=None)
            await uow.vetting.save(record)
            await uow.matching.touch_volunteer(volunteer_id, now)  # the pools see it
            await uow.staff.audit(staff_id, "volunteer_approved",
                                  {"volunteer": volunteer_id}, now)
            await uow.outbox.add(Notification(f"vetting-approved:{volunteer_id}",
                                              volunteer_id, "vetting_approved"), now)
            await uow.commit()
            return record

    async def refuse(self, staff_id: int, volunteer_id: int, reason: str) -> VettingRecord:
        """Refuse a pending volunteer; ``reason`` is sent to them in kind words."""
        now = self._clock()
        async with self._uow() as uow:
            record = await self._pending(uow, volunteer_id)
            record = replace(record, status=Status.REFUSED, decided_at=now,
                             decided_by=staff_id, refusal_reason=reason, question_from=None)
            await uow.vetting.save(record)
            await uow.staff.audit(staff_id, "volunteer_refused", {"volunteer": volunteer_id},
                                  now)
            await uow.outbox.add(Notification(
                f"vetting-refused:{volunteer_id}", volunteer_id, "vetting_refused",
                {"body": reason, "sender_id": staff_id}), now)
            await uow.commit()
            return record

    async def ask(self, staff_id: int, volunteer_id: int, question: str) -> None:
        """Relay a staff member's question to a pending volunteer; their next message is
        the answer, relayed back to that staff member."""
        now = self._clock()
        async with self._uow() as uow:
            record = await self._pending(uow, volunteer_id)
            await uow.vetting.save(replace(record, question_from=staff_id))
            await uow.staff.audit(staff_id, "volunteer_question", {"volunteer": volunteer_id},
                                  now)
            await uow.outbox.add(Notification(
                f"vetting-question:{volunteer_id}:{now.isoformat()}", volunteer_id,
                "vetting_question", {"body": question, "sender_id": staff_id}), now)
            await uow.commit()

    async def answer(self, volunteer_id: int, text: str) -> bool:
        """The volunteer's answer to an open question, relayed to the staff member who
        asked; False when no question is open."""
        now = self._clock()
        async with self._uow() as uow:
            record = await uow.vetting.get(volunteer_id)
            if record is None or record.question_from is None:
                return False
            await uow.vetting.save(replace(record, question_from=None))
            await uow.outbox.add(Notification(
                f"vetting-answer:{volunteer_id}:{now.isoformat()}", record.question_from,
                "vetting_answer", {"volunteer_id": volunteer_id, "body": text,
                                   "sender_id": volunteer_id}), now)
            await uow.commit()
            return True

    async def record_check(self, staff_id: int, volunteer_id: int, raw: str) -> date:
        """Record the date of a volunteer's criminal-record check; CheckRefused if the date
        is not one, is in the future or is of a check already expired."""
        now = self._clock()
        day = parse_check_date(raw, now.date(), self.policy)
        async with self._uow() as uow:
            record = await uow.vetting.get(volunteer_id)
            if record is None or record.status is Status.REFUSED:
                raise Stale()
            await uow.vetting.save(replace(record, check_on=day, check_recorded_by=staff_id,
                                           check_reminded_at=None,
                                           check_expired_alerted_at=None))
            await uow.staff.audit(staff_id, "volunteer_check",
                                  {"volunteer": volunteer_id, "check_on": day.isoformat()}, now)
            await uow.commit()
            return day

    async def run_due(self, now: datetime | None = None) -> DueChecks:
        """Ask volunteers for a new check a month before theirs expires, and alert staff
        about each current pair of a minor whose volunteer's check has expired. Each
        happens once per check (the outbox key and the record's marks)."""
        now = now or self._clock()
        today = now.date()
        renewals = expired_pairs = 0
        staff = await self._staff_ids()
        async with self._uow() as uow:
            # The queries take a few days' slack (months differ in length); the policy
            # decides to the day.
            for record in await uow.vetting.checks_to_renew(
                    add_months(today, -(self.policy.check_valid_months - 1)) + SLACK):
                assert record.check_on is not None
                if self.policy.renewal_due_on(record.check_on) > today:
                    continue
                await uow.vetting.save(replace(record, check_reminded_at=now))
                renewals += await uow.outbox.add(Notification(
                    f"check-renewal:{record.user_id}:{record.check_on.isoformat()}",
                    record.user_id, "check_renewal",
                    {"expires_on": self.policy.check_expires_on(record.check_on).isoformat()}),
                    now)
            for record in await uow.vetting.checks_expired(
                    add_months(today, -self.policy.check_valid_months) + SLACK):
                assert record.check_on is not None
                if self.policy.check_expires_on(record.check_on) > today:
                    continue
                await uow.vetting.save(replace(record, check_expired_alerted_at=now))
                await uow.matching.touch_volunteer(record.user_id, now)
                for pair in await uow.matching.active_pairs_of(record.user_id):
                    student = await uow.profiles.student(pair.student_id)
                    if student is None or not is_minor(student.birth_year, today):
                        continue
                    expired_pairs += 1
                    for member in staff:
                        await uow.outbox.add(Notification(
                            f"check-expired:{pair.id}:{record.check_on.isoformat()}:{member}",
                            member, "check_expired_staff",
                            {"pair_id": pair.id, "volunteer_id": record.user_id,
                             "student_id": pair.student_id}), now)
            await uow.commit()
        return DueChecks(renewals, expired_pairs)

    @staticmethod
    async def _pending(uow: UnitOfWork, volunteer_id: int) -> VettingRecord:
        record = await uow.vetting.get(volunteer_id)
        if record is None:
            raise Stale()
        if record.status is not Status.PENDING:
            raise Stale(StaleReason.ALREADY_ANSWERED)
        return record
