"""/impact through the real Dispatcher and the sandbox: staff get the PNG preview, the PDF
and the CSV, and can cut the figures with one tap; nobody else can, even with forged
buttons. ``binome report impact`` writes the same files."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import subprocess
import sys

import pytest

from handlers.impact import ImpactCut
from storage.database import make_engine, make_sessionmaker
from tests.e2e.conftest import staffed
from tests.e2e.test_cli import binome
from tests.storage import impact_programme

STAFF_ONLY = "This button is for the programme staff."
DRAWING_WAIT = 60
"""Seconds a user waits for the report: drawing the page takes a second or two, and far
longer on a loaded test machine, than the sandbox's default 10 s for a reply."""


def pages_in(pdf: bytes) -> int:
    """The number of pages of a PDF, from its page objects."""
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf))


def figures(content: bytes) -> dict[tuple[str, str, str, str], list[str]]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["group_by", "group", "figure", "detail", "label", "value"]
    return {tuple(row[:4]): row[4:] for row in rows[1:]}  # type: ignore[misc]


async def test_impact_for_staff_with_cuts_and_refused_to_others(make_binome, client) -> None:
    client.wait_timeout = DRAWING_WAIT
    async with staffed(make_binome, client) as (running, boss):
        await impact_programme.build(running.runtime.sessions)
        lea = await client.create_user(first_name="Léa", language_code="en")
        await lea.send("/start")
        await lea.send("/impact")
        assert await lea.last_text() == "This command is for the programme staff."

        await boss.send("/impact 2026-01-01 to June")
        assert (await boss.last_text()).startswith("Write /impact for the last twelve months")
        await boss.send("/impact 2026-01-01 2026-06-30")
        photo, pdf, table, buttons = (await boss.bot_messages())[-4:]
        assert photo["caption"] == ("Impact report, 2026-01-01 – 2026-06-30, whole programme: "
                                    "8 pairs created. The PDF and the figures as CSV follow.")
        assert (await boss.download(photo["photo"]["file_id"])).startswith(b"\x89PNG")
        assert pdf["document"]["file_name"] == "binome-impact-2026-01-01-2026-06-30.pdf"
        document = await boss.download(pdf["document"]["file_id"])
        assert document.startswith(b"%PDF") and pages_in(document) == 1
        found = figures(await boss.download(table["document"]["file_id"]))
        assert found["", "all", "pairs_created", ""][1] == "8"
        assert found["", "all", "first_meeting_share", ""][1] == "0.625"
        assert found["", "all", "end_rating", ""][1:] == ["", "score_1_5", "4", "4", "1",
                                                          "Mean of the ratings members gave "
                                                          "their pair when it ended during the "
                                                          "period, 1 to 5. n = members who "
                                                          "rated."]
        assert buttons["text"] == "Cut these figures by:"

        # A forged cut from someone who is not staff, and a forged cut from staff.
        on = (await lea.last_bot_message())["message_id"]
        forged = ImpactCut(cut="region", start="20260101", end="20260630").pack()
        assert (await lea.forge_callback(forged, on))["answer"]["text"] == STAFF_ONLY
        nonsense = ImpactCut(cut="shoe", start="20260101", end="20260630").pack()
        answer = await boss.forge_callback(nonsense, buttons["message_id"])
        assert answer["answer"]["text"] == "This button is no longer active."
        count = len(await boss.bot_messages())

        await boss.press("Region", buttons["message_id"])
        photo, pdf, table, buttons = (await boss.bot_messages())[count:]
        assert "by region" in photo["caption"]
        assert pdf["document"]["file_name"].endswith("-region.pdf")
        found = figures(await boss.download(table["document"]["file_id"]))
        assert found["region", "11", "pairs_created", ""][1] == "5"  # Île-de-France
        assert found["region", "84", "pairs_created", ""][1] == ""  # 3 people: hidden
        assert found["region", "84", "pairs_created", ""][5] == "1"
        assert "Region" not in str(buttons["reply_markup"])


async def test_impact_in_french(make_binome, client) -> None:
    client.wait_timeout = DRAWING_WAIT
    async with staffed(make_binome, client, language="fr") as (_running, boss):
        await boss.send("/impact 2026-01-01 2026-06-30 région")
        photo, _pdf, table, buttons = (await boss.bot_messages())[-4:]
        assert photo["caption"].startswith("Rapport d'impact, 2026-01-01 – 2026-06-30, "
                                           "par région : < 5 binômes créés.")
        assert "Binômes créés" in (await boss.download(table["document"]["file_id"])).decode(
            "utf-8-sig")
        assert buttons["text"] == "Détailler ces chiffres par :"


@pytest.mark.slow
def test_report_command_writes_pdf_png_and_csv(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'impact.db'}"
    assert binome("migrate", database_url=url).returncode == 0

    async def fill() -> None:
        engine = make_engine(url)
        await impact_programme.build(make_sessionmaker(engine))
        await engine.dispose()

    asyncio.run(fill())
    out = tmp_path / "reports" / "impact.pdf"
    done = binome("report", "impact", "--from", "2026-01-01", "--to", "2026-06-30",
                  "--by", "source", "--out", str(out), "--language", "en", database_url=url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(out), str(out.with_suffix(".png")),
                                   str(out.with_suffix(".csv"))]
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF") and pages_in(pdf) == 1
    assert out.with_suffix(".png").read_bytes().startswith(b"\x89PNG")
    found = figures(out.with_suffix(".csv").read_bytes())
    assert found["", "all", "retention", "3"][1] == str(round(5 / 7, 4))
    assert found["source", "direct", "pairs_created", ""][1] == "5"
    assert found["source", "lycee_a", "pairs_created", ""][1] == ""

    wrong = binome("report", "impact", "--from", "2026-06-30", "--to", "2026-01-01",
                   database_url=url)
    assert wrong.returncode == 2 and "--to is before --from" in wrong.stderr
    typo = subprocess.run([sys.executable, "-m", "bot", "report", "impact", "--from", "June",
                           "--to", "2026-01-01"], capture_output=True, text=True, check=False)
    assert typo.returncode == 2 and "YYYY-MM-DD" in typo.stderr
