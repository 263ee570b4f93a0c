"""A pair who talk through the bot and never answer a check-in is never nudged as silent: the
check-in, the first-exchange question included, says how many times they wrote to each other
and asks only whether they met."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.callbacks import RhythmChoice
from storage.tables import ExchangeRow
from tests.e2e.test_eight_weeks import START, kinds_for, pair_up


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_pair_talking_through_the_bot_gets_no_silence_nudge(
        make_binome, client, language: str) -> None:
    staff = await client.create_user(first_name="Sam", language_code="fr")
    binome = make_binome(staff_ids=frozenset({staff.id}))
    binome.clock.at = START
    await binome.start()
    try:
        await staff.send("/start")
        lea, marc = await pair_up(binome, client, "Léa", "Marc", "69001", language)
        await lea.send("/rythme" if language == "fr" else "/rhythm")
        await lea.press(RhythmChoice(rhythm="weekly").pack())
        moment = START
        step = 0
        while moment < START + timedelta(weeks=6):
            moment += timedelta(hours=3)
            step += 1
            binome.clock.at = moment
            if step % 24 == 5:  # every three days, one message each way
                await lea.send("On se voit jeudi ?")
                await binome.drain(moment)
                await marc.send("Oui, à 17 h.")
            await binome.tick(moment)
            await binome.drain(moment)
        kinds = await kinds_for(binome, lea.id)
        # They wrote both ways before the first-exchange question: it says so, and is
        # not asked again; the weekly check-ins follow.
        assert kinds[0] == "checkin_first_exchange"
        assert kinds[1:] and set(kinds[1:]) == {"checkin_check_in"}
        assert await kinds_for(binome, marc.id) == kinds
        assert await kinds_for(binome, staff.id) == []
        said = [m for m in await lea.bot_messages()
                if binome.t("Did you also meet or call?", language) in m.get("text", "")]
        assert said, "the check-in should say what the bot saw"
        seen = {"fr": "Marc et toi, vous vous êtes écrit ",
                "en": "You and Marc wrote to each other "}[language]
        assert all(m["text"].startswith(seen) for m in said), [m["text"] for m in said]
        assert len(said) == len(kinds)  # the first-exchange question too
        first = {"fr": "Marc et toi, vous vous êtes écrit 2 fois depuis le 7 septembre.",
                 "en": "You and Marc wrote to each other 2 times since 7 September."}
        assert said[0]["text"].startswith(first[language]), said[0]["text"]
        buttons = [b["text"] for row in said[-1]["reply_markup"]["inline_keyboard"]
                   for b in row]
        assert buttons[0] == binome.t("✅ Yes, we met or called", language)
        # "Not yet" to a meeting is answered as such: writing through the bot counts too.
        await lea.press(binome.t("⏳ Not yet", language), said[-1]["message_id"])
        assert await lea.last_text() == {
            "fr": "C'est noté, et vous écrire ici compte aussi. Quand vous pourrez, un appel "
                  "ou une rencontre aidera encore plus.",
            "en": "Noted, and writing here counts too. When you can, a call or a meeting "
                  "helps even more."}[language]
        async with binome.runtime.sessions() as session:
            answers = list(await session.scalars(select(ExchangeRow.answer)))
        assert answers == ["not_yet"]
    finally:
        await binome.stop()
