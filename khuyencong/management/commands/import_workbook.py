"""python manage.py import_workbook FILE --user NAME [--dry-run]"""

from __future__ import annotations

import time

from django.core.management.base import CommandError

from khuyencong.core import commands, roles
from khuyencong.core.formatting import group_thousands
from khuyencong.models import ImportLog
from khuyencong.workbook import WorkbookRefused, import_workbook, log
from khuyencong.workbook.reader import read_bytes

REFUSED = (
    "Không có quyền thực hiện thao tác này: tài khoản “{username}” không được nhập bảng tính "
    "(cần vai trò “{entry}” hoặc “{department}”)."
)


class Command(commands.PortalCommand):
    help = (
        "Nhập bảng tính của Trung tâm (các sheet CoSo, DeAn, GiaiNgan, SuKien, HopDong, LichTra, TraNo, "
        "KhoiKien, BinhChon) trong một giao dịch, với quyền của người nhập như trên trang Nhập/xuất. "
        "Có dòng sai thì không nhập gì và liệt kê các dòng sai; thoát với mã khác 0. "
        "Mỗi lần chạy (cả --dry-run) được ghi vào nhật ký nhập (/nhap-xuat/nhat-ky/) cùng tệp đã dùng."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="tệp .xlsx")
        parser.add_argument("--user", help="tên đăng nhập của người nhập (bắt buộc): quyền của người đó được áp dụng "
                            "và tên được ghi vào lịch sử thay đổi")
        parser.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra và cho biết sẽ thêm, sửa bao nhiêu")

    def handle(self, *args, file: str, dry_run: bool, user: str | None, **options):
        account = commands.active_user(user)
        # The same rule as the web's import page (require_role(roles.can_edit_records)), asked
        # before the file is opened; the importer then applies the rest of the role's rules.
        if not roles.can_edit_records(account):
            raise CommandError(REFUSED.format(username=account.username, entry=roles.DATA_ENTRY, department=roles.DEPARTMENT))
        path = commands.input_file(file)
        started = time.perf_counter()
        try:
            data = read_bytes(str(path))
            earlier = log.earlier_import(data)
            result = import_workbook(data, user=account, dry_run=dry_run)
        except WorkbookRefused as error:
            raise CommandError(str(error)) from None
        except OSError:
            raise CommandError(f"Không đọc được tệp “{file}”.") from None
        # Logged as the web page logs it (the office's one record of what came in).
        log.write_log(
            result=result,
            data=data,
            user=account,
            filename=path.name,
            source=ImportLog.Source.COMMAND,
            seconds=time.perf_counter() - started,
        )
        if dry_run and earlier is not None:
            self.stdout.write(log.earlier_import_note(earlier))

        for sheet, counts in result.summary():
            line = (
                f"{sheet.name}: thêm {group_thousands(counts.created)}, sửa {group_thousands(counts.updated)}, "
                f"không đổi {group_thousands(counts.unchanged)}"
            )
            if counts.deleted:
                line += f", xóa {group_thousands(counts.deleted)}"
            self.stdout.write(line)
        for warning in result.warnings:  # a support above its cap: said, not refused
            self.stdout.write(f"Cảnh báo: {warning}")
        for note in result.skipped:  # the example row; rows waiting for a row with an error
            (self.stdout if result.ok else self.stderr).write(note.message)
        if not result.ok:
            for sheet, problems in result.problems_by_sheet().items():
                self.stderr.write(f"Sheet {sheet or '(tệp)'}: {group_thousands(len(problems))} lỗi")
                for problem in problems:
                    self.stderr.write(f"  {problem}")
            raise CommandError(f"Bảng tính có {group_thousands(len(result.problems))} lỗi; không nhập dữ liệu nào.")
        rows = group_thousands(result.rows)
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"Bảng tính hợp lệ ({rows} dòng); chưa ghi gì (--dry-run)."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Đã nhập {rows} dòng."))
