"""Wrong input at every step of both forms: one clear sentence, nothing lost, no crash."""

from __future__ import annotations

import pytest

from tests.e2e.journeys import CONFIRM, act, start_as, student_script, volunteer_script

CRASH = "Sorry, something went wrong on our side. Please try again in a moment."


async def new_bot_texts(user, before: int) -> list[str]:
    messages = await user.bot_messages()
    return [m.get("text") or m.get("caption") or "" for m in messages[before:]]


async def one_sentence_for(user, action) -> str:
    """Do ``action`` and return the bot's single reply, checking that it is one sentence."""
    before = len(await user.bot_messages())
    await action()
    replies = await new_bot_texts(user, before)
    assert len(replies) == 1, replies
    reply = replies[0]
    assert reply and "\n" not in reply and len(reply) < 220, reply
    return reply


@pytest.mark.parametrize(("role", "script"), [("student", student_script()),
                                              ("volunteer", volunteer_script(language="en"))])
async def test_wrong_input_at_every_step(binome, client, role, script) -> None:
    user = await client.create_user(first_name="Léa", language_code="en")
    await start_as(user, role)
    stale_button = None  # the first-name suggestion, left behind once a name is typed
    replies: dict[str, list[str]] = {}
    for step, actions in script:
        if stale_button is None:
            last = await user.last_bot_message()
            stale_button = last["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            stale_message = last["message_id"]
        said = replies.setdefault(step, [])
        said.append(await one_sentence_for(user, user.sticker))
        said.append(await one_sentence_for(user, user.photo))
        # 5,000 characters pasted: Telegram's app sends them as 4,096 and then 904.
        said.append(await one_sentence_for(user, lambda: user.send("a" * 4096)))
        said.append(await one_sentence_for(user, lambda: user.send("a" * 904)))
        said.append(await one_sentence_for(user, lambda: user.send("😀🎉👍")))
        said.append(await one_sentence_for(user, lambda: user.send("/teleport")))
        mine = [m for m in (await user.transcript())["messages"] if m["from"] == "user"]
        said.append(await one_sentence_for(
            user, lambda mine=mine, step=step: user.edit(mine[0]["message_id"], f"Zoé {step}")))
        if step != "first_name":
            answer = await user.press(stale_button, message_id=stale_message)
            assert answer["answer"]["text"] == "This button is no longer active.", answer
        await act(user, actions)
    assert "Is everything right?" in await user.last_text()
    await user.press(CONFIRM)
    for step, said in replies.items():
        assert CRASH not in said, step
    unknown_command = "I don't know that command: answer the question above, or send /help."
    assert unknown_command in replies["place"]
    assert "That is too long: please keep it under 40 characters." in replies["first_name"]
    assert ("I can only read text here: please type your answer." in replies["first_name"])
    assert ("I can't take an edited message into account: please send your answer again as a "
            "new message." in replies["place"])

    profile = await binome.runtime.signup.profile(user.id)
    given_name = script[0][1][0][1]
    assert profile is not None and profile.first_name == given_name  # nothing given was lost
    # The bot never sent Telegram anything it would refuse. 429s are left out: this test
    # types faster than the global limit allows, and the bot waits and retries them.
    refused = [call for call in await client.log()
               if not call["ok"] and call["error_code"] != 429]
    assert refused == []
