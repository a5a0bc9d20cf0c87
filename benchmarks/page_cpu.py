"""CPU per request of the busy pages, app and database apart, on an existing PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_pages50 \
        .venv/bin/python benchmarks/page_cpu.py [--runs 10] [--profile PAGE]

The load goal (issue 14: ≥ 60 requests/s with 3 workers on 2 cores) leaves about 25–30 ms of
CPU per request, the app server's and PostgreSQL's together; a single client's wall time hides
which of the two spends it. This script signs the department account in with Django's test
client, requests each page once to warm up and then ``--runs`` times, and prints per page the
median wall time, the app's CPU (``time.process_time``) and the PostgreSQL backend's CPU (read
from /proc/<backend pid>/stat: the server must run on this machine), and the queries.

It only reads (the session's remembered filters aside): run it on a copy of the 50× data set,
never on kc_before50 itself. ``--profile NAME`` prints a pyinstrument profile of one request of
the page whose name starts with NAME instead (cProfile; ``--sort tottime`` for the functions' own time).

Persistent connections are what production runs (CONN_MAX_AGE): the test client keeps one
connection for the whole run, as a worker with CONN_MAX_AGE does; ``--new-connection``
closes it after each request, as CONN_MAX_AGE=0 did, and so counts the connection's start.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / TICKS  # utime + stime


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--profile", default="")
    parser.add_argument("--sort", default="cumulative", help="pstats order of --profile: cumulative, tottime")
    parser.add_argument("--only", default="", help="comma-separated beginnings of the page names to measure")
    parser.add_argument("--new-connection", action="store_true")
    return parser.parse_args()


def setup_django() -> None:
    """Django on the PostgreSQL copy named by DATABASE_URL, run as a server runs."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL copy of the 50× data set.")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khuyencong.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False  # no query log, no debug pages: as a server runs


def signed_in_client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="chuyenvien"))
    return client


def busy_pages() -> list[tuple[str, str]]:
    """(name, url) of each page measured."""
    from django.urls import reverse

    from projects.models import Project

    project = Project.objects.filter(disbursements__isnull=False).order_by("pk").first()
    year = Project.objects.order_by("-plan__year").values_list("plan__year", flat=True).first()
    return [
        ("dashboard", reverse("home")),
        ("project list", reverse("projects:project-list")),
        ("project page", reverse("projects:project-detail", args=[project.pk])),
        ("facility list", reverse("projects:facility-list")),
        ("contract list", reverse("funding:contract-list")),
        ("overdue list", reverse("funding:overdue-list")),
        ("portfolio", reverse("funding:portfolio")),
        ("report draft", reverse("reporting:draft-document", args=[year, year])),
    ]


def profile_page(client, pages: list[tuple[str, str]], prefix: str, sort: str) -> None:
    """A cProfile of one request of the first page whose name starts with ``prefix``, after a warm-up."""
    import cProfile
    import pstats

    name, url = next(p for p in pages if p[0].startswith(prefix))
    client.get(url)
    profiler = cProfile.Profile()
    profiler.runcall(client.get, url)
    pstats.Stats(profiler).sort_stats(sort).print_stats(45)


def timed_requests(client, url: str, runs: int, new_connection: bool) -> tuple[list[float], list[float], list[float]]:
    """Wall, app CPU and database CPU in ms of each of ``runs`` requests of ``url``."""
    from django.db import connection

    walls, apps, dbs = [], [], []
    for _ in range(runs):
        if new_connection:
            connection.close()
        connection.ensure_connection()  # the connection is opened before the clock starts
        pid = connection.connection.info.backend_pid
        # A new backend process starts at zero CPU: with --new-connection the count
        # includes its start (fork, authentication, the catalogue caches warmed again).
        db0 = 0.0 if new_connection else backend_cpu_ms(pid)
        app0, wall0 = time.process_time(), time.perf_counter()
        client.get(url)
        walls.append((time.perf_counter() - wall0) * 1000)
        apps.append((time.process_time() - app0) * 1000)
        dbs.append(backend_cpu_ms(pid) - db0)
    return walls, apps, dbs


def counted_request(client, url: str):
    """One more request of ``url``: its response and the queries it ran."""
    from django.db import connection

    queries: list[str] = []

    def count(execute, sql, *rest, queries=queries):
        queries.append(sql)
        return execute(sql, *rest)

    with connection.execute_wrapper(count):
        response = client.get(url)
    return response, queries


def measure_page(client, name: str, url: str, runs: int, new_connection: bool) -> None:
    """Warm the page up, time it ``runs`` times, count its queries, and print its line."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    walls, apps, dbs = timed_requests(client, url, runs, new_connection)
    response, queries = counted_request(client, url)
    app, db = statistics.median(apps), statistics.mean(dbs)  # the backend counts in 10 ms ticks
    size, wall = len(response.content) / 1024, statistics.median(walls)
    print(f"{name:<15} {wall:>8.1f} {app:>8.1f} {db:>7.1f} {app + db:>6.1f} {len(queries):>8} {size:>6.0f}")


def main() -> None:
    args = parse_args()
    setup_django()
    from projects.models import Project

    client = signed_in_client()
    pages = busy_pages()
    gc.collect()
    gc.freeze()
    if args.profile:
        profile_page(client, pages, args.profile, args.sort)
        return

    print(f"{'page':<15} {'wall ms':>8} {'app cpu':>8} {'db cpu':>7} {'sum':>6} {'queries':>8} {'KB':>6}")
    only = [p for p in args.only.split(",") if p]
    for name, url in pages:
        if only and not any(name.startswith(p) for p in only):
            continue
        measure_page(client, name, url, args.runs, args.new_connection)
    print(f"median of {args.runs}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"{Project.objects.count()} đề án")


if __name__ == "__main__":
    main()
