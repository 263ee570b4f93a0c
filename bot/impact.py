"""``binome report impact``: the impact report written to files, as /impact sends it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.i18n import make_i18n
from handlers.impact import report_filename
from handlers.impact_pages import Pages, render
from mentoring.impact import Cut, ImpactReports, Period
from mentoring.signup import now_utc
from storage.database import make_engine, make_sessionmaker
from storage.impact import SqlImpact
from storage.migrate import upgrade_async


async def write_report(settings: Settings, start: date, end: date, cut: Cut | None,
                       out: Path | None, language: str | None = None) -> list[Path]:
    """Write the PDF (to ``out``, or under its usual name in the current directory), and
    beside it the PNG preview and the CSV; returns the files written."""
    await upgrade_async(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        zone = ZoneInfo(settings.timezone)
        period = Period(start, end, zone)
        reports = ImpactReports(SqlImpact(make_sessionmaker(engine)), now_utc, zone)
        report = await reports.report(period, cut)
    finally:
        await engine.dispose()
    i18n = make_i18n(settings.default_language)
    with i18n.context(), i18n.use_locale(language or settings.default_language):
        pages = render(report, i18n.gettext)
    return save(pages, out or Path(report_filename(period, cut, "pdf")))


def save(pages: Pages, pdf: Path) -> list[Path]:
    pdf.parent.mkdir(parents=True, exist_ok=True)
    png, table = pdf.with_suffix(".png"), pdf.with_suffix(".csv")
    pdf.write_bytes(pages.pdf)
    png.write_bytes(pages.png)
    table.write_bytes(pages.csv.encode("utf-8-sig"))
    return [pdf, png, table]
