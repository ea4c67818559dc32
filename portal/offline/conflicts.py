"""What changed on the server while a visit waited on the phone: the household moved out, or to
another grid than the one the phone's list showed. Refused with the reason, so the phone keeps the
visit and shows why (a grid worker whose household left their grid is told by the 404 of
load_scoped instead, answered by replay.replayable's ``gone``)."""
from flask import request
from flask_babel import gettext as _

from portal.errors import DomainError
from portal.offline.replay import offered_key

#: The grid the household was in when the phone's list was made (templates/offline/visit_form).
GRID_FIELD = "household_grid"


def check_household(household) -> None:
    if offered_key() is None:  # a visit recorded online: the page showed the household as it is
        return
    if household.moved_out_at is not None:
        raise DomainError(_("该户已迁出，走访没有保存。"))
    seen = (request.form.get(GRID_FIELD) or "").strip()
    if seen.isdigit() and int(seen) != household.grid_id:
        raise DomainError(_("该户已迁到%(grid)s，走访没有保存，请核实后重新填写。",
                            grid=household.grid.name))
