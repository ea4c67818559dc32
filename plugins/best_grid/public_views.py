"""The screen in the town hall: a town's latest published results, no login."""
from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.grids.models import TOWN, Grid
from portal.rendering import render

from . import services
from .contest_views import ranking
from .models import BestGridContest, BestGridWorkerAward


def public(town_code):
    """The latest published contest of a town, for a screen in the town hall: no login."""
    town = db.session.scalar(select(Grid).filter_by(code=town_code, level=TOWN))
    if town is None:
        abort(404)
    item = db.session.scalar(select(BestGridContest).filter_by(town_id=town.id)
                             .where(BestGridContest.published_at.is_not(None))
                             .order_by(BestGridContest.published_at.desc()).limit(1))
    results = ranking(item) if item else []
    charts = [{"title": k.name, "names": [r.entry.grid.name for r in rows],
               "totals": [r.total for r in rows]} for k, rows in results]
    awards = db.session.scalars(select(BestGridWorkerAward).filter_by(contest_id=item.id)
                                .options(joinedload(BestGridWorkerAward.grid))).all() if item else []
    return render("best_grid/public.html", town=town, contest=item,
                  blocks=list(zip(results, charts)), awards=awards,
                  flags=services.current_flags(town), scope=town)
