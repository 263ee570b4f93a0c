"""The outbox renderings of what the meetings queue: a proposal or a move for the partner to
answer, a confirmation or a cancellation with its calendar file, and the reminders.

Each is rendered only if the meeting is still as it was when queued (same status, same
SEQUENCE): a reminder queued before a move, or a proposal answered meanwhile, is skipped.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot

from bot.i18n import CatalogueI18n
from bot.outbox import Rendered
from handlers.markup import send_document
from handlers.meeting_texts import (
    answer_buttons,
    cancelled_text,
    change_buttons,
    confirmed_text,
    ended_text,
    meeting_file,
    proposal_text,
    reminder_text,
)
from mentoring.meeting_service import MeetingService
from mentoring.meetings import Status, still_current

KINDS = frozenset({"meeting_proposed", "meeting_moved", "meeting_confirmed",
                   "meeting_cancelled", "meeting_ended", "meeting_reminder"})

_EXPECTED = {"meeting_proposed": Status.PROPOSED, "meeting_moved": Status.PROPOSED,
             "meeting_confirmed": Status.CONFIRMED, "meeting_cancelled": Status.CANCELLED,
             "meeting_ended": Status.CANCELLED}


class MeetingTexts:
    def __init__(self, meetings: MeetingService, i18n: CatalogueI18n) -> None:
        self._meetings = meetings
        self._i18n = i18n

    async def render(self, kind: str, params: dict[str, Any], recipient: int,
                     language: str) -> Rendered | None:
        view = await self._meetings.view(int(params["meeting_id"]), recipient,
                                         reminder=kind == "meeting_reminder",
                                         ended=kind == "meeting_ended")
        if view is None:
            return None
        meeting, partner, me = view
        sequence = int(params.get("sequence", 0))
        if kind == "meeting_reminder":
            if not still_current(meeting, sequence):
                return None  # moved or cancelled after the reminder was queued
        elif meeting.status is not _EXPECTED[kind] or meeting.sequence != sequence:
            return None
        home = self._meetings.home
        with self._i18n.context(), self._i18n.use_locale(language):
            if kind in ("meeting_proposed", "meeting_moved"):
                return Rendered(proposal_text(meeting, partner, moved=kind == "meeting_moved"),
                                answer_buttons(meeting, me.zone))
            if kind == "meeting_reminder":
                return Rendered(reminder_text(meeting, partner, me.zone, home,
                                              str(params.get("stage"))),
                                change_buttons(meeting))
            if kind == "meeting_ended":
                text = ended_text(meeting, partner, me.zone, home)
                document = meeting_file(meeting, partner, me.zone, cancel=True)
                markup = None
            elif kind == "meeting_cancelled":
                text = cancelled_text(meeting, partner, me.zone, home, by_partner=True)
                if not meeting.ever_agreed:
                    return Rendered(text)
                document = meeting_file(meeting, partner, me.zone, cancel=True)
                markup = None
            else:
                text = confirmed_text(meeting, partner, me.zone, home)
                document = meeting_file(meeting, partner, me.zone)
                markup = change_buttons(meeting)

        async def deliver(bot: Bot) -> int:
            sent = await send_document(bot, recipient, document, text, markup)
            return sent.message_id

        return Rendered(text, deliver=deliver)
