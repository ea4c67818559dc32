"""The contest pages must not run more SQL as the contest has more grids (no N+1)."""
from plugins.best_grid import services
from portal.extensions import db
from portal.grids.services import create_grid
from tests.test_query_counts import StatementCounter


def test_contest_pages_do_not_grow_with_grids(client, contest):
    tree = contest.tree

    def contest_with(n):
        for i in range(n):
            grid = create_grid(tree.village_a2, "grid", f"新网格{n}-{i}")
            services.place(grid, contest.model if i % 2 else contest.rising)
        item = services.create_contest(tree.town_a, title=f"评比{n}", kind="quarterly",
                                       starts_on=contest.contest.starts_on,
                                       ends_on=contest.contest.ends_on,
                                       criteria=[("cases.on_time", "a", 50), ("judged:1", "b", 50)])
        db.session.commit()
        return item

    client.login("town_admin")
    counts = []
    for n in (2, 8):
        item = contest_with(n)
        urls = [f"/best-grid/contests/{item.id}", f"/best-grid/contests/{item.id}/judge"]
        row = []
        for url in urls:
            with StatementCounter(db.engine) as counter:
                assert client.get(url).status_code == 200
            row.append(counter.count)
        services.publish(item)
        db.session.commit()
        with StatementCounter(db.engine) as counter:
            assert client.get(f"/best-grid/public/{tree.town_a.code}").status_code == 200
        row.append(counter.count)
        counts.append(row)
    assert counts[0] == counts[1], f"statements for few grids {counts[0]}, for more {counts[1]}"
