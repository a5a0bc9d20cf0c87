"""Issue a draft BC-SCT report, as the issue screen does, and write its files.

python manage.py issue_report --from 2024 --to 2024 --date 2025-03-15 --number 125 --user chuyenvien \
    --output-dir bao-cao/ [--acknowledge CODE ...] [--report ID]

The same service as the screen (reporting.services.issue_report): the user's role, the number,
the date and the checks before issuing (reporting.checks) are checked the same way; a warning
is acknowledged with --acknowledge and its code (check_report prints the codes).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError
from django.db import OperationalError

from khuyencong.core import commands
from reporting import services
from reporting.document import standalone_html
from reporting.models import Report, ReportSnapshot


def _folder(value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise CommandError(f"Thư mục “{value}” không tồn tại; hãy tạo thư mục trước hoặc chọn chỗ ghi khác.")
    if not os.access(path, os.W_OK):
        raise CommandError(f"Không được ghi vào thư mục “{value}” (không có quyền).")
    return path


def _draft(year_from: int, year_to: int, pk: int | None) -> Report:
    drafts = Report.objects.filter(year_from=year_from, year_to=year_to, status=Report.Status.DRAFT)
    if pk is not None:
        drafts = drafts.filter(pk=pk)
    found = list(drafts.order_by("pk")[:2])
    period = str(year_from) if year_from == year_to else f"{year_from}-{year_to}"
    if not found:
        raise CommandError(
            f"Không có dự thảo báo cáo kỳ {period}" + (f" mã {pk}" if pk else "") + "; hãy lập dự thảo trên màn hình trước."
        )
    if len(found) > 1:
        raise CommandError(f"Kỳ {period} có nhiều dự thảo (mã {', '.join(str(r.pk) for r in drafts)}); chọn một bằng --report.")
    return found[0]


class Command(commands.PortalCommand):
    help = "Ban hành dự thảo báo cáo BC-SCT (như màn hình ban hành) và ghi các tệp HTML, PDF, DOCX, XLSX, JSON."

    def add_arguments(self, parser):
        commands.add_period_arguments(parser, report_date=False)
        parser.add_argument(
            "--date", dest="issue_date", required=True, help="Ngày ban hành YYYY-MM-DD; công nợ tính đến ngày này."
        )
        parser.add_argument("--number", required=True, help="Số báo cáo, ví dụ 125 hoặc 125/BC-SCT.")
        parser.add_argument("--user", required=True, help="Tên đăng nhập của người ban hành.")
        parser.add_argument("--output-dir", dest="output_dir", required=True, help="Thư mục ghi các tệp đã ban hành.")
        parser.add_argument("--report", type=int, default=None, help="Mã dự thảo, khi kỳ có nhiều dự thảo.")
        parser.add_argument(
            "--acknowledge", action="append", default=[], metavar="MÃ", help="Mã cảnh báo đã xem xét (lặp lại cho mỗi cảnh báo)."
        )

    def handle(self, *args, year_from, year_to, issue_date, number, user, output_dir, report, acknowledge, **options):
        year_from, year_to = commands.year_range(year_from, year_to)
        date = commands.date(issue_date, option="--date", label="Ngày ban hành")
        folder = _folder(output_dir)
        by = commands.active_user(user)
        draft = _draft(year_from, year_to, report)
        try:
            issued = services.issue_report(report=draft, number=number, by=by, date=date, acknowledged=acknowledge)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", None) or [str(exc)])) from None
        except OperationalError:  # SQLite: another issuing holds the database past its timeout
            raise CommandError(
                "Cơ sở dữ liệu đang bận (có thể đang ban hành một báo cáo khác); báo cáo vẫn là dự thảo, hãy chạy lại sau."
            ) from None
        snapshot = ReportSnapshot.objects.get(report=issued)
        stem = f"bao-cao-{issued.number.replace('/', '-')}-{issued.years_label}"
        files = {
            "html": standalone_html(snapshot.html).encode(),
            "pdf": bytes(snapshot.pdf),
            "docx": bytes(snapshot.docx),
            "xlsx": bytes(snapshot.xlsx),
            "json": json.dumps(snapshot.package, ensure_ascii=False, indent=2).encode(),
        }
        self.stdout.write(f"Đã ban hành báo cáo số {issued.number} ngày {issued.report_date:%d/%m/%Y}.")
        for fmt, content in files.items():
            self.stdout.write(commands.write_file(folder / f"{stem}.{fmt}", content))
