"""Pages of the today list: every item with all its rows (or one item's, ?item=key), and the
printable A5 day sheet for a worker who prefers paper."""
from flask import Blueprint, request
from flask_login import current_user, login_required

from portal.rendering import render
from portal.timeutil import local_today
from portal.today.listing import items_for

bp = Blueprint("today", __name__, url_prefix="/today")


@bp.route("/")
@login_required
def index():
    """The whole list; ``?item=key``: one item's rows in full (the list its number links to
    where no other list filters exactly those rows)."""
    key = request.args.get("item") or None
    items = [item for item in items_for(current_user) if key is None or item.key == key]
    return render("today/index.html", items=items, key=key, today=local_today())


def walking_order(rows):
    """Rows grouped by hamlet or building, each group in house-number order: [(group, rows)]."""
    groups: dict[str, list] = {}
    for row in sorted(rows, key=lambda r: (r.group, r.sort_key)):
        groups.setdefault(row.group, []).append(row)
    return list(groups.items())


@bp.route("/sheet")
@login_required
def sheet():
    """The same list on one A5 sheet: visits in walking order with boxes to tick and lines to
    write on, then the other items."""
    items = items_for(current_user)
    visits = next((item for item in items if item.key == "visits"), None)
    return render("today/sheet.html", items=[i for i in items if i is not visits],
                  visits=visits, walk=walking_order(visits.rows) if visits else [],
                  today=local_today())
