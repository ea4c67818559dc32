"""The portal's one clock: naive UTC in the database, the configured time zone for people.

Every "now", "today", "which day / which month" and every conversion between stored UTC and the
time people read goes through here; a lint rule (ruff's banned-api, see pyproject.toml) forbids
reading the server's own clock anywhere else. On a server set to UTC, ``date.today()`` says it
is still yesterday until 08:00 in China: reports, deadlines and typed dates would be a day off.

The zone is the configuration's ``BABEL_DEFAULT_TIMEZONE`` (default Asia/Shanghai, China
Standard Time, UTC+8 all year), the same one Flask-Babel formats dates in, so a deployment
changes it in one place (instance/config.py or PORTAL_TIME_ZONE)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any, overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from sqlalchemy.sql.elements import ColumnElement

#: The zone used when no application is around (command-line helpers, unit tests without an app).
DEFAULT_ZONE = "Asia/Shanghai"


def local_zone() -> ZoneInfo:
    """The configured zone (ZoneInfo caches one instance per key, so this is cheap)."""
    from flask import current_app, has_app_context

    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return zone_named(name or DEFAULT_ZONE)


def zone_named(name: str) -> ZoneInfo:
    """The zone of an IANA name; a misspelt one is refused with the name in the message (the
    configuration checks it at start, not on the first page that shows a date)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (BABEL_DEFAULT_TIMEZONE / PORTAL_TIME_ZONE),"
                         " e.g. 'Asia/Shanghai'") from None


def utcnow() -> datetime:
    """Naive UTC, the one form every database we run on stores alike."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


@overload
def to_local(moment: None, aware: bool = False) -> None: ...
@overload
def to_local(moment: datetime, aware: bool = False) -> datetime: ...
def to_local(moment: datetime | None, aware: bool = False) -> datetime | None:
    """A stored naive-UTC timestamp (or an aware one) in local time: naive, as people read it,
    or ``aware`` (with its offset, for ISO 8601 output). None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(local_zone())
    return local if aware else local.replace(tzinfo=None)


def to_utc(moment: datetime) -> datetime:
    """Naive UTC, as stored, of a local wall-clock time (naive) or of an aware timestamp."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def local_now() -> datetime:
    """Naive local time whatever zone the server's clock is set to."""
    return to_local(utcnow())


def local_today() -> date:
    """Today as a grid worker counts it: the one "today" every module uses."""
    return local_now().date()


def local_date(moment: datetime) -> date:
    """The local calendar day of a stored naive-UTC timestamp."""
    return to_local(moment).date()


def local_offset(moment: datetime | None = None) -> timedelta:
    """The zone's distance from UTC at ``moment`` (naive UTC; now when left out). SQL can only
    shift by a fixed amount: exact for zones without daylight saving, which is all of China."""
    offset = (moment or utcnow()).replace(tzinfo=timezone.utc).astimezone(local_zone()).utcoffset()
    return offset or timedelta(0)


def utc_start_of(day: date) -> datetime:
    """Naive UTC of local midnight at the start of ``day``."""
    return to_utc(datetime.combine(day, time.min))


def utc_bounds(since: date, until: date) -> tuple[datetime, datetime]:
    """[start, end) in naive UTC of the local days ``since`` .. ``until`` (both included)."""
    return utc_start_of(since), utc_start_of(until + timedelta(days=1))


def months_back(until: date, count: int) -> list[str]:
    """The ``count`` months up to the month of ``until``, oldest first, as "YYYY-MM"."""
    year, month, keys = until.year, until.month, []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def sql_month(column: Any, local: bool = True) -> ColumnElement[Any]:
    """SQL for "YYYY-MM" of a column, on SQLite and PostgreSQL alike: of a UTC timestamp in local
    time (``local``), or of a date as it is."""
    from sqlalchemy import func

    from portal.extensions import db

    if db.engine.dialect.name == "postgresql":
        return func.to_char(column + local_offset() if local else column, "YYYY-MM")
    if not local:
        return func.strftime("%Y-%m", column)
    return func.strftime("%Y-%m", column, _sqlite_shift())


def sql_local_date(column: Any) -> ColumnElement[Any]:
    """SQL for the local calendar day of a UTC timestamp, comparable with a DATE column."""
    from sqlalchemy import Date, cast, func

    from portal.extensions import db

    if db.engine.dialect.name == "postgresql":
        return cast(column + local_offset(), Date)
    return func.date(column, _sqlite_shift())


def _sqlite_shift() -> str:
    """SQLite's date modifier for the local offset: "+28800 seconds" for UTC+8."""
    return f"{int(local_offset().total_seconds()):+d} seconds"
