"""The outbox sender against the strict sandbox: pace, 429, 403, 5xx and a crashed sender."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import build_sender
from mentoring.pairing import Notification
from storage.tables import OutboxRow, UserRow
from storage.uow import SqlUnitOfWork
from tests.e2e.conftest import staffed


async def queue(binome, users, kind: str = "student_waiting", key: str = "k",
                params: dict | None = None) -> None:
    now = datetime.now(UTC)
    async with SqlUnitOfWork(binome.runtime.sessions) as uow:
        for user in users:
            await uow.outbox.add(Notification(f"{key}:{user.id}", user.id, kind,
                                              dict(params or {})), now)
        await uow.commit()


async def started_users(client, count: int) -> list:
    users = []
    for n in range(count):
        user = await client.create_user(first_name=f"U{n}", language_code="en")
        await user.send("/start")
        users.append(user)
    return users


async def statuses(binome) -> dict[int, str]:
    async with binome.runtime.sessions() as session:
        rows = await session.execute(select(OutboxRow.recipient_id, OutboxRow.status))
        return dict(rows.all())


async def test_the_same_key_is_queued_once(binome, client) -> None:
    [user] = await started_users(client, 1)
    await queue(binome, [user])
    await queue(binome, [user])
    assert await binome.drain() == 1
    assert await binome.drain() == 0
    delivered = Counter(m["text"] for m in await user.bot_messages())
    assert any("waiting list" in text for text in delivered)
    assert set(delivered.values()) == {1}, delivered


async def test_a_row_that_cannot_be_rendered_fails_alone(binome, client, caplog) -> None:
    users = await started_users(client, 50)
    poisoned, fine = users[17], users[:17] + users[18:]
    await queue(binome, fine)
    await queue(binome, [poisoned], kind="proposal", key="poison")  # no student_id
    assert await binome.drain() == 49
    async with binome.runtime.sessions() as session:
        rows = (await session.execute(
            select(OutboxRow.recipient_id, OutboxRow.status, OutboxRow.last_error))).all()
    assert Counter(status for _, status, _ in rows) == {"sent": 49, "failed": 1}
    [(recipient, _, error)] = [row for row in rows if row[1] == "failed"]
    assert recipient == poisoned.id and "student_id" in error
    async with binome.runtime.sessions() as session:
        row_id = await session.scalar(select(OutboxRow.id).where(OutboxRow.status == "failed"))
    assert f"outbox {row_id} (proposal) could not be rendered" in caplog.text
    for user in fine:
        assert sum("waiting list" in m["text"] for m in await user.bot_messages()) == 1
    assert await binome.drain(datetime.now(UTC) + timedelta(hours=1)) == 0  # never again


async def test_an_unexpected_error_while_sending_leaves_no_row_sending(binome, client,
                                                                       monkeypatch) -> None:
    users = await started_users(client, 5)
    await queue(binome, users)
    unlucky = users[2].id
    real_send = binome.bot.send_message

    async def send_message(chat_id, *args, **kwargs):
        if chat_id == unlucky:
            raise RuntimeError("a bug between us and Telegram")
        return await real_send(chat_id, *args, **kwargs)

    monkeypatch.setattr(binome.bot, "send_message", send_message)
    assert await binome.drain() == 4
    found = await statuses(binome)
    assert found[unlucky] == "pending"  # retried later with back-off, not stuck
    assert [status for user, status in found.items() if user != unlucky] == ["sent"] * 4
    monkeypatch.setattr(binome.bot, "send_message", real_send)
    assert await binome.drain(datetime.now(UTC) + timedelta(minutes=1)) == 1


async def test_a_burst_stays_under_telegrams_limit(binome, client) -> None:
    users = await started_users(client, 40)
    await client.set_limits(global_rate=30, chat_burst=5)  # as strict as Telegram
    await asyncio.sleep(1.1)  # let the replies to /start leave Telegram's one-second window
    before = (await client.bot_info())["too_many_requests"]
    await queue(binome, users)
    assert await binome.drain() == 40
    assert (await client.bot_info())["too_many_requests"] == before
    assert set((await statuses(binome)).values()) == {"sent"}


async def test_429_is_waited_out_and_nothing_is_lost_or_doubled(binome, client) -> None:
    users = await started_users(client, 3)
    await client.add_fault("sendMessage", "429", count=2, retry_after=1)
    await queue(binome, users)
    delivered = await binome.drain()
    delivered += await binome.drain(datetime.now(UTC) + timedelta(seconds=2))
    assert delivered == 3
    for user in users:
        waiting = [m for m in await user.bot_messages() if "waiting list" in m["text"]]
        assert len(waiting) == 1


async def test_a_user_who_blocked_the_bot_is_never_retried(binome, client) -> None:
    blocked, fine = await started_users(client, 2)
    await blocked.block()
    await queue(binome, [blocked, fine])
    assert await binome.drain() == 1
    assert (await statuses(binome))[blocked.id] == "blocked"
    assert await binome.drain(datetime.now(UTC) + timedelta(hours=1)) == 0
    async with binome.runtime.sessions() as session:
        assert await session.scalar(select(UserRow.blocked).where(UserRow.id == blocked.id))


async def test_server_errors_are_retried_later(binome, client) -> None:
    [user] = await started_users(client, 1)
    await client.add_fault("sendMessage", "500", count=1)
    await queue(binome, [user])
    assert await binome.drain() == 0
    assert (await statuses(binome))[user.id] == "pending"
    assert await binome.drain(datetime.now(UTC) + timedelta(seconds=10)) == 1


async def test_rows_claimed_by_a_crashed_sender_are_sent_after_the_lease(binome, client) -> None:
    [user] = await started_users(client, 1)
    await queue(binome, [user])
    crashed = build_sender(binome.runtime, binome.bot)
    claimed = await binome.runtime.outbox.claim(datetime.now(UTC), 10)  # then it dies
    assert [row.recipient_id for row in claimed] == [user.id]
    assert await crashed.drain() == 0  # still leased
    assert await binome.drain(datetime.now(UTC) + timedelta(minutes=2)) == 1
    assert (await statuses(binome))[user.id] == "sent"


async def test_staff_see_the_failed_messages_of_the_week_in_stats(make_binome, client) -> None:
    async with staffed(make_binome, client) as (running, boss):
        old = datetime.now(UTC) - timedelta(days=8)
        async with SqlUnitOfWork(running.runtime.sessions) as uow:
            await uow.outbox.add(Notification("poison:old", boss.id, "no_such_kind",
                                              due_at=old), old)
            await uow.commit()
        assert await running.drain(old) == 0  # failed eight days ago: not in the figure
        await queue(running, [boss], kind="no_such_kind", key="poison")
        assert await running.drain() == 0
        await boss.send("/stats")
        figures = (await boss.bot_messages())[-2]["text"]
        assert "Messages that failed in the last 7 days: 1" in figures


async def test_a_stopped_sender_gives_back_what_it_has_not_sent(make_binome, client) -> None:
    running = make_binome(send_rate=2)  # claims four at a time, two a second
    await running.start()
    try:
        users = await started_users(client, 6)
        await queue(running, users)
        sender = build_sender(running.runtime, running.bot)
        draining = asyncio.create_task(sender.drain())
        for _ in range(100):
            if "sent" in (await statuses(running)).values():
                break
            await asyncio.sleep(0.05)
        sender.stop()
        delivered = await asyncio.wait_for(draining, 5)
        async with running.runtime.sessions() as session:
            rows = (await session.execute(select(OutboxRow.status, OutboxRow.attempts))).all()
        assert Counter(status for status, _ in rows) == {"sent": delivered,
                                                         "pending": 6 - delivered}
        assert delivered < 4  # the claimed batch was not sent out in full
        assert {attempts for status, attempts in rows if status == "pending"} == {0}
        assert await running.drain() == 6 - delivered
    finally:
        await running.stop()


async def test_a_slow_send_keeps_the_order_of_a_persons_messages(binome, client,
                                                                 monkeypatch) -> None:
    [user] = await started_users(client, 1)
    await queue(binome, [user], kind="student_waiting", key="first")
    await queue(binome, [user], kind="proposal_expired", key="second")
    real_send = binome.bot.send_message
    calls = 0

    async def send_message(chat_id, *args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 1:  # the first message takes longer than the chat's one-second slot
            await asyncio.sleep(1.6)
        return await real_send(chat_id, *args, **kwargs)

    monkeypatch.setattr(binome.bot, "send_message", send_message)
    assert await binome.drain() == 2
    texts = [m["text"] for m in await user.bot_messages()]
    assert "waiting list" in texts[-2] and "closed without an answer" in texts[-1], texts
