"""The mutual-aid groups' part of a user's today list (the core's ``today_items`` hook): help
asked for and not solved yet, nor passed on as a case: for the staff of the scope, and for a
group's leader (a resident) their own group's."""
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.grids.models import Grid
from portal.permissions import can
from portal.tenancy import in_subtree_where_on, resident_of
from portal.timeutil import local_today

from .models import MutualAidGroup, MutualAidHelp

#: Unsolved help older than this is shown red: a neighbour has waited long enough.
LATE_DAYS = 7
ROW_LIMIT = 100


def open_helps(user, scope) -> list:
    query = (select(MutualAidHelp).join(MutualAidGroup, MutualAidGroup.id == MutualAidHelp.group_id)
             .join(Grid, Grid.id == MutualAidGroup.grid_id)
             .where(MutualAidHelp.solved.is_(False), MutualAidHelp.case_id.is_(None),
                    MutualAidGroup.dissolved_on.is_(None),
                    in_subtree_where_on("mutual_aid", scope))
             .options(joinedload(MutualAidHelp.group))
             .order_by(MutualAidHelp.happened_on, MutualAidHelp.id).limit(ROW_LIMIT))
    if not can(user, "mutual_aid.view") or user.role == "resident":
        resident = resident_of(user)
        if resident is None:
            return []
        query = query.where(MutualAidGroup.leader_id == resident.id)  # the groups they lead
    return list(db.session.scalars(query))


def items(user, scope) -> list:
    from portal.today import RED, YELLOW, TodayItem, TodayRow

    helps = open_helps(user, scope)
    if not helps:
        return []
    today = local_today()
    rows = []
    for h in helps:
        waited = (today - h.happened_on).days
        rows.append(TodayRow(h.description[:40], url_for("mutual_aid.help_page", help_id=h.id),
                             RED if waited > LATE_DAYS else YELLOW,
                             f"{h.group.name} · {h.happened_on.isoformat()}"))
    late = any(r.light == RED for r in rows)
    return [TodayItem("mutual_aid.open", _("互助待解决"), len(rows),
                      url_for("today.index", item="mutual_aid.open"), RED if late else YELLOW,
                      rows, order=130, module="mutual_aid")]
