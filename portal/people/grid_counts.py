"""Each grid keeps how many households and residents are registered on it
(``grids.households_count`` and ``grids.residents_count``), so that a county's home page and
dashboard add up its 1,300 grids instead of counting 600,000 residents' index entries (issue 20:
about 60 ms of each at county scale).

A household counts until it moved out, a resident until they left. The counts are computed in
SQL, by one UPDATE of the grids concerned:

- before the commit of a transaction that wrote a household or a resident (added, deleted,
  moved to another grid, moved out or left): the grids it was on and is on, in that transaction
  (:func:`_refresh_marked`);
- for every grid after rows written without the ORM (the scaled demo, the import's bulk
  writes): :func:`refresh`.

Two transactions adding people to the same grid at the same moment on PostgreSQL may each count
without the other's row; the next write on that grid counts again, and :func:`stale_grid_counts`
(``portal people counts verify``) finds any difference, ``portal people counts refresh`` mends it.
"""
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, func, select, true, update
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.grids.models import Grid
from portal.people.models import Household, Resident
from portal.people.write_marks import changed, mark, previous
from portal.tenancy import in_subtree

#: session.info key: the grids whose counts the transaction has to compute again.
_MARKED = "grid_counts_grids"


def _counted() -> dict[str, Any]:
    """The two counts of the grids row being updated, as correlated subqueries."""
    grids = Grid.__table__
    households = (select(func.count()).select_from(Household)
                  .where(Household.grid_id == grids.c.id, Household.moved_out_at.is_(None))
                  .scalar_subquery())
    residents = (select(func.count()).select_from(Resident)
                 .where(Resident.grid_id == grids.c.id, Resident.left_at.is_(None))
                 .scalar_subquery())
    return {"households_count": households, "residents_count": residents}


def refresh(grid_ids: Iterable[int] | None = None, session: Session | Any = None,
            under: Grid | None = None) -> None:
    """Count again the households and residents of ``grid_ids``, or of every grid ``under`` a
    node (itself included), or of every grid when neither is given."""
    session = session or db.session
    ids = None if grid_ids is None else sorted(set(grid_ids))
    if ids is not None and not ids:
        return
    grids = Grid.__table__
    chosen = (grids.c.id.in_(ids) if ids is not None
              else in_subtree(grids.c.code, under) if under is not None else true())
    session.execute(update(grids).where(chosen).values(**_counted()),
                    execution_options={"synchronize_session": False})


def stale_grid_counts() -> list[int]:
    """Grids whose kept counts differ from a count of the register (none, when the events kept
    them)."""
    grids = Grid.__table__
    counted = _counted()
    rows = db.session.execute(select(grids.c.id).where(
        (grids.c.households_count != counted["households_count"])
        | (grids.c.residents_count != counted["residents_count"])))
    return sorted(grid_id for (grid_id,) in rows)


# ---------------------------------------------------------------- marked by the writes


def _watch(model: Any, gone: str) -> None:
    """Mark the grid of a ``model`` row written or deleted, or changed in its grid or in
    ``gone`` (moved out, left), and the grid it was on before."""
    def written(mapper: Any, connection: Any, target: Any) -> None:
        mark(target, _MARKED, target.grid_id, *previous(target, "grid_id"))

    def updated(mapper: Any, connection: Any, target: Any) -> None:
        if changed(target, "grid_id", gone):
            written(mapper, connection, target)

    event.listen(model, "after_insert", written)
    event.listen(model, "after_delete", written)
    event.listen(model, "after_update", updated)


_watch(Household, "moved_out_at")
_watch(Resident, "left_at")


@event.listens_for(Session, "before_commit")
def _refresh_marked(session: Session) -> None:
    """Before a commit that wrote households or residents: their grids' counts again, in the
    same transaction; once per transaction however many flushes marked them."""
    session.flush()  # the transaction's last writes mark theirs
    marked = session.info.pop(_MARKED, None)
    if marked:
        refresh(marked, session=session)


@event.listens_for(Session, "after_rollback")
def _forget_marked(session: Session) -> None:
    """A transaction rolled back wrote nothing: its marks must not reach the next one."""
    session.info.pop(_MARKED, None)
