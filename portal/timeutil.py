"""Time as the portal keeps it: naive UTC in the database, China Standard Time (UTC+8, one zone
for the whole country) for people. Every module's "which day / which month" goes through here."""
from datetime import date, datetime, timedelta, timezone

#: China Standard Time is UTC+8 all year (no daylight saving).
LOCAL_OFFSET = timedelta(hours=8)


def utcnow() -> datetime:
    """Naive UTC, the one form every database we run on stores alike."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def utc_bounds(since: date, until: date) -> tuple[datetime, datetime]:
    """[start, end) in naive UTC of the local days ``since`` .. ``until`` (both included)."""
    start = datetime.combine(since, datetime.min.time()) - LOCAL_OFFSET
    end = datetime.combine(until + timedelta(days=1), datetime.min.time()) - LOCAL_OFFSET
    return start, end


def months_back(until: date, count: int) -> list[str]:
    """The ``count`` months up to the month of ``until``, oldest first, as "YYYY-MM"."""
    year, month, keys = until.year, until.month, []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def sql_month(column, local: bool = True):
    """SQL for "YYYY-MM" of a column, on SQLite and PostgreSQL alike: of a UTC timestamp in local
    time (``local``), or of a date as it is."""
    from sqlalchemy import func

    from portal.extensions import db

    if db.engine.dialect.name == "postgresql":
        return func.to_char(column + LOCAL_OFFSET if local else column, "YYYY-MM")
    return func.strftime("%Y-%m", column, "+8 hours") if local else func.strftime("%Y-%m", column)


def sql_local_date(column):
    """SQL for the local (UTC+8) calendar day of a UTC timestamp, comparable with a DATE column."""
    from sqlalchemy import Date, cast, func

    from portal.extensions import db

    if db.engine.dialect.name == "postgresql":
        return cast(column + LOCAL_OFFSET, Date)
    return func.date(column, "+8 hours")


def local_now() -> datetime:
    """Naive local time (UTC+8) whatever zone the server's clock is set to: a server in UTC says
    it is still yesterday until 08:00 in China."""
    return utcnow() + LOCAL_OFFSET


def local_today() -> date:
    """Today as a grid worker in China counts it: the one "today" every module uses."""
    return local_now().date()
