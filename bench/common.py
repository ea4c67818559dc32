"""Pieces the benchmarks share: gunicorn on a free loopback port (always stopped, with its
workers), logged-in HTTP clients in processes of their own, percentiles, the machine's load, and
the capture and bare replay of a request's own SQL statements.

Not a package: each script puts the repository root and ``bench/`` on ``sys.path`` itself.
"""
import atexit
import os
import platform
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------- figures


def percentile(values, q: float) -> float:
    """The q-th percentile (0 < q < 1) by linear interpolation between the closest ranks (the
    ``inclusive`` method of ``statistics.quantiles``, numpy's default): with 30 values, p95 lies
    between the 28th and the 29th fastest, not at the slowest."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    if len(ordered) == 1:
        return ordered[0]
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def p50(values) -> float:
    return statistics.median(values) if values else float("nan")


def p95(values) -> float:
    return percentile(values, 0.95)


def shown_command() -> str:
    """The command line, a password in a database URL hidden."""
    argv = [os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT))
            else sys.executable, *sys.argv]
    return re.sub(r"://([^:/@]+):[^@/]+@", r"://\1:***@", shlex.join(argv))


def database_kind(url: str) -> str:
    if url.startswith("sqlite"):
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    return "PostgreSQL"


def machine() -> str:
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return (f"{platform.machine()}, {os.cpu_count()} CPUs{memory}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


# ---------------------------------------------------------------- the machine's load


def _busy_ticks() -> int:
    """CPU time (clock ticks) every CPU of the machine spent busy since boot."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return user + nice + system + irq + softirq + steal


def _own_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _process_ticks() -> dict:
    """{pid: (name, ticks of CPU, parent pid)} of every process now."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1:raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2:].split()
        found[int(entry.name)] = (name, int(rest[11]) + int(rest[12]), int(rest[1]))
    return found


def _descendants(processes: dict, root: int) -> set:
    ours, grew = {root}, True
    while grew:
        grew = False
        for pid, (_name, _ticks, parent) in processes.items():
            if parent in ours and pid not in ours:
                ours.add(pid)
                grew = True
    return ours


class MachineLoad:
    """The load average before and after, and how busy the CPUs were with processes that are not
    this benchmark's: the machine's busy time (``/proc/stat``) minus this process's and its
    children's (``os.times``, which counts every child once it has been waited for: call
    :meth:`stop` after the servers and clients have exited)."""

    def __init__(self):
        self.tick = os.sysconf("SC_CLK_TCK")
        self.load_before = os.getloadavg()
        self.busy0, self.own0, self.wall0 = _busy_ticks(), _own_seconds(), time.monotonic()
        self.procs0 = _process_ticks()
        self.others = []

    def sample_others(self):
        """Note which other processes used the CPU since the start (call while ours still run, so
        that they can be told apart)."""
        now = _process_ticks()
        ours = _descendants(now, os.getpid()) | _descendants(self.procs0, os.getpid())
        used = []
        for pid, (name, ticks, _parent) in now.items():
            if pid in ours:
                continue
            before = self.procs0[pid][1] if self.procs0.get(pid, ("",))[0] == name else 0
            if ticks > before:
                used.append((ticks - before, name))
        by_name: dict = {}
        for ticks, name in used:
            by_name[name] = by_name.get(name, 0) + ticks
        self.others = sorted(((t / self.tick, n) for n, t in by_name.items()), reverse=True)

    def stop(self) -> str:
        wall = time.monotonic() - self.wall0
        busy = (_busy_ticks() - self.busy0) / self.tick
        own = _own_seconds() - self.own0
        other = max(0.0, busy - own)
        after = os.getloadavg()
        top = ", ".join(f"{name} {seconds / wall:.2f}" for seconds, name in self.others[:4]
                        if seconds / wall >= 0.01)
        return (f"load average before {self.load_before[0]:.2f} {self.load_before[1]:.2f} "
                f"{self.load_before[2]:.2f}, after {after[0]:.2f} {after[1]:.2f} {after[2]:.2f} "
                f"({os.cpu_count()} CPUs); over the {wall:.0f} s of the run the CPUs were busy "
                f"{busy / wall:.2f} cores on average, this benchmark and its processes "
                f"{own / wall:.2f}, everything else {other / wall:.2f}"
                + (f" (cores used by others still running at the end, by name: {top})" if top
                   else ""))


# ---------------------------------------------------------------- gunicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_RUNNING: list = []


def _stop_all():
    for server in list(_RUNNING):
        server.stop()


atexit.register(_stop_all)


class Gunicorn:
    """``gunicorn -w N`` (sync workers) serving ``app`` (a ``module:callable()`` string) on a
    free loopback port, in a process group of its own so that :meth:`stop` (also called at exit
    and on SIGTERM) ends the arbiter and every worker."""

    def __init__(self, app: str, workers: int, workdir: str, ready_path: str,
                 env: dict | None = None, timeout: float = 120):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.name = app.split(":")[-1].rstrip("()")
        self.log = Path(workdir) / f"gunicorn-{self.name}.log"
        self.command = ["gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}", app]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--chdir", str(ROOT / "bench"), "--timeout", "300", "--error-logfile", str(self.log),
             "--log-level", "warning", app],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
                 **(env or {})})
        _RUNNING.append(self)
        try:
            self._wait_ready(ready_path, timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, path: str, timeout: float):
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn ({self.name}) exited with {self.proc.returncode}:\n"
                                   f"{self.tail()}")
            try:
                if requests.get(self.base + path, timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn ({self.name}) did not answer {path} with 200 in "
                           f"{timeout:.0f} s:\n{self.tail()}")

    def tail(self) -> str:
        try:
            return "\n".join(self.log.read_text().splitlines()[-30:])
        except FileNotFoundError:
            return "(no log)"

    def stop(self):
        if self in _RUNNING:
            _RUNNING.remove(self)
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # graceful: the arbiter stops its workers
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        try:  # a worker the arbiter left behind
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def stop_on_sigterm():
    """A SIGTERM to the benchmark stops its servers too (atexit does not run on a signal)."""
    def handler(signum, frame):
        _stop_all()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


# ---------------------------------------------------------------- logged-in HTTP sessions

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = CSRF_META.search(html) or CSRF_INPUT.search(html)
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def login(session, base: str, username: str, password: str):
    """Log ``session`` (a ``requests.Session``) in through the login form."""
    token = csrf_token(session.get(base + "/login", timeout=60).text)
    answer = session.post(base + "/login", allow_redirects=False, timeout=60,
                          data={"login": username, "password": password, "csrf_token": token})
    if answer.status_code != 302:
        raise RuntimeError(f"login as {username} answered {answer.status_code}, not 302")


# ---------------------------------------------------------------- a request's own SQL


@dataclass
class Statement:
    sql: str
    params: object
    many: bool


class Capture:
    """Every statement the engine's cursors execute while active, with its parameters, as the
    DB-API driver receives them (``before_cursor_execute``): what a bare replay must run."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.engine, self.statements, self.active = engine, [], False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            self.statements.append(Statement(statement, parameters, executemany))

    def __enter__(self):
        self.statements, self.active = [], True
        return self

    def __exit__(self, *exc):
        self.active = False

    def close(self):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._seen)


#: A parameter a replay replaces by a new value each time (a basket's idempotency key, unique).
FRESH = "<<fresh>>"


def mark_fresh(statements, value) -> int:
    """Replace ``value`` among the statements' parameters by :data:`FRESH`; returns how many."""
    found = 0

    def swap(params):
        nonlocal found
        if isinstance(params, dict):
            out = {k: swap(v) if isinstance(v, (dict, list, tuple)) else v for k, v in params.items()}
            for k, v in out.items():
                if v == value:
                    out[k], found = FRESH, found + 1
            return out
        if isinstance(params, (list, tuple)):
            items = [swap(v) if isinstance(v, (dict, list, tuple)) else v for v in params]
            for i, v in enumerate(items):
                if v == value:
                    items[i], found = FRESH, found + 1
            return type(params)(items)
        return params

    for s in statements:
        s.params = swap(s.params)
    return found


def _fill(params, fresh):
    if isinstance(params, dict):
        return {k: fresh if v == FRESH else _fill(v, fresh) for k, v in params.items()}
    if isinstance(params, (list, tuple)):
        return type(params)(fresh if v == FRESH else _fill(v, fresh) for v in params)
    return params


def replay(connection, statements, commit: bool = False, fresh: str | None = None) -> int:
    """Run ``statements`` on a raw DB-API connection, fetching every result as the page did, in
    one transaction, then roll it back (a page's statements can write: a rate-limit counter, an
    audit row; the replay must leave the data as it found it) or, with ``commit``, commit it.
    A :data:`FRESH` parameter becomes ``fresh``. Returns the rows read."""
    rows = 0
    cursor = connection.cursor()
    try:
        for s in statements:
            params = _fill(s.params, fresh) if fresh is not None else s.params
            if s.many:
                cursor.executemany(s.sql, params)
            else:
                cursor.execute(s.sql, params)
            if cursor.description is not None:
                rows += len(cursor.fetchall())
    except BaseException:
        connection.rollback()
        raise
    finally:
        cursor.close()
    if commit:
        connection.commit()
    else:
        connection.rollback()
    return rows


# ---------------------------------------------------------------- client processes


def _client_main(conn):
    """One client process: logged-in ``requests`` sessions of its own, driven over a pipe by the
    measuring process, which never sends a request itself. Times are taken here, around the
    request alone."""
    import uuid

    import requests

    sessions: dict = {}
    tokens: dict = {}

    def session_for(base, user):
        return sessions.setdefault((base, user), requests.Session())

    def fill(data, who):
        # "{key}": a fresh basket key each time; "{csrf}": the session's CSRF token
        return {k: uuid.uuid4().hex if v == "{key}" else tokens.get(who, "") if v == "{csrf}"
                else v for k, v in (data or {}).items()}

    while True:
        message = conn.recv()
        if message is None:
            return
        op, args = message[0], message[1:]
        try:
            if op == "login":
                base, user, password, token_page = args
                http = session_for(base, user)
                login(http, base, user, password)
                if token_page:
                    page = http.get(base + token_page, timeout=60)
                    if page.status_code != 200:
                        raise RuntimeError(f"GET {token_page} as {user}: {page.status_code}")
                    tokens[(base, user)] = csrf_token(page.text)  # renewed at login
                conn.send(("ok", None))
            elif op == "get":
                base, user, path = args
                http = session_for(base, user)
                started = time.perf_counter()
                answer = http.get(base + path, timeout=600, allow_redirects=False)
                seconds = time.perf_counter() - started
                conn.send(("ok", (answer.status_code, seconds,
                                  answer.headers.get("X-Bench-Statements"), len(answer.content),
                                  answer.headers.get("X-Bench-Server-Ms"))))
            elif op == "load":
                base, user, plan, expect, seconds, start_at = args
                http = session_for(base, user)
                latencies, statuses, errors, counted, server = [], {}, {}, {}, []
                cpu0 = time.process_time()
                while time.time() < start_at:
                    time.sleep(0.001)
                deadline, n, last = start_at + seconds, 0, start_at
                while time.time() < deadline:
                    method, path, data = plan[n % len(plan)]
                    n += 1
                    started = time.perf_counter()
                    try:
                        if method == "POST":
                            answer = http.post(base + path, data=fill(data, (base, user)),
                                               timeout=60, allow_redirects=False)
                        else:
                            answer = http.get(base + path, timeout=60, allow_redirects=False)
                    except requests.RequestException as error:
                        errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                        time.sleep(0.01)
                        continue
                    took = time.perf_counter() - started
                    statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
                    if answer.status_code == expect:
                        latencies.append(took)
                        count = answer.headers.get("X-Bench-Statements")
                        counted[count] = counted.get(count, 0) + 1
                        server.append(float(answer.headers.get("X-Bench-Server-Ms", "nan")))
                    last = time.time()
                conn.send(("ok", (latencies, statuses, errors, last - start_at,
                                  time.process_time() - cpu0, counted, server)))
            else:
                raise ValueError(f"unknown op {op}")
        except Exception as error:  # sent back, raised in the measuring process
            conn.send(("error", f"{type(error).__name__}: {error}"))


class Clients:
    """``n`` client processes (spawned, so they share nothing with the measuring process)."""

    def __init__(self, n: int):
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self.pipes, self.procs = [], []
        for _ in range(n):
            mine, theirs = context.Pipe()
            proc = context.Process(target=_client_main, args=(theirs,), daemon=True)
            proc.start()
            self.pipes.append(mine)
            self.procs.append(proc)

    def __len__(self):
        return len(self.pipes)

    def _call(self, i, *message):
        self.pipes[i].send(message)
        return self._answer(i)

    def _answer(self, i):
        kind, value = self.pipes[i].recv()
        if kind == "error":
            raise RuntimeError(f"client {i}: {value}")
        return value

    def login(self, i, base, user, password, token_page=None):
        return self._call(i, "login", base, user, password, token_page)

    def get(self, i, base, user, path):
        """(status, seconds, statements, bytes, milliseconds in the server) of one GET sent by
        client ``i`` (the counts and the milliseconds from the ``X-Bench-*`` headers)."""
        return self._call(i, "get", base, user, path)

    def load(self, plans, expect: int, seconds: float):
        """Every client sends its plan's requests back to back for ``seconds`` (``plans``: one
        (base, user, [(method, path, data), …]) per client). Merged: (latencies of the answers
        with status ``expect``, {status: n}, {client error: n}, seconds, client CPU seconds,
        {statements counted in the worker: n}, milliseconds in the worker)."""
        start_at = time.time() + 0.5
        for i, (base, user, plan) in enumerate(plans):
            self.pipes[i].send(("load", base, user, plan, expect, seconds, start_at))
        latencies, statuses, errors, elapsed, cpu, counted, server = [], {}, {}, 0.0, 0.0, {}, []
        for i in range(len(plans)):
            mine, codes, failures, took, used, statements, in_server = self._answer(i)
            latencies += mine
            server += in_server
            for count, times in statements.items():
                counted[count] = counted.get(count, 0) + times
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count
            for name, count in failures.items():
                errors[name] = errors.get(name, 0) + count
            elapsed, cpu = max(elapsed, took), cpu + used
        return latencies, statuses, errors, elapsed, cpu, counted, server

    def close(self):
        for pipe in self.pipes:
            try:
                pipe.send(None)
            except OSError:
                pass
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
                proc.join()
