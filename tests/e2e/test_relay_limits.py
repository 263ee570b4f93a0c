"""The relay at its edges, in French and English: what the Bot API cannot copy, a text at
Telegram's limit, a copy Telegram refuses, a paused or ended pair, and bursts, which never
hold up another pair and go as soon as they are written."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from storage.tables import OutboxRow, PairRow, RelayMessageRow, ReportRow
from tests.e2e.test_matching import sign_up_student, sign_up_volunteer
from tests.e2e.test_relay import pair_up

LANGUAGES = pytest.mark.parametrize("language", ["fr", "en"])
UNCOPYABLE = ("I can't pass polls, dice or protected messages on: send text, a photo or a "
              "file instead.")


async def relayed_rows(binome) -> int:
    async with binome.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.kind == "relay")) or 0)


@LANGUAGES
async def test_a_poll_a_dice_and_protected_content_get_one_sentence_each(
        binome, client, language: str) -> None:
    lea, marc = await pair_up(binome, client, language)
    before = len(await marc.bot_messages())
    for send in (lea.poll("On se voit mardi ?"), lea.dice(), lea.protected("Confidentiel")):
        await send
        assert await lea.last_text() == binome.t(UNCOPYABLE, language)
    await binome.drain()
    assert len(await marc.bot_messages()) == before
    assert await relayed_rows(binome) == 0


@LANGUAGES
async def test_a_text_at_telegrams_limit_arrives_whole_after_the_name(
        binome, client, language: str) -> None:
    lea, marc = await pair_up(binome, client, language)
    longest = "a" * 4090 + " fin."  # 4,095 characters: no room for "Léa:\n" in front
    await lea.send(longest)
    await binome.drain()
    name, copy = (await marc.bot_messages())[-2:]
    assert name["text"] == "Léa:" and copy["text"] == longest
    async with binome.runtime.sessions() as session:
        kinds = list(await session.scalars(select(RelayMessageRow.kind)))
    assert kinds == ["text"]  # one message, one record


@LANGUAGES
async def test_a_copy_telegram_refuses_is_told_once_and_nothing_is_kept(
        binome, client, language: str) -> None:
    lea, marc = await pair_up(binome, client, language)
    await client.add_fault("copyMessage", "400", count=2, chat_id=marc.id,
                           description="Bad Request: message can't be copied")
    await lea.photo(caption="Ma lettre")
    await lea.document("cv.pdf", caption="Mon CV")
    await binome.drain()
    refused = binome.t("Telegram doesn't let me pass this message on: send it as text, a "
                       "photo or a file instead.", language)
    assert [m["text"] for m in await lea.bot_messages()].count(refused) == 1
    await binome.drain()
    assert await lea.last_text() == refused
    assert not [m for m in await marc.bot_messages() if m.get("photo") or m.get("document")]
    async with binome.runtime.sessions() as session:
        params = list(await session.scalars(select(OutboxRow.params).where(
            OutboxRow.kind == "relay")))
        assert await session.scalar(select(func.count()).select_from(RelayMessageRow)) == 0
    assert len(params) == 2 and not any("caption" in p for p in params)


@LANGUAGES
async def test_a_paused_or_ended_pair_is_told_and_nothing_is_relayed(
        binome, client, language: str) -> None:
    lea, marc = await pair_up(binome, client, language)
    pair = (await binome.runtime.relay.members(lea.id))[0].pair_id
    async with binome.runtime.sessions() as session, session.begin():
        session.add(ReportRow(pair_id=pair, reporter_id=marc.id, text="…",
                              created_at=datetime.now(UTC)))
    before = len(await marc.bot_messages())
    await lea.send("Tu es là ?")
    assert await lea.last_text() == binome.t(
        "Your binôme is paused while the team looks at a report, so I can't pass messages "
        "on for now.", language)
    async with binome.runtime.sessions() as session, session.begin():
        await session.execute(PairRow.__table__.update().where(PairRow.id == pair)
                              .values(status="ended", ended_at=datetime.now(UTC)))
    await marc.send("Je suis là")
    await binome.drain()
    assert await marc.last_text() == binome.t(
        "Your binôme has ended, so I can't pass your messages on any more.", language)
    assert len(await marc.bot_messages()) == before + 1
    assert await relayed_rows(binome) == 0


async def test_a_burst_of_thirty_never_holds_up_another_pair(binome, client) -> None:
    lea, marc = await pair_up(binome, client)
    paul = await client.create_user(first_name="Paul", language_code="en")
    await sign_up_volunteer(paul)
    nina = await client.create_user(first_name="Nina", language_code="en")
    await sign_up_student(nina)
    await binome.drain()
    await paul.press("✅ Accept")
    await binome.drain()
    for n in range(30):
        await lea.send(f"ligne {n}")
    await nina.send("Bonjour Paul")  # written after Léa's thirty
    since = (await client.log())[-1]["seq"]
    sender = binome.sender()
    sender.pacer._per_chat = 0.1  # Telegram's second per chat, ten times faster
    await sender.drain()
    sends = [e for e in await client.log(since) if e["method"] == "sendMessage" and e["ok"]]
    to_marc = [e["seq"] for e in sends if e["chat_id"] == marc.id]
    to_paul = [e["seq"] for e in sends if e["chat_id"] == paul.id]
    assert len(to_marc) == 30 and len(to_paul) == 1
    # Nina's message went in Léa's first seconds, not behind her thirty messages.
    assert to_paul[0] < to_marc[2]
    texts = [m["text"] for m in (await marc.bot_messages())[-30:]]
    assert texts == [f"Léa:\nligne {n}" for n in range(30)]  # in order, once each


async def test_a_relayed_message_goes_at_once_not_at_the_next_round(binome, client) -> None:
    lea, marc = await pair_up(binome, client)
    sender = binome.sender()
    running = asyncio.create_task(sender.run(every=30))  # rounds far apart
    try:
        await asyncio.sleep(0.2)  # the first round is over: the sender pauses
        began = time.monotonic()
        await lea.send("Tu es dispo demain ?")
        while await marc.last_text() != "Léa:\nTu es dispo demain ?":
            assert time.monotonic() - began < 10, "the message waited for the next round"
            await asyncio.sleep(0.05)
    finally:
        sender.stop()
        await running
