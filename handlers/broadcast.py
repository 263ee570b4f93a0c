"""Staff announcements: /broadcast composes one (text, audience, preview, now or later,
confirmation), /broadcasts lists them and cancels one. Also the texts of the progress
message and of the final report, which the sender's progress loop shows."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_datetime, format_timedelta

from handlers.callbacks import BroadcastCancel, BroadcastPick
from handlers.common import stale
from handlers.markup import Markup, answer, edit_message, edit_text, lines, send, t, tn
from handlers.staff import IsStaff, refuse
from handlers.states import Broadcasting
from mentoring import catalog, places
from mentoring.broadcast import (
    Audience,
    Broadcast,
    Broadcasts,
    BroadcastStatus,
    Condition,
    HtmlProblem,
    Progress,
    Target,
    normalise_text,
)
from mentoring.keeping_in_touch import KeepingInTouch

log = logging.getLogger(__name__)

# Formatting made in the app; other entities (links typed as text, commands) are not.
_FORMATTING = frozenset({"bold", "italic", "underline", "strikethrough", "spoiler", "code",
                         "pre", "text_link", "blockquote", "expandable_blockquote",
                         "custom_emoji"})

TARGETS = {Target.EVERYONE: __("Everyone"), Target.STUDENTS: __("Students"),
           Target.VOLUNTEERS: __("Volunteers")}
CONDITIONS = {Condition.ANY: __("No condition"), Condition.WAITING: __("Students waiting"),
              Condition.ROOM: __("Volunteers with room"), Condition.AT_RISK: __("Pairs at risk")}
STATUSES = {BroadcastStatus.SCHEDULED: __("scheduled"), BroadcastStatus.SENDING: __("sending"),
            BroadcastStatus.DONE: __("finished"), BroadcastStatus.CANCELLED: __("cancelled")}


def _language() -> str:
    from aiogram.utils.i18n import get_i18n

    return get_i18n().current_locale


def when_text(moment: datetime, zone: ZoneInfo) -> str:
    return format_datetime(moment.astimezone(zone), "EEEE d MMMM HH:mm", locale=_language())


def duration_text(seconds: float) -> str:
    return format_timedelta(timedelta(seconds=max(1.0, seconds)), threshold=1.1,
                            locale=_language())


def number(value: int) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale=_language())


def audience_text(audience: Audience) -> str:
    """The audience in plain words."""
    regions = (", ".join(sorted(places.region(code).name for code in audience.regions))
               if audience.regions else _("all regions"))
    families = (", ".join(sorted(_(catalog.family(code).label) for code in audience.families))
                if audience.families else _("all fields"))
    parts = [str(TARGETS[audience.target]), regions, families]
    if audience.condition is not Condition.ANY:
        parts.append(str(CONDITIONS[audience.condition]))
    return " · ".join(parts)


def staff_markup(text: str) -> Markup:
    """A broadcast as staff wrote it: the one markup that is not a catalogue sentence. It is
    only ever the text the composer accepted, once normalise_text checked its tags."""
    return Markup(text)


def problem_text(problem: HtmlProblem) -> Markup:
    return {
        "unknown_tag": t("Telegram does not accept {tag} in a message: use &lt;b&gt;, "
                         "&lt;i&gt;, &lt;u&gt;, &lt;s&gt;, &lt;a href=\"…\"&gt;, &lt;code&gt; "
                         "or &lt;blockquote&gt;, or no tags at all."),
        "not_closed": t("{tag} is opened but never closed: add its closing tag."),
        "not_open": t("{tag} closes a tag that was never opened."),
        "bare_character": t("A lone “{tag}” is not valid in formatted text: write &amp;lt; "
                            "for &lt;, &amp;gt; for &gt; and &amp;amp; for &amp;."),
        "too_long": t("The message is {tag} characters long; Telegram allows 4,096. Shorten "
                      "it."),
    }[problem.reason].replace("{tag}", problem.detail)


def progress_text(broadcast: Broadcast, progress: Progress, rate: float | None) -> Markup:
    total = max(broadcast.recipients, 1)
    lines = [
        t("📣 <b>Broadcast #{id}</b> is going out").format(id=broadcast.id),
        t("Sent: {sent} of {total} ({percent}%)").format(
            sent=number(progress.sent), total=number(broadcast.recipients),
            percent=100 * (progress.sent + progress.blocked + progress.failed) // total),
        t("Left: {left}").format(left=number(progress.left)),
    ]
    if rate is None:
        lines.append(t("Rate: measuring…"))
    else:
        lines.append(t("Rate: {rate} messages a second").format(rate=f"{rate:.1f}"))
        if rate > 0 and progress.left:
            lines.append(t("Time to finish: about {duration}").format(
                duration=duration_text(progress.left / rate)))
    if progress.blocked or progress.failed:
        lines.append(t("Blocked the bot: {blocked} · failed: {failed}").format(
            blocked=number(progress.blocked), failed=number(progress.failed)))
    return Markup("\n").join(lines)


def report_text(broadcast: Broadcast, progress: Progress) -> Markup:
    if broadcast.status is BroadcastStatus.CANCELLED:
        heading = t("📣 <b>Broadcast #{id}</b> was cancelled").format(id=broadcast.id)
        lines = [heading, t("Delivered before: {sent}").format(sent=number(progress.sent)),
                 t("Not sent: {count}").format(
                     count=number(progress.cancelled + progress.skipped + progress.left))]
    else:
        took = ((broadcast.finished_at - broadcast.started_at).total_seconds()
                if broadcast.finished_at and broadcast.started_at else 0)
        lines = [t("📣 <b>Broadcast #{id}</b> finished in {duration}").format(
                    id=broadcast.id, duration=duration_text(took)),
                 t("Delivered: {sent}").format(sent=number(progress.sent))]
        if progress.skipped:
            lines.append(t("No longer applicable (account erased): {count}").format(
                count=number(progress.skipped)))
    lines += [t("Blocked the bot: {count}").format(count=number(progress.blocked)),
              t("Failed: {count}").format(count=number(progress.failed))]
    return Markup("\n").join(lines)


# ------------------------------------------------------------------ composing


async def start(message: Message, state: FSMContext) -> None:
    await state.set_state(Broadcasting.text)
    await state.set_data({})
    await answer(message, t("<b>New announcement</b>\nWrite it as recipients should read it. "
                            "Formatting made in the app (bold, italics, links) is kept, and "
                            "Telegram HTML tags are accepted. /cancel stops."))


async def text_given(message: Message, state: FSMContext, broadcasts: Broadcasts) -> None:
    formatted = (message.html_text if any(e.type in _FORMATTING
                                           for e in message.entities or ()) else None)
    text, problem = normalise_text(message.text or "", formatted)
    if problem is not None:
        await answer(message, problem_text(problem))
        return
    audience = Audience()
    await state.update_data(text=text, audience=audience.to_dict())
    await state.set_state(Broadcasting.audience)
    count = len(await broadcasts.recipients(audience))
    await answer(message, builder_text(audience, count), reply_markup=builder_keyboard(audience))


async def not_text(message: Message) -> None:
    await answer(message, t("Send the announcement as a text message."))


def builder_text(audience: Audience, count: int) -> Markup:
    return lines(
        _("<b>Who should receive it?</b> The filters apply together."), "",
        audience_text(audience), "",
        tn("<b>{count} recipient</b>", "<b>{count} recipients</b>", count).format(
            count=number(count)),
    )


def _mark(selected: bool, label: str) -> str:
    return f"✓ {label}" if selected else label


def builder_keyboard(audience: Audience) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for target, label in TARGETS.items():
        kb.button(text=_mark(audience.target is target, str(label)),
                  callback_data=BroadcastPick(action="target", value=target.value))
    kb.button(text=_("🗺 Regions: {which}").format(
        which=len(audience.regions) or _("all")),
        callback_data=BroadcastPick(action="regions"))
    kb.button(text=_("📚 Fields: {which}").format(
        which=len(audience.families) or _("all")),
        callback_data=BroadcastPick(action="families"))
    for condition, label in CONDITIONS.items():
        kb.button(text=_mark(audience.condition is condition, str(label)),
                  callback_data=BroadcastPick(action="condition", value=condition.value))
    kb.button(text=_("Preview ▸"), callback_data=BroadcastPick(action="preview"))
    kb.button(text=_("Drop it"), callback_data=BroadcastPick(action="drop"))
    kb.adjust(3, 2, 2, 2, 2)
    return kb.as_markup()


def choices_keyboard(audience: Audience, kind: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if kind == "region":
        for region in sorted(places.REGIONS, key=lambda r: r.name):
            kb.button(text=_mark(region.code in audience.regions, region.name),
                      callback_data=BroadcastPick(action="region", value=region.code))
    else:
        for family in catalog.FAMILIES:
            kb.button(text=_mark(family.code in audience.families, _(family.label)),
                      callback_data=BroadcastPick(action="family", value=family.code))
    kb.button(text=_("◂ Done"), callback_data=BroadcastPick(action="back"))
    kb.adjust(2 if kind == "region" else 1)
    return kb.as_markup()


async def pick(callback: CallbackQuery, callback_data: BroadcastPick, state: FSMContext,
               broadcasts: Broadcasts) -> None:
    """A press on the audience builder."""
    data = await state.get_data()
    audience = Audience.from_dict(data["audience"])
    action, value = callback_data.action, callback_data.value
    try:
        if action == "target":
            audience = Audience(Target(value), audience.regions, audience.families,
                                audience.condition)
        elif action == "condition":
            audience = Audience(audience.target, audience.regions, audience.families,
                                Condition(value))
        elif action in ("region", "family"):
            audience = audience.toggled(action, value)
    except (ValueError, LookupError):
        await stale(callback)
        return
    await state.update_data(audience=audience.to_dict())
    await callback.answer()
    count = len(await broadcasts.recipients(audience))
    choosing = action in ("regions", "families", "region", "family")
    kind = "region" if action.startswith("region") else "family"
    await edit_text(callback, builder_text(audience, count),
                    choices_keyboard(audience, kind) if choosing else builder_keyboard(audience))


async def preview(callback: CallbackQuery, state: FSMContext, broadcasts: Broadcasts,
                  bot: Bot) -> None:
    data = await state.get_data()
    audience = Audience.from_dict(data["audience"])
    count = len(await broadcasts.recipients(audience))
    if count == 0:
        await callback.answer(_("Nobody matches these filters: change them."), show_alert=True)
        return
    await callback.answer()
    await edit_text(callback, builder_text(audience, count))
    chat = callback.from_user.id
    await send(bot, chat, t("Preview, exactly as recipients will see it:"))
    try:
        await send(bot, chat, staff_markup(data["text"]))
    except TelegramBadRequest as error:
        await state.set_state(Broadcasting.text)
        await send(bot, chat, t("Telegram refused this text ({error}). Write it "
                                 "again.").format(error=error.message))
        return
    await state.set_state(Broadcasting.when)
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Send now"), callback_data=BroadcastPick(action="now"))
    kb.button(text=_("Choose a time"), callback_data=BroadcastPick(action="later"))
    kb.button(text=_("Change the audience"), callback_data=BroadcastPick(action="audience"))
    kb.button(text=_("Drop it"), callback_data=BroadcastPick(action="drop"))
    kb.adjust(2, 1, 1)
    await send(bot, chat, tn(
        "Send it to {count} person now, or at a time you choose?",
        "Send it to {count} people now, or at a time you choose?", count).format(
            count=number(count)), reply_markup=kb.as_markup())


async def change_audience(callback: CallbackQuery, state: FSMContext,
                          broadcasts: Broadcasts) -> None:
    data = await state.get_data()
    audience = Audience.from_dict(data["audience"])
    await state.set_state(Broadcasting.audience)
    await callback.answer()
    count = len(await broadcasts.recipients(audience))
    await edit_text(callback, builder_text(audience, count), builder_keyboard(audience))


async def send_now(callback: CallbackQuery, state: FSMContext, broadcasts: Broadcasts,
                   keeping: KeepingInTouch) -> None:
    await state.update_data(send_at=None)
    await _ask_confirmation(callback, state, broadcasts, None,
                            quiet=keeping.in_quiet_hours(broadcasts.now()))


async def later(callback: CallbackQuery, state: FSMContext, zone: ZoneInfo) -> None:
    await state.set_state(Broadcasting.time)
    await callback.answer()
    await edit_text(callback, t("When should it go out? Write a date and a time ({zone} "
                                "time), for example 28/11 18:30 or 2026-11-28 18:30.").format(
        zone=zone.key.split("/")[-1].replace("_", " ")))


_WHEN = re.compile(
    r"^\s*(?:(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})(?:[/.-](?P<y>\d{2,4}))?"
    r"|(?P<Y>\d{4})-(?P<M>\d{1,2})-(?P<D>\d{1,2}))"
    r"(?:\s+|\s*[Tà]\s*|\s+at\s+)(?P<h>\d{1,2})\s*[:hH]\s*(?P<min>\d{2})?\s*$")


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """A local date and time as staff write it, in ``zone``; a date without a year is the
    next one to come."""
    found = _WHEN.match(text)
    if not found:
        return None
    parts = found.groupdict()
    local_now = now.astimezone(zone)
    try:
        day, month = int(parts["d"] or parts["D"]), int(parts["m"] or parts["M"])
        year_text = parts["y"] or parts["Y"]
        year = int(year_text) if year_text else local_now.year
        if year < 100:
            year += 2000
        moment = datetime(year, month, day, int(parts["h"]), int(parts["min"] or 0),
                          tzinfo=zone)
    except ValueError:
        return None
    if not year_text and moment < local_now:
        moment = moment.replace(year=year + 1)
    return moment


async def time_given(message: Message, state: FSMContext, broadcasts: Broadcasts,
                     zone: ZoneInfo, keeping: KeepingInTouch) -> None:
    now = broadcasts.now()
    moment = parse_when(message.text or "", now, zone)
    if moment is None:
        await answer(message, t("I could not read this date: write it like 28/11 18:30 or "
                                "2026-11-28 18:30."))
        return
    if moment <= now:
        await answer(message, t("This time has passed: choose a time to come, or send it now "
                                "with /broadcast."))
        return
    if moment > now + timedelta(days=366):
        await answer(message, t("That is more than a year away: choose a nearer date."))
        return
    await state.update_data(send_at=moment.isoformat())
    await _ask_confirmation(message, state, broadcasts, moment, zone,
                            quiet=keeping.in_quiet_hours(moment))


async def _ask_confirmation(event: CallbackQuery | Message, state: FSMContext,
                            broadcasts: Broadcasts, moment: datetime | None,
                            zone: ZoneInfo | None = None, *, quiet: bool = False) -> None:
    data = await state.get_data()
    count = len(await broadcasts.recipients(Audience.from_dict(data["audience"])))
    await state.set_state(Broadcasting.confirm)
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✅ Confirm"), callback_data=BroadcastPick(action="confirm"))
    kb.button(text=_("Drop it"), callback_data=BroadcastPick(action="drop"))
    if moment is None:
        text = tn("Send this announcement to {count} person now?",
                              "Send this announcement to {count} people now?", count)
    else:
        assert zone is not None
        text = tn(
            "Send this announcement on {when} to {count} person? (The audience is counted "
            "again at that time.)",
            "Send this announcement on {when} to {count} people? (The audience is counted "
            "again at that time.)", count).replace("{when}", when_text(moment, zone))
    text = text.format(count=number(count))
    if quiet:
        text += "\n\n" + t("⚠️ That is during quiet hours, when the bot sends nothing else on "
                            "its own: many people will be asleep. You can still confirm, or "
                            "drop it and choose another time.")
    if isinstance(event, CallbackQuery):
        await event.answer()
        await edit_text(event, text, kb.as_markup())
    else:
        await answer(event, text, reply_markup=kb.as_markup())


async def confirm(callback: CallbackQuery, state: FSMContext, broadcasts: Broadcasts,
                  zone: ZoneInfo) -> None:
    data = await state.get_data()
    await state.clear()
    send_at = datetime.fromisoformat(data["send_at"]) if data.get("send_at") else None
    broadcast = await broadcasts.create(callback.from_user.id, data["text"],
                                        Audience.from_dict(data["audience"]), send_at)
    await callback.answer()
    if broadcast.status is BroadcastStatus.SCHEDULED:
        await edit_text(callback, t("Broadcast #{id} is scheduled for {when}. /broadcasts "
                                    "lists it and can cancel it.").format(
            id=broadcast.id, when=when_text(broadcast.send_at, zone)))
    else:
        await edit_text(callback, tn(
            "Broadcast #{id} is going out to {count} person. Its progress shows below.",
            "Broadcast #{id} is going out to {count} people. Its progress shows below.",
            broadcast.recipients).format(id=broadcast.id, count=number(broadcast.recipients)))


async def drop(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await callback.answer()
    await edit_text(callback, t("Announcement dropped: nothing was sent."))


# ------------------------------------------------------------------ the list


async def listing(message: Message, broadcasts: Broadcasts, zone: ZoneInfo) -> None:
    text, markup = await _listing(broadcasts, zone)
    await answer(message, text, reply_markup=markup)


async def _listing(broadcasts: Broadcasts,
                   zone: ZoneInfo) -> tuple[Markup, InlineKeyboardMarkup | None]:
    found = await broadcasts.latest(10)
    if not found:
        return t("No broadcast yet. /broadcast writes one."), None
    shown = [t("<b>Broadcasts</b>, latest first:"), ""]
    kb = InlineKeyboardBuilder()
    for broadcast, progress in found:
        shown.append(Markup("<b>#{}</b> · {} · {} · {}").format(
            broadcast.id, STATUSES[broadcast.status], when_text(broadcast.send_at, zone),
            audience_text(broadcast.audience)))
        if broadcast.status is not BroadcastStatus.SCHEDULED:
            shown.append(t("{sent} delivered of {total}, {blocked} blocked the bot, {failed} "
                           "failed").format(sent=number(progress.sent),
                                            total=number(broadcast.recipients),
                                            blocked=number(progress.blocked),
                                            failed=number(progress.failed)))
        if broadcast.status in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING):
            kb.button(text=_("Cancel #{id}").format(id=broadcast.id),
                      callback_data=BroadcastCancel(id=broadcast.id))
    kb.adjust(2)
    return lines(*shown), kb.as_markup() if kb.buttons else None


async def cancel(callback: CallbackQuery, callback_data: BroadcastCancel,
                 broadcasts: Broadcasts, zone: ZoneInfo, bot: Bot) -> None:
    broadcast, progress = await broadcasts.cancel(callback.from_user.id, callback_data.id)
    await callback.answer(_("Broadcast #{id} is cancelled.").format(id=broadcast.id),
                          show_alert=True)
    if broadcast.progress_message_id is not None:
        try:
            await edit_message(bot, broadcast.author_id, broadcast.progress_message_id,
                               report_text(broadcast, progress))
        except TelegramBadRequest as error:
            log.info("progress message of broadcast %s not edited: %s", broadcast.id, error)
    text, markup = await _listing(broadcasts, zone)
    await edit_text(callback, text, markup)


def make_router() -> Router:
    router = Router(name="broadcast")
    staff = IsStaff()
    router.message.register(start, Command("broadcast"), staff)
    router.message.register(listing, Command("broadcasts"), staff)
    router.callback_query.register(cancel, BroadcastCancel.filter(), staff)
    router.message.register(text_given, Broadcasting.text, F.text, ~F.text.startswith("/"),
                            staff)
    router.message.register(not_text, Broadcasting.text, ~F.text, staff)
    router.message.register(time_given, Broadcasting.time, F.text, ~F.text.startswith("/"),
                            staff)
    pressed = BroadcastPick.filter
    router.callback_query.register(
        pick, Broadcasting.audience,
        pressed(F.action.in_({"target", "condition", "regions", "families", "region",
                              "family", "back"})), staff)
    router.callback_query.register(preview, Broadcasting.audience,
                                   pressed(F.action == "preview"), staff)
    router.callback_query.register(change_audience, Broadcasting.when,
                                   pressed(F.action == "audience"), staff)
    router.callback_query.register(send_now, Broadcasting.when, pressed(F.action == "now"),
                                   staff)
    router.callback_query.register(later, Broadcasting.when, pressed(F.action == "later"),
                                   staff)
    router.callback_query.register(confirm, Broadcasting.confirm,
                                   pressed(F.action == "confirm"), staff)
    router.callback_query.register(drop, StateFilter(Broadcasting), pressed(F.action == "drop"),
                                   staff)
    router.callback_query.register(stale, BroadcastPick.filter(), staff)
    router.callback_query.register(refuse, BroadcastPick.filter())
    router.callback_query.register(refuse, BroadcastCancel.filter())
    return router
