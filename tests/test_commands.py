"""The management commands answer bad arguments in Vietnamese with a non-zero exit, never a
traceback; the import runs as its user, with that user's role, as on the web."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from khuyencong.core import roles
from khuyencong.core.commands import vietnamese_argparse_message
from projects.models import Facility, Project

from .workbook_helpers import small_workbook, user_with, xlsx

ROOT = Path(__file__).resolve().parent.parent
GROUPED_BYTES = re.compile(r"\((\d{1,3}(?:\.\d{3})+) byte\)")

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def workbook_file(tmp_path) -> Path:
    path = tmp_path / "so-lieu.xlsx"
    path.write_bytes(xlsx(small_workbook()))
    return path


# -- import_workbook: who imports --------------------------------------------------------------


def test_import_without_user_is_refused_and_writes_nothing(workbook_file):
    with pytest.raises(CommandError, match="Thiếu --user"):
        run("import_workbook", str(workbook_file))
    assert not Facility.objects.exists()


def test_import_as_a_viewer_is_refused_before_the_file_is_read(tmp_path, workbook_file):
    user_with(roles.VIEWER, username="xem")
    refused = "Không có quyền thực hiện thao tác này: tài khoản “xem” không được nhập bảng tính"

    # A missing file is not even looked at: the role is refused first.
    with pytest.raises(CommandError, match=refused):
        run("import_workbook", str(tmp_path / "khong-co.xlsx"), "--user", "xem")
    for extra in ([], ["--dry-run"]):
        with pytest.raises(CommandError, match=refused):
            run("import_workbook", str(workbook_file), "--user", "xem", *extra)

    assert not Facility.objects.exists() and not Project.objects.exists()


def test_import_as_an_unknown_or_inactive_user_is_refused(workbook_file):
    user_with(roles.DATA_ENTRY, username="nghiviec", is_active=False)
    with pytest.raises(CommandError, match="Không có người dùng “khong-co”"):
        run("import_workbook", str(workbook_file), "--user", "khong-co")
    with pytest.raises(CommandError, match="Tài khoản “nghiviec” đã bị khóa"):
        run("import_workbook", str(workbook_file), "--user", "nghiviec")
    assert not Facility.objects.exists()


def test_import_as_data_entry_applies_the_data_entry_rules_and_names_the_user(workbook_file):
    """The small workbook approves đề án: the web refuses that to data entry, so does the CLI."""
    entry = user_with(roles.DATA_ENTRY, username="nhaplieu")
    with pytest.raises(CommandError, match="lỗi; không nhập dữ liệu nào"):
        run("import_workbook", str(workbook_file), "--user", "nhaplieu")
    assert not Project.objects.exists()

    department = user_with(roles.DEPARTMENT, username="chuyenvien")
    out, _ = run("import_workbook", str(workbook_file), "--user", "chuyenvien")
    assert "Đã nhập" in out
    assert Project.history.filter(history_user=department).count() == Project.objects.count() > 0
    assert not Project.history.filter(history_user=entry).exists()
    assert not Facility.history.filter(history_user=None).exists()


def test_import_of_a_missing_file_or_a_folder_is_refused(tmp_path):
    user_with(roles.DATA_ENTRY, username="nhaplieu")
    with pytest.raises(CommandError, match="Không có tệp “.*khong-co.xlsx”"):
        run("import_workbook", str(tmp_path / "khong-co.xlsx"), "--user", "nhaplieu")
    with pytest.raises(CommandError, match="là một thư mục, không phải tệp"):
        run("import_workbook", str(tmp_path), "--user", "nhaplieu")


def test_import_counts_are_grouped_as_on_the_screens(tmp_path):
    """1.000 facilities in one sheet: the count reads "1.000", not "1000" or "1,000"."""
    user_with(roles.DATA_ENTRY, username="nhaplieu")
    header = small_workbook()["CoSo"][0]
    rows = [[f"58{n:08d}", f"Cơ sở số {n}", "Hộ kinh doanh", "", "Thành phố Đà Lạt", "", "", "", ""] for n in range(1000)]
    path = tmp_path / "co-so.xlsx"
    path.write_bytes(xlsx({"CoSo": [header, *rows]}))

    out, _ = run("import_workbook", str(path), "--user", "nhaplieu", "--dry-run")

    assert "CoSo: thêm 1.000, sửa 0, không đổi 0" in out
    assert "(1.000 dòng)" in out


# -- render_report and export_workbook: where they write -------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "2025", "--to", "2021"], "năm kết thúc \\(2021\\) trước năm bắt đầu \\(2025\\)"),
        (["--from", "hai nghìn", "--to", "2025"], "--from phải là một năm, ví dụ 2021; nhận được “hai nghìn”"),
        (["--from", "2021", "--to", "20255"], "--to phải là một năm từ 1990 đến 2100; nhận được 20255"),
        (["--from", "2024", "--to", "2024", "--date", "2025-02-30"], "Ngày báo cáo không hợp lệ: “2025-02-30”"),
        (["--from", "2024", "--to", "2024", "--date", "3000-01-01"], "Ngày báo cáo phải trong các năm 1990–2100"),
        (["--from", "2024", "--to", "2024", "--format", "odt"], "--format không có lựa chọn “odt”; chọn một trong: html, pdf"),
        (["--from", "2024"], "Thiếu tham số bắt buộc: --to"),
        (["--from", "2024", "--to", "2024", "--mau", "x"], "Tham số không nhận ra: --mau x"),
    ],
)
def test_render_report_refuses_bad_arguments_in_vietnamese(tmp_path, arguments, message):
    out = tmp_path / "bc.html"
    with pytest.raises(CommandError, match=message):
        run("render_report", *arguments, "--output", str(out))
    assert not out.exists()


def test_render_report_into_a_missing_folder_is_refused_before_rendering(tmp_path):
    out = tmp_path / "khong-co" / "bc.pdf"
    with pytest.raises(CommandError, match="Thư mục “.*khong-co” không tồn tại"):
        run("render_report", "--from", "2024", "--to", "2024", "--output", str(out))
    with pytest.raises(CommandError, match="là một thư mục; hãy ghi tên tệp"):
        run("render_report", "--from", "2024", "--to", "2024", "--output", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_render_report_says_the_size_grouped_as_on_the_screens(tmp_path):
    out = tmp_path / "bc.html"
    written, _ = run("render_report", "--from", "2030", "--to", "2030", "--format", "html", "--output", str(out))
    size = GROUPED_BYTES.search(written)
    assert size, written
    assert int(size[1].replace(".", "")) == out.stat().st_size >= 1000


def test_export_workbook_refuses_a_missing_folder_and_groups_its_size(tmp_path):
    with pytest.raises(CommandError, match="Thư mục “.*khong-co” không tồn tại"):
        run("export_workbook", str(tmp_path / "khong-co" / "xuat.xlsx"))
    out, _ = run("export_workbook", str(tmp_path / "xuat.xlsx"))
    size = GROUPED_BYTES.search(out)
    assert size and int(size[1].replace(".", "")) == (tmp_path / "xuat.xlsx").stat().st_size


# -- seed_demo and scale_demo ------------------------------------------------------------------


def test_seed_demo_refuses_a_missing_or_unreadable_fixture(tmp_path):
    with pytest.raises(CommandError, match="Không có tệp “.*khong-co.json”"):
        run("seed_demo", "--fixture", str(tmp_path / "khong-co.json"))
    bad = tmp_path / "hong.json"
    bad.write_text("{ không phải json")
    with pytest.raises(CommandError, match="không phải là dữ liệu mẫu JSON đọc được"):
        run("seed_demo", "--fixture", str(bad))
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("factor", "message"),
    [("ba", "Tham số --factor: “ba” không phải là số nguyên"), ("0", "--factor phải từ 1 đến 99; nhận được 0")],
)
def test_scale_demo_refuses_a_bad_factor(factor, message):
    with pytest.raises(CommandError, match=message):
        run("scale_demo", "--factor", factor)


def test_argparse_messages_left_untranslated_still_say_what_is_wrong():
    assert vietnamese_argparse_message("something new: --x") == "Tham số không hợp lệ: something new: --x"


# -- from the shell --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["render_report", "--from", "2024", "--to", "2024", "--output", "/khong-co/bc.pdf"], 1,
         "CommandError: Thư mục “/khong-co” không tồn tại"),
        (["render_report", "--from", "2024", "--output", "bc.pdf"], 2, "Lỗi: Thiếu tham số bắt buộc: --to."),
    ],
)
def test_from_the_shell_a_bad_argument_is_a_message_and_an_exit_code_not_a_traceback(tmp_path, arguments, code, message):
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *arguments], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr
