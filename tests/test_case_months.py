"""Finished months of case figures kept per grid (portal.cases.monthly): the dashboards read the
same figures from them as from the cases, and every event that changes an old case keeps them
exact."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.cases import deadlines, monthly
from portal.cases.models import Case, CaseMonth, RolledMonth
from portal.dashboard.figures import build
from portal.extensions import db
from portal.tenancy.cache import request_cache
from tests.test_dashboard import MARCH, _case, _noon, county  # noqa: F401  (the fixture)


def _board(scope, since, until):
    request_cache("rolled_months").clear()
    board = build(scope, since, until, deadlines.today())
    return board.total, [(n.grid.code, n.figures) for n in board.children], board.trend


PERIODS = {
    "march": MARCH,
    "year": (date(2026, 1, 1), deadlines.today()),
    "mid-month to mid-month": (date(2026, 2, 15), date(2026, 4, 10)),
    "one day": (date(2026, 3, 4), date(2026, 3, 4)),
    "up to today": (date(2025, 12, 1), deadlines.today()),
}


@pytest.mark.parametrize("period", PERIODS)
def test_a_rolled_dashboard_shows_what_the_cases_say(county, period):  # noqa: F811
    since, until = PERIODS[period]
    for scope in (county.county, county.town_a, county.village_a1, county.grid_a1):
        counted = _board(scope, since, until)
        assert monthly.roll_months() or monthly.rolled()
        assert _board(scope, since, until) == counted, scope.name


def test_the_trend_reads_the_rolled_rows(county):  # noqa: F811
    monthly.roll_months()
    db.session.execute(db.update(CaseMonth).where(CaseMonth.month == "2026-03")
                       .values(received=CaseMonth.received + 100))
    march = _board(county.town_a, *MARCH)[2][-1]
    # the town's two grids with March cases (a1, a3): the rows, not the cases
    assert (march.month, march.received) == ("2026-03", 3 + 200)
    assert monthly.verify()  # and the check sees the tampering


def test_rolling_writes_a_row_per_grid_with_cases_and_marks_the_month(county):  # noqa: F811
    rolled = monthly.roll_months()
    assert "2026-03" in rolled and monthly.month_key(deadlines.today()) not in rolled
    rows = {(row.grid_id, row.month): row for row in db.session.scalars(select(CaseMonth))}
    a1 = rows[(county.grid_a1.id, "2026-03")]
    # the duplicate is not counted; one resolved on time with 5 stars, one late with 3
    assert (a1.received, a1.resolved, a1.on_time, a1.rated, a1.stars, a1.satisfied) == (2, 2, 1, 2, 8, 1)
    assert db.session.get(RolledMonth, "2026-03") is not None
    assert monthly.roll_months() == []  # nothing left to roll
    with pytest.raises(ValueError):
        monthly.roll(monthly.month_key(deadlines.today()))  # not over yet


def _march_case(tree, title):
    return db.session.scalar(select(Case).filter_by(title=title))


EDITS = {
    "a case dated in March is added": lambda t: _case(t, t.grid_a3, "补录", _noon(date(2026, 3, 9))),
    "a March case is merged as a duplicate": lambda t: setattr(_march_case(t, "三月红灯"), "state", "duplicate"),
    "a duplicate is no longer one": lambda t: setattr(_march_case(t, "三月重复"), "state", "received"),
    "a case resolved in March is reopened": lambda t: _reopen(_march_case(t, "三月超期")),
    "a case resolved in March is rated": lambda t: setattr(_march_case(t, "樟树三月"), "satisfaction", 1),
    "its deadline moves": lambda t: setattr(_march_case(t, "三月超期"), "resolve_due", date(2026, 3, 31)),
    "a case moves to another grid": lambda t: _move(_march_case(t, "三月按时"), t.grid_b1),
    "a case is deleted": lambda t: db.session.delete(_march_case(t, "三月按时")),
    "an open March case is resolved today": lambda t: _resolve_now(_march_case(t, "三月红灯")),
}


def _reopen(case):
    case.state, case.resolved_at, case.satisfaction = "in_progress", None, None


def _move(case, grid):
    case.grid_id, case.grid = grid.id, grid


def _resolve_now(case):
    from portal.timeutil import utcnow

    case.state, case.resolved_at = "resolved", utcnow()


@pytest.mark.parametrize("edit", EDITS)
def test_every_change_to_an_old_case_keeps_the_rolled_months_exact(county, edit):  # noqa: F811
    monthly.roll_months()
    before = {(r.grid_id, r.month, r.received, r.resolved, r.on_time, r.rated, r.stars)
              for r in db.session.scalars(select(CaseMonth))}
    db.session.query(Case).filter(Case.title.like("%")).all()  # loaded, as a page has them
    if edit == "a case is deleted":
        for event in db.session.scalars(select(Case).filter_by(title="三月按时")).one().events:
            db.session.delete(event)
    EDITS[edit](county)
    db.session.commit()
    assert monthly.verify() == []
    after = {(r.grid_id, r.month, r.received, r.resolved, r.on_time, r.rated, r.stars)
             for r in db.session.scalars(select(CaseMonth))}
    if edit == "an open March case is resolved today":
        assert after == before  # counted in this month, which is not rolled
    else:
        assert after != before


def test_a_step_of_the_loop_costs_no_query_on_the_months(county, app):  # noqa: F811
    from sqlalchemy import event

    monthly.roll_months()
    case = _march_case(county, "三月红灯")
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        case.assignee_id, case.state = county.users["grid_worker"].id, "assigned"
        db.session.flush()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert seen and not [s for s in seen if "case_months" in s or "rolled_months" in s]


def test_split_cuts_a_period_into_rolled_months_and_days(app):
    db.session.add_all(RolledMonth(month=key) for key in ("2026-01", "2026-02", "2026-03"))
    assert monthly.split(date(2026, 1, 1), date(2026, 3, 31)) == (["2026-01", "2026-02", "2026-03"], [])
    assert monthly.split(date(2026, 1, 15), date(2026, 4, 10)) == (
        ["2026-02", "2026-03"], [(date(2026, 1, 15), date(2026, 1, 31)), (date(2026, 4, 1), date(2026, 4, 10))])
    # a month not rolled joins the days around it into one range
    assert monthly.split(date(2025, 12, 1), date(2026, 1, 31)) == (
        ["2026-01"], [(date(2025, 12, 1), date(2025, 12, 31))])
    assert monthly.split(date(2026, 3, 5), date(2026, 3, 5)) == ([], [(date(2026, 3, 5), date(2026, 3, 5))])
    assert monthly.month_days("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))


def test_the_commands_roll_and_verify(county, runner):  # noqa: F811
    result = runner.invoke(args=["cases", "months", "roll"])
    assert result.exit_code == 0 and "rolled" in result.output
    assert runner.invoke(args=["cases", "months", "verify"]).exit_code == 0
    db.session.execute(db.update(CaseMonth).values(received=99))
    db.session.commit()
    result = runner.invoke(args=["cases", "months", "verify"])
    assert result.exit_code == 1 and "stored" in result.output
    result = runner.invoke(args=["cases", "months", "roll", "--month", "2026-03"])
    assert result.exit_code == 0 and "2026-03" in result.output
    result = runner.invoke(args=["cases", "months", "roll", "--month",
                                 monthly.month_key(deadlines.today())])
    assert result.exit_code != 0 and "finished month" in result.output
    assert runner.invoke(args=["cases", "months", "roll", "--month", "2026-13"]).exit_code != 0


def test_the_worker_rolls_each_night(county, app):  # noqa: F811
    from portal.worker import task

    assert "2026-03" in task("months", app).call_local()
    assert db.session.scalar(select(func.count()).select_from(RolledMonth)) > 0
    assert task("months", app).call_local() == []


def test_the_next_month_is_rolled_when_it_is_over(county, monkeypatch):  # noqa: F811
    monthly.roll_months()
    today = deadlines.today()
    this_month = monthly.month_key(today)
    assert this_month not in monthly.rolled()
    later = monthly.month_days(this_month)[1] + timedelta(days=1)
    monkeypatch.setattr(monthly, "local_today", lambda: later)
    assert this_month in monthly.roll_months()
