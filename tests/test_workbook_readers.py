"""The two readers of an uploaded workbook give the same rows.

Ordinary sheets are read by python-calamine, the others by openpyxl's streaming parser
(khuyencong.workbook.reader): the importer must not be able to tell which one read a sheet.
Each workbook here is read twice, once as it comes and once with calamine's room set to nothing
(every sheet then goes to openpyxl), and the rows, values and types must be equal.
"""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from khuyencong.workbook import export_workbook, import_workbook
from khuyencong.workbook import reader as R

from .workbook_helpers import small_workbook, xlsx


def both(data: bytes, monkeypatch) -> tuple[R.RawWorkbook, R.RawWorkbook, list[str]]:
    """The workbook read as it comes, and read by openpyxl alone; the sheets calamine took."""
    archive = R.zipfile.ZipFile(io.BytesIO(data))
    sheets = R._Sheets(data, archive, R._scan_parts(archive))
    by_calamine = [name for name in sheets.names if sheets.calamine is not None and sheets._fits(sheets.parts[name])]
    sheets.close()
    fast = R.read_workbook(data)
    monkeypatch.setattr(R, "CALAMINE_CELLS", 0)
    slow = R.read_workbook(data)
    return fast, slow, by_calamine


def typed(raw: R.RawWorkbook) -> dict:
    """The rows with each value's type beside it (1 == 1.0 == True in Python). An empty cell
    is left out: openpyxl gives a cell written empty as None or "", calamine leaves it out, and
    the importer reads every cell as ``values.get(column)`` through ``cells.is_blank``."""
    return {
        name: (
            sheet.columns,
            [(number, {k: (type(v), v) for k, v in values.items() if v not in (None, "")}) for number, values in sheet.rows],
        )
        for name, sheet in raw.sheets.items()
    }


def test_the_small_workbook_reads_the_same(monkeypatch):
    fast, slow, by_calamine = both(xlsx(small_workbook()), monkeypatch)
    assert by_calamine  # the fast path was taken
    assert typed(fast) == typed(slow)
    assert fast.problems == slow.problems


@pytest.mark.django_db
def test_the_portals_export_reads_the_same(monkeypatch):
    assert import_workbook(xlsx(small_workbook())).applied
    fast, slow, by_calamine = both(export_workbook(), monkeypatch)
    assert by_calamine
    assert typed(fast) == typed(slow)
    assert fast.problems == slow.problems


def test_every_kind_of_value_reads_the_same(monkeypatch):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "GiaiNgan"
    sheet.append(["Năm", "Mã đề án", "Ngày", "Số tiền", "Số chứng từ", "Loại chi"])
    sheet.append([2024, "  QG-01  ", datetime.date(2024, 10, 2), 1_836_337_000, "UNC-001", True])
    sheet.append([2024.0, "QG-01", datetime.datetime(2024, 10, 2, 10, 30), 1.5, "", None])
    sheet.append([None, "", "02/10/2024", "1.836.337.000", 58_000_000_01, False])
    sheet.append([])  # a blank row between
    sheet.append(["2024", "Đề án\u00a0mới", 45000, 250_000_000.0, "x\ny", "Tạm ứng"])
    sheet["B7"] = CellRichText(["Q", TextBlock(InlineFont(b=True), "G-02")])
    sheet["C7"] = 45001
    sheet["C7"].number_format = "dd/mm/yyyy"
    sheet["H8"] = "ô ngoài cột"  # data in a column without a title
    buffer = io.BytesIO()
    workbook.save(buffer)
    fast, slow, by_calamine = both(buffer.getvalue(), monkeypatch)
    assert by_calamine == ["GiaiNgan"]
    assert typed(fast) == typed(slow)
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]


def test_a_sheet_with_formulas_is_read_by_openpyxl(monkeypatch):
    sheets = small_workbook()
    sheets["GiaiNgan"][1][3] = "=100000000*2"
    fast, slow, by_calamine = both(xlsx(sheets, formulas=True), monkeypatch)
    assert "GiaiNgan" not in by_calamine and "DeAn" in by_calamine
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]
    assert any("công thức" in p.message for p in fast.problems)


def test_a_whole_number_beyond_a_floats_exact_ones_is_read_by_openpyxl(monkeypatch):
    """Written as digits (not by Excel, which keeps 15), openpyxl reads it exact: so does the import."""
    source = R.zipfile.ZipFile(io.BytesIO(xlsx(small_workbook())))
    names = {name: part for name, part in R._sheet_parts(source).items()}
    edited = io.BytesIO()
    with R.zipfile.ZipFile(edited, "w") as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == names["GiaiNgan"]:
                data = data.replace(b"UNC-001", b"X", 1)
                data = R.re.sub(rb'<c r="E2"[^>]*>.*?</c>', b'<c r="E2"><v>12345678901234567891</v></c>', data, count=1)
            archive.writestr(info, data)
    fast, slow, _ = both(edited.getvalue(), monkeypatch)
    assert fast.sheets["GiaiNgan"].rows[0][1]["Số chứng từ"] == 12345678901234567891
    assert typed(fast) == typed(slow)


def test_a_workbook_whose_other_parts_declare_a_dtd_is_left_to_openpyxl(monkeypatch):
    """calamine does not parse with defusedxml: such a workbook goes to openpyxl (with
    defusedxml), whatever it then makes of it, as before."""
    workbook = Workbook()
    workbook.active.title = "CoSo"
    workbook.active.append(["Mã số thuế", "Tên cơ sở"])
    workbook.active.append(["5800000001", "Cơ sở A"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = R.zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    edited = io.BytesIO()
    with R.zipfile.ZipFile(edited, "w") as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/styles.xml":
                data = data.replace(b"<styleSheet", b'<!DOCTYPE styleSheet [<!ENTITY a "aaaaaaaaaa">]><styleSheet', 1)
            archive.writestr(info, data)
    fast, slow, by_calamine = both(edited.getvalue(), monkeypatch)
    assert by_calamine == []
    assert typed(fast) == typed(slow)
