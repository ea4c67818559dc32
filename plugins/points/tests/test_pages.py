"""The points pages through the Flask test client: who may do what, forms and their messages,
the kiosk flow, exports, cards, the dashboard card."""
import re
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from plugins.points.models import (PointsAccount, PointsEntry, PointsGoods, PointsRedemption,
                                   PointsRule)
from plugins.points import ledger
from plugins.points.reports import verify
from portal.extensions import db
from portal.modules.services import set_module


def count(model, **where):
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def kiosk_key(client, points, account):
    page = client.get(f"/kiosk/{points.shop.id}/accounts/{account.id}").get_data(as_text=True)
    return re.search(r'name="key" value="([0-9a-f]{32})"', page).group(1)


# ---------------------------------------------------------------- the kiosk


def test_kiosk_flow_check_confirm_receipt_and_a_repeated_confirm(client, points):
    client.login("kiosk_operator")
    assert client.get("/kiosk/").location.endswith(f"/kiosk/{points.shop.id}")
    key = kiosk_key(client, points, points.account_a)
    basket = {"key": key, f"qty-{points.soap.id}": "2", f"qty-{points.oil.id}": "0"}
    check = client.post(f"/kiosk/{points.shop.id}/accounts/{points.account_a.id}/check",
                        data=basket)
    text = check.get_data(as_text=True)
    assert check.status_code == 200 and "16 分" in text and "44 分" in text  # total, balance after
    assert count(PointsRedemption) == 0  # checking takes nothing
    url = f"/kiosk/{points.shop.id}/accounts/{points.account_a.id}/redeem"
    first = client.post(url, data={**basket, "total": "16"})
    second = client.post(url, data={**basket, "total": "16"})  # the double tap
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    receipt = client.get(first.location).get_data(as_text=True)
    assert "香皂" in receipt and "44" in receipt
    assert count(PointsRedemption) == 1
    db.session.expire_all()
    assert db.session.get(PointsAccount, points.account_a.id).balance == 44


def test_kiosk_refuses_a_basket_beyond_the_balance_with_a_message(client, points):
    client.login("kiosk_operator")
    key = kiosk_key(client, points, points.account_a)
    response = client.post(f"/kiosk/{points.shop.id}/accounts/{points.account_a.id}/check",
                           data={"key": key, f"qty-{points.soap.id}": "8"})
    assert response.status_code == 422
    assert "积分不足：当前余额 60 分，需要 64 分" in response.get_data(as_text=True)
    response = client.post(f"/kiosk/{points.shop.id}/accounts/{points.account_a.id}/check",
                           data={"key": key, f"qty-{points.soap.id}": "abc"})
    assert response.status_code == 422 and "数量必须是整数" in response.get_data(as_text=True)


def test_kiosk_finds_by_card_and_by_pinyin_with_the_household_to_confirm(client, points):
    client.login("kiosk_operator")
    token = points.account_a.card_token
    response = client.get(f"/kiosk/{points.shop.id}/find", query_string={"q": f"PTS:{token}"})
    assert response.status_code == 302
    assert f"/accounts/{points.account_a.id}?v=" in response.location  # this visit's basket
    response = client.htmx_get(f"/kiosk/{points.shop.id}/find?q=PTS:{token}")
    assert f"/accounts/{points.account_a.id}?v=" in response.headers["HX-Redirect"]
    found = client.htmx_get(f"/kiosk/{points.shop.id}/find?q=zsf").get_data(as_text=True)
    assert "<html" not in found and "张三丰" in found and "李秀英" in found  # spouse: same home
    assert "城西路1号" in found and "积分 60" in found
    missing = client.get(f"/kiosk/{points.shop.id}/find?q=PTS:nonsense").get_data(as_text=True)
    assert "张三丰" not in missing


def test_a_kiosk_operator_redeems_but_does_not_award_or_correct(client, points):
    client.login("kiosk_operator")
    assert client.get("/points/award").status_code == 403
    assert client.post("/points/award", data={"rule": points.rule.id,
                                              "target": f"h{points.tree.household_a.id}"}
                       ).status_code == 403
    assert client.get(f"/points/accounts/{points.account_a.id}").status_code == 403
    assert count(PointsEntry) == 2


def test_a_card_of_another_village_in_the_town_works_and_another_towns_does_not(client, points):
    from plugins.points import ledger

    client.login("kiosk_operator")
    other_town = ledger.account_for(points.tree.resident_b)
    db.session.commit()
    assert client.get(f"/kiosk/{points.shop.id}/accounts/{other_town.id}").status_code == 404
    response = client.get(f"/kiosk/{points.shop.id}/find?q=PTS:{other_town.card_token}")
    assert response.status_code == 200  # not found in this town


# ---------------------------------------------------------------- staff pages


def test_bulk_award_through_the_form(client, points):
    tree = points.tree
    client.login("village_admin")
    page = client.get(f"/points/award?grid={tree.grid_a1.id}").get_data(as_text=True)
    assert f'value="h{tree.household_a.id}"' in page and f'value="h{tree.household_a2.id}"' in page
    response = client.post("/points/award", data={
        "rule": points.rule.id, "note": "11月清扫", "grid": tree.grid_a1.id,
        "target": [f"h{tree.household_a.id}", f"h{tree.household_a2.id}"]})
    assert response.status_code == 302
    made = db.session.scalars(select(PointsEntry).filter_by(rule_id=points.rule.id)).all()
    assert sorted(e.points for e in made) == [5, 5] and {e.note for e in made} == {"11月清扫"}
    assert all(e.actor_id == tree.users["village_admin"].id for e in made)


def test_award_without_anyone_chosen_says_so_next_to_the_list(client, points):
    client.login("village_admin")
    response = client.post("/points/award", data={"rule": points.rule.id})
    assert response.status_code == 422
    assert "请至少选择一位居民" in response.get_data(as_text=True)
    response = client.post("/points/award", data={"rule": points.rule.id,
                                                  "target": f"h{points.tree.household_b.id}"})
    assert response.status_code == 404  # another town's household does not exist here


def test_rules_per_town_with_category_values_and_messages(client, points):
    client.login("town_admin")
    response = client.post("/points/rules", data={"form": "rule", "name": "参加村道清扫",
                                                  "points": "5"})
    assert response.status_code == 422 and "本镇已有同名积分事项" in response.get_data(as_text=True)
    response = client.post("/points/rules", data={"form": "rule", "name": "义务巡逻",
                                                  "points": "0"})
    assert response.status_code == 422 and "分值不能为0" in response.get_data(as_text=True)
    response = client.post("/points/rules", data={"form": "rule", "name": "乱扔垃圾",
                                                  "points": "-5", "party_member": "8"})
    assert response.status_code == 422 and "扣分事项的类别分值应为负数或0" in \
        response.get_data(as_text=True)
    response = client.post("/points/rules", data={"form": "rule", "name": "义务巡逻", "points": "6",
                                                  "grid_worker": "10", "active": "y"})
    assert response.status_code == 302
    rule = db.session.scalar(select(PointsRule).filter_by(name="义务巡逻"))
    assert rule.category_points == {"grid_worker": 10} and rule.value_for("villager") == 6
    response = client.post("/points/rules/owner", data={"owner": "resident"})
    assert response.status_code == 422 and "不能再改变积分归属" in response.get_data(as_text=True)
    response = client.post("/points/rules/owner", data={"owner": "family"})
    assert response.status_code == 422 and 'id="owner-errors"' in response.get_data(as_text=True)
    assert ledger.owner_mode(points.tree.town_a) == "household"


def test_goods_restock_and_messages(client, points):
    client.login("village_admin")
    response = client.post(f"/points/shops/{points.shop.id}", data={"name": "毛巾", "price": "-3"})
    assert response.status_code == 422 and "积分应在1到10000之间" in response.get_data(as_text=True)
    bad_photo = (BytesIO(b"not an image"), "towel.jpg")
    response = client.post(f"/points/shops/{points.shop.id}",
                           data={"name": "毛巾", "price": "15", "photo": bad_photo},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "无法识别的图片" in response.get_data(as_text=True)
    assert count(PointsGoods, name="毛巾") == 0
    response = client.post(f"/points/shops/{points.shop.id}",
                           data={"name": "毛巾", "price": "15", "active": "y"})
    towel = db.session.scalar(select(PointsGoods).filter_by(name="毛巾"))
    assert response.status_code == 302 and towel.stock == 0
    assert client.post(f"/points/goods/{towel.id}/restock", data={"quantity": "0"}).status_code == 422
    assert client.post(f"/points/goods/{towel.id}/restock",
                       data={"quantity": "12", "note": "镇里配送"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(PointsGoods, towel.id).stock == 12
    assert "镇里配送" in client.get(f"/points/goods/{towel.id}").get_data(as_text=True)


def test_adjust_reverse_and_return_through_the_statement(client, points):
    from plugins.points import shop as shops

    client.login("village_admin")
    url = f"/points/accounts/{points.account_a.id}"
    response = client.post(url + "/adjust", data={"points": "-5", "reason": ""})
    assert response.status_code == 422 and "请说明原因" in response.get_data(as_text=True)
    response = client.post(url + "/adjust", data={"points": "-500", "reason": "扣错了"})
    assert response.status_code == 422 and "积分不足" in response.get_data(as_text=True)
    assert client.post(url + "/adjust", data={"points": "-5", "reason": "卫生检查不合格"}
                       ).status_code == 302
    earn = db.session.scalar(select(PointsEntry).filter_by(account_id=points.account_a.id,
                                                           kind="earn"))
    response = client.post(f"/points/entries/{earn.id}/reverse", data={"reason": "重复发放"})
    assert response.status_code == 422 and "已被使用" in response.get_data(as_text=True)
    redemption, _ = shops.redeem(points.shop, points.account_a2, {points.oil.id: 1}, "k")
    assert client.post(f"/points/redemptions/{redemption.id}/reverse",
                       data={"reason": "退货"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(PointsAccount, points.account_a2.id).balance == 60
    statement = client.get(f"/points/accounts/{points.account_a2.id}").get_data(as_text=True)
    assert "文明卫生户" in statement and "食用油×1" in statement and "冲正" in statement
    assert verify() == []


def test_statement_export_explains_every_entry(client, points):
    client.login("grid_worker")
    response = client.get(f"/points/accounts/{points.account_a.id}/statement.xlsx")
    sheet = load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "张三丰户" and rows[0][5] == 60
    assert rows[2][2:6] == ("获得", 60, 60, "文明卫生户")


def test_reports_count_by_month_and_export(client, points):
    from plugins.points import shop as shops

    shops.redeem(points.shop, points.account_a, {points.soap.id: 1, points.oil.id: 1}, "k")
    client.login("town_admin")
    page = client.get("/points/reports").get_data(as_text=True)
    assert "食用油" in page and "香皂" in page
    monthly = re.search(r'<table class="list" id="monthly">(.*?)</table>', page, re.S).group(1)
    last = re.findall(r"<tr><td>(\d{4}-\d{2})</td>(.*?)</tr>", monthly)[-1][1]
    assert re.findall(r">(\d+)<", last) == ["120", "58", "0"]
    low = re.search(r'id="low-stock">(.*?)</table>', page, re.S).group(1)
    assert "食用油" in low and "香皂" not in low  # 0 left of oil; 19 soaps
    workbook = load_workbook(BytesIO(client.get("/points/reports.xlsx").data))
    assert workbook.sheetnames == ["月度", "热门商品", "库存预警"]
    assert list(workbook["月度"].iter_rows(values_only=True))[-1][1:3] == (120, 58)
    shop_page = client.get(f"/points/reports?shop={points.shop.id}").get_data(as_text=True)
    assert "58" in shop_page


def test_a_resident_sees_only_their_own_statement(client, points):
    user = points.tree.users["resident"]
    client.login("resident")
    assert "还没有您的积分账户" in client.get("/points/me").get_data(as_text=True)
    user.id_number = points.tree.resident_a.id_number
    db.session.commit()
    page = client.get("/points/me").get_data(as_text=True)
    assert "城西路1号" in page and "文明卫生户" in page and "城西路2号" not in page
    assert client.get(f"/points/accounts/{points.account_a2.id}").status_code == 403
    assert client.get(f"/points/accounts/{points.account_a.id}").status_code == 403


def test_cards_open_accounts_print_qr_and_a_reissued_card_replaces_the_old(client, points):
    tree = points.tree
    client.login("grid_worker")
    db.session.delete(db.session.scalar(select(PointsEntry).filter_by(
        account_id=points.account_a2.id)))
    db.session.delete(points.account_a2)
    db.session.commit()
    assert client.post("/points/cards", data={"grid": tree.grid_a1.id}).status_code == 303
    page = client.get(f"/points/cards?grid={tree.grid_a1.id}").get_data(as_text=True)
    # a QR code per card (segno's class: the header draws its bell as an svg too)
    assert page.count('class="segno"') == 2 and "城西路2号" in page
    old = points.account_a.card_token
    assert client.post(f"/points/accounts/{points.account_a.id}/card").status_code == 303
    db.session.expire_all()
    assert db.session.get(PointsAccount, points.account_a.id).card_token != old
    client.logout()
    client.login("kiosk_operator")
    assert client.get(f"/kiosk/{points.shop.id}/find?q=PTS:{old}").status_code == 200  # no match


def test_another_towns_supermarket_is_a_404(client, points):
    set_module(points.tree.town_b, "points", True)
    db.session.commit()
    client.login("b_town_admin")
    assert client.get(f"/points/shops/{points.shop.id}").status_code == 404
    assert client.get(f"/points/goods/{points.soap.id}").status_code == 404
    assert client.get(f"/points/reports?shop={points.shop.id}").status_code == 404
    assert "城西积分超市" not in client.get("/points/").get_data(as_text=True)


def test_dashboard_card_and_menu_only_where_the_module_is_on(client, points):
    client.login("town_admin")
    home = client.get("/").get_data(as_text=True)
    assert "积分超市" in home and "本月发放" in home
    set_module(points.tree.town_a, "points", False)
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert "积分超市" not in home and "本月发放" not in home
