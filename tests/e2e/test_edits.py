"""An edit that changes nothing is refused by Telegram with "message is not modified"; the bot
takes that as done, and the person who pressed sees nothing go wrong."""

from __future__ import annotations

from tests.e2e.conftest import staffed

NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup of "
                "the message")


async def test_pressing_the_same_filter_twice_changes_nothing_and_fails_nothing(
        make_binome, client) -> None:
    async with staffed(make_binome, client) as (_running, boss):
        await boss.send("/broadcast")
        await boss.send("Meet-up on Thursday")
        since = max(entry["seq"] for entry in await client.log())
        first = await boss.press("Volunteers")
        builder = await boss.last_bot_message()
        second = await boss.press("✓ Volunteers")
        refused = [entry for entry in await client.log(since)
                   if entry["method"] == "editMessageText" and not entry["ok"]]
        assert [entry["description"] for entry in refused] == [NOT_MODIFIED]
        assert first["answer"] is not None and second["answer"] is not None
        assert not second["answer"].get("show_alert")  # no "something went wrong"
        assert await boss.last_bot_message() == builder
