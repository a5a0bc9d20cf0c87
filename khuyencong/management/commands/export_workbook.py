"""python manage.py export_workbook FILE"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from khuyencong.workbook import export_workbook


class Command(BaseCommand):
    help = "Xuất toàn bộ dữ liệu ra bảng tính cùng mẫu với bảng tính nhập (import-format.md)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="tệp .xlsx sẽ ghi")

    def handle(self, *args, file: str, **options):
        data = export_workbook()
        Path(file).write_bytes(data)
        self.stdout.write(self.style.SUCCESS(f"Đã ghi {file} ({len(data):,} byte).".replace(",", ".")))
