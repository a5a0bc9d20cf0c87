"""python manage.py export_workbook FILE"""

from __future__ import annotations

from khuyencong.core import commands
from khuyencong.workbook import export_workbook


class Command(commands.PortalCommand):
    help = "Xuất toàn bộ dữ liệu ra bảng tính cùng mẫu với bảng tính nhập (import-format.md)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="tệp .xlsx sẽ ghi; thư mục chứa nó phải có sẵn")

    def handle(self, *args, file: str, **options):
        path = commands.output_file(file)
        self.stdout.write(self.style.SUCCESS(commands.write_file(path, export_workbook())))
