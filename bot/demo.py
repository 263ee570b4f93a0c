"""A demo programme for the sandbox (``binome sandbox --demo``): a few hundred students and
volunteers from :mod:`mentoring.population`, some paired for weeks, some still waiting, so
matching, /stats, /gaps, /risk and /approvals show something at once: a few volunteers wait
for approval, a tenth of the students are minors, and some checks are about to expire (one
already has, in a minor's pair: the next tick alerts staff). As on Telegram, some have no
username and some of those forbid links to their account, so an introduction to them cannot
carry a ``tg://user`` button.

Demo people are users whose ``source`` is ``demo``; seeding again finds them and does nothing.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.demo_history import Life, write_lives
from mentoring.followup import CheckInKind, PairClock, Rhythm
from mentoring.model import VolunteerProfile
from mentoring.population import REFERENCE, generate
from mentoring.vetting import CHARTER_VERSION, add_months, is_minor
from storage.followups import SqlFollowUps
from storage.tables import (
    PairRow,
    StudentProfileRow,
    UserRow,
    VolunteerProfileRow,
    VolunteerVettingRow,
)

DEMO_SOURCE = "demo"
STUDENTS, VOLUNTEERS, SEED = 260, 120, 2026
PAIRED_SHARE = 0.3  # of the students, paired one to eight weeks ago
PAUSED_SHARE = 0.25  # of the volunteers, on a break
MINOR_SHARE = 0.1  # of the students, 16 or 17
CHECKED_SHARE = 0.4  # of the volunteers, with a valid criminal-record check
PENDING_VOLUNTEERS = 5  # waiting in /approvals
EXPIRING_CHECKS = 3  # asked for a new check at the next tick


@dataclass(frozen=True)
class Person:
    """Someone the database knows, as the sandbox needs them to exist."""

    id: int
    first_name: str
    role: str | None
    language: str
    demo: bool
    username: str | None = None
    # Not in the database (Telegram never tells a bot): the demo population's privacy setting.
    allows_links: bool = True


@dataclass(frozen=True)
class Seeded:
    """What seeding did: ``written`` is False when the demo data was already there."""

    written: bool
    message: str

    def __str__(self) -> str:
        return self.message


async def seed_demo(sessions: async_sessionmaker[Any], now: datetime) -> Seeded:
    """Write the demo population unless it is there already."""
    async with sessions() as session:
        present = await session.scalar(
            select(func.count()).select_from(UserRow).where(UserRow.source == DEMO_SOURCE))
        if present:
            return Seeded(False, f"Demo data already present ({present} people).")
        counts = await _write(session, now, random.Random(SEED))
        await session.commit()
    return Seeded(True, "Demo data written: {students} students ({waiting} waiting), "
                  "{volunteers} volunteers, {pairs} pairs; {earlier} earlier pairs, and "
                  "{meetings} meetings with {logs} session logs and {outcomes} outcomes over "
                  "the past year.".format(**counts))


async def _write(session: AsyncSession, now: datetime, rng: random.Random) -> dict[str, int]:
    population = generate(STUDENTS, VOLUNTEERS, SEED)
    shift = now - REFERENCE  # the generator's calendar, moved to today
    # A generator of its own, so the rest of the demo stays as it was before vetting.
    ages = random.Random(SEED + 1)
    students = [replace(s.profile, completed_at=s.profile.completed_at + shift,
                        birth_year=now.year - (ages.choice((17, 18)) if ages.random()
                                               < MINOR_SHARE else ages.randint(20, 26)))
                for s in population.students]
    volunteers = [replace(v, completed_at=min(now, v.completed_at + shift))
                  for v in population.volunteers]
    history = _history_plan(students, now, rng)
    students = [replace(s, completed_at=min(s.completed_at, history[s.user_id][0]
                                            - timedelta(days=rng.uniform(1, 10))))
                if s.user_id in history else s for s in students]
    people: list[Any] = [*students, *volunteers]
    await session.execute(insert(UserRow), [
        {"id": p.user_id, "language": "en" if p.languages == ["en"] else "fr",
         "telegram_name": p.first_name, "username": population.usernames.get(p.user_id),
         "role": "volunteer" if isinstance(p, VolunteerProfile) else "student",
         "source": DEMO_SOURCE, "blocked": False, "created_at": p.completed_at}
        for p in people])
    await session.execute(insert(VolunteerProfileRow), [
        {**asdict(v), "load": 0, "resume_pending": False,
         "paused_until": now + timedelta(days=rng.uniform(5, 40))
         if rng.random() < PAUSED_SHARE else None,
         "availability_next_at": now + timedelta(days=rng.uniform(2, 30))}
        for v in volunteers])
    pairs = _pairs(students, volunteers, rng)
    paired = {student for student, _ in pairs}
    await session.execute(insert(StudentProfileRow), [
        {**asdict(s), "waiting_since": None if s.user_id in paired else
         max(s.completed_at, history.get(s.user_id, (now, now))[1])
         if s.user_id in history else s.completed_at}
        for s in students])
    load: dict[int, int] = {}
    followups = SqlFollowUps(session)
    lives: list[Life] = []
    for student, volunteer in pairs:
        started = now - timedelta(days=rng.uniform(7, 56))
        row = PairRow(student_id=student, volunteer_id=volunteer, proposal_id=None,
                      status="active", started_at=started)
        session.add(row)
        await session.flush()
        clock = _clock(row.id, started, now, rng)
        await followups.add(clock)
        load[volunteer] = load.get(volunteer, 0) + 1
        lives.append(Life(row.id, student, volunteer, started, None, clock.silent_periods >= 2))
    lives += await _earlier_pairs(session, history, students, volunteers, rng)
    needs = {s.user_id: s.needs for s in students}
    counts = await write_lives(session, lives, needs, now, rng)
    for volunteer, taken in load.items():
        await session.execute(update(VolunteerProfileRow)
                              .where(VolunteerProfileRow.user_id == volunteer)
                              .values(load=taken))
    await session.execute(insert(VolunteerVettingRow),
                          _vetting(students, volunteers, pairs, set(load), now, ages))
    return {"students": len(students), "waiting": len(students) - len(pairs),
            "volunteers": len(volunteers), "pairs": len(pairs),
            "earlier": len(lives) - len(pairs), **counts}


HISTORY_SHARE = 0.45
"""Of the students, those who had an earlier pair, started two to eleven months ago."""


def _history_plan(students: list[Any], now: datetime,
                  rng: random.Random) -> dict[int, tuple[datetime, datetime]]:
    """When each student with an earlier pair was introduced and when that pair ended (before
    the student's current pair, which starts at most 56 days ago)."""
    plan = {}
    for student in rng.sample(students, int(len(students) * HISTORY_SHARE)):
        started = now - timedelta(days=rng.uniform(60, 330))
        ended = min(started + timedelta(days=rng.uniform(15, 250)), now - timedelta(days=58))
        plan[student.user_id] = (started, max(ended, started + timedelta(days=3)))
    return plan


async def _earlier_pairs(session: AsyncSession, plan: dict[int, tuple[datetime, datetime]],
                         students: list[Any], volunteers: list[VolunteerProfile],
                         rng: random.Random) -> list[Life]:
    """Each planned earlier pair, with a volunteer speaking the student's language."""
    languages = {s.user_id: set(s.languages) for s in students}
    lives = []
    for student, (started, ended) in plan.items():
        speaking = [v for v in volunteers if set(v.languages) & languages[student]]
        volunteer = rng.choice(speaking or volunteers).user_id
        row = PairRow(student_id=student, volunteer_id=volunteer, proposal_id=None,
                      status="ended", started_at=started, ended_at=ended, ended_by=student)
        session.add(row)
        await session.flush()
        lives.append(Life(row.id, student, volunteer, started, ended, rng.random() < 0.2))
    return lives


def _vetting(students: list[Any], volunteers: list[VolunteerProfile],
             pairs: list[tuple[int, int]], busy: set[int], now: datetime,
             rng: random.Random) -> list[dict[str, Any]]:
    """Everyone approved after accepting the charter, except a few newcomers waiting for
    staff; checks recorded for some, valid for the volunteers of minors; a few about to
    expire, and one expired in a minor's pair."""
    today = now.date()
    minors = {s.user_id for s in students if is_minor(s.birth_year, today)}
    of_minors = sorted({v for s, v in pairs if s in minors})
    idle = [v.user_id for v in volunteers if v.user_id not in busy]
    pending = set(rng.sample(idle, min(PENDING_VOLUNTEERS, len(idle))))
    rows = []
    for v in volunteers:
        row: dict[str, Any] = {
            "user_id": v.user_id, "submitted_at": v.completed_at,
            "status": "pending" if v.user_id in pending else "approved",
            "decided_at": None if v.user_id in pending else v.completed_at,
            "charter_version": CHARTER_VERSION,
            "charter_accepted_at": v.completed_at, "check_on": None}
        if v.user_id in of_minors or (v.user_id not in pending
                                      and rng.random() < CHECKED_SHARE):
            row["check_on"] = add_months(today, -rng.randint(1, 9))
        rows.append(row)
    by_id = {row["user_id"]: row for row in rows}
    checked = [row for row in rows if row["check_on"] and row["user_id"] not in of_minors]
    for row in checked[:EXPIRING_CHECKS]:  # asked for a new one at the next tick
        row["check_on"] = add_months(today, -11) - timedelta(days=rng.randint(1, 20))
    if of_minors:  # expired yesterday: the next tick alerts staff about the pair
        by_id[of_minors[0]]["check_on"] = add_months(today - timedelta(days=1), -12)
    return rows


def _pairs(students: list[Any], volunteers: list[VolunteerProfile],
           rng: random.Random) -> list[tuple[int, int]]:
    """Students paired with a volunteer of the same family of fields or place, within
    capacity: what matching would roughly have done over the past weeks."""
    room = {v.user_id: v.capacity for v in volunteers}
    chosen = rng.sample(students, int(len(students) * PAIRED_SHARE))
    pairs = []
    for student in chosen:
        fitting = [v for v in volunteers if room[v.user_id] > 0 and (
            v.department == student.department or v.remote)
            and set(v.languages) & set(student.languages)]
        if fitting:
            volunteer = rng.choice(fitting)
            room[volunteer.user_id] -= 1
            pairs.append((student.user_id, volunteer.user_id))
    return pairs


def _clock(pair_id: int, started: datetime, now: datetime, rng: random.Random) -> PairClock:
    """A pair weeks into the programme: mostly talking, one in eight gone quiet."""
    quiet = rng.random() < 0.125
    silent = rng.choice((2, 3)) if quiet else rng.choice((0, 0, 0, 1))
    kind = {0: CheckInKind.CHECK_IN, 1: CheckInKind.NUDGE, 2: CheckInKind.SECOND_NUDGE,
            3: CheckInKind.STAFF_ALERT}[silent]
    talked = now - timedelta(days=rng.uniform(1, 13) + 14 * silent)
    return PairClock(
        pair_id=pair_id, started_at=started, rhythm=Rhythm.BIWEEKLY,
        last_exchange_at=max(started, talked), first_exchange_done=True,
        silent_periods=silent, next_due_at=now + timedelta(days=rng.uniform(0.5, 13)),
        next_kind=kind, frozen=False, ended=False, sequence=2 + silent)


async def known_people(sessions: async_sessionmaker[Any]) -> list[Person]:
    """Everyone the database knows, with the first name they gave when there is one."""
    forbidden = generate(STUDENTS, VOLUNTEERS, SEED).links_forbidden
    async with sessions() as session:
        rows = await session.execute(
            select(UserRow.id, UserRow.role, UserRow.language, UserRow.source,
                   UserRow.username, UserRow.telegram_name,
                   func.coalesce(StudentProfileRow.first_name, VolunteerProfileRow.first_name))
            .outerjoin(StudentProfileRow, StudentProfileRow.user_id == UserRow.id)
            .outerjoin(VolunteerProfileRow, VolunteerProfileRow.user_id == UserRow.id)
            .order_by(UserRow.id))
        people = []
        for user_id, role, language, source, username, telegram, given in rows.all():
            demo = source == DEMO_SOURCE
            people.append(Person(
                id=user_id, first_name=given or telegram or f"#{user_id}", role=role,
                language=language, demo=demo, username=username,
                allows_links=not (demo and user_id in forbidden)))
        return people
