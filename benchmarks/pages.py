"""How fast the main staff pages answer: the dashboard, the đề án list and a đề án page, on the
Lâm Đồng data set and at ×50.

    .venv/bin/python benchmarks/pages.py [--runs 15] [--factor 50] [--db /tmp/khuyencong-pages.sqlite3]

Builds a fresh SQLite database (migrate, seed_demo), signs the department account in with
Django's test client, requests each page once to warm up and then ``--runs`` times, and prints
the median (and the slowest) in milliseconds with the number of queries; then scales the data
(scale_demo --factor N) and measures again. Target: under 150 ms for each page.

Before measuring it freezes the garbage collector's long-lived objects, as khuyencong/wsgi.py
does in each server worker. The dashboard is measured three ways: a visit with nothing
changed; the visit after a repayment (one contract worked out again); and the first visit of
a day (an empty cache: every contract's ledger worked out).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import itertools
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 150


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--factor", type=int, default=50)
    parser.add_argument("--db", default="/tmp/khuyencong-pages.sqlite3")
    args = parser.parse_args()

    db = Path(args.db)
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khuyencong.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from funding import services
    from funding.models import LoanContract
    from projects.models import Project

    # The test client needs "testserver" to be an allowed host.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    print(f"migrate + seed_demo: {time.monotonic() - started:.1f} s")

    client = Client()
    user = get_user_model().objects.get(username="chuyenvien")
    client.force_login(user)

    def pages() -> list[tuple[str, str]]:
        # The đề án with the most disbursements and events: the heaviest page of its kind.
        project = Project.objects.get(code="DP-2021-001", plan__year=2021)
        # The dashboard keeps what it shows under the ledgers' stamp and the day's debt book
        # beside it: after a repayment it works out that one contract again; the first visit of
        # a day (an empty cache) works out every contract's ledger.
        return [
            ("Tổng quan (dashboard)", reverse("home"), None),
            ("Tổng quan, after a repayment", reverse("home"), repay),
            ("Tổng quan, first of the day", reverse("home"), cache.clear),
            ("Danh sách đề án", reverse("projects:project-list"), None),
            ("Trang đề án", reverse("projects:project-detail", args=[project.pk]), None),
        ]

    def repay() -> None:
        """A repayment of 1.000 đồng today on the next contract still being repaid."""
        contract = LoanContract.objects.get(pk=next(being_repaid))
        services.record_repayment(
            contract=contract, date=datetime.date.today(), amount=1_000, receipt_number=f"BENCH-{time.monotonic_ns()}", by=user
        )

    being_repaid = itertools.cycle(
        LoanContract.objects.filter(state=LoanContract.State.ACTIVE).order_by("pk").values_list("pk", flat=True)
    )

    as_a_server_worker()
    results = {"data set": measure(client, pages(), args.runs)}
    started = time.monotonic()
    call_command("scale_demo", factor=args.factor, verbosity=0)
    print(f"scale_demo --factor {args.factor}: {time.monotonic() - started:.1f} s")
    as_a_server_worker()
    results[f"×{args.factor}"] = measure(client, pages(), args.runs)

    print()
    print(f"Median of {args.runs} requests after a warm-up, signed in as chuyenvien (SQLite, {db}); target < {TARGET_MS} ms")
    misses = print_results(results)
    print(f"{Project.objects.count()} đề án in the database at the end.")
    sys.exit(1 if misses else 0)


def as_a_server_worker() -> None:
    """What khuyencong/wsgi.py does once the application is loaded: long-lived objects out of
    the garbage collector's walks."""
    gc.collect()
    gc.freeze()


def measure(client, pages, runs: int) -> list[tuple[str, float, float, int]]:
    """Each page's median and slowest time over ``runs`` requests after a warm-up, and its queries."""
    from django.db import connection

    rows = []
    for name, url, before in pages:
        response = client.get(url)  # warm-up: templates, caches
        assert response.status_code == 200, (url, response.status_code)
        timings = []
        for _ in range(runs):
            if before:
                before()
            began = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
        # Counted by a wrapper: the request_started signal empties connection.queries.
        queries: list[str] = []

        def count(execute, sql, *rest, queries=queries):
            queries.append(sql)
            return execute(sql, *rest)

        if before:
            before()
        with connection.execute_wrapper(count):
            client.get(url)
        rows.append((name, statistics.median(timings), max(timings), len(queries)))
    return rows


def print_results(results: dict[str, list[tuple[str, float, float, int]]]) -> int:
    """The table of timings; the number of pages over the target."""
    print(f"{'page':<30} {'data':>9} {'median ms':>10} {'max ms':>8} {'queries':>8}  ")
    misses = 0
    for label, rows in results.items():
        for name, median, slowest, queries in rows:
            flag = "" if median < TARGET_MS else "  > target"
            misses += bool(flag)
            print(f"{name:<30} {label:>9} {median:>10.1f} {slowest:>8.1f} {queries:>8}{flag}")
    return misses


if __name__ == "__main__":
    main()
