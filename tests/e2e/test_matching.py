"""Journeys 3 and 4: a student is proposed to the volunteer who fits best, who declines;
the next one accepts and both are introduced. A student nobody fits is told, and proposed as
soon as a fitting volunteer signs up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.callbacks import ProposalAnswer
from tests.e2e.journeys import CONFIRM, act, start_as, student_script, volunteer_script


async def sign_up_volunteer(user, language: str = "en", **changes) -> None:
    await start_as(user, "volunteer")
    for step, actions in volunteer_script(user.info["first_name"], language):
        await act(user, changes.get(step, actions))
    await user.press(CONFIRM)


async def sign_up_student(user) -> None:
    await start_as(user, "student")
    for _step, actions in student_script(user.info["first_name"]):
        await act(user, actions)
    await user.press(CONFIRM)


def buttons(message) -> dict[str, str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b.get("callback_data") or b.get("url") for row in rows for b in row}


async def test_decline_then_accept_then_both_are_introduced(binome, client) -> None:
    marc = await client.create_user(first_name="Marc", language_code="en", username="marc_av")
    nina = await client.create_user(first_name="Nina", language_code="fr")
    # Marc works in the student's department, Nina elsewhere in the region: Marc fits best.
    await sign_up_volunteer(marc, place=[("send", "69001")])
    await sign_up_volunteer(nina, "fr", place=[("send", "38000")])
    lea = await client.create_user(first_name="Léa", language_code="en")
    await sign_up_student(lea)
    assert "asked them" in await lea.last_text()
    await binome.drain()

    proposal = await marc.last_bot_message()
    assert "A student would like you as a mentor" in proposal["text"]
    assert "Léa" in proposal["text"] and "Rhône (69)" in proposal["text"]
    assert "same field: Law; both in Rhône" in proposal["text"]
    assert "@" not in proposal["text"] and str(lea.id) not in proposal["text"]
    assert set(buttons(proposal)) == {"✅ Accept", "❌ Decline", "⏸ Not available now"}
    await marc.press("❌ Decline")
    answer = await marc.press("No time for this one")
    assert "someone else" in answer["answer"]["text"]
    await binome.drain()

    second = await nina.last_bot_message()
    # Nina reads French: the proposal is in her language, and it is about Léa.
    assert second["text"].startswith(binome.t("📬 A student would like you as a mentor:", "fr"))
    assert "Léa" in second["text"]
    await nina.press(ProposalAnswer(id=_proposal_id(second), action="accept").pack())
    await binome.drain()
    intro = await lea.last_bot_message()
    assert "Nina will be your mentor" in intro["text"]
    assert "Ideas for your first exchange" in intro["text"]
    assert buttons(intro) == {"🤝 Share my Telegram contact": f"share:{pair_of(intro)}",
                              "Every week": "rhythm:weekly",
                              "Every two weeks": "rhythm:biweekly",
                              "Every month": "rhythm:monthly"}
    volunteer_intro = await nina.last_bot_message()
    assert "Léa" in volunteer_intro["text"]
    await lea.send("/binome")
    assert "Your mentor:" in await lea.last_text()
    # The declined volunteer is never proposed the same student again.
    await marc.send("/binome")
    assert "no student yet" in await marc.last_text()


def pair_of(message) -> int:
    [data] = [d for d in buttons(message).values() if d and d.startswith("share:")]
    return int(data.split(":")[1])


def _proposal_id(message) -> int:
    for data in buttons(message).values():
        if data and data.startswith("prop:"):
            return int(data.split(":")[1])
    raise AssertionError("no proposal buttons")


async def test_nobody_fits_then_a_volunteer_signs_up(binome, client) -> None:
    lea = await client.create_user(first_name="Léa", language_code="en")
    await sign_up_student(lea)
    assert "waiting list" in await lea.last_text()
    marc = await client.create_user(first_name="Marc", language_code="en")
    await sign_up_volunteer(marc)
    await binome.drain()
    assert "A student would like you as a mentor" in await marc.last_text()


async def test_an_unanswered_proposal_is_reminded_then_expires(binome, client) -> None:
    marc = await client.create_user(first_name="Marc", language_code="en")
    await sign_up_volunteer(marc)
    lea = await client.create_user(first_name="Léa", language_code="en")
    await sign_up_student(lea)
    await binome.drain()
    proposal = await marc.last_bot_message()
    now = datetime.now(UTC)
    done = await binome.tick(now + timedelta(hours=37))
    assert done == {"expired": 0, "reminded": 1, "follow_ups": 0, "broadcasts": 0,
                    "relay_purged": 0, "session_logs": 0}
    await binome.drain(now + timedelta(hours=37))
    assert "still waiting for your answer" in await marc.last_text()
    done = await binome.tick(now + timedelta(hours=73))
    assert done == {"expired": 1, "reminded": 0, "follow_ups": 0, "broadcasts": 0,
                    "relay_purged": 0, "session_logs": 0}
    await binome.drain(now + timedelta(hours=73))
    assert "closed without an answer" in await marc.last_text()
    answer = await marc.press("✅ Accept", message_id=proposal["message_id"])
    assert answer["answer"]["text"] == "This proposal has expired: we asked another volunteer."


async def test_staff_see_who_waits_and_others_are_refused(make_binome, client) -> None:
    staff = await client.create_user(first_name="Sam", language_code="en")
    running = make_binome(staff_ids=frozenset({staff.id}))
    await running.start()
    try:
        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea)
        await staff.send("/waiting")
        listing = await staff.last_text()
        assert "1 students are waiting" in listing or "1 student" in listing
        assert "Léa · Law · Rhône · 0 days" in listing
        await lea.send("/waiting")
        assert await lea.last_text() == "This command is for the programme staff."
    finally:
        await running.stop()


async def test_a_volunteer_who_blocked_the_bot_is_passed_over_at_once(binome, client) -> None:
    from sqlalchemy import select

    from storage.tables import ProposalRow

    marc = await client.create_user(first_name="Marc", language_code="en")
    nina = await client.create_user(first_name="Nina", language_code="en")
    await sign_up_volunteer(marc, place=[("send", "69001")])
    await sign_up_volunteer(nina, place=[("send", "38000")])
    lea = await client.create_user(first_name="Léa", language_code="en")
    await sign_up_student(lea)  # Marc fits best
    await binome.drain()
    assert "A student would like you as a mentor" in await marc.last_text()
    await marc.block()  # Telegram tells the bot; Léa need not wait 72 hours for an answer
    # Real time, not a moment ahead: the search pool notices changes by their time stamp.
    assert (await binome.tick(datetime.now(UTC)))["expired"] == 1  # not in 72 h
    await binome.drain()
    assert "A student would like you as a mentor" in await nina.last_text()
    zoe = await client.create_user(first_name="Zoé", language_code="en")
    await sign_up_student(zoe)  # never Marc while he blocks the bot
    async with binome.runtime.sessions() as session:
        asked = [row.volunteer_id for row in await session.scalars(
            select(ProposalRow).where(ProposalRow.student_id == zoe.id))]
    assert marc.id not in asked
    await marc.unblock()
    await marc.send("/start")  # he is back: proposals may reach him again
    ines = await client.create_user(first_name="Inès", language_code="en")
    await sign_up_student(ines)
    async with binome.runtime.sessions() as session:
        asked = [row.volunteer_id for row in await session.scalars(
            select(ProposalRow).where(ProposalRow.student_id == ines.id))]
    assert asked == [marc.id]
