"""The sandbox chat page in real Chromium. Against the real ``run_sandbox`` (sandbox, bot,
scheduler and outbox sender in one process): a volunteer and a student sign up by clicking
and typing, the volunteer accepts the proposal, both read the introduction, and moving the
clock a week brings the first check-in question; a pair (she forbids links to her account)
writes through the bot, each reading the other's message under their name, and a reply; a
staff member sends an announcement to the volunteers and reads the report. Against a bare
sandbox: formatting, escaping, files, pictures, edits, keyboards and the command menu look
as in Telegram.

Screenshots go to the test's temporary directory; with ``BINOME_SCREENSHOT=path`` the last
one is also saved there (that is how docs/sandbox-chat.png is made).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import make_i18n
from bot.runner import run_sandbox
from sandbox.client import SandboxClient
from tests.e2e.conftest import settings_for
from tests.e2e.journeys import (
    AGREE,
    CONFIRM,
    ROLE_STUDENT,
    ROLE_VOLUNTEER,
    next_weekday_morning,
    student_script,
    volunteer_script,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and os.environ.get("CI", "").lower() != "true",
        reason=f"{CHROMIUM} is not installed (apt-get install chromium); CI always runs this"),
]


def fr(message: str, **values: str) -> str:
    """A bot sentence as a French reader sees it."""
    return make_i18n().gettext(message, locale="fr").format(**values)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def sandbox_url(empty_database_url: str) -> AsyncIterator[str]:
    """``binome sandbox`` in this process, on a free port."""
    port = free_port()
    settings = settings_for(empty_database_url, redis_url=None, log_level="WARNING")
    task = asyncio.create_task(run_sandbox(settings, port, scheduler=True))
    url = f"http://127.0.0.1:{port}"
    try:
        async with SandboxClient(url) as client:
            for _ in range(300):
                if task.done():
                    task.result()
                with contextlib.suppress(Exception):
                    people = await client.request("GET", "/control/people")
                    if people["time_travel"] and people["commands"]:
                        break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the sandbox did not come up within 30 s")
            # The test clicks far faster than a person, so the per-chat flood limit would
            # measure the test, not the bot (as in the other end-to-end tests).
            await client.set_limits(chat_burst=None)
        yield url
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def chat_page(url: str) -> AsyncIterator[Any]:
    """The chat page at ``url`` in headless Chromium, in French; fails on any script error."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 1200, "height": 800},
                                            locale="fr-FR", timezone_id="Europe/Paris")
        context.set_default_timeout(15_000)
        opened = await context.new_page()
        errors: list[str] = []
        opened.on("pageerror", lambda error: errors.append(str(error)))
        await opened.goto(url + "/")
        try:
            yield opened
        finally:
            await browser.close()
        assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
async def page(sandbox_url: str) -> AsyncIterator[Any]:
    async with chat_page(sandbox_url) as opened:
        yield opened


async def settled(page: Any) -> None:
    """The page's last action (and the bot's answer to it) is on screen."""
    await page.wait_for_function("!document.body.classList.contains('busy')")


async def press(page: Any, data: str) -> None:
    await page.locator(f'.inline-button[data-callback="{data}"]').last.click()
    await settled(page)


async def send(page: Any, message: str) -> None:
    await page.fill("#message", message)
    await page.press("#message", "Enter")
    await settled(page)


async def sign_up(page: Any, role: str, script: list[tuple[str, list[tuple[str, str]]]]) -> int:
    """Create the person with one click, press Start and answer every question."""
    await page.click(f"#new-{role}")
    await page.click("#start")
    await settled(page)
    await press(page, ROLE_STUDENT if role == "student" else ROLE_VOLUNTEER)
    await press(page, AGREE)
    for _step, actions in script:
        for kind, value in actions:
            await (send(page, value) if kind == "send" else press(page, value))
    await press(page, CONFIRM)
    return int(await page.get_attribute(".person.selected", "data-id"))


async def open_chat(page: Any, user_id: int) -> None:
    await page.click(f'#people .person[data-id="{user_id}"]')
    await page.wait_for_selector(f'#chat-sub:has-text("#{user_id}")')


def bubble(page: Any, words: str) -> Any:
    """The latest message saying ``words``, with its buttons."""
    return page.locator(".stack", has=page.locator(".bubble", has_text=words)).last


async def test_two_people_meet_in_the_browser(page: Any, tmp_path: Path) -> None:
    # The date control: move to a weekday morning, where nothing is held for quiet hours.
    morning = next_weekday_morning(datetime.now(UTC))
    await page.fill("#travel-date", morning.strftime("%Y-%m-%dT%H:%M"))
    await page.click("#travel-go")
    await settled(page)
    await page.wait_for_selector(f'#clock:has-text("{morning.day}")')
    assert "10:00" in await page.inner_text("#clock")

    marc = await sign_up(page, "volunteer", volunteer_script("Marc"))
    await page.screenshot(path=tmp_path / "1-volunteer-signed-up.png")
    lea = await sign_up(page, "student", student_script("Léa"))
    assert lea != marc
    assert await page.locator("#people .person").count() == 2

    # The proposal reaches the volunteer's chat through the outbox, without reloading.
    await open_chat(page, marc)
    proposal = bubble(page, fr("📬 A student would like you as a mentor:"))
    await proposal.wait_for()
    assert "Léa" in await proposal.inner_text()
    await page.screenshot(path=tmp_path / "2-proposal.png")
    await proposal.get_by_role("button", name=fr("✅ Accept")).click()
    await settled(page)
    await bubble(page, fr("🤝 Thank you! You are now the mentor of {name}.", name="Léa")
                 ).wait_for()

    await open_chat(page, lea)
    intro = bubble(page, fr("🎉 Good news: {name} will be your mentor!", name="Marc"))
    await intro.wait_for()
    assert await intro.locator("b").count() > 0  # the bot's HTML shows as formatting
    await page.screenshot(path=tmp_path / "3-introduction.png")

    # A week later: the scheduler asks whether the first exchange happened.
    await page.click("#travel-week")
    await settled(page)
    question = fr("👋 Hello! Did you and {name} manage to have your first exchange?",
                  name="Marc")
    await bubble(page, question).wait_for()
    later = morning + timedelta(days=7)
    assert str(later.day) in await page.inner_text("#clock")
    await page.locator("#messages").evaluate("box => box.scrollTop = box.scrollHeight")
    await page.evaluate("document.getElementById('toast').hidden = true")
    final = tmp_path / "4-first-check-in.png"
    await page.screenshot(path=final)
    await open_chat(page, marc)
    await bubble(page, fr("👋 Hello! Did you and {name} manage to have your first exchange?",
                          name="Léa")).wait_for()

    if os.environ.get("BINOME_SCREENSHOT"):
        shutil.copy(final, os.environ["BINOME_SCREENSHOT"])


async def wait_for_text(user: Any, text: str) -> dict[str, Any]:
    """The bot message in ``user``'s chat that says ``text``, once the outbox brought it."""
    for _ in range(300):
        found = [m for m in await user.bot_messages() if text in (m.get("text") or "")]
        if found:
            return found[-1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no message saying {text!r} within 30 s")


async def test_a_pair_talks_through_the_bot_in_the_browser(sandbox_url: str,
                                                           tmp_path: Path) -> None:
    from tests.e2e.test_matching import sign_up_student, sign_up_volunteer

    async with SandboxClient(sandbox_url) as client:
        # A weekday morning: what the bot says on its own (proposal, cards) goes at once.
        await client.time_travel(to=next_weekday_morning(datetime.now(UTC)).isoformat())
        marc = await client.create_user("Marc", role="volunteer")
        # No username, links to her account forbidden: only the relay can join them.
        lea = await client.create_user("Léa", role="student", allows_links=False)
        await sign_up_volunteer(marc, "fr")
        await sign_up_student(lea)
        await wait_for_text(marc, fr("📬 A student would like you as a mentor:"))
        await marc.press(fr("✅ Accept"))
        await wait_for_text(lea, fr("🎉 Good news: {name} will be your mentor!", name="Marc"))

    async with chat_page(sandbox_url) as page:
        await open_chat(page, lea.id)
        assert "liens interdits" in await page.inner_text("#chat-sub")
        await send(page, "Bonjour Marc, tu peux relire mon CV ?")
        await open_chat(page, marc.id)
        relayed = bubble(page, "Bonjour Marc, tu peux relire mon CV ?")
        await relayed.wait_for()
        # The partner sees who writes: her first name in bold on the first line.
        assert await relayed.locator("b").first.inner_text() == "Léa:"
        assert await page.locator(".row.incoming", has=page.locator(
            ".text", has_text="tu peux relire mon CV")).count() == 1
        await page.screenshot(path=tmp_path / "relay-volunteer.png")

        # Marc answers with the page's reply button: on Léa's side it answers her message.
        await page.locator(".row", has=page.locator(
            ".text", has_text="tu peux relire mon CV")).locator(".reply-action").click()
        await send(page, "Avec plaisir, envoie-le-moi.")
        await open_chat(page, lea.id)
        answer = bubble(page, "Avec plaisir, envoie-le-moi.")
        await answer.wait_for()
        assert await answer.locator("b").first.inner_text() == "Marc:"
        assert await answer.locator(".quote .quote-text").inner_text() == (
            "Bonjour Marc, tu peux relire mon CV ?")
        assert await answer.locator(".quote .quote-from").inner_text() == "Léa"
        await page.screenshot(path=tmp_path / "relay-student.png")

    async with SandboxClient(sandbox_url) as client:
        said = [m["text"] for m in await client.user(lea.id).bot_messages()]
        heard = [m["text"] for m in await client.user(marc.id).bot_messages()]
    assert said.count("Marc:\nAvec plaisir, envoie-le-moi.") == 1
    assert heard.count("Léa:\nBonjour Marc, tu peux relire mon CV ?") == 1


async def test_staff_announce_to_volunteers_from_the_page(page: Any, tmp_path: Path) -> None:
    from handlers.callbacks import BroadcastPick

    marc = await sign_up(page, "volunteer", volunteer_script("Marc"))
    await page.click("#new-staff")
    await page.click("#start")
    await settled(page)
    await page.click("#menu-button")  # staff see their own commands first
    assert await page.locator("#commands .command-name").first.inner_text() == "/waiting"
    assert await page.locator('#commands .command-name:text-is("/broadcast")').count() == 1
    await send(page, "/broadcast")
    await send(page, "Réunion des bénévoles <b>jeudi</b> à 18 h")
    await press(page, BroadcastPick(action="target", value="volunteers").pack())
    await bubble(page, fr("<b>{count} recipient</b>", count="1").replace("<b>", "")
                 .replace("</b>", "")).wait_for()
    await press(page, BroadcastPick(action="preview").pack())
    await press(page, BroadcastPick(action="now").pack())
    await press(page, BroadcastPick(action="confirm").pack())
    report = bubble(page, fr("Delivered: {sent}", sent="1"))
    await report.wait_for()
    assert fr("Failed: {count}", count="0") in await report.inner_text()
    await page.screenshot(path=tmp_path / "broadcast-report.png")

    await open_chat(page, marc)
    announcement = bubble(page, "Réunion des bénévoles jeudi à 18 h")
    await announcement.wait_for()
    assert await announcement.locator("b").inner_text() == "jeudi"


@pytest.fixture
async def bare_sandbox() -> AsyncIterator[Any]:
    """A sandbox with no bot: the test speaks the Bot API itself, and confirms every update
    at once as a polling bot would."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    from sandbox.server import start_sandbox

    running = await start_sandbox(port=0)
    bot = Bot(running.token, session=AiohttpSession(api=TelegramAPIServer.from_base(running.url)))

    async def confirm_updates() -> None:
        offset = 0
        while True:
            for update in await bot.get_updates(offset=offset, timeout=1):
                offset = update.update_id + 1

    confirming = asyncio.create_task(confirm_updates())
    try:
        yield running, bot
    finally:
        confirming.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await confirming
        await bot.session.close()
        await running.stop()


async def test_the_page_renders_what_telegram_would(bare_sandbox: Any, tmp_path: Path) -> None:
    from aiogram.types import (
        BotCommand,
        BufferedInputFile,
        InlineKeyboardButton,
        InlineKeyboardMarkup,
        KeyboardButton,
        ReplyKeyboardMarkup,
    )

    from sandbox.media import make_png

    running, bot = bare_sandbox
    async with SandboxClient(running.url) as client:
        lea = await client.create_user("Léa", role="student")
        await lea.send("/start")
    await bot.set_my_commands([BotCommand(command="start", description="Commencer"),
                               BotCommand(command="help", description="Aide")])
    buttons = InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text="Oui", callback_data="yes"),
        InlineKeyboardButton(text="Site", url="https://example.org/")]])
    await bot.send_message(
        lea.id, '<b>Gras <i>et italique</i></b> &lt;img src=x onerror=alert(1)&gt; '
        '<a href="https://example.org/doc">lien</a> <tg-spoiler>secret</tg-spoiler> '
        '<code>x = 1</code>', parse_mode="HTML", reply_markup=buttons)
    before = await bot.send_message(lea.id, "Avant")
    await bot.edit_message_text("Après", chat_id=lea.id, message_id=before.message_id)
    await bot.send_document(lea.id, BufferedInputFile(b'{"prenom": "Lea"}', "donnees.json"),
                            caption="Tes données")
    await bot.send_photo(lea.id, BufferedInputFile(make_png(40, 30), "chart.png"))
    await bot.send_message(lea.id, "Choisis", reply_markup=ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Matin"), KeyboardButton(text="Soir")]]))

    async with chat_page(running.url) as page:
        await page.click(f'#people .person[data-id="{lea.id}"]')
        formatted = bubble(page, "Gras")
        await formatted.wait_for()
        assert await formatted.locator("b i").inner_text() == "et italique"
        # What the bot escaped shows as text and never becomes an element.
        assert "<img src=x onerror=alert(1)>" in await formatted.inner_text()
        assert await page.locator(".bubble img:not(.photo)").count() == 0
        assert await formatted.locator('a[href="https://example.org/doc"]').count() == 1
        assert await formatted.locator(".spoiler").inner_text() == "secret"
        assert await formatted.locator("code").inner_text() == "x = 1"
        assert "modifié" in await bubble(page, "Après").locator(".meta").inner_text()
        document = page.locator("a.document")
        assert await document.get_attribute("download") == "donnees.json"
        fetched = await page.request.get(running.url + await document.get_attribute("href"))
        assert await fetched.body() == b'{"prenom": "Lea"}'
        await page.wait_for_function(
            "document.querySelector('img.photo') && document.querySelector('img.photo')"
            ".naturalWidth === 40")

        await page.click(".reply-button:has-text('Soir')")
        await settled(page)
        await page.wait_for_selector(".outgoing .bubble:has-text('Soir')")
        await page.click(".inline-button[data-callback='yes']")
        await settled(page)
        assert not await page.locator("#toast").is_visible()  # no error, no answer text

        await page.fill("#message", "/")
        await page.wait_for_selector("#commands .command")
        assert await page.locator("#commands .command-name").all_inner_texts() == [
            "/start", "/help"]
        await page.fill("#message", "/he")
        await page.press("#message", "Tab")
        assert await page.input_value("#message") == "/help"
        await page.press("#message", "Enter")
        await settled(page)
        await page.wait_for_selector(".outgoing .bubble:has-text('/help')")
        await page.screenshot(path=tmp_path / "rendering.png")

        assert await page.inner_text("#new-student") == "+ Étudiant·e"
        await page.click("#lang")
        assert await page.inner_text("#new-student") == "+ Student"
    async with SandboxClient(running.url) as client:
        said = [m["text"] for m in await client.user(lea.id).messages() if m["from"] == "user"]
    assert said[-2:] == ["Soir", "/help"]


async def test_the_page_shows_files_replies_and_forwards_as_telegram_would(
    bare_sandbox: Any, tmp_path: Path
) -> None:
    from aiogram.types import BufferedInputFile, ReplyParameters

    from sandbox.media import make_png
    from sandbox.model import forward_origin_for

    running, bot = bare_sandbox
    async with SandboxClient(running.url) as client:
        nina = await client.create_user("Nina", role="student", allows_links=False)
        await nina.send("/start")
        asked = await nina.send("Tu peux relire mon CV ?")
    question = asked["message"]["message_id"]
    # The bot side speaks the Bot API itself, as the relay would.
    await bot.send_photo(nina.id, BufferedInputFile(make_png(60, 40), "p.png"),
                         caption="Une photo de Marc")
    cv = b"%PDF-1.4 " + bytes(3000)
    await bot.send_document(nina.id, BufferedInputFile(cv, "CV Marc.pdf"))
    await bot.send_message(nina.id, "Oui, envoie-le-moi !",
                           reply_parameters=ReplyParameters(message_id=question))
    sandbox = running.sandbox
    origin = forward_origin_for(sandbox.users[nina.id], sandbox.today())
    sandbox.chats[nina.id].add("bot", sandbox.today(), text="Message transféré",
                               forward_origin=origin)
    sandbox.touch()

    async with chat_page(running.url) as page:
        await page.click(f'#people .person[data-id="{nina.id}"]')
        await bubble(page, "Message transféré").wait_for()
        assert "liens interdits" in await page.inner_text("#chat-sub")
        await page.wait_for_function(
            "[...document.querySelectorAll('img.photo')].some((i) => i.naturalWidth === 60)")
        assert await bubble(page, "Une photo de Marc").locator("img.photo").count() == 1
        document = page.locator("a.document", has_text="CV Marc.pdf")
        assert await document.get_attribute("download") == "CV Marc.pdf"
        assert await document.locator(".file-size").inner_text() == "2,9 Ko"
        answer = bubble(page, "Oui, envoie-le-moi")
        assert await answer.locator(".quote .quote-text").inner_text() == "Tu peux relire mon CV ?"
        assert await answer.locator(".quote .quote-from").inner_text() == "Nina"
        assert await bubble(page, "Message transféré").locator(".forwarded").inner_text() == (
            "Transféré de Nina")

        # Nina replies to the bot's answer with a file of her own, then shares a place.
        await answer.locator("xpath=..").locator(".reply-action").click()
        assert "Oui, envoie-le-moi" in await page.inner_text("#composer-mode")
        await page.set_input_files("#file-input", files=[{
            "name": "mon-cv.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 Nina"}])
        await settled(page)
        mine = page.locator(".outgoing .stack", has=page.locator("a.document",
                                                                  has_text="mon-cv.pdf"))
        await mine.wait_for()
        assert await mine.locator(".quote-text").inner_text() == "Oui, envoie-le-moi !"
        assert await page.locator("#composer-mode").is_hidden()
        page.once("dialog", lambda dialog: asyncio.ensure_future(
            dialog.accept("45.764, 4.8357")))
        await page.click("#share-location")
        await page.wait_for_selector(".outgoing .location:has-text('📍 45.76400, 4.83570')")
        await page.screenshot(path=tmp_path / "relayed.png")

        await page.locator(".row", has=page.locator(".text", has_text="Une photo de Marc")
                           ).locator(".reply-action").click()
        await send(page, "Jolie photo")
        thanks = page.locator(".row.outgoing", has=page.locator(".text", has_text="Jolie photo"))
        await thanks.wait_for()
        assert await thanks.locator(".quote-text").inner_text() == "Une photo de Marc"

        # Her own text can be edited from the page; the bot gets the edit.
        own = page.locator(".row.outgoing", has=page.locator(".text", has_text="Tu peux relire"))
        await own.locator(".edit-action").click()
        assert await page.input_value("#message") == "Tu peux relire mon CV ?"
        await page.fill("#message", "Tu peux relire mon CV, stp ?")
        await page.press("#message", "Enter")
        await settled(page)
        await page.wait_for_selector(".outgoing .bubble:has-text('stp') .meta:has-text('modifié')")

        # A person created with links forbidden is created so.
        await page.check("#no-links")
        await page.click("#new-volunteer")
        await settled(page)
        created = int(await page.get_attribute(".person.selected", "data-id"))
    assert sandbox.users[created].allows_links is False
    sent = sandbox.chats[nina.id].messages
    shared = [m for m in sent.values() if m.sender == "user" and m.document]
    assert [m.document.file_name for m in shared] == ["mon-cv.pdf"]  # type: ignore[union-attr]
    assert shared[0].reply_to is not None and sent[shared[0].reply_to].text == (
        "Oui, envoie-le-moi !")
