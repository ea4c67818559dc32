"""Each household keeps the day its next visit is due (``households.visit_due_on``), so that a
dashboard or a map counts the overdue households of a county from an index instead of applying
the visit rule to every household (issue 20: 515 of a county dashboard's 810 ms).

The day is the household's start (its latest visit, else the day it was registered) plus its
interval (portal.people.visits.interval_for: its colour, a member in a "四必访" care category, the
town's visit days); NULL once it moved out. It is computed in SQL, by one UPDATE per town:

- before the commit of a transaction that wrote a visit, a household (colour, grid, moved out),
  a resident (left, moved to another household) or a care category: the households concerned,
  in that transaction (:func:`_refresh_marked`);
- for a whole town when its visit days are written, by any path, before the commit;
- for everything after rows written without the ORM (the scaled demo, the import's bulk updates).

:func:`stale_visit_dues` recomputes every household's day in Python, the due list's way, and
lists those that differ: the tests run it after each kind of change.
"""
import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (case, event, exists, false, func, or_, select, true,
                        update)
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.grids.models import TOWN, Grid
from portal.people.models import Household, Resident, ResidentCare, Visit
from portal.people.write_marks import changed, mark, previous
from portal.tenancy import in_subtree
from portal.timeutil import sql_local_date

# the module, its names read when called: portal.people.models imports this module at its end,
# so a program importing portal.people.visits first (visits -> models -> here -> visits) finds
# visits half made
from portal.people import visits  # noqa: E402

#: session.info key: the households whose day the transaction has to compute again.
_MARKED = "visit_due_households"
#: Colours with an interval of their own; any other (or none) is ordinary.
_COLOURS = ("red", "yellow", "green")


def _due_on(days: dict[str, int], dialect: str) -> Any:
    """SQL: the visit due day of the households row being updated, under ``days``."""
    return _due_on_expression(tuple(sorted(days.items())), dialect)


@lru_cache(maxsize=64)
def _due_on_expression(days_items: tuple, dialect: str) -> Any:
    # built once per set of visit days: building it cost more than running the UPDATE
    days = dict(days_items)
    households = Household.__table__
    care = exists(select(Resident.id).select_from(Resident)
                  .join(ResidentCare, ResidentCare.resident_id == Resident.id)
                  .where(Resident.household_id == households.c.id, Resident.left_at.is_(None),
                         ResidentCare.category.in_(visits.VISIT_CARE_CATEGORIES)))

    def interval(needs_care: bool) -> Any:
        return case(*((households.c.colour == colour,
                       visits.interval_for(colour, needs_care, days))
                      for colour in _COLOURS), else_=visits.interval_for(None, needs_care, days))

    interval_days = case((care, interval(True)), else_=interval(False))
    # the start: the latest visit, else the local day the household was registered
    start = func.coalesce(households.c.last_visited_on, sql_local_date(households.c.created_at))
    if dialect == "postgresql":
        due: Any = start + interval_days
    else:  # SQLite keeps dates as 'YYYY-MM-DD' text: date() adds the days and stays that text
        due = func.date(start, func.printf("+%d days", interval_days))
    return case((households.c.moved_out_at.is_not(None), None), else_=due)


def _town_days(session: Session | Any, towns: list[Any]) -> dict[int, dict[str, int]]:
    """Each town's visit days over the defaults (read on ``session``: a migration has its own)."""
    from portal.settings.models import TownSetting

    stored = {town_id: json.loads(value) for town_id, value in session.execute(
        select(TownSetting.town_id, TownSetting.value).where(
            TownSetting.key == visits.SETTING, TownSetting.town_id.in_([t.id for t in towns])))}
    return {town.id: {**visits.DEFAULT_VISIT_DAYS, **stored.get(town.id, {})} for town in towns}


def _towns(session: Session | Any) -> list[Any]:
    """(id, code) of every town: all a refresh needs of them."""
    return list(session.execute(select(Grid.id, Grid.code).where(Grid.level == TOWN)))


def refresh(town: Any = None, household_ids: Iterable[int] | None = None,
            session: Session | Any = None) -> None:
    """Compute the due day again: of ``household_ids`` (all when None) under ``town`` (a Grid or
    an (id, code) row; every town when None, and households under no town by the default
    days)."""
    session = session or db.session
    ids = None if household_ids is None else sorted(set(household_ids))
    if ids is not None and not ids:
        return
    households = Household.__table__
    chosen = households.c.id.in_(ids) if ids is not None else true()
    towns = [town] if town is not None else _towns(session)
    days = _town_days(session, towns)
    for each in towns:
        under = select(Grid.id).where(in_subtree(Grid.code, each.code))
        _update(session, chosen, under, days[each.id])
    if town is None:
        _refresh_outside(session, towns, chosen)


def _refresh_outside(session: Session | Any, towns: list[Any], chosen: Any) -> None:
    """The ``chosen`` households hanging above every town (on the county itself): the default
    days."""
    in_a_town = or_(*(in_subtree(Grid.code, each.code) for each in towns)) if towns else false()
    _update(session, chosen, select(Grid.id).where(~in_a_town), visits.DEFAULT_VISIT_DAYS)


def _update(session: Session | Any, chosen: Any, grids: Any, days: dict[str, int]) -> None:
    households = Household.__table__
    session.execute(update(households).where(chosen, households.c.grid_id.in_(grids))
                    .values(visit_due_on=_due_on(days, session.get_bind().dialect.name)),
                    execution_options={"synchronize_session": False})


def stale_visit_dues() -> list[int]:
    """Households whose stored due day differs from the due list's rule (none, when the events
    kept them): for the tests and after bulk writes."""
    from portal.people.visits import rule_due_list

    wrong: list[int] = []
    towns = list(db.session.scalars(select(Grid).where(Grid.level == TOWN)))
    for town in towns:
        stored = dict(db.session.execute(
            select(Household.id, Household.visit_due_on).join(Grid, Grid.id == Household.grid_id)
            .where(Grid.code.startswith(town.code, autoescape=True))).all())
        expected = {due.household_id: due.due_on for due in rule_due_list(town, only_due=False)}
        wrong.extend(i for i, due_on in stored.items() if expected.get(i) != due_on)
    return sorted(wrong)


# ---------------------------------------------------------------- marked by the writes


def _mark(target: Any, *household_ids: int | None) -> None:
    mark(target, _MARKED, *household_ids)


@event.listens_for(Household, "after_insert")
def _household_added(mapper: Any, connection: Any, household: Household) -> None:
    _mark(household, household.id)


@event.listens_for(Household, "after_update")
def _household_changed(mapper: Any, connection: Any, household: Household) -> None:
    if changed(household, "colour", "grid_id", "moved_out_at", "created_at", "last_visited_on"):
        _mark(household, household.id)


def _watch(model: Any, *deciding: str) -> None:
    """Mark the household of a ``model`` row written, deleted, or changed in ``deciding`` (and
    the household it left, when it moved)."""
    def written(mapper: Any, connection: Any, target: Any) -> None:
        _mark(target, target.household_id, *previous(target, "household_id"))

    def updated(mapper: Any, connection: Any, target: Any) -> None:
        if changed(target, *deciding):
            written(mapper, connection, target)

    event.listen(model, "after_insert", written)
    event.listen(model, "after_delete", written)
    event.listen(model, "after_update", updated)


_watch(Visit, "visited_on", "household_id")
_watch(Resident, "left_at", "household_id")


@event.listens_for(ResidentCare, "after_insert")
@event.listens_for(ResidentCare, "after_update")
@event.listens_for(ResidentCare, "after_delete")
def _care_written(mapper: Any, connection: Any, care: ResidentCare) -> None:
    residents = Resident.__table__
    for resident_id in {care.resident_id, *previous(care, "resident_id")} - {None}:
        _mark(care, connection.scalar(select(residents.c.household_id)
                                      .where(residents.c.id == resident_id)))


#: session.info key: the towns whose visit days the transaction wrote (every household again).
_TOWNS = "visit_due_towns"


def _setting_written(mapper: Any, connection: Any, setting: Any) -> None:
    """A town's visit days written by any path (the rules page, a settings import, a script
    through set_setting): all its households are due on the new days."""
    if setting.key == visits.SETTING:
        mark(setting, _TOWNS, setting.town_id)


def _watch_settings() -> None:
    from portal.settings.models import TownSetting

    for name in ("after_insert", "after_update", "after_delete"):
        event.listen(TownSetting, name, _setting_written)


_watch_settings()


@event.listens_for(Session, "before_commit")
def _refresh_marked(session: Session) -> None:
    """Before a commit that wrote what a due day depends on: the marked households' day again,
    town by town, in the same transaction. Once per transaction however many flushes marked
    them (the demo flushes thousands of times), so a read inside the transaction, before its
    commit, may still see the day from before."""
    session.flush()  # the transaction's last writes mark theirs
    towns_written = session.info.pop(_TOWNS, None)
    if towns_written:
        for town in _towns(session):
            if town.id in towns_written:
                refresh(town, session=session)
    marked = session.info.pop(_MARKED, None)
    if not marked:
        return
    by_town: dict[int | None, set[int]] = defaultdict(set)
    towns = _towns(session)
    for household_id, code in session.execute(
            select(Household.id, Grid.code).join(Grid, Grid.id == Household.grid_id)
            .where(Household.id.in_(sorted(marked)))):
        town = next((t for t in towns if code.startswith(t.code)), None)
        by_town[town.id if town else None].add(household_id)
    by_id = {town.id: town for town in towns}
    for town_id, ids in by_town.items():
        if town_id is None:  # no town's rule: only the defaults' UPDATE, not every town's
            _refresh_outside(session, towns, Household.id.in_(sorted(ids)))
        else:
            refresh(by_id[town_id], ids, session=session)


@event.listens_for(Session, "after_rollback")
def _forget_marked(session: Session) -> None:
    """A transaction rolled back wrote nothing: its marks must not reach the next one."""
    session.info.pop(_MARKED, None)
    session.info.pop(_TOWNS, None)


# ---------------------------------------------------------------- counting


def due_counts(scope: Grid, today: date) -> dict[int, tuple[int, int]]:
    """Base grid id → (households overdue, households due within three days) under ``scope``:
    read from the (grid_id, visit_due_on) index, so a town costs its own households and a county
    only the households due."""
    soon_until = today + timedelta(days=3)
    due = Household.visit_due_on
    rows = db.session.execute(
        select(Household.grid_id, func.sum(case((due < today, 1), else_=0)),
               func.sum(case((due >= today, 1), else_=0)))
        .where(Household.grid_id.in_(select(Grid.id).where(in_subtree(Grid.code, scope))),
               due <= soon_until)
        .group_by(Household.grid_id))
    return {grid_id: (int(late or 0), int(near or 0)) for grid_id, late, near in rows}
