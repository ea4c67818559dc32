"""Working days on the Chinese calendar (statutory holidays and make-up working days, 调休).

The official schedule of a year is published each November, so no library knows next year for
long. The days live in a table, seeded from ``chinese-calendar`` and extendable by a county admin.
For a year that is not in the table we count weekends only and say so (``WorkCalendar.missing``):
never crash, never silently treat a holiday as a working day without a warning.
"""
from datetime import date, timedelta

from sqlalchemy import select

from portal.cases.models import HOLIDAY, WORKDAY, CalendarDay, CalendarYear
from portal.extensions import db

HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def seed_from_library() -> tuple[int, int]:
    """Copy every year ``chinese-calendar`` knows into the table (idempotent); returns the number
    of years added and of open cases recounted with them."""
    import chinese_calendar
    from chinese_calendar import constants

    known = set(db.session.scalars(select(CalendarYear.year)))
    years = {d.year for d in constants.holidays} | {d.year for d in constants.workdays}
    added = sorted(years - known)
    source = f"chinese-calendar {getattr(chinese_calendar, '__version__', '')}".strip()
    rows = {}
    for kind, table in ((HOLIDAY, constants.holidays), (WORKDAY, constants.workdays)):
        for day, name in table.items():
            if day.year in added:
                rows[day] = CalendarDay(day=day, kind=kind, name=HOLIDAY_NAMES.get(str(name), str(name)))
    existing = set(db.session.scalars(select(CalendarDay.day).where(CalendarDay.day.in_(list(rows)))))
    db.session.add_all(row for day, row in rows.items() if day not in existing)
    db.session.add_all(CalendarYear(year=year, source=source) for year in added)
    db.session.flush()
    return len(added), _heal(added)


def set_year(year: int, holidays: dict[date, str], workdays: dict[date, str],
             source: str) -> int:
    """Enter (or replace) the official schedule of a year; returns how many open cases were
    recounted with it (portal.cases.calendar_healing)."""
    for day in [*holidays, *workdays]:
        if day.year != year:
            raise ValueError(f"{day} is not in {year}")
    db.session.execute(db.delete(CalendarDay).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)))
    db.session.add_all(CalendarDay(day=d, kind=HOLIDAY, name=n) for d, n in holidays.items())
    db.session.add_all(CalendarDay(day=d, kind=WORKDAY, name=n) for d, n in workdays.items())
    row = db.session.get(CalendarYear, year) or CalendarYear(year=year, source=source)
    row.source = source
    db.session.add(row)
    db.session.flush()
    return _heal([year])


def _heal(years) -> int:
    """Every path that adds a year recounts the cases that waited for it."""
    from portal.cases.calendar_healing import heal

    return heal(years)


class WorkCalendar:
    """Answers "is this a working day?" for a span of years with one query per span."""

    def __init__(self, first_year: int, last_year: int):
        self.years = set(db.session.scalars(select(CalendarYear.year).where(
            CalendarYear.year >= first_year, CalendarYear.year <= last_year)))
        self.special = dict(db.session.execute(select(CalendarDay.day, CalendarDay.kind).where(
            CalendarDay.day >= date(first_year, 1, 1), CalendarDay.day <= date(last_year, 12, 31))).all())
        #: Years that were needed but are not in the table (weekends only were counted).
        self.missing: set[int] = set()

    @classmethod
    def around(cls, day: date) -> "WorkCalendar":
        return cls(day.year - 1, day.year + 2)

    def is_working_day(self, day: date) -> bool:
        if day.year not in self.years:
            self.missing.add(day.year)
            return day.weekday() < 5
        kind = self.special.get(day)
        if kind == HOLIDAY:
            return False
        if kind == WORKDAY:
            return True
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (a deadline "within N working days")."""
        day = start
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def missing_next_year() -> int | None:
    """Next year, when its schedule is not in the table yet (the admin page warns about it)."""
    from portal.cases.deadlines import today

    year = today().year + 1
    return None if db.session.get(CalendarYear, year) else year


def parse_days(text: str, year: int) -> dict[date, str]:
    """Lines like "2027-01-01 元旦" (the name is optional); raises ValueError naming the line."""
    days = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        head, _, name = line.partition(" ")
        try:
            day = date.fromisoformat(head)
        except ValueError:
            raise ValueError(number) from None
        if day.year != year:
            raise ValueError(number)
        days[day] = name.strip() or None
    return days
