"""A real aiogram Dispatcher polls the sandbox; the client's waiting makes each step exact."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, ChatMemberUpdated, InlineKeyboardButton, Message
from aiogram.types import InlineKeyboardMarkup as Keyboard

from sandbox.client import SandboxClient, SandboxError


def greeting_router(seen: list[str]) -> Router:
    router = Router()

    @router.message(CommandStart(deep_link=True))
    async def deep_link(message: Message, command: CommandObject) -> None:
        seen.append(f"deep:{command.args}")
        await message.answer(f"Venu par {command.args}")

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        # A slow handler: the client must still see the answer when send() returns.
        await asyncio.sleep(0.2)
        buttons = [[InlineKeyboardButton(text="Oui", callback_data="yes"),
                    InlineKeyboardButton(text="Non", callback_data="no")]]
        await message.answer(
            f"Bonjour <b>{message.from_user.first_name}</b>",
            parse_mode="HTML",
            reply_markup=Keyboard(inline_keyboard=buttons),
        )

    @router.callback_query(F.data.in_({"yes", "no"}))
    async def choice(query: CallbackQuery) -> None:
        await query.answer("Noté" if query.data == "yes" else "Dommage")
        await query.message.edit_text(f"Réponse : {query.data}")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text.upper())

    @router.my_chat_member()
    async def membership(update: ChatMemberUpdated) -> None:
        seen.append(update.new_chat_member.status)

    return router


async def test_text_and_button_press(polling, client: SandboxClient) -> None:
    seen: list[str] = []
    dispatcher = Dispatcher()
    dispatcher.include_router(greeting_router(seen))
    await polling(dispatcher)
    lea = await client.create_user()

    sent = await lea.send("/start")
    assert sent["status"] == "processed"
    assert await lea.last_text() == "Bonjour Léa"
    assert (await lea.last_bot_message())["html"] == "Bonjour <b>Léa</b>"

    pressed = await lea.press("Oui")
    assert pressed["answer"]["text"] == "Noté"
    message = await lea.last_bot_message()
    assert message["text"] == "Réponse : yes" and message["edited"] is True
    assert message["reply_markup"] is None  # edit_text without markup drops the keyboard

    await lea.send("encore")
    assert await lea.last_text() == "ENCORE"

    # A forged press on a message without that button still reaches the handler.
    forged = await lea.forge_callback("no", message["message_id"])
    assert forged["status"] == "processed" and forged["answer"]["text"] == "Dommage"
    assert [m["from"] for m in await lea.messages()] == ["user", "bot", "user", "bot"]
    assert (await lea.messages())[1]["text"] == "Réponse : no"


async def test_deep_link_and_block_updates(polling, client: SandboxClient, bot: Bot) -> None:
    seen: list[str] = []
    dispatcher = Dispatcher()
    dispatcher.include_router(greeting_router(seen))
    await polling(dispatcher)
    lea = await client.create_user()

    await lea.send("/start ref42")
    assert await lea.last_text() == "Venu par ref42"
    blocked = await lea.block()
    assert blocked["status"] == "processed"
    assert seen == ["deep:ref42", "kicked"]
    with pytest.raises(Exception, match="bot was blocked by the user"):
        await bot.send_message(lea.id, "toujours là ?")
    await lea.unblock()
    assert seen[-1] == "member"


async def test_updates_of_unused_types_are_not_delivered(polling, client: SandboxClient) -> None:
    # Dispatcher resolves allowed_updates from its handlers: no my_chat_member handler here.
    router = Router()

    @router.message()
    async def any_message(message: Message) -> None:
        await message.answer("ok")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    await polling(dispatcher)
    lea = await client.create_user()
    await lea.send("hello")
    assert (await lea.block())["status"] == "filtered"


async def test_wait_reports_a_stuck_handler(polling, client: SandboxClient) -> None:
    release = asyncio.Event()
    router = Router()

    @router.message()
    async def stuck(message: Message) -> None:
        await release.wait()

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    await polling(dispatcher)
    client.wait_timeout = 0.3
    lea = await client.create_user()
    with pytest.raises(SandboxError, match="504: update 1 was not processed") as error:
        await lea.send("hello")
    assert "is a handler stuck" in str(error.value)
    release.set()
    assert await client.wait(1) == "processed"


async def test_wait_without_any_bot_explains_why(client: SandboxClient) -> None:
    client.wait_timeout = 0.1
    lea = await client.create_user()
    with pytest.raises(SandboxError, match="never called getUpdates"):
        await lea.send("hello")
