"""One clock: every "today" and "now" of the portal comes from portal.timeutil (China Standard
Time from UTC), never from the server's own clock, which on a server set to UTC says it is still
yesterday until 08:00 in China (reports, deadlines and dates a person typed would be a day off)."""
import re
from pathlib import Path

from portal import ROOT

SERVER_CLOCK = re.compile(r"(?<![\w.])(date\.today|datetime\.now|datetime\.today|datetime\.utcnow"
                          r"|time\.localtime)\(\s*\)")


def _sources():
    for folder in ("portal", "plugins"):
        for path in Path(ROOT, folder).rglob("*.py"):
            if path.name != "timeutil.py":
                yield path


def test_no_module_reads_the_server_clock():
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in _sources()
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if SERVER_CLOCK.search(line)]
    assert not offenders, "use portal.timeutil.local_today()/local_now()/utcnow():\n" + \
        "\n".join(offenders)


def test_the_check_catches_a_server_clock():
    assert SERVER_CLOCK.search("today = date.today()")
    assert SERVER_CLOCK.search("stamp = datetime.now()")
    assert not SERVER_CLOCK.search("now = datetime.now(timezone.utc)")
    assert not SERVER_CLOCK.search("today = local_today()")


def test_local_today_is_chinas_day(monkeypatch):
    from datetime import datetime

    from portal import timeutil

    # 23:30 UTC on 30 November is already 07:30 on 1 December in China.
    monkeypatch.setattr(timeutil, "utcnow", lambda: datetime(2026, 11, 30, 23, 30))
    assert str(timeutil.local_today()) == "2026-12-01"
    assert timeutil.local_now() == datetime(2026, 12, 1, 7, 30)
