"""A load test: signed-in users of every role over the staff pages, against a production-like
server on 127.0.0.1 — and, beside it, the same load against the code as it was before.

    .venv/bin/python benchmarks/load.py --factor 50                 # before (890d83e) and now, 50×
    .venv/bin/python benchmarks/load.py --reuse-db kc_before50      # the same on a copy of a database
    .venv/bin/python benchmarks/load.py --factor 1 --compare none   # the current tree only
    .venv/bin/python benchmarks/load.py --url http://127.0.0.1:8000 # a server already running

Why a client of our own rather than Locust: one thread per user over http.client is enough to
saturate 3 gunicorn workers on 2 cores, it adds no dependency, and it keeps the client's own
CPU small and printed (it shares the cores with the server it measures).

What a run does, for each tree measured (the revision --compare names in a temporary `git
worktree`, then the current tree):
1. a database: a copy of --reuse-db NAME, or of a database built once by --factor N (migrate,
   seed_demo, scale_demo --factor N, by the revision measured first, kept as
   kc_load_base<N>_<rev> for the next run); the copy is migrated by the tree measured, so the
   code after the change runs on the data as it was, upgraded;
2. a server: gunicorn with --workers (3) sync workers, DEBUG off, the production settings from
   the environment (SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, CACHE_URL on Redis db --redis-db,
   emptied first; sessions read from it, SESSION_ENGINE=…cached_db, as docs/deploy.md has it;
   static files through whitenoise after collectstatic into a temporary folder;
   SECURE_COOKIES=0 since the run is plain http on 127.0.0.1);
3. every user signs in through the login form (CSRF token, as a browser), warms the server up
   with one visit of every page, then drives a working day's mix (WEIGHTS) of the dashboard, the
   đề án list (sometimes a later page or a search), đề án pages (ids picked from the lists), the
   facility and contract lists, the overdue list, the portfolio and the report draft (the
   period 2021–2025 and one year);
4. mode (a): --users (10) users each pausing --pause (1 s) after every answer, for --duration
   seconds: p50/p95/max per page, and every answer that is not 200 counted as an error;
   mode (b): --saturate-users (8) users with no pause: requests per second overall and per page.

Targets (issue 14), printed beside: p95 ≤ 150 ms per page, ≥ 60 requests/s, no errors. The
machine's load and cores are printed first; the client's CPU time, the server workers' CPU and
PostgreSQL's CPU per request are printed with every mode, so that a noisy machine shows.

Ctrl-C stops the load, the servers, and removes the temporary worktree.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE_REV = "890d83e"  # the commit before issue 14 ("Fast at the national scale")
TARGET_P95_MS = 150
TARGET_RPS = 60
PASSWORD = "khuyencong-demo"
# Who works on a day: the Centre's data entry most, the department's staff, a viewer or two,
# the administrator now and then. User i signs in as ROLES[i % len(ROLES)].
ROLES = ["nhaplieu", "chuyenvien", "nhaplieu", "xem", "chuyenvien", "nhaplieu", "quantri", "chuyenvien", "xem", "nhaplieu"]
# A working day's mix, in requests out of 100.
WEIGHTS = {
    "dashboard": 14,
    "đề án list": 20,
    "đề án page": 20,
    "facility list": 12,
    "contract list": 12,
    "overdue list": 8,
    "portfolio": 6,
    "draft 2021–2025": 4,
    "draft 2024": 4,
}
SEARCHES = ["ca phe", "che", "may dong goi", "lam dong", "hoi nghi", "co khi", "nong san", "det"]
REPORT_DATE = "2025-03-15"  # the date the demo data set is built for (settings.DEMO_REPORT_DATE)
CLK_TCK = os.sysconf("SC_CLK_TCK")
# What builds the data set: migrations, seed_demo and scale_demo, and the files they read.
DATA_SOURCES = ["*/migrations/*", "khuyencong/demo.py", "khuyencong/management/commands/", "fixtures/"]


# ---------------------------------------------------------------------------------------------
# The client


class Browser:
    """One user: a keep-alive connection (gunicorn's sync workers close it after each answer;
    http.client opens the next one by itself) and the session's cookies."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=300)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        hdrs = {"User-Agent": "khuyencong-load/1", "Accept": "text/html"}
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        hdrs.update(headers or {})
        try:
            self.conn.request(method, path, body=body, headers=hdrs)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            return f"{type(exc).__name__}", b"", None
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""') or "max-age=0" in cookie.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return response.status, data, response

    def get(self, path: str):
        """GET as a browser: redirects within the site followed (a list remembers its last
        filters and sends the bare URL on to them), the time of all of them counted; a
        redirect to the login page is an error (the session was lost)."""
        for _ in range(5):
            status, body, response = self.request("GET", path)
            if status not in (301, 302, 303) or response is None:
                return status, body
            target = urllib.parse.urlsplit(response.headers.get("Location", ""))
            if target.path.startswith("/dang-nhap/"):
                return f"{status} to the login page", body
            path = target.path + (f"?{target.query}" if target.query else "")
        return "too many redirects", b""

    def login(self, username: str) -> None:
        status, body, _ = self.request("GET", "/dang-nhap/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or not match:
            raise SystemExit(f"the login page answered {status} without a CSRF token")
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": match.group(1).decode(), "username": username, "password": PASSWORD, "next": ""}
        )
        status, body, response = self.request(
            "POST",
            "/dang-nhap/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://{self.host}:{self.port}/dang-nhap/",
            },
        )
        # One failure is reported and the run stops: django-axes locks an account after five.
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"signing in as {username} failed ({status}); is the database seeded (seed_demo)?")


class Mix:
    """Which page a user asks next, with what it learnt from the lists (đề án ids, page counts);
    shared by every user (appends and reads under the GIL)."""

    def __init__(self) -> None:
        self.project_ids: list[int] = []
        self.pages: dict[str, int] = {}

    def learn(self, label: str, body: bytes) -> None:
        if label == "đề án list":
            ids = [int(i) for i in re.findall(rb'href="/de-an/(\d+)/"', body)]
            if ids and len(self.project_ids) < 20_000:
                self.project_ids.extend(ids)
        numbers = [int(n) for n in re.findall(rb"[?&](?:amp;)?page=(\d+)", body)]
        if numbers:
            self.pages[label] = max(self.pages.get(label, 1), *numbers)

    def path(self, label: str, rng: random.Random) -> str:
        if label == "dashboard":
            return "/"
        if label == "đề án list":
            roll = rng.random()
            if roll < 0.2:
                return "/de-an/?" + urllib.parse.urlencode({"q": rng.choice(SEARCHES)})
            if roll < 0.45:
                return f"/de-an/?page={rng.randint(2, max(2, min(self.pages.get(label, 2), 40)))}"
            return "/de-an/"
        if label == "đề án page":
            if not self.project_ids:
                return "/de-an/"
            return f"/de-an/{rng.choice(self.project_ids)}/"
        if label == "facility list":
            if rng.random() < 0.25:
                return f"/co-so/?page={rng.randint(2, max(2, min(self.pages.get(label, 2), 40)))}"
            return "/co-so/"
        if label == "contract list":
            return "/hop-dong/"
        if label == "overdue list":
            return "/hop-dong/qua-han/"
        if label == "portfolio":
            return "/hop-dong/tong-hop/"
        if label == "draft 2021–2025":
            return f"/bao-cao/du-thao/2021-2025/?ngay={REPORT_DATE}"
        if label == "draft 2024":
            return f"/bao-cao/du-thao/2024-2024/?ngay={REPORT_DATE}"
        raise ValueError(label)


@dataclass
class Result:
    label: str
    users: int
    pause: float
    elapsed: float = 0.0
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    late: Counter = field(default_factory=Counter)  # answers that ended after the window
    client_cpu: float = 0.0
    server_cpu: float | None = None
    db_cpu: float | None = None
    machine_busy: float | None = None
    load_before: str = ""
    load_after: str = ""

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.times.values()) + sum(sum(c.values()) for c in self.errors.values())

    def rate(self, label: str | None = None) -> float:
        """Answers (200) per second that ended within the window."""
        if label is None:
            return (len(self.all_times()) - sum(self.late.values())) / self.elapsed
        return (len(self.times.get(label, [])) - self.late[label]) / self.elapsed

    def all_times(self) -> list[float]:
        return [t for v in self.times.values() for t in v]


def percentile(values: list[float], p: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a process has used; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_cpu() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class PostgresCpu:
    """PostgreSQL's CPU for one database: the backends of that database still running (by their
    process title), plus what the postmaster has collected from backends that ended (every
    database's: on a busy machine this counts other people's connections too)."""

    def __init__(self, db: str | None):
        self.db = db
        self.postmaster = None
        try:
            self.postmaster = int(Path("/var/lib/postgresql/15/main/postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            for pid in Path("/proc").iterdir():
                if pid.name.isdigit() and (pid / "cmdline").exists():
                    try:
                        cmd = (pid / "cmdline").read_bytes()
                    except OSError:
                        continue
                    if cmd.startswith(b"/usr/lib/postgresql/") and b"bin/postgres" in cmd.split(b"\0")[0]:
                        self.postmaster = int(pid.name)
                        break

    def backends(self) -> dict[int, float]:
        out = {}
        if not self.db:
            return out
        needle = f" {self.db} ".encode()
        for pid in Path("/proc").iterdir():
            if not pid.name.isdigit():
                continue
            try:
                cmd = (pid / "cmdline").read_bytes()
            except OSError:
                continue
            if cmd.startswith(b"postgres: ") and needle in cmd + b" ":
                out[int(pid.name)] = cpu_of(int(pid.name))
        return out

    def reaped(self) -> float:
        if not self.postmaster:
            return 0.0
        try:
            fields = Path(f"/proc/{self.postmaster}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[13]) + int(fields[14])) / CLK_TCK

    def snapshot(self):
        return self.reaped(), self.backends()

    @staticmethod
    def between(start, end) -> float:
        reaped0, live0 = start
        reaped1, live1 = end
        return (reaped1 - reaped0) + sum(cpu - live0.get(pid, 0.0) for pid, cpu in live1.items())


def signed_in_browsers(host: str, port: int, users: int) -> list[Browser]:
    """One browser per user, signed in with the roles in turn."""
    browsers = []
    for i in range(users):
        browser = Browser(host, port)
        browser.login(ROLES[i % len(ROLES)])
        browsers.append(browser)
    return browsers


def warm_up(browsers: list[Browser], mix: Mix, workers: int, seed: int) -> None:
    """Every page once per worker (the lists first: they give the đề án ids), untimed: each
    worker's first request of a page pays for imports and template compilation."""
    rng = random.Random(seed)
    for n in range(workers):
        for page_label in WEIGHTS:
            status, body = browsers[n % len(browsers)].get(mix.path(page_label, rng))
            if status == 200:
                mix.learn(page_label, body)


@dataclass
class Crowd:
    """What the users of one run share: the pages, the start, the end, and the result they add to."""

    mix: Mix
    pause: float
    result: Result
    started: threading.Barrier
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


def drive_user(crowd: Crowd, browser: Browser, rng_seed: int) -> None:
    """One user's visits from the start to the end of the window; the times and errors go to the result."""
    rng = random.Random(rng_seed)
    labels, weights = list(WEIGHTS), list(WEIGHTS.values())
    mix, pause, stop = crowd.mix, crowd.pause, crowd.stop
    times: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, Counter] = defaultdict(Counter)
    lates: Counter = Counter()
    crowd.started.wait()
    if pause:
        time.sleep(rng.random() * pause)  # not all at once
    while not stop.is_set():
        page_label = rng.choices(labels, weights)[0]
        path = mix.path(page_label, rng)
        t0 = time.perf_counter()
        status, body = browser.get(path)
        elapsed = time.perf_counter() - t0
        # An answer that ends after the window still counts for the times (leaving it out
        # would leave out the slowest pages) but not for the requests per second.
        late = stop.is_set()
        if status == 200:
            times[page_label].append(elapsed)
            if late:
                lates[page_label] += 1
            else:
                mix.learn(page_label, body)
        else:
            errors[page_label][f"{status} {path}"] += 1
        if late:
            break
        if pause:
            stop.wait(pause)
    with crowd.lock:
        crowd.result.late.update(lates)
        for k, v in times.items():
            crowd.result.times[k].extend(v)
        for k, v in errors.items():
            crowd.result.errors[k].update(v)


def measure_window(crowd: Crowd, server: Server | None, duration: float) -> None:
    """Release the users waiting at the start, stop them after ``duration`` seconds, and record
    the time, the load and the CPU (client, machine, server workers, PostgreSQL) of the window."""
    result = crowd.result
    pg = PostgresCpu(server.db if server else None)
    result.load_before = loadavg()
    server_cpu0 = server.cpu() if server else None
    pg0 = pg.snapshot()
    busy0, total0 = machine_cpu()
    client0 = time.process_time()
    crowd.started.wait()
    t0 = time.monotonic()
    try:
        crowd.stop.wait(duration)
    finally:
        crowd.stop.set()
        result.elapsed = time.monotonic() - t0
        result.client_cpu = time.process_time() - client0
        busy1, total1 = machine_cpu()
        result.machine_busy = (busy1 - busy0) / max(1, total1 - total0)
        if server:
            result.server_cpu = server.cpu() - server_cpu0
            result.db_cpu = PostgresCpu.between(pg0, pg.snapshot())
        result.load_after = loadavg()


def run_load(
    base_url: str,
    *,
    label: str,
    users: int,
    pause: float,
    duration: float,
    mix: Mix,
    server: Server | None,
    seed: int,
    warm: bool,
) -> Result:
    parsed = urllib.parse.urlsplit(base_url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    result = Result(label=label, users=users, pause=pause)
    browsers = signed_in_browsers(host, port, users)
    if warm:
        warm_up(browsers, mix, server.workers if server else 3, seed)
    crowd = Crowd(mix=mix, pause=pause, result=result, started=threading.Barrier(users + 1))
    threads = [threading.Thread(target=drive_user, args=(crowd, browsers[i], seed * 1000 + i), daemon=True) for i in range(users)]
    for t in threads:
        t.start()
    measure_window(crowd, server, duration)
    for t in threads:
        t.join(timeout=600)  # the requests under way finish (not counted)
    return result


def ms(seconds: float) -> str:
    return "–" if seconds != seconds else f"{seconds * 1000:,.0f}"


def print_result(r: Result) -> None:
    print(f"\n== {r.label}: {r.users} users, pause {r.pause:g} s, {r.elapsed:.0f} s ==")
    errors = sum(sum(c.values()) for c in r.errors.values())
    print(f"{'page':<18}{'n':>6}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'errors':>8}  p95 ≤ {TARGET_P95_MS}")
    for page_label in WEIGHTS:
        v = r.times.get(page_label, [])
        e = sum(r.errors.get(page_label, Counter()).values())
        p95 = percentile(v, 95)
        verdict = "" if not v else ("ok" if p95 * 1000 <= TARGET_P95_MS else "NOT MET")
        print(
            f"{page_label:<18}{len(v):>6}{r.rate(page_label):>8.1f}{ms(percentile(v, 50)):>9}{ms(p95):>9}"
            f"{ms(max(v) if v else float('nan')):>9}{e:>8}  {verdict}"
        )
    v = r.all_times()
    print(
        f"{'all':<18}{len(v):>6}{r.rate():>8.1f}{ms(percentile(v, 50)):>9}{ms(percentile(v, 95)):>9}"
        f"{ms(max(v) if v else float('nan')):>9}{errors:>8}"
    )
    rps = r.rate()
    if r.pause == 0:
        print(f"throughput: {rps:.1f} requests/s (target ≥ {TARGET_RPS}: {'ok' if rps >= TARGET_RPS else 'NOT MET'})")
    print(f"errors: {errors} (target 0: {'ok' if errors == 0 else 'NOT MET'})")
    for page_label, counter in r.errors.items():
        for what, n in counter.most_common(5):
            print(f"  {n} × {page_label}: {what}")
    n = max(1, r.count)
    line = f"client CPU {r.client_cpu:.1f} s ({r.client_cpu / r.elapsed:.0%} of a core)"
    if r.server_cpu is not None:
        line += f"; app server CPU {r.server_cpu * 1000 / n:.0f} ms/request; PostgreSQL CPU {r.db_cpu * 1000 / n:.0f} ms/request"
    line += f"; machine busy {r.machine_busy:.0%} of {os.cpu_count()} cores; load {r.load_before} → {r.load_after}"
    print(line)


def print_comparison(before: dict[str, Result], after: dict[str, Result], rev: str) -> None:
    print(f"\n== before ({rev}) and after (this tree), same machine ==")
    head = f"{'page':<18}{'before p50/p95 ms':>20}{'after p50/p95 ms':>20}{'before req/s':>14}{'after req/s':>13}"
    print(head)
    rows = [*WEIGHTS, None]
    for page_label in rows:
        cells = []
        for side in (before, after):
            r = side.get("paced")
            v = (r.all_times() if page_label is None else r.times.get(page_label, [])) if r else []
            cells.append(f"{ms(percentile(v, 50))}/{ms(percentile(v, 95))}")
        rates = []
        for side in (before, after):
            r = side.get("saturated")
            rates.append(f"{r.rate(page_label):.1f}" if r else "–")
        print(f"{page_label or 'all':<18}{cells[0]:>20}{cells[1]:>20}{rates[0]:>14}{rates[1]:>13}")
    print(f"(p50/p95 from {before.get('paced') and before['paced'].users} users pausing 1 s; req/s from users with no pause)")


# ---------------------------------------------------------------------------------------------
# Databases and servers


def pg_connect(pg: str, db: str = "postgres"):
    import psycopg

    return psycopg.connect(f"{pg}/{db}", autocommit=True)


def db_exists(pg: str, name: str) -> bool:
    with pg_connect(pg) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def drop_db(pg: str, name: str) -> None:
    with pg_connect(pg) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def copy_db(pg: str, source: str, target: str) -> None:
    """CREATE DATABASE … TEMPLATE: PostgreSQL refuses while anyone is connected to the source."""
    drop_db(pg, target)
    with pg_connect(pg) as conn:
        busy = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [source]).fetchone()[0]
        if busy:
            raise SystemExit(f"{source} has {busy} connection(s): PostgreSQL copies a database only when no one is connected")
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def redis_flush(url: str) -> None:
    """FLUSHDB on the cache's Redis database (RESP over a socket: no client library needed)."""
    parsed = urllib.parse.urlsplit(url)
    db = (parsed.path or "/0").strip("/") or "0"
    with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=5) as s:
        s.sendall(f"*2\r\n$6\r\nSELECT\r\n${len(db)}\r\n{db}\r\n*1\r\n$7\r\nFLUSHDB\r\n".encode())
        reply = b""
        while reply.count(b"\r\n") < 2:
            chunk = s.recv(100)
            if not chunk:
                break
            reply += chunk
    if reply.count(b"+OK") < 2:
        raise SystemExit(f"Redis at {url} answered {reply!r}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving one tree on one database, as production would (DEBUG off)."""

    def __init__(self, tree: Path, db: str, *, pg: str, cache_url: str, workers: int, tmp: Path, name: str):
        self.tree, self.db, self.pg, self.cache_url, self.workers = tree, db, pg, cache_url, workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tmp = tmp / f"server-{name}"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KHUYENCONG_"))}
        env.update(
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=f"{self.pg}/{self.db}",
            CACHE_URL=self.cache_url,
            # As docs/deploy.md runs it with Redis: sessions read from the cache, written through
            # to the database (a tree without the setting ignores it).
            SESSION_ENGINE="django.contrib.sessions.backends.cached_db",
            JOBS_CACHE_URL=f"filecache://{self.tmp / 'jobs'}",
            STATIC_ROOT=str(self.tmp / "static"),
            MEDIA_ROOT=str(self.tmp / "media"),
            SECURE_COOKIES="0",  # plain http on 127.0.0.1: the browser would not send secure cookies
            SECURE_SSL_REDIRECT="0",
            SECURE_HSTS_SECONDS="0",
            EMAIL_URL="consolemail://",
            LOG_LEVEL="WARNING",
            PYTHONPATH=str(self.tree),  # this tree, not the one the virtualenv installs in editable mode
            DJANGO_SETTINGS_MODULE="khuyencong.settings",
        )
        return env

    def manage(self, *args: str) -> None:
        started = time.monotonic()
        subprocess.run([sys.executable, "manage.py", *args], cwd=self.tree, env=self.env(), check=True)
        print(f"  manage.py {' '.join(args)}: {time.monotonic() - started:.0f} s", flush=True)

    def prepare(self) -> None:
        """As a release is deployed (docs/deploy.md): migrate, the debt summaries worked out
        when the tree has them (refresh_debts), static files; then ANALYZE, since a copy made
        with CREATE DATABASE … TEMPLATE has no planner statistics and both sides should be
        measured with them."""
        self.manage("migrate", "--verbosity", "0")
        if (self.tree / "funding" / "management" / "commands" / "refresh_debts.py").exists():
            self.manage("refresh_debts")
        self.manage("collectstatic", "--noinput", "--verbosity", "0")
        with pg_connect(self.pg, self.db) as conn:
            conn.execute("ANALYZE")
        redis_flush(self.cache_url)

    def start(self) -> None:
        log = open(self.tmp / "gunicorn.log", "ab")  # noqa: SIM115 (closed with the process)
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "khuyencong.wsgi",
                "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
                "--chdir", str(self.tree), "--timeout", "300", "--log-level", "warning",
            ],
            cwd=self.tree, env=self.env(), stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped; see {self.tmp / 'gunicorn.log'}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", "/dang-nhap/")
                if conn.getresponse().status == 200:
                    while len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
                        time.sleep(0.2)
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"gunicorn did not answer in 120 s; see {self.tmp / 'gunicorn.log'}")

    def worker_pids(self) -> list[int]:
        if not self.process:
            return []
        try:
            return [int(p) for p in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()]
        except OSError:
            return []

    def cpu(self) -> float:
        """CPU seconds of the workers (and of the master, which does no requests)."""
        return sum(cpu_of(p) for p in self.worker_pids()) + cpu_of(self.process.pid)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout.strip()


def build_base(pg: str, tree: Path, rev: str, factor: int, tmp: Path, cache_url: str, workers: int) -> str:
    """A database at --factor N built by one revision, kept for the next run (it takes minutes
    at 50×): built under a temporary name and renamed once complete."""
    name = f"kc_load_base{factor}_{rev}"
    if db_exists(pg, name):
        print(f"database {name}: already built, reused")
        return name
    building = f"{name}_building"
    drop_db(pg, building)
    with pg_connect(pg) as conn:
        conn.execute(f'CREATE DATABASE "{building}"')
    print(f"database {name}: building at {factor}× with {rev} …", flush=True)
    builder = Server(tree, building, pg=pg, cache_url=cache_url, workers=workers, tmp=tmp, name="build")
    builder.manage("migrate", "--verbosity", "0")
    builder.manage("seed_demo", "--verbosity", "0")
    if factor > 1:
        builder.manage("scale_demo", "--factor", str(factor))
    with pg_connect(pg) as conn:
        conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    return name


def measure(server: Server, args, seed: int, label: str) -> dict[str, Result]:
    results = {}
    mix = Mix()
    server.prepare()
    server.start()
    print(f"{label}: gunicorn {server.workers} workers at {server.url} on {server.db} ({server.tree})", flush=True)
    if args.mode in ("both", "paced"):
        results["paced"] = run_load(
            server.url, label=f"{label} (a) paced", users=args.users, pause=args.pause,
            duration=args.duration, mix=mix, server=server, seed=seed, warm=True,
        )  # fmt: skip
        print_result(results["paced"])
    if args.mode in ("both", "saturated"):
        results["saturated"] = run_load(
            server.url, label=f"{label} (b) saturated", users=args.saturate_users, pause=0,
            duration=args.duration, mix=mix, server=server, seed=seed + 1, warm="paced" not in results,
        )  # fmt: skip
        print_result(results["saturated"])
    return results


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--url", help="load a server already running (no database or server set up, no comparison)")
    where.add_argument("--factor", type=int, default=50, help="build the data at N× (default 50)")
    where.add_argument("--reuse-db", metavar="NAME", help="copy this database instead of building one (never written)")
    parser.add_argument(
        "--compare", default=BEFORE_REV, metavar="REV", help=f"measure this revision first (default {BEFORE_REV}); 'none' to skip"
    )
    parser.add_argument("--users", type=int, default=10, help="users in mode (a) (default 10)")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds each user of mode (a) waits after an answer")
    parser.add_argument("--saturate-users", type=int, default=8, help="users with no pause in mode (b) (default 8)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of each mode (default 60)")
    parser.add_argument("--mode", choices=["both", "paced", "saturated"], default="both")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (default 3)")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server (no database name)")
    parser.add_argument("--redis-db", type=int, default=12, help="Redis database for the cache, emptied before each server")
    parser.add_argument("--keep-db", action="store_true", help="keep the copies measured (kc_load_before, kc_load_after)")
    parser.add_argument("--seed", type=int, default=14)
    return parser.parse_args()


def load_running_server(args) -> None:
    """--url: both modes against a server already running, nothing set up and nothing compared."""
    mix = Mix()
    paced = run_load(args.url, label="(a) paced", users=args.users, pause=args.pause, duration=args.duration,
                     mix=mix, server=None, seed=args.seed, warm=True)  # fmt: skip
    print_result(paced)
    saturated = run_load(args.url, label="(b) saturated", users=args.saturate_users, pause=0, duration=args.duration,
                         mix=mix, server=None, seed=args.seed + 1, warm=False)  # fmt: skip
    print_result(saturated)


def base_database(args, worktree: Path, compare: str | None, current: str, tmp: Path, cache_url: str) -> tuple[str, str]:
    """The database every side copies, and how its data is described: --reuse-db, or one built at --factor."""
    if args.reuse_db:
        return args.reuse_db, args.reuse_db
    builder_tree, builder_rev = (worktree, compare) if compare else (ROOT, current)
    # Named by the last commit that changed what builds the data, so that commits that
    # do not change it reuse the database.
    builder_rev = git("log", "-1", "--format=%h", builder_rev, "--", *DATA_SOURCES) or builder_rev
    base = build_base(args.pg, builder_tree, builder_rev, args.factor, tmp, cache_url, args.workers)
    return base, f"{args.factor}×"


def measure_sides(args, sides, base: str, scale: str, tmp: Path, cache_url: str, servers: list, copies: list) -> dict:
    """Each side on its own copy of the base database and its own server, one after the other.
    The servers and copies are added to ``servers`` and ``copies`` as they are made, for the clean-up."""
    results = {}
    for seed_offset, (side, tree, rev) in enumerate(sides):
        copy = f"kc_load_{side}"
        print(f"\n######## {side}: {rev}, data {scale} (copy of {base} as {copy}) ########", flush=True)
        copy_db(args.pg, base, copy)
        copies.append(copy)
        server = Server(tree, copy, pg=args.pg, cache_url=cache_url, workers=args.workers, tmp=tmp, name=side)
        servers.append(server)
        try:
            results[side] = measure(server, args, args.seed + 10 * seed_offset, f"{side} ({rev})")
        finally:
            server.stop()
    return results


def clean_up(args, servers: list[Server], compare: str | None, worktree: Path, copies: list[str], tmp: Path) -> None:
    """Stop the servers, remove the temporary worktree, drop the copies (unless --keep-db) and the temporary folder."""
    for server in servers:
        server.stop()
    if compare and worktree.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)], check=False)
    if not args.keep_db:
        for copy in copies:
            try:
                drop_db(args.pg, copy)
            except Exception as exc:  # noqa: BLE001 — cleaning up; say it and go on
                print(f"could not drop {copy}: {exc}", file=sys.stderr)
    subprocess.run(["rm", "-rf", str(tmp)], check=False)


def compare_trees(args) -> None:
    """The revision --compare names (in a temporary worktree), then this tree, each on a copy of one database."""
    cache_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    compare = None if args.compare.lower() == "none" else git("rev-parse", "--short", args.compare)
    current = git("rev-parse", "--short", "HEAD")
    dirty = " + uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    tmp = Path(tempfile.mkdtemp(prefix="kc-load-"))
    worktree = tmp / "before"
    servers: list[Server] = []
    copies: list[str] = []
    try:
        if compare:
            git("worktree", "add", "--detach", str(worktree), compare)
            print(f"before: {compare} in a temporary worktree {worktree}")
        print(f"{'after' if compare else 'measured'}: this tree, {current}{dirty}")
        base, scale = base_database(args, worktree, compare, current, tmp, cache_url)
        sides = ([("before", worktree, compare)] if compare else []) + [("after" if compare else "current", ROOT, current)]
        results = measure_sides(args, sides, base, scale, tmp, cache_url, servers, copies)
        if compare:
            print_comparison(results["before"], results["after"], compare)
        print(f"\nmachine load average at the end: {loadavg()}")
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the servers", file=sys.stderr)
    finally:
        clean_up(args, servers, compare, worktree, copies, tmp)


def main() -> None:
    args = parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it comes, also into a file

    print(f"machine: {os.cpu_count()} cores, load average {loadavg()} (1, 5, 15 min); {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(
        "note: the client runs on the same cores as the server; its CPU time is printed with each mode. "
        "Every answer other than 200 is an error."
    )

    # SIGTERM as Ctrl-C: the finally blocks stop the servers and remove the worktree.
    def interrupted(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)

    if args.url:
        load_running_server(args)
    else:
        compare_trees(args)


if __name__ == "__main__":
    main()
