"""What every management command does with its arguments: a bad one is answered with a
Vietnamese message and a non-zero exit (CommandError), never a traceback or argparse's English.

Commands subclass ``PortalCommand`` and check their values with the functions here, in
``handle``, so that ``call_command`` (the tests) and the shell get the same answer.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from khuyencong.core.formatting import group_thousands
from khuyencong.core.validators import FIRST_YEAR, LAST_YEAR

# argparse's own messages (Python 3.11–3.13), said in Vietnamese; anything else keeps its text.
_ARGPARSE_MESSAGES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"the following arguments are required: (.+)"), lambda m: f"Thiếu tham số bắt buộc: {m[1]}."),
    (re.compile(r"unrecognized arguments: (.+)"), lambda m: f"Tham số không nhận ra: {m[1]}."),
    (re.compile(r"argument (\S+): expected one argument"), lambda m: f"Tham số {m[1]} cần một giá trị."),
    (
        re.compile(r"argument (\S+): invalid (\w+) value: '?(.*?)'?$"),
        lambda m: f"Tham số {m[1]}: “{m[3]}” " + ("không phải là số nguyên." if m[2] == "int" else "không hợp lệ."),
    ),
    (
        re.compile(r"argument (\S+): invalid choice: '?(.*?)'? \(choose from (.+)\)"),
        lambda m: f"Tham số {m[1]}: không có lựa chọn “{m[2]}”; chọn một trong: {m[3].replace(chr(39), '')}.",
    ),
    (re.compile(r"ambiguous option: (\S+) could match (.+)"), lambda m: f"Tham số {m[1]} không rõ: có thể là {m[2]}."),
]


def vietnamese_argparse_message(message: str) -> str:
    for pattern, say in _ARGPARSE_MESSAGES:
        match = pattern.fullmatch(message.strip())
        if match:
            return say(match)
    return f"Tham số không hợp lệ: {message}"


class _Parser(CommandParser):
    def error(self, message: str):
        text = vietnamese_argparse_message(message)
        if self.called_from_command_line:
            self.exit(2, f"Lỗi: {text}\nXem cách dùng: {self.prog} --help\n")
        raise CommandError(text)


class PortalCommand(BaseCommand):
    """A command whose argument errors are Vietnamese (see the module's docstring)."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Django builds its CommandParser itself, with no hook for the class: only error() differs.
        parser.__class__ = _Parser
        return parser


def input_file(value: str) -> Path:
    """The file to read; refused when it is missing or is a folder."""
    path = Path(value)
    if path.is_dir():
        raise CommandError(f"“{value}” là một thư mục, không phải tệp.")
    if not path.is_file():
        raise CommandError(f"Không có tệp “{value}”.")
    if not os.access(path, os.R_OK):
        raise CommandError(f"Không được đọc tệp “{value}” (không có quyền).")
    return path


def output_file(value: str) -> Path:
    """The file to write; refused when its folder does not exist or cannot be written, before
    any work is done."""
    path = Path(value)
    folder = path.parent
    if path.is_dir():
        raise CommandError(f"“{value}” là một thư mục; hãy ghi tên tệp, ví dụ {Path(value) / 'bao-cao.pdf'}.")
    if not folder.is_dir():
        raise CommandError(f"Thư mục “{folder}” không tồn tại; hãy tạo thư mục trước hoặc chọn chỗ ghi khác.")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise CommandError(f"Không được ghi vào “{value}” (không có quyền).")
    return path


def write_file(path: Path, content: bytes) -> str:
    """Write ``content`` and say so: "Đã ghi bao-cao.pdf (40.284 byte)."."""
    try:
        path.write_bytes(content)
    except OSError as error:
        raise CommandError(f"Không ghi được tệp “{path}” ({error.strerror or error}).") from None
    return f"Đã ghi {path} ({group_thousands(len(content))} byte)."


def active_user(username: str | None, *, option: str = "--user"):
    """The account named on the command line; it must exist and be active."""
    if not username:
        raise CommandError(f"Thiếu {option}: tên đăng nhập của người thực hiện, ghi vào lịch sử thay đổi.")
    try:
        user = get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"Không có người dùng “{username}”.") from None
    if not user.is_active:
        raise CommandError(f"Tài khoản “{username}” đã bị khóa (không hoạt động); hãy dùng tài khoản khác.")
    return user


def year(value: int | str, *, option: str) -> int:
    """A calendar year such as 2021."""
    try:
        number = int(str(value).strip())
    except ValueError:
        raise CommandError(f"{option} phải là một năm, ví dụ 2021; nhận được “{value}”.") from None
    if not FIRST_YEAR <= number <= LAST_YEAR:
        raise CommandError(f"{option} phải là một năm từ {FIRST_YEAR} đến {LAST_YEAR}; nhận được {number}.")
    return number


def add_period_arguments(parser: CommandParser, *, report_date: bool = True) -> None:
    """--from and --to (the period's years, read by year_range) and, unless ``report_date`` is
    False, --date (the report date, read by date; today when left out)."""
    parser.add_argument("--from", dest="year_from", required=True, help="Năm đầu của kỳ báo cáo, ví dụ 2021.")
    parser.add_argument("--to", dest="year_to", required=True, help="Năm cuối của kỳ báo cáo, ví dụ 2025.")
    if report_date:
        parser.add_argument(
            "--date",
            dest="report_date",
            default=None,
            help="Ngày báo cáo YYYY-MM-DD (mặc định hôm nay); công nợ tính đến ngày này.",
        )


def year_range(year_from: int | str, year_to: int | str) -> tuple[int, int]:
    first, last = year(year_from, option="--from"), year(year_to, option="--to")
    if last < first:
        raise CommandError(f"Khoảng năm không hợp lệ: năm kết thúc ({last}) trước năm bắt đầu ({first}).")
    return first, last


def date(value: str | None, *, option: str, label: str, default: datetime.date | None = None) -> datetime.date:
    """A date written YYYY-MM-DD, as ISO 8601 and the shell's `date -I` write it."""
    if value in (None, ""):
        if default is None:
            raise CommandError(f"Thiếu {label.lower()} ({option}).")
        return default
    try:
        day = datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"{label} không hợp lệ: “{value}” ({option}); cần dạng YYYY-MM-DD, ví dụ 2025-03-15.") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise CommandError(f"{label} phải trong các năm {FIRST_YEAR}–{LAST_YEAR}; nhận được “{value}” ({option}).")
    return day


def choice(value: str, choices: Iterable[str], *, option: str) -> str:
    allowed = list(choices)
    if value not in allowed:
        raise CommandError(f"{option} không có lựa chọn “{value}”; chọn một trong: {', '.join(allowed)}.")
    return value


def seconds(elapsed: float) -> str:
    """A duration as the screens write a decimal: "5,4 giây"."""
    return f"{elapsed:.1f}".replace(".", ",") + " giây"
