"""Nothing the bot says to a new pair is lost silently: a message Telegram refuses for one of
its buttons goes again at once without it, and any other refusal of an introduction reaches
staff. Driven with the sandbox's scripted 400s, worded as Telegram words them."""

from __future__ import annotations

from sqlalchemy import select

from storage.tables import OutboxRow
from tests.e2e.conftest import staffed
from tests.e2e.test_contacts import RELAY
from tests.e2e.test_matching import buttons, sign_up_student, sign_up_volunteer
from tests.e2e.test_outbox import queue, started_users


async def rows(binome, kind: str) -> list[OutboxRow]:
    async with binome.runtime.sessions() as session:
        return list(await session.scalars(select(OutboxRow).where(OutboxRow.kind == kind)))


async def accepted_pair(binome, client, fault: str, language: str = "en"):
    """Marc accepts Léa, and Telegram refuses the first message to Marc with ``fault``."""
    marc = await client.create_user(first_name="Marc", language_code=language)
    await sign_up_volunteer(marc, language)
    lea = await client.create_user(first_name="Léa", language_code=language)
    await sign_up_student(lea)
    await binome.drain()
    await marc.press("✅ Accept" if language == "en" else binome.t("✅ Accept", language))
    await client.add_fault("sendMessage", "400", chat_id=marc.id, description=fault)
    await binome.drain()
    return marc, lea


async def test_an_introduction_refused_for_a_button_arrives_without_it(binome, client) -> None:
    marc, _lea = await accepted_pair(binome, client, "BUTTON_DATA_INVALID", "fr")
    card = await marc.last_bot_message()
    assert binome.t("🤝 Thank you! You are now the mentor of {name}.", "fr").format(
        name="Léa") in card["text"]
    # Every callback button was the one refused; what the card says, and the relay, remain.
    assert buttons(card) == {}
    assert card["text"].count(binome.t(RELAY, "fr").format(name="Léa")) == 1
    [row] = await rows(binome, "intro_volunteer")
    assert row.status == "sent"
    assert await rows(binome, "intro_refused_staff") == []


async def test_a_button_refusal_on_another_kind_also_arrives(binome, client) -> None:
    [user] = await started_users(client, 1)
    await client.add_fault("sendMessage", "400", chat_id=user.id,
                           description="BUTTON_URL_INVALID")
    await queue(binome, [user], kind="availability_question")
    assert await binome.drain() == 1
    # The question has no url button to drop: it goes without its keyboard.
    message = await user.last_bot_message()
    assert "Can you take a new student now?" in message["text"]
    [row] = await rows(binome, "availability_question")
    assert row.status == "sent"


async def test_any_other_refusal_of_an_introduction_alerts_staff(make_binome, client) -> None:
    async with staffed(make_binome, client) as (running, boss):
        marc, lea = await accepted_pair(running, client, "chat not found")
        [row] = await rows(running, "intro_volunteer")
        assert row.status == "failed" and "chat not found" in row.last_error
        [alert] = await rows(running, "intro_refused_staff")
        assert alert.recipient_id == boss.id
        await running.drain()
        text = await boss.last_text()
        assert (f"The introduction of pair {alert.params['pair_id']} (student {lea.id}, "
                f"volunteer {marc.id}) could not be delivered") in text
        assert "chat not found" in text
        [student_card] = await rows(running, "intro_student")
        assert student_card.status == "sent"


async def test_other_kinds_keep_failing_quietly(make_binome, client) -> None:
    async with staffed(make_binome, client) as (running, _boss):
        [user] = await started_users(client, 1)
        await client.add_fault("sendMessage", "400", chat_id=user.id,
                               description="message is too long")
        await queue(running, [user])
        assert await running.drain() == 0
        [row] = await rows(running, "student_waiting")
        assert row.status == "failed"
        assert await rows(running, "intro_refused_staff") == []

