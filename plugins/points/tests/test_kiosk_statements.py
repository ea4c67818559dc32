"""The kiosk's two busiest requests stay light: a confirm writes its rows in a fixed, small number
of statements (the ledger's checks among them), and the basket page does not grow with the
account's history. The redemption written with Core keeps every rule of the ledger."""
import re
import uuid

from sqlalchemy import event, func, select

from plugins.points import ledger
from plugins.points.models import (PointsAccount, PointsEntry, PointsGoods, PointsRedemption,
                                   PointsRedemptionLine, PointsStockEntry)
from plugins.points.reports import verify
from portal.extensions import db

#: user with scope, town and switches · shop · account with its town · the shop's goods ids ·
#: INSERT redemption · UPDATE stock · INSERT stock entries · INSERT lines · UPDATE total ·
#: UPDATE balance · INSERT entry (it was 17 before the confirm wrote with Core)
REDEMPTION_STATEMENTS = 11
#: user with scope, town and switches · shop · account with its owner · the shop's goods ·
#: the points on public notice (one indexed sum over the account's entries)
BASKET_STATEMENTS = 5


class Statements:
    """The SQL a block runs, as the database receives it."""

    def __init__(self):
        self.sql: list[str] = []

    def __enter__(self):
        self.sql.clear()
        db.session.expire_all()  # as a fresh request finds it: nothing remembered
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, *args):
        self.sql.append(statement)


def serve(client, points):
    """The kiosk opens the account's basket: its visit now serves this account."""
    client.login("kiosk_operator")
    assert client.get(f"/kiosk/{points.shop.id}/accounts/{points.account_a.id}").status_code == 200


def confirm(client, points, basket: dict, key=None, statements=None):
    """Confirm ``basket`` ({goods: quantity}) for 张三丰's household; the statements the request
    ran go to ``statements`` when given."""
    url = f"/kiosk/{points.shop.id}/accounts/{points.account_a.id}/redeem"
    data = {"key": key or uuid.uuid4().hex,
            **{f"qty-{goods.id}": str(n) for goods, n in basket.items()}}
    if statements is None:
        return client.post(url, data=data)
    with statements:
        return client.post(url, data=data)


def count(model, **where):
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_a_confirm_runs_a_fixed_number_of_statements(client, points):
    ledger.post(points.account_a, "earn", 100, rule=points.model_rule)
    db.session.commit()
    serve(client, points)
    one, two = Statements(), Statements()
    assert confirm(client, points, {points.soap: 1}, statements=one).status_code == 302
    assert len(one.sql) <= REDEMPTION_STATEMENTS, "\n".join(one.sql)
    assert confirm(client, points, {points.soap: 1, points.oil: 1},
                   statements=two).status_code == 302
    # a second goods adds its stock's UPDATE only: its line and stock entry go with the first's
    assert len(two.sql) == len(one.sql) + 1, "\n".join(two.sql)
    assert verify() == []


def test_a_confirm_for_an_account_the_visit_does_not_serve_reloads_nothing(client, points):
    """A confirm from another kiosk, or after the visit changed hands, begins a visit for the
    account after the redemption's commit: with the ids it already read, not two more SELECTs of
    the shop and the account the commit expired."""
    ledger.post(points.account_a, "earn", 100, rule=points.model_rule)
    db.session.commit()
    client.login("kiosk_operator")  # no basket opened: no visit serves the account
    statements = Statements()
    answer = confirm(client, points, {points.soap: 1}, statements=statements)
    assert answer.status_code == 302, answer.status_code
    assert len(statements.sql) <= REDEMPTION_STATEMENTS, "\n".join(statements.sql)
    assert client.get(answer.location).status_code == 200, "the receipt is this visit's"
    assert verify() == []


def test_a_confirm_writes_what_the_ledger_explains(client, points):
    serve(client, points)
    response = confirm(client, points, {points.soap: 1, points.oil: 1})
    redemption = db.session.scalar(select(PointsRedemption))
    assert response.location.endswith(f"/receipts/{redemption.id}")
    assert redemption.total == 8 + 50
    assert [(line.name, line.price, line.quantity) for line in redemption.lines] == [
        ("香皂", 8, 1), ("食用油", 50, 1)]
    debit = db.session.scalar(select(PointsEntry).filter_by(redemption_id=redemption.id))
    assert (debit.kind, debit.points, debit.balance_after) == ("redeem", -58, 2)
    assert redemption.receipt_number in debit.note
    moves = db.session.execute(select(PointsStockEntry.goods_id, PointsStockEntry.quantity,
                                      PointsStockEntry.stock_after)
                               .filter_by(redemption_id=redemption.id)
                               .order_by(PointsStockEntry.goods_id)).all()
    assert sorted(moves) == sorted([(points.soap.id, -1, 19), (points.oil.id, -1, 0)])
    # the receipt the kiosk is sent to shows the balance after
    receipt = client.get(response.location)
    assert receipt.status_code == 200
    assert verify() == []


def test_a_confirm_sent_twice_redeems_once(client, points):
    serve(client, points)
    key = uuid.uuid4().hex
    first = confirm(client, points, {points.soap: 1}, key)
    again = confirm(client, points, {points.soap: 1}, key)  # a retry after a lost answer
    assert first.status_code == again.status_code == 302
    assert first.location == again.location
    assert count(PointsRedemption) == 1 and count(PointsStockEntry, kind="redeem") == 1
    assert db.session.get(PointsAccount, points.account_a.id).balance == 52
    assert verify() == []


def test_a_refused_confirm_leaves_nothing_behind(client, points):
    serve(client, points)
    # the last can of oil, twice: refused by the stock's own UPDATE
    refused = confirm(client, points, {points.soap: 1, points.oil: 2})
    assert refused.status_code == 409 and "库存不足" in refused.get_data(as_text=True)
    # more points than the account holds: refused by the balance's own UPDATE
    poor = confirm(client, points, {points.soap: 8})
    assert poor.status_code == 409 and "积分不足" in poor.get_data(as_text=True)
    points.soap.active = False  # taken off the shelf while the basket was open
    db.session.commit()
    gone = confirm(client, points, {points.soap: 1})
    assert gone.status_code == 409 and "下架" in gone.get_data(as_text=True)
    assert count(PointsRedemption) == count(PointsRedemptionLine) == 0
    assert count(PointsStockEntry, kind="redeem") == 0
    db.session.expire_all()
    assert db.session.get(PointsGoods, points.oil.id).stock == 1
    assert db.session.get(PointsAccount, points.account_a.id).balance == 60
    assert verify() == []


def basket_statements(client, points) -> list[str]:
    url = f"/kiosk/{points.shop.id}/accounts/{points.account_a.id}"
    with Statements() as seen:  # the URL is read first: the block expires what it names
        page = client.get(url)
    assert page.status_code == 200
    assert re.search(r'data-balance="\d+"', page.get_data(as_text=True))
    return seen.sql


def test_the_basket_page_does_not_grow_with_the_ledger(client, points):
    serve(client, points)
    few = basket_statements(client, points)
    assert len(few) <= BASKET_STATEMENTS, "\n".join(few)
    for _ in range(12):
        ledger.post(points.account_a, "earn", 5, rule=points.rule)
    db.session.commit()
    for _ in range(3):
        assert confirm(client, points, {points.soap: 1}).status_code == 302
    assert len(basket_statements(client, points)) == len(few)
