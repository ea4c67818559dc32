"""A town's settings as a template (样板间): town A (the model) exported, imported into town B
after a preview that lists exactly what changes; a broken file, or a file with one bad part,
writes nothing in any table; a town admin reaches only their own town."""
import json
import re
from io import BytesIO

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.cases.models import ResponseTemplate
from portal.cases.settings_views import town_categories
from portal.extensions import db
from portal.modules.services import set_module
from portal.grids.staff_posts import own_code, set_town_posts, town_posts
from portal.grids.size_standards import set_size_standard, size_standard
from portal.people.completeness import required_fields, set_required_fields
from portal.people.visits import visit_days
from portal.plugin_testing import needs_plugin
from portal.settings import get_setting, set_setting
from portal.town_templates import FORMAT, service

#: A model town is made of the modules' rules: the test needs them all (the core's own parts
#: are in every file it exports, checked here with theirs). Their modules are imported where
#: used, so that the suite still collects in a copy without one of them.
pytestmark = needs_plugin("points", "best_grid", "mutual_aid", "disputes", "volunteers")

#: Modules on in both towns (volunteers only in A: its part is skipped in B).
BOTH = ("points", "best_grid", "mutual_aid", "disputes")
SIZE = {"min_households": 80, "max_households": 400, "target_households": 250,
        "merge_below": 50}
VISITS = {"red": 5, "yellow": 10, "green": 20, "ordinary": 90, "care": 14}
DISPUTE_RULES = {"days": {"grid": 2, "village": 4, "reported": 3, "town": 8, "joint": 12},
                 "screening_day": 20, "yellow_amount": 5000, "red_amount": 50000,
                 "group_size": 4, "followup_every": 15, "followup_days": 60}


@pytest.fixture
def model(tree, points, contest):
    """Town A set up as the model village; town B with the same modules but volunteers, a
    supermarket of its own and nothing chosen."""
    from plugins.disputes import services as disputes
    from plugins.mutual_aid import services as mutual_aid
    from plugins.points import town_settings
    from plugins.points.models import PointsGoods, PointsShop
    from plugins.volunteers import services as volunteers

    town_a, town_b = tree.town_a, tree.town_b
    for name in BOTH:
        set_module(town_a, name, True)
        set_module(town_b, name, True)
    set_module(town_a, "volunteers", True)
    set_setting(town_a, "cases.categories", ["hazard", "problem", "need"])
    set_setting(town_a, "cases.deadlines", {"assign": 2, "feedback": 4, "resolve": 10,
                                            "major_months": 2, "yellow_days": 2})
    set_setting(town_a, "cases.callback_days", 5)
    db.session.add(ResponseTemplate(town_id=town_a.id, title="已受理", text="您反映的问题已受理。"))
    set_setting(town_a, "people.visit_days", VISITS)
    set_size_standard(town_a, SIZE)
    set_required_fields(town_a, ["house"], ["id_number", "sex"], 90)
    set_town_posts(town_a, ["mediation", "building_head"], ["护河员"])
    town_settings.save(town_a, at_zero="debt", notice_days=7, valid_months=12,
                       sources={"cases.report": points.model_rule.id})
    mutual_aid.set_rules(town_a, min_households=3, max_households=12, points_per_help=2)
    volunteers.set_points_per_hour(town_a, 5)
    disputes.set_rules(town_a, DISPUTE_RULES)
    # B's own supermarket already sells soap, at its own price
    shop_b = PointsShop(grid_id=tree.village_b1.id, name="荷叶积分超市")
    db.session.add(shop_b)
    db.session.flush()
    db.session.add(PointsGoods(shop_id=shop_b.id, name="香皂", price=10, unit="块"))
    db.session.commit()
    points.shop_b = shop_b
    return points


def export(client, town):
    response = client.get(f"/admin/town-template/export.json?town={town.code}")
    assert response.status_code == 200
    return response


def upload(client, town, body: bytes, name="样板间.json"):
    return client.post("/admin/town-template/preview",
                       data={"town": town.code, "file": (BytesIO(body), name)},
                       content_type="multipart/form-data")


def token_of(page: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', page)[1]


def everything() -> dict:
    """Every row of every table, table by table."""
    db.session.expire_all()
    return {table.name: sorted(repr(tuple(row)) for row in db.session.execute(table.select()))
            for table in db.metadata.sorted_tables}


def expected_changes(tree, points):
    """(part, what) of every change A's template makes in B."""
    return {
        ("事件规则", "本镇使用的事件类别"), ("事件规则", "交办期限(工作日)"),
        ("事件规则", "程序性反馈期限(工作日)"), ("事件规则", "一般问题办结期限(工作日)"),
        ("事件规则", "重大问题办结期限(月)"), ("事件规则", "提前几个工作日亮黄灯"),
        ("事件规则", "结案后几天未评价转入回访"),
        ("常用回复", "已受理"),
        *(("走访周期", label) for label in ("红色户(天)", "黄色户(天)", "绿色户(天)", "普通户(天)",
                                         "有关爱对象的户(天)")),
        *(("网格规模标准", label) for label in ("下限(户)", "标准(户)", "上限(户)",
                                          "少于多少户建议合并")),
        ("信息采集必填项", "住户必填"), ("信息采集必填项", "居民必填"),
        ("信息采集必填项", "目标采集率(%)"),
        ("网格岗位", "网格岗位"),
        ("积分规则与设置", "积分事项“参加村道清扫”"), ("积分规则与设置", "积分事项“文明卫生户”"),
        ("积分规则与设置", "扣分超过余额时"), ("积分规则与设置", "获得积分公示天数(0为不公示)"),
        ("积分规则与设置", "积分有效期(月，0为长期有效)"),
        ("积分规则与设置", "“居民上报的事件经核实办结”所得积分事项"),
        ("积分超市商品目录", "荷叶积分超市：食用油"),
        ("网格评比的分类和指标", "网格分类“示范”"), ("网格评比的分类和指标", "网格分类“提升”"),
        ("网格评比的分类和指标", "新建评比时默认的指标和权重"),
        ("网格评比的分类和指标", "新建评比时默认的奖金"),
        ("邻里互助规则", "每组最少户数"), ("邻里互助规则", "每组最多户数"),
        ("邻里互助规则", "每次帮助他人获得积分"),
        *(("矛盾纠纷调处规则", label) for label in (
            "驻片调处期限(工作日)", "两委会商期限(工作日)", "书面上报后交办期限(工作日)",
            "归口办理期限(工作日)", "联合调处期限(工作日)", "每月排查报告截止日",
            "黄色风险金额(元)", "红色风险金额(元)", "群体性纠纷人数", "回访间隔(天)",
            "回访期限(天)")),
    }


# ---------------------------------------------------------------- the round trip


def test_a_model_town_exported_and_imported_into_another(client, tree, model):
    from plugins.best_grid import town_template as best_grid_template
    from plugins.best_grid.models import BestGridClass
    from plugins.disputes import services as disputes
    from plugins.mutual_aid import services as mutual_aid
    from plugins.points import town_settings
    from plugins.points.models import PointsGoods, PointsRule

    client.login("county_admin")
    response = export(client, tree.town_a)
    assert response.headers["Content-Type"].startswith("application/json")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''")
    assert "%E6%96%87%E6%98%9F%E9%95%87-%E6%A0%B7%E6%9D%BF%E9%97%B4-" in disposition  # 文星镇-样板间-
    body = response.get_data()
    assert "文星镇".encode() in body  # UTF-8, not \u escapes
    document = json.loads(body)
    assert document["format"] == FORMAT and document["version"] == 1
    assert document["town"] == "文星镇" and document["exported_at"]
    assert set(document["parts"]) == {"cases.rules", "cases.replies", "people.visit_days",
                                      "grids.size_standard", "people.required_fields",
                                      "grids.extra_posts",
                                      "points.rules", "points.goods", "best_grid.contest",
                                      "mutual_aid.rules", "volunteers.points_per_hour",
                                      "disputes.rules"}
    rules = document["parts"]["points.rules"]
    assert rules["sources"] == {"cases.report": "文明卫生户"}  # by name, not by id
    assert "points.expired_on" not in rules["settings"]  # bookkeeping stays home

    # the preview lists exactly what changes, and writes nothing
    before = everything()
    preview = upload(client, tree.town_b, body)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page
    assert everything() == before
    listed = service.preview(tree.town_b, document)
    assert {(c.part_label, c.what) for c in listed.changes} == expected_changes(tree, model)
    assert all(c.kind in ("added", "changed") for c in listed.changes)
    assert listed.skipped == [("volunteers.points_per_hour", "志愿服务")]
    for change in listed.changes:
        assert change.what in page
    assert "本镇没有开启这些模块" in page and "志愿服务" in page
    assert "荷叶积分超市：食用油" in page and "荷叶积分超市：香皂" not in page

    # confirmed: B has them
    done = client.post("/admin/town-template/apply", data={"token": token_of(page)})
    assert done.status_code == 303, done.get_data(as_text=True)
    db.session.expire_all()
    town_b = tree.town_b
    assert town_categories(town_b) == ["hazard", "problem", "need"]
    assert get_setting(town_b, "cases.deadlines", {})["resolve"] == 10
    assert get_setting(town_b, "cases.callback_days", 3) == 5
    assert db.session.scalar(select(ResponseTemplate.text).filter_by(
        town_id=town_b.id, title="已受理")) == "您反映的问题已受理。"
    assert visit_days(town_b) == VISITS
    assert size_standard(town_b) == SIZE
    assert required_fields(town_b) == {"households": ["house"], "residents": ["id_number", "sex"],
                                       "target": 90}
    # a town's own post comes back under the same code: staff saved under it in A's way stay on it
    assert town_posts(town_b) == [{"code": "mediation", "label": "调解员"},
                                  {"code": "building_head", "label": "楼栋长"},
                                  {"code": own_code("护河员"), "label": "护河员"}]
    b_rules = {r.name: r for r in db.session.scalars(select(PointsRule).filter_by(
        town_id=town_b.id))}
    assert b_rules["参加村道清扫"].points == 5
    assert b_rules["参加村道清扫"].category_points == {"grid_worker": 8}
    assert b_rules["文明卫生户"].points == 20
    assert town_settings.at_zero(town_b) == "debt"
    assert town_settings.notice_days(town_b) == 7 and town_settings.valid_months(town_b) == 12
    # the deed's rule is B's rule of that name
    assert town_settings.sources(town_b) == {"cases.report": b_rules["文明卫生户"].id}
    oil = db.session.scalar(select(PointsGoods).filter_by(shop_id=model.shop_b.id, name="食用油"))
    assert (oil.price, oil.unit, oil.stock, oil.active) == (50, "桶", 0, True)
    soap = db.session.scalar(select(PointsGoods).filter_by(shop_id=model.shop_b.id, name="香皂"))
    assert soap.price == 10  # B's own price is B's
    assert [k.name for k in db.session.scalars(select(BestGridClass).filter_by(
        town_id=town_b.id).order_by(BestGridClass.position))] == ["示范", "提升"]
    defaults = best_grid_template.defaults(town_b)
    assert [(c["key"], c["weight"]) for c in defaults["criteria"]] == [
        ("cases.on_time", 40), ("cases.satisfaction", 20), ("cases.solved", 10),
        ("visits.coverage", 10), ("judged:1", 20)]
    assert defaults["prizes"] == {"1": 3000, "2": 2000}
    assert mutual_aid.rules(town_b) == {"min_households": 3, "max_households": 12,
                                        "points_per_help": 2}
    assert disputes.rules(town_b)["days"] == DISPUTE_RULES["days"]
    assert disputes.rules(town_b)["red_amount"] == 50000
    assert get_setting(town_b, "volunteers.points_per_hour", None) is None  # skipped
    entry = db.session.scalar(select(AuditEntry).filter_by(action="settings.template_import"))
    detail = json.loads(entry.detail)
    assert entry.scope_code == town_b.code and detail["template_town"] == "文星镇"
    assert "积分规则与设置" in detail["parts"] and detail["parts_skipped"] == ["志愿服务"]
    assert client.get(done.location).status_code == 200

    # a second import: nothing to change, nothing to confirm
    again = upload(client, tree.town_b, body)
    text = again.get_data(as_text=True)
    assert again.status_code == 200 and "没有需要改动的" in text
    assert 'name="token"' not in text
    assert service.preview(tree.town_b, document).nothing_changes


def test_the_new_contest_form_starts_from_the_imported_criteria(client, tree, model):
    client.login("county_admin")
    body = export(client, tree.town_a).get_data()
    page = upload(client, tree.town_b, body).get_data(as_text=True)
    client.post("/admin/town-template/apply", data={"token": token_of(page)})
    client.logout()
    client.login("b_town_admin")
    form = client.get("/best-grid/contests/new").get_data(as_text=True)
    assert re.search(r'name="w-cases.on_time"[^>]*value="40"', form)
    assert re.search(r'name="judged-1"[^>]*value="人居环境检查"', form)
    assert re.search(r'name="prize1"[^>]*value="3000"', form)


def test_owner_mode_is_kept_where_the_town_already_has_accounts(client, tree, model):
    from plugins.points import ledger
    from plugins.points.models import PointsRule

    ledger.set_owner_mode(tree.town_b, "resident")
    ledger.account_for(tree.resident_b)
    db.session.commit()
    document = json.loads(service.to_bytes(service.export_document(tree.town_a)))
    part = next(p for p in service.preview(tree.town_b, document).parts
                if p.key == "points.rules")
    kept = [c for c in part.changes if c.kind == "kept"]
    assert [c.what for c in kept] == ["积分归属"] and "已有积分账户" in kept[0].note
    service.apply(tree.town_b, document, None)
    db.session.commit()
    assert ledger.owner_mode(tree.town_b) == "resident"
    assert {r.name for r in db.session.scalars(select(PointsRule).filter_by(
        town_id=tree.town_b.id))} == {"参加村道清扫", "文明卫生户"}  # the rest is imported


# ---------------------------------------------------------------- bad files


@pytest.mark.parametrize("body, message", [
    (b"not json at all", "无法读取文件"),
    ("\ufffe{".encode("utf-16"), "无法读取文件"),
    (json.dumps({"format": "something-else", "version": 1, "parts": {}}).encode(),
     "这不是样板间文件"),
    (json.dumps({"format": FORMAT, "version": 2, "parts": {}}).encode(), "版本(2)不受支持"),
    (json.dumps([1, 2]).encode(), "这不是样板间文件"),
    (json.dumps({"format": FORMAT, "version": 1, "parts": []}).encode(), "缺少设置内容"),
])
def test_a_broken_file_is_refused_and_writes_nothing(client, tree, model, body, message):
    client.login("county_admin")
    before = everything()
    response = upload(client, tree.town_b, body)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert everything() == before


def _with(document, key, data):
    return json.dumps({**document, "parts": {**document["parts"], key: data}},
                      ensure_ascii=False).encode()


def test_a_file_with_one_bad_part_writes_nothing(client, tree, model):
    client.login("county_admin")
    document = json.loads(export(client, tree.town_a).get_data())
    before = everything()
    bad = {
        # seen by the part's own checks (the rules page's form)
        "people.visit_days": ({**VISITS, "red": 0}, "红色户(天)"),
        "grids.size_standard": ({**SIZE, "min_households": 500}, "下限不能大于上限"),
        "people.required_fields": ({"households": [], "residents": [], "target": 90},
                                   "请至少选择一项必填信息"),
        "grids.extra_posts": ([{"label": "网格员"}], "已在固定岗位或可选岗位中"),
        "disputes.rules": ({**DISPUTE_RULES, "red_amount": 10}, "黄色金额"),
        "cases.rules": ({**document["parts"]["cases.rules"], "categories": ["no_such"]},
                        "没有“no_such”这个事件类别"),
        # the wrong shape anywhere: a message, never a crash
        "mutual_aid.rules": ([1, 2], "邻里互助规则"),
        "points.goods": ([{"name": "毛巾", "price": "五"}], "商品“毛巾”"),
        # seen only when the import is tried (the settings' own service refuses a deduction
        # as a deed's reward), after the rules were written: all of it undone
        "points.rules": ({**document["parts"]["points.rules"],
                          "rules": [{"name": "乱扔垃圾", "points": -5, "active": True}],
                          "sources": {"cases.report": "乱扔垃圾"}}, "模块奖励只能选择加分事项"),
    }
    for key, (data, message) in bad.items():
        response = upload(client, tree.town_b, _with(document, key, data))
        text = response.get_data(as_text=True)
        assert response.status_code == 422, key
        assert message in text, (key, text[-3000:])
        assert 'name="token"' not in text
        assert everything() == before, key


def test_a_part_refused_at_the_confirmation_undoes_the_parts_before_it(client, tree, model):
    """What only the import itself refuses, after earlier parts were written (the case rules,
    the visit days, the points rules): the one transaction leaves nothing of them."""
    client.login("county_admin")
    body = export(client, tree.town_a).get_data()
    token = token_of(upload(client, tree.town_b, body).get_data(as_text=True))
    # the kept file as a tampered disk would have it: the deed's reward is now a deduction,
    # which the points settings' own service refuses
    path = next(p for p in pending_dir().iterdir() if token in p.name)
    kept = json.loads(path.read_text(encoding="utf-8"))
    rules = kept["document"]["parts"]["points.rules"]
    rules["rules"].append({"name": "乱扔垃圾", "points": -5, "active": True})
    rules["sources"] = {"cases.report": "乱扔垃圾"}
    path.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    before = everything()
    response = client.post("/admin/town-template/apply", data={"token": token})
    assert response.status_code == 422
    assert "模块奖励只能选择加分事项" in response.get_data(as_text=True)
    assert everything() == before


def pending_dir():
    from portal.uploads import uploads_root

    return uploads_root() / "imports"


def test_an_expired_or_unknown_confirmation_is_refused(app, client, tree, model):
    client.login("county_admin")
    token = token_of(upload(client, tree.town_b, export(client, tree.town_a).get_data())
                     .get_data(as_text=True))
    app.config["IMPORT_PENDING_SECONDS"] = -1  # the people import's expiry, and its cleaning
    before = everything()
    response = client.post("/admin/town-template/apply", data={"token": token})
    assert response.status_code == 422 and "已过期" in response.get_data(as_text=True)
    assert everything() == before
    assert not [p for p in pending_dir().iterdir() if token in p.name]  # removed
    response = client.post("/admin/town-template/apply", data={"token": "x" * 32})
    assert response.status_code == 422 and "已过期" in response.get_data(as_text=True)
    assert client.post("/admin/town-template/apply", data={"token": "../../etc"}).status_code \
        == 404


# ---------------------------------------------------------------- scope


def test_a_town_admin_reaches_only_their_own_town(client, tree, model):
    client.login("b_town_admin")
    assert client.get(f"/admin/town-template/export.json?town={tree.town_a.code}"
                      ).status_code == 404
    assert client.get(f"/admin/town-template?town={tree.town_a.code}").status_code == 404
    body = export(client, tree.town_b).get_data()
    assert upload(client, tree.town_a, body).status_code == 404
    page = client.get("/admin/town-template").get_data(as_text=True)
    assert "樟树镇" in page and "文星镇" not in page
    assert upload(client, tree.town_b, body).status_code == 200
    client.logout()
    client.login("town_admin")  # town A's
    assert client.get(f"/admin/town-template/export.json?town={tree.town_b.code}"
                      ).status_code == 404
    assert upload(client, tree.town_b, body).status_code == 404


def test_a_confirmation_is_only_for_whoever_uploaded_it(client, tree, model):
    client.login("county_admin")
    body = export(client, tree.town_a).get_data()
    token = token_of(upload(client, tree.town_b, body).get_data(as_text=True))
    client.logout()
    client.login("b_town_admin")
    before = everything()
    response = client.post("/admin/town-template/apply", data={"token": token})
    assert response.status_code == 422 and everything() == before


def test_the_modules_page_links_the_template(client, tree):
    client.login("town_admin")
    assert "/admin/town-template" in client.get("/admin/modules").get_data(as_text=True)
    client.logout()
    client.login("village_admin")
    assert client.get("/admin/town-template").status_code == 403


JUNK = [None, True, -1, 10**12, "x", "", [], {}, [None], [{"name": None}], {"x": [1]}]


def test_junk_anywhere_in_a_part_is_a_message_never_a_crash(client, tree, model):
    """Each part, and each value inside a part, replaced by junk of every shape: 200 (the junk
    is a value the part accepts) or 422 with a message, never a server error."""
    client.login("county_admin")
    document = json.loads(export(client, tree.town_a).get_data())
    failures = []
    for key, data in document["parts"].items():
        variants = list(JUNK)
        if isinstance(data, dict):
            variants += [{**data, inner: junk} for inner in data for junk in JUNK]
        if isinstance(data, list) and data:  # one row of a list part
            variants += [[{**data[0], inner: junk}] for inner in data[0] for junk in JUNK]
        for name in ("rules", "criteria"):  # one row of a part's list
            if isinstance(data, dict) and data.get(name):
                row = data[name][0]
                variants += [{**data, name: [{**row, inner: junk}]} for inner in row
                             for junk in JUNK]
        for variant in variants:
            response = upload(client, tree.town_b, _with(document, key, variant))
            if response.status_code not in (200, 422) or (
                    response.status_code == 422 and 'id="file-errors"' not in
                    response.get_data(as_text=True)):
                failures.append((key, variant, response.status_code))
    assert not failures, failures[:10]
