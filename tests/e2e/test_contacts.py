"""Introductions carry no link to anyone's account, and a contact is shown only to the partner
who was offered it and accepted it: in French and in English, through the real Dispatcher and
the strict sandbox. The pair writes through the bot whatever they choose."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.callbacks import ContactAnswer, EndAnswer, ProposalAnswer, ShareContact
from storage.tables import ContactOfferRow, OutboxRow, PairRow
from tests.e2e.test_matching import _proposal_id, buttons, sign_up_student, sign_up_volunteer

RELAY = "✉️ Write here: I pass your messages on to {name}."
SHARE = "🤝 Share my Telegram contact"
CANNOT_SHOW = ("Telegram does not let me show the contact of {name}: their privacy settings "
               "forbid it. No worries, keep writing here: I still pass your messages on.")


async def introduced(binome, client, language: str, **student: object):
    """Marc (with a username) accepts Léa (without one, unless told); both cards are sent."""
    marc = await client.create_user(first_name="Marc", language_code=language,
                                    username="marc_av")
    await sign_up_volunteer(marc, language)
    lea = await client.create_user(first_name="Léa", language_code=language, **student)
    await sign_up_student(lea)
    await binome.drain()
    proposal = await marc.last_bot_message()
    await marc.press(ProposalAnswer(id=_proposal_id(proposal), action="accept").pack())
    await binome.drain()
    return marc, lea


async def pair_id(binome) -> int:
    async with binome.runtime.sessions() as session:
        return (await session.scalars(select(PairRow.id))).one()


def links(message) -> list[str]:
    return [data for data in buttons(message).values() if data and ":" in data
            and (data.startswith("tg://") or data.startswith("http"))]


async def offers(binome) -> list[ContactOfferRow]:
    async with binome.runtime.sessions() as session:
        return list(await session.scalars(select(ContactOfferRow).order_by(ContactOfferRow.id)))


async def kinds_to(binome, user) -> list[str]:
    async with binome.runtime.sessions() as session:
        return list(await session.scalars(
            select(OutboxRow.kind).where(OutboxRow.recipient_id == user.id)))


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_both_cards_arrive_without_a_link_for_a_student_without_username(
        binome, client, language) -> None:
    marc, lea = await introduced(binome, client, language)
    assert lea.info.get("username") is None
    t = lambda text: binome.t(text, language)  # noqa: E731
    student_card = await lea.last_bot_message()
    volunteer_card = await marc.last_bot_message()
    assert t("🎉 Good news: {name} will be your mentor!").format(name="Marc") in \
        student_card["text"]
    assert t("🤝 Thank you! You are now the mentor of {name}.").format(name="Léa") in \
        volunteer_card["text"]
    assert t(RELAY).format(name="Marc") in student_card["text"]
    assert t(RELAY).format(name="Léa") in volunteer_card["text"]
    pair = await pair_id(binome)
    for card in (student_card, volunteer_card):
        assert links(card) == []
        assert "@marc_av" not in card["text"] and str(lea.id) not in card["text"]
        assert buttons(card)[t(SHARE)] == ShareContact(pair=pair).pack()
    await lea.send("/binome")
    view = await lea.last_bot_message()
    assert t(RELAY).format(name="Marc") in view["text"] and links(view) == []
    assert "@marc_av" not in view["text"]
    assert set(buttons(view)) == {t(SHARE)}


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_contact_is_shown_only_after_it_is_accepted(binome, client, language) -> None:
    marc, lea = await introduced(binome, client, language)
    nina = await client.create_user(first_name="Nina", language_code=language,
                                    username="nina_av")
    await sign_up_volunteer(nina, language, place=[("send", "13001")])
    t = lambda text: binome.t(text, language)  # noqa: E731

    answer = await marc.press(t(SHARE))
    assert t("I asked {name} if they would like your Telegram contact. I will tell you if "
             "they say yes.").format(name="Léa") in await marc.last_text()
    assert answer["answer"] is not None
    await marc.press(t(SHARE))  # pressed twice: still one offer
    assert t("Your offer is already waiting for {name}'s answer.").format(
        name="Léa") in await marc.last_text()
    await binome.drain()
    offer = await lea.last_bot_message()
    assert t("🤝 {name} would like to share their Telegram contact with you. Do you want it? "
             "Either way, you can keep writing here.").format(name="Marc") in offer["text"]
    assert len(await offers(binome)) == 1
    # Offered, not accepted yet: the username is nowhere in her chat.
    assert not any("marc_av" in (m["text"] or "") for m in await lea.messages())

    await lea.press(t("Yes, please"))
    await binome.drain()
    revealed = await lea.last_bot_message()
    assert revealed["text"] == t("Here is the Telegram contact of {name}: {username}").format(
        name="Marc", username="@marc_av")
    assert t("{name} said yes: they now have your Telegram contact.").format(
        name="Léa") in await marc.last_text()
    # Nobody else was offered anything, nor saw anything.
    assert not any("marc_av" in (m["text"] or "") for m in await nina.messages())
    assert not {"contact_offer", "contact_revealed"} & set(await kinds_to(binome, nina))

    # Léa has no username: she offers, Marc declines, and he never gets a way to her account.
    await lea.send("/binome")
    await lea.press(t(SHARE))
    await binome.drain()
    await marc.press(t("No, thanks"))
    assert t("No problem: keep writing here, I pass your messages on.") in \
        await marc.last_text()
    await binome.drain()
    assert not any(link.startswith("tg://user") for m in await marc.bot_messages()
                   for link in links(m))
    assert "contact_revealed" not in await kinds_to(binome, marc)
    assert [o.status for o in await offers(binome)] == ["accepted", "declined"]


async def test_the_contact_button_of_someone_without_username_is_shown_once_accepted(
        binome, client) -> None:
    marc, lea = await introduced(binome, client, "en")
    await lea.press(SHARE)
    await binome.drain()
    await marc.press("Yes, please")
    await binome.drain()
    revealed = await marc.last_bot_message()
    assert revealed["text"] == ("Here is the Telegram contact of Léa: tap below to open their "
                                "profile.")
    assert links(revealed) == [f"tg://user?id={lea.id}"]


async def test_when_telegram_refuses_the_contact_link_the_message_still_arrives(
        binome, client) -> None:
    marc, lea = await introduced(binome, client, "fr")
    await lea.press(binome.t(SHARE, "fr"))
    await binome.drain()
    await marc.press(binome.t("Yes, please", "fr"))
    await client.add_fault("sendMessage", "400", chat_id=marc.id,
                           description="BUTTON_USER_PRIVACY_RESTRICTED")
    await binome.drain()
    revealed = await marc.last_bot_message()
    assert links(revealed) == []
    assert binome.t(CANNOT_SHOW, "fr").format(name="Léa") in revealed["text"]
    async with binome.runtime.sessions() as session:
        status = await session.scalar(select(OutboxRow.status).where(
            OutboxRow.kind == "contact_revealed"))
    assert status == "sent"


async def test_forged_and_stale_contact_buttons_change_nothing(binome, client) -> None:
    marc, lea = await introduced(binome, client, "en")
    nina = await client.create_user(first_name="Nina", language_code="en")
    await sign_up_volunteer(nina, place=[("send", "13001")])
    pair = await pair_id(binome)
    on_nina = (await nina.last_bot_message())["message_id"]
    on_marc = (await marc.last_bot_message())["message_id"]
    refused = "This button is no longer active."

    # A stranger offers her contact into someone else's pair, or a pair that does not exist.
    for forged in (ShareContact(pair=pair), ShareContact(pair=pair + 99)):
        assert (await nina.forge_callback(forged.pack(), on_nina))["answer"]["text"] == refused
    assert (await marc.forge_callback(ShareContact(pair=pair + 99).pack(), on_marc)
            )["answer"]["text"] == refused
    assert await offers(binome) == []

    await lea.press(SHARE)
    await binome.drain()
    [offer] = await offers(binome)
    # The stranger, and the one who offered, answer the offer in Léa's... or Marc's stead.
    for user, on in ((nina, on_nina), (lea, (await lea.last_bot_message())["message_id"])):
        answer = await user.forge_callback(ContactAnswer(id=offer.id, answer="yes").pack(), on)
        assert answer["answer"]["text"] == refused
    assert [o.status for o in await offers(binome)] == ["pending"]
    # Marc declines, then presses yes on the same offer: the first answer stands.
    offer_message = (await marc.last_bot_message())["message_id"]
    await marc.press("No, thanks", offer_message)
    answer = await marc.forge_callback(ContactAnswer(id=offer.id, answer="yes").pack(),
                                       offer_message)
    assert answer["answer"]["text"] == refused
    await binome.drain()
    assert [o.status for o in await offers(binome)] == ["declined"]
    assert "contact_revealed" not in await kinds_to(binome, marc)

    # An offer ends with the pair.
    await marc.press(SHARE, on_marc)
    await binome.drain()
    await marc.forge_callback(EndAnswer(pair=pair, answer="yes").pack(), on_marc)
    answer = await lea.press("Yes, please")
    assert answer["answer"]["text"] == "This pair has already ended."
    await binome.drain()
    assert [o.status for o in await offers(binome)] == ["declined", "pending"]
    assert "contact_revealed" not in await kinds_to(binome, lea)


async def test_a_student_who_forbids_links_is_introduced_and_never_stranded(
        binome, client) -> None:
    marc, lea = await introduced(binome, client, "en", allows_links=False)
    assert "Marc will be your mentor" in await lea.last_text()
    assert "You are now the mentor of Léa" in await marc.last_text()
    await lea.press(SHARE)
    await binome.drain()
    await marc.press("Yes, please")
    await binome.drain()
    revealed = await marc.last_bot_message()
    assert links(revealed) == []
    assert CANNOT_SHOW.format(name="Léa") in revealed["text"]
