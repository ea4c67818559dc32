"""A list page's number of SQL statements must not grow with its number of rows (no N+1)."""
import pytest
from sqlalchemy import event

from portal.cases.services import report
from portal.extensions import db
from portal.people.models import KeyPerson
from portal.people.services import add_household, add_resident


class StatementCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.count += 1


def _statements(client, url):
    with StatementCounter(db.engine) as counter:
        assert client.get(url).status_code == 200
    return counter.count


def _add_rows(tree, n):
    grids = [tree.grid_a1, tree.grid_a2, tree.grid_a3, tree.special_a]
    for i in range(n):
        grid = grids[i % len(grids)]
        household = add_household(grid, f"测试路{i}号-{n}")
        resident = add_resident(household, f"测试{i}", care=["disabled"] if i % 2 else [])
        db.session.add(KeyPerson(resident_id=resident.id, category="petitioner"))
        report(grid, category="hazard", title=f"事件{i}", description="d", source="patrol",
               reporter=tree.users["town_admin"])
    from portal.auth.services import create_user

    for i in range(n):
        create_user(username=f"u{n}_{i}", password="pass12345", role="grid_worker",
                    scope=grids[i % 3])
    db.session.commit()


@pytest.mark.parametrize("url", [
    "/cases/", "/cases/?light=green", "/people/households", "/people/residents", "/people/?q=cs",
    "/dashboard/", "/map/", "/map/data.geojson?measure=overdue",
    "/visits/due?all=1", "/admin/users", "/admin/audit", "/cases/stats", "/key-persons/", "/",
])
def test_list_pages_do_not_grow_with_rows(client, tree, url):
    client.login("town_admin")
    _add_rows(tree, 4)
    few = _statements(client, url)
    _add_rows(tree, 12)
    many = _statements(client, url)
    assert many == few, f"{url}: {few} statements for few rows, {many} for more"


def _cases_in_new_towns(tree, n):
    """A case in each of ``n`` new towns of the tree's county (a village and a grid each)."""
    from portal.grids import services as grids

    for i in range(n):
        town = grids.create_grid(tree.county, "town", f"新镇{i}-{n}")
        grid = grids.create_grid(grids.create_grid(town, "village", f"新村{i}"), "grid", "一组")
        report(grid, category="hazard", title=f"新镇事件{i}", description="d", source="patrol",
               reporter=tree.users["county_admin"])
    db.session.commit()


@pytest.mark.parametrize("url", ["/cases/", "/cases/?light=green", "/"])
def test_a_countys_lists_do_not_grow_with_the_towns_of_their_rows(client, tree, url):
    """The N+1 of the towns: a county's rows come from many towns, each with its own rules
    (deadlines, yellow window); the rules are looked up for all of them at once."""
    client.login("county_admin")
    _cases_in_new_towns(tree, 1)
    few = _statements(client, url)
    _cases_in_new_towns(tree, 4)
    many = _statements(client, url)
    assert many == few, f"{url}: {few} statements for rows of 2 towns, {many} for 6"
