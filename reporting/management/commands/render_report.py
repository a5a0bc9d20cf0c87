"""Render a draft BC-SCT report from current data, without storing anything.

python manage.py render_report --from 2021 --to 2025 --date 2025-03-15 --format pdf --output bao-cao.pdf
"""

from __future__ import annotations

import datetime

from django.core.management.base import CommandError

from khuyencong.core import commands
from projects.models import AdministrativeUnit
from reporting.document import draft_figures, render_document, report_province

FORMATS = ("html", "pdf", "xlsx", "docx")


class Command(commands.PortalCommand):
    help = "Xuất dự thảo báo cáo BC-SCT (HTML, PDF, Word hoặc Excel) từ dữ liệu hiện có; không lưu gì vào cơ sở dữ liệu."

    def add_arguments(self, parser):
        commands.add_period_arguments(parser)
        parser.add_argument(
            "--province",
            default="",
            help="Tỉnh của báo cáo: mã hoặc tên (ví dụ 67 hoặc “Đắk Nông”) cho một tỉnh cũ trước 01/7/2025; "
            "bỏ trống: tỉnh của đơn vị báo cáo (kỳ trước 7/2025 gồm cả ba tỉnh cũ khi là tỉnh mới).",
        )
        parser.add_argument("--format", dest="fmt", default="pdf", help=f"Định dạng: {', '.join(FORMATS)} (mặc định pdf).")
        parser.add_argument("--output", required=True, help="Tệp kết quả; thư mục chứa nó phải có sẵn.")

    def handle(self, *args, year_from, year_to, report_date: str | None, fmt: str, output: str, **options):
        # Every argument is checked before the (slow) rendering, so a typo costs nothing.
        year_from, year_to = commands.year_range(year_from, year_to)
        as_of = commands.date(report_date, option="--date", label="Ngày báo cáo", default=datetime.date.today())
        fmt = commands.choice(fmt, FORMATS, option="--format")
        path = commands.output_file(output)
        try:
            province = report_province(options.get("province"), year_from, year_to)
        except AdministrativeUnit.DoesNotExist as exc:
            raise CommandError("Chưa có tỉnh của đơn vị báo cáo trong cơ sở dữ liệu (ORG_PROVINCE_CODE).") from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

        figures = draft_figures(year_from=year_from, year_to=year_to, report_date=as_of, province=province)
        if fmt == "html":
            content = render_document(figures, links=False).encode()
        elif fmt == "pdf":
            from reporting.pdf import render_pdf

            content = render_pdf(figures)
        elif fmt == "docx":
            from reporting.word import render_docx

            content = render_docx(figures)
        else:
            from reporting.annexes import annex_workbook, reference
            from reporting.document import DocumentText

            text = DocumentText.for_report(
                None, year_from=year_from, year_to=year_to, report_date=as_of, province=province
            )
            content = annex_workbook(figures, reference=reference(text))
        written = commands.write_file(path, content)
        if not figures.has_data:
            self.stderr.write(f"Lưu ý: kỳ {year_from}-{year_to} chưa có dữ liệu đề án; báo cáo ghi các số liệu bằng 0.")
        self.stdout.write(written)
