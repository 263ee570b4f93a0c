"""Attaching a conversation to a report: only the reporter, only while the report is open,
only once; each staff member gets a heading, the messages oldest first, then a summary."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mentoring.attachments import (
    ATTACHED,
    Relayed,
    ReportAttachments,
    ReportToAttach,
    forward_key,
    plan,
)
from mentoring.errors import Stale, StaleReason
from mentoring.pairing import Notification

NOW = datetime(2026, 11, 12, 10, 0, tzinfo=UTC)
LEA, MARC, SAM, ALEX = 1, 2, 90, 91


class Store:
    def __init__(self, report: ReportToAttach | None, messages: list[Relayed]) -> None:
        self.reports = {report.id: report} if report else {}
        self.messages = messages
        self.queued: list[Notification] = []

    async def report(self, report_id: int) -> ReportToAttach | None:
        return self.reports.get(report_id)

    async def last_messages(self, pair_id: int, limit: int) -> list[Relayed]:
        return self.messages[-limit:]

    async def queue(self, notes: list[Notification], now: datetime) -> bool:
        if any(note.key == notes[0].key for note in self.queued):
            return False
        self.queued += notes
        return True


def conversation(count: int) -> list[Relayed]:
    return [Relayed(n, LEA if n % 2 else MARC, 100 + n) for n in range(count)]


def attachments(store: Store, staff_ids: tuple[int, ...] = (SAM, ALEX)) -> ReportAttachments:
    async def staff() -> list[int]:
        return list(staff_ids)
    return ReportAttachments(store, lambda: NOW, staff)


def test_each_staff_member_gets_heading_messages_and_summary_in_order() -> None:
    report = ReportToAttach(7, LEA, 3, True)
    notes = plan(report, conversation(3), [SAM, ALEX])
    assert [(n.recipient_id, n.kind) for n in notes] == [
        (SAM, "report_attach_head"), (SAM, "report_forward"), (SAM, "report_forward"),
        (SAM, "report_forward"), (SAM, "report_attach_done"),
        (ALEX, "report_attach_head"), (ALEX, "report_forward"), (ALEX, "report_forward"),
        (ALEX, "report_forward"), (ALEX, "report_attach_done")]
    forwards = [n for n in notes if n.kind == "report_forward" and n.recipient_id == SAM]
    assert [(n.params["sender_id"], n.params["message_id"]) for n in forwards] == [
        (MARC, 100), (LEA, 101), (MARC, 102)]
    assert forwards[0].key == forward_key(7, SAM, 0)
    assert len({n.key for n in notes}) == len(notes)


async def test_only_the_last_ten_and_only_once() -> None:
    store = Store(ReportToAttach(7, LEA, 3, True), conversation(14))
    service = attachments(store)
    assert await service.offer(7, LEA) == ATTACHED
    assert await service.attach(7, LEA) == ATTACHED
    sent = [n.params["message_id"] for n in store.queued
            if n.kind == "report_forward" and n.recipient_id == SAM]
    assert sent == list(range(104, 114))
    with pytest.raises(Stale) as again:
        await service.attach(7, LEA)
    assert again.value.reason is StaleReason.ATTACHED


@pytest.mark.parametrize(("report", "presser", "reason"), [
    (ReportToAttach(7, LEA, 3, True), MARC, StaleReason.GONE),  # the partner
    (ReportToAttach(7, LEA, 3, False), LEA, StaleReason.CLOSED),
    (ReportToAttach(7, LEA, None, True), LEA, StaleReason.GONE),  # a report with no pair
    (None, LEA, StaleReason.GONE),
])
async def test_nobody_else_and_no_closed_report(report, presser, reason) -> None:
    store = Store(report, conversation(4))
    service = attachments(store)
    assert await service.offer(7, presser) == 0
    with pytest.raises(Stale) as refused:
        await service.attach(7, presser)
    assert refused.value.reason is reason
    assert store.queued == []


async def test_no_offer_without_messages() -> None:
    store = Store(ReportToAttach(7, LEA, 3, True), [])
    assert await attachments(store).offer(7, LEA) == 0
    with pytest.raises(Stale):
        await attachments(store).attach(7, LEA)


async def test_no_offer_when_there_is_no_staff_to_send_to() -> None:
    store = Store(ReportToAttach(7, LEA, 3, True), conversation(4))
    assert await attachments(store, ()).offer(7, LEA) == 0
    with pytest.raises(Stale):
        await attachments(store, ()).attach(7, LEA)
    assert store.queued == []
