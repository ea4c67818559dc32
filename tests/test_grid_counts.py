"""Each grid keeps its households and residents counts (grids.households_count and
grids.residents_count, kept by portal.people.grid_counts), so that a county's home page and
dashboard add up per-grid counts. Every write that moves a count keeps them equal to a count of
the register, and the pages show the register's numbers."""
import flask_migrate
import pytest
from sqlalchemy import func, select, text

from portal.extensions import db
from portal.grids.models import Grid
from portal.grids.services import child_counts, counts_under
from portal.people import services
from portal.people.grid_counts import _MARKED, refresh, stale_grid_counts
from portal.people.models import Household, Resident


def _kept(grid) -> tuple[int, int]:
    db.session.expire_all()
    row = db.session.get(Grid, grid.id)
    return row.households_count, row.residents_count


def _counted(grid) -> tuple[int, int]:
    households = db.session.scalar(select(func.count()).select_from(Household).where(
        Household.grid_id == grid.id, Household.moved_out_at.is_(None)))
    residents = db.session.scalar(select(func.count()).select_from(Resident).where(
        Resident.grid_id == grid.id, Resident.left_at.is_(None)))
    return households, residents


def _member(household):
    return db.session.scalars(select(Resident).filter_by(household_id=household.id,
                                                         left_at=None)).first()


EDITS = {
    "a household is added": lambda t: services.add_household(t.grid_a2, "新村路9号"),
    "a resident is added": lambda t: services.add_resident(t.household_a2, "新成员", "other"),
    "a resident leaves": lambda t: services.mark_left(_member(t.household_a2), "moved_away"),
    "a household moves to another town": lambda t: services.move_household(t.household_a2,
                                                                           t.grid_b1),
    "a household moves out": lambda t: services.move_out_household(t.household_a2),
    "a resident is deleted": lambda t: db.session.delete(_member(t.household_a2)),
}


@pytest.mark.parametrize("edit", EDITS)
def test_every_write_keeps_the_counts(app, tree, edit):
    assert stale_grid_counts() == []
    before = {g.id: (g.households_count, g.residents_count)
              for g in db.session.scalars(select(Grid))}
    EDITS[edit](tree)
    db.session.commit()
    assert stale_grid_counts() == []
    db.session.expire_all()
    after = {g.id: (g.households_count, g.residents_count)
             for g in db.session.scalars(select(Grid))}
    assert after != before, "the edit was meant to change a count"


def test_the_tree_counts_what_the_register_holds(app, tree):
    for grid in db.session.scalars(select(Grid)).all():
        assert _kept(grid) == _counted(grid)
    assert _kept(tree.household_a2.grid) != (0, 0)


def test_the_pages_figures_are_the_registers(app, tree):
    """counts_under and child_counts (the home page, the grid tree) add the kept counts up to
    what counting the register under each node gives."""
    services.add_resident(tree.household_a2, "再添一人", "other")
    db.session.commit()
    for node in (tree.county, tree.town_a, tree.village_a1):
        codes = [g.code for g in db.session.scalars(select(Grid))
                 if g.code.startswith(node.code)]
        grids = [g for g in db.session.scalars(select(Grid)) if g.code in codes]
        households = sum(_counted(g)[0] for g in grids)
        residents = sum(_counted(g)[1] for g in grids)
        total = counts_under(node)
        assert (total.households, total.residents) == (households, residents)
        children = child_counts(node)
        assert sum(c.residents for c in children.values()) == residents - _counted(node)[1]


def test_a_rolled_back_write_leaves_no_mark_for_the_next_commit(app, tree):
    services.add_resident(tree.household_a2, "不算数", "other")
    db.session.flush()
    assert db.session.info.get(_MARKED)
    db.session.rollback()
    assert not db.session.info.get(_MARKED)
    assert stale_grid_counts() == []


def test_rows_written_without_the_orm_are_counted_by_a_refresh(app, tree):
    grid = tree.household_a2.grid
    db.session.execute(text("UPDATE residents SET left_at = created_at WHERE grid_id = :g"),
                       {"g": grid.id})
    db.session.commit()
    assert stale_grid_counts() == [grid.id]
    refresh(under=tree.town_b)
    assert stale_grid_counts() == [grid.id], "another town's refresh leaves it"
    refresh(under=tree.town_a)
    db.session.commit()
    assert stale_grid_counts() == []
    assert _kept(grid)[1] == 0


def test_an_import_keeps_the_counts(app, tree):
    from tests.test_people_import import ident, xlsx

    from portal.people.transfer import import_file

    before = _kept(tree.grid_a2)
    code = tree.grid_a2.code
    report = import_file(xlsx([
        [code, "101", "城西路101号", "", "王大山", "户主", ident(1), "", "户籍常住", "", ""],
        [code, "101", "城西路101号", "", "王小山", "子女", ident(2), "", "户籍常住", "", ""],
    ]), tree.town_a)
    db.session.commit()
    assert report.written and not report.errors
    assert stale_grid_counts() == []
    assert _kept(tree.grid_a2) == (before[0] + 1, before[1] + 2)


def test_the_demo_keeps_every_count(demo):
    assert stale_grid_counts() == []
    assert db.session.scalar(select(func.sum(Grid.residents_count))) > 0


def test_the_migration_counts_what_is_there(make_app, app_config):
    app = make_app(app_config)
    with app.app_context():
        flask_migrate.upgrade(revision="core_0023")
        run = lambda sql: db.session.execute(text(sql))  # noqa: E731
        run("INSERT INTO grids (id, code, name, level, created_at) VALUES "
            "(1, '430624', '湘阴县', 'county', '2026-01-01 00:00:00'), "
            "(2, '430624001', '文星镇', 'town', '2026-01-01 00:00:00')")
        run("INSERT INTO households (id, grid_id, address, created_at, moved_out_at) VALUES "
            "(1, 2, '一号', '2026-01-01 08:00:00', NULL), "
            "(2, 2, '二号', '2026-01-01 08:00:00', '2026-06-01 00:00:00')")
        run("INSERT INTO residents (id, grid_id, household_id, name, relation, residence, "
            "party_member, created_at, left_at) VALUES "
            "(1, 2, 1, '甲', 'head', 'local', false, '2026-01-01 08:00:00', NULL), "
            "(2, 2, 1, '乙', 'child', 'local', false, '2026-01-01 08:00:00', NULL), "
            "(3, 2, 2, '丙', 'head', 'local', false, '2026-01-01 08:00:00', "
            "'2026-06-01 00:00:00')")
        db.session.commit()
        flask_migrate.upgrade(revision="core_0024")
        rows = dict((i, (h, r)) for i, h, r in db.session.execute(
            text("SELECT id, households_count, residents_count FROM grids ORDER BY id")))
        assert rows == {1: (0, 0), 2: (1, 2)}
        db.session.remove()
        db.engine.dispose()


def test_the_commands_find_and_mend_a_difference(app, tree, runner):
    grid = tree.household_a2.grid
    assert runner.invoke(args=["people", "counts", "verify"]).exit_code == 0
    db.session.execute(text("UPDATE grids SET residents_count = 99 WHERE id = :g"),
                       {"g": grid.id})
    db.session.commit()
    found = runner.invoke(args=["people", "counts", "verify"])
    assert found.exit_code == 1 and str(grid.id) in found.output
    mended = runner.invoke(args=["people", "counts", "refresh"])
    assert mended.exit_code == 0 and "1 grids had differed" in mended.output
    assert runner.invoke(args=["people", "counts", "verify"]).exit_code == 0
    assert _kept(grid) == _counted(grid)


@pytest.fixture
def plugins_extra():
    """The demo as `portal demo` loads it, without the tests' example plugin: every demo test
    then shares one demo snapshot (a second one, with the example's table, cost a build a run)."""
    return []
