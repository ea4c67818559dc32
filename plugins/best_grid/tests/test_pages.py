"""Best-grid pages: classes, creating a contest with its messages, the judges' table with a bad
number shown in place, publishing, the public screen and the flag on the notice board."""
from sqlalchemy import select

from plugins.best_grid.models import BestGridContest, BestGridJudgement, BestGridPlacement
from portal.extensions import db


def test_grids_are_sorted_into_classes(client, contest_world):
    tree = contest_world.tree
    client.login("town_admin")
    response = client.post("/best-grid/classes/placements", data={
        f"grid-{tree.grid_a1.id}": str(contest_world.rising.id),
        f"grid-{tree.grid_a2.id}": ""})
    assert response.status_code == 302
    placed = dict(db.session.execute(select(BestGridPlacement.grid_id,
                                            BestGridPlacement.class_id)).all())
    assert placed.get(tree.grid_a1.id) == contest_world.rising.id and tree.grid_a2.id not in placed
    response = client.post("/best-grid/classes", data={"name": "示范"})
    assert response.status_code == 422 and "已有同名类别" in response.get_data(as_text=True)
    # a class of another town (or none at all) is refused in its grid's row; nothing is kept
    response = client.post("/best-grid/classes/placements", data={
        f"grid-{tree.grid_a1.id}": "", f"grid-{tree.grid_a2.id}": "999999"})
    assert response.status_code == 422 and 'class="has-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(BestGridPlacement.class_id)
                             .filter_by(grid_id=tree.grid_a1.id)) == contest_world.rising.id


def test_creating_a_contest_checks_the_weights(client, contest_world):
    client.login("town_admin")
    data = {"title": "第三季度擂台赛", "kind": "quarterly", "starts_on": "2026-07-01",
            "ends_on": "2026-09-30", "w-cases.on_time": "60", "judged-1": "卫生检查", "jw-1": "30"}
    response = client.post("/best-grid/contests/new", data=data)
    assert response.status_code == 422
    assert "各项权重之和须为100，现在是 90" in response.get_data(as_text=True)
    # a weight that is not a number and a judged weight without its name: beside their rows
    response = client.post("/best-grid/contests/new",
                           data={**data, "w-cases.on_time": "6o", "judged-1": "", "jw-1": "40"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "权重须是整数" in page and "请填写评审打分项的名称" in page and 'value="6o"' in page
    response = client.post("/best-grid/contests/new", data={**data, "jw-1": "40"})
    assert response.status_code == 302
    item = db.session.scalar(select(BestGridContest))
    assert [(c.key, c.label, c.weight) for c in item.criteria] == [
        ("cases.on_time", "事件按期办结率", 60), ("judged:1", "卫生检查", 40)]
    assert {e.grid_id for e in item.entries} == {contest_world.tree.grid_a1.id,
                                                 contest_world.tree.grid_a2.id,
                                                 contest_world.tree.grid_a3.id}


def test_the_judges_table_keeps_nothing_when_a_number_is_wrong(client, contest):
    tree = contest.tree
    criterion = contest.contest.criteria[-1]
    client.login("dept_staff")
    url = f"/best-grid/contests/{contest.contest.id}/judge"
    response = client.post(url, data={f"s{criterion.id}_{tree.grid_a1.id}": "85",
                                      f"s{criterion.id}_{tree.grid_a2.id}": "120"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "评分应在0到100之间" in page and 'value="120"' in page
    assert db.session.scalar(select(BestGridJudgement.id)) is None
    response = client.post(url, data={f"s{criterion.id}_{tree.grid_a1.id}": "85",
                                      f"s{criterion.id}_{tree.grid_a2.id}": "90"})
    assert response.status_code == 302
    assert sorted(db.session.scalars(select(BestGridJudgement.score))) == [85.0, 90.0]


def test_publish_then_the_public_screen_and_the_notice_board_show_it(client, contest):
    tree = contest.tree
    client.login("town_admin")
    url = f"/best-grid/contests/{contest.contest.id}"
    assert client.post(url + "/adjust", data={"grid": tree.grid_a2.id, "points": "5",
                                              "reason": "迎检材料齐全"}).status_code == 302
    assert client.post(url + "/publish").status_code == 303  # a button: run_action
    page = client.get(url).get_data(as_text=True)
    assert "结果已冻结" in page and "迎检材料齐全" in page
    response = client.post(url + "/adjust", data={"grid": tree.grid_a2.id, "points": "5",
                                                  "reason": "再加"}, follow_redirects=True)
    assert "已发布，不能再修改" in response.get_data(as_text=True)
    client.logout()
    screen = client.get(f"/best-grid/public/{tree.town_a.code}").get_data(as_text=True)
    assert "第一网格" in screen and "data-chart=" in screen and "67.43" in screen
    assert "vendor/echarts/echarts.min.js" in screen
    board = client.get(f"/g/{tree.grid_a1.code}").get_data(as_text=True)
    assert "流动红旗：示范第一名" in board
    assert "流动红旗" not in client.get(f"/g/{tree.grid_a2.code}").get_data(as_text=True)


def test_public_screen_before_any_result_and_for_an_unknown_town(client, contest):
    page = client.get(f"/best-grid/public/{contest.tree.town_a.code}").get_data(as_text=True)
    assert "还没有发布的评比结果" in page
    assert client.get("/best-grid/public/999999").status_code == 404
