"""Staff commands. Staff are the ids in STAFF_IDS and those staff add with /staff add;
the IsStaff filter is set once on this router, and every refusal is logged and audited."""

from __future__ import annotations

import logging
import statistics
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    Message,
)
from aiogram.utils.i18n import I18n, get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_date
from babel.numbers import format_decimal

from handlers import texts
from handlers.callbacks import RiskAction
from handlers.markup import Markup, answer, answer_document, answer_photo, lines, t, tn
from mentoring import catalog, places
from mentoring.errors import Stale
from mentoring.matchmaking import Matchmaker
from mentoring.model import StudentProfile
from mentoring.pair_care import PairCare
from mentoring.ports import Clock
from mentoring.relay import RelayActivity
from mentoring.signup import Signup
from mentoring.staff import (
    EXPORT_ENCODING,
    ExclusionChange,
    StaffChange,
    StaffDirectory,
    export_filename,
)
from mentoring.vetting import is_minor

log = logging.getLogger(__name__)
SHOWN = 30
STAFF_COMMANDS = ("waiting", "reports", "stats", "staff", "gaps", "risk", "export",
                  "broadcast", "broadcasts", "exclude", "allow", "approvals", "block",
                  "unblock")


async def publish_staff_menu(bot: Bot, i18n: I18n, user_id: int, language: str, *,
                             staff: bool) -> None:
    """Give a staff member's chat a command menu with the staff commands (in their
    language), or take it away. A chat Telegram does not know yet is left for later."""
    scope = BotCommandScopeChat(chat_id=user_id)
    try:
        if not staff:
            await bot.delete_my_commands(scope=scope)
            return
        with i18n.context(), i18n.use_locale(language):
            commands = [BotCommand(command=name, description=texts.command_description(name))
                        for name in (*texts.STAFF_MENU, *texts.USER_COMMANDS)]
        await bot.set_my_commands(commands, scope=scope)
    except TelegramBadRequest as error:
        log.info("staff menu of %s not changed: %s", user_id, error)


class IsStaff(Filter):
    """True for staff; reads the directory, so staff added from the chat count at once."""

    async def __call__(self, event: Message | CallbackQuery, staff: StaffDirectory) -> bool:
        return event.from_user is not None and await staff.is_staff(event.from_user.id)


async def waiting(message: Message, matchmaker: Matchmaker, clock: Clock) -> None:
    """Everyone waiting for a mentor, longest first, with how long they have waited."""
    students = await matchmaker.waiting_list()
    if not students:
        await answer(message, t("Nobody is waiting for a mentor right now."))
        return
    now = clock()
    heading = tn("<b>{count} student is waiting for a mentor</b>:",
                             "<b>{count} students are waiting for a mentor</b>, longest first:",
                             len(students))
    shown = [heading.format(count=len(students)), ""]
    for student, since in students[:SHOWN]:
        days = (now - since).days
        shown.append(tn("{name} · {field} · {department} · {days} day",
                                    "{name} · {field} · {department} · {days} days",
                                    days).format(
            name=student.first_name,
            field=texts.field_label(student.field),
            department=places.department(student.department).name, days=days))
    if len(students) > SHOWN:
        shown.append(t("… and {more} more.").format(more=len(students) - SHOWN))
    await answer(message, lines(*shown))


async def stats(message: Message, staff: StaffDirectory) -> None:
    figures = await staff.figures()
    days = figures["waiting_days"]
    answered = figures["proposals_answered"]
    rate = f"{100 * figures['proposals_accepted'] / answered:.0f}%" if answered else "–"
    sent = figures["check_ins_sent"]
    answers = f"{100 * figures['check_in_answers'] / sent:.0f}%" if sent else "–"
    figures_text = [
        t("<b>Programme figures</b>"), "",
        t("Sign-ups: {students} students, {volunteers} volunteers ({pending} without a role "
          "yet)").format(students=figures["students"], volunteers=figures["volunteers"],
                         pending=figures["no_role_yet"]),
        t("Profiles completed: {students} students, {volunteers} volunteers").format(
            students=figures["student_profiles"], volunteers=figures["volunteer_profiles"]),
        t("Students waiting: {count} (median {median} days, longest {longest} days)").format(
            count=figures["waiting"], median=int(statistics.median(days)) if days else 0,
            longest=days[-1] if days else 0),
        t("Volunteers with room: {count}").format(count=figures["volunteers_with_room"]),
        t("Proposals pending: {count}; accepted: {rate} of those answered").format(
            count=figures["proposals_open"], rate=rate),
        t("Active pairs: {count}").format(count=figures["pairs_active"]),
        t("Check-ins answered: {rate} ({answers} answers to {sent} questions)").format(
            rate=answers, answers=figures["check_in_answers"], sent=sent),
        t("Pairs at risk: {count}").format(count=figures["pairs_at_risk"]),
        t("Messages relayed in the last 7 days: {count} ({per_pair} per active pair)").format(
            count=figures["relayed_week"],
            per_pair=_per_pair(figures["relayed_week"], figures["pairs_active"])),
        t("Pairs who wrote to each other both ways through the bot in the last 30 days: "
          "{count} of {active}").format(count=figures["pairs_two_way_month"],
                                        active=figures["pairs_active"]),
        t("Messages that failed in the last 7 days: {count}").format(
            count=figures["outbox_failed_week"]),
    ]
    await answer(message, lines(*figures_text))
    weeks, counts = await staff.weekly_counts()
    from handlers.charts import weekly_chart

    chart = weekly_chart(weeks, counts, {"students": _("Students signed up"),
                                         "volunteers": _("Volunteers signed up"),
                                         "pairs": _("New pairs")},
                         _("Week by week"))
    await answer_photo(message, BufferedInputFile(chart, filename="binome-weeks.png"),
                       caption=t("Sign-ups and new pairs, week by week."))


def _per_pair(messages: int, pairs: int) -> str:
    return (format_decimal(messages / pairs, "0.0", locale=get_i18n().current_locale)
            if pairs else "–")


async def gaps(message: Message, staff: StaffDirectory) -> None:
    """Waiting students against free places, by family of fields and region."""
    rows = [gap for gap in await staff.gaps() if gap.waiting > gap.free_places][:SHOWN]
    if not rows:
        await answer(message, t("No gap: every waiting student has a volunteer with room in "
                                "their family of fields and region."))
        return
    shown = [t("<b>Where volunteers are missing</b> (students waiting / free places):"), ""]
    for gap in rows:
        line = (f"{_(catalog.family(gap.family).label)} · "
                f"{places.region(gap.region).name}: {gap.waiting} / {gap.free_places}")
        if gap.pending_volunteers:  # approving them would close the gap: /approvals
            line += " · " + tn("{count} volunteer pending approval",
                               "{count} volunteers pending approval",
                               gap.pending_volunteers).format(count=gap.pending_volunteers)
        shown.append(line)
    await answer(message, lines(*shown))


def relay_line(activity: RelayActivity | None, zone: ZoneInfo) -> Markup:
    """What staff see of a pair's messages through the bot: counts and a date, never
    what was written."""
    if activity is None or not activity.month:
        return t("Through the bot: no message in the last 30 days.")
    last = activity.last_at
    day = (format_date(last.astimezone(zone).date(), "d MMMM",
                       locale=get_i18n().current_locale) if last else "–")
    text = tn("Through the bot: {week} message in the last 7 days, {month} in 30 days, "
              "last on {day}.",
              "Through the bot: {week} messages in the last 7 days, {month} in 30 days, "
              "last on {day}.", activity.week).format(week=activity.week,
                                                      month=activity.month, day=day)
    return text if activity.two_way else lines(text, t("Only one of them wrote."))


async def risk(message: Message, staff: StaffDirectory, signup: Signup, clock: Clock,
               zone: ZoneInfo) -> None:
    """Pairs gone quiet or with an open report, each with one-tap actions, what the relay
    saw of them; a minor's pair is marked."""
    pairs = await staff.pairs_at_risk()
    if not pairs:
        await answer(message, t("No pair at risk right now."))
        return
    activity = await staff.relay_activity([pair[0] for pair in pairs])
    today = clock().date()
    for pair_id, student_id, volunteer_id, silent, frozen in pairs:
        state = (_("a report is open") if frozen else
                 _("no news for {periods} check-ins").format(periods=silent))
        student = await signup.profile(student_id)
        if isinstance(student, StudentProfile) and is_minor(student.birth_year, today):
            state += " · " + _("🔞 the student is under 18")
        kb = InlineKeyboardBuilder()
        kb.button(text=_("Write to the student"), url=f"tg://user?id={student_id}")
        kb.button(text=_("Write to the volunteer"), url=f"tg://user?id={volunteer_id}")
        kb.button(text=_("End the pair"), callback_data=RiskAction(pair=pair_id, action="end"))
        kb.button(text=_("Rematch the student"),
                  callback_data=RiskAction(pair=pair_id, action="rematch"))
        kb.adjust(2, 2)
        heading = t("Pair {pair} (student {student}, volunteer {volunteer}): "
                    "{state}.").format(pair=pair_id, student=student_id,
                                       volunteer=volunteer_id, state=state)
        await answer(message, lines(heading, relay_line(activity.get(pair_id), zone)),
                     reply_markup=kb.as_markup())


async def risk_action(callback: CallbackQuery, callback_data: RiskAction, care: PairCare,
                      matchmaker: Matchmaker) -> None:
    if callback_data.action not in ("end", "rematch"):
        raise Stale()
    pair = await care.end_by_staff(callback_data.pair, callback.from_user.id)
    if callback_data.action == "rematch":
        await matchmaker.student_ready(pair.student_id)
    await callback.answer(_("Done: the pair has ended.") if callback_data.action == "end"
                          else _("Done: the pair has ended and the student is being matched "
                                 "again."), show_alert=True)
    if isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(reply_markup=None)


async def export(message: Message, staff: StaffDirectory) -> None:
    actor = message.from_user.id if message.from_user else 0
    files = await staff.export(actor)
    for kind, content in files.items():
        rows = max(0, content.count("\n") - 1)
        await answer_document(
            message, BufferedInputFile(content.encode(EXPORT_ENCODING),
                                       filename=export_filename(kind)),
            caption=tn("Export: {kind} ({rows} row)", "Export: {kind} ({rows} rows)",
                                   rows).format(kind=kind, rows=rows))


async def staff_command(message: Message, command: CommandObject, staff: StaffDirectory,
                        bot: Bot, i18n: I18n, signup: Signup) -> None:
    """/staff, /staff add <id>, /staff remove <id>."""
    actor = message.from_user.id if message.from_user else 0
    parts = (command.args or "").split()
    if not parts:
        members = ", ".join(str(member) for member in await staff.members())
        await answer(message, t("Staff: {members}. Add or remove one with /staff add ID or "
                                "/staff remove ID.").format(members=members or "–"))
        return
    if len(parts) != 2 or parts[0] not in ("add", "remove") or not parts[1].isdigit():
        await answer(message, t("Write /staff add ID or /staff remove ID, with the "
                                "person's Telegram id."))
        return
    user_id = int(parts[1])
    change = await (staff.add(actor, user_id) if parts[0] == "add"
                    else staff.remove(actor, user_id))
    member = await signup.user(user_id)
    if change is StaffChange.DONE and member is not None:
        await publish_staff_menu(bot, i18n, user_id, member.language,
                                 staff=parts[0] == "add")
    await answer(message, {
        StaffChange.DONE: t("Done."),
        StaffChange.ALREADY: t("Nothing to change: this person is already as asked."),
        StaffChange.CONFIGURED: t("This person is staff through STAFF_IDS: change the "
                                  "configuration to remove them."),
        StaffChange.SELF: t("You can't remove yourself: ask another staff member."),
    }[change])


async def exclude(message: Message, command: CommandObject, staff: StaffDirectory) -> None:
    """/exclude STUDENT VOLUNTEER: never propose them to each other; /allow undoes it;
    /exclude alone lists the exclusions."""
    actor = message.from_user.id if message.from_user else 0
    parts = (command.args or "").split()
    allow = command.command == "allow"
    if not parts and not allow:
        found = await staff.exclusions()
        await answer(message, lines(
            t("Never proposed to each other (student, volunteer):"),
            *([f"{student} · {volunteer}" for student, volunteer, _at in found] or ["–"]),
            t("Add one with /exclude STUDENT_ID VOLUNTEER_ID, lift it with /allow "
              "STUDENT_ID VOLUNTEER_ID.")))
        return
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        await answer(message, t("Write /exclude or /allow followed by a student's and a "
                                "volunteer's Telegram ids."))
        return
    change = await staff.exclude(actor, int(parts[0]), int(parts[1]), allow=allow)
    await answer(message, {
        ExclusionChange.DONE: t("Done: they will never be proposed to each other.") if not allow
        else t("Done: they may be proposed to each other again."),
        ExclusionChange.ALREADY: t("Nothing to change: this is already the case."),
        ExclusionChange.NOT_A_PAIR: t("These ids are not one student and one volunteer with "
                                      "a completed profile."),
    }[change])


async def refuse(event: Message | CallbackQuery, staff: StaffDirectory) -> None:
    """A staff command sent, or a staff button pressed (or forged), by someone who is not
    staff: one sentence for them, a log line and an audit entry for the staff."""
    actor = event.from_user.id if event.from_user else 0
    if isinstance(event, CallbackQuery):
        log.warning("user %s pressed a staff button: %s", actor, event.data)
        await staff.audit(actor, "refused", button=(event.data or "")[:64])
        await event.answer(_("This button is for the programme staff."), show_alert=True)
        return
    log.warning("user %s tried a staff command", actor)
    log.debug("the command was: %s", event.text)
    await staff.audit(actor, "refused", command=(event.text or "")[:64])
    await answer(event, t("This command is for the programme staff."))


def make_router() -> Router:
    """Staff commands for staff; everyone else gets one plain sentence."""
    router = Router(name="staff")
    router.message.register(waiting, Command("waiting"), IsStaff())
    router.message.register(stats, Command("stats"), IsStaff())
    router.message.register(gaps, Command("gaps"), IsStaff())
    router.message.register(risk, Command("risk"), IsStaff())
    router.message.register(export, Command("export"), IsStaff())
    router.callback_query.register(risk_action, RiskAction.filter(), IsStaff())
    router.message.register(staff_command, Command("staff"), IsStaff())
    router.message.register(exclude, Command("exclude", "allow"), IsStaff())
    router.message.register(refuse, Command(*STAFF_COMMANDS), ~IsStaff())
    router.callback_query.register(refuse, RiskAction.filter(), ~IsStaff())
    return router
