"""Upload limits that hold: a dimension bomb and zip bombs are refused in < 5 s and < 300 MB.

The bombs are built here, in the test. Time and peak memory are measured in a fresh Python
process (``resource.getrusage`` of the child), so the test process's own memory does not count.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from khuyencong.workbook import WorkbookRefused, import_workbook
from khuyencong.workbook.reader import read_workbook
from projects.models import Facility

from .workbook_helpers import small_workbook, xlsx

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 5
PEAK_MB = 300

_MEASURE = """
import json, resource, sys, time
import django
django.setup()
from khuyencong.workbook.reader import WorkbookRefused, read_workbook
start = time.perf_counter()
try:
    raw = read_workbook(sys.argv[1])
    rows = sum(len(s.rows) for s in raw.sheets.values())
    outcome = {"refused": None, "problems": [str(p) for p in raw.problems][:5], "rows": rows}
except WorkbookRefused as error:
    outcome = {"refused": str(error)}
outcome["seconds"] = time.perf_counter() - start
# VmHWM, not ru_maxrss: Linux keeps the forking pytest's high-water mark in ru_maxrss across exec.
with open("/proc/self/status") as status:
    hwm = [line.split()[1] for line in status if line.startswith("VmHWM:")]
outcome["peak_mb"] = int(hwm[0]) / 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(outcome))
"""


def measure(path: Path) -> dict:
    """Read ``path`` in a fresh process; what happened, how long it took, its peak memory."""
    env = {"DJANGO_SETTINGS_MODULE": "khuyencong.test_settings", "KHUYENCONG_TESTING": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def dimension_bomb() -> bytes:
    """A few KB: the CoSo header, and one cell at XFD1048576, so the sheet declares A1:XFD1048576."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "CoSo"
    sheet.append(["Mã số thuế", "Tên cơ sở"])
    sheet["XFD1048576"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bomb(sheet_bytes: int) -> bytes:
    """A real workbook whose sheet XML is ``sheet_bytes`` of empty rows, deflated (about 1:1000)."""
    base = zipfile.ZipFile(io.BytesIO(xlsx({"CoSo": [["Mã số thuế", "Tên cơ sở"]]})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in base.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(info.filename, base.read(info.filename))
        with bomb.open("xl/worksheets/sheet1.xml", "w") as member:
            head = (
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                b'<row r="1"><c r="A1" t="inlineStr"><is><t>M\xc3\xa3 s\xe1\xbb\x91 thu\xe1\xba\xbf</t></is></c>'
                b'<c r="B1" t="inlineStr"><is><t>T\xc3\xaan c\xc6\xa1 s\xe1\xbb\x9f</t></is></c></row>'
            )
            member.write(head)
            chunk = b"<row/>" * (1024 * 1024 // 6)
            written = len(head)
            while written < sheet_bytes:
                member.write(chunk)
                written += len(chunk)
            member.write(b"</sheetData></worksheet>")
    return out.getvalue()


def test_the_dimension_bomb_is_tiny_and_declares_the_whole_sheet():
    data = dimension_bomb()
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert len(data) < 10_000
    assert re.search(rb'<dimension ref="A1:XFD1048576"\s*/>', sheet)


def test_the_dimension_bomb_is_refused_quickly_and_small(tmp_path):
    path = tmp_path / "dimension.xlsx"
    path.write_bytes(dimension_bomb())
    outcome = measure(path)
    assert outcome["seconds"] < SECONDS
    assert outcome["peak_mb"] < PEAK_MB
    assert outcome["rows"] == 1
    assert outcome["problems"] == ["CoSo, dòng 1048576, cột “cột XFD”: Ô có dữ liệu nhưng cột không có tên."]


def test_the_dimension_bomb_cannot_be_imported(db):
    start = time.perf_counter()
    result = import_workbook(dimension_bomb(), dry_run=True)
    assert time.perf_counter() - start < SECONDS
    assert not result.ok
    assert ("CoSo", 1048576, "cột XFD") in [(p.sheet, p.row, p.column) for p in result.problems]
    assert import_workbook(dimension_bomb()).applied is False
    assert Facility.objects.count() == 0


def test_a_zip_bomb_of_hundreds_of_megabytes_is_refused_quickly_and_small(tmp_path):
    data = zip_bomb(400 * 1024 * 1024)
    assert len(data) < 1024 * 1024
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(data)
    outcome = measure(path)
    assert outcome["seconds"] < SECONDS
    assert outcome["peak_mb"] < PEAK_MB
    assert outcome["refused"].startswith("Thành phần “xl/worksheets/sheet1.xml” của tệp giải nén ra 420.")
    assert "quá giới hạn 157.286.400 byte" in outcome["refused"]


def test_a_zip_bomb_within_the_size_limit_is_refused_by_its_ratio(tmp_path):
    path = tmp_path / "ratio.xlsx"
    path.write_bytes(zip_bomb(60 * 1024 * 1024))
    outcome = measure(path)
    assert outcome["seconds"] < SECONDS
    assert outcome["peak_mb"] < PEAK_MB
    assert "dấu hiệu “bom nén”" in outcome["refused"]


def test_blank_rows_are_counted_when_the_ratio_lets_them_through(settings):
    settings.IMPORT_MAX_COMPRESSION_RATIO = 10_000
    settings.IMPORT_MAX_ROWS_PER_SHEET = 1000
    raw = read_workbook(zip_bomb(2 * 1024 * 1024))
    assert [(p.sheet, p.message) for p in raw.problems] == [
        ("CoSo", "Sheet có hơn 1.000 dòng trống; hãy xóa các dòng trống rồi lưu lại.")
    ]


def test_too_many_members_are_refused(settings):
    settings.IMPORT_MAX_MEMBERS = 5
    with pytest.raises(WorkbookRefused, match=r"thành phần nén, quá giới hạn 5"):
        read_workbook(xlsx(small_workbook()))


def test_the_total_unpacked_size_is_limited(settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 20_000
    with pytest.raises(WorkbookRefused, match=r"Tệp giải nén ra [\d.]+ byte, quá giới hạn 20\.000 byte"):
        read_workbook(xlsx(small_workbook()))


def test_rows_are_limited_across_the_workbook(settings):
    settings.IMPORT_MAX_ROWS = 3
    raw = read_workbook(xlsx(small_workbook()))
    assert any(p.message == "Tệp có hơn 3 dòng, quá giới hạn cho một lần nhập." for p in raw.problems)


def test_a_header_past_the_column_limit_is_refused(settings):
    settings.IMPORT_MAX_COLUMNS = 3
    sheets = {"CoSo": [["Mã số thuế", "Tên cơ sở", None, "Địa chỉ"], ["5800000001", "Chè", None, "Bảo Lộc"]]}
    raw = read_workbook(xlsx(sheets))
    assert [(p.row, p.column) for p in raw.problems] == [(1, "Địa chỉ")]
