"""The patrols part's rows of the grid_work route matrix (tests/test_routes.py). The worker's
own actions are refused (403) to everyone else before any record is looked at, so they are
not ``scoped``; the pages a worker and an admin share are (another town's is a 404)."""
from portal.permissions import ADMINS
from portal.testing import PUBLIC, Rule

WORKER = ("grid_worker",)

ROUTES: dict = {
    ("grid_work.static", "GET"): Rule(PUBLIC, scoped=False),
    # a worker's day; an admin sees the workers of their scope there
    ("grid_work.home", "GET"): Rule("grid_work.own", scoped=False, also=ADMINS),
    ("grid_work.patrol", "GET"): Rule("grid_work.view", also=WORKER),
    ("grid_work.point_photo", "GET"): Rule("grid_work.view", also=WORKER),
    ("grid_work.patrols", "GET"): Rule("grid_work.view", also=WORKER),
    ("grid_work.workers", "GET"): Rule("grid_work.view", scoped=False),
    ("grid_work.worker_log", "GET"): Rule("grid_work.view"),
    ("grid_work.checkpoints", "GET"): Rule("grid_work.manage", scoped=False),
    ("grid_work.checkpoint_print", "GET"): Rule("grid_work.manage", scoped=False),
    # the scan shows the checkpoint and its one button; only the button's POST records
    ("grid_work.scan", "GET"): Rule("grid_work.own", scoped=False),
    ("grid_work.log_today", "GET"): Rule("grid_work.own", scoped=False),
    ("grid_work.log_day", "GET"): Rule("grid_work.own", scoped=False),
    ("grid_work.week", "GET"): Rule("grid_work.own", scoped=False),
    # posts: nothing filled in is refused (422), a button without fields goes on (303)
    ("grid_work.start", "POST"): Rule("grid_work.own", ok=303, scoped=False),
    ("grid_work.point", "POST"): Rule("grid_work.own", ok=422, scoped=False),
    ("grid_work.problem", "POST"): Rule("grid_work.own", ok=422, scoped=False),
    ("grid_work.end", "POST"): Rule("grid_work.own", ok=303, scoped=False),
    ("grid_work.scan", "POST"): Rule("grid_work.own", ok=303, scoped=False),
    ("grid_work.checkpoints", "POST"): Rule("grid_work.manage", ok=422, scoped=False),
    ("grid_work.checkpoint_retire", "POST"): Rule("grid_work.manage", ok=303),
    ("grid_work.log_day", "POST"): Rule("grid_work.own", ok=303, scoped=False),
    ("grid_work.log_close", "POST"): Rule("grid_work.own", ok=303, scoped=False),
}
