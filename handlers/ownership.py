"""Every button that names a pair, proposal, report or broadcast is checked by the use case
it calls, which raises :class:`Stale` when the object is not the presser's or no longer
current. This turns that into one answer on the button, whichever handler it came from."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _

from handlers.common import stale
from mentoring.errors import Stale, StaleReason


def refusal(reason: StaleReason) -> str | None:
    """The sentence for a button of one's own that has run its course; None for the
    common answer, which is also all a forged or unknown id ever gets."""
    return {
        StaleReason.EXPIRED: _("This proposal has expired: we asked another volunteer."),
        StaleReason.ALREADY_ANSWERED: _("You have already answered this proposal."),
        StaleReason.ENDED: _("This pair has already ended."),
        StaleReason.CLOSED: _("This report was already closed."),
        StaleReason.FINISHED: _("This broadcast has already finished or been cancelled."),
        StaleReason.ATTACHED: _("These messages have already been sent to the staff."),
        StaleReason.CANCELLED: _("This meeting was cancelled, moved or has already begun."),
    }.get(reason)


async def stale_pressed(event: ErrorEvent) -> bool:
    assert isinstance(event.exception, Stale)
    callback = event.update.callback_query
    message = event.update.message
    text = refusal(event.exception.reason)
    if callback is not None:
        if text is None:
            await stale(callback)
        else:
            await callback.answer(text, show_alert=True)
    elif message is not None:
        await message.answer(text or _("This button is no longer active."))
    return True


def register(router: Router) -> None:
    """Put the answer on ``router``'s errors, ahead of its catch-all."""
    router.errors.register(stale_pressed, ExceptionTypeFilter(Stale))
