"""Benchmark of the workbook import: 10,000 đề án, 20,000 disbursements, 2,000 contracts with
their schedules and repayments, 2,000 events and 1,000 nominations, into a fresh test database.

    python benchmarks/import.py            # SQLite (in memory), or DATABASE_URL's PostgreSQL
    python benchmarks/import.py --both     # SQLite, then DATABASE_URL's PostgreSQL, each in its own process
    python benchmarks/import.py --scale 0.1
    python benchmarks/import.py --via-job --rows 100000   # the web path: upload, preview job, confirm, import job

Prints the rows per second of the dry run and of the import run as `manage.py import_workbook
FILE --user …` runs it (the command: reading, checking, writing with its history rows, the
import log with its stored file), sheet by sheet, the history rows written against the records
(one each: the import's history is complete) and the peak resident memory of the process
(VmHWM), each beside its goal (issue 14): at least 4,000 rows/s with history, under 500 MB.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khuyencong.test_settings")

import django  # noqa: E402

django.setup()

import subprocess  # noqa: E402

from django.apps import apps as django_apps  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from khuyencong.workbook import import_workbook  # noqa: E402
from khuyencong.workbook.sheets import SHEETS  # noqa: E402

CONTENTS = ["MHTD", "CGCN", "XLMT", "KNCC", "HCTL", "THNH", "DTBD", "TVHT", "TTTT", "KTGS"]


def add_events_and_nominations(rows: dict[str, list[list]], codes: list, scale: float, *, first: int, facilities: int) -> None:
    """2.000 events under the non-recoverable đề án from ``first`` on (every đề án here is done,
    so may hold one) and 1.000 nominations of the facilities' products."""
    for n in range(int(2_000 * scale)):
        year, code = codes[first + n % (len(codes) - first)]
        rows["SuKien"].append([year, code, f"Hội nghị số {n}", datetime.date(year, 5, 1 + n % 28), "Đà Lạt", 20, 3, 2])
    for n in range(int(1_000 * scale)):
        rows["BinhChon"].append([f"Sản phẩm số {n}", f"58{n % facilities:08d}", "Tỉnh", 2021 + n % 5, "Công nhận", f"GCN-{n}"])


def facility_row(n: int) -> list:
    """The CoSo row of the n-th facility (tax code 58 followed by n)."""
    return [f"58{n:08d}", f"Cơ sở sản xuất số {n}", "Hộ kinh doanh", f"Thôn {n % 40}", "Huyện Lâm Hà",
            "Chế biến nông sản", f"Người đại diện {n}", "0263 3822 111", ""]


def build(scale: float) -> tuple[bytes, int]:
    """The workbook, and its number of data rows."""
    projects, disbursements, contracts = int(10_000 * scale), int(20_000 * scale), int(2_000 * scale)
    facilities = max(contracts, projects // 5)
    recoverable = contracts // 2  # two contracts each
    rows: dict[str, list[list]] = {sheet.name: [list(sheet.columns)] for sheet in SHEETS}
    rows["DeAn"][0].append("Kinh phí được duyệt")  # a đề án done needs one (Project.approved_budget_refusal)
    rows["DeAn"][0] += ["Ngày nghiệm thu", "Ngày quyết toán"]  # and was accepted and settled (Project.lifecycle_refusal)
    rows["CoSo"] += [facility_row(n) for n in range(facilities)]
    codes = []
    for n in range(projects):
        year = 2021 + n % 5
        code = f"DA-{n:05d}"
        codes.append((year, code))
        if n < recoverable:
            content, form, budget = "MMTB", "Có thu hồi", 2 * 150_000_000
        else:
            content, form, budget = CONTENTS[n % len(CONTENTS)], "Không thu hồi", 300_000_000
        rows["DeAn"].append(
            [
                year,
                code,
                f"Đề án khuyến công số {n}",
                "Địa phương" if n % 4 else "Quốc gia",
                content,
                form,
                # A recoverable đề án lends to its beneficiaries: the facilities of its two contracts.
                f"58{2 * n % facilities:08d}; 58{(2 * n + 1) % facilities:08d}" if n < recoverable else f"58{n % facilities:08d}",
                budget,
                100_000_000,
                1,
                "Hoàn thành",
                "",
                "",
                budget,
                f"01/11/{year}",
                f"01/12/{year}",
            ]
        )
    for n in range(disbursements):
        if n < recoverable:
            project = n
            amount = 2 * 150_000_000
        else:
            project = recoverable + n % (projects - recoverable)
            amount = 100_000_000
        year, code = codes[project]
        rows["GiaiNgan"].append([year, code, datetime.date(year, 6, 1 + n % 28), amount, f"UNC-{n:06d}"])
    for n in range(contracts):
        year, code = codes[n // 2]
        number = f"{n:05d}/HĐ-TTKC"
        disbursed = datetime.date(year, 3, 1)
        rows["HopDong"].append(
            [number, year, code, f"58{n % facilities:08d}", datetime.date(year, 2, 15), 150_000_000, disbursed, 36, 6, 6]
        )
        for i in range(1, 7):
            due = datetime.date(year + (2 + 5 * i) // 12, (2 + 5 * i) % 12 + 1, 1)
            rows["LichTra"].append([number, i, due, 25_000_000])
        for i in range(3):
            rows["TraNo"].append([number, datetime.date(year + 1, 1 + 3 * i, 10), 25_000_000, f"BL-{i}"])
    add_events_and_nominations(rows, codes, scale, first=recoverable, facilities=facilities)
    total = sum(len(r) - 1 for r in rows.values())
    workbook = Workbook(write_only=True)
    for name, sheet_rows in rows.items():
        sheet = workbook.create_sheet(name)
        for row in sheet_rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), total


def peak_mb() -> float:
    """The process's peak resident memory: VmHWM, else getrusage's (both in kB on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


ROWS_AT_SCALE_1 = 55_000
GOAL_ROWS_PER_SECOND = 4_000  # issue 14: from the command, with history
GOAL_PEAK_MB = 500


def by_sheet(result) -> None:
    """Rows per second of each sheet: its reading, checking and writing (history included)."""
    for sheet in SHEETS:
        seconds = result.seconds.get(sheet.name)
        counts = result.counts.get(sheet.name)
        if seconds and counts and counts.total:
            print(f"  {sheet.name:9} {counts.total:7,} rows {seconds:6.1f} s {counts.total / seconds:9,.0f} rows/s")


def tracked_models() -> list:
    return sorted(
        {
            m
            for m in django_apps.get_models()
            if hasattr(m, "history") and not m.__name__.startswith("Historical") and m._meta.app_label in ("projects", "funding")
        },
        key=lambda m: m.__name__,
    )


def history_check(before: dict) -> bool:
    """Records the import added against their history rows, model by model (``before``: the
    counts of records and history rows before it; the migrations' catalogues, support caps
    among them, are not the import's): each record it added has exactly one (its creation)."""
    records = written = 0
    complete = True
    for model in tracked_models():
        count = model.objects.count() - before[model][0]
        history = model.history.count() - before[model][1]
        if count or history:
            print(f"  {model.__name__:18} {count:7,} records {history:7,} history rows")
        records, written = records + count, written + history
        created = model.history.filter(history_type="+").values("id").distinct().count() - before[model][2]
        complete = complete and count == history == created
    print(f"history:  {written:,} rows written for {records:,} records ({'one each' if complete else 'NOT one each'})")
    return complete


def counts_before() -> dict:
    return {
        m: (m.objects.count(), m.history.count(), m.history.filter(history_type="+").values("id").distinct().count())
        for m in tracked_models()
    }


def verdict(value: float, goal: float, *, at_least: bool) -> str:
    met = value >= goal if at_least else value < goal
    return f"(goal {'≥' if at_least else '<'} {goal:,.0f}: {'met' if met else 'NOT MET'})"


def run_command(data: bytes):
    """``manage.py import_workbook FILE --user …`` on ``data``, as a Department user; its
    ImportResult (caught on its way from the importer to the command, for the sheet times)."""
    import tempfile

    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.test.utils import override_settings

    from khuyencong.core import roles
    from khuyencong.management.commands import import_workbook as command

    user = User.objects.create_user("nhap-bang-tinh")
    user.groups.add(Group.objects.get_or_create(name=roles.DEPARTMENT)[0])
    results = []
    real = command.import_workbook

    def spy(*args, **kwargs):
        results.append(real(*args, **kwargs))
        return results[-1]

    with tempfile.TemporaryDirectory() as folder, override_settings(MEDIA_ROOT=folder):
        path = Path(folder) / "bang-tinh.xlsx"
        path.write_bytes(data)
        command.import_workbook = spy
        try:
            call_command("import_workbook", str(path), user=user.username, stdout=io.StringIO())
        finally:
            command.import_workbook = real
    return results[0]


def via_job(data: bytes, rows: int) -> None:
    """The whole web path, as a browser takes it: the upload through the test client, the
    preview job run by one db_worker pass, the confirm from the preview's page, the import job
    run by another pass. Prints the time of each step, the jobs' progress as their page shows
    it, and the peak memory after each (one process serves and works, so the peak covers both)."""
    import tempfile

    from django.contrib.auth.models import Group, User
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from khuyencong.core import roles
    from khuyencong.jobs.models import Job

    def work() -> None:
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)

    def step(name: str, started: float, note: str, *, rate: bool = True) -> None:
        elapsed = time.perf_counter() - started
        speed = f"{rows / elapsed:8,.0f} rows/s" if rate else " " * 15
        print(f"{name:<9} {elapsed:6.1f} s  {speed}  peak {peak_mb():4.0f} MB  {note}", flush=True)

    user = User.objects.create_user("benchmark")
    user.groups.add(Group.objects.get_or_create(name=roles.DEPARTMENT)[0])
    client = Client()
    client.force_login(user)
    queue = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with tempfile.TemporaryDirectory() as media, override_settings(TASKS=queue, MEDIA_ROOT=media):
        started = time.perf_counter()
        response = client.post(reverse("workbook:import"), {"file": SimpleUploadedFile("lon.xlsx", data)})
        assert response.status_code == 302, response.content[:500]
        step("upload:", started, "(the request only stores the file and queues the check)", rate=False)

        started = time.perf_counter()
        work()
        preview = Job.objects.get(kind="preview")
        assert preview.status == Job.Status.DONE and not preview.result["problems"], (
            preview.message,
            preview.result.get("problems", [])[:5],
        )
        step("preview:", started, f"({preview.done:,} / {preview.total:,} rows checked)")
        assert "Xác nhận nhập dữ liệu" in client.get(reverse("jobs:job", args=[preview.pk])).content.decode()

        started = time.perf_counter()
        response = client.post(reverse("workbook:confirm"), {"job": str(preview.pk)})
        assert response.status_code == 302
        step("confirm:", started, "(queues the import of the stored file)", rate=False)

        started = time.perf_counter()
        work()
        job = Job.objects.get(kind="import")
        assert job.status == Job.Status.DONE, (job.message, job.result.get("problems", [])[:5])
        step("import:", started, f"({job.done:,} / {job.total:,} rows, {job.result['message']})")


def both(argv: list[str]) -> None:
    """This benchmark on SQLite, then on DATABASE_URL's PostgreSQL, each in a process of its own
    (the peak memory is a process's); the two summaries side by side at the end."""
    summaries = []
    for label, url in (("SQLite", None), ("PostgreSQL", os.environ.get("DATABASE_URL"))):
        if label == "PostgreSQL" and not url:
            print("PostgreSQL: set DATABASE_URL to run it")
            continue
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        if url:
            env["DATABASE_URL"] = url
        print(f"===== {label}", flush=True)
        done = subprocess.run([sys.executable, __file__, *argv], env=env, capture_output=True, text=True)
        print(done.stdout, done.stderr, sep="", flush=True)
        summaries += [f"{label:10} {line}" for line in done.stdout.splitlines() if line.startswith(("command:", "peak memory:"))]
    print("===== summary")
    print("\n".join(summaries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rows", type=int, help=f"about this many rows (scale = rows / {ROWS_AT_SCALE_1:,})")
    parser.add_argument("--via-job", action="store_true", help="upload, check and import through the web and the task queue")
    parser.add_argument("--both", action="store_true", help="SQLite, then DATABASE_URL's PostgreSQL")
    args = parser.parse_args()
    if args.both:
        both([a for a in sys.argv[1:] if a != "--both"])
        return
    if args.rows:
        args.scale = args.rows / ROWS_AT_SCALE_1

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        if args.via_job:
            data, rows = build(args.scale)
            print(f"workbook: {rows:,} rows, {len(data) / 1e6:.1f} MB")
            via_job(data, rows)
            print(f"peak memory: {peak_mb():.0f} MB ({connection.vendor})")
            return
        # manage.py's system checks import the URLconf before any command runs (the import's
        # result links its records); load it here too, so that it is not timed as the import's.
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018
        started = time.perf_counter()
        data, rows = build(args.scale)
        print(f"workbook: {rows:,} rows, {len(data) / 1e6:.1f} MB, built in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        dry = import_workbook(data, dry_run=True)
        elapsed = time.perf_counter() - started
        assert dry.ok, dry.problems[:5]
        print(f"dry run:  {elapsed:6.1f} s  {rows / elapsed:8,.0f} rows/s")

        before = counts_before()
        load = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        result = run_command(data)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert result.ok and result.applied, result.problems[:5]
        print(
            f"command:  {elapsed:6.1f} s  {rows / elapsed:8,.0f} rows/s with history "
            f"{verdict(rows / elapsed, GOAL_ROWS_PER_SECOND, at_least=True)} ({connection.vendor})"
        )
        # Other work on the machine stretches the wall clock; the CPU time it took does not
        # (the database server's CPU, PostgreSQL's, is not in it).
        print(
            f"          {cpu:6.1f} s of CPU  {rows / cpu:8,.0f} rows per CPU second of this process "
            f"(load {load:.1f} → {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores)"
        )
        by_sheet(result)
        complete = history_check(before)

        started = time.perf_counter()
        again = import_workbook(data, dry_run=True)
        elapsed = time.perf_counter() - started
        assert all(c.created == c.updated == 0 for c in again.counts.values())
        print(f"re-check: {elapsed:6.1f} s  {rows / elapsed:8,.0f} rows/s (all unchanged)")
        peak = peak_mb()
        print(f"peak memory: {peak:.0f} MB {verdict(peak, GOAL_PEAK_MB, at_least=False)} ({connection.vendor})")
        if not complete:
            raise SystemExit("Some records have no history row, or more than one.")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
