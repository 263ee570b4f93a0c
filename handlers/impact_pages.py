"""The impact report on paper: one A4 page (PDF, and the same page as a PNG preview) and a CSV
of every figure, drawn with matplotlib's object interface (no pyplot state, so it can run in
a worker thread). Labels come translated through ``gettext``."""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import matplotlib
from markupsafe import Markup

matplotlib.use("Agg")  # no display on a server
from matplotlib.axes import Axes
from matplotlib.figure import Figure as Page

from mentoring import catalog, places
from mentoring.impact import (
    CHANGES,
    DEFINITIONS,
    NO_SOURCE,
    REASONS,
    UNKNOWN,
    Cut,
    Figure,
    Group,
    Report,
    Unit,
)

Gettext = Callable[[str], str]
A4 = (8.27, 11.69)
PREVIEW_DPI = 110
GROUP_ROWS = 10
"""Groups shown on the page when the report is cut; the CSV has them all."""
HEADLINE = ("pairs_created", "first_meeting_share", "first_meeting_days",
            "meetings_per_pair_month", "needs_worked_share", "usefulness", "useful_share",
            "end_rating")
GROUP_COLUMNS = (("pairs_created", ""), ("first_meeting_share", ""),
                 ("first_meeting_days", ""), ("meetings_per_pair_month", ""),
                 ("usefulness", ""), ("retention", "3"))
BLUE, GREY = "#2f6fb3", "#9aa5b1"


@dataclass(frozen=True)
class Pages:
    pdf: bytes
    png: bytes
    csv: str


def render(report: Report, _: Gettext) -> Pages:
    """The page, as PDF and PNG, and the CSV of ``report``."""
    page = draw(report, _)
    pdf, png = io.BytesIO(), io.BytesIO()
    page.savefig(pdf, format="pdf", metadata={"Title": _("Impact report"),
                                              "Creator": "Binôme"})
    page.savefig(png, format="png", dpi=PREVIEW_DPI)
    return Pages(pdf.getvalue(), png.getvalue(), to_csv(report, _))


def value_text(figure: Figure, _: Gettext) -> str:
    """The figure as shown: "< 5" when hidden, "–" when there is nothing to count."""
    if figure.hidden:
        return "< 5"
    if figure.value is None:
        return "–"
    unit = figure.definition.unit
    if unit is Unit.COUNT:
        return f"{figure.value:.0f}"
    if unit is Unit.SHARE:
        return f"{100 * figure.value:.0f} %"
    if unit is Unit.SCORE:
        return f"{figure.value:.1f} / 5"
    if unit is Unit.DAYS:
        return _("{days} d").format(days=f"{figure.value:.1f}")
    return f"{figure.value:.2f}"


def label_of(key: str, detail: str, _: Gettext) -> str:
    label = _(DEFINITIONS[key].label)
    if key == "retention":
        return label.format(months=detail)
    options = {"need_worked_share": catalog.NEEDS, "ended_reason_share": REASONS,
               "change_share": CHANGES}.get(key)
    return _(catalog.option(options, detail).label) if options else label


def group_label(cut: Cut | None, code: str, _: Gettext) -> str:
    if cut is None or code == "all":
        return _("Whole programme")
    if code == UNKNOWN:
        return _("Unknown")
    try:
        if cut is Cut.REGION:
            return places.region(code).name
        if cut is Cut.FAMILY:
            return _(catalog.family(code).label)
        if cut is Cut.LEVEL:
            return _(catalog.option(catalog.LEVELS, code).label)
    except KeyError:
        return code
    return _("No deep link") if code == NO_SOURCE else code


def cut_label(cut: Cut | None, _: Gettext) -> str:
    return {None: _("whole programme"), Cut.REGION: _("by region"),
            Cut.FAMILY: _("by family of fields"), Cut.LEVEL: _("by level of study"),
            Cut.SOURCE: _("by source (deep link)")}[cut]


def period_text(start: date, end: date) -> str:
    return f"{start.isoformat()} – {end.isoformat()}"


def draw(report: Report, _: Gettext) -> Page:
    page = Page(figsize=A4)
    overall = report.overall
    page.text(0.05, 0.965, _("Binôme · Impact report"), fontsize=16, weight="bold")
    page.text(0.05, 0.945, f"{period_text(report.period.start, report.period.end)} · "
              f"{cut_label(report.cut, _)}", fontsize=9, color="#333333")
    _headline(page.add_axes((0.05, 0.66, 0.9, 0.27)), overall, _)
    _bars(page.add_axes((0.25, 0.43, 0.22, 0.19)), overall, "need_worked_share",
          [need.code for need in catalog.NEEDS], _("Needs worked on"), _)
    _bars(page.add_axes((0.75, 0.545, 0.2, 0.075)), overall, "ended_reason_share",
          [reason.code for reason in REASONS], _("Reasons for ending"), _)
    _bars(page.add_axes((0.75, 0.43, 0.2, 0.075)), overall, "change_share",
          [change.code for change in CHANGES], _("What changed (students)"), _)
    bottom = 0.40
    if report.cut is not None:
        _groups(page.add_axes((0.05, 0.215, 0.9, 0.17)), report, _)
        bottom = 0.19
    _definitions(page, bottom, _)
    return page


def _headline(axes: Axes, overall: Group, _: Gettext) -> None:
    axes.axis("off")
    rows = [[label_of(key, "", _), value_text(overall.figure(key), _),
             str(overall.figure(key).n)] for key in HEADLINE]
    rows += [[label_of("retention", str(months), _),
              value_text(overall.figure("retention", str(months)), _),
              str(overall.figure("retention", str(months)).n)] for months in (1, 3, 6)]
    table = axes.table(cellText=rows, colLabels=[_("Figure"), _("Value"), "n"],
                       colWidths=[0.62, 0.2, 0.18], loc="upper center", cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(9)
    table.scale(1, 1.35)
    for (row, _column), cell in table.get_celld().items():
        cell.set_edgecolor("#d0d5db")
        if row == 0:
            cell.set_text_props(weight="bold")
            cell.set_facecolor("#eef2f7")


def _bars(axes: Axes, overall: Group, key: str, codes: list[str], title: str,
          _: Gettext) -> None:
    figures = [overall.figure(key, code) for code in codes]
    values = [100 * (f.value or 0) for f in figures]
    places_ = list(range(len(codes)))[::-1]
    axes.barh(places_, values, color=[GREY if f.hidden else BLUE for f in figures])
    axes.set_yticks(places_, [label_of(key, code, _) for code in codes], fontsize=7)
    axes.set_xlim(0, 100)
    axes.tick_params(axis="x", labelsize=6)
    axes.set_title(title, fontsize=8, loc="left")
    for place, figure, value in zip(places_, figures, values, strict=True):
        axes.text(min(value, 70) + 2, place, f"{value_text(figure, _)} (n={figure.n})",
                  va="center", fontsize=6)
    axes.spines[["top", "right"]].set_visible(False)


def _groups(axes: Axes, report: Report, _: Gettext) -> None:
    axes.axis("off")
    shown = report.groups[:GROUP_ROWS]
    rows = [[group_label(report.cut, group.code, _)[:34], str(group.people)] +
            [value_text(group.figure(key, detail), _) for key, detail in GROUP_COLUMNS]
            for group in shown]
    heads = [_("Group"), _("People")] + [
        "\n".join(textwrap.wrap(label_of(key, detail, _), 15)) for key, detail in GROUP_COLUMNS]
    table = axes.table(cellText=rows or [["–"] * len(heads)], colLabels=heads,
                       loc="upper center", cellLoc="left",
                       colWidths=[0.24, 0.08, 0.11, 0.11, 0.11, 0.13, 0.11, 0.11])
    table.auto_set_font_size(False)
    table.set_fontsize(6.5)
    for (row, _column), cell in table.get_celld().items():
        cell.set_edgecolor("#d0d5db")
        if row == 0:
            cell.set_height(cell.get_height() * 2.8)
            cell.set_facecolor("#eef2f7")
    if len(report.groups) > GROUP_ROWS:
        axes.text(1, 1.04, _("… and {more} more groups in the CSV file.").format(
            more=len(report.groups) - GROUP_ROWS), fontsize=6.5, ha="right",
            transform=axes.transAxes)


def _definitions(page: Page, top: float, _: Gettext) -> None:
    # Catalogue sentences are Telegram HTML (hence &lt;); the page wants plain text.
    notes = [Markup(_("Definitions. Figures about fewer than 5 people are hidden (shown as "
                      "“&lt; 5”), so that no one can be recognised. A meeting is one marked "
                      "held, or a check-in answered yes; counts run to the end of the period "
                      "(or today).")).unescape()]
    for key, definition in DEFINITIONS.items():
        notes.append(f"{label_of(key, 'n', _) if key == 'retention' else _(definition.label)}"
                     f": {_(definition.defines)}")
    text = "\n".join(line for note in notes for line in textwrap.wrap(note, 180))
    page.text(0.05, top, text, fontsize=5.4, va="top", linespacing=1.35, color="#222222")


CSV_COLUMNS = ("group_by", "group", "figure", "detail", "label", "value", "unit", "n",
               "people", "hidden", "definition")


def to_csv(report: Report, _: Gettext) -> str:
    """Every figure of the whole programme and of each group, one per line. A hidden
    figure has an empty value and ``hidden`` = 1."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for group in (report.overall, *report.groups):
        by = "" if group is report.overall else (report.cut or "")
        for figure in group.figures:
            definition = figure.definition
            value = "" if figure.hidden or figure.value is None else round(figure.value, 4)
            writer.writerow([by, group.code, figure.key, figure.detail,
                             label_of(figure.key, figure.detail, _), value,
                             definition.unit.value, figure.n, figure.people,
                             int(figure.hidden), _(definition.defines)])
    return buffer.getvalue()
