"""The debt pages with and without the per-contract debt summaries (issue 14, item 1): the
overdue list, the portfolio, the contract list (plain, and sorted by outstanding debt) and the
dashboard's first visit of the day, on existing databases (migrated, with data).

    DEBUG=1 .venv/bin/python benchmarks/debts.py --runs 9 postgres://postgres@127.0.0.1:5432/kc_debts50

(one database a run: at 1× and at 50×, e.g. a copy of kc_before50 migrated forward).

"ledger" is the path every page took before: the summaries are made invisible (no summary
holds, none is stored), so contract_statuses, the portfolio, the overdue list and the dashboard
rebuild every ledger as the old code did (plus the one query that finds no summary).
"summaries" is the path they take now. Each page is requested once to warm up, then ``--runs``
times; the medians of wall time and of this process's CPU time (the app server's share; the
database's is the difference, more or less) are printed in milliseconds, with the queries.
The first visit of the dashboard clears the cache before each request. Read-only apart from
the summaries the first request stores.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", help="DATABASE_URL of the database to measure")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khuyencong.settings")
    os.environ["DATABASE_URL"] = args.url
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    from funding.models import LoanContract

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    name = f"{args.url.rsplit('/', 1)[1]} ({LoanContract.objects.count()} contracts)"
    print(f"{'database':<28} {'page':<28} {'path':<10} {'wall ms':>8} {'cpu ms':>8} {'queries':>8}")
    for path in ("ledger", "summaries"):
        with ledger_path() if path == "ledger" else contextlib.nullcontext():
            for page, median, cpu, queries in measure(args.runs):
                print(f"{name:<28} {page:<28} {path:<10} {median:>8.1f} {cpu:>8.1f} {queries:>8}")


@contextlib.contextmanager
def ledger_path():
    """No summary holds and none is stored: every page rebuilds the ledgers, as before."""
    from django.db.models import Q

    from funding import loans

    saved = loans.holds_q, loans.refresh_debts, loans.summaries_usable
    loans.holds_q = lambda day, prefix="": Q(pk__in=[])
    loans.refresh_debts = lambda ids, **kwargs: {}
    loans.summaries_usable = lambda day: False
    try:
        yield
    finally:
        loans.holds_q, loans.refresh_debts, loans.summaries_usable = saved


def measure(runs: int):
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(get_user_model().objects.get(username="chuyenvien"))
    pages = [
        ("Nợ quá hạn", reverse("funding:overdue-list"), None),
        ("Tổng hợp dư nợ", reverse("funding:portfolio"), None),
        ("Hợp đồng", reverse("funding:contract-list"), None),
        ("Hợp đồng, theo dư nợ", reverse("funding:contract-list") + "?sap_xep=-du-no", None),
        ("Tổng quan, first of the day", reverse("home"), cache.clear),
    ]
    for label, url, before in pages:
        client.get(url)
        walls, cpus = [], []
        for _ in range(runs):
            if before:
                before()
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        queries: list[str] = []

        def count(execute, sql, *rest, queries=queries):
            queries.append(sql)
            return execute(sql, *rest)

        if before:
            before()
        with connection.execute_wrapper(count):
            client.get(url)
        yield label, statistics.median(walls), statistics.median(cpus), len(queries)


if __name__ == "__main__":
    main()
