"""Load the Lâm Đồng demonstration data set, the role groups and one demo user per role.

    .venv/bin/python manage.py seed_demo

Safe to run again: rows already as in the fixture are left alone (no history is written),
rows that were changed are put back, and the users keep their passwords.
"""

from __future__ import annotations

import time

from django.core.management.base import CommandError
from django.core.serializers.base import DeserializationError
from django.db import transaction

from funding import loans
from funding.models import LoanContract
from khuyencong import demo
from khuyencong.core import commands
from khuyencong.core.formatting import group_thousands
from projects.admin_units import load_units, map_facilities


class Command(commands.PortalCommand):
    help = "Nạp bộ dữ liệu mẫu Lâm Đồng (fixtures/lam_dong.json), các nhóm quyền và tài khoản mẫu."

    def add_arguments(self, parser):
        parser.add_argument("--fixture", default=str(demo.FIXTURE), help="Đường dẫn tệp dữ liệu mẫu (JSON).")

    def handle(self, *args, **options):
        path = commands.input_file(options["fixture"])
        started = time.monotonic()
        try:
            with transaction.atomic(), loans.ledger_writes():  # debt summaries refreshed at the end, in it
                units = load_units()  # the fixture refers to the units by code
                result = demo.load_dataset(path)
                loans.ledger_changed(LoanContract.objects.values_list("pk", flat=True))
                mapped = map_facilities()  # facilities added since, still at a pre-reform unit
                groups = demo.setup_roles()
                users = demo.setup_demo_users()
        except (DeserializationError, UnicodeDecodeError) as error:
            raise CommandError(f"Tệp “{path}” không phải là dữ liệu mẫu JSON đọc được ({error}); không nạp gì.") from None
        elapsed = time.monotonic() - started
        self.stdout.write("Đơn vị hành chính: " + units.summary())
        if mapped.mapped or mapped.ambiguous:
            self.stdout.write(f"Cơ sở gắn với xã, phường mới: {mapped.mapped}; cần xem lại: {mapped.ambiguous}.")
        created, updated, unchanged = (sum(c.values()) for c in (result.created, result.updated, result.unchanged))
        self.stdout.write(
            f"Dữ liệu mẫu: {group_thousands(created)} bản ghi mới, {group_thousands(updated)} bản ghi được khôi phục, "
            f"{group_thousands(unchanged)} bản ghi không đổi."
        )
        for label, n in sorted(result.created.items()):
            self.stdout.write(f"  + {label}: {group_thousands(n)}")
        for label, n in sorted(result.updated.items()):
            self.stdout.write(f"  ~ {label}: {group_thousands(n)}")
        self.stdout.write("Nhóm quyền: " + "; ".join(f"{name} ({n} quyền)" for name, n in groups.items()))
        if users:
            self.stdout.write(f"Tài khoản mới: {', '.join(users)} (mật khẩu {demo.DEMO_PASSWORD})")
        else:
            self.stdout.write("Tài khoản mẫu đã có sẵn: " + ", ".join(u[0] for u in demo.DEMO_USERS))
        self.stdout.write(self.style.SUCCESS(f"Xong trong {commands.seconds(elapsed)}."))
