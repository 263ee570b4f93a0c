"""Session log and outcomes through the real Dispatcher: after a check-in answered "yes" or a
meeting's end each member is asked once what happened and what they worked on; endings, staff
closing a pair and the six-month feedback ask for the outcome; /news at any time. In French
and English, across restarts and replays, and with forged buttons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from handlers.callbacks import (
    CheckInAnswer,
    EndAnswer,
    LogAnswer,
    OutcomePick,
    OutcomeReason,
    RiskAction,
)
from mentoring.outcomes import ASK_AFTER
from storage.tables import (
    MeetingRow,
    OutboxRow,
    OutcomeRow,
    PairRow,
    SessionLogRow,
    StudentProfileRow,
)
from tests.e2e.conftest import staffed
from tests.e2e.test_eight_weeks import pair_up

PARIS = ZoneInfo("Europe/Paris")
# A Monday at 10:00 in Paris; the first-exchange question comes on Thursday at 10:00.
START = datetime(2026, 9, 7, 10, 0, tzinfo=PARIS).astimezone(UTC)
THURSDAY = START + timedelta(days=3)
STALE = "This button is no longer active."


async def the_pair(binome) -> int:
    async with binome.runtime.sessions() as session:
        return (await session.scalars(select(PairRow.id))).one()


async def logs(binome) -> list[SessionLogRow]:
    async with binome.runtime.sessions() as session:
        return list(await session.scalars(select(SessionLogRow).order_by(SessionLogRow.id)))


async def outcomes(binome) -> list[OutcomeRow]:
    async with binome.runtime.sessions() as session:
        return list(await session.scalars(select(OutcomeRow).order_by(OutcomeRow.id)))


async def queued(binome, kind: str) -> list[OutboxRow]:
    async with binome.runtime.sessions() as session:
        return list(await session.scalars(select(OutboxRow).where(OutboxRow.kind == kind)
                                          .order_by(OutboxRow.id)))


async def paired_at(binome, client, language: str):
    binome.clock.at = START
    await binome.start()
    lea, marc = await pair_up(binome, client, "Léa", "Marc", "69001", language)
    return lea, marc, await the_pair(binome)


async def checked_in(binome, lea, marc, pair_id: int) -> None:
    """Thursday's first-exchange question, answered "yes" by both."""
    binome.clock.at = THURSDAY
    await binome.tick(THURSDAY)
    await binome.drain(THURSDAY)
    for member in (lea, marc):
        await member.press(CheckInAnswer(pair=pair_id, answer="yes").pack())
    await binome.drain(THURSDAY)


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_check_in_answered_yes_asks_each_member_once(make_binome, client,
                                                             language) -> None:
    binome = make_binome()
    try:
        lea, marc, pair_id = await paired_at(binome, client, language)
        await checked_in(binome, lea, marc, pair_id)
        t = binome.t
        question = t("📝 You told us you talked with {name}: great! Two taps to keep track. "
                     "Did your exchange really take place?", language)
        assert await lea.last_text() == question.format(name="Marc")
        assert await marc.last_text() == question.format(name="Léa")
        # Both said yes to the same check-in; replays and a restart ask nobody again.
        for _ in range(2):
            await binome.tick(THURSDAY + timedelta(hours=1))
        await binome.restart()
        await binome.tick(THURSDAY + timedelta(hours=2))
        assert len(await queued(binome, "sessionlog_question")) == 2
        assert [r.user_id for r in await logs(binome)] == [lea.id, marc.id]

        await lea.press(t("✅ Yes", language))
        assert await lea.last_text() == t("What did you work on? Tap everything that "
                                          "applies, then Done.", language)
        await lea.press("▫️ " + t("CV review", language))
        await lea.press("▫️ " + t("Exam preparation", language))
        await binome.restart()  # the choices are in the database, not in memory
        await lea.press("▫️ " + t("Oral practice", language))
        await lea.press("✅ " + t("CV review", language))
        await lea.press("▫️ " + t("CV review", language))
        await lea.press(t("Done ➡️", language))
        assert await lea.last_text() == t("Anything to remember from it? Write one sentence, "
                                          "or tap Skip.", language)
        await lea.send("  On a   préparé\n l'oral ensemble. ")
        assert not [m for m in await lea.bot_messages() if m.get("reply_markup") and any(
            b["text"] == t("Skip", language)
            for row in m["reply_markup"]["inline_keyboard"] for b in row)]
        assert await lea.last_text() == t("How useful was it for you, from 1 (not at all) to "
                                          "5 (very)?", language)
        await lea.press("4")
        assert await lea.last_text() == t("Thank you! It is noted.", language)
        again = LogAnswer(id=(await logs(binome))[0].id, action="rate", value="5").pack()
        on = (await lea.last_bot_message())["message_id"]
        assert (await lea.forge_callback(again, on))["answer"]["text"] == t(STALE, language)

        await marc.press(t("✅ Yes", language))
        await marc.press(t("Done ➡️", language))
        await marc.press(t("Skip", language))
        assert await marc.last_text() == t("Thank you! It is noted.", language)
        # Marc's next message goes to Léa again: his note question is closed.
        student, volunteer = await logs(binome)
        assert (student.happened, student.topics, student.note, student.usefulness,
                student.step) == ("yes", ["exams", "oral", "cv"],
                                  "On a préparé l'oral ensemble.", 4, "done")
        assert (volunteer.happened, volunteer.topics, volunteer.note, volunteer.usefulness,
                volunteer.step) == ("yes", [], None, None, "done")
        assert student.meeting_id is None and student.occasion == volunteer.occasion
    finally:
        await binome.stop()


async def add_meeting(binome, pair_id: int, starts_at: datetime, *, minutes: int = 60,
                      status: str = "confirmed") -> int:
    async with binome.runtime.sessions() as session:
        meeting = MeetingRow(pair_id=pair_id, proposed_by=None, kind="video", status=status,
                             slots=[starts_at.isoformat()], starts_at=starts_at,
                             minutes=minutes, timezone="Europe/Paris", sequence=0,
                             created_at=START, updated_at=START)
        session.add(meeting)
        await session.commit()
        return meeting.id


async def meeting_status(binome, meeting_id: int) -> str:
    async with binome.runtime.sessions() as session:
        return (await session.get(MeetingRow, meeting_id)).status


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_after_a_meeting_each_member_is_asked_once_and_one_answer_records_it(
        make_binome, client, language) -> None:
    async with staffed(make_binome, client, language, at=START) as (binome, boss):
        lea, marc = await pair_up(binome, client, "Léa", "Marc", "69001", language)
        pair_id = await the_pair(binome)
        # Tuesday 17:00 to 18:00 in Paris.
        first = datetime(2026, 9, 8, 17, 0, tzinfo=PARIS).astimezone(UTC)
        first_id = await add_meeting(binome, pair_id, first)
        await add_meeting(binome, pair_id, first + timedelta(hours=2), status="proposed")
        assert (await binome.tick(first + timedelta(minutes=30)))["session_logs"] == 0
        ended = first + timedelta(minutes=61)
        assert (await binome.tick(ended))["session_logs"] == 1
        assert (await binome.tick(ended))["session_logs"] == 0
        await binome.restart()
        assert (await binome.tick(ended + timedelta(hours=1)))["session_logs"] == 0
        binome.clock.at = ended
        await binome.drain(ended)
        when = "mardi 8 septembre, 17:00" if language == "fr" else "Tuesday 8 September, 17:00"
        question = binome.t("📝 Your meeting with {name} was planned for {when}. Did it take "
                            "place?", language)
        assert await lea.last_text() == question.format(name="Marc", when=when)
        assert await marc.last_text() == question.format(name="Léa", when=when)

        await lea.press(binome.t("❌ It did not happen", language))
        assert await meeting_status(binome, first_id) == "missed"
        assert await lea.last_text() == binome.t("Thank you for telling us. It happens: why "
                                                 "not suggest another time with /rdv?",
                                                 language)
        # A second missed meeting in a row alerts staff, once; a meeting that ends in the
        # evening is asked about the next morning, out of quiet hours.
        second = datetime(2026, 9, 10, 19, 30, tzinfo=PARIS).astimezone(UTC)
        second_id = await add_meeting(binome, pair_id, second)
        late = second + timedelta(hours=1, minutes=1)
        assert (await binome.tick(late))["session_logs"] == 1
        due = {r.due_at for r in await queued(binome, "sessionlog_question")
               if r.params["meeting_id"] == second_id}
        assert due == {datetime(2026, 9, 11, 9, 0, tzinfo=PARIS).astimezone(UTC)}
        morning = datetime(2026, 9, 11, 9, 5, tzinfo=PARIS).astimezone(UTC)
        binome.clock.at = morning
        await binome.drain(morning)
        await marc.press(binome.t("❌ It did not happen", language))
        await lea.press(binome.t("❌ It did not happen", language))
        assert await meeting_status(binome, second_id) == "missed"
        await binome.drain(morning)
        alert = binome.t("📅 Pair {pair} missed two meetings in a row: student {student}, "
                         "volunteer {volunteer}. They may need a hand.", language)
        assert await boss.last_text() == alert.format(pair=pair_id, student=lea.id,
                                                      volunteer=marc.id)
        assert len(await queued(binome, "missed_staff")) == 1
        # One "yes" from either side, even later, says it was held.
        first_message = next(m for m in await marc.bot_messages()
                             if m["text"] == question.format(name="Léa", when=when))
        await marc.press(binome.t("✅ Yes", language), message_id=first_message["message_id"])
        assert await meeting_status(binome, first_id) == "held"
        assert await marc.last_text() == binome.t("What did you work on? Tap everything "
                                                  "that applies, then Done.", language)
        answers = {(r.meeting_id, r.user_id): r.happened for r in await logs(binome)}
        assert answers == {(first_id, lea.id): "no", (first_id, marc.id): "yes",
                           (second_id, lea.id): "no", (second_id, marc.id): "no"}


async def test_a_moved_meeting_is_asked_about_again_after_its_new_end(make_binome,
                                                                     client) -> None:
    binome = make_binome()
    try:
        lea, _marc, pair_id = await paired_at(binome, client, "en")
        starts = datetime(2026, 9, 8, 11, 0, tzinfo=PARIS).astimezone(UTC)
        meeting_id = await add_meeting(binome, pair_id, starts, minutes=30)
        ended = starts + timedelta(minutes=31)
        await binome.tick(ended)
        binome.clock.at = ended
        await binome.drain(ended)
        await lea.press("📅 It was moved")
        assert await lea.last_text() == "Noted. We will ask again after the new date."
        assert await meeting_status(binome, meeting_id) == "confirmed"
        assert (await binome.tick(ended + timedelta(hours=1)))["session_logs"] == 0
        # The meetings' side moves it to Thursday: a new occasion.
        moved = datetime(2026, 9, 10, 11, 0, tzinfo=PARIS).astimezone(UTC)
        async with binome.runtime.sessions() as session:
            meeting = await session.get(MeetingRow, meeting_id)
            meeting.starts_at, meeting.sequence = moved, 1
            meeting.updated_at = ended + timedelta(hours=2)
            await session.commit()
        assert (await binome.tick(moved + timedelta(minutes=31)))["session_logs"] == 1
        assert len(await queued(binome, "sessionlog_question")) == 4
        assert {r.occasion for r in await logs(binome)} == {f"meeting:{meeting_id}:0",
                                                            f"meeting:{meeting_id}:1"}
    finally:
        await binome.stop()


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_end_asks_both_for_the_outcome_and_the_student_what_changed(
        make_binome, client, language) -> None:
    binome = make_binome()
    try:
        lea, marc, pair_id = await paired_at(binome, client, language)
        t = binome.t
        await marc.send("/fin" if language == "fr" else "/end")
        await marc.press(EndAnswer(pair=pair_id, answer="yes").pack())
        binome.clock.at = START + ASK_AFTER + timedelta(seconds=1)
        await binome.drain(START)
        asked = await queued(binome, "outcome_question")
        assert [(r.recipient_id, r.status) for r in asked] == [(lea.id, "pending"),
                                                               (marc.id, "pending")]
        await binome.drain(binome.clock.at)
        question = t("One last tap about your binôme with {name}: why did it end?", language)
        assert await lea.last_text() == question.format(name="Marc")
        assert await marc.last_text() == question.format(name="Léa")

        await lea.press(t("Goal reached", language))
        assert await lea.last_text() == t("What has changed for you? Tap everything that "
                                          "applies, then Done.", language)
        await lea.press("▫️ " + t("Nothing yet", language))
        await lea.press("▫️ " + t("Internship found", language))  # "nothing yet" goes
        await binome.restart()
        await lea.press("▫️ " + t("More confident", language))
        await lea.press(t("Done ➡️", language))
        assert await lea.last_text() == t("Thank you for your news! Send /news whenever "
                                          "something else changes.", language)
        await marc.press(t("No contact", language))
        assert await marc.last_text() == t("Thank you, it helps the programme a lot.",
                                           language)
        again = OutcomeReason(pair=pair_id, source="end", reason="other").pack()
        on = (await marc.last_bot_message())["message_id"]
        assert (await marc.forge_callback(again, on))["answer"]["text"] == t(STALE, language)
        rows = [(r.user_id, r.source, r.reason, r.changes, r.step)
                for r in await outcomes(binome)]
        assert rows == [(lea.id, "end", "goal_reached", ["internship", "confidence"], "done"),
                        (marc.id, "end", "no_contact", [], "done")]
    finally:
        await binome.stop()


async def test_staff_closing_a_pair_asks_both_for_the_outcome(make_binome, client) -> None:
    async with staffed(make_binome, client, at=START) as (binome, boss):
        lea, marc = await pair_up(binome, client, "Léa", "Marc", "69001", "en")
        pair_id = await the_pair(binome)
        on = (await boss.last_bot_message())["message_id"]
        await boss.forge_callback(RiskAction(pair=pair_id, action="end").pack(), on)
        later = START + ASK_AFTER + timedelta(seconds=1)
        binome.clock.at = later
        await binome.drain(later)
        text = ("The programme team ended your binôme with {name}. One tap to tell us, from "
                "your side, why it ended:")
        assert await lea.last_text() == text.format(name="Marc")
        assert await marc.last_text() == text.format(name="Léa")
        await marc.press("We did not get on")
        assert [(r.user_id, r.source, r.reason) for r in await outcomes(binome)] == [
            (marc.id, "staff", "incompatible")]


async def test_the_six_month_feedback_asks_for_the_outcome(make_binome, client) -> None:
    binome = make_binome(programme_months=1)
    try:
        lea, marc, _pair_id = await paired_at(binome, client, "en")
        moment = START
        while moment < START + timedelta(days=33):
            moment += timedelta(days=1)
            await binome.tick(moment)
        asked = await queued(binome, "outcome_question")
        assert [(r.recipient_id, r.params["source"]) for r in asked] == [
            (lea.id, "feedback"), (marc.id, "feedback")]
        feedback = {r.due_at for r in await queued(binome, "checkin_programme_end")}
        assert {r.due_at for r in asked} == {max(feedback) + ASK_AFTER}
        binome.clock.at = max(r.due_at for r in asked)
        await binome.drain(binome.clock.at)
        assert await lea.last_text() == ("Six months with Marc: if your binôme ended now, "
                                         "what would be the main reason?")
        await lea.press("The programme is finished")
        await lea.press("▫️ Exam passed")
        await lea.press("Done ➡️")
        assert [(r.source, r.reason, r.changes) for r in await outcomes(binome)] == [
            ("feedback", "finished", ["exam"])]
    finally:
        await binome.stop()


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_news_lets_the_student_report_an_outcome_at_any_time(make_binome, client,
                                                                   language) -> None:
    binome = make_binome()
    try:
        lea, marc, pair_id = await paired_at(binome, client, language)
        t = binome.t
        await lea.send("/nouvelles" if language == "fr" else "/news")
        assert await lea.last_text() == t("What has changed for you? Tap everything that "
                                          "applies, then Done.", language)
        await lea.press("▫️ " + t("Job found", language))
        await lea.press(t("Done ➡️", language))
        assert await lea.last_text() == t("Thank you for your news! Send /news whenever "
                                          "something else changes.", language)
        await marc.send("/news")
        assert await marc.last_text() == t("/news is for students, to tell us what has "
                                           "changed for them.", language)
        assert [(r.user_id, r.pair_id, r.source, r.reason, r.changes)
                for r in await outcomes(binome)] == [(lea.id, pair_id, "news", None, ["job"])]
    finally:
        await binome.stop()


async def test_forged_and_stale_buttons_change_nothing(make_binome, client) -> None:
    binome = make_binome()
    try:
        lea, marc, pair_id = await paired_at(binome, client, "en")
        await checked_in(binome, lea, marc, pair_id)
        student, volunteer = await logs(binome)
        zoe = await client.create_user(first_name="Zoé", language_code="en")
        await zoe.send("/start")
        on = (await zoe.last_bot_message())["message_id"]
        mine = (await marc.last_bot_message())["message_id"]
        forged = [
            (zoe, LogAnswer(id=student.id, action="happened", value="yes"), on),
            (marc, LogAnswer(id=student.id, action="happened", value="no"), mine),
            (marc, LogAnswer(id=volunteer.id, action="happened", value="maybe"), mine),
            (marc, LogAnswer(id=volunteer.id, action="topic", value="0"), mine),  # not yet
            (marc, LogAnswer(id=volunteer.id, action="rate", value="5"), mine),
            (marc, LogAnswer(id=volunteer.id, action="jump"), mine),
            (zoe, OutcomeReason(pair=pair_id, source="end", reason="other"), on),
            (marc, OutcomeReason(pair=pair_id, source="end", reason="bored"), mine),
            # Not asked yet: the pair goes on, and its six months are not over.
            (marc, OutcomeReason(pair=pair_id, source="end", reason="other"), mine),
            (marc, OutcomeReason(pair=pair_id, source="staff", reason="other"), mine),
            (marc, OutcomeReason(pair=pair_id, source="feedback", reason="other"), mine),
            (marc, OutcomeReason(pair=pair_id, source="news", reason="other"), mine),
            (marc, OutcomeReason(pair=pair_id, source="whim", reason="other"), mine),
        ]
        for user, data, message_id in forged:
            answer = await user.forge_callback(data.pack(), message_id)
            assert answer["answer"]["text"] == STALE, data
        await marc.press("✅ Yes")
        for value in ("10", "-1", "x"):
            answer = await marc.forge_callback(
                LogAnswer(id=volunteer.id, action="topic", value=value).pack(), mine)
            assert answer["answer"]["text"] == STALE
        await lea.send("/news")
        [news] = await outcomes(binome)
        for data in (OutcomePick(id=news.id, action="toggle", value=0),
                     OutcomePick(id=news.id, action="done")):
            assert (await marc.forge_callback(data.pack(), mine))["answer"]["text"] == STALE
        for value in (6, -1):
            answer = await lea.forge_callback(
                OutcomePick(id=news.id, action="toggle", value=value).pack(),
                (await lea.last_bot_message())["message_id"])
            assert answer["answer"]["text"] == STALE
        student, volunteer = await logs(binome)
        assert (student.happened, student.step) == (None, "asked")
        assert (volunteer.happened, volunteer.topics, volunteer.step) == ("yes", [], "topics")
        [news] = await outcomes(binome)
        assert (news.changes, news.step) == ([], "changes")
        async with binome.runtime.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(OutcomeRow)) == 1
    finally:
        await binome.stop()


async def test_a_note_waits_while_other_commands_run(make_binome, client) -> None:
    binome = make_binome()
    try:
        lea, marc, pair_id = await paired_at(binome, client, "en")
        await checked_in(binome, lea, marc, pair_id)
        await lea.press("✅ Yes")
        await lea.press("Done ➡️")
        await lea.send("/rhythm")  # a command still works, and the note still waits
        await binome.restart()
        await lea.photo()
        assert await lea.last_text() == "Please write one sentence, or tap Skip."
        await lea.send("/skip")
        assert "How useful was it" in await lea.last_text()
        student = (await logs(binome))[0]
        assert (student.note, student.step) == (None, "usefulness")
        # Back to normal: what she writes now goes to Marc.
        await lea.press("5")
        await lea.send("Merci Marc !")
        await binome.drain(binome.clock.at)
        assert "Merci Marc !" in await marc.last_text()
    finally:
        await binome.stop()


@pytest.mark.parametrize(("ends", "student_due", "volunteer_due"), [
    # Saturday evening before summer time ends (25 October 2026): Sunday is quiet, so
    # Monday 09:00, which is 08:00 UTC in winter time; 05:00 UTC in Réunion (UTC+4, no
    # summer time).
    (datetime(2026, 10, 24, 20, 30, tzinfo=PARIS),
     datetime(2026, 10, 26, 5, 0, tzinfo=UTC), datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),
    # Saturday evening before summer time begins (28 March 2027): Monday 09:00 is 07:00 UTC.
    (datetime(2027, 3, 27, 20, 30, tzinfo=PARIS),
     datetime(2027, 3, 29, 5, 0, tzinfo=UTC), datetime(2027, 3, 29, 7, 0, tzinfo=UTC)),
    # A Tuesday at 18:30 in Paris is 20:30 in Réunion: she is asked the next morning, he
    # at once.
    (datetime(2026, 10, 27, 18, 30, tzinfo=PARIS),
     datetime(2026, 10, 28, 5, 0, tzinfo=UTC), datetime(2026, 10, 27, 17, 30, tzinfo=UTC)),
])
async def test_session_log_questions_wait_for_each_member_s_morning(
        make_binome, client, ends, student_due, volunteer_due) -> None:
    binome = make_binome()
    try:
        lea, marc, pair_id = await paired_at(binome, client, "fr")
        async with binome.runtime.sessions() as session:
            (await session.get(StudentProfileRow, lea.id)).department = "974"
            await session.commit()
        ends = ends.astimezone(UTC)
        await add_meeting(binome, pair_id, ends - timedelta(minutes=45), minutes=45)
        assert (await binome.tick(ends))["session_logs"] == 1
        due = {r.recipient_id: r.due_at for r in await queued(binome, "sessionlog_question")}
        assert due == {lea.id: student_due, marc.id: volunteer_due}
    finally:
        await binome.stop()
