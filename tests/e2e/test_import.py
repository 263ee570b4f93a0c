"""People imported from a spreadsheet meet the bot: at their first /start they are asked to
accept the privacy notice, and are not asked to fill the form again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.i18n import make_i18n
from mentoring.importing import parse_csv
from mentoring.model import Role
from storage.importing import SqlImport
from storage.tables import ConsentRow, StudentProfileRow
from tests.e2e.journeys import AGREE, REFUSE

HEADER = "telegram_id,first_name,language,field,level,place,needs,languages,availability,goals"


async def test_an_imported_student_accepts_the_notice_at_the_first_start(binome,
                                                                         client) -> None:
    user = await client.create_user(first_name="Léa", language_code="en")
    row = f"{user.id},Léa,en,law,L2,69003,cv,fr,saturday,Réussir mes partiels"
    parsed = parse_csv(f"{HEADER}\n{row}".encode(), Role.STUDENT,
                       [t.gettext for t in make_i18n().locales.values()])
    store = SqlImport(binome.runtime.sessions, default_language="fr",
                      availability_every=timedelta(days=30))
    _, written = await store.run(parsed, datetime.now(UTC))
    assert written

    await user.send("/start")
    assert "please read and accept the privacy notice" in await user.last_text()
    await user.send("/start")  # asking again changes nothing
    assert "please read and accept the privacy notice" in await user.last_text()
    await user.press(REFUSE)
    assert "added your profile from its records" in await user.last_text()
    await user.press(AGREE)
    assert "You are already signed up" in await user.last_text()
    async with binome.runtime.sessions() as session:
        consents = (await session.scalars(select(ConsentRow))).all()
        [profile] = (await session.scalars(select(StudentProfileRow))).all()
    assert [c.user_id for c in consents] == [user.id]
    assert profile.first_name == "Léa" and profile.waiting_since is not None
    await user.send("/start")
    assert "You are already signed up" in await user.last_text()
