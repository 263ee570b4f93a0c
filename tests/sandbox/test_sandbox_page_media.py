"""What the chat page shows of files, replies, locations and forwards, and how its people
send them: the transcript it reads and the control endpoints it calls."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from sandbox.client import SandboxClient, SandboxUser
from sandbox.media import make_png
from sandbox.model import forward_origin_for
from sandbox.server import RunningSandbox


async def upload(
    running: RunningSandbox, user: SandboxUser, data: bytes, name: str, content_type: str,
    **fields: str,
) -> tuple[int, dict[str, Any]]:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type=content_type)
    for key, value in {"wait": "false", **fields}.items():
        form.add_field(key, value)
    async with aiohttp.ClientSession() as session:
        url = f"{running.url}/control/users/{user.id}/upload"
        async with session.post(url, data=form) as response:
            return response.status, await response.json()


async def updates(api) -> list[dict[str, Any]]:
    return [u["message"] for u in await api.ok("getUpdates") if "message" in u]


async def test_a_bot_reply_carries_the_quoted_message(api, user: SandboxUser) -> None:
    asked = await user.send("Tu as vu mon CV ?", wait=False)
    sent = await api.ok("sendMessage", chat_id=user.id, text="Oui, il est clair.",
                        reply_parameters={"message_id": asked["message"]["message_id"]})
    assert sent["reply_to_message"]["text"] == "Tu as vu mon CV ?"
    last = (await user.messages())[-1]
    assert last["reply_to_message"] == {
        "message_id": asked["message"]["message_id"], "from": "user",
        "preview": "Tu as vu mon CV ?"}


async def test_people_send_their_own_files(
    api, running: RunningSandbox, client: SandboxClient, user: SandboxUser
) -> None:
    picture = make_png(64, 48)
    status, sent = await upload(running, user, picture, "moi.png", "image/png",
                                caption="Ma photo")
    assert status == 200
    photo = sent["message"]["photo"][-1]
    assert (photo["width"], photo["height"], sent["message"]["caption"]) == (64, 48, "Ma photo")
    assert await client.download(photo["file_id"]) == picture

    status, sent = await upload(running, user, b"%PDF-1.4 cv", "CV Léa.pdf", "application/pdf",
                                reply_to=str(sent["message"]["message_id"]))
    document = sent["message"]["document"]
    assert (document["file_name"], document["mime_type"], document["file_size"]) == (
        "CV Léa.pdf", "application/pdf", 11)
    assert sent["message"]["reply_to_message"]["caption"] == "Ma photo"

    status, sent = await upload(running, user, b"OggS" + bytes(8000), "voice.ogg", "audio/ogg")
    voice = sent["message"]["voice"]
    assert (voice["mime_type"], voice["duration"], voice["file_size"]) == ("audio/ogg", 4, 8004)

    # The bot receives each as Telegram would send it, and the page lists them in order.
    received = await updates(api)
    assert [next(k for k in ("photo", "document", "voice") if k in m) for m in received[-3:]] \
        == ["photo", "document", "voice"]
    shown = (await user.messages())[-3:]
    assert shown[0]["photo"]["width"] == 64
    assert shown[1]["document"]["file_name"] == "CV Léa.pdf"
    assert shown[1]["reply_to_message"]["preview"] == "Ma photo"
    assert shown[2]["voice"]["duration"] == 4
    people = await client.request("GET", "/control/people")
    assert people["people"][0]["last"]["text"] == "🎤"


async def test_an_image_telegram_cannot_read_goes_as_a_file(
    running: RunningSandbox, user: SandboxUser
) -> None:
    status, sent = await upload(running, user, b"not a png", "broken.png", "image/png")
    assert status == 200 and "photo" not in sent["message"]
    assert sent["message"]["document"]["file_name"] == "broken.png"


async def test_people_share_a_location(api, client: SandboxClient, user: SandboxUser) -> None:
    path = f"/control/users/{user.id}/location"
    shared = await client.request("POST", path, {"latitude": 48.8566, "longitude": 2.3522,
                                                 "wait": False})
    assert shared["message"]["location"] == {"latitude": 48.8566, "longitude": 2.3522}
    assert (await updates(api))[-1]["location"]["latitude"] == 48.8566
    assert (await user.messages())[-1]["location"] == {"latitude": 48.8566, "longitude": 2.3522}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"latitude": 91, "longitude": 0}, "latitude must be within ±90"),
        ({"latitude": "48", "longitude": 2}, "latitude must be a number"),
        ({"latitude": 48, "longitude": 2, "reply_to": 999}, "message 999 is not in this chat"),
    ],
)
async def test_wrong_locations_are_refused_in_one_sentence(
    client: SandboxClient, user: SandboxUser, body: dict[str, Any], reason: str
) -> None:
    before = await user.messages()
    with pytest.raises(Exception, match=reason):
        await client.request("POST", f"/control/users/{user.id}/location", body)
    assert await user.messages() == before


async def test_a_forwarded_message_shows_where_it_came_from(
    running: RunningSandbox, api, client: SandboxClient, user: SandboxUser
) -> None:
    nina = await client.create_user("Nina", allows_links=False)
    sandbox = running.sandbox
    origin = forward_origin_for(sandbox.users[nina.id], sandbox.today())
    forwarded = sandbox.chats[user.id].add("bot", sandbox.today(), text="Coucou",
                                           forward_origin=origin)
    shown = (await user.messages())[-1]
    assert shown["forward_origin"] == {"type": "hidden_user", "date": origin["date"],
                                       "sender_user_name": "Nina"}
    as_bot_sees = sandbox.message_api(sandbox.chats[user.id], forwarded)
    assert as_bot_sees["forward_origin"]["type"] == "hidden_user"
    assert "sender_user" not in as_bot_sees["forward_origin"]


async def test_people_reply_to_a_message(api, client: SandboxClient, user: SandboxUser) -> None:
    card = await api.ok("sendMessage", chat_id=user.id, text="Voici Marc, ton bénévole.")
    path = f"/control/users/{user.id}/reply"
    replied = await client.request("POST", path, {"reply_to": card["message_id"],
                                                  "text": "Merci !", "wait": False})
    assert replied["message"]["reply_to_message"]["text"] == "Voici Marc, ton bénévole."
    assert (await user.messages())[-1]["reply_to_message"]["preview"] == (
        "Voici Marc, ton bénévole.")
    before = await user.messages()
    for body, reason in (({"reply_to": 999, "text": "x"}, "message 999 is not in this chat"),
                         ({"reply_to": card["message_id"], "text": " "}, "non-empty")):
        with pytest.raises(Exception, match=reason):
            await client.request("POST", path, body)
    assert await user.messages() == before
