"""Staff see how much pairs write through the bot, in /risk, /stats and the export: counts and
dates, never what was written."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date

from tests.e2e.conftest import staffed
from tests.e2e.test_relay import another_student, pair_up

SECRET = "mon numéro est le 06 12 34 56 78"


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_staff_see_relay_counts_and_last_contact_never_content(
        make_binome, client, language: str) -> None:
    async with staffed(make_binome, client, language) as (running, boss):
        lea, marc = await pair_up(running, client, language)
        ines = await another_student(running, client, marc, "Inès", language)
        for text in ("Bonjour Marc !", SECRET, "À jeudi ?"):
            await lea.send(text)
        await running.drain()
        await marc.reply((await marc.bot_messages())[-1]["message_id"], "Oui, à jeudi.")
        await marc.reply((await marc.bot_messages())[-1]["message_id"], "Bonne soirée.")
        await ines.send("Bonjour, je suis Inès.")  # one way only
        await running.drain()
        # Both pairs are reported, so both are at risk.
        for student in (lea, ines):
            await student.send("/signaler" if language == "fr" else "/report")
            await student.send("Un souci.")
        await running.drain()

        await boss.send("/risk")
        cards = [m["text"] for m in (await boss.bot_messages())[-2:]]
        today = format_date(datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date(),
                            "d MMMM", locale=language)
        expected = {
            "fr": ("Par le bot : 5 messages ces 7 derniers jours, 5 sur 30 jours, "
                   f"le dernier le {today}."),
            "en": ("Through the bot: 5 messages in the last 7 days, 5 in 30 days, last on "
                   f"{today}.")}[language]
        lea_card = next(card for card in cards if str(lea.id) in card)
        ines_card = next(card for card in cards if str(ines.id) in card)
        assert lea_card.endswith(expected), lea_card
        one_way = {"fr": "Un seul des deux a écrit.", "en": "Only one of them wrote."}[language]
        assert ines_card.endswith(one_way), ines_card
        assert one_way not in lea_card
        assert not any(SECRET in card or "jeudi" in card for card in cards)

        await boss.send("/stats")
        figures = (await boss.bot_messages())[-2]["text"]
        assert {"fr": "Messages relayés ces 7 derniers jours : 6 (3,0 par binôme actif)",
                "en": "Messages relayed in the last 7 days: 6 (3.0 per active pair)",
                }[language] in figures
        assert {"fr": "Binômes qui se sont écrit dans les deux sens par le bot ces 30 "
                      "derniers jours : 1 sur 2",
                "en": "Pairs who wrote to each other both ways through the bot in the last "
                      "30 days: 1 of 2"}[language] in figures

        await boss.send("/export")
        pairs_file = next(m for m in await boss.bot_messages()
                          if (m.get("document") or {}).get("file_name") == "binome-pairs.csv")
        content = (await boss.download(pairs_file["document"]["file_id"])).decode("utf-8-sig")
        rows = {int(row["student_id"]): row for row in csv.DictReader(io.StringIO(content))}
        assert (rows[lea.id]["relayed_7_days"], rows[lea.id]["relayed_30_days"]) == ("5", "5")
        assert (rows[ines.id]["relayed_7_days"], rows[ines.id]["relayed_30_days"]) == ("1", "1")
        assert datetime.fromisoformat(rows[lea.id]["last_relayed_at"]).date() == \
            datetime.now(UTC).date()
        assert SECRET not in content and "jeudi" not in content


async def test_a_pair_that_never_wrote_through_the_bot_says_so(make_binome, client) -> None:
    async with staffed(make_binome, client) as (running, boss):
        lea, _marc = await pair_up(running, client)
        await lea.send("/report")
        await lea.send("Il ne répond jamais.")
        await boss.send("/risk")
        card = await boss.last_text()
        assert card.endswith("a report is open.\nThrough the bot: no message in the last 30 "
                             "days."), card
        await boss.send("/export")
        pairs_file = next(m for m in await boss.bot_messages()
                          if (m.get("document") or {}).get("file_name") == "binome-pairs.csv")
        content = (await boss.download(pairs_file["document"]["file_id"])).decode("utf-8-sig")
        (row,) = csv.DictReader(io.StringIO(content))
        assert (row["relayed_7_days"], row["relayed_30_days"], row["last_relayed_at"]) == (
            "0", "0", "")
