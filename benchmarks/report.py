"""How long the report takes as the data grows: the figures beside a hand-written SQL floor,
the draft page, the Excel annexes and the render_report command, at 1×, 10× and 50× the Lâm
Đồng data set (issue 14, "Figures near the floor").

    .venv/bin/python benchmarks/report.py [--factors 1 10 50] [--runs 7]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_x .venv/bin/python benchmarks/report.py
    .venv/bin/python benchmarks/report.py --db postgres://…/kc_x postgres://…/kc_x10 --factors 1 10   # reuse built ones

Without --db it builds its own database: on PostgreSQL when DATABASE_URL names one (a fresh
database "<name>_bench" beside it, dropped first), else SQLite (/tmp/khuyencong-bench.sqlite3):
migrate, seed_demo, then ``scale_demo --factor N --no-history`` before each factor (the report
reads no history). With --db it measures those databases as they are, one per factor given
(the factor each holds), in the same order.

Each measurement runs in a child process of this script on the database at hand, and prints
medians of wall time with the process's CPU time beside it (on a shared machine the wall time
includes waiting for a core; the CPU time does not; the load average is printed too):

- figures: ``compute_figures`` for 2021–2025 at 15/03/2025, as the draft page computes them
  (``annexes=False``) and as the files do (``annexes=True``, with the annexes' lines);
- SQL floor: the fewest raw SQL aggregate queries that give the same non-loan figures (counts
  and sums by year, level, content, status, form; supports and distinct facilities; the
  conferences; the nominations), timed the same way, and checked against the figures; the
  ratio figures / floor (goal ≤ 5 at 50×). The repayment figures (F17–F20, F30) come from
  funding.loans.contract_statuses, which the floor leaves out (a debt on a past date is worked
  out from each contract's ledger, not added up): that part (``_repayment``) is timed alone too,
  and the ratio is printed with it and without it (figures minus the repayment's median);
- the draft page through Django's test client (goal: < 2× from 1× to 10×), and its queries;
- the XLSX annexes (``annex_workbook``; goal ≤ 1 s at 50×);
- ``manage.py render_report`` for the 2021–2025 PDF as a subprocess, start-up included (goal ≤ 3 s).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
YEAR_FROM, YEAR_TO, REPORT_DATE = 2021, 2025, "2025-03-15"


# --- The parent: build, then measure each factor in a child --------------------------------------


def _manage(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True, cwd=ROOT)


def _fresh_database() -> str:
    """A new database to build in: PostgreSQL "<name>_bench" beside DATABASE_URL's, or SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        path = Path("/tmp/khuyencong-bench.sqlite3")
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_bench"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _analyze(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ANALYZE")


def _measure_in_child(url: str, factor: int, runs: int) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--runs", str(runs), "--factor-label", str(factor)],
        env=env, check=True, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def _render_report(url: str, runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``manage.py render_report`` for the period PDF."""
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "render_report", "--from", str(YEAR_FROM), "--to", str(YEAR_TO),
             "--date", REPORT_DATE, "--format", "pdf", "--output", "/tmp/khuyencong-bench-report.pdf"],
            env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return statistics.median(walls), statistics.median(cpus)


def _ms(pair) -> str:
    wall, cpu = pair
    return f"{wall * 1000:8.1f} ms (CPU {cpu * 1000:7.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pdf-runs", type=int, default=3)
    parser.add_argument("--db", nargs="+", help="database URLs to measure as they are (no build), one per factor")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--factor-label", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args.runs)

    if args.db and len(args.db) != len(args.factors):
        parser.error("--db takes one database per factor of --factors")
    url = _fresh_database() if not args.db else args.db[0]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if not args.db:
        _manage(url, "migrate", "--verbosity", "0")
        _manage(url, "seed_demo", "--verbosity", "0")
    results = {}
    for index, factor in enumerate(args.factors):
        if args.db:
            url = args.db[index]
        print(f"\n×{factor} on {urlsplit(url).scheme} {urlsplit(url).path}")
        if not args.db and factor > 1:
            _manage(url, "scale_demo", "--factor", str(factor), "--no-history", "--verbosity", "0")
        if url.startswith("postgres"):
            # Statistics for the planner, as autovacuum would gather them in a while: without
            # them a freshly built (or copied) database plans nested loops over thousands of rows.
            _analyze(url)
        r = _measure_in_child(url, factor, args.runs)
        r["render_report"] = _render_report(url, args.pdf_runs)
        results[factor] = r
        print(f"{r['projects']} đề án in 2021–2025, {r['done']} done; load average {os.getloadavg()[0]:.1f}")
        print(f"  figures, draft (annexes=False)  {_ms(r['figures_draft'])}")
        print(f"  figures, files (annexes=True)   {_ms(r['figures_files'])}")
        print(f"  SQL floor ({r['floor_queries']} queries)          {_ms(r['floor'])}   figures match: {r['floor_matches']}")
        print(f"  of which repayment (F17–F20)    {_ms(r['repayment'])}   (outside the floor: ledgers on a past date)")
        draft, files, floor, loans = r["figures_draft"][0], r["figures_files"][0], r["floor"][0], r["repayment"][0]
        print(f"  ratio figures/floor (wall)      draft {draft / floor:5.1f}   files {files / floor:5.1f}   (goal ≤ 5 at 50×)")
        print(f"  the same without the repayment  draft {(draft - loans) / floor:5.1f}   files {(files - loans) / floor:5.1f}")
        print(f"  draft page (test client)        {_ms(r['page'])}   {r['page_queries']} queries, {r['page_bytes'] // 1024} KB")
        print(f"  XLSX annexes                    {_ms(r['xlsx'])}   (goal ≤ 1 s at 50×)")
        wall, cpu = r["render_report"]
        print(f"  render_report PDF (subprocess)  {wall * 1000:8.1f} ms (CPU {cpu * 1000:7.1f})   (goal ≤ 3 s)")
    if 1 in results and 10 in results:
        growth = results[10]["page"][0] / results[1]["page"][0]
        print(f"\ndraft page growth 1× → 10×: {growth:.2f}× (goal < 2×)")


# --- The child: one database, every measurement -------------------------------------------------


def _median(function, runs: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - started_cpu)
    return statistics.median(walls), statistics.median(cpus)


def _child(runs: int) -> None:
    import datetime

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khuyencong.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from reporting.annexes import annex_workbook
    from reporting.document import default_province
    from reporting.figures import _repayment, compute_figures

    province = default_province(YEAR_TO)
    report_date = datetime.date.fromisoformat(REPORT_DATE)

    def figures(annexes: bool):
        return compute_figures(
            province=province, year_from=YEAR_FROM, year_to=YEAR_TO, report_date=report_date, annexes=annexes
        )

    computed = figures(True)
    floor = SqlFloor(province)
    floor_figures = floor.run()
    result = {
        "projects": len(computed.project_lines),
        "done": computed.done.count,
        "figures_draft": _median(lambda: figures(False), runs),
        "figures_files": _median(lambda: figures(True), runs),
        "floor": _median(floor.run, runs),
        "repayment": _median(lambda: _repayment(province, YEAR_FROM, YEAR_TO, report_date, {}), runs),
        "floor_queries": floor.queries,
        "floor_matches": floor.matches(floor_figures, computed),
        "xlsx": _median(lambda: annex_workbook(computed), max(1, runs // 2)),
    }

    client = Client(HTTP_HOST="127.0.0.1")  # a host the development settings allow
    client.force_login(get_user_model().objects.get(username="xem"))
    url = f"/bao-cao/du-thao/{YEAR_FROM}-{YEAR_TO}/?ngay={REPORT_DATE}"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):  # every query of the request, on this thread's connection
        client.get(url)
    result["page"] = _median(lambda: client.get(url), runs)
    result["page_queries"] = len(queries)
    result["page_bytes"] = len(response.content)
    print(json.dumps(result))


class SqlFloor:
    """The non-loan figures in raw SQL aggregate queries: what the database alone takes to add
    them up, the floor ``compute_figures`` is measured against."""

    queries = 5

    def __init__(self, province) -> None:
        from projects.models import Project, SupportForm
        from projects.provinces import report_provinces

        t = self._tables()
        provinces = [unit.pk for unit in report_provinces(province, YEAR_FROM, YEAR_TO)]
        marks = ", ".join(["%s"] * len(provinces))
        self.completed, self.recoverable, self.non_recoverable = (
            Project.Status.COMPLETED, SupportForm.RECOVERABLE, SupportForm.NON_RECOVERABLE,
        )  # fmt: skip
        period = self._period(t, marks)
        base = [*provinces, YEAR_FROM, YEAR_TO, Project.Status.PROPOSED]
        self.statements = self._statements(t, period, base, marks, provinces)

    @staticmethod
    def _tables() -> dict[str, str]:
        """Model name → its table, and "pairs" → the table of the đề án's facilities."""
        from funding.models import Disbursement
        from projects.models import (
            ActivityContent,
            AdministrativeUnit,
            AnnualPlan,
            Event,
            Facility,
            FundingLevel,
            Product,
            ProductNomination,
            Program,
            Project,
        )  # fmt: skip

        t = {m.__name__: m._meta.db_table for m in (
            Disbursement, ActivityContent, AdministrativeUnit, AnnualPlan, Event, Facility, FundingLevel, Product,
            ProductNomination, Program, Project,
        )}  # fmt: skip
        t["pairs"] = Project.facilities.through._meta.db_table
        return t

    @staticmethod
    def _period(t: dict[str, str], marks: str) -> str:
        """The period's đề án (not only proposed), their line and executed money."""
        return f"""
            SELECT p.id, pl.year, p.status, fl.code AS level, p.support_form AS form, p.is_cleaner_production AS cleaner,
                   p.is_key AS key_, p.planned_budget, p.counterpart_capital, p.output_quantity,
                   CASE WHEN c.report_line IS NULL OR c.report_line = '' THEN c.code ELSE c.report_line END AS line,
                   parent.code AS grp, COALESCE(d.total, 0) AS executed
            FROM {t["Project"]} p
            JOIN {t["AnnualPlan"]} pl ON pl.id = p.plan_id
            JOIN {t["Program"]} pr ON pr.id = pl.program_id
            JOIN {t["ActivityContent"]} c ON c.id = p.content_id
            LEFT JOIN {t["ActivityContent"]} parent ON parent.id = c.parent_id
            JOIN {t["FundingLevel"]} fl ON fl.id = p.funding_level_id
            LEFT JOIN (SELECT project_id, SUM(amount) AS total FROM {t["Disbursement"]} GROUP BY project_id) d
                   ON d.project_id = p.id
            WHERE pr.province_id IN ({marks}) AND pl.year BETWEEN %s AND %s AND p.status <> %s
        """

    def _statements(self, t: dict[str, str], period: str, base: list, marks: str, provinces: list) -> list:
        """The five aggregate queries and their parameters."""
        from projects.models import Event

        return [
            (  # 1. counts and sums by year, level, status, line, form, group, flags
                f"""SELECT year, status, level, form, line, grp, cleaner, key_, COUNT(*), SUM(executed),
                           SUM(planned_budget), SUM(counterpart_capital), SUM(output_quantity)
                    FROM ({period}) x GROUP BY year, status, level, form, line, grp, cleaner, key_""",
                base,
            ),
            (  # 2. supports ((đề án, facility) pairs) of the completed đề án by line, level, form, group
                f"""SELECT x.level, x.form, x.line, x.grp, x.cleaner, COUNT(*) FROM ({period}) x
                    JOIN {t["pairs"]} f ON f.project_id = x.id WHERE x.status = %s
                    GROUP BY x.level, x.form, x.line, x.grp, x.cleaner""",
                [*base, self.completed],
            ),
            (  # 3. distinct facilities of F16, F21, F22
                f"""SELECT COUNT(DISTINCT CASE WHEN x.form = %s THEN f.facility_id END),
                           COUNT(DISTINCT CASE WHEN x.form = %s AND x.grp = '1.1' THEN f.facility_id END),
                           COUNT(DISTINCT CASE WHEN x.form = %s OR (x.form = %s AND x.grp = '1.1') THEN f.facility_id END)
                    FROM ({period}) x JOIN {t["pairs"]} f ON f.project_id = x.id WHERE x.status = %s""",
                [self.recoverable, self.non_recoverable, self.recoverable, self.non_recoverable, *base, self.completed],
            ),
            (  # 4. the conferences of the completed KNCC đề án (F08, F24)
                f"""SELECT COUNT(*), COALESCE(SUM(e.participants), 0), COALESCE(SUM(e.sale_contracts), 0),
                           COALESCE(SUM(e.memoranda), 0)
                    FROM ({period}) x JOIN {t["Event"]} e ON e.project_id = x.id
                    WHERE x.status = %s AND x.line = 'KNCC' AND e.kind = %s""",
                [*base, self.completed, Event.Kind.CONFERENCE],
            ),
            (  # 5. the nominations (F10): products, facilities, recognitions
                f"""SELECT COUNT(DISTINCT n.product_id), COUNT(DISTINCT pd.facility_id),
                           SUM(CASE WHEN n.recognised THEN 1 ELSE 0 END)
                    FROM {t["ProductNomination"]} n JOIN {t["Product"]} pd ON pd.id = n.product_id
                    JOIN {t["Facility"]} fa ON fa.id = pd.facility_id
                    LEFT JOIN {t["AdministrativeUnit"]} u ON u.id = fa.administrative_unit_id
                    LEFT JOIN {t["AdministrativeUnit"]} u2 ON u2.id = u.parent_id
                    WHERE n.year BETWEEN %s AND %s AND (fa.administrative_unit_id IS NULL
                          OR u.id IN ({marks}) OR u.parent_id IN ({marks}) OR u2.parent_id IN ({marks}))""",
                [YEAR_FROM, YEAR_TO, *provinces, *provinces, *provinces],
            ),
        ]

    def run(self) -> list:
        from django.db import connection

        results = []
        with connection.cursor() as cursor:
            for sql, params in self.statements:
                cursor.execute(sql, params)
                results.append(cursor.fetchall())
        return results

    def matches(self, results: list, figures) -> bool:
        """The floor's totals are the figures' (done count and money, supports, F16/F21 facilities,
        conferences, nominations): the floor computes what the figures compute."""
        groups, supports, (distinct,), (events,), (nominations,) = results
        done = [g for g in groups if g[1] == self.completed]
        return (
            sum(g[8] for g in done) == figures.done.count
            and sum(g[9] for g in done) == figures.done.money
            and sum(g[8] for g in groups) == sum(y.planned for y in figures.years)
            and sum(s[5] for s in supports if s[2] == "DTBD") == figures.training.supports
            and (distinct[0], distinct[1]) == (figures.recoverable.facilities, figures.non_recoverable.facilities)
            and (events[0], events[1]) == (figures.conferences.events, figures.conferences.participants)
            and (nominations[0], nominations[1]) == (figures.voting.products, figures.voting.facilities)
        )


if __name__ == "__main__":
    main()
