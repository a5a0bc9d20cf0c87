"""Load or refresh the administrative units from the installed vietnamadminunits package.

    .venv/bin/python manage.py load_admin_units

The 34 provinces in force from 1/7/2025, every commune of the deployment's province
(settings.ORGANISATION["province_code"]), and the provinces, districts and communes of the
former provinces it was made of, with their successors. Safe to run again; after upgrading the
package it updates names and validity and says how many units changed.
"""

from __future__ import annotations

from khuyencong.core import commands
from projects.admin_units import current_province, kind_counts, load_units


class Command(commands.PortalCommand):
    help = "Nạp/cập nhật danh mục đơn vị hành chính từ gói vietnamadminunits đã cài."

    def handle(self, *args, **options):
        counts = load_units()
        self.stdout.write(counts.summary())
        province = current_province()
        kinds = kind_counts(province.code)
        self.stdout.write(
            f"{province.name} (từ 01/7/2025): "
            + ", ".join(
                f"{n} {label}" for label, n in (("xã", kinds["xa"]), ("phường", kinds["phuong"]), ("đặc khu", kinds["dac_khu"]))
            )
        )
