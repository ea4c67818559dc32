"""The associations' part of a user's today list (the core's ``today_items`` hook): an
officer's associations, each with the members' appeals (申诉) waiting for a decision; for the
admins over them, the appeals waiting in their scope."""
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.grids.models import Grid
from portal.permissions import ADMINS, can
from portal.tenancy import in_subtree_where_on

from .models import (AssociationsAppeal, AssociationsAssociation, AssociationsOfficer,
                     AssociationsScore)

ROW_LIMIT = 100


def _pending_by_association(ids) -> dict[int, int]:
    if not ids:
        return {}
    return dict(db.session.execute(
        select(AssociationsScore.association_id, func.count(AssociationsAppeal.id))
        .join(AssociationsScore, AssociationsScore.id == AssociationsAppeal.score_id)
        .where(AssociationsAppeal.decision.is_(None), AssociationsScore.association_id.in_(ids))
        .group_by(AssociationsScore.association_id)).all())


def officer_items(user, scope) -> list:
    """The associations the user is an officer of, in the towns where the module is on."""
    from portal.today import NONE, YELLOW, TodayItem, TodayRow

    mine = list(db.session.scalars(
        select(AssociationsAssociation)
        .join(AssociationsOfficer, AssociationsOfficer.association_id == AssociationsAssociation.id)
        .join(Grid, Grid.id == AssociationsAssociation.grid_id)
        .where(AssociationsOfficer.user_id == user.id, in_subtree_where_on("associations", scope))
        .options(joinedload(AssociationsAssociation.grid))
        .order_by(AssociationsAssociation.name).limit(ROW_LIMIT)))
    if not mine:
        return []
    pending = _pending_by_association([a.id for a in mine])
    rows = [TodayRow(a.name, url_for("associations.show", association_id=a.id),
                     YELLOW if pending.get(a.id) else None,
                     a.grid.name + (" · " + _("待处理申诉 %(n)d", n=pending[a.id])
                                    if pending.get(a.id) else ""))
            for a in mine]
    waiting = sum(pending.values())
    return [TodayItem("associations.mine", _("我的协会"), len(rows),
                      url_for("today.index", item="associations.mine"),
                      YELLOW if waiting else NONE, rows, order=140,
                      note=_("待处理申诉 %(n)d", n=waiting) if waiting else "",
                      module="associations")]


def admin_items(user, scope) -> list:
    """Appeals waiting in the scope, for the admins over its associations."""
    from portal.today import YELLOW, TodayItem, TodayRow

    appeals = db.session.execute(
        select(AssociationsAppeal, AssociationsAssociation.id, AssociationsAssociation.name)
        .join(AssociationsScore, AssociationsScore.id == AssociationsAppeal.score_id)
        .join(AssociationsAssociation,
              AssociationsAssociation.id == AssociationsScore.association_id)
        .join(Grid, Grid.id == AssociationsAssociation.grid_id)
        .where(AssociationsAppeal.decision.is_(None), in_subtree_where_on("associations", scope))
        .order_by(AssociationsAppeal.filed_at, AssociationsAppeal.id).limit(ROW_LIMIT)).all()
    if not appeals:
        return []
    rows = [TodayRow(appeal.reason[:40], url_for("associations.show", association_id=aid)
                     + f"#appeal-{appeal.id}", YELLOW, name)
            for appeal, aid, name in appeals]
    return [TodayItem("associations.appeals", _("协会待处理申诉"), len(rows),
                      url_for("today.index", item="associations.appeals"), YELLOW, rows,
                      order=140, module="associations")]


def items(user, scope) -> list:
    if user.role in ADMINS and can(user, "associations.run"):
        return admin_items(user, scope)
    if can(user, "associations.run"):
        return officer_items(user, scope)
    return []
