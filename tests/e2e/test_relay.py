"""The relay: a pair writes to each other through the bot, both ways, and nothing of what
they write is kept."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from handlers.callbacks import EraseAnswer, RelayTo
from storage.tables import OutboxRow, RelayMessageRow
from tests.e2e.test_matching import sign_up_student, sign_up_volunteer


async def pair_up(binome, client, language: str = "en", student: str = "Léa"):
    marc = await client.create_user(first_name="Marc", language_code=language)
    await sign_up_volunteer(marc, language)
    lea = await client.create_user(first_name=student, language_code=language)
    await sign_up_student(lea)
    await binome.drain()
    await marc.press(binome.t("✅ Accept", language))
    await binome.drain()
    return lea, marc


async def another_student(binome, client, marc, name: str, language: str = "en"):
    student = await client.create_user(first_name=name, language_code=language)
    await sign_up_student(student)
    await binome.drain()
    await marc.press(binome.t("✅ Accept", language))
    await binome.drain()
    return student


async def records(binome) -> list[RelayMessageRow]:
    async with binome.runtime.sessions() as session:
        return list(await session.scalars(select(RelayMessageRow).order_by(RelayMessageRow.id)))


async def test_a_pair_writes_both_ways_text_file_photo_reply_and_edit(binome, client) -> None:
    lea, marc = await pair_up(binome, client)
    sent = await lea.send("Bonjour Marc, *merci* !")
    await binome.drain()
    copy = await marc.last_bot_message()
    assert copy["text"] == "Léa:\nBonjour Marc, *merci* !"
    assert copy["entities"][0] == {"type": "bold", "offset": 0, "length": 4}
    # A reply on Marc's side threads onto Léa's own message on hers.
    await marc.reply(copy["message_id"], "Avec plaisir. Envoie-moi ton CV.")
    await binome.drain()
    answer = await lea.last_bot_message()
    assert answer["text"] == "Marc:\nAvec plaisir. Envoie-moi ton CV."
    assert answer["reply_to"] == sent["message"]["message_id"]
    await lea.document("cv-lea.pdf", caption="Mon CV")
    await lea.photo(caption="Ma lettre")
    await binome.drain()
    cv, photo = (await marc.bot_messages())[-2:]
    assert cv["document"]["file_name"] == "cv-lea.pdf" and cv["caption"] == "Léa:\nMon CV"
    assert photo["photo"] and photo["caption"] == "Léa:\nMa lettre"
    await lea.edit(sent["message"]["message_id"], "Bonjour Marc, merci beaucoup !")
    await binome.drain()
    edited = next(m for m in await marc.bot_messages() if m["message_id"] == copy["message_id"])
    assert edited["text"] == "Léa:\nBonjour Marc, merci beaucoup !" and edited["edited"]
    found = await records(binome)
    assert [(r.sender_id, r.kind) for r in found] == [
        (lea.id, "text"), (marc.id, "text"), (lea.id, "document"), (lea.id, "photo")]
    # What was written is not kept: neither in the records nor in the sent outbox rows.
    async with binome.runtime.sessions() as session:
        params = list(await session.scalars(select(OutboxRow.params).where(
            OutboxRow.kind.in_(("relay", "relay_edit")))))
    assert params and not any({"body", "caption"} & set(p) for p in params)
    counts = await binome.runtime.relay.store.counts(
        found[0].pair_id, found[0].sent_at - timedelta(minutes=1),
        found[-1].sent_at + timedelta(minutes=1))
    assert counts == {(lea.id, marc.id): 3, (marc.id, lea.id): 1}


async def test_in_french_the_name_shows_and_a_poll_is_refused(binome, client) -> None:
    lea, marc = await pair_up(binome, client, language="fr")
    await marc.send("Salut Léa !")
    await binome.drain()
    assert await lea.last_text() == "Marc:\nSalut Léa !"
    before = len(await marc.bot_messages())
    await lea.poll("On se voit mardi ?")
    await binome.drain()
    assert len(await marc.bot_messages()) == before  # nothing relayed
    assert await lea.last_text() == binome.t(
        "I can't pass polls, dice or protected messages on: send text, a photo or a "
        "file instead.", "fr")


async def test_a_volunteer_with_two_students_is_never_ambiguous(binome, client) -> None:
    lea, marc = await pair_up(binome, client)
    zoe = await another_student(binome, client, marc, "Zoé")
    await zoe.send("Bonjour, c'est Zoé")
    await lea.send("Bonjour, c'est Léa")
    await binome.drain()
    from_zoe = (await marc.bot_messages())[-1]
    assert from_zoe["text"] == "Léa:\nBonjour, c'est Léa"
    from_zoe = (await marc.bot_messages())[-2]
    await marc.reply(from_zoe["message_id"], "Bonjour Zoé")
    await binome.drain()
    assert await zoe.last_text() == "Marc:\nBonjour Zoé"
    # No reply: asked once, whatever follows, then both go to the chosen student.
    await marc.send("Premier message")
    await marc.send("Deuxième message")
    question = await marc.last_bot_message()
    assert question["text"].startswith("Which of your students")
    assert len([m for m in await marc.bot_messages()
                if m["text"] and m["text"].startswith("Which of your")]) == 1
    await marc.press("Léa")
    await binome.drain()
    # They waited as ids only, so they come as they were, each after Marc's name.
    assert [m["text"] for m in (await lea.bot_messages())[-4:]] == [
        "Marc:", "Premier message", "Marc:", "Deuxième message"]
    await marc.send("Troisième")  # remembered
    await binome.drain()
    assert await lea.last_text() == "Marc:\nTroisième"
    # /binome shows the choice and changes it.
    await marc.send("/binome")
    assert "Your messages go to Léa" in await marc.last_text()
    await marc.press("Zoé")
    await marc.send("Pour Zoé")
    await binome.drain()
    assert await zoe.last_text() == "Marc:\nPour Zoé"
    assert await lea.last_text() == "Marc:\nTroisième"


async def test_a_forged_choice_or_a_reply_of_another_pair_reaches_no_stranger(
        binome, client) -> None:
    lea, marc = await pair_up(binome, client)
    await another_student(binome, client, marc, "Zoé")
    paul = await client.create_user(first_name="Paul", language_code="en")
    await sign_up_volunteer(paul)
    nina = await client.create_user(first_name="Nina", language_code="en")
    await sign_up_student(nina)
    await binome.drain()
    await paul.press("✅ Accept")
    await binome.drain()
    nina_pair = (await binome.runtime.relay.members(nina.id))[0].pair_id
    await marc.send("Pour qui ?")
    question = await marc.last_bot_message()
    answer = await marc.forge_callback(RelayTo(pair=nina_pair).pack(), question["message_id"])
    assert answer["answer"] is not None
    await binome.drain()
    assert not [m for m in await nina.bot_messages() if "Pour qui" in (m["text"] or "")]
    assert await binome.runtime.relay.store.choice(marc.id) is None
    # Message ids are per chat: Nina replying to a message whose id is that of a relayed
    # message in Léa's chat reaches her own mentor, never Léa or Marc.
    await lea.send("Pour Marc seulement")
    await binome.drain()
    other_pair = (await records(binome))[-1].source_message_id
    while other_pair not in [m["message_id"] for m in await nina.messages()]:
        await nina.send("…")
    await binome.drain()
    await nina.reply(other_pair, "Bonjour Paul")
    await binome.drain()
    assert await paul.last_text() == "Nina:\nBonjour Paul"
    assert "Bonjour Paul" not in [m["text"] for m in await marc.bot_messages()]
    assert "Bonjour Paul" not in [m["text"] for m in await lea.bot_messages()]


async def test_a_burst_of_thirty_arrives_in_order_once(binome, client) -> None:
    lea, marc = await pair_up(binome, client)
    for n in range(30):
        await lea.send(f"ligne {n}")
    before = len(await marc.bot_messages())
    # The first answer from Telegram is slow: the others must still wait for it.
    await client.add_fault("sendMessage", "slow", count=1, delay=0.5, chat_id=marc.id)
    sender = binome.sender()
    sender.pacer._per_chat = 0.0  # the test, not Telegram's pace, is measured here
    await sender.drain()
    await binome.drain()
    texts = [m["text"] for m in (await marc.bot_messages())[before:]]
    assert texts == [f"Léa:\nligne {n}" for n in range(30)]


async def test_blocked_partner_paused_and_ended_pairs(make_binome, client) -> None:
    staff = await client.create_user(first_name="Sam", language_code="en")
    binome = make_binome(staff_ids=frozenset({staff.id}))
    await binome.start()
    try:
        await staff.send("/start")
        lea, marc = await pair_up(binome, client)
        await marc.block()
        await lea.send("Tu es là ?")
        await lea.send("Allô ?")
        await binome.drain()
        await binome.drain()
        told = [m for m in await lea.bot_messages() if "could not reach" in (m["text"] or "")]
        assert len(told) == 1  # once, not once per message
        assert await lea.last_text() == ("Your message could not reach Marc: they have "
                                         "blocked Binôme. We have told the team.")
        assert "Marc has blocked Binôme" in await staff.last_text()
        await marc.unblock()
        await lea.send("/report")
        await lea.send("Il ne répond plus.")
        await binome.drain()
        # A command and the answer to its form are the bot's, never relayed.
        assert not [m for m in await marc.bot_messages()
                    if "répond plus" in (m["text"] or "") or "/report" in (m["text"] or "")]
        await lea.send("Et maintenant ?")
        assert "paused" in await lea.last_text()
        await marc.send("/end")
        await marc.press("Yes, end it")
        await lea.send("Encore ?")
        assert await lea.last_text() == ("Your binôme has ended, so I can't pass your "
                                         "messages on any more.")
        assert await records(binome) == []  # the pair ended: its records went with it
    finally:
        await binome.stop()


async def test_mydata_lists_and_delete_removes_the_records_and_they_go_after_30_days(
        binome, client) -> None:
    lea, marc = await pair_up(binome, client)
    await lea.send("Bonjour")
    await marc.send("Salut")
    await binome.drain()
    assert len(await records(binome)) == 2
    await lea.send("/mydata")
    raw = await lea.download((await lea.last_bot_message())["document"]["file_id"])
    exported = json.loads(raw)["tables"]["relay_messages"]
    assert [(r["sender_id"], r["recipient_id"]) for r in exported] == [
        (lea.id, "someone else"), ("someone else", lea.id)]
    assert "Bonjour" not in raw.decode()
    sent_at = (await records(binome))[0].sent_at
    assert (await binome.tick(sent_at + timedelta(days=29)))["relay_purged"] == 0
    assert (await binome.tick(sent_at + timedelta(days=31)))["relay_purged"] == 2
    await lea.send("Encore")
    await binome.drain()
    assert len(await records(binome)) == 1
    await lea.send("/delete")
    await lea.press(EraseAnswer(answer="yes").pack())
    async with binome.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(RelayMessageRow)) == 0


async def test_a_caption_near_the_limit_arrives_whole_and_caption_edits_follow(
        binome, client) -> None:
    lea, marc = await pair_up(binome, client)
    long = "é" * 1022  # with "Léa:\n" in front it would pass Telegram's 1,024
    await lea.photo(caption=long)
    await binome.drain()
    name, photo = (await marc.bot_messages())[-2:]
    assert name["text"] == "Léa:" and photo["caption"] == long and photo["photo"]
    short = await lea.photo(caption="Version 1")
    await binome.drain()
    await lea.edit_caption(short["message"]["message_id"], "Version 2")
    await binome.drain()
    assert await marc.last_text() == "Léa:\nVersion 2"
    assert (await marc.last_bot_message())["edited"]
