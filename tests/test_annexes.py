"""The annexes (Phụ lục I–V): their totals are the body's figures, for the period and for each
year, on the Lâm Đồng data set; the document prints them after the signature with the report's
reference; the workbook writes them as headed, printable sheets."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from reporting.annexes import RowKind, annex_workbook, build_annexes, reference_line
from reporting.document import draft_figures, render_document
from reporting.models import Report
from tests.report_expectations import REPORT_DATE

pytestmark = pytest.mark.django_db

PERIODS = [(2021, 2025), *((year, year) for year in range(2021, 2026))]


def _figures(year_from: int, year_to: int):
    return draft_figures(year_from=year_from, year_to=year_to, report_date=REPORT_DATE)


def _column(annex, title: str, *, group: str = "") -> int:
    return next(i for i, c in enumerate(annex.columns) if c.title == title and (not group or c.group == group))


def _rows(annex, kind: str) -> list:
    return [row for row in annex.rows if row.kind == kind]


@pytest.mark.parametrize(("year_from", "year_to"), PERIODS)
def test_annex_i_subtotals_are_each_years_plan_and_the_total_the_periods(lam_dong, year_from, year_to):
    figures = _figures(year_from, year_to)
    annex = build_annexes(figures)[0]
    planned, executed = _column(annex, "Kế hoạch"), _column(annex, "Đã giải ngân")
    subtotals = _rows(annex, RowKind.SUBTOTAL)
    assert len(subtotals) == len([y for y in figures.years if y.planned])
    for row, year in zip(subtotals, [y for y in figures.years if y.planned], strict=True):
        assert row.values[0].startswith(f"Cộng năm {year.year}: {year.planned} đề án, {year.done} hoàn thành")
        assert row.values[planned] == year.planned_money
        assert row.values[executed] == year.executed  # the demo's undone đề án have no disbursement
    (total,) = _rows(annex, RowKind.TOTAL)
    assert total.values[0].startswith(
        f"Tổng cộng: {sum(y.planned for y in figures.years)} đề án, {figures.done.count} hoàn thành"
    )
    assert total.values[planned] == sum(y.planned_money for y in figures.years)
    assert total.values[executed] == figures.done.money  # F02
    items = _rows(annex, RowKind.ITEM)
    assert [row.values[0] for row in items] == list(range(1, len(items) + 1))  # STT


@pytest.mark.parametrize(("year_from", "year_to"), PERIODS)
def test_annex_ii_is_footnote_1_and_its_total_the_body(lam_dong, year_from, year_to):
    figures = _figures(year_from, year_to)
    annex = build_annexes(figures)[1]
    done, executed = _column(annex, "Thực hiện", group="Số đề án"), _column(annex, "Thực hiện", group="Kinh phí (đồng)")
    local, national = _column(annex, "KCĐP thực hiện"), _column(annex, "KCQG thực hiện")
    for row, year in zip(_rows(annex, RowKind.ITEM), figures.years, strict=True):
        assert row.values[1] == str(year.year)
        assert (row.values[done], row.values[executed]) == (year.done, year.executed)
        assert (row.values[local], row.values[national]) == (year.local_executed, year.national_executed)
    (total,) = _rows(annex, RowKind.TOTAL)
    assert (total.values[done], total.values[executed]) == (figures.done.count, figures.done.money)  # F01, F02
    assert (total.values[local], total.values[national]) == (figures.levels.local.money, figures.levels.national.money)


@pytest.mark.parametrize(("year_from", "year_to"), PERIODS)
def test_annex_iii_adds_up_to_f01_to_f04_and_each_group_to_its_contents(lam_dong, year_from, year_to):
    figures = _figures(year_from, year_to)
    annex = build_annexes(figures)[2]
    count, money = _column(annex, "Số đề án"), _column(annex, "Tổng số")
    local, national = _column(annex, "KCĐP"), _column(annex, "KCQG")
    (total,) = _rows(annex, RowKind.TOTAL)
    assert (total.values[count], total.values[money]) == (figures.done.count, figures.done.money)
    assert (total.values[local], total.values[national]) == (figures.levels.local.money, figures.levels.national.money)
    groups = _rows(annex, RowKind.GROUP)
    assert sum(row.values[money] for row in groups) == figures.done.money
    by_code = {c.code: c for c in figures.contents}
    machinery = next((row for row in annex.rows if row.values[1] == by_code["MMTB"].name), None) if "MMTB" in by_code else None
    if machinery is not None:
        assert machinery.values[money] == by_code["MMTB"].money


@pytest.mark.parametrize(("year_from", "year_to"), PERIODS)
def test_annex_iv_lists_f10s_recognitions_by_level(lam_dong, year_from, year_to):
    figures = _figures(year_from, year_to)
    annex = build_annexes(figures)[3]
    recognised = [award.recognised for award in figures.voting.recognised if award.recognised]
    groups = _rows(annex, RowKind.GROUP)
    assert [int(re.search(r": (\d+) sản phẩm", row.values[0]).group(1)) for row in groups] == recognised
    items = _rows(annex, RowKind.ITEM)
    assert len(items) == sum(recognised)
    assert all(row.values[5] for row in items)  # every recognition has its certificate number
    (total,) = _rows(annex, RowKind.TOTAL)
    assert total.values[0] == f"Tổng cộng: {sum(recognised)} sản phẩm"


@pytest.mark.parametrize(("year_from", "year_to"), PERIODS)
def test_annex_v_totals_the_contracts_and_the_sued_facilities_owe_f19(lam_dong, year_from, year_to):
    figures = _figures(year_from, year_to)
    annex = build_annexes(figures)[4]
    outstanding = _column(annex, f"Dư nợ đến {REPORT_DATE:%d/%m/%Y}")
    (total,) = _rows(annex, RowKind.TOTAL)
    assert total.values[0] == f"Tổng cộng: {len(figures.contracts)} hợp đồng, {figures.repayment.facilities} cơ sở"  # F17
    assert total.values[outstanding] == sum(c.outstanding for c in figures.contracts)
    sued = _rows(annex, RowKind.SUBTOTAL)
    if figures.repayment.sued:
        assert sued[0].values[outstanding] == figures.repayment.sued_outstanding  # F19
        assert f", {figures.repayment.sued} cơ sở" in sued[0].values[0]  # F18
        lawsuits = [row.values[-1] for row in _rows(annex, RowKind.ITEM) if row.values[-1]]
        assert lawsuits and all(text.startswith("Khởi kiện ngày") for text in lawsuits)
    else:
        assert not sued


def test_the_period_annexes_carry_the_seed_totals(lam_dong):
    """2021–2025: annex II's total is the seed's 168 đề án and 30,501 tỷ; annex V's sued
    facilities owe 1,065 tỷ (F19), as tests/data/report-figures.md has them."""
    annexes = build_annexes(_figures(2021, 2025))
    years = annexes[1]
    assert (years.rows[-1].values[3], years.rows[-1].values[5]) == (168, 30_501_337_000)
    assert annexes[4].total(f"Dư nợ đến {REPORT_DATE:%d/%m/%Y}", RowKind.SUBTOTAL) == 1_065_000_000


def test_the_document_prints_the_annexes_after_the_signature_with_the_reference(lam_dong):
    figures = _figures(2021, 2025)
    draft = render_document(figures, links=False, pdf=True)
    signature = draft.index("Nơi nhận")
    for number in ("I", "II", "III", "IV", "V"):
        assert draft.index(f"PHỤ LỤC {number}<") > signature
    assert draft.count("(Kèm theo Báo cáo số \u2003\u2003/BC-SCT ngày\u2003\u2003tháng") == 5  # a draft: blank
    issued = Report(year_from=2021, year_to=2025, report_date=REPORT_DATE, number="412/BC-SCT", status=Report.Status.ISSUED)
    html = render_document(figures, issued, links=False, pdf=True)
    assert html.count("(Kèm theo Báo cáo số 412/BC-SCT ngày 15 tháng 3 năm 2025 của Sở Công Thương tỉnh Lâm Đồng)") == 5
    assert 'class="annex annex-landscape" id="phu-luc-I"' in html
    assert 'class="annex" id="phu-luc-III"' in html  # narrow enough for a portrait page


def test_the_reference_line_names_the_report():
    assert reference_line("412", REPORT_DATE, "SỞ CÔNG THƯƠNG", "Lâm Đồng", draft=False) == (
        "(Kèm theo Báo cáo số 412/BC-SCT ngày 15 tháng 3 năm 2025 của Sở Công Thương tỉnh Lâm Đồng)"
    )


def test_the_workbook_has_a_headed_printable_sheet_per_annex(lam_dong):
    figures = _figures(2021, 2025)
    book = load_workbook(io.BytesIO(annex_workbook(figures, reference="(Kèm theo Báo cáo số 412/BC-SCT)")))
    assert book.sheetnames == ["Phụ lục I", "Phụ lục II", "Phụ lục III", "Phụ lục IV", "Phụ lục V"]
    for sheet, annex in zip(book, build_annexes(figures), strict=True):
        assert [sheet.cell(row, 1).value for row in range(1, 4)] == [
            f"PHỤ LỤC {annex.number}", annex.title.upper(), "(Kèm theo Báo cáo số 412/BC-SCT)",
        ]  # fmt: skip
        header = 5 if annex.unit else 4
        assert sheet.cell(header, 1).value == "STT" and sheet.cell(header, 1).font.b
        assert sheet.freeze_panes == f"A{header + 1}"
        assert sheet.auto_filter.ref == f"A{header}:{sheet.cell(header, len(annex.columns)).column_letter}{sheet.max_row}"
        assert (sheet.page_setup.orientation, sheet.page_setup.paperSize) == ("landscape", 9)  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
        assert sheet.print_title_rows == f"${header}:${header}"
        last = [c.value for c in sheet[sheet.max_row]]
        assert sheet.cell(sheet.max_row, 1).font.b  # the total (or F19's line) in bold
        assert last[: len(annex.columns)] == [v if v != "" else None for v in _excel(annex.rows[-1].values)]
    assert not [c.coordinate for sheet in book for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    years = book["Phụ lục II"]
    assert (years.cell(years.max_row, 4).value, years.cell(years.max_row, 6).value) == (168, 30_501_337_000)


def _excel(values):
    from reporting.annexes import Rate, rate_value

    return [rate_value(v.done, v.planned) if isinstance(v, Rate) else v for v in values]


def test_the_pdf_takes_the_annexes_out_of_the_document_as_they_are_printed(lam_dong):
    """The PDF's annex pages (reporting/annex_pdf.py) print the cells the HTML prints, read out
    of it (reporting.pdf.split_annexes): ``Annex.header``, ``Annex.share`` and ``Annex.cells``,
    formatted by ``display``; the rest of the document goes to WeasyPrint without them."""
    from reporting.pdf import split_annexes

    figures = _figures(2021, 2025)
    body, tables = split_annexes(render_document(figures, links=False, pdf=True))
    assert "PHỤ LỤC" not in body and "Nơi nhận" in body
    annexes = build_annexes(figures)
    assert len(tables) == len(annexes) == 5
    for table, annex in zip(tables, annexes, strict=True):
        assert (table.heading, table.title) == (annex.heading.upper(), annex.title.upper())
        assert table.reference.startswith("(Kèm theo Báo cáo số") and table.draft
        assert table.landscape == annex.landscape and table.unit == annex.unit
        assert [[(c.text, c.colspan, c.rowspan) for c in row] for row in table.header] == [
            [(title, colspan, rowspan) for _column, title, colspan, rowspan in row] for row in annex.header()
        ]
        assert list(table.shares) == [float(annex.share(column)) for column in annex.columns]
        assert [kind for kind, _cells in table.rows] == [row.kind for row in annex.rows]
        assert [[(c.text, c.kind, c.colspan) for c in cells] for _kind, cells in table.rows] == [
            annex.cells(row) for row in annex.rows
        ]


def test_an_annex_that_lists_nothing_prints_its_sentence_in_the_pdf():
    from pypdf import PdfReader

    from reporting.annex_pdf import annexes_pdf
    from reporting.pdf import split_annexes

    html = (
        '<!doctype html><html><head><title>t</title></head><body class="pdf"><article class="document">'
        '<p>Nội dung</p><div class="annex annex-landscape"><p class="annex-number">PHỤ LỤC I</p>'
        '<p class="annex-empty">Không có đề án khuyến công năm 2021.</p></div></article></body></html>'
    )
    body, (table,) = split_annexes(html)
    assert "Nội dung" in body and "PHỤ LỤC" not in body
    assert table.heading == "PHỤ LỤC I" and table.landscape and not table.draft
    assert table.empty_text == "Không có đề án khuyến công năm 2021." and not table.rows
    (page,) = PdfReader(io.BytesIO(annexes_pdf([table]))).pages
    assert page.mediabox.width > page.mediabox.height
    assert "Không có đề án khuyến công năm 2021." in page.extract_text()
