"""python manage.py send_reminders [--date YYYY-MM-DD]

Run once a day (cron, 07:00: see the README). Running it again the same day, or missing a day,
is harmless: khuyencong.office.reminders tells each user of each thing once.
"""

from __future__ import annotations

from django.utils import timezone

from khuyencong.core import commands
from khuyencong.office.reminders import DUE_DAYS, send_reminders


class Command(commands.PortalCommand):
    help = (
        f"Nhắc cán bộ nhập liệu các kỳ trả nợ đến hạn trong {DUE_DAYS} ngày và các hợp đồng mới quá hạn: "
        "thông báo trên cổng và thư điện tử; mỗi việc chỉ nhắc một lần."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="ngày tính, dạng YYYY-MM-DD; mặc định hôm nay")

    def handle(self, *args, date: str | None = None, **options):
        day = commands.date(date, option="--date", label="Ngày nhắc", default=timezone.localdate())
        outcome = send_reminders(day)
        self.stdout.write(
            self.style.SUCCESS(
                f"Ngày {day:%d/%m/%Y}: {outcome.notifications} thông báo mới, {outcome.emails} thư điện tử đã gửi."
            )
        )
