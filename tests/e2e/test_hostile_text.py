"""Whatever people type, or call themselves on Telegram, reaches every reader exactly as
typed: never read as markup, never refused by Telegram's HTML parser, never a "something went
wrong". The sandbox parses HTML as strictly as Telegram does."""

from __future__ import annotations

import csv
import io
from typing import Any

from mentoring.errors import InvalidAnswer
from mentoring.form import FIRST_NAME, check_text
from mentoring.pair_care import MAX_REPORT
from mentoring.text import visible
from tests.e2e.conftest import staffed
from tests.e2e.journeys import CONFIRM, act, start_as, student_script, volunteer_script

RTL = "\u202eمرحبا שלום\u202c"
ZERO_WIDTH = "a\u200bb\u200cc\u200dd\u2060e"
# Telegram first names: anything goes, tags and entities included.
NAMES = ["<3 Ana", "&", "Tom & Jerry", "</a>", "<b>", '<a href="x">', "&amp;lt;", RTL,
         ZERO_WIDTH, "🦄🔥", "O'Hara \"Zoë\"", "Zoë O'Hara", "سارة"]
# Free answers: the form only asks for some letters and a length.
GOALS = '<3 Ana & co </a> <b>bold? <a href="x"> &lt; ' + RTL + " " + ZERO_WIDTH + " 🦄"
PROFESSION = "R&D <b>lead</b> </a>"
BIO = 'I <3 maths & "code" </a><a href="x"> ' + RTL + " " + ZERO_WIDTH + " 🦄🔥"
# What readers see: the text as typed, without its invisible characters (dropped on entry).
SHOWN_GOALS, SHOWN_BIO = visible(GOALS), visible(BIO)
REPORT = ("<3 & </a> <b> " * MAX_REPORT)[:MAX_REPORT - 1] + "!"
SORRY = "something went wrong"
NOT_A_NAME = ("A first name only uses letters, spaces, hyphens or apostrophes.",
              "Please answer with words, not only emoji, numbers or symbols.")


def is_first_name(name: str) -> bool:
    try:
        check_text(FIRST_NAME, name)
    except InvalidAnswer:
        return False
    return True


def refused_by_telegram(log: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    """Calls the sandbox refused, but for the edits that have nothing left to do and the
    429s of a test that talks faster than people (the bot waits those out and sends again)."""
    return [(entry["method"], entry["chat_id"], entry["description"]) for entry in log
            if not entry["ok"] and entry["error_code"] != 429
            and "message is not modified" not in (entry["description"] or "")]


async def no_sorry(*users: Any) -> None:
    for user in users:
        for message in await user.bot_messages():
            assert SORRY not in (message["text"] or message.get("caption") or "")
        for answer in (await user.transcript())["callback_answers"]:
            assert SORRY not in (answer.get("text") or "")


async def test_any_telegram_name_is_greeted_as_it_is(binome, client) -> None:
    for name in NAMES:
        user = await client.create_user(first_name=name, language_code="en")
        await user.send("/start")
        greeting = (await user.bot_messages())[0]["text"]
        assert greeting.startswith(f"Hello {name}! I am Binôme")
        assert await user.last_text() == "Who are you?"
        await start_as(user, "student")  # /start again, then role and consent
        question = await user.last_bot_message()
        assert question["text"] == "What is your first name?"
        # A Telegram name that is a first name is offered as a button, as it will be kept
        # (button labels are never parsed); one that is not is not offered (Telegram
        # refuses some of them as a button), and the user types one.
        buttons = (question.get("reply_markup") or {}).get("inline_keyboard", [])
        if is_first_name(name):
            suggestion = buttons[0][0]
            assert suggestion["text"] == visible(name)
            await user.press(suggestion["callback_data"])
            answered = next(m for m in await user.bot_messages()
                            if m["message_id"] == question["message_id"])
            # Stored as its visible characters: bidi controls and zero-width spaces go.
            assert answered["text"] == f"What is your first name?\n\n✔️ {visible(name)}"
        else:
            assert buttons == []
            await user.send("<b>Ana")
            assert await user.last_text() in NOT_A_NAME
            await user.send("Ana")
        assert "In which year were you born?" in await user.last_text()
        await no_sorry(user)
    assert refused_by_telegram(await client.log()) == []


async def test_a_typed_first_name_with_tags_gets_one_sentence_and_keeps_the_form(
        binome, client) -> None:
    user = await client.create_user(first_name="Ana", language_code="en")
    await start_as(user, "student")
    for typed in ("<3 Ana", "<b>", "Ana & Léo", "🦄🔥"):
        await user.send(typed)
        assert await user.last_text() in NOT_A_NAME
    await user.send("x" * 4096)
    assert await user.last_text() == "That is too long: please keep it under 40 characters."
    await user.send("O'Hara")
    assert "In which year were you born?" in await user.last_text()
    await user.send("2004")
    assert "What do you study?" in await user.last_text()
    await user.send("<zz> & co")  # searched as a field: nothing found, quoted as typed
    assert await user.last_text() == ("I found no field matching “<zz> & co”: try other "
                                      "letters, or pick a family.")
    await no_sorry(user)
    assert refused_by_telegram(await client.log()) == []


async def test_hostile_answers_read_as_typed_everywhere(make_binome, client) -> None:
    async with staffed(make_binome, client) as (running, boss):
        marc = await client.create_user(first_name='<a href="x">Marc', language_code="en")
        await start_as(marc, "volunteer")
        for step, actions in volunteer_script("Marc", "en"):
            changes = {"profession": [("send", PROFESSION)], "bio": [("send", BIO)],
                       "place": [("send", "69001")]}
            await act(marc, changes.get(step, actions))
        summary = await marc.last_text()
        assert f"Profession: {PROFESSION}" in summary and f"About you: {SHOWN_BIO}" in summary
        await marc.press(CONFIRM)

        lea = await client.create_user(first_name="<3 Léa & co", language_code="en")
        await start_as(lea, "student")
        for step, actions in student_script("سارة", GOALS):
            if step == "goals":
                await lea.send("x" * 4096)  # too long for the form: one sentence, kept
                assert await lea.last_text() == ("That is too long: please keep it under 800 "
                                                 "characters.")
            await act(lea, actions)
        summary = await lea.last_text()
        assert "First name: سارة" in summary and f"Goals: {SHOWN_GOALS}" in summary
        await lea.press(CONFIRM)
        assert "Thank you, سارة!" in " ".join(m["text"] for m in await lea.bot_messages())

        await running.drain()
        proposal = await marc.last_text()
        assert "A student would like you as a mentor" in proposal
        assert f"Goals: {SHOWN_GOALS}" in proposal and "سارة" in proposal
        await marc.press("✅ Accept")
        assert "Accepted" in await marc.last_text()
        await running.drain()
        intro_student = await lea.last_bot_message()
        assert f"Marc · {PROFESSION}" in intro_student["text"]
        assert f"About: {SHOWN_BIO}" in intro_student["text"]
        intro_volunteer = await marc.last_bot_message()
        assert "You are now the mentor of سارة" in intro_volunteer["text"]
        assert f"Goals: {SHOWN_GOALS}" in intro_volunteer["text"]
        await lea.send("/binome")
        assert f"About: {SHOWN_BIO}" in await lea.last_text()
        await marc.send("/binome")
        assert f"Goals: {SHOWN_GOALS}" in await marc.last_text()

        # A report as long as the form allows: the staff alert and /reports carry it whole.
        await lea.send("/report")
        await lea.send(REPORT)
        assert "The staff have been alerted" in await lea.last_text()
        await running.drain()
        alert = await boss.last_text()
        assert alert.startswith("⚠️ New report #1") and REPORT in alert
        await boss.send("/reports")
        assert REPORT in await boss.last_text()
        await boss.send("/risk")
        assert (await boss.last_text()).splitlines()[0].endswith("a report is open.")

        await boss.send("/export")
        documents = {m["document"]["file_name"]: m["document"]["file_id"]
                     for m in await boss.bot_messages() if m.get("document")}

        def rows(content: bytes) -> list[dict[str, str]]:
            return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))

        students = rows(await boss.download(documents["binome-students.csv"]))
        volunteers = rows(await boss.download(documents["binome-volunteers.csv"]))
        # The exports hold no goals nor bio; the cells they have hold the text as typed.
        assert [s["first_name"] for s in students] == ["سارة"]
        assert [(v["first_name"], v["profession"]) for v in volunteers] == [("Marc", PROFESSION)]

        await no_sorry(boss, marc, lea)
        assert refused_by_telegram(await client.log()) == []


async def test_a_broadcast_of_4096_hostile_characters_arrives_whole(make_binome, client) -> None:
    async with staffed(make_binome, client) as (running, boss):
        lea = await client.create_user(first_name="<b>Léa", language_code="en")
        await start_as(lea, "student")
        for _step, actions in student_script("Zoë O'Hara"):
            await act(lea, actions)
        await lea.press(CONFIRM)
        await running.drain()
        await boss.send("/waiting")  # nobody fits her: she waits
        assert "Zoë O'Hara · Law · Rhône · 0 days" in await boss.last_text()
        # No tag: the text is plain and escaped, every character kept.
        plain = ("<3 & " + RTL + " " + ZERO_WIDTH + " ")
        text = (plain * 4096)[:4095] + "!"
        await boss.send("/broadcast")
        await boss.send(text)
        assert "1 recipient" in await boss.last_text()
        await boss.press("Preview ▸")
        assert (await boss.bot_messages())[-2]["text"] == text
        await boss.press("Send now")
        await boss.press("✅ Confirm")
        await running.progress()
        assert await running.drain() == 1
        await running.progress()
        assert (await lea.last_bot_message())["text"] == text
        assert "Delivered: 1" in await boss.last_text()
        # Staff HTML keeps its formatting, and an entity shows as the character it stands for.
        await boss.send("/broadcast")
        await boss.send("<b>Meet-up</b> &lt;3 Tom & Jerry")
        await boss.press("Preview ▸")
        preview = (await boss.bot_messages())[-2]
        assert preview["text"] == "Meet-up <3 Tom & Jerry"
        assert {"type": "bold", "offset": 0, "length": 7} in preview["entities"]
        await no_sorry(boss, lea)
        assert refused_by_telegram(await client.log()) == []
