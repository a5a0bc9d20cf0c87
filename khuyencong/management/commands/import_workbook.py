"""python manage.py import_workbook FILE [--dry-run] [--user NAME]"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from khuyencong.workbook import WorkbookRefused, import_workbook


class Command(BaseCommand):
    help = (
        "Nhập bảng tính của Trung tâm (các sheet CoSo, DeAn, GiaiNgan, SuKien, HopDong, LichTra, TraNo, "
        "KhoiKien, BinhChon) trong một giao dịch. Có dòng sai thì không nhập gì và liệt kê các dòng sai; "
        "thoát với mã khác 0."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="tệp .xlsx")
        parser.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra và cho biết sẽ thêm, sửa bao nhiêu")
        parser.add_argument("--user", help="tên đăng nhập của người nhập, ghi vào lịch sử thay đổi")

    def handle(self, *args, file: str, dry_run: bool, user: str | None, **options):
        account = None
        if user:
            try:
                account = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"Không có người dùng “{user}”.") from None
        try:
            result = import_workbook(file, user=account, dry_run=dry_run)
        except WorkbookRefused as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Không mở được tệp: {error}") from None

        for sheet, counts in result.summary():
            line = f"{sheet.name}: thêm {counts.created}, sửa {counts.updated}, không đổi {counts.unchanged}"
            if counts.deleted:
                line += f", xóa {counts.deleted}"
            self.stdout.write(line)
        if not result.ok:
            for sheet, problems in result.problems_by_sheet().items():
                self.stderr.write(f"Sheet {sheet or '(tệp)'}: {len(problems)} lỗi")
                for problem in problems:
                    self.stderr.write(f"  {problem}")
            raise CommandError(f"Bảng tính có {len(result.problems)} lỗi; không nhập dữ liệu nào.")
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"Bảng tính hợp lệ ({result.rows} dòng); chưa ghi gì (--dry-run)."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Đã nhập {result.rows} dòng."))
