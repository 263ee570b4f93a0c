"""The whole programme under random use: students, volunteers and staff typing anything,
pressing current, old and forged buttons, sending media, while the bot restarts and the
clock jumps. After every step the programme's promises must still hold.

The budget is small in the normal suite; ``make fuzz`` (HYPOTHESIS_PROFILE=fuzz) runs far
longer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import tempfile
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from sqlalchemy import func, select, text

from handlers.callbacks import (
    AvailabilityReply,
    CheckInAnswer,
    ContactAnswer,
    ContinueAnswer,
    EndAnswer,
    EraseAnswer,
    LogAnswer,
    NewMatch,
    OutcomePick,
    OutcomeReason,
    ProposalAnswer,
    Rating,
    RelayTo,
    RiskAction,
    ShareContact,
)
from mentoring.signup import now_utc
from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import start_sandbox
from storage.database import make_engine
from storage.tables import Base, OutboxRow, PairRow, VolunteerProfileRow
from tests.e2e.conftest import Binome, settings_for
from tests.e2e.journeys import (
    AGREE,
    CONFIRM,
    EDIT,
    REFUSE,
    ROLE_STUDENT,
    ROLE_VOLUNTEER,
    act,
    done,
    edit_field,
    next_weekday_morning,
    pick,
    student_script,
    toggle,
    volunteer_script,
)

# No shrinking in the normal suite: shrinking a failure takes minutes here. The failing
# steps are printed as found; ``make fuzz`` shrinks them.
settings.register_profile(
    "default", max_examples=10, stateful_step_count=30, deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate], report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.register_profile(
    "fuzz", max_examples=300, stateful_step_count=80, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")

CRASH = "Sorry, something went wrong on our side. Please try again in a moment."
STAFF_ID = 4242
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")

HOSTILE = [
    "<3", "&", "</a>", "<b>", "<b>gras</b>", "a & b < c", "&amp;", "<i", "Léa <3 Ana",
    "مرحبا بالعالم", "\u202eeliforp", "\u200b", "zero\u200bwidth\u200d", "👍", "🎓🎓🎓",
    "👨‍👩‍👧‍👦", "x" * 4096, "é" * 4096, "0", "-1", "99999", "/", "//start",
    "/start@other_bot", "/unknown", "'; DROP TABLE users; --", "{}", "null", "%s %d {0}",
    "\\", "`code`", "*bold*", "_x_", "[a](http://x)", "https://t.me/x", "@username",
]
PLAUSIBLE = [
    "Léa", "Marc", "Ana-Maria", "O'Neil", "dro", "informatique", "droit", "69003", "75011",
    "93", "Seine-Saint-Denis", "Lyon", "97411", "Avocat d'affaires", "oui", "non", "yes",
    "Réussir mes partiels et trouver un stage en cabinet.",
    "Avocat depuis dix ans, j'aime transmettre.",
]
COMMANDS = ["/start", "/cancel", "/profile", "/delete", "/mydata", "/binome", "/end", "/report",
            "/pause", "/available", "/language", "/help", "/privacy", "/rhythm", "/annuler",
            "/news", "/nouvelles",
            "/start forum", "/start bad payload!", "/mentor", "/fin"]
STAFF_COMMANDS = ["/waiting", "/stats", "/gaps", "/risk", "/reports", "/broadcast",
                  "/broadcasts", "/export", "/staff", "/staff add 1", "/staff remove 1",
                  "/exclude", "/exclude 1 2"]
FORGED = [
    ROLE_STUDENT, ROLE_VOLUNTEER, AGREE, REFUSE, CONFIRM, EDIT, edit_field("goals"),
    pick("level", "licence_2"), pick("level", "nonsense"), toggle("needs", "cv"),
    done("needs"), pick("capacity", "9"), pick("field", "law"),
    EraseAnswer(answer="yes").pack(), EraseAnswer(answer="no").pack(),
    ProposalAnswer(id=1, action="accept").pack(), ProposalAnswer(id=999, action="decline").pack(),
    EndAnswer(pair=1, answer="yes").pack(), Rating(pair=1, value=5).pack(),
    Rating(pair=1, value=9).pack(),
    NewMatch(answer="yes").pack(), NewMatch(answer="switch", pair=1).pack(),
    ShareContact(pair=1).pack(), ContactAnswer(id=1, answer="yes").pack(),
    RelayTo(pair=1).pack(), CheckInAnswer(pair=1, answer="problem").pack(),
    ContinueAnswer(pair=1, answer="no").pack(), AvailabilityReply(answer="set", value=7).pack(),
    RiskAction(pair=1, action="end").pack(), "x", "nonsense:1:2", "ans:", "prop:abc:accept",
    "a" * 64, LogAnswer(id=1, action="happened", value="yes").pack(),
    LogAnswer(id=2, action="topic", value="3").pack(),
    LogAnswer(id=1, action="rate", value="9").pack(),
    OutcomeReason(pair=1, source="end", reason="other").pack(),
    OutcomePick(id=1, action="toggle", value=2).pack(), OutcomePick(id=1, action="done").pack(),
]
# Telegram apps send no blank message.
texts = st.one_of(st.sampled_from(HOSTILE), st.sampled_from(PLAUSIBLE),
                  st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
                  .filter(str.strip))


class ErrorLog(logging.Handler):
    """Every ERROR the programme logs while the machine runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def signature(transcript: dict[str, Any]) -> str:
    """What the user can see of the bot, to tell whether an action was answered."""
    bot = [(m["message_id"], m["text"], m.get("caption"), json.dumps(m.get("reply_markup")))
           for m in transcript["messages"] if m["from"] == "bot"]
    return json.dumps([bot, transcript["callback_answers"]], sort_keys=True, default=str)


class Programme(RuleBasedStateMachine):
    users = Bundle("users")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.directory = tempfile.mkdtemp(prefix="binome-stateful-")
        self.errors = ErrorLog()
        logging.getLogger().addHandler(self.errors)
        self.delivered: dict[int, Counter[str]] = {}
        self.people: list[SandboxUser] = []
        self.signed_up: set[int] = set()
        self.languages: dict[int, str] = {STAFF_ID: "fr"}
        self.run(self._start())

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    async def _start(self) -> None:
        url = POSTGRES_URL or f"sqlite+aiosqlite:///{self.directory}/binome.db"
        engine = make_engine(url)
        async with engine.begin() as connection:
            if POSTGRES_URL:
                await connection.run_sync(Base.metadata.drop_all)
                await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            await connection.run_sync(Base.metadata.create_all)
        await engine.dispose()
        self.sandbox = await start_sandbox(port=0)
        self.client = SandboxClient(self.sandbox.url)
        await self.client.set_limits(chat_burst=None)
        self.binome = Binome(settings_for(url, staff_ids=frozenset({STAFF_ID})),
                             self.sandbox.url, self.sandbox.token, self.client)
        self.crash = {self.binome.t(CRASH, "fr"), self.binome.t(CRASH, "en")}
        await self.binome.start()
        self.boss = await self.client.create_user(first_name="Sam", language_code="fr",
                                                  id=STAFF_ID)

    def teardown(self) -> None:
        async def stop() -> None:
            await self.binome.stop()
            await self.client.close()
            await self.sandbox.stop()
        try:
            self.run(stop())
        finally:
            self.loop.close()
            logging.getLogger().removeHandler(self.errors)
            shutil.rmtree(self.directory, ignore_errors=True)

    # -- acting as users and checking each action was answered ---------------------------

    async def _answered(self, user: SandboxUser, action: Any, *, what: str) -> None:
        before = signature(await user.transcript())
        await action()
        after = await user.transcript()
        assert signature(after) != before, f"{user!r} got no answer to {what}"
        self._no_crash(after, what)

    def _no_crash(self, transcript: dict[str, Any], what: str) -> None:
        seen = [m["text"] or m.get("caption") or "" for m in transcript["messages"]
                if m["from"] == "bot"]
        seen += [str(answer.get("text")) for answer in transcript["callback_answers"]]
        assert not self.crash & set(seen), f"the bot failed on {what}"

    def act(self, user: SandboxUser, action: Any, what: str) -> None:
        self.run(self._answered(user, action, what=what))

    @initialize(target=users)
    def staff_member(self) -> SandboxUser:
        self.act(self.boss, lambda: self.boss.send("/start"), "the staff member's /start")
        return self.boss

    @rule(target=users, role=st.sampled_from(["student", "volunteer", "anyone"]),
          # Telegram names are 1 to 64 characters.
          name=st.one_of(st.sampled_from(["Léa", "Marc", "<3 Ana", "Zoé & Co", "</a>", "👩‍🎓",
                                          "مريم", "A" * 64, "\n\n", " "]),
                         texts.filter(lambda name: len(name) <= 64)),
          language=st.sampled_from(["fr", "en", None, "de"]))
    def newcomer(self, role: str, name: str, language: str | None) -> SandboxUser:
        user = self.run(self.client.create_user(first_name=name, language_code=language))
        self.people.append(user)
        self.languages[user.id] = "en" if language == "en" else "fr"
        self.act(user, lambda: user.send("/start"), f"/start from {name!r}")
        if role != "anyone":
            self.act(user, lambda: user.press(ROLE_STUDENT if role == "student"
                                              else ROLE_VOLUNTEER), "the role")
            self.act(user, lambda: user.press(AGREE), "the consent")
        return user

    @rule(user=users)
    def whole_signup(self, user: SandboxUser) -> None:
        """A complete sign-up, so that matching, proposals and pairs happen too."""
        if user.id in self.signed_up or user.id == STAFF_ID:
            return
        role = ["student", "volunteer"][user.id % 2]
        self.run(self._signup(user, role))
        self.signed_up.add(user.id)

    async def _signup(self, user: SandboxUser, role: str) -> None:
        await user.send("/cancel")
        await user.send("/start")
        last = await user.last_bot_message()
        buttons = json.dumps(last.get("reply_markup"))
        if ROLE_STUDENT not in buttons:
            return  # already signed up, or in a step /start resumes: random rules go on
        await user.press(ROLE_STUDENT if role == "student" else ROLE_VOLUNTEER)
        await user.press(AGREE)
        goals = f"Réussir mes partiels, numéro {user.id}, et trouver un stage."
        if role == "student":
            script = student_script(goals=goals)
        else:
            script = volunteer_script(language=self.languages[user.id])
        for _step, actions in script:
            await act(user, actions)
        await self._answered(user, lambda: user.press(CONFIRM), what="the confirmation")

    @rule(user=users, words=texts)
    def says(self, user: SandboxUser, words: str) -> None:
        self.act(user, lambda: user.send(words), f"the text {words[:40]!r}")

    @rule(user=users, command=st.sampled_from(COMMANDS))
    def command(self, user: SandboxUser, command: str) -> None:
        self.act(user, lambda: user.send(command), command)

    @rule(command=st.sampled_from(STAFF_COMMANDS))
    def staff_command(self, command: str) -> None:
        self.act(self.boss, lambda: self.boss.send(command), command)

    @rule(user=users, choice=st.integers(0, 1000))
    def press_current(self, user: SandboxUser, choice: int) -> None:
        self._press(user, choice, latest=True)

    @rule(user=users, choice=st.integers(0, 1000))
    def press_old(self, user: SandboxUser, choice: int) -> None:
        self._press(user, choice, latest=False)

    def _press(self, user: SandboxUser, choice: int, *, latest: bool) -> None:
        messages = [m for m in self.run(user.bot_messages())
                    if any("callback_data" in b for row in
                           (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row)]
        if not messages:
            return
        message = messages[-1] if latest else messages[choice % len(messages)]
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row
                   if "callback_data" in b]
        button = buttons[choice % len(buttons)]
        self.act(user, lambda: user.press(button["callback_data"], message["message_id"]),
                 f"the button {button['text']!r}")

    @rule(user=users, data=st.sampled_from(FORGED), choice=st.integers(0, 1000))
    def forged_press(self, user: SandboxUser, data: str, choice: int) -> None:
        messages = self.run(user.bot_messages())
        if not messages:
            return
        message = messages[choice % len(messages)]
        self.act(user, lambda: user.forge_callback(data, message["message_id"]),
                 f"a forged button {data!r}")

    @rule(user=users, kind=st.sampled_from(["sticker", "photo", "captioned", "edit"]))
    def media(self, user: SandboxUser, kind: str) -> None:
        if kind == "sticker":
            self.act(user, lambda: user.sticker("🐙"), "a sticker")
        elif kind == "photo":
            self.act(user, lambda: user.photo(), "a photo")
        elif kind == "captioned":
            self.act(user, lambda: user.photo(caption="<b>moi</b> & <3"), "a captioned photo")
        else:
            mine = [m for m in self.run(user.messages()) if m["from"] != "bot" and m["text"]]
            if mine:
                # Telegram sends no update for an edit that changes nothing.
                changed = f"{mine[-1]['text'][:100]} <3 (modifié)"
                self.act(user, lambda: user.edit(mine[-1]["message_id"], changed),
                         "an edited message")

    @rule(user=users)
    def way_out(self, user: SandboxUser) -> None:
        """/cancel, then /start: everyone gets a question or a menu."""
        self.act(user, lambda: user.send("/cancel"), "/cancel")
        self.act(user, lambda: user.send("/start"), "/start after /cancel")
        last = self.run(user.last_bot_message())
        assert last["text"] or last.get("caption"), f"{user!r} is left without a question"

    # -- the bot's own life ---------------------------------------------------------------

    @precondition(lambda self: self.binome.restarts < 4)
    @rule()
    def restart(self) -> None:
        """A new process: what users gave must be there after it."""
        before = self.run(self._entered())
        self.run(self.binome.restart())
        assert self.run(self._entered()) == before

    async def _entered(self) -> Any:
        async with self.binome.runtime.sessions() as session:
            states = (await session.execute(text(
                "SELECT key, state, data FROM conversation_states ORDER BY key"))).all()
            profiles = (await session.execute(text(
                "SELECT user_id, first_name, goals FROM student_profiles ORDER BY user_id"
            ))).all()
        return [tuple(row) for row in states], [tuple(row) for row in profiles]

    @rule(days=st.sampled_from([0, 1, 3, 7, 15, 40]))
    def time_passes(self, days: int) -> None:
        """The clock jumps, then the scheduler ticks and the outbox is drained there."""
        at = next_weekday_morning((self.binome.clock.at or now_utc()) + timedelta(days=days))
        self.binome.clock.at = at
        self.run(self._deliver(at))

    @rule()
    def deliver(self) -> None:
        self.run(self._deliver(self.binome.clock.at))

    async def _deliver(self, at: datetime | None) -> None:
        before = {user.id: await user.messages() for user in [self.boss, *self.people]}
        if at is not None:
            await self.binome.tick(at)
        await self.binome.drain(at)
        for user in [self.boss, *self.people]:
            known = {m["message_id"] for m in before[user.id]}
            fresh = [m for m in await user.bot_messages() if m["message_id"] not in known]
            seen = self.delivered.setdefault(user.id, Counter())
            seen.update(m["text"] or m.get("caption") or "" for m in fresh)
            self._no_crash(await user.transcript(), "a delivery")

    # -- what must always hold ------------------------------------------------------------

    @invariant()
    def nothing_logged_as_an_error(self) -> None:
        assert not self.errors.records, [r.getMessage() for r in self.errors.records]

    @invariant()
    def pairs_and_capacities(self) -> None:
        self.run(self._check_pairs())

    async def _check_pairs(self) -> None:
        async with self.binome.runtime.sessions() as session:
            per_student = (await session.execute(
                select(PairRow.student_id, func.count()).where(PairRow.status == "active")
                .group_by(PairRow.student_id))).all()
            assert all(count <= 1 for _, count in per_student), per_student
            over = (await session.execute(
                select(VolunteerProfileRow.user_id, VolunteerProfileRow.capacity, func.count())
                .join(PairRow, PairRow.volunteer_id == VolunteerProfileRow.user_id)
                .where(PairRow.status == "active")
                .group_by(VolunteerProfileRow.user_id, VolunteerProfileRow.capacity))).all()
            assert all(count <= capacity for _, capacity, count in over), over
            keys = (await session.execute(select(OutboxRow.key))).scalars().all()
            assert len(keys) == len(set(keys))

    @invariant()
    def the_outbox_says_nothing_twice(self) -> None:
        for user_id, seen in self.delivered.items():
            twice = [words[:60] for words, count in seen.items() if count > 1]
            assert not twice, f"user {user_id} was sent twice: {twice}"


TestProgramme = Programme.TestCase
TestProgramme.settings = settings.get_profile(PROFILE)



# -- what the machine found, kept as plain tests ----------------------------------------------


@pytest.mark.parametrize("name", ["\n\n", "  ", "🎓", "Léa"])
async def test_a_telegram_name_that_is_no_answer_is_not_offered(binome, client, name) -> None:
    """Found by the machine: a blank Telegram name was offered as a button, which Telegram
    refuses (BUTTON_TEXT_INVALID), so the first question never came."""
    user = await client.create_user(first_name=name, language_code="en")
    await user.send("/start")
    await user.press(ROLE_STUDENT)
    await user.press(AGREE)
    question = await user.last_bot_message()
    assert binome.t("What is your first name?", "en") in question["text"]
    offered = [b["text"] for row in (question.get("reply_markup") or {}).get(
        "inline_keyboard", []) for b in row]
    assert offered == (["Léa"] if name == "Léa" else [])
