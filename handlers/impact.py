"""/impact for staff: the one-page impact report as a PNG preview, the PDF and the CSV of the
figures, with buttons to cut it by region, family of fields, level or source."""

from __future__ import annotations

import asyncio
from datetime import date

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.impact_pages import cut_label, period_text, render, value_text
from handlers.markup import answer, answer_document, answer_photo, t
from handlers.staff import IsStaff, refuse
from mentoring.errors import Stale
from mentoring.impact import Cut, ImpactReports, Period, RequestError, parse_request

WHOLE = "all"


class ImpactCut(CallbackData, prefix="impact"):
    """A cut of the report of one period (dates as YYYYMMDD: the data stays short)."""

    cut: str  # region | family | level | source | all
    start: str
    end: str


def report_filename(period: Period, cut: Cut | None, extension: str) -> str:
    """The name of the report's files, the same in the chat and from ``binome report``."""
    return (f"binome-impact-{period.start.isoformat()}-{period.end.isoformat()}"
            f"{'-' + cut.value if cut else ''}.{extension}")


async def impact(message: Message, command: CommandObject, impact: ImpactReports) -> None:
    """/impact [FROM TO] [region|family|level|source]."""
    try:
        period, cut = parse_request(command.args or "", impact.today(), impact.zone)
    except RequestError:
        await answer(message, t("Write /impact for the last twelve months, or /impact FROM TO "
                                "with dates like 2026-01-31, optionally followed by region, "
                                "family, level or source."))
        return
    await send_report(message, impact, period, cut)


async def impact_cut(callback: CallbackQuery, callback_data: ImpactCut,
                     impact: ImpactReports) -> None:
    """A cut button: the same period's report, cut as asked. Data that no button of ours
    carries (forged) is refused as stale."""
    try:
        cut = None if callback_data.cut == WHOLE else Cut(callback_data.cut)
        start = date(int(callback_data.start[:4]), int(callback_data.start[4:6]),
                     int(callback_data.start[6:]))
        end = date(int(callback_data.end[:4]), int(callback_data.end[4:6]),
                   int(callback_data.end[6:]))
    except ValueError as error:
        raise Stale() from error
    if end < start or not isinstance(callback.message, Message):
        raise Stale()
    await callback.answer()
    await send_report(callback.message, impact, Period(start, end, impact.zone), cut)


async def send_report(message: Message, impact: ImpactReports, period: Period,
                      cut: Cut | None) -> None:
    report = await impact.report(period, cut)
    # Drawing takes a moment: a worker thread keeps the bot answering others meanwhile.
    pages = await asyncio.to_thread(render, report, _)
    pairs = report.overall.figure("pairs_created")
    await answer_photo(message, BufferedInputFile(
        pages.png, filename=report_filename(period, cut, "png")),
        caption=t("<b>Impact report</b>, {period}, {cut}: {pairs} pairs created. The PDF and "
                  "the figures as CSV follow.").format(
            period=period_text(period.start, period.end), cut=cut_label(cut, _),
            pairs=value_text(pairs, _)))
    await answer_document(message, BufferedInputFile(
        pages.pdf, filename=report_filename(period, cut, "pdf")),
        caption=t("The report on one page, with the definition and n of every figure."))
    await answer_document(message, BufferedInputFile(
        pages.csv.encode("utf-8-sig"), filename=report_filename(period, cut, "csv")),
        caption=t("Every figure, one per line. Figures about fewer than 5 people are hidden."))
    await answer(message, t("Cut these figures by:"), reply_markup=cut_buttons(period, cut))


def cut_buttons(period: Period, shown: Cut | None) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    start, end = period.start.strftime("%Y%m%d"), period.end.strftime("%Y%m%d")
    for cut, label in ((Cut.REGION, _("Region")), (Cut.FAMILY, _("Family of fields")),
                       (Cut.LEVEL, _("Level")), (Cut.SOURCE, _("Source")),
                       (None, _("Whole programme"))):
        if cut != shown:
            kb.button(text=label, callback_data=ImpactCut(cut=cut or WHOLE, start=start,
                                                          end=end))
    kb.adjust(2)
    return kb.as_markup()


def make_router() -> Router:
    """/impact and its buttons for staff; anyone else gets the staff refusal."""
    router = Router(name="impact")
    router.message.register(impact, Command("impact"), IsStaff())
    router.callback_query.register(impact_cut, ImpactCut.filter(), IsStaff())
    router.message.register(refuse, Command("impact"), ~IsStaff())
    router.callback_query.register(refuse, ImpactCut.filter(), ~IsStaff())
    return router
