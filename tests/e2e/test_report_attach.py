"""A report can carry the last messages of the conversation, forwarded to staff only when the
reporter taps the button for it; a message deleted since is skipped and counted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.callbacks import AttachMessages, CheckInAnswer
from storage.tables import OutboxRow, PairRow, ReportRow
from tests.e2e.conftest import staffed
from tests.e2e.test_relay import pair_up

NOT_ACTIVE = "This button is no longer active."


async def forwards(running) -> dict[str, int]:
    async with running.runtime.sessions() as session:
        statuses = list(await session.scalars(select(OutboxRow.status).where(
            OutboxRow.kind == "report_forward")))
    return {status: statuses.count(status) for status in set(statuses)}


async def report(running, member, language: str, text: str = "Il me met mal à l'aise.") -> int:
    await member.send("/signaler" if language == "fr" else "/report")
    await member.send(text)
    async with running.runtime.sessions() as session:
        return max(await session.scalars(select(ReportRow.id)))


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_the_last_ten_messages_go_to_staff_only_on_the_reporter_s_tap(
        make_binome, client, language: str) -> None:
    async with staffed(make_binome, client, language) as (running, boss):
        lea, marc = await pair_up(running, client, language)
        written = []
        for n in range(12):
            sender = lea if n % 3 else marc
            written.append((sender, (await sender.send(f"message {n}"))["message"]))
            await running.drain()
        # Marc's message 9 is deleted from his chat before the report: it cannot go.
        gone = written[9]
        assert gone[0] is marc
        assert await running.bot.delete_message(marc.id, gone[1]["message_id"])

        report_id = await report(running, lea, language)
        offer = await lea.last_bot_message()
        label = {"fr": "📎 Joindre nos 10 derniers messages",
                 "en": "📎 Attach our last 10 messages"}[language]
        assert offer["reply_markup"]["inline_keyboard"][0][0]["text"] == label
        await running.drain()
        assert await forwards(running) == {}  # nothing before the tap
        staff_seen = len(await boss.bot_messages())

        answer = await lea.press(label)
        assert answer["answer"]["text"] == running.t("Sent to the staff.", language)
        assert await lea.last_text() == {
            "fr": "C'est fait : tes 10 derniers messages partent vers l'équipe, et seulement "
                  "vers elle.",
            "en": "Done: your last 10 messages are on their way to the staff, and only to "
                  "them."}[language]
        await running.drain()
        got = (await boss.bot_messages())[staff_seen:]
        head, *forwarded, summary = got
        assert head["text"].startswith({"fr": f"📎 Signalement #{report_id} : le compte "
                                              f"{lea.id} joint les 10 derniers messages",
                                        "en": f"📎 Report #{report_id}: user {lea.id} "
                                              "attaches the last 10 messages"}[language])
        assert [m["text"] for m in forwarded] == [
            f"message {n}" for n in range(2, 12) if n != 9]
        assert all(m.get("forward_origin") for m in forwarded)
        assert summary["text"] == {
            "fr": f"📎 Fin des messages joints au signalement #{report_id} : 9 sur 10 "
                  "transférés.\n1 n'a pas pu être transféré : il a été supprimé depuis.",
            "en": f"📎 End of the messages attached to report #{report_id}: 9 of 10 "
                  "forwarded.\n1 could not be forwarded: it was deleted since."}[language]
        assert await forwards(running) == {"sent": 9, "skipped": 1}
        # Marc sees nothing of it.
        assert not any("📎" in (m.get("text") or "") for m in await marc.bot_messages())

        # A second tap (the button is gone, but data can be forged) sends nothing again.
        again = await lea.forge_callback(AttachMessages(report=report_id).pack(),
                                         offer["message_id"])
        assert again["answer"]["text"] == running.t(
            "These messages have already been sent to the staff.", language)
        await running.drain()
        assert await forwards(running) == {"sent": 9, "skipped": 1}
        # Nothing of what was written stays in the outbox rows.
        async with running.runtime.sessions() as session:
            params = list(await session.scalars(select(OutboxRow.params).where(
                OutboxRow.kind.like("report_%"))))
        assert not any("message 3" in str(p) for p in params)


async def test_forged_old_or_foreign_attach_buttons_forward_nothing(make_binome,
                                                                    client) -> None:
    async with staffed(make_binome, client) as (running, boss):
        lea, marc = await pair_up(running, client)
        await lea.send("Bonjour Marc")
        await running.drain()
        await marc.send("Bonjour Léa")
        await running.drain()
        report_id = await report(running, lea, "en")
        on = (await marc.last_bot_message())["message_id"]
        # The partner, and a stranger, forge the reporter's button.
        stranger = await client.create_user(first_name="Zoé", language_code="en")
        await stranger.send("/start")
        for presser in (marc, stranger):
            where = on if presser is marc else (await stranger.last_bot_message())["message_id"]
            answer = await presser.forge_callback(AttachMessages(report=report_id).pack(),
                                                  where)
            assert answer["answer"]["text"] == NOT_ACTIVE
        # A report that does not exist.
        answer = await lea.forge_callback(AttachMessages(report=report_id + 50).pack(),
                                          (await lea.last_bot_message())["message_id"])
        assert answer["answer"]["text"] == NOT_ACTIVE
        # Once staff closed the report, the reporter's own old button does nothing.
        await boss.send("/reports")
        await boss.press("Close this report")
        answer = await lea.press("📎 Attach our last 2 messages")
        assert answer["answer"]["text"] == "This report was already closed."
        await running.drain()
        assert await forwards(running) == {}


async def test_no_offer_without_relayed_messages_and_one_from_a_check_in(make_binome,
                                                                         client) -> None:
    async with staffed(make_binome, client) as (running, boss):
        lea, marc = await pair_up(running, client)
        await report(running, lea, "en")
        assert not any("📎" in str(m.get("reply_markup")) for m in await lea.bot_messages())
        await boss.send("/reports")
        await boss.press("Close this report")
        async with running.runtime.sessions() as session:
            pair_id = (await session.scalars(select(PairRow.id))).one()
        await marc.send("Tu es là ?")
        await running.drain()
        await lea.send("Oui !")
        await running.drain()
        # "We have a problem" on a check-in makes a report too, with the same offer.
        await lea.forge_callback(CheckInAnswer(pair=pair_id, answer="problem").pack(),
                                 (await lea.last_bot_message())["message_id"])
        offer = await lea.last_bot_message()
        assert offer["reply_markup"]["inline_keyboard"][0][0]["text"] == \
            "📎 Attach our last 2 messages"
