"""Work out every contract's debt summary again (``funding.loans.refresh_all_debts``).

The summaries are kept by every writer in its own transaction, and a summary that no longer
holds (a new day with an instalment falling due) is worked out when a page reads it. This
command is for the day of a release that adds or changes how they are computed: run it once
after ``migrate``, so the first visitor of the day does not wait for thousands of ledgers.

    .venv/bin/python manage.py refresh_debts
"""

from __future__ import annotations

import time

from django.db import transaction

from funding import loans
from khuyencong.core import commands
from khuyencong.core.formatting import group_thousands


class Command(commands.PortalCommand):
    help = "Tính lại bảng tóm tắt dư nợ của mọi hợp đồng hỗ trợ có thu hồi (chạy một lần sau khi nâng cấp)."

    def handle(self, *args, **options):
        started = time.monotonic()
        with transaction.atomic():
            count = loans.refresh_all_debts()
            loans.bump_ledger_version()
        seconds = f"{time.monotonic() - started:.1f}".replace(".", ",")
        self.stdout.write(f"Đã tính lại dư nợ của {group_thousands(count)} hợp đồng trong {seconds} giây.")
