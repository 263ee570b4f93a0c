"""Contact offers in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.contacts import ContactOffer, OfferStatus
from storage.tables import ContactOfferRow


class SqlContactOffers:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, offer: ContactOffer) -> int:
        offer_id = await self._session.scalar(insert(ContactOfferRow).values(
            pair_id=offer.pair_id, offered_by=offer.offered_by, offered_to=offer.offered_to,
            status=offer.status.value, created_at=offer.created_at,
            answered_at=offer.answered_at).returning(ContactOfferRow.id))
        assert offer_id is not None
        return int(offer_id)

    async def get(self, offer_id: int) -> ContactOffer | None:
        row = await self._session.get(ContactOfferRow, offer_id)
        return _offer(row) if row is not None else None

    async def latest(self, pair_id: int, offered_by: int) -> ContactOffer | None:
        row = await self._session.scalar(
            select(ContactOfferRow)
            .where(ContactOfferRow.pair_id == pair_id, ContactOfferRow.offered_by == offered_by)
            .order_by(ContactOfferRow.id.desc()).limit(1))
        return _offer(row) if row is not None else None

    async def answer(self, offer_id: int, status: OfferStatus, now: datetime) -> bool:
        # Conditional on 'pending', so two taps racing each other answer once.
        result = await self._session.execute(
            update(ContactOfferRow)
            .where(ContactOfferRow.id == offer_id,
                   ContactOfferRow.status == OfferStatus.PENDING.value)
            .values(status=status.value, answered_at=now))
        return bool(getattr(result, "rowcount", 0))


def _offer(row: ContactOfferRow) -> ContactOffer:
    return ContactOffer(row.id, row.pair_id, row.offered_by, row.offered_to,
                        OfferStatus(row.status), row.created_at, row.answered_at)
