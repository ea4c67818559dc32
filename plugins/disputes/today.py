"""The disputes' part of a user's today list (the core's ``today_items`` hook): the monthly
screening reports due or late, disputes past (or near) their step's deadline that the user's
level handles, and follow-up visits due. Supervised like late cases: red when late."""
from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.grids.models import COUNTY, Grid
from portal.permissions import can
from portal.tenancy import in_subtree_where_on
from portal.timeutil import local_today

from . import ladder, services
from .labels import STATE_LABELS
from .models import Dispute, DisputeAgreement, DisputeFollowup

#: The screening shows on the list this many days before its day of the month.
SCREENING_NOTICE_DAYS = 5
#: A step due within this many days is yellow.
SOON_DAYS = 2
ROW_LIMIT = 100


def _screening(scope) -> list:
    from portal.today import RED, YELLOW, TodayRow

    today = local_today()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    rows = []
    for month in (last_month, this_month):
        for row in services.screening_board(scope, month):
            if row.report is not None or today < row.due - timedelta(days=SCREENING_NOTICE_DAYS):
                continue
            rows.append(TodayRow(_("%(grid)s %(m)s 月度排查未报告", grid=row.grid.name,
                                   m=f"{month:%Y-%m}"),
                                 url_for("disputes.board", month=f"{month:%Y-%m}"),
                                 RED if row.overdue else YELLOW,
                                 _("截止 %(d)s", d=row.due.isoformat())))
    return rows


def _late(user, scope) -> list:
    from portal.today import RED, YELLOW, TodayRow

    today = local_today()
    rank = ladder.rank_of(user)
    mine = [s for s in ladder.OPEN_STATES if ladder.state_rank(s) <= rank]
    disputes = db.session.scalars(
        select(Dispute).join(Grid, Grid.id == Dispute.grid_id)
        .where(in_subtree_where_on("disputes", scope), Dispute.state.in_(mine),
               Dispute.due_on <= today + timedelta(days=SOON_DAYS))
        .order_by(Dispute.due_on, Dispute.id).limit(ROW_LIMIT)).all()
    return [TodayRow(f"{d.number} {d.title[:30]}", url_for("disputes.show", dispute_id=d.id),
                     RED if d.due_on < today else YELLOW,
                     f"{STATE_LABELS[d.state]} · {_('期限')} {d.due_on.isoformat()}")
            for d in disputes]


def _followups(scope) -> list:
    from portal.today import RED, YELLOW, TodayRow

    today = local_today()
    visits = db.session.scalars(
        select(DisputeFollowup)
        .join(DisputeAgreement, DisputeAgreement.id == DisputeFollowup.agreement_id)
        .join(Dispute, Dispute.id == DisputeAgreement.dispute_id)
        .join(Grid, Grid.id == Dispute.grid_id)
        .where(in_subtree_where_on("disputes", scope), DisputeFollowup.done_on.is_(None),
               DisputeAgreement.broken_on.is_(None), DisputeFollowup.due_on <= today)
        .options(joinedload(DisputeFollowup.agreement).joinedload(DisputeAgreement.dispute))
        .order_by(DisputeFollowup.due_on).limit(ROW_LIMIT)).all()
    return [TodayRow(f"{v.agreement.dispute.number} {v.agreement.dispute.title[:30]}",
                     url_for("disputes.show", dispute_id=v.agreement.dispute_id),
                     RED if (today - v.due_on).days > 7 else YELLOW,
                     _("回访 %(d)s", d=v.due_on.isoformat()))
            for v in visits]


def items(user, scope) -> list:
    from portal.today.items import TodayItem, worst

    if not can(user, "disputes.view"):
        return []
    found = []
    if can(user, "disputes.report") and user.scope.level != COUNTY:  # a county reads the boards
        found.append(("disputes.screening", _("纠纷排查待报告"), _screening(scope), 140))
    if can(user, "disputes.mediate"):
        found.append(("disputes.late", _("纠纷调处到期"), _late(user, scope), 141))
        found.append(("disputes.followups", _("纠纷回访"), _followups(scope), 142))
    return [TodayItem(key, label, len(rows), url_for("today.index", item=key),
                      worst(r.light for r in rows), rows, order=order, module="disputes")
            for key, label, rows, order in found if rows]
