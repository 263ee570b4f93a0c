"""/meet (/rdv): slots picked with buttons or typed, the partner's pick, the calendar files
(parsed back with icalendar), reminders through the tick and the outbox exactly once, moves
and cancels, and the time zones around daylight-saving changes and overseas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select

from handlers.callbacks import MeetAnswer, MeetPlan
from storage.tables import MeetingRow, OutboxRow
from tests.e2e.journeys import CONFIRM, act, start_as, student_script
from tests.e2e.test_matching import sign_up_volunteer

PARIS = ZoneInfo("Europe/Paris")


def day(value: str) -> str:
    return MeetPlan(action="day", value=value).pack()


async def pair_up(binome, client, language: str = "en", place: str = "69003"):
    marc = await client.create_user(first_name="Marc", language_code=language)
    await sign_up_volunteer(marc, language)
    lea = await client.create_user(first_name="Léa", language_code=language)
    await start_as(lea, "student")
    for step, actions in student_script("Léa"):
        await act(lea, [("send", place)] if step == "place" else actions)
    await lea.press(CONFIRM)
    await binome.drain()
    await marc.press(binome.t("✅ Accept", language))
    await binome.drain()
    return lea, marc


async def meetings(binome) -> list[MeetingRow]:
    async with binome.runtime.sessions() as session:
        return list(await session.scalars(select(MeetingRow).order_by(MeetingRow.id)))


async def outbox(binome, kind: str) -> list[OutboxRow]:
    async with binome.runtime.sessions() as session:
        return list(await session.scalars(
            select(OutboxRow).where(OutboxRow.kind == kind).order_by(OutboxRow.id)))


async def calendar_of(user, message=None) -> tuple[Calendar, object]:
    """The calendar file of the user's last bot message (or ``message``), parsed back."""
    message = message or await user.last_bot_message()
    assert message["document"]["file_name"].endswith(".ics"), message
    calendar = Calendar.from_ical(await user.download(message["document"]["file_id"]))
    return calendar, calendar.walk("VEVENT")[0]


def starts(event) -> datetime:
    return event.decoded("dtstart")


async def test_a_student_proposes_with_buttons_and_a_typed_date_the_mentor_picks(
        binome, client) -> None:
    binome.clock.at = datetime(2027, 1, 11, 10, 0, tzinfo=PARIS)  # a Monday
    lea, marc = await pair_up(binome, client)
    await lea.send("/meet")
    assert (await lea.last_text()).startswith("When could you meet?")
    # Léa said weekday evenings: no Saturday, and Tuesday's times are the evening's.
    labels = [b["text"] for row in (await lea.last_bot_message())["reply_markup"][
        "inline_keyboard"] for b in row]
    assert "Tue 12 Jan" in labels and "Sat 16 Jan" not in labels
    await lea.press(day("2027-01-12"))
    assert await lea.last_text() == "Tue 12 Jan: at what time?"
    times = [b["text"] for row in (await lea.last_bot_message())["reply_markup"][
        "inline_keyboard"] for b in row]
    assert times == ["18:00", "18:30", "19:00", "19:30", "20:00", "◀️ Other days"]
    await lea.press("18:30")
    await lea.send("thursdy 7pm")  # a typo: one sentence, the slot already picked is kept
    assert await lea.last_text() == (
        "I could not read that date: write a day and a time, such as “Tuesday 6:30pm” or "
        "“12/01 14:00”, or use the buttons.\nYour slots so far are kept.")
    await lea.send("thursday 7pm")
    assert await lea.last_text() == ("Your slots so far:\n• Tuesday 12 January, 18:30\n"
                                     "• Thursday 14 January, 19:00\n"
                                     "Pick another day, type one, or press Done.")
    await binome.restart()  # the slots live in the conversation state, in the database
    await lea.press("✅ Done")
    await lea.press("🎥 Video call")
    assert (await lea.last_text()).startswith("Sent to Marc:")
    await binome.drain()
    assert await marc.last_text() == ("Léa proposes a meeting (🎥 Video call). Pick the time "
                                      "that suits you:")
    await marc.press("Thursday 14 January, 19:00")
    confirmation = await marc.last_bot_message()
    assert confirmation["caption"] == (
        "✅ Meeting confirmed with Léa: Thursday 14 January, 19:00 (🎥 Video call).\n"
        "Add it to your calendar with the file. I will remind you the day before and an hour "
        "before.")
    calendar, event = await calendar_of(marc)
    assert calendar["METHOD"] == "REQUEST" and int(event["SEQUENCE"]) == 0
    assert starts(event) == datetime(2027, 1, 14, 19, 0, tzinfo=PARIS)
    assert str(event["DTSTART"].params["TZID"]) == "Europe/Paris"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"
    assert str(event["SUMMARY"]) == "Binôme meeting with Léa"
    await binome.drain()
    _, lea_event = await calendar_of(lea)
    assert str(lea_event["UID"]) == str(event["UID"])
    assert (await lea.last_text()).startswith("✅ Meeting confirmed with Marc: Thursday 14")
    [meeting] = await meetings(binome)
    assert (meeting.status, meeting.kind, meeting.proposed_by) == ("confirmed", "video", lea.id)
    assert meeting.starts_at == datetime(2027, 1, 14, 18, 0, tzinfo=UTC)
    assert meeting.slots == ["2027-01-12T17:30:00+00:00", "2027-01-14T18:00:00+00:00"]
    # /binome shows it.
    await lea.send("/binome")
    assert await lea.last_text() == ("📅 Next meeting with Marc: Thursday 14 January, 19:00 "
                                     "(🎥 Video call).")

    # The day before, at the same time, then an hour before: each once, across replays and
    # a restart.
    day_before = datetime(2027, 1, 13, 18, 0, tzinfo=UTC)
    assert (await binome.tick(day_before))["meeting_reminders"] == 2
    assert (await binome.tick(day_before + timedelta(minutes=1)))["meeting_reminders"] == 0
    await binome.restart()
    assert (await binome.tick(day_before + timedelta(minutes=2)))["meeting_reminders"] == 0
    await binome.drain(day_before + timedelta(minutes=2))
    assert await lea.last_text() == ("📅 Reminder: you meet Marc on Thursday 14 January, "
                                     "19:00 (🎥 Video call).")
    assert await marc.last_text() == ("📅 Reminder: you meet Léa on Thursday 14 January, "
                                      "19:00 (🎥 Video call).")
    hour_before = datetime(2027, 1, 14, 17, 0, tzinfo=UTC)
    assert (await binome.tick(hour_before))["meeting_reminders"] == 2
    assert (await binome.tick(hour_before))["meeting_reminders"] == 0
    await binome.drain(hour_before)
    assert await lea.last_text() == ("⏰ In an hour: your meeting with Marc (🎥 Video call), "
                                     "Thursday 14 January, 19:00.")
    assert [r.status for r in await outbox(binome, "meeting_reminder")] == ["sent"] * 4
    # Once it has begun, nothing more is due, and its buttons have run their course.
    assert (await binome.tick(hour_before + timedelta(hours=2)))["meeting_reminders"] == 0
    binome.clock.at = hour_before + timedelta(hours=1, minutes=5)
    answer = await lea.press("✖️ Cancel")
    assert answer["answer"]["text"] == "This meeting was cancelled, moved or has already begun."
    assert (await meetings(binome))[0].status == "confirmed"


async def test_in_french_a_move_drops_the_queued_reminder_and_a_cancel_cancels_the_file(
        binome, client) -> None:
    binome.clock.at = datetime(2027, 1, 11, 10, 0, tzinfo=PARIS)
    lea, marc = await pair_up(binome, client, language="fr")
    await marc.send("/rdv")
    await marc.send("mardi 18h30")
    await marc.press("✅ Terminé")
    await marc.press("📞 Appel téléphonique")
    await binome.drain()
    assert await lea.last_text() == ("Marc te propose un rendez-vous (📞 Appel téléphonique). "
                                     "Choisis l'horaire qui te va :")
    await lea.press("mardi 12 janvier, 18:30")
    _, first = await calendar_of(lea)
    await binome.drain()
    # The day-before reminders are queued (the tick), not yet sent, when Léa moves it.
    day_before = datetime(2027, 1, 11, 17, 30, tzinfo=UTC)
    assert (await binome.tick(day_before))["meeting_reminders"] == 2
    binome.clock.at = day_before
    await lea.press("🔁 Déplacer")
    await lea.send("jeudi 18h")
    await lea.press("✅ Terminé")  # a move keeps the kind: sent at once
    assert (await lea.last_text()).startswith("Envoyé à Marc :")
    await binome.drain(day_before)
    assert [r.status for r in await outbox(binome, "meeting_reminder")] == ["skipped"] * 2
    assert await marc.last_text() == ("Léa voudrait déplacer votre rendez-vous (📞 Appel "
                                      "téléphonique). Choisis un nouvel horaire :")
    # A slot button shown before the move (version 0) picks nothing now.
    [moving] = await meetings(binome)
    answer = await marc.forge_callback(
        MeetAnswer(id=moving.id, action="pick", value=0, seq=0).pack(),
        (await marc.last_bot_message())["message_id"])
    assert answer["answer"]["text"] == ("Ce rendez-vous a été annulé, déplacé, ou il a déjà "
                                        "commencé.")
    await marc.press("jeudi 14 janvier, 18:00")
    calendar, moved = await calendar_of(marc)
    assert str(moved["UID"]) == str(first["UID"]) and int(moved["SEQUENCE"]) == 1
    assert calendar["METHOD"] == "REQUEST"
    assert starts(moved) == datetime(2027, 1, 14, 18, 0, tzinfo=PARIS)
    await binome.drain(day_before)
    _, lea_moved = await calendar_of(lea)
    assert int(lea_moved["SEQUENCE"]) == 1
    # The old time's reminders never come; the new time's do.
    assert (await binome.tick(datetime(2027, 1, 13, 17, 0, tzinfo=UTC)))[
        "meeting_reminders"] == 2
    # Marc cancels with one tap: Léa is told, with a file that cancels the event.
    await marc.press("✖️ Annuler")
    assert await marc.last_text() == "Annulé (jeudi 14 janvier, 18:00) : Léa est prévenu·e."
    await binome.drain(datetime(2027, 1, 13, 17, 0, tzinfo=UTC))
    assert (await lea.last_text()) == ("Marc a annulé votre rendez-vous (jeudi 14 janvier, "
                                       "18:00). Envoie /rdv pour en proposer un autre.")
    cancel, cancelled = await calendar_of(lea)
    assert cancel["METHOD"] == "CANCEL" and str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["UID"]) == str(first["UID"]) and int(cancelled["SEQUENCE"]) == 2
    # The reminders queued for it are skipped; its old buttons answer in one sentence.
    assert [r.status for r in await outbox(binome, "meeting_reminder")][-2:] == ["skipped"] * 2
    answer = await lea.press("🔁 Déplacer")
    assert answer["answer"]["text"] == ("Ce rendez-vous a été annulé, déplacé, ou il a déjà "
                                        "commencé.")
    await lea.send("/binome")  # the card, and no meeting after it
    assert (await lea.last_text()).startswith("Ton mentor")


async def test_around_the_changes_of_time_the_file_and_reminders_keep_the_wall_time(
        binome, client) -> None:
    # Proposed on Friday 27 March 2026 (winter time) for Monday 30 (summer time).
    binome.clock.at = datetime(2026, 3, 27, 10, 0, tzinfo=PARIS)
    lea, marc = await pair_up(binome, client, language="fr")
    await lea.send("/rdv")
    await lea.press(day("2026-03-30"))
    await lea.press("18:30")
    await lea.press("✅ Terminé")
    await lea.press("🤝 En personne")
    await binome.drain()
    await marc.press("lundi 30 mars, 18:30")
    _, event = await calendar_of(marc)
    assert starts(event) == datetime(2026, 3, 30, 18, 30, tzinfo=PARIS)
    assert starts(event).astimezone(UTC) == datetime(2026, 3, 30, 16, 30, tzinfo=UTC)
    [meeting] = await meetings(binome)
    assert meeting.starts_at == datetime(2026, 3, 30, 16, 30, tzinfo=UTC)
    # The day before is a Sunday, quiet all day: the reminder comes on Monday at 9:00.
    assert (await binome.tick(datetime(2026, 3, 29, 16, 30, tzinfo=UTC)))[
        "meeting_reminders"] == 0
    assert (await binome.tick(datetime(2026, 3, 30, 7, 0, tzinfo=UTC)))[
        "meeting_reminders"] == 2

    # Proposed on Friday 23 October 2026 (summer time) for Monday 26 (winter time).
    binome.clock.at = datetime(2026, 10, 23, 10, 0, tzinfo=PARIS)
    await marc.send("/rdv")
    await marc.send("lundi 26 octobre 18h30")
    await marc.press("✅ Terminé")
    await marc.press("🎥 Visio")
    await binome.drain()
    await lea.press("lundi 26 octobre, 18:30")
    _, event = await calendar_of(lea)
    assert starts(event).astimezone(UTC) == datetime(2026, 10, 26, 17, 30, tzinfo=UTC)
    assert (await meetings(binome))[-1].starts_at == datetime(2026, 10, 26, 17, 30, tzinfo=UTC)


async def test_overseas_each_member_sees_and_is_reminded_on_their_own_clock(
        binome, client) -> None:
    binome.clock.at = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)
    lea, marc = await pair_up(binome, client, place="97300")  # Cayenne, UTC-3
    await lea.send("/meet")
    await lea.send("tuesday 6:30pm")
    await lea.press("✅ Done")
    await lea.press("📞 Phone call")
    await binome.drain()
    await marc.press("Tuesday 12 January, 22:30")  # Paris time for Marc
    _, his = await calendar_of(marc)
    assert starts(his) == datetime(2027, 1, 12, 22, 30, tzinfo=PARIS)
    await binome.drain()
    assert await lea.last_text() == (
        "✅ Meeting confirmed with Marc: Tuesday 12 January, 18:30 (America/Cayenne) "
        "(📞 Phone call).\nAdd it to your calendar with the file. I will remind you the day "
        "before and an hour before.")
    _, hers = await calendar_of(lea)
    assert str(hers["DTSTART"].params["TZID"]) == "America/Cayenne"
    assert starts(hers).astimezone(UTC) == datetime(2027, 1, 12, 21, 30, tzinfo=UTC)
    # Monday 18:30 in Cayenne is 22:30 in Paris: Léa is reminded then, Marc on Tuesday
    # morning.
    assert (await binome.tick(datetime(2027, 1, 11, 21, 30, tzinfo=UTC)))[
        "meeting_reminders"] == 1
    assert (await binome.tick(datetime(2027, 1, 12, 8, 0, tzinfo=UTC)))[
        "meeting_reminders"] == 1
    rows = await outbox(binome, "meeting_reminder")
    assert [(r.recipient_id, r.due_at) for r in rows] == [
        (lea.id, datetime(2027, 1, 11, 21, 30, tzinfo=UTC)),
        (marc.id, datetime(2027, 1, 12, 8, 0, tzinfo=UTC))]


async def test_other_slots_two_students_and_forged_or_stale_buttons(binome, client) -> None:
    from tests.e2e.test_relay import another_student

    binome.clock.at = datetime(2027, 1, 11, 10, 0, tzinfo=PARIS)
    lea, marc = await pair_up(binome, client)
    zoe = await another_student(binome, client, marc, "Zoé")
    await lea.send("/meet")
    await lea.send("tuesday 6pm")
    await lea.press("✅ Done")
    await lea.press("🎥 Video call")
    await binome.drain()
    [first] = await meetings(binome)
    on = (await zoe.last_bot_message())["message_id"]
    # Zoé, in another pair, forges every button on Léa's meeting: nothing changes.
    for action in ("pick", "other", "move", "cancel"):
        answer = await zoe.forge_callback(MeetAnswer(id=first.id, action=action).pack(), on)
        assert answer["answer"]["text"] == "This button is no longer active."
    answer = await zoe.forge_callback(MeetAnswer(id=first.id + 99, action="pick").pack(), on)
    assert answer["answer"]["text"] == "This button is no longer active."
    # Léa cannot pick her own slot, nor plan for a pair not hers.
    mine = (await lea.last_bot_message())["message_id"]
    answer = await lea.forge_callback(MeetAnswer(id=first.id, action="pick").pack(), mine)
    assert answer["answer"]["text"] == "This button is no longer active."
    zoe_pair = (await binome.runtime.meetings.pairs(zoe.id))[0][0].pair_id
    answer = await lea.forge_callback(MeetPlan(action="pair", value=str(zoe_pair)).pack(),
                                      mine)
    assert answer["answer"]["text"] == "This button is no longer active."
    # A slot button with no proposal being put together is an old one.
    answer = await lea.forge_callback(MeetPlan(action="time", value="1799999999").pack(), mine)
    assert answer["answer"]["text"] == "This button is no longer active."
    assert [(m.status, m.sequence) for m in await meetings(binome)] == [("proposed", 0)]

    # Marc, with two students, answers Léa with other slots of his own (Saturdays).
    await marc.press("🔁 Propose other times")
    await marc.press(day("2027-01-16"))
    await marc.press("10:00")
    await marc.press("✅ Done")
    await marc.press("🤝 In person")
    await binome.drain()
    assert await lea.last_text() == ("Marc proposes a meeting (🤝 In person). Pick the time "
                                     "that suits you:")
    # The first proposal is off: its buttons say so.
    gone = "This meeting was cancelled, moved or has already begun."
    answer = await lea.forge_callback(MeetAnswer(id=first.id, action="cancel").pack(), mine)
    assert answer["answer"]["text"] == gone
    marcs = (await marc.last_bot_message())["message_id"]
    answer = await marc.forge_callback(MeetAnswer(id=first.id, action="pick").pack(), marcs)
    assert answer["answer"]["text"] == gone
    proposal = (await lea.last_bot_message())["message_id"]
    await lea.press("Saturday 16 January, 10:00")
    second = (await meetings(binome))[-1].id
    answer = await lea.forge_callback(  # pressed twice
        MeetAnswer(id=second, action="pick").pack(), proposal)
    assert answer["answer"]["text"] == "You have already answered this proposal."
    assert [(m.status, m.proposed_by) for m in await meetings(binome)] == [
        ("cancelled", lea.id), ("confirmed", marc.id)]
    # Marc asks which student a new meeting is with.
    await marc.send("/meet")
    assert await marc.last_text() == "Which of your students is this meeting with?"
    await marc.press("Zoé")
    assert (await marc.last_text()).startswith("When could you meet?")
    await marc.send("saturday 11am")
    await marc.press("✅ Done")
    await marc.press("📞 Phone call")
    await binome.drain()
    assert await zoe.last_text() == ("Marc proposes a meeting (📞 Phone call). Pick the time "
                                     "that suits you:")


async def test_meetings_are_in_mydata_and_go_with_delete(binome, client) -> None:
    import json

    from handlers.callbacks import EraseAnswer

    binome.clock.at = datetime(2027, 1, 11, 10, 0, tzinfo=PARIS)
    lea, marc = await pair_up(binome, client)
    await lea.send("/meet")
    await lea.send("thursday 7pm")
    await lea.press("✅ Done")
    await lea.press("🎥 Video call")
    await binome.drain()
    await marc.press("Thursday 14 January, 19:00")
    day_before = datetime(2027, 1, 13, 18, 0, tzinfo=UTC)
    assert (await binome.tick(day_before))["meeting_reminders"] == 2  # queued, not sent
    for user, proposer in ((lea, lea.id), (marc, "someone else")):
        await user.send("/mydata")
        message = await user.last_bot_message()
        tables = json.loads(await user.download(message["document"]["file_id"]))["tables"]
        [row] = tables["meetings"]
        assert (row["status"], row["kind"], row["proposed_by"]) == ("confirmed", "video",
                                                                   proposer)
        assert row["starts_at"] == "2027-01-14 18:00:00+00:00"
    # Staff's export (/export, binome export) has it too, without any text.
    exported = (await binome.runtime.staff.export(0))["meetings"].splitlines()
    assert exported[0] == ("id,pair_id,proposed_by,kind,status,starts_at,minutes,timezone,"
                           "sequence,created_at,updated_at")
    assert f",{lea.id},video,confirmed,2027-01-14T18:00:00+00:00,60,Europe/Paris,0," \
        in exported[1]
    await lea.send("/delete")
    await lea.press(EraseAnswer(answer="yes").pack())
    assert await meetings(binome) == []
    before = len(await marc.bot_messages())
    await binome.drain(day_before)
    # Marc's reminder of a meeting that is gone is never sent.
    assert [r.status for r in await outbox(binome, "meeting_reminder")
            if r.recipient_id == marc.id] == ["skipped"]
    assert all("Reminder" not in (m["text"] or "") for m in (await marc.bot_messages())[before:])


async def test_a_proposal_withdrawn_and_no_reminder_while_a_report_is_open(
        binome, client) -> None:
    binome.clock.at = datetime(2027, 1, 11, 10, 0, tzinfo=PARIS)
    lea, marc = await pair_up(binome, client)
    await marc.send("/meet")
    await marc.send("wednesday 9am")
    await marc.send("thursday 9am")
    await marc.press("✅ Done")
    await marc.press("📞 Phone call")
    await marc.press("✖️ Cancel")  # on "Sent to Léa": withdrawn before she answers
    assert await marc.last_text() == "Cancelled (📞 Phone call): Léa is told."
    await binome.drain()
    assert await lea.last_text() == ("Marc cancelled your meeting (📞 Phone call). Send /meet "
                                     "to propose another one.")
    assert (await lea.last_bot_message()).get("document") is None  # no time was ever agreed
    # A proposal cancelled before it reached Léa is never shown to her.
    [withdrawn] = await meetings(binome)
    assert [r.status for r in await outbox(binome, "meeting_proposed")] == ["skipped"]

    await lea.send("/meet")
    await lea.send("thursday 6pm")
    await lea.press("✅ Done")
    await lea.press("🎥 Video call")
    await binome.drain()
    await marc.press("Thursday 14 January, 18:00")
    await lea.send("/report")
    await lea.send("Marc ne répond plus à mes messages depuis deux semaines.")
    assert (await binome.tick(datetime(2027, 1, 13, 17, 0, tzinfo=UTC)))[
        "meeting_reminders"] == 0
    assert withdrawn.status == "cancelled"


async def test_ending_the_pair_cancels_its_meetings_in_both_calendars(binome, client) -> None:
    from handlers.callbacks import EndAnswer

    binome.clock.at = datetime(2027, 1, 11, 10, 0, tzinfo=PARIS)
    lea, marc = await pair_up(binome, client)
    await lea.send("/meet")
    await lea.send("thursday 6pm")
    await lea.press("✅ Done")
    await lea.press("🎥 Video call")
    await binome.drain()
    await marc.press("Thursday 14 January, 18:00")
    await binome.drain()
    [meeting] = await meetings(binome)
    await lea.send("/end")
    await lea.press(EndAnswer(pair=meeting.pair_id, answer="yes").pack())
    moment = datetime(2027, 1, 11, 9, 30, tzinfo=UTC)
    assert (await binome.tick(moment))["meeting_reminders"] == 0
    assert (await binome.tick(moment))["meeting_reminders"] == 0  # and only once
    await binome.drain(moment)
    [ended] = await meetings(binome)
    assert (ended.status, ended.sequence) == ("cancelled", 1)
    for user, name in ((lea, "Marc"), (marc, "Léa")):
        message = next(m for m in reversed(await user.bot_messages()) if m.get("document"))
        assert message["caption"] == (
            f"Your binôme with {name} has ended, so your meeting of Thursday 14 January, "
            "18:00 is cancelled: the file takes it out of your calendar.")
        calendar, event = await calendar_of(user, message)
        assert calendar["METHOD"] == "CANCEL" and int(event["SEQUENCE"]) == 1
    assert len(await outbox(binome, "meeting_ended")) == 2


async def test_slots_being_picked_survive_a_restart_with_redis(make_binome, client,
                                                               redis_url) -> None:
    running = make_binome(redis_url=redis_url)
    running.clock.at = datetime(2027, 1, 11, 10, 0, tzinfo=PARIS)
    await running.start()
    try:
        lea, marc = await pair_up(running, client)
        await lea.send("/meet")
        await lea.send("tuesday 6pm")
        await running.restart()
        await lea.send("wednesday 7pm")
        assert await lea.last_text() == ("Your slots so far:\n• Tuesday 12 January, 18:00\n"
                                         "• Wednesday 13 January, 19:00\n"
                                         "Pick another day, type one, or press Done.")
        await lea.press("✅ Done")
        await lea.press("📞 Phone call")
        await running.drain()
        assert (await marc.last_text()).startswith("Léa proposes a meeting (📞 Phone call)")
    finally:
        await running.stop()
