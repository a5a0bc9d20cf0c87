"""How long the report takes: figures, HTML, the PDF with its annexes, the Word file and the
Excel annexes, on the Lâm Đồng data set; figures, HTML and Excel again at ×10.

    .venv/bin/python benchmarks/report.py [--runs 5] [--db /tmp/khuyencong-bench.sqlite3]

Builds a fresh SQLite database (migrate, seed_demo), times the 2021–2025 report at
15/03/2025, scales the data ×10 (scale_demo) and times it again. Prints medians.
Targets: figures < 100 ms, period PDF (annexes included) ≤ 3 s. The PDF and the Word file are
not timed at ×10: annex I lists every đề án, so they grow with the data by design.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _median_ms(function, runs: int) -> str:
    """Median wall time, and the process's own CPU time beside it: on a machine shared with
    other work the wall time includes waiting for a core, the CPU time does not."""
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return f"{statistics.median(wall):8.1f} ms (CPU {statistics.median(cpu):8.1f} ms)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", default="/tmp/khuyencong-bench.sqlite3")
    args = parser.parse_args()

    db = Path(args.db)
    db.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khuyencong.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command

    from reporting.annexes import annex_workbook
    from reporting.document import default_province, render_document
    from reporting.figures import compute_figures
    from reporting.pdf import html_to_pdf, render_pdf, split_annexes
    from reporting.word import render_docx

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    report_date = datetime.date(2025, 3, 15)

    def measure(label: str, *, documents: bool) -> None:
        province = default_province()

        def figures():
            return compute_figures(province=province, year_from=2021, year_to=2025, report_date=report_date)

        computed = figures()
        print(f"{label}: {computed.done.count} đề án done in 2021–2025")
        print(f"  figures  {_median_ms(figures, args.runs)}")
        print(f"  HTML     {_median_ms(lambda: render_document(computed, links=True), args.runs)}")
        print(f"  XLSX     {_median_ms(lambda: annex_workbook(computed), args.runs)}  (Phụ lục I–V)")
        if documents:
            slow_runs = max(1, args.runs // 2)
            body = split_annexes(render_document(computed, links=False, pdf=True))[0]
            print(f"  PDF      {_median_ms(lambda: html_to_pdf(body), slow_runs)}  (the report alone)")
            print(f"  PDF      {_median_ms(lambda: render_pdf(computed), slow_runs)}  (with Phụ lục I–V)")
            print(f"  Word     {_median_ms(lambda: render_docx(computed), slow_runs)}  (with Phụ lục I–V)")

    measure("data set", documents=True)
    call_command("scale_demo", factor=10, verbosity=0)
    measure("data set ×10", documents=False)


if __name__ == "__main__":
    main()
