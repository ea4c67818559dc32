"""A resident's part of the today list: the cases they reported, still open or waiting for
their rating, linked to their own case pages (my_cases)."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from portal.cases.models import Case
from portal.cases.workflow import OPEN_STATES
from portal.extensions import db
from portal.today.items import NONE, YELLOW, TodayItem, TodayRow

ROW_LIMIT = 50


def reported_cases(user) -> TodayItem | None:
    """Cases the user reported that are still being handled, or closed and not yet rated."""
    from portal.cases.forms import STATE_LABELS

    cases = list(db.session.scalars(
        select(Case).where(Case.reporter_id == user.id,
                           or_(Case.state.in_(OPEN_STATES),
                               (Case.state == "closed") & Case.satisfaction.is_(None)))
        .order_by(Case.created_at.desc(), Case.id.desc()).limit(ROW_LIMIT)))
    if not cases:
        return None
    rows = []
    for case in cases:
        to_rate = case.state == "closed"
        meta = f"{case.number} · {STATE_LABELS[case.state]}"
        if to_rate:
            meta += " · " + _("请评价")
        rows.append(TodayRow(case.title, url_for("my_cases.show", case_id=case.id),
                             YELLOW if to_rate else None, meta))
    rating = sum(1 for c in cases if c.state == "closed")
    return TodayItem("my_reports", _("我反映的事件"), len(rows), url_for("my_cases.index"),
                     YELLOW if rating else NONE, rows, order=20,
                     note=_("待评价 %(n)d", n=rating) if rating else "")
