"""Print the checks before issuing a BC-SCT report (reporting/checks.py); exit 1 when one blocks.

python manage.py check_report --from 2021 --to 2025 --date 2025-03-15
"""

from __future__ import annotations

import datetime

from django.core.management.base import CommandError

from khuyencong.core import commands
from projects.models import AdministrativeUnit
from reporting import checks
from reporting.document import report_province
from reporting.models import Report


class Command(commands.PortalCommand):
    help = (
        "Kiểm tra dữ liệu (và văn bản dự thảo, nếu có) trước khi ban hành báo cáo BC-SCT; "
        "trả mã 1 khi có lỗi phải sửa, 0 khi không."
    )

    def add_arguments(self, parser):
        commands.add_period_arguments(parser)
        parser.add_argument(
            "--province",
            default="",
            help="Tỉnh của báo cáo: mã hoặc tên (ví dụ 67 hoặc “Đắk Nông”) cho một tỉnh cũ trước 01/7/2025; "
            "bỏ trống: tỉnh của đơn vị báo cáo (kỳ trước 7/2025 gồm cả ba tỉnh cũ khi là tỉnh mới).",
        )

    def handle(self, *args, year_from, year_to, report_date: str | None, **options):
        year_from, year_to = commands.year_range(year_from, year_to)
        as_of = commands.date(report_date, option="--date", label="Ngày báo cáo", default=datetime.date.today())
        try:
            province = report_province(options.get("province"), year_from, year_to)
        except AdministrativeUnit.DoesNotExist as exc:
            raise CommandError("Chưa có tỉnh của đơn vị báo cáo trong cơ sở dữ liệu (ORG_PROVINCE_CODE).") from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        # The text is checked on the newest draft of the period, when there is one.
        draft = (
            Report.objects.filter(province=province, year_from=year_from, year_to=year_to, status=Report.Status.DRAFT)
            .order_by("-created_at", "-pk")
            .first()
        )
        findings = checks.run_checks(province=province, year_from=year_from, year_to=year_to, report_date=as_of, report=draft)
        period = f"{year_from}-{year_to}" if year_from != year_to else str(year_from)
        if draft is None:
            self.stdout.write(f"Kỳ {period}: chưa có dự thảo báo cáo, chỉ kiểm tra dữ liệu.")
        for finding in findings:
            self.stdout.write(f"[{finding.severity_label}] {finding.message} (mã: {finding.code})")
            for link in finding.links:
                self.stdout.write(f"    - {link.label}: {link.url}")
        blocking = sum(f.is_blocking for f in findings)
        self.stdout.write(f"Kỳ {period}, ngày {as_of:%d/%m/%Y}: {blocking} lỗi phải sửa, {len(findings) - blocking} cảnh báo.")
        if blocking:
            raise CommandError("Chưa ban hành được: còn lỗi phải sửa (xem danh sách trên).", returncode=1)
