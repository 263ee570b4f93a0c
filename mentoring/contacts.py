"""Contacts only by mutual choice: a member of a pair offers their Telegram contact, the
partner accepts or declines, and the contact is shown only to a partner who accepted. The
pair writes through the bot's relay whatever they choose, so no choice strands anyone.

Also what happens when an introduction cannot be delivered at all: staff are told, since a
new pair must never be left without it and nobody knowing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from mentoring.errors import Stale, StaleReason
from mentoring.pair_care import current_pair
from mentoring.pairing import Notification, PairStatus
from mentoring.ports import Clock, UnitOfWork


class OfferStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@dataclass(frozen=True)
class ContactOffer:
    id: int
    pair_id: int
    offered_by: int
    offered_to: int
    status: OfferStatus
    created_at: datetime
    answered_at: datetime | None = None


class ContactOfferRepository(Protocol):
    async def add(self, offer: ContactOffer) -> int: ...
    async def get(self, offer_id: int) -> ContactOffer | None: ...
    async def latest(self, pair_id: int, offered_by: int) -> ContactOffer | None: ...
    async def answer(self, offer_id: int, status: OfferStatus, now: datetime) -> bool:
        """Close a pending offer; False if it was no longer pending."""
        ...


class WithContacts(UnitOfWork, Protocol):
    @property
    def contacts(self) -> ContactOfferRepository: ...

    async def __aenter__(self) -> WithContacts: ...


class Offered(StrEnum):
    SENT = "sent"
    ALREADY_PENDING = "already_pending"
    ALREADY_ACCEPTED = "already_accepted"


class Contacts:
    def __init__(self, uow: Callable[[], WithContacts], clock: Clock,
                 staff_ids: Collection[int]) -> None:
        self._uow = uow
        self._clock = clock
        self._staff = sorted(staff_ids)

    async def offer(self, pair_id: int, user_id: int) -> tuple[Offered, int]:
        """``user_id`` offers their contact to their partner in ``pair_id``; returns what
        happened and the partner's id. :class:`Stale` unless the pair is theirs and active.
        An offer already waiting, or already accepted, is not sent again."""
        now = self._clock()
        async with self._uow() as uow:
            pair = await current_pair(uow, pair_id, user_id)
            partner = pair.volunteer_id if user_id == pair.student_id else pair.student_id
            latest = await uow.contacts.latest(pair.id, user_id)
            if latest is not None and latest.status is OfferStatus.PENDING:
                return Offered.ALREADY_PENDING, partner
            if latest is not None and latest.status is OfferStatus.ACCEPTED:
                return Offered.ALREADY_ACCEPTED, partner
            offer_id = await uow.contacts.add(ContactOffer(
                0, pair.id, user_id, partner, OfferStatus.PENDING, now))
            await uow.outbox.add(Notification(f"contact-offer:{offer_id}", partner,
                                              "contact_offer", {"offer_id": offer_id}), now)
            await uow.commit()
            return Offered.SENT, partner

    async def answer(self, offer_id: int, user_id: int, accept: bool) -> ContactOffer:
        """The partner's one tap on an offer. :class:`Stale` when the offer is not theirs
        (forged), already answered, or its pair has ended: nothing changes then."""
        now = self._clock()
        async with self._uow() as uow:
            offer = await uow.contacts.get(offer_id)
            if offer is None or offer.offered_to != user_id:
                raise Stale()
            await self._current(uow, offer)
            status = OfferStatus.ACCEPTED if accept else OfferStatus.DECLINED
            if offer.status is not OfferStatus.PENDING or not await uow.contacts.answer(
                    offer.id, status, now):
                raise Stale()  # already answered: the common refusal, nothing changes
            if accept:
                await uow.outbox.add(Notification(
                    f"contact-revealed:{offer.id}", offer.offered_to, "contact_revealed",
                    {"offer_id": offer.id}), now)
                await uow.outbox.add(Notification(
                    f"contact-accepted:{offer.id}", offer.offered_by, "contact_accepted",
                    {"offer_id": offer.id}), now)
            await uow.commit()
            return ContactOffer(offer.id, offer.pair_id, offer.offered_by, offer.offered_to,
                                status, offer.created_at, now)

    async def shown_to(self, offer_id: int, recipient: int,
                       status: OfferStatus) -> ContactOffer | None:
        """The offer, if it is ``recipient``'s to see in ``status`` and its pair is still
        active; None otherwise (the message no longer applies)."""
        async with self._uow() as uow:
            offer = await uow.contacts.get(offer_id)
            if offer is None or offer.status is not status:
                return None
            if recipient not in (offer.offered_to, offer.offered_by):
                return None
            pair = await uow.matching.pair(offer.pair_id)
            if pair is None or pair.status is not PairStatus.ACTIVE:
                return None
            return offer

    async def introduction_refused(self, row_id: int, kind: str, params: dict[str, Any],
                                   error: str) -> None:
        """Telegram refused an introduction for a reason other than a button: every staff
        member is told which pair and why, so someone can reach them."""
        now = self._clock()
        async with self._uow() as uow:
            staff = sorted(set(self._staff) | await uow.staff.members())
            alert = {"pair_id": params.get("pair_id"), "student_id": params.get("student_id"),
                     "volunteer_id": params.get("volunteer_id"), "kind": kind,
                     "error": error[:200]}
            await uow.outbox.add_many([
                Notification(f"intro-refused:{row_id}:{staff_id}", staff_id,
                             "intro_refused_staff", alert) for staff_id in staff], now)
            await uow.commit()

    @staticmethod
    async def _current(uow: UnitOfWork, offer: ContactOffer) -> None:
        try:
            await current_pair(uow, offer.pair_id, offer.offered_to)
        except Stale:
            raise Stale(StaleReason.ENDED) from None
