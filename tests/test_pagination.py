"""portal.pagination: one more row than shown tells whether a next page exists; counting is asked
for."""
from sqlalchemy import select

from portal.extensions import db
from portal.grids.models import Grid
from portal.pagination import Page, empty_page, paginate


def test_pages_come_from_the_total_when_counted():
    assert Page(rows=[], number=1, has_more=False, total=61, size=30).pages == 3
    assert Page(rows=[], number=1, has_more=False, total=0, size=30).pages == 1
    assert Page(rows=[], number=1, has_more=True, size=30).pages is None


def test_a_page_of_a_query_and_the_next_one(app, tree):
    query = select(Grid).order_by(Grid.code)
    every = list(db.session.scalars(query))
    with app.test_request_context("/?page=2"):
        second = paginate(query, 2, count=True)
        assert second.number == 2 and second.rows == every[2:4]
        assert second.has_more == (len(every) > 4) and second.total == len(every)
        context = second.context()
        assert context["page"] == 2 and context["pages"] == -(-len(every) // 2)
    with app.test_request_context("/?page=x"):
        first = paginate(query, 2)
        assert first.number == 1 and first.total is None and first.rows == every[:2]
        assert empty_page().rows == [] and empty_page().number == 1
