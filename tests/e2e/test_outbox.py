"""The outbox sender against the strict sandbox: pace, 429, 403, 5xx and a crashed sender."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import build_sender
from mentoring.pairing import Notification
from storage.tables import OutboxRow, UserRow
from storage.uow import SqlUnitOfWork


async def queue(binome, users, kind: str = "student_waiting", key: str = "k") -> None:
    now = datetime.now(UTC)
    async with SqlUnitOfWork(binome.runtime.sessions) as uow:
        for user in users:
            await uow.outbox.add(Notification(f"{key}:{user.id}", user.id, kind), now)
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
    texts = [m["text"] for m in await user.bot_messages()]
    assert texts.count(texts[-1]) == 1


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
