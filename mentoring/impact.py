"""The impact report: what a mentoring programme tells itself and its funders.

Pure rules here: what each figure means (its definition), how it is computed from one row of
facts per pair (read by ``storage.impact``), how it is cut by region, family of fields, level
and source, and which figures are hidden because they describe fewer than ``MIN_GROUP``
people. Rendering (PDF, PNG, CSV) is in ``handlers.impact_pages``.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Protocol

from mentoring import catalog, places
from mentoring.text import N_

MIN_GROUP = 5
"""A figure about fewer people than this is hidden, so that no one can be recognised."""

RETENTION_MONTHS = (1, 3, 6)
DAYS_PER_MONTH = 365.25 / 12
NO_SOURCE = "direct"
"""The source of people who came without a deep link."""
UNKNOWN = "unknown"
"""The group of a student whose profile is gone (erased) or lacks the value."""


class Cut(StrEnum):
    REGION = "region"
    FAMILY = "family"
    LEVEL = "level"
    SOURCE = "source"


REASONS = catalog.END_REASONS
CHANGES = catalog.OUTCOME_CHANGES


class Unit(StrEnum):
    COUNT = "count"
    SHARE = "share"  # 0 to 1
    DAYS = "days"
    RATE = "per_pair_month"
    SCORE = "score_1_5"


@dataclass(frozen=True)
class Definition:
    """What a figure is: a short ``label``, the sentence that ``defines`` it and its n (both
    English gettext message ids) and its unit."""

    label: str
    defines: str
    unit: Unit


DEFINITIONS: dict[str, Definition] = {
    "pairs_created": Definition(
        N_("Pairs created"),
        N_("Pairs introduced during the period. n = those pairs."), Unit.COUNT),
    "first_meeting_share": Definition(
        N_("Pairs with a first meeting"),
        N_("Share of the pairs created during the period that held at least one meeting "
           "by the end of the period. n = pairs created."), Unit.SHARE),
    "first_meeting_days": Definition(
        N_("Days to the first meeting (median)"),
        N_("Median number of days from the introduction to the first meeting held. "
           "n = pairs created during the period that met."), Unit.DAYS),
    "meetings_per_pair_month": Definition(
        N_("Meetings per active pair per month"),
        N_("Meetings held during the period, divided by the months pairs were active during "
           "it (a month is 30.4 days). n = pairs active at some point of the period."),
        Unit.RATE),
    "needs_worked_share": Definition(
        N_("Students whose needs were worked on"),
        N_("Share of the students of active pairs who stated a need, and whose pair logged "
           "at least one of their needs as worked on during the period. n = those students."),
        Unit.SHARE),
    "need_worked_share": Definition(
        N_("Need worked on"),
        N_("For each need: share of the students of active pairs who stated it, whose pair "
           "logged it as worked on during the period. n = students who stated it."),
        Unit.SHARE),
    "usefulness": Definition(
        N_("Usefulness of meetings (students, 1 to 5)"),
        N_("Mean of the usefulness students gave their meetings of the period, 1 to 5. "
           "n = students who rated."), Unit.SCORE),
    "useful_share": Definition(
        N_("Meetings rated useful (4 or 5)"),
        N_("Share of the students' ratings of the period that are 4 or 5. "
           "n = students who rated."), Unit.SHARE),
    "end_rating": Definition(
        N_("Rating of the pair at its end (1 to 5)"),
        N_("Mean of the ratings members gave their pair when it ended during the period, "
           "1 to 5. n = members who rated."), Unit.SCORE),
    "ended_reason_share": Definition(
        N_("Reason for ending"),
        N_("Pairs that ended during the period, by the last reason recorded. n = pairs ended "
           "with a reason recorded."), Unit.SHARE),
    "change_share": Definition(
        N_("What changed for the student"),
        N_("Students of the pairs that ended during the period who reported this change "
           "(at the end or earlier). n = those students who reported an outcome."),
        Unit.SHARE),
    "retention": Definition(
        N_("Pairs still active at month {months}"),
        N_("Share of the pairs created during the period, and introduced at least that long "
           "before its end, still active that long after their introduction. n = those "
           "pairs."), Unit.SHARE),
}
"""Every figure of the report, by key."""


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included, in the programme's time zone."""

    start: date
    end: date
    zone: tzinfo = UTC

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time(), self.zone).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time(), self.zone).astimezone(UTC)


def default_period(today: date, zone: tzinfo = UTC) -> Period:
    """The last twelve months: from the first day of the same month a year ago to today."""
    return Period(date(today.year - 1, today.month, 1), today, zone)


@dataclass(frozen=True, slots=True)
class PairFacts:
    """What the report needs of one pair active at some point of the period: its student's
    group values, and what happened, counted up to the end of the period."""

    pair_id: int
    student_id: int
    started_at: datetime
    ended_at: datetime | None
    department: str | None = None
    field: str | None = None
    level: str | None = None
    source: str | None = None
    needs: frozenset[str] = frozenset()
    first_meeting_at: datetime | None = None
    """The first meeting held, at any time before the end of the period."""
    meetings: int = 0
    """Meetings held during the period."""
    topics: frozenset[str] = frozenset()
    """Needs logged as worked on during the period."""
    ratings: int = 0
    """How many usefulness ratings the student gave the period's meetings, ..."""
    rating_total: int = 0
    """... their sum, ..."""
    useful_ratings: int = 0
    """... and how many of them are 4 or 5."""
    end_ratings: tuple[int, ...] = ()
    """Ratings members gave the pair when it ended (feedback) during the period."""
    reason: str | None = None
    """The last reason for ending recorded before the end of the period."""
    changes: frozenset[str] = frozenset()
    reported_outcome: bool = False
    """Whether any outcome (at the end, at six months, from staff or /news) was recorded."""


class ImpactReader(Protocol):
    async def pair_facts(self, starts_at: datetime, ends_at: datetime) -> list[PairFacts]:
        """One row per pair active at some point in [starts_at, ends_at)."""


@dataclass(frozen=True)
class Figure:
    """One number of the report. ``value`` is None when the figure is hidden (fewer than
    ``MIN_GROUP`` people) or has nothing to count."""

    key: str
    value: float | None
    n: int
    people: int
    detail: str = ""
    """The need, reason, change or number of months the figure is about, if any."""

    @property
    def hidden(self) -> bool:
        return self.people < MIN_GROUP

    @property
    def definition(self) -> Definition:
        return DEFINITIONS[self.key]


@dataclass(frozen=True)
class Group:
    """The figures of the whole programme (``code`` "all") or of one group of a cut."""

    code: str
    people: int
    figures: tuple[Figure, ...]

    def figure(self, key: str, detail: str = "") -> Figure:
        return next(f for f in self.figures if f.key == key and f.detail == detail)


@dataclass(frozen=True)
class Report:
    period: Period
    cut: Cut | None
    overall: Group
    groups: tuple[Group, ...] = field(default=())


def group_of(facts: PairFacts, cut: Cut) -> str:
    """The code of the group ``facts`` belongs to in ``cut``."""
    try:
        if cut is Cut.REGION:
            return places.department(facts.department).region.code if facts.department \
                else UNKNOWN
        if cut is Cut.FAMILY:
            return catalog.field(facts.field).family if facts.field else UNKNOWN
    except KeyError:
        return UNKNOWN
    if cut is Cut.LEVEL:
        return facts.level or UNKNOWN
    return facts.source or NO_SOURCE


def build_report(facts: Sequence[PairFacts], period: Period, now: datetime,
                 cut: Cut | None = None) -> Report:
    """The report over ``facts``, as of ``now`` (a period not over yet counts to ``now``),
    for the whole programme and, with ``cut``, for each of its groups, largest first."""
    until = min(period.ends_at, max(now, period.starts_at))
    overall = figures_of("all", facts, period, until)
    groups: tuple[Group, ...] = ()
    if cut is not None:
        by_group: dict[str, list[PairFacts]] = {}
        for one in facts:
            by_group.setdefault(group_of(one, cut), []).append(one)
        groups = tuple(sorted((figures_of(code, rows, period, until)
                               for code, rows in by_group.items()),
                              key=lambda g: (-g.people, g.code)))
    return Report(period, cut, overall, groups)


def _people(rows: Iterable[PairFacts]) -> int:
    return len({row.student_id for row in rows})


def _figure(key: str, hits: int, n: int, people: int, detail: str = "") -> Figure:
    """A share: ``hits`` of ``n``, shown only for ``MIN_GROUP`` people or more."""
    return Figure(key, hits / n if n and people >= MIN_GROUP else None, n, people, detail)


def _shown(value: float | None, people: int) -> float | None:
    return value if people >= MIN_GROUP else None


def figures_of(code: str, facts: Sequence[PairFacts], period: Period,
               until: datetime) -> Group:
    """Every figure of the report over the pairs ``facts`` (counted up to ``until``). Each
    family of figures makes one pass over the pairs it is about: the report is run over
    tens of thousands of pairs, once for the whole programme and once for its groups."""
    start, end = period.starts_at, until
    created, active, ended = [], [], []
    for f in facts:
        if f.started_at < end and (f.ended_at is None or f.ended_at >= start):
            active.append(f)
            if f.started_at >= start:
                created.append(f)
            if f.ended_at is not None and f.ended_at < end:
                ended.append(f)
    found = _created(created, end)
    found.append(_meeting_rate(active, start, end))
    found.extend(_needs(active))
    found.extend(_satisfaction(facts))
    found.extend(_outcomes(ended))
    found.extend(_retention(created, end))
    return Group(code, _people(facts), tuple(found))


def _created(created: Sequence[PairFacts], end: datetime) -> list[Figure]:
    people = _people(created)
    days, met = [], set()
    for f in created:
        if f.first_meeting_at is not None and f.first_meeting_at < end:
            days.append(max(0.0, (f.first_meeting_at - f.started_at).total_seconds() / 86400))
            met.add(f.student_id)
    return [Figure("pairs_created", _shown(len(created), people), len(created), people),
            _figure("first_meeting_share", len(days), len(created), people),
            Figure("first_meeting_days",
                   _shown(statistics.median(days) if days else None, len(met)),
                   len(days), len(met))]


def _retention(created: Sequence[PairFacts], end: datetime) -> list[Figure]:
    found = []
    for months in RETENTION_MONTHS:
        span = timedelta(days=months * DAYS_PER_MONTH)
        old_enough = [f for f in created if f.started_at + span <= end]
        lasted = sum(f.ended_at is None or f.ended_at >= f.started_at + span
                     for f in old_enough)
        found.append(_figure("retention", lasted, len(old_enough), _people(old_enough),
                             str(months)))
    return found


def _meeting_rate(active: Sequence[PairFacts], start: datetime, end: datetime) -> Figure:
    seconds = sum(max(0.0, (min(end, f.ended_at or end) - max(start, f.started_at))
                      .total_seconds()) for f in active)
    months = seconds / 86400 / DAYS_PER_MONTH
    people = _people(active)
    value = sum(f.meetings for f in active) / months if months else None
    return Figure("meetings_per_pair_month", _shown(value, people), len(active), people)


def _needs(active: Sequence[PairFacts]) -> list[Figure]:
    stated: dict[str, int] = {}
    worked: dict[str, int] = {}
    people: dict[str, set[int]] = {}
    any_stated = any_worked = 0
    students: set[int] = set()
    for f in active:
        if not f.needs:
            continue
        any_stated += 1
        students.add(f.student_id)
        any_worked += bool(f.needs & f.topics)
        for need in f.needs:
            stated[need] = stated.get(need, 0) + 1
            people.setdefault(need, set()).add(f.student_id)
            if need in f.topics:
                worked[need] = worked.get(need, 0) + 1
    found = [_figure("needs_worked_share", any_worked, any_stated, len(students))]
    found.extend(_figure("need_worked_share", worked.get(need.code, 0),
                         stated.get(need.code, 0), len(people.get(need.code, ())), need.code)
                 for need in catalog.NEEDS)
    return found


def _satisfaction(facts: Sequence[PairFacts]) -> list[Figure]:
    rated = [f for f in facts if f.ratings]
    ratings = sum(f.ratings for f in rated)
    people = _people(rated)
    mean = sum(f.rating_total for f in rated) / ratings if ratings else None
    useful = sum(f.useful_ratings for f in rated) / ratings if ratings else None
    ended = [r for f in facts for r in f.end_ratings]
    return [Figure("usefulness", _shown(mean, people), people, people),
            Figure("useful_share", _shown(useful, people), people, people),
            Figure("end_rating", _shown(statistics.fmean(ended) if ended else None,
                                        len(ended)), len(ended), len(ended))]


def _outcomes(ended: Sequence[PairFacts]) -> list[Figure]:
    reasons: dict[str, int] = {}
    changes: dict[str, int] = {}
    with_reason, reported = [], []
    for f in ended:
        if f.reason is not None:
            with_reason.append(f)
            reasons[f.reason] = reasons.get(f.reason, 0) + 1
        if f.reported_outcome:
            reported.append(f)
            for change in f.changes:
                changes[change] = changes.get(change, 0) + 1
    by_reason, by_change = _people(with_reason), _people(reported)
    found = [_figure("ended_reason_share", reasons.get(reason.code, 0), len(with_reason),
                     by_reason, reason.code) for reason in REASONS]
    found.extend(_figure("change_share", changes.get(change.code, 0), len(reported),
                         by_change, change.code) for change in CHANGES)
    return found


class ImpactReports:
    """The use case behind /impact and ``binome report impact``."""

    def __init__(self, reader: ImpactReader, clock: Callable[[], datetime],
                 zone: tzinfo = UTC) -> None:
        self._reader = reader
        self._clock = clock
        self.zone = zone

    def today(self) -> date:
        return self._clock().astimezone(self.zone).date()

    async def report(self, period: Period, cut: Cut | None = None) -> Report:
        """The report of ``period``, cut by ``cut`` if given."""
        facts = await self._reader.pair_facts(period.starts_at, period.ends_at)
        return build_report(facts, period, self._clock(), cut)


class RequestError(ValueError):
    """What was typed after /impact cannot be read."""


CUT_WORDS = {"region": Cut.REGION, "région": Cut.REGION, "family": Cut.FAMILY,
             "famille": Cut.FAMILY, "filière": Cut.FAMILY, "level": Cut.LEVEL,
             "niveau": Cut.LEVEL, "source": Cut.SOURCE}


def parse_request(text: str, today: date, zone: tzinfo = UTC) -> tuple[Period, Cut | None]:
    """``[FROM TO] [CUT]`` after /impact: two ISO dates (default: the last twelve months)
    and one of region, family, level or source (French words too)."""
    words = text.lower().split()
    cut = CUT_WORDS.get(words[-1]) if words else None
    if cut is not None:
        words = words[:-1]
    if not words:
        return default_period(today, zone), cut
    if len(words) != 2:
        raise RequestError(text)
    try:
        start, end = date.fromisoformat(words[0]), date.fromisoformat(words[1])
    except ValueError as error:
        raise RequestError(text) from error
    if end < start:
        raise RequestError(text)
    return Period(start, end, zone), cut
