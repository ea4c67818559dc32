"""The monthly screening (a report or a zero report per grid and month, late after the town's
day) and the statistics and 台账, checked against a month counted by hand."""
from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from plugins.disputes import services, stats
from plugins.disputes.services import PartyInput
from portal.errors import DomainError
from portal.extensions import db
from portal.modules.services import set_module
from portal.timeutil import local_today


@pytest.fixture
def on(app, tree):
    set_module(tree.town_a, "disputes", True)
    db.session.commit()
    return tree


def register(tree, grid, found_on, **kw):
    fields = dict(kind="neighbour", title="纠纷", description="情况", found_on=found_on,
                  parties=[PartyInput(name="甲方", side="a"), PartyInput(name="乙方", side="b")],
                  actor=tree.users["grid_worker"])
    fields.update(kw)
    return services.register(grid, **fields)


def signed(dispute):
    return {p.id for p in dispute.parties}


# ---------------------------------------------------------------- screening


def test_a_zero_report_only_when_nothing_was_found_and_once_a_month(on):
    worker = on.users["grid_worker"]
    month = local_today().replace(day=1)
    report = services.report_screening(on.grid_a2, month, worker, zero=True)
    assert report.found == 0
    with pytest.raises(DomainError) as refused:
        services.report_screening(on.grid_a2, month, worker, zero=True)
    assert refused.value.field == "month"
    register(on, on.grid_a1, local_today())
    with pytest.raises(DomainError) as refused:
        services.report_screening(on.grid_a1, month, worker, zero=True)
    assert refused.value.field == "zero"
    with pytest.raises(DomainError):
        services.report_screening(on.grid_a3, month, worker, zero=False)  # nothing registered
    assert services.report_screening(on.grid_a1, month, worker, zero=False).found == 1
    with pytest.raises(DomainError) as refused:
        services.report_screening(on.grid_a3, month + timedelta(days=40), worker, zero=True)
    assert refused.value.field == "month"


def test_a_report_after_the_towns_day_is_late_and_an_unreported_grid_overdue(on):
    worker = on.users["grid_worker"]
    last_month = (local_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    report = services.report_screening(on.grid_a1, last_month, worker, zero=True)
    assert report.late  # last month's day has passed
    board = {row.grid.id: row for row in services.screening_board(on.village_a1, last_month)}
    assert set(board) == {on.grid_a1.id, on.grid_a2.id, on.special_a.id}
    assert board[on.grid_a1.id].report is report and not board[on.grid_a1.id].overdue
    assert board[on.grid_a2.id].report is None and board[on.grid_a2.id].overdue


def test_the_screening_day_is_the_towns(on):
    rules = services.rules(on.town_a)
    rules["screening_day"] = 1
    services.set_rules(on.town_a, rules)
    month = local_today().replace(day=1)
    rows = services.screening_board(on.village_a1, month)
    assert {row.due for row in rows} == {month}
    assert all(row.overdue == (local_today() > month) for row in rows)
    rules["screening_day"] = 31
    with pytest.raises(DomainError) as refused:
        services.set_rules(on.town_a, rules)
    assert refused.value.field == "screening_day"


# ---------------------------------------------------------------- figures, counted by hand


@pytest.fixture
def month_of_work(on):
    """This month in town A, by hand:
    grid A1: a (green) agreed at the grid; b (land: yellow) up to the village, then terminated;
             c (red: reported at once); e found last month, agreed at the village this month;
    grid A3 (village A2): d (family, green), open;
    screening: A1 reported 3 found, A2 a zero report; the special grid and A3 not reported."""
    worker, village = on.users["grid_worker"], on.users["village_admin"]
    today = local_today()
    a = register(on, on.grid_a1, today)
    services.agree(a, worker, terms="和解", mediator="网格员", signed_on=today,
                   signed_party_ids=signed(a))
    b = register(on, on.grid_a1, today, kind="land")
    services.take(b, "to_village", worker, note="不成")
    services.take(b, "terminate", village, note="引导诉讼")
    register(on, on.grid_a1, today, kind="contract", criminal_risk=True)
    register(on, on.grid_a3, today, kind="family")
    e = register(on, on.grid_a1, today.replace(day=1) - timedelta(days=3))
    services.take(e, "to_village", worker, note="不成")
    services.agree(e, village, terms="赔偿", mediator="村调委会", signed_on=today,
                   signed_party_ids=signed(e))
    month = today.replace(day=1)
    services.report_screening(on.grid_a1, month, worker, zero=False)
    services.report_screening(on.grid_a2, month, worker, zero=True)
    db.session.commit()
    return on


def test_the_towns_month_equals_the_hand_count(month_of_work):
    tree = month_of_work
    total, children = stats.figures(tree.town_a, local_today())
    assert (total.found, total.mediated, total.terminated, total.escalated) == (4, 2, 1, 2)
    assert total.success_rate == pytest.approx(2 / 3)
    assert dict(total.kinds) == {"neighbour": 1, "land": 1, "contract": 1, "family": 1}
    assert dict(total.risks) == {"green": 2, "yellow": 1, "red": 1}
    assert dict(total.levels) == {"grid": 1, "village": 1}
    assert (total.grids, total.reported, total.zero_reports, total.unreported) == (4, 2, 1, 2)
    by = {r.name: r for r in children}
    assert set(by) == {"城西社区", "凤南村"}
    west, south = by["城西社区"], by["凤南村"]
    assert (west.found, west.mediated, west.terminated, west.escalated) == (3, 2, 1, 2)
    assert (west.grids, west.reported, west.zero_reports) == (3, 2, 1)
    assert (south.found, south.mediated, south.grids, south.reported) == (1, 0, 1, 0)
    assert south.success_rate is None
    # last month: e alone was found, nothing ended
    before, _children = stats.figures(tree.town_a, local_today().replace(day=1) - timedelta(days=1))
    assert (before.found, before.mediated, before.terminated) == (1, 0, 0)


def test_the_figures_of_a_grid_and_of_another_town(month_of_work):
    tree = month_of_work
    grid, children = stats.figures(tree.grid_a1, local_today())
    assert (grid.found, grid.mediated, grid.grids, children) == (3, 2, 1, [])
    set_module(tree.town_b, "disputes", True)
    other, _ = stats.figures(tree.town_b, local_today())
    assert (other.found, other.mediated, other.grids) == (0, 0, 1)


def test_the_ledger_lists_the_month_and_its_figures_as_text(client, month_of_work):
    tree = month_of_work
    dispute = register(tree, tree.grid_a3, local_today(),
                       parties=[PartyInput(name="=HYPERLINK(\"x\")", side="a"),
                                PartyInput(name="乙方", side="b")])
    db.session.commit()
    client.login("town_admin")
    answer = client.get(f"/disputes/ledger.xlsx?month={local_today():%Y-%m}")
    assert answer.status_code == 200
    book = load_workbook(BytesIO(answer.data))
    sheet = book["纠纷台账"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:6] == ("序号", "编号", "发现日期", "所属网格", "纠纷类型", "当事人")
    assert len(rows) == 2 + 5  # title, header, the month's five disputes
    numbers = [r[1] for r in rows[2:]]
    assert dispute.number in numbers
    cell = next(c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"  # text, never a formula
    summary = list(book["月度统计"].iter_rows(values_only=True))
    assert summary[-1][0] == "文星镇" and summary[-1][5] == 5 and summary[-1][6] == 2
