"""Disputes pages: the month's statistics of a node and its children, and the monthly 台账 as
.xlsx in the layout a township files (audited: it names the parties)."""
from flask import request
from flask_login import current_user

from portal import audit
from portal.permissions import requires
from portal.rendering import render
from portal.web import commit

from . import export, stats
from .register_views import node_arg
from .screening_views import month_arg


@requires("disputes.view")
def statistics():
    node = node_arg()
    month = month_arg(request.args.get("month"))
    total, children = stats.figures(node, month)
    return render("disputes/stats.html", node=node, scope=node, month=month, total=total,
                  children=children)


@requires("disputes.view")
def ledger():
    node = node_arg()
    month = month_arg(request.args.get("month"))
    answer = export.ledger(node, month)
    audit.record("disputes.export", None, scope_code=node.code, user=current_user,
                 month=f"{month:%Y-%m}")
    commit()
    return answer
