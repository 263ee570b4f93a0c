"""A press answered after Telegram's window is still handled: the user gets the next step."""

from __future__ import annotations

from tests.e2e.journeys import ROLE_STUDENT


async def test_a_press_answered_too_late_still_moves_on(binome, client, sandbox) -> None:
    user = await client.create_user(first_name="Léa", language_code="en")
    await user.send("/start")
    sandbox.sandbox.callback_answer_window = -1.0  # every answer comes too late
    await user.press(ROLE_STUDENT)
    refused = [call for call in await client.log() if call["method"] == "answerCallbackQuery"]
    assert refused and not refused[-1]["ok"]
    assert "Do you agree?" in await user.last_text()
