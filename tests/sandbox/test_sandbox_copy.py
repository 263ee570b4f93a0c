"""copyMessage and forwardMessage answer as Telegram does."""

from __future__ import annotations


async def two_users(client):
    lea = await client.create_user(first_name="Léa")
    marc = await client.create_user(first_name="Marc")
    for person in (lea, marc):
        await person.send("/start", wait=False)
    return lea, marc


async def test_copy_of_a_text_a_file_and_a_caption_with_a_reply(api, client) -> None:
    lea, marc = await two_users(client)
    text = await lea.send("Bonjour *toi*", wait=False)
    copied = await api.ok("copyMessage", chat_id=marc.id, from_chat_id=lea.id,
                          message_id=text["message"]["message_id"])
    assert list(copied) == ["message_id"]
    cv = await lea.document("cv.docx", caption="Mon CV", wait=False)
    renamed = await api.ok(
        "copyMessage", chat_id=marc.id, from_chat_id=lea.id,
        message_id=cv["message"]["message_id"], caption="Léa:\nMon CV",
        caption_entities=[{"type": "bold", "offset": 0, "length": 4}],
        reply_parameters={"message_id": copied["message_id"]})
    seen = {m["message_id"]: m for m in await marc.bot_messages()}
    assert seen[copied["message_id"]]["text"] == "Bonjour *toi*"
    file = seen[renamed["message_id"]]
    assert (file["document"]["file_name"], file["caption"]) == ("cv.docx", "Léa:\nMon CV")
    assert file["reply_to"] == copied["message_id"]
    photo = await lea.photo("Sans légende ?", wait=False)
    plain = await api.ok("copyMessage", chat_id=marc.id, from_chat_id=lea.id,
                         message_id=photo["message"]["message_id"])
    assert (await marc.last_bot_message())["message_id"] == plain["message_id"]
    assert await marc.last_text() == "Sans légende ?"


async def test_copy_refuses_what_telegram_refuses(api, client) -> None:
    lea, marc = await two_users(client)
    assert await api.error("copyMessage", chat_id=marc.id, from_chat_id=lea.id,
                           message_id=999) == (400, "Bad Request: message to copy not found")
    poll = await lea.poll("Mardi ?", wait=False)
    assert await api.error("copyMessage", chat_id=marc.id, from_chat_id=lea.id,
                           message_id=poll["message"]["message_id"]) == (
        400, "Bad Request: the message can't be copied")
    text = await lea.send("Bonjour", wait=False)
    status, description = await api.error(
        "copyMessage", chat_id=marc.id, from_chat_id=lea.id,
        message_id=text["message"]["message_id"], caption="x")
    assert status == 400 and "caption" in description
    await marc.block(wait=False)
    status, _ = await api.error("copyMessage", chat_id=marc.id, from_chat_id=lea.id,
                                message_id=text["message"]["message_id"])
    assert status == 403


async def test_forward_keeps_the_origin(api, client) -> None:
    lea, marc = await two_users(client)
    text = await lea.send("Transmets", wait=False)
    forwarded = await api.ok("forwardMessage", chat_id=marc.id, from_chat_id=lea.id,
                             message_id=text["message"]["message_id"])
    assert forwarded["text"] == "Transmets"
    assert forwarded["forward_origin"]["sender_user"]["id"] == lea.id
    assert await api.error("forwardMessage", chat_id=marc.id, from_chat_id=lea.id,
                           message_id=12345) == (400,
                                                 "Bad Request: message to forward not found")


async def test_forward_hides_someone_who_forbids_links(api, client) -> None:
    nina = await client.create_user(first_name="Nina", last_name="K", allows_links=False)
    marc = await client.create_user(first_name="Marc")
    for person in (nina, marc):
        await person.send("/start", wait=False)
    said = await nina.send("Un souci", wait=False)
    forwarded = await api.ok("forwardMessage", chat_id=marc.id, from_chat_id=nina.id,
                             message_id=said["message"]["message_id"])
    assert forwarded["forward_origin"]["type"] == "hidden_user"
    assert forwarded["forward_origin"]["sender_user_name"] == "Nina K"
    assert "sender_user" not in forwarded["forward_origin"]
    # and it stays so on the page's transcript of the chat
    last = await marc.last_bot_message()
    assert last["forward_origin"]["type"] == "hidden_user"


async def test_forward_of_a_file_and_a_photo_keeps_them_and_their_caption(api, client) -> None:
    lea, marc = await two_users(client)
    cv = await lea.document("cv.pdf", caption="Mon CV", wait=False)
    forwarded = await api.ok("forwardMessage", chat_id=marc.id, from_chat_id=lea.id,
                             message_id=cv["message"]["message_id"])
    assert forwarded["document"]["file_name"] == "cv.pdf"
    assert forwarded["caption"] == "Mon CV"
    assert forwarded["forward_origin"]["sender_user"]["id"] == lea.id
    photo = await lea.photo("Ma lettre", wait=False)
    forwarded = await api.ok("forwardMessage", chat_id=marc.id, from_chat_id=lea.id,
                             message_id=photo["message"]["message_id"])
    assert forwarded["photo"] and forwarded["caption"] == "Ma lettre"
    seen = await marc.bot_messages()
    assert [m["caption"] for m in seen[-2:]] == ["Mon CV", "Ma lettre"]


async def test_a_dice_and_protected_content_cannot_be_copied(api, client) -> None:
    lea, marc = await two_users(client)
    dice = await lea.dice("🎯", wait=False)
    assert dice["message"]["dice"]["emoji"] == "🎯"
    secret = await lea.protected("Ne pas diffuser", wait=False)
    assert secret["message"]["has_protected_content"] is True
    for sent in (dice, secret):
        assert await api.error("copyMessage", chat_id=marc.id, from_chat_id=lea.id,
                               message_id=sent["message"]["message_id"]) == (
            400, "Bad Request: the message can't be copied")
    assert await api.error("forwardMessage", chat_id=marc.id, from_chat_id=lea.id,
                           message_id=secret["message"]["message_id"]) == (
        400, "Bad Request: message can't be forwarded")
    assert await marc.bot_messages() == []
