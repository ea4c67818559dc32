"""One clock: every "today" and "now" of the portal comes from portal.timeutil (the configured
zone, China Standard Time by default, from UTC), never from the server's own clock, which on a
server set to UTC says it is still yesterday until 08:00 in China (reports, deadlines and dates a
person typed would be a day off).

The ban itself is ruff's banned-api rule (TID251, configured in pyproject.toml and run by
`make lint`): it resolves imports and aliases, so it also sees ``default=date.today`` handed to a
column and ``import datetime as dt; dt.datetime.now()``, which a text search missed. The first
test runs that rule, so the ban holds under a bare ``pytest`` too. What ruff cannot see, a fixed
eight-hour offset written out by hand (Python, SQL modifiers, templates), is searched here."""
import re
import subprocess
import sys
import tomllib
from datetime import date, datetime
from pathlib import Path

import pytest
from flask import Flask

from portal import ROOT, timeutil

#: The server-clock reads the ruff rule must forbid outside portal/timeutil.py.
SERVER_CLOCK = {"datetime.date.today", "datetime.datetime.now", "datetime.datetime.today",
                "datetime.datetime.utcnow", "datetime.datetime.fromtimestamp", "time.localtime",
                "zoneinfo.ZoneInfo"}

#: Hand-made conversions: UTC plus or minus a fixed 8 hours, SQLite's "+8 hours" modifier, the
#: zone's name outside the configuration.
HAND_MADE = re.compile(r"[+-]\s*timedelta\(\s*hours\s*=\s*8\s*\)|['\"][+-]8 hours['\"]"
                       r"|Asia/Shanghai|\bLOCAL_OFFSET\b")
ZONE_OWNERS = {Path("portal/timeutil.py"), Path("portal/config.py")}


def ruff(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    try:
        import ruff as _  # noqa: F401 (installed with the test extras: pip install -e '.[test]')
    except ImportError:
        pytest.fail("ruff is missing: pip install -e '.[test]'")
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--select",
                           "TID251", "--output-format", "concise", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_no_module_reads_the_server_clock():
    result = ruff(".")
    assert result.returncode == 0, ("use portal.timeutil (local_today, local_now, utcnow, "
                                    "to_local):\n" + result.stdout + result.stderr)


def test_the_rule_bans_every_server_clock_read():
    config = tomllib.loads(Path(ROOT, "pyproject.toml").read_text(encoding="utf-8"))
    banned = config["tool"]["ruff"]["lint"]["flake8-tidy-imports"]["banned-api"]
    assert SERVER_CLOCK <= set(banned)
    assert "TID251" in config["tool"]["ruff"]["lint"]["select"]


@pytest.mark.parametrize("source", [
    "from datetime import date\ntoday = date.today()\n",
    "from datetime import date\nfrom sqlalchemy import Date, Column\n"
    "joined_on = Column(Date, default=date.today)\n",
    "import datetime as dt\nstamp = dt.datetime.now()\n",
    "from datetime import datetime, timezone\nstamp = datetime.now(timezone.utc)\n",
    "import time\nparts = time.localtime()\n",
    "from zoneinfo import ZoneInfo\nzone = ZoneInfo('Asia/Shanghai')\n",
])
def test_the_rule_catches_a_server_clock(source):
    result = ruff("--stdin-filename", "plugins/anything/views.py", "-", stdin=source)
    assert result.returncode == 1 and "TID251" in result.stdout, result.stdout + result.stderr


def test_the_rule_lets_the_one_clock_through():
    source = ("from portal.timeutil import local_now, local_today, to_local, utcnow\n"
              "today, now, stamp = local_today(), local_now(), to_local(utcnow())\n")
    result = ruff("--stdin-filename", "portal/anything.py", "-", stdin=source)
    assert result.returncode == 0, result.stdout + result.stderr


def _sources():
    for folder in ("portal", "plugins", "templates"):
        for path in Path(ROOT, folder).rglob("*"):
            if path.suffix in (".py", ".html", ".js") and "translations" not in path.parts \
                    and path.relative_to(ROOT) not in ZONE_OWNERS:
                yield path


def test_no_hand_made_conversion():
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in _sources()
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if HAND_MADE.search(line)]
    assert not offenders, "use portal.timeutil (to_local, to_utc, utc_bounds, sql_month, " \
        "sql_local_date):\n" + "\n".join(offenders)


def test_the_search_catches_a_hand_made_conversion():
    assert HAND_MADE.search("shown = created_at + timedelta(hours=8)")
    assert HAND_MADE.search('func.date(column, "+8 hours")')
    assert not HAND_MADE.search("PERMANENT_SESSION_LIFETIME = timedelta(hours=8)")


def test_local_today_is_chinas_day(monkeypatch):
    # 23:30 UTC on 30 November is already 07:30 on 1 December in China.
    monkeypatch.setattr(timeutil, "utcnow", lambda: datetime(2026, 11, 30, 23, 30))
    assert str(timeutil.local_today()) == "2026-12-01"
    assert timeutil.local_now() == datetime(2026, 12, 1, 7, 30)


def test_conversions_both_ways():
    stored = datetime(2026, 3, 31, 16, 30)  # naive UTC
    assert timeutil.to_local(stored) == datetime(2026, 4, 1, 0, 30)
    assert timeutil.to_local(None) is None
    assert timeutil.to_local(stored, aware=True).isoformat() == "2026-04-01T00:30:00+08:00"
    assert timeutil.local_date(stored) == date(2026, 4, 1)
    assert timeutil.to_utc(datetime(2026, 4, 1, 0, 30)) == stored
    assert timeutil.to_utc(timeutil.to_local(stored, aware=True)) == stored
    # the local days 1..30 April, as [start, end) in UTC
    assert timeutil.utc_bounds(date(2026, 4, 1), date(2026, 4, 30)) == \
        (datetime(2026, 3, 31, 16), datetime(2026, 4, 30, 16))
    assert timeutil.local_offset().total_seconds() == 8 * 3600


def test_the_zone_is_the_configured_one(monkeypatch):
    monkeypatch.setattr(timeutil, "utcnow", lambda: datetime(2026, 7, 1, 3, 0))
    app = Flask(__name__)
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Berlin"  # UTC+2 in summer, with daylight saving
    with app.app_context():
        assert timeutil.local_now() == datetime(2026, 7, 1, 5, 0)
        assert timeutil.to_local(datetime(2026, 1, 1, 23, 30)) == datetime(2026, 1, 2, 0, 30)
        assert timeutil.utc_start_of(date(2026, 7, 1)) == datetime(2026, 6, 30, 22, 0)
    assert timeutil.local_now() == datetime(2026, 7, 1, 11, 0)  # no app: China


def test_a_misspelt_zone_stops_the_start():
    from portal.config import load_config

    app = Flask(__name__, instance_path=str(Path(ROOT, "instance")))
    with pytest.raises(ValueError, match="Asia/Shangai"):
        load_config(app, {"BABEL_DEFAULT_TIMEZONE": "Asia/Shangai", "SECRET_KEY": "x",
                          "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_pages_show_times_in_the_configured_zone(app):
    render = app.jinja_env.from_string("{{ moment|local_time }}").render
    assert render(moment=datetime(2026, 3, 31, 16, 30)) == "2026-04-01 00:30"
    assert render(moment=None) == ""
    app.config["BABEL_DEFAULT_TIMEZONE"] = "UTC"
    assert render(moment=datetime(2026, 3, 31, 16, 30)) == "2026-03-31 16:30"
