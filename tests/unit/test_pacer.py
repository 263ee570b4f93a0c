"""The sender's pace: spacing, one message a second per chat, and 429s."""

from __future__ import annotations

import pytest

from bot import outbox
from bot.outbox import Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake(monkeypatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(outbox.asyncio, "sleep", fake.sleep)
    return fake


async def test_messages_are_spaced_a_little_wider_than_the_rate(fake) -> None:
    pacer = Pacer(30, monotonic=fake)
    for chat in range(31):
        await pacer.wait(chat)
    # 31 messages never fit in one second: the 31st comes 1.01 s after the first.
    assert fake.now - 1000.0 == pytest.approx(30 * 1.01 / 30)


async def test_one_chat_gets_about_one_message_a_second(fake) -> None:
    pacer = Pacer(30, monotonic=fake)
    for _ in range(3):
        await pacer.wait(7)
    assert fake.now - 1000.0 == pytest.approx(2.0)


async def test_a_429_holds_everyone_and_widens_the_spacing_for_a_minute(fake) -> None:
    pacer = Pacer(30, monotonic=fake)
    await pacer.wait(1)
    pacer.pause(5)
    await pacer.wait(2)  # another chat waits too
    assert fake.now == pytest.approx(1005.0)
    assert pacer.interval == pytest.approx(1.02 / 30)
    for _ in range(20):
        pacer.pause(0)
    assert pacer.interval == pytest.approx(1.10 / 30)  # never slower than 10% under
    fake.now += 61
    await pacer.wait(3)
    assert pacer.interval == pytest.approx(1.01 / 30)
