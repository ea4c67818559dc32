"""The assessment's rules and pages: weights adding to 100, appeals once and their decisions,
publishing blocked by open appeals and frozen after, bands and the subsidy sheet (.xlsx), the
five-small rewards once per case, and who sees what."""
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from plugins.grid_work.assessment import rewards, scoring, services
from plugins.grid_work.assessment.models import (GridWorkAppeal, GridWorkEntry, GridWorkReward,
                                                 GridWorkScheme, GridWorkScore)
from plugins.grid_work.assessment.testing import reported_and_closed
from plugins.grid_work.patrols.models import GridWorkPatrol
from portal.audit.models import AuditEntry
from portal.errors import DomainError
from portal.extensions import db
from portal.modules.services import set_module
from portal.notifications.models import Notification
from portal.timeutil import local_today


@pytest.fixture
def draft(app, tree):
    """Town A's scheme for the first quarter of last year, a draft."""
    set_module(tree.town_a, "grid_work", True)
    scheme = services.create_scheme(tree.town_a, year=local_today().year - 1, quarter=1,
                                    actor=tree.users["town_admin"])
    db.session.commit()
    return scheme


def items_of(scheme):
    return {i.measure or i.kind: i for i in scheme.items}


def values_of(scheme, **weights):
    values = {i.id: {"label": i.label, "weight": i.weight, "cap": i.cap, "target": i.target}
              for i in scheme.items}
    for key, weight in weights.items():
        item = items_of(scheme)[key]
        values[item.id]["cap" if item.kind != "measured" else "weight"] = weight
    return values


def test_a_new_scheme_starts_from_defaults_adding_to_100(draft):
    items = items_of(draft)
    assert [i.weight for i in draft.items if i.kind == "measured"] == [25, 20, 15, 10, 10, 10, 5, 0]
    assert items["positive"].cap == 5 and items["negative"].cap == 20
    assert items["cases_reported"].target == 10
    assert [b["min"] for b in scoring.bands_of(draft)] == [90, 80, 70, 0]
    assert scoring.period(draft) == (date(draft.year, 1, 1), date(draft.year, 3, 31))
    year = services.create_scheme(draft.town, year=draft.year, quarter=None)
    assert items_of(year)["cases_reported"].target == 40
    assert scoring.period(year) == (date(draft.year, 1, 1), date(draft.year, 12, 31))
    with pytest.raises(DomainError):
        services.create_scheme(draft.town, year=draft.year, quarter=1)


def test_weights_that_do_not_add_to_100_are_refused_beside_the_weights(draft, client):
    with pytest.raises(DomainError) as refused:
        services.save_items(draft, values_of(draft, visits_on_time=30))
    assert refused.value.field == "weights" and "105" in str(refused.value)
    services.save_items(draft, values_of(draft, visits_on_time=20, positive=10))
    assert items_of(draft)["positive"].cap == 10
    client.login("town_admin")
    form = {}
    for item in draft.items:
        form[f"label-{item.id}"] = item.label
        if item.kind == "measured":
            form[f"weight-{item.id}"] = str(item.weight + (5 if item.measure == "training" else 0))
            if item.target:
                form[f"target-{item.id}"] = str(item.target)
        else:
            form[f"cap-{item.id}"] = str(item.cap)
    response = client.post(f"/work/assessment/{draft.id}/items", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "现为105分" in page and page.index("现为105分") < page.index("<table")


def test_bands_give_the_subsidy(draft):
    services.save_bands(draft, [(60, 500), (85, 1400)])
    bands = scoring.bands_of(draft)
    assert [b["min"] for b in bands] == [85, 60]
    assert scoring.subsidy_for(850, bands) == (1400, bands[0])
    assert scoring.subsidy_for(849, bands) == (500, bands[1])
    assert scoring.subsidy_for(599, bands) == (0, None)
    with pytest.raises(DomainError):
        services.save_bands(draft, [(60, 500), (60, 700)])


def test_an_item_is_appealed_once_and_an_upheld_appeal_corrects_its_points(draft, tree):
    worker, admin = tree.users["grid_worker"], tree.users["town_admin"]
    patrol = items_of(draft)["patrol_days"]
    appeal = services.lodge_appeal(patrol, worker, "漏记了巡查")
    db.session.commit()
    with pytest.raises(DomainError):
        services.lodge_appeal(patrol, worker, "再申诉一次")
    db.session.rollback()
    assert db.session.scalar(select(func.count(GridWorkAppeal.id))) == 1
    with pytest.raises(DomainError):
        services.decide_appeal(appeal, upheld=True, corrected=21, actor=admin)  # over the weight
    services.decide_appeal(appeal, upheld=True, corrected=15, note="核实", actor=admin)
    db.session.commit()
    row = next(r for r in scoring.live_rows(draft) if r.worker_id == worker.id)
    score = row.item(patrol.id)
    assert score.corrected and score.points == 150 and score.measured == 0
    told = db.session.scalar(select(Notification).filter_by(event="grid_work_appeal_decided"))
    assert told is not None and told.user_id == worker.id


def test_a_rejected_appeal_needs_a_note_and_a_recorded_one_withdraws_the_entry(draft, tree):
    worker, admin = tree.users["grid_worker"], tree.users["town_admin"]
    items = items_of(draft)
    day = date(draft.year, 2, 1)
    entry = services.add_entry(items["negative"], worker, points=10, reason="瞒报",
                               happened_on=day, actor=admin)
    meetings = services.lodge_appeal(items["meetings"], worker, "请过假")
    recorded = services.lodge_appeal(items["negative"], worker, "没有瞒报")
    with pytest.raises(DomainError):
        services.decide_appeal(meetings, upheld=False, note="", actor=admin)
    services.decide_appeal(meetings, upheld=False, note="没有请假记录", actor=admin)
    with pytest.raises(DomainError):
        services.decide_appeal(recorded, upheld=True, actor=admin)  # which entry?
    services.decide_appeal(recorded, upheld=True, entry=entry, actor=admin)
    db.session.commit()
    assert entry.withdrawn_at is not None and meetings.state == "rejected"
    row = next(r for r in scoring.live_rows(draft) if r.worker_id == worker.id)
    assert row.item(items["negative"].id).points == 0


def test_open_appeals_block_publishing_and_a_published_scheme_is_frozen(draft, tree, client):
    worker, admin = tree.users["grid_worker"], tree.users["town_admin"]
    items = items_of(draft)
    appeal = services.lodge_appeal(items["patrol_days"], worker, "漏记")
    db.session.commit()
    client.login("town_admin")
    response = client.post(f"/work/assessment/{draft.id}/publish", follow_redirects=True)
    assert "还有1条申诉未处理" in response.get_data(as_text=True)
    assert draft.state == "draft"
    services.decide_appeal(appeal, upheld=False, note="以系统为准", actor=admin)
    db.session.commit()
    before = next(r for r in scoring.live_rows(draft) if r.worker_id == worker.id)
    response = client.post(f"/work/assessment/{draft.id}/publish")
    assert response.status_code == 303
    db.session.refresh(draft)
    assert draft.state == "published"
    score = db.session.scalar(select(GridWorkScore).filter_by(worker_id=worker.id))
    assert score.total_tenths == before.total and score.subsidy == 600
    assert {i["item_id"] for i in json.loads(score.breakdown)} == {i.id for i in draft.items}
    assert db.session.scalar(select(func.count(Notification.id)).filter_by(
        event="grid_work_score_published")) == 1
    # later data changes nothing; nothing of the scheme can change any more
    db.session.add(GridWorkPatrol(worker_id=worker.id, grid_id=tree.grid_a1.id,
                                  day=date(draft.year, 2, 2), started_at=draft.created_at))
    db.session.commit()
    after = next(r for r in scoring.rows_of(draft) if r.worker_id == worker.id)
    assert after.total == before.total
    assert after.item(items["patrol_days"].id).done == before.item(items["patrol_days"].id).done
    for refused in (lambda: services.add_entry(items["positive"], worker, points=1, reason="x",
                                               happened_on=date(draft.year, 2, 1)),
                    lambda: services.lodge_appeal(items["meetings"], worker, "x"),
                    lambda: services.save_items(draft, values_of(draft)),
                    lambda: services.save_bands(draft, [(0, 1)]),
                    lambda: services.publish(draft)):
        with pytest.raises(DomainError, match="已发布"):
            refused()
    db.session.rollback()


def test_the_subsidy_sheet(draft, tree, client):
    worker = tree.users["grid_worker"]
    worker.display_name = '=HYPERLINK("http://evil","点我")'
    services.save_bands(draft, [(0, 600), (90, 1500)])
    db.session.commit()
    client.login("town_admin")
    assert client.get(f"/work/assessment/{draft.id}/subsidy.xlsx").status_code == 303
    services.publish(draft)
    db.session.commit()
    response = client.get(f"/work/assessment/{draft.id}/subsidy.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == f"文星镇 {draft.year}年第1季度网格员考核补贴发放表"
    assert rows[1] == ["序号", "村(社区)", "网格", "网格员", "考核得分", "档次", "补贴金额(元)",
                       "领取人签字"]
    score = db.session.scalar(select(GridWorkScore).filter_by(worker_id=worker.id))
    assert rows[2] == [1, "城西社区", "第一网格", '=HYPERLINK("http://evil","点我")',
                       score.total_tenths / 10, "90分以下", 600, None]
    assert sheet.cell(row=3, column=4).data_type == "s"  # text, never a formula
    assert rows[-1][0] == "合计" and rows[-1][6] == 600
    entry = db.session.scalar(select(AuditEntry).filter_by(action="grid_work.subsidy_export"))
    assert '=HYPERLINK' in entry.detail


def test_a_worker_sees_only_their_own_score_and_town_b_nothing(draft, tree, client):
    set_module(tree.town_b, "grid_work", True)
    db.session.commit()
    client.login("grid_worker")
    page = client.get(f"/work/assessment/{draft.id}/me")
    assert page.status_code == 200 and "得分明细" in page.get_data(as_text=True)
    assert client.get(f"/work/assessment/{draft.id}").status_code == 403  # the town's sheet
    assert client.get("/work/assessment/mine").status_code == 200
    client.logout()
    client.login("b_grid_worker")
    assert client.get(f"/work/assessment/{draft.id}/me").status_code == 404
    client.logout()
    client.login("b_town_admin")
    assert client.get(f"/work/assessment/{draft.id}").status_code == 404
    client.logout()
    client.login("village_admin")
    sheet = client.get(f"/work/assessment/{draft.id}").get_data(as_text=True)
    assert "grid_worker 用户" in sheet and "计分办法" in sheet


def test_entries_are_added_with_evidence_and_withdrawn_by_the_village(draft, tree, client):
    from PIL import Image

    worker = tree.users["grid_worker"]
    positive = items_of(draft)["positive"]
    photo = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(photo, "JPEG")
    photo.seek(0)
    client.login("village_admin")
    url = f"/work/assessment/{draft.id}/workers/{worker.id}/entries"
    refused = client.post(url, data={"entry-item": positive.id, "entry-points": 3,
                                     "entry-reason": "", "entry-happened_on": "2000-01-01"})
    assert refused.status_code == 422 and "请填写事由" in refused.get_data(as_text=True)
    response = client.post(url, data={
        "entry-item": positive.id, "entry-points": 3, "entry-reason": "救助落水儿童",
        "entry-happened_on": f"{draft.year}-02-03", "entry-evidence": (photo, "p.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    entry = db.session.scalar(select(GridWorkEntry))
    assert entry.points == 3 and entry.evidence
    assert client.get(f"/work/assessment/entries/{entry.id}/evidence.jpg").status_code == 200
    assert client.post(f"/work/assessment/entries/{entry.id}/withdraw").status_code == 303
    db.session.refresh(entry)
    assert entry.withdrawn_at is not None
    page = client.get(f"/work/assessment/{draft.id}/workers/{worker.id}").get_data(as_text=True)
    assert "<s>" in page and "救助落水儿童" in page


# ---------------------------------------------------------------- five-small rewards


@pytest.fixture
def on(app, tree):
    set_module(tree.town_a, "grid_work", True)
    db.session.commit()
    return tree


def _rewards():
    return list(db.session.scalars(select(GridWorkReward)))


def test_a_solved_five_small_case_of_a_worker_earns_the_towns_amount_once(on):
    worker = on.users["grid_worker"]
    case = reported_and_closed(on, worker)
    db.session.commit()
    [reward] = _rewards()
    assert (reward.case_id, reward.worker_id, reward.amount, reward.major) == \
        (case.id, worker.id, 25, False)
    assert reward.month == local_today().replace(day=1)
    # called again (a second close at once) or reopened and closed again: still one row
    assert rewards.case_closed(case, "resolved", "closed", "close") is None
    from portal.cases.services import act

    act(case, on.users["town_admin"], "reopen", "又坏了")
    act(case, on.users["town_admin"], "resolve", "修好")
    act(case, on.users["town_admin"], "close", "核实")
    db.session.commit()
    assert len(_rewards()) == 1


def test_no_reward_for_other_categories_other_reporters_or_duplicates(on):
    from portal.cases.services import act, report

    reported_and_closed(on, on.users["grid_worker"], category="info_collection")
    reported_and_closed(on, on.users["village_admin"])
    original = reported_and_closed(on, on.users["grid_worker"], title="原事件")
    copy = report(on.grid_a1, category="hazard", title="重复", description="同一处",
                  source="patrol", reporter=on.users["grid_worker"])
    act(copy, on.users["town_admin"], "duplicate", "重复", duplicate_of=original)
    db.session.commit()
    assert [r.case_id for r in _rewards()] == [original.id]


def test_a_major_case_waits_for_an_amount_within_the_range(on, client):
    case = reported_and_closed(on, on.users["grid_worker"], category="dispute", major=True)
    db.session.commit()
    [reward] = _rewards()
    assert reward.major and reward.amount == 0
    client.login("town_admin")
    month = f"{reward.month:%Y-%m}"
    page = client.get(f"/work/assessment/rewards?month={month}").get_data(as_text=True)
    assert case.number in page and "待审定" in page
    refused = client.post(f"/work/assessment/rewards/{reward.id}/amount",
                          data={f"m{reward.id}-amount": "500"})
    assert refused.status_code == 422 and "100到300元之间" in refused.get_data(as_text=True)
    assert client.post(f"/work/assessment/rewards/{reward.id}/amount",
                       data={f"m{reward.id}-amount": "200"}).status_code == 302
    db.session.refresh(reward)
    assert reward.amount == 200
    sheet = load_workbook(io.BytesIO(client.get(
        f"/work/assessment/rewards.xlsx?month={month}").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][4] == case.number and rows[2][7] == 200 and rows[-1][7] == 200


def test_the_towns_numbers_are_saved_and_checked(on, client):
    from plugins.grid_work.town_settings import rules

    client.login("town_admin")
    data = {"min_credits": "3", "patrol_days": "20", "five_small_amount": "30",
            "major_min": "300", "major_max": "100"}
    refused = client.post("/work/assessment/settings", data=data)
    assert refused.status_code == 422 and "下限不能高于上限" in refused.get_data(as_text=True)
    data["major_max"] = "400"
    assert client.post("/work/assessment/settings", data=data).status_code == 302
    assert rules(on.town_a) == {"min_credits": 3, "patrol_days": 20, "five_small_amount": 30,
                                "major_min": 300, "major_max": 400}


def test_the_hooks_answer(on, client):
    from plugins.grid_work.assessment import area

    scheme = services.create_scheme(on.town_a, year=local_today().year, quarter=None)
    services.lodge_appeal(items_of(scheme)["meetings"], on.users["grid_worker"], "请过假")
    db.session.commit()
    client.login("town_admin")
    home = client.get("/").get_data(as_text=True)
    assert "网格员考核" in home and "考核申诉待处理" in home
    assert set(area.notification_events()) == {"grid_work_appeal_decided",
                                               "grid_work_score_published"}
    [part] = area.town_template_parts()
    assert part.export(on.town_a)["patrol_days"] == 22
    assert db.session.scalar(select(GridWorkScheme.id)) == scheme.id
