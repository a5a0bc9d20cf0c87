"""Render a draft BC-SCT report from current data, without storing anything.

python manage.py render_report --from 2021 --to 2025 --date 2025-03-15 --format pdf --output bao-cao.pdf
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.models import AdministrativeUnit
from reporting.document import default_province, draft_figures, render_document

FORMATS = ("html", "pdf", "xlsx")


class Command(BaseCommand):
    help = "Xuất dự thảo báo cáo BC-SCT (HTML, PDF hoặc Excel) từ dữ liệu hiện có; không lưu gì vào cơ sở dữ liệu."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="year_from", type=int, required=True, help="Năm đầu của kỳ báo cáo.")
        parser.add_argument("--to", dest="year_to", type=int, required=True, help="Năm cuối của kỳ báo cáo.")
        parser.add_argument(
            "--date",
            dest="report_date",
            default=None,
            help="Ngày báo cáo YYYY-MM-DD (mặc định hôm nay); công nợ tính đến ngày này.",
        )
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="pdf")
        parser.add_argument("--output", required=True, help="Tệp kết quả.")

    def handle(self, *args, year_from: int, year_to: int, report_date: str | None, fmt: str, output: str, **options):
        if year_to < year_from:
            raise CommandError(f"Khoảng năm không hợp lệ: năm kết thúc ({year_to}) trước năm bắt đầu ({year_from}).")
        try:
            as_of = datetime.date.fromisoformat(report_date) if report_date else datetime.date.today()
        except ValueError as exc:
            raise CommandError(f"Ngày báo cáo không hợp lệ: {report_date!r}; cần dạng YYYY-MM-DD, ví dụ 2025-03-15.") from exc
        try:
            province = default_province()
        except AdministrativeUnit.DoesNotExist as exc:
            raise CommandError("Chưa có tỉnh của đơn vị báo cáo trong cơ sở dữ liệu (ORG_PROVINCE_CODE).") from exc

        figures = draft_figures(year_from=year_from, year_to=year_to, report_date=as_of, province=province)
        if fmt == "html":
            content = render_document(figures, links=False).encode()
        elif fmt == "pdf":
            from reporting.pdf import render_pdf

            content = render_pdf(figures)
        else:
            try:
                from reporting.annexes import annex_workbook
            except ImportError as exc:
                raise CommandError("Định dạng xlsx chưa được hỗ trợ.") from exc
            content = annex_workbook(figures)
        Path(output).write_bytes(content)
        if not figures.has_data:
            self.stderr.write(f"Lưu ý: kỳ {year_from}-{year_to} chưa có dữ liệu đề án; báo cáo ghi các số liệu bằng 0.")
        self.stdout.write(f"Đã ghi {output} ({len(content):,} byte).")
