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
]
#: A plan line that reads a whole table (an index walked end to end is still every row).
WHOLE = ("SCAN cases", "SCAN supervision_notices")


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
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    client.login(login, DEMO_PASSWORD)
    walks = []
    with db.engine.connect() as connection:
        for statement, parameters in _statements(client, url):
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            lines = [row[-1] for row in plan]
            if any(line.startswith(WHOLE) and "COVERING" not in line for line in lines):
                walks.append(" ".join(statement.split())[:300] + "\n    " + "\n    ".join(lines))
    assert not walks, "\n".join(walks)
