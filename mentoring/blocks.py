"""Staff block a person (/block ID reason) and lift it (/unblock ID).

A block ends the person's pairs (their partners are told kindly, without the reason, and a
student is offered a new mentor), withdraws their open proposals, and from then on nothing
the person sends is relayed or answered; they cannot sign up again under the same account.
Both are in the audit log (without the reason, which stays in ``staff_blocks``).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from mentoring import outcomes
from mentoring.matchmaking import Matchmaker
from mentoring.pairing import Notification, ProposalStatus
from mentoring.ports import Clock, UnitOfWork
from mentoring.staff import StaffDirectory
from mentoring.text import visible

MAX_REASON = 500


class BlockChange(StrEnum):
    DONE = "done"
    ALREADY = "already"
    """Already blocked (for /block), or not blocked (for /unblock)."""
    UNKNOWN = "unknown"
    """Nobody with this id ever wrote to the bot."""
    STAFF = "staff"
    """Staff are not blocked: remove them from the staff first."""
    NO_REASON = "no_reason"


class Blocks:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, matchmaker: Matchmaker,
                 staff: StaffDirectory) -> None:
        self._uow = uow
        self._clock = clock
        self._matchmaker = matchmaker
        self._staff = staff

    async def block(self, actor_id: int, user_id: int, reason: str) -> BlockChange:
        cleaned = " ".join(visible(reason).split())[:MAX_REASON]
        if not cleaned:
            return BlockChange.NO_REASON
        if await self._staff.is_staff(user_id):
            return BlockChange.STAFF
        now = self._clock()
        async with self._uow() as uow:
            if await uow.users.get(user_id) is None:
                return BlockChange.UNKNOWN
            if not await uow.blocks.add(user_id, cleaned, actor_id, now):
                return BlockChange.ALREADY
            students: set[int] = set()
            volunteers: set[int] = set()
            for proposal in await uow.matching.open_proposals_of(user_id):
                await uow.matching.close_proposal(proposal.id, ProposalStatus.CANCELLED, now)
                await uow.matching.release(proposal.volunteer_id)
                students.add(proposal.student_id)
                volunteers.add(proposal.volunteer_id)
            ended = []
            for pair in await uow.matching.active_pairs_of(user_id):
                if not await uow.matching.end_pair(pair.id, now, by=actor_id):
                    continue
                await uow.matching.release(pair.volunteer_id)
                volunteers.add(pair.volunteer_id)
                partner = pair.volunteer_id if pair.student_id == user_id else pair.student_id
                # The words of a pair ended by staff: kind, no reason, a new mentor offered
                # to a student (handlers/notifications.py).
                await uow.outbox.add(Notification(f"pair-ended:{pair.id}:{partner}", partner,
                                                  "pair_ended_by_staff", {"pair_id": pair.id}),
                                     now)
                # The partner is asked what the pair changed, as after any end; not the
                # blocked person.
                await uow.outbox.add_many([question for question in outcomes.questions(
                    pair.id, pair.student_id, pair.volunteer_id, outcomes.Source.STAFF, now)
                    if question.recipient_id == partner], now)
                ended.append(pair.id)
            await uow.staff.audit(actor_id, "block", {"user_id": user_id, "pairs": ended}, now)
            await uow.commit()
        for volunteer_id in sorted(volunteers - {user_id}):
            self._matchmaker.note_released(volunteer_id)
            await self._matchmaker.volunteer_ready(volunteer_id)
        for student_id in sorted(students - {user_id}):  # their proposal was withdrawn
            await self._matchmaker.student_ready(student_id)
        return BlockChange.DONE

    async def unblock(self, actor_id: int, user_id: int) -> BlockChange:
        now = self._clock()
        async with self._uow() as uow:
            if not await uow.blocks.remove(user_id):
                return BlockChange.ALREADY
            await uow.staff.audit(actor_id, "unblock", {"user_id": user_id}, now)
            await uow.commit()
        if await self._matchmaker.is_volunteer(user_id):
            await self._matchmaker.volunteer_ready(user_id)
        return BlockChange.DONE

    async def is_blocked(self, user_id: int) -> bool:
        async with self._uow() as uow:
            return await uow.blocks.is_blocked(user_id)
