"""月度工作报告: a node's month (or any period) on paper — cases received, resolved, still open
at the period's end, on time and satisfaction, by category and by child; visits; the modules'
own dashboard cards; two bar charts drawn here as inline SVG (no script, no library, so the
PDF and the browser print the same thing).

The case figures are the statistics page's (portal.cases.stats.figures) and the overdue visits
the dashboard's (portal.people.visit_due.due_counts): a printed report never disagrees with the
screen it is checked against."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import func, or_, select

from portal.cases.models import Case
from portal.cases.stats import Figures, figures
from portal.cases.workflow import OPEN_STATES
from portal.documents import A4, DocumentType, Period
from portal.documents.letters import issuer_of
from portal.extensions import db
from portal.grids.models import COUNTY, GRID, SEGMENT_WIDTH, SPECIAL, TOWN, VILLAGE, Grid
from portal.people.models import Visit
from portal.people.visit_due import due_counts
from portal.tenancy import in_subtree
from portal.timeutil import local_today, sql_local_date, utc_bounds, utc_start_of

#: A per-day chart up to a month and a bit; a longer period is charted by category instead.
DAILY_CHART_DAYS = 31
#: The SVG's user units across the page: about 0.25 mm each on A4's 174 mm of text, so a font
#: size of 13 prints at about 9 pt.
CHART_WIDTH = 700
CHART_FONT = "WenQuanYi Micro Hei, Noto Sans CJK SC, Source Han Sans SC, sans-serif"


# ---------------------------------------------------------------- figures


@dataclass
class ChildRow:
    """One child of the node (a village of a town, a grid of a village): its line of the table."""

    grid: Grid
    cases: Figures
    visits: int = 0
    households_visited: int = 0
    overdue: int = 0


@dataclass
class Visits:
    made: int = 0
    households: int = 0
    overdue: int = 0


def open_at_end(node: Grid, until: date) -> int:
    """Cases under ``node`` received by the end of ``until`` and not yet resolved then: open now,
    or resolved after that day. (A case resolved before and reopened since counts as open: a
    reopening clears the day it was resolved, and the report reads the cases, not their
    timelines.) Merged duplicates count nowhere, as in the statistics."""
    end = utc_start_of(until + timedelta(days=1))
    return db.session.scalar(
        select(func.count()).select_from(Case).join(Grid, Grid.id == Case.grid_id)
        .where(in_subtree(Grid.code, node), Case.state != "duplicate", Case.created_at < end,
               or_(Case.state.in_(OPEN_STATES), Case.resolved_at >= end))) or 0


def received_per_day(node: Grid, period: Period) -> dict[date, int]:
    """Every day of the period → the cases received under ``node`` that local day."""
    start, end = utc_bounds(period.since, period.until)
    day = sql_local_date(Case.created_at)
    counts = {period.since + timedelta(days=n): 0
              for n in range((period.until - period.since).days + 1)}
    for value, count in db.session.execute(
            select(day, func.count()).join(Grid, Grid.id == Case.grid_id)
            .where(in_subtree(Grid.code, node), Case.state != "duplicate",
                   Case.created_at >= start, Case.created_at < end).group_by(day)):
        # SQLite gives the day as text, PostgreSQL as a date
        key = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        if key in counts:
            counts[key] += count
    return counts


def _child_prefix(node: Grid):
    """SQL: the code of the child of ``node`` a grid lies under (the node's own code for a
    record hanging on the node itself), as portal.cases.stats groups its figures."""
    return func.substr(Grid.code, 1, len(node.code) + SEGMENT_WIDTH)


def visits_made(node: Grid, period: Period) -> tuple[Visits, dict[str, Visits]]:
    """Visits made in the period under ``node`` (the grid the household was in that day), and
    the households they reached: in all, and per child's code."""
    prefix = _child_prefix(node)
    where = (in_subtree(Grid.code, node), Visit.visited_on >= period.since,
             Visit.visited_on <= period.until)
    made, households = db.session.execute(
        select(func.count(), func.count(func.distinct(Visit.household_id)))
        .join(Grid, Grid.id == Visit.grid_id).where(*where)).one()
    per_child = {code: Visits(count, reached) for code, count, reached in db.session.execute(
        select(prefix, func.count(), func.count(func.distinct(Visit.household_id)))
        .join(Grid, Grid.id == Visit.grid_id).where(*where).group_by(prefix))}
    return Visits(made or 0, households or 0), per_child


def overdue_now(node: Grid, today: date) -> dict[str, int]:
    """Households overdue for a visit today, per child's code (the dashboard's count)."""
    late = {grid_id: overdue for grid_id, (overdue, _soon) in due_counts(node, today).items()
            if overdue}
    per_child: dict[str, int] = {}
    if late:
        for grid_id, code in db.session.execute(
                select(Grid.id, _child_prefix(node)).where(Grid.id.in_(late))):
            per_child[code] = per_child.get(code, 0) + late[grid_id]
    return per_child


# ---------------------------------------------------------------- charts


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    # escape() on every text put in: a grid's name is what a user typed
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}" '
            f'font-family="{CHART_FONT}">')
    return Markup(head + f"<title>{escape(label)}</title>" + "".join(body) + "</svg>")


def _short(text: str, most: int) -> str:
    return text if len(text) <= most else text[:most - 1] + "…"


def bar_chart(bars: Sequence[tuple[str, int]], label: str, *, width: int = CHART_WIDTH) -> Markup:
    """Horizontal bars, one per named item (a child, a category): its name on the left, its
    value at the bar's end — names of any length stay readable, and every bar says its number."""
    font, row, bar = 13, 24, 16
    names = [_short(str(name), 14) for name, _value in bars]
    # a CJK character is about one font size wide; room for the longest name, within reason
    name_width = min(max((len(n) for n in names), default=2) * font + 12, width // 3)
    top = max((value for _name, value in bars), default=0) or 1
    room = width - name_width - 8 - 6 * font  # the widest value stays inside the picture
    body = [f'<line x1="{name_width}" y1="0" x2="{name_width}" y2="{row * len(bars) + 4}" '
            'stroke="#444" stroke-width="1"/>']
    for index, (name, (_full, value)) in enumerate(zip(names, bars, strict=True)):
        y = 4 + index * row
        length = round(room * value / top)
        body.append(f'<text x="{name_width - 6}" y="{y + bar - 3}" font-size="{font}" '
                    f'text-anchor="end" fill="#111">{escape(name)}</text>')
        if length:
            body.append(f'<rect x="{name_width}" y="{y}" width="{length}" height="{bar}" '
                        'fill="#5b7fa6" stroke="#2c4a6b" stroke-width="0.8"/>')
        body.append(f'<text x="{name_width + length + 5}" y="{y + bar - 3}" font-size="{font}" '
                    f'fill="#111">{value}</text>')
    return _svg(width, row * len(bars) + 8, label, body)


def column_chart(columns: Sequence[tuple[str, int]], label: str, *, width: int = CHART_WIDTH,
                 height: int = 190) -> Markup:
    """Vertical bars over short labels (the days of a month): each labelled under it, its value
    over it; a column of zero draws no bar and no number, only its label."""
    font, value_font, left = 12, 11, 4
    slot = (width - left) / max(len(columns), 1)
    bar = max(min(slot * 0.7, 40), 2)
    base, top_margin = height - font - 8, value_font + 6
    top = max((value for _name, value in columns), default=0) or 1
    body = [f'<line x1="{left}" y1="{base}" x2="{width}" y2="{base}" stroke="#444" '
            'stroke-width="1"/>']
    for index, (name, value) in enumerate(columns):
        middle = left + slot * index + slot / 2
        tall = (base - top_margin) * value / top
        if value:
            body.append(f'<rect x="{middle - bar / 2:.1f}" y="{base - tall:.1f}" '
                        f'width="{bar:.1f}" height="{tall:.1f}" fill="#5b7fa6" stroke="#2c4a6b" '
                        'stroke-width="0.8"/>')
            body.append(f'<text x="{middle:.1f}" y="{base - tall - 3:.1f}" '
                        f'font-size="{value_font}" text-anchor="middle" fill="#111">{value}</text>')
        body.append(f'<text x="{middle:.1f}" y="{height - 4}" font-size="{font}" '
                    f'text-anchor="middle" fill="#333">{escape(name)}</text>')
    return _svg(width, height, label, body)


# ---------------------------------------------------------------- the document


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def stars(average: float | None) -> str:
    return "—" if average is None else f"{average:.2f}"


def _cards(node: Grid) -> list:
    """The dashboard cards of the modules on for ``node``, as the dashboard shows them to the
    user; none outside a request (a card is made for a user)."""
    from flask import has_request_context
    from flask_login import current_user

    if not has_request_context() or not current_user.is_authenticated:
        return []
    from portal.plugins import host

    return host().collect(node, "dashboard_cards", scope=node, user=current_user)


def report_context(node: Grid, period: Period | None) -> dict:
    from portal.cases.forms import CATEGORY_LABELS

    period = period or Period.month_of(local_today())
    today = local_today()
    counted = figures(node, period.since, period.until)
    total_visits, visits_by_child = visits_made(node, period)
    overdue = overdue_now(node, today)
    total_visits.overdue = sum(overdue.values())
    children = []
    for child in sorted(node.children, key=lambda g: g.code):
        if child.active:
            visits = visits_by_child.get(child.code, Visits())
            children.append(ChildRow(child, counted.by_child.get(child.code) or Figures(),
                                     visits.made, visits.households, overdue.get(child.code, 0)))
    categories = sorted(((code, f) for code, f in counted.by_category.items()
                         if f.received or f.resolved), key=lambda item: (-item[1].received,
                                                                         item[0]))
    category_label = {code: str(CATEGORY_LABELS.get(code, code)) for code, _f in categories}
    days = (period.until - period.since).days + 1
    if days <= DAILY_CHART_DAYS:
        per_day = received_per_day(node, period)
        second_title = _("每日受理事件数")
        second_chart = column_chart([(str(d.day), n) for d, n in per_day.items()], second_title)
    else:
        second_title = _("各类别受理事件数")
        second_chart = bar_chart([(category_label[code], f.received) for code, f in categories],
                                 second_title)
    children_title = _("各下级受理事件数")
    return {
        "node": node, "issuer": issuer_of(node), "cases": counted.total,
        "still_open": open_at_end(node, period.until),
        "categories": categories, "category_label": category_label,
        "children": children, "visits": total_visits, "today": today,
        "cards": _cards(node), "percent": percent, "stars": stars,
        "children_title": children_title,
        "children_chart": bar_chart([(row.grid.name, row.cases.received) for row in children],
                                    children_title) if children else None,
        "second_title": second_title,
        "second_chart": second_chart if counted.total.received else None,
    }


def report_title(node: Grid, period: Period | None) -> str:
    if period is None:  # the kind always has one (period=True); kept for the type's signature
        return _("%(node)s 月度工作报告", node=node.name)
    return _("%(node)s %(period)s 月度工作报告", node=node.name, period=period.label)


TYPES = (
    DocumentType(
        "monthly_report", _l("月度工作报告"), Grid, "dashboard.view",
        "documents/monthly_report.html", report_context, report_title, size=A4, period=True,
        levels=(TOWN, VILLAGE, GRID, SPECIAL, COUNTY),
        description=_l("本期事件受理、办结、在办、按时办结率和满意度，按类别和下级统计；走访情况；"
                       "各模块情况；附柱状图。")),
)
