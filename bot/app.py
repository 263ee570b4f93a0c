"""The composition root: builds the Bot, the Dispatcher and everything they use, once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.attachments import KINDS as ATTACHMENT_KINDS
from bot.attachments import AttachmentTexts
from bot.config import Settings
from bot.i18n import CatalogueI18n, make_i18n
from bot.meetings import KINDS as MEETING_KINDS
from bot.meetings import MeetingTexts
from bot.metrics import AttemptMetrics, CallMetrics, UpdateMetrics
from bot.middlewares import UserLanguage
from bot.outbox import OutboxSender, Rendered
from bot.relay import KINDS as RELAY_KINDS
from bot.relay import RelayService, RelayTexts
from bot.telegram import install as install_session_middlewares
from bot.telegram import mark_replies
from bot.updates import OnceOnly, SeenUpdates
from handlers import get_routers
from handlers.blocks import BlockedUsers
from handlers.notifications import Notifications
from handlers.texts import USER_COMMANDS as COMMANDS
from mentoring.attachments import ReportAttachments
from mentoring.blocks import Blocks
from mentoring.broadcast import Broadcasts
from mentoring.contacts import Contacts
from mentoring.impact import ImpactReports
from mentoring.keeping_in_touch import KeepingInTouch, VolunteerAvailability
from mentoring.matchmaking import Matchmaker
from mentoring.meeting_service import MeetingService
from mentoring.outcomes import Outcomes
from mentoring.pair_care import PairCare
from mentoring.sessionlog import SessionLogs
from mentoring.signup import Signup, now_utc
from mentoring.staff import StaffDirectory
from mentoring.vetting import Vetting
from scheduler import Job
from storage.attachments import SqlAttachments
from storage.blocks import BlockLookup
from storage.conversations import ConversationLocks, DatabaseStorage
from storage.database import make_engine, make_sessionmaker
from storage.impact import SqlImpact
from storage.meetings import SqlMeetings
from storage.outbox import Claimed, OutboxQueue
from storage.relay import SqlRelay
from storage.uow import uow_factory
from storage.updates import RedisSeenUpdates, SqlSeenUpdates

if TYPE_CHECKING:
    from bot.broadcasts import BroadcastProgress



@dataclass
class Runtime:
    """What one bot process holds for its whole life."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[Any]
    signup: Signup
    matchmaker: Matchmaker
    care: PairCare
    keeping: KeepingInTouch
    availability: VolunteerAvailability
    staff: StaffDirectory
    broadcasts: Broadcasts
    outbox: OutboxQueue
    notifications: Notifications
    contacts: Contacts
    relay: RelayService
    attachments: ReportAttachments
    attachment_store: SqlAttachments
    meetings: MeetingService
    session_logs: SessionLogs
    outcomes: Outcomes
    impact: ImpactReports
    vetting: Vetting
    blocks: Blocks
    i18n: CatalogueI18n
    storage: BaseStorage
    isolation: BaseEventIsolation
    clock: Callable[[], datetime] = now_utc

    async def close(self) -> None:
        await self.storage.close()
        await self.isolation.close()
        await self.engine.dispose()


def build_runtime(settings: Settings, clock: Callable[[], datetime] = now_utc) -> Runtime:
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    storage: BaseStorage
    isolation: BaseEventIsolation
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

        storage = RedisStorage.from_url(settings.redis_url,
                                        key_builder=DefaultKeyBuilder(with_destiny=True))
        isolation = RedisEventIsolation(storage.redis)
    else:
        storage = DatabaseStorage(sessions, clock=clock)
        isolation = ConversationLocks(storage)
    uow = uow_factory(sessions)
    signup = Signup(uow, clock, settings.default_language,
                    approval_required=settings.volunteer_approval == "required")
    i18n = make_i18n(settings.default_language)
    matchmaker = Matchmaker(uow, clock, settings.matching_policy())
    contacts = Contacts(uow, clock, settings.staff_ids)
    staff = StaffDirectory(uow, clock, settings.staff_ids)
    attachment_store = SqlAttachments(sessions)
    keeping_policy = settings.keeping_policy()
    session_logs = SessionLogs(uow, clock, keeping_policy.quiet, keeping_policy.zone,
                               settings.staff_ids)
    return Runtime(
        settings=settings, engine=engine, sessions=sessions, signup=signup,
        matchmaker=matchmaker,
        care=PairCare(uow, clock, matchmaker, settings.staff_ids, settings.follow_up_policy()),
        keeping=KeepingInTouch(uow, clock, keeping_policy, settings.staff_ids,
                               after_yes=session_logs.after_check_in),
        availability=VolunteerAvailability(uow, clock, settings.follow_up_policy()),
        staff=staff,
        relay=RelayService(SqlRelay(sessions), signup, clock, staff.members),
        attachments=ReportAttachments(attachment_store, clock, staff.members),
        attachment_store=attachment_store,
        meetings=MeetingService(SqlMeetings(sessions), clock, settings.keeping_policy().quiet,
                                settings.timezone),
        broadcasts=Broadcasts(uow, clock),
        outbox=OutboxQueue(sessions),
        notifications=Notifications(signup, i18n, settings.timezone, contacts),
        contacts=contacts,
        session_logs=session_logs, outcomes=Outcomes(uow, clock),
        impact=ImpactReports(SqlImpact(sessions), clock, ZoneInfo(settings.timezone)),
        vetting=Vetting(uow, clock, settings.safeguarding(), staff.members),
        blocks=Blocks(uow, clock, matchmaker, staff),
        i18n=i18n, storage=storage, isolation=isolation, clock=clock,
    )


def tick_jobs(runtime: Runtime) -> dict[str, Job]:
    """Each capability's share of the scheduler's tick, by the name its count is reported
    under (``binome tick`` prints them). A new capability adds its line here only."""

    async def purge_relay(now: datetime | None) -> int:
        return await runtime.relay.store.purge(now or runtime.clock())

    async def checks(now: datetime | None) -> dict[str, int]:
        due = await runtime.vetting.run_due(now)
        return {"check_renewals": due.renewals, "check_expired_pairs": due.expired_pairs}

    return {
        "relay_purged": purge_relay,
        "meeting_reminders": runtime.meetings.run_due,
        "session_logs": runtime.session_logs.run_due,
        "checks": checks,
    }


def build_sender(runtime: Runtime, bot: Bot,
                 clock: Callable[[], datetime] | None = None) -> OutboxSender:
    """The outbox sender, on the runtime's clock unless told otherwise."""
    from bot.broadcasts import BroadcastTexts

    broadcasts = BroadcastTexts(runtime.broadcasts)
    relayed = RelayTexts(runtime.relay, runtime.i18n, clock or runtime.clock)
    attached = AttachmentTexts(runtime.attachment_store, runtime.i18n)
    meetings = MeetingTexts(runtime.meetings, runtime.i18n)

    async def render(kind: str, params: dict[str, Any], recipient: int,
                     language: str, outbox_id: int) -> Rendered | None:
        if kind in RELAY_KINDS:
            return await relayed.render(kind, params, recipient, language, outbox_id)
        if kind in ATTACHMENT_KINDS:
            return await attached.render(kind, params, recipient, language)
        if kind in MEETING_KINDS:
            return await meetings.render(kind, params, recipient, language)
        if kind == "broadcast":
            text = await broadcasts.text(params["broadcast"])
            return Rendered(text) if text is not None else None
        message = await runtime.notifications.render(kind, params, recipient, language)
        if message is None:
            return None
        note = (await runtime.notifications.without_buttons(kind, params, recipient, language)
                if message[1] is not None else None)
        return Rendered(*message, without_buttons=note)

    async def alert(row: Claimed, error: str) -> None:
        await runtime.contacts.introduction_refused(row.id, row.kind, row.params, error)

    sender = OutboxSender(runtime.outbox, bot, render, runtime.settings.send_rate,
                          clock or runtime.clock, alert)
    if isinstance(runtime.relay.store, SqlRelay):
        # A relayed message goes at once when this process sends the outbox; a worker that
        # does not (webhook mode, several processes) leaves it to the leader's next round.
        runtime.relay.store.on_queued = sender.wake
    return sender


def build_progress(runtime: Runtime, bot: Bot, sender: OutboxSender) -> BroadcastProgress:
    """The broadcasts' progress messages, paced with the sender they share Telegram's
    limit with."""
    from bot.broadcasts import BroadcastProgress

    return BroadcastProgress(runtime.broadcasts, bot, runtime.i18n, runtime.signup,
                             sender.pacer)


HANDLER_SERVICES = ("signup", "matchmaker", "care", "keeping", "availability", "staff",
                    "broadcasts", "contacts", "settings", "clock", "relay", "attachments",
                    "meetings", "session_logs", "outcomes", "impact", "vetting", "blocks")
"""The runtime's parts that handlers take as arguments, under the same names."""


def build_dispatcher(runtime: Runtime) -> Dispatcher:
    """The one Dispatcher factory, used by production and by the tests alike."""
    dp = Dispatcher(storage=runtime.storage, events_isolation=runtime.isolation)
    # What handlers receive by name: the use cases, and the settings, clock and zone.
    for name in HANDLER_SERVICES:
        dp[name] = getattr(runtime, name)
    dp["zone"] = ZoneInfo(runtime.settings.timezone)
    dp.update.outer_middleware(UpdateMetrics())  # first: it times all the rest
    if runtime.settings.webhook_url:
        # Only webhooks are posted again; long polling confirms each update by its offset.
        dp.update.outer_middleware(OnceOnly(seen_updates(runtime), runtime.clock))
    UserLanguage(runtime.i18n, runtime.signup, runtime.settings.default_language).setup(dp)
    # After the language (its one sentence is in the person's), before every router.
    BlockedUsers(BlockLookup(runtime.sessions)).setup(dp)
    dp.include_routers(*get_routers())
    return mark_replies(dp)


def seen_updates(runtime: Runtime) -> SeenUpdates:
    redis = getattr(runtime.storage, "redis", None)
    return RedisSeenUpdates(redis) if redis is not None else SqlSeenUpdates(runtime.sessions)


def build_bot(settings: Settings, token: str | None = None, api_url: str | None = None) -> Bot:
    secret = token or (settings.bot_token.get_secret_value() if settings.bot_token else None)
    if not secret:
        raise ValueError("BOT_TOKEN is not set")
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url or settings.telegram_api_url))
    # No parse mode: a plain str is shown as typed. HTML is switched on only for Markup, in
    # handlers/markup.py (and the outbox and broadcast progress senders).
    bot = Bot(secret, session=session, default=DefaultBotProperties(parse_mode=None))
    # Calls counted outermost, attempts innermost: the difference is the retries.
    bot.session.middleware(CallMetrics())
    install_session_middlewares(bot)
    bot.session.middleware(AttemptMetrics())
    return bot


async def publish_commands(bot: Bot, i18n: CatalogueI18n,
                           runtime: Runtime | None = None) -> None:
    """The command menu, in each catalogue language, so Telegram shows it in the user's;
    staff members get theirs with the staff commands."""
    from handlers.staff import publish_staff_menu
    from handlers.texts import command_description

    for locale in ("fr", "en"):
        with i18n.context(), i18n.use_locale(locale):
            commands = [BotCommand(command=name, description=command_description(name))
                        for name in COMMANDS]
        await bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats(),
                                  language_code=locale)
        if locale == i18n.default_locale:  # for apps in any other language
            await bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats())
    if runtime is not None:
        for member in await runtime.staff.members():
            user = await runtime.signup.user(member)
            if user is not None:  # staff who never wrote to the bot get it at their /start
                await publish_staff_menu(bot, i18n, member, user.language, staff=True)
