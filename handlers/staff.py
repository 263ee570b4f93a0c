"""Staff commands. Staff are the Telegram ids in STAFF_IDS; the filter is set once, here."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import UTC, datetime

from aiogram import F, Router, html
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers import texts
from mentoring import places
from mentoring.matchmaking import Matchmaker

log = logging.getLogger(__name__)
SHOWN = 30
STAFF_COMMANDS = ("waiting", "reports")


async def waiting(message: Message, matchmaker: Matchmaker) -> None:
    """Everyone waiting for a mentor, longest first, with how long they have waited."""
    students = await matchmaker.waiting_list()
    if not students:
        await message.answer(_("Nobody is waiting for a mentor right now."))
        return
    now = datetime.now(UTC)
    heading = texts.ngettext("<b>{count} student is waiting for a mentor</b>:",
                             "<b>{count} students are waiting for a mentor</b>, longest first:",
                             len(students))
    lines = [heading.format(count=len(students)), ""]
    for student, since in students[:SHOWN]:
        days = (now - since).days
        lines.append(texts.ngettext("{name} · {field} · {department} · {days} day",
                                    "{name} · {field} · {department} · {days} days",
                                    days).format(
            name=html.quote(student.first_name),
            field=html.quote(texts.field_label(student.field)),
            department=places.department(student.department).name, days=days))
    if len(students) > SHOWN:
        lines.append(_("… and {more} more.").format(more=len(students) - SHOWN))
    await message.answer("\n".join(lines))


async def refuse(message: Message) -> None:
    log.warning("user %s tried a staff command: %s",
                message.from_user.id if message.from_user else None, message.text)
    await message.answer(_("This command is for the programme staff."))


def make_router(staff_ids: Collection[int]) -> Router:
    """Staff commands for staff; everyone else gets one plain sentence."""
    router = Router(name="staff")
    is_staff = F.from_user.id.in_(staff_ids)
    router.message.register(waiting, Command("waiting"), is_staff)
    router.message.register(refuse, Command(*STAFF_COMMANDS), ~is_staff)
    return router
