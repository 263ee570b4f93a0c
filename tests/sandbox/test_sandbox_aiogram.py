"""aiogram's real Bot and HTTP session talk to the sandbox unchanged."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from sandbox.client import SandboxClient, SandboxUser
from sandbox.media import make_png


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text=text, callback_data=data) for text, data in pairs]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "binome_sandbox_bot")
    assert me.first_name == "Binôme (sandbox)"
    assert me.can_join_groups is True


async def test_send_edit_and_document_show_in_transcript(bot: Bot, user: SandboxUser) -> None:
    sent = await bot.send_message(
        user.id, "Bonjour <b>Léa</b> 👋", parse_mode=ParseMode.HTML,
        reply_markup=keyboard(("Oui", "yes"), ("Non", "no")),
    )
    assert sent.message_id == 2  # the user's /start took id 1: one sequence per chat
    assert sent.text == "Bonjour Léa 👋"
    assert sent.entities[0].type == "bold" and sent.entities[0].offset == 8
    assert sent.reply_markup.inline_keyboard[0][1].callback_data == "no"

    edited = await bot.edit_message_text(
        "C'est noté.", chat_id=user.id, message_id=sent.message_id,
        reply_markup=keyboard(("Annuler", "undo")),
    )
    assert edited.edit_date is not None

    document = await bot.send_document(
        user.id, BufferedInputFile(b"ligne 1\nligne 2\n", filename="notes.txt"),
        caption="<i>Vos notes</i>", parse_mode="HTML",
    )
    assert document.document.file_name == "notes.txt"
    assert document.document.mime_type == "text/plain"
    assert document.caption == "Vos notes"

    messages = (await user.transcript())["messages"]
    assert [(m["message_id"], m["from"]) for m in messages] == [(1, "user"), (2, "bot"), (3, "bot")]
    assert messages[1]["text"] == "C'est noté." and messages[1]["edited"] is True
    assert messages[1]["reply_markup"] == {
        "inline_keyboard": [[{"text": "Annuler", "callback_data": "undo"}]]
    }
    assert messages[2]["document"]["file_name"] == "notes.txt"
    assert messages[2]["caption"] == "Vos notes" and messages[2]["html"] == "<i>Vos notes</i>"
    assert await user.download(document.document.file_id) == b"ligne 1\nligne 2\n"

    file = await bot.get_file(document.document.file_id)
    downloaded = await bot.download_file(file.file_path)
    assert downloaded.read() == b"ligne 1\nligne 2\n"


async def test_file_id_can_be_sent_again(bot: Bot, user: SandboxUser) -> None:
    first = await bot.send_document(user.id, BufferedInputFile(b"%PDF-1.4", filename="a.pdf"))
    again = await bot.send_document(user.id, first.document.file_id)
    assert again.document.file_unique_id == first.document.file_unique_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier/HTTP URL specified"):
        await bot.send_document(user.id, "not-a-file-id")
    with pytest.raises(TelegramBadRequest, match="type of file mismatch"):
        await bot.send_photo(user.id, first.document.file_id)


async def test_photos_are_checked_and_sized(bot: Bot, user: SandboxUser) -> None:
    photo = await bot.send_photo(user.id, BufferedInputFile(make_png(640, 480), "p.png"))
    assert [(size.width, size.height) for size in photo.photo] == [(90, 68), (320, 240), (640, 480)]
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(user.id, BufferedInputFile(b"not an image", "p.png"))


async def test_reply_keyboards(bot: Bot, user: SandboxUser) -> None:
    markup = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Aide")]], resize_keyboard=True)
    sent = await bot.send_message(user.id, "Choisissez", reply_markup=markup)
    assert sent.reply_markup is None  # Telegram only echoes inline keyboards
    assert (await user.transcript())["reply_keyboard"]["keyboard"] == [[{"text": "Aide"}]]
    await bot.send_message(user.id, "OK", reply_markup=ReplyKeyboardRemove())
    assert (await user.transcript())["reply_keyboard"] is None


async def test_errors_become_aiogram_exceptions(
    bot: Bot, client: SandboxClient, user: SandboxUser
) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999, "hello")
    stranger = await client.create_user("Marc")
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation"):
        await bot.send_message(stranger.id, "hello")
    await client.add_fault("sendMessage", "429", retry_after=7)
    with pytest.raises(TelegramRetryAfter) as retry:
        await bot.send_message(user.id, "hello")
    assert retry.value.retry_after == 7
    await client.add_fault("sendMessage", "502")
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await bot.send_message(user.id, "hello")
    assert (await bot.send_message(user.id, "hello")).text == "hello"


async def test_commands_per_scope_and_language(bot: Bot, client: SandboxClient) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Commencer")])
    await bot.set_my_commands(
        [BotCommand(command="start", description="Start")], language_code="en"
    )
    await bot.set_my_commands(
        [BotCommand(command="help", description="Aide")], scope=BotCommandScopeAllPrivateChats()
    )
    assert [c.description for c in await bot.get_my_commands()] == ["Commencer"]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
    private = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert [c.command for c in private] == ["help"]
    assert await bot.get_my_commands(language_code="de") == []
    await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == []
    assert len((await client.bot_info())["commands"]) == 2
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start Now", description="x")])
