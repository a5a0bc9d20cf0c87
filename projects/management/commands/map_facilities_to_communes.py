"""Give each facility recorded at a pre-reform unit the commune of the 2025 reform it is in now.

    .venv/bin/python manage.py map_facilities_to_communes

From an old commune by the package's mapping; from a district by the old commune its address
names; what stays undecided (a split commune, an address naming none) goes to the review list
(/co-so/xem-lai-xa-phuong/). Each change is in the facility's history.
"""

from __future__ import annotations

from khuyencong.core import commands
from projects.admin_units import map_facilities


class Command(commands.PortalCommand):
    help = "Gắn các cơ sở với xã, phường sau sắp xếp 01/7/2025 (theo đơn vị cũ và địa chỉ)."

    def handle(self, *args, **options):
        counts = map_facilities()
        self.stdout.write(
            f"Đã gắn {counts.mapped} cơ sở; {counts.ambiguous} cơ sở cần xem lại (danh sách xem lại); "
            f"{counts.unchanged} không đổi."
        )
