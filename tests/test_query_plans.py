"""The home pages and dashboards never walk every case (issue 20). On SQLite a list of rare cases
ordered and limited (ORDER BY … LIMIT) is planned as a walk through the order's index over the
whole table until enough rows match: nearly free when they are common, the whole county's cases
when they are rare or none. Each page's statements are planned here (EXPLAIN QUERY PLAN, with
the statistics a deployment's ANALYZE gives) and none may scan the cases or the supervision
notices outright."""
import pytest
from sqlalchemy import event, text

from portal.demo import DEMO_PASSWORD
from portal.extensions import db

#: (login, page): the pages every town and county official opens first, every day.
PAGES = [
    ("county", "/"), ("county", "/dashboard/?code=430624"),
    ("wenxing", "/"), ("wenxing", "/dashboard/?code=430624001"),
    ("chengxi", "/"), ("gridworker", "/"),
    # a village of the town with every module on: the points card reads the village's accounts
    ("county", "/dashboard/?code=430624001001"),
]
#: A plan line that reads a whole table (an index walked end to end is still every row).
WHOLE = ("SCAN cases", "SCAN supervision_notices")
#: Tables whose every row may not be read even through a covering index: a village's points
#: card once walked the county's accounts index to find the village's accounts.
NOT_EVEN_COVERING = ("SCAN points_accounts", "SCAN points_entries")


#: sqlite_stat1 of the whole county's demo (bench/pages.py --scale-factor 1.0, after ANALYZE) for
#: the points tables: the demo's few accounts are cheapest read whole, and SQLite plans by the
#: statistics it is given; given the county's, it plans as it does for a county.
COUNTY_STATS = {
    ("points_accounts", "ix_points_accounts_town_id"): "43091 8619",
    ("points_accounts", "ix_points_accounts_grid_id"): "43091 130",
    ("points_entries", "ix_points_entries_town_time"): "505904 101181 6",
    ("points_entries", "ix_points_entries_redemption_id"): "505904 9",
    ("points_entries", "ix_points_entries_account"): "505904 12 1",
    ("grids", "ix_grids_parent_id"): "1320 7",
}


def _county_statistics() -> None:
    """ANALYZE, then the county's figures for the tables in COUNTY_STATS (the other indexes of
    those tables get the county's row count), read again by the planner."""
    db.session.execute(text("ANALYZE"))
    tables = {table for table, _index in COUNTY_STATS}
    rows = {table: stat.split()[0] for (table, _index), stat in COUNTY_STATS.items()}
    for table, index, stat in db.session.execute(text(
            "SELECT tbl, idx, stat FROM sqlite_stat1")).all():
        if table in tables:
            kept = COUNTY_STATS.get((table, index))
            if kept is None:  # a unique index: one row per value, the county's rows
                kept = " ".join([rows[table], *["1"] * (len(stat.split()) - 1)])
            db.session.execute(text("UPDATE sqlite_stat1 SET stat = :s WHERE tbl = :t AND "
                                    "idx IS :i"), {"s": kept, "t": table, "i": index})
    db.session.execute(text("ANALYZE sqlite_schema"))  # the planner reads sqlite_stat1 again
    db.session.commit()


def _walks(line: str) -> bool:
    return line.startswith(NOT_EVEN_COVERING) or (line.startswith(WHOLE)
                                                  and "COVERING" not in line)


def _statements(client, url):
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    return seen


@pytest.mark.parametrize("login, url", PAGES)
def test_no_home_page_or_dashboard_walks_every_case(app, demo, client, login, url):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plans checked are SQLite's (PostgreSQL plans by its own statistics)")
    _county_statistics()
    client.login(login, DEMO_PASSWORD)
    walks = []
    with db.engine.connect() as connection:
        for statement, parameters in _statements(client, url):
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            lines = [row[-1] for row in plan]
            if any(_walks(line) for line in lines):
                walks.append(" ".join(statement.split())[:300] + "\n    " + "\n    ".join(lines))
    assert not walks, "\n".join(walks)


def test_a_countys_late_cases_are_counted_from_the_open_cases_index_alone(app, demo, client):
    """The home page's late cases by step and the dashboard's open and red cases (a county's, a
    town's) read the partial index of open cases (ix_cases_open_steps), never a case row: the
    states are written out as the index's own WHERE reads them (cases.queries.open_cases)."""
    from portal.cases.models import OPEN_STATES_SQL
    from portal.cases.workflow import OPEN_STATES

    assert OPEN_STATES_SQL == "state IN ({})".format(", ".join(f"'{s}'" for s in OPEN_STATES))
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plans checked are SQLite's (PostgreSQL plans by its own statistics)")
    _county_statistics()
    client.login("county", DEMO_PASSWORD)
    found = {}
    with db.engine.connect() as connection:
        for url, marker in (("/", "sum(CASE WHEN (cases.state IN"),
                            ("/dashboard/?code=430624",
                             "count(*) AS count_1, sum(CASE WHEN (cases.state IN"),
                            ("/dashboard/?code=430624001",
                             "count(*) AS count_1, sum(CASE WHEN (cases.state IN")):
            for statement, parameters in _statements(client, url):
                if marker in statement and "FROM cases" in statement:
                    plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                      parameters).all()
                    found[url] = [row[-1] for row in plan if "cases" in row[-1]]
    assert set(found) == {"/", "/dashboard/?code=430624", "/dashboard/?code=430624001"}, found
    for url, lines in found.items():
        assert lines and all("COVERING INDEX ix_cases_open_steps" in line for line in lines), \
            (url, lines)
    # a town's: its own grids sought in the index, not the county's open cases read and sifted
    assert all("grid_id=?" in line for line in found["/dashboard/?code=430624001"]), found


@pytest.fixture
def plugins_extra():
    """The demo as `portal demo` loads it, without the tests' example plugin: every demo test
    then shares one demo snapshot (a second one, with the example's table, cost a build a run)."""
    return []
