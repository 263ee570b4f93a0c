"""Ending a pair, feedback, and problem reports.

A report alerts staff at once; the pair's reminders stay frozen until staff close it (the
follow-up reads ``is_frozen``). Ending frees the volunteer's place and offers the student a
new match.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime

from mentoring import followup, outcomes
from mentoring.errors import Stale, StaleReason
from mentoring.followup import FollowUpPolicy
from mentoring.matchmaking import Matchmaker
from mentoring.pairing import Notification, Pair, PairStatus
from mentoring.ports import Clock, UnitOfWork
from mentoring.text import visible

RATINGS = range(1, 6)
MAX_COMMENT = 500
MAX_REPORT = 2000


class PairCare:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, matchmaker: Matchmaker,
                 staff_ids: Collection[int],
                 follow_up: FollowUpPolicy | None = None) -> None:
        self._follow_up = follow_up or FollowUpPolicy()
        self._uow = uow
        self._clock = clock
        self._matchmaker = matchmaker
        self._staff = sorted(staff_ids)

    async def current_pair(self, pair_id: int, user_id: int) -> Pair:
        """The pair, if it is active and ``user_id`` is in it; else :class:`Stale`."""
        async with self._uow() as uow:
            return await current_pair(uow, pair_id, user_id)

    async def end(self, user_id: int, pair_id: int) -> Pair:
        """End the user's active pair ``pair_id``. The other side is told; the student is
        offered a new match. :class:`Stale` if it is not an active pair of the user's."""
        now = self._clock()
        async with self._uow() as uow:
            pair = await current_pair(uow, pair_id, user_id)
            if not await _close(uow, pair, user_id, now):
                raise Stale()
            other = pair.volunteer_id if user_id == pair.student_id else pair.student_id
            await uow.outbox.add(Notification(f"pair-ended:{pair.id}:{other}", other,
                                              "pair_ended", {"pair_id": pair.id}), now)
            await uow.outbox.add_many(outcomes.questions(
                pair.id, pair.student_id, pair.volunteer_id, outcomes.Source.END, now), now)
            await uow.commit()
        self._matchmaker.note_released(pair.volunteer_id)
        await self._matchmaker.volunteer_ready(pair.volunteer_id)
        return pair

    async def end_by_staff(self, pair_id: int, staff_id: int) -> Pair:
        """Staff end a pair: both members are told; the volunteer's place is freed.
        :class:`Stale` if there is no such pair or it has already ended."""
        now = self._clock()
        async with self._uow() as uow:
            pair = await uow.matching.pair(pair_id)
            if pair is None:
                raise Stale()
            if not await _close(uow, pair, staff_id, now):
                raise Stale(StaleReason.ENDED)
            for member in (pair.student_id, pair.volunteer_id):
                await uow.outbox.add(Notification(f"pair-ended:{pair.id}:{member}", member,
                                                  "pair_ended_by_staff", {"pair_id": pair.id}),
                                     now)
            await uow.outbox.add_many(outcomes.questions(
                pair.id, pair.student_id, pair.volunteer_id, outcomes.Source.STAFF, now), now)
            await uow.staff.audit(staff_id, "pair_end", {"pair_id": pair.id}, now)
            await uow.commit()
        self._matchmaker.note_released(pair.volunteer_id)
        return pair

    async def feedback(self, pair_id: int, user_id: int, rating: int) -> int:
        """Record a 1–5 rating of a pair by one of its two members. Each may rate once
        while it lasts (asked at six months) and once after it ended; :class:`Stale` for
        anyone else or a second rating."""
        async with self._uow() as uow:
            pair = await uow.matching.pair(pair_id)
            if (rating not in RATINGS or pair is None
                    or user_id not in (pair.student_id, pair.volunteer_id)
                    or await uow.matching.has_feedback(pair_id, user_id,
                                                       pair.ended_at or pair.started_at)):
                raise Stale()
            feedback_id = await uow.matching.add_feedback(pair_id, user_id, rating, None,
                                                          self._clock())
            await uow.commit()
            return feedback_id

    async def comment(self, feedback_id: int, user_id: int, text: str) -> bool:
        cleaned = " ".join(visible(text).split())[:MAX_COMMENT]
        async with self._uow() as uow:
            done = await uow.matching.comment_feedback(feedback_id, user_id, cleaned)
            await uow.commit()
            return done

    async def report(self, user_id: int, text: str, pair_id: int | None = None) -> int:
        """A problem about the user's pair (``pair_id``, from a check-in, since a volunteer
        may have several; else their latest), or in general: staff are alerted at once."""
        now = self._clock()
        cleaned = visible(text)[:MAX_REPORT]
        async with self._uow() as uow:
            pair = (await current_pair(uow, pair_id, user_id) if pair_id is not None
                    else await uow.matching.active_pair_of(user_id))
            report_id = await uow.matching.add_report(pair.id if pair else None, user_id,
                                                      cleaned, now)
            clock = await uow.followups.get(pair.id) if pair else None
            if clock is not None:  # reminders stop until staff close the report
                await uow.followups.save(replace(clock, frozen=True))
            for staff_id in sorted(set(self._staff) | await uow.staff.members()):
                await uow.outbox.add(Notification(
                    f"report:{report_id}:{staff_id}", staff_id, "staff_report",
                    {"report_id": report_id, "reporter_id": user_id,
                     "pair_id": pair.id if pair else None, "text": cleaned}), now)
            await uow.commit()
            return report_id

    async def close_report(self, report_id: int) -> None:
        """Staff closed a report: the pair's follow-up starts again, unless another report
        about it is still open. :class:`Stale` if there is no such open report."""
        now = self._clock()
        async with self._uow() as uow:
            closed, pair_id = await uow.matching.close_report(report_id, now)
            if not closed:
                raise Stale(StaleReason.CLOSED if await uow.matching.report_exists(report_id)
                            else StaleReason.GONE)
            still_open = any(p == pair_id for _r, p, _u, _t, _c in
                             await uow.matching.open_reports())
            clock = await uow.followups.get(pair_id) if pair_id is not None else None
            if clock is not None and not still_open:
                await uow.followups.save(followup.unfreeze(clock, now, self._follow_up))
            await uow.commit()

    async def open_reports(self) -> list[tuple[int, int | None, int | None, str, datetime]]:
        async with self._uow() as uow:
            return await uow.matching.open_reports()

    async def is_frozen(self, pair_id: int) -> bool:
        """True while a report about the pair is open."""
        return any(pair == pair_id for _r, pair, _u, _t, _c in await self.open_reports())


async def current_pair(uow: UnitOfWork, pair_id: int, member_id: int) -> Pair:
    """The one check behind every pair button: the pair exists, is active, and
    ``member_id`` is one of its two members. A volunteer may have several current pairs."""
    pair = await uow.matching.pair(pair_id)
    if (pair is None or pair.status is not PairStatus.ACTIVE
            or member_id not in (pair.student_id, pair.volunteer_id)):
        raise Stale()
    return pair


async def _close(uow: UnitOfWork, pair: Pair, by: int, now: datetime) -> bool:
    """End an active pair and free the volunteer's place; False if it had already ended."""
    if not await uow.matching.end_pair(pair.id, now, by=by):
        return False
    await uow.matching.release(pair.volunteer_id)
    return True
