"""What changed on the server while a visit waited on the phone: the household moved out, or to
another grid than the one the phone's list showed. Refused with the reason, so the phone keeps the
visit and shows why (a grid worker whose household left their grid is told by the 404 of
load_scoped instead, answered by replay.replayable's ``gone``)."""
from flask_babel import gettext as _

from portal.errors import DomainError
from portal.offline.replay import offered_key


def check_household(household, seen_grid: str | None) -> None:
    """``seen_grid``: the household's grid as the form showed it (VisitForm.household_grid)."""
    if offered_key() is None:  # a form posted without the phone's key: no queue, no conflict
        return
    if household.moved_out_at is not None:
        raise DomainError(_("该户已迁出，走访没有保存。"))
    seen = (seen_grid or "").strip()
    if seen.isdigit() and int(seen) != household.grid_id:
        raise DomainError(_("该户已迁到%(grid)s，走访没有保存，请核实后重新填写。",
                            grid=household.grid.name))
