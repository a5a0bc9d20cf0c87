"""Every Excel file the portal hands out is written by khuyencong.core.excel, and none holds a
formula: text typed as "=HYPERLINK(…)", "+1", "-2+3", "@SUM(A1)" or starting with a tab or a
carriage return goes out as text wherever it is shown (the three debt lists, the report's
annexes from the screen and from render_report, the Centre's workbook from /nhap-xuat/ and from
export_workbook, the template, and the admin's export of every table that has one)."""

from __future__ import annotations

import datetime
import io
import re
import zipfile

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from khuyencong.core import excel
from khuyencong.core.widgets import SafeXLSX
from khuyencong.workbook import export_workbook, import_workbook
from projects.models import FundingLevel, Project, SupportForm
from reporting import services as reports
from tests import factories as f

from .workbook_helpers import snapshot

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

pytestmark = pytest.mark.django_db

HOSTILE = ('=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1")
# What a reader makes of a carriage return in an .xlsx (a line feed), as the writer says.
SHOWN = {text: text.replace("\r", "\n") for text in HOSTILE}
AS_OF = "15/03/2025"
FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")


def make_records(texts) -> None:
    """For each text, a facility, a completed recoverable đề án of 2024 with its disbursement,
    event and a contract (one instalment overdue on 15/03/2025, one due within 30 days, one
    repayment), a product with its nomination, all named with that text; a lawsuit on the last."""
    program = f.ProgramFactory(funding_level=f.funding_level(FundingLevel.LOCAL), first_year=2021, last_year=2025)
    plan = f.AnnualPlanFactory(program=program, year=2024)
    for i, text in enumerate(texts):
        facility = f.FacilityFactory(name=text, address=text, representative=text, sector=text)
        project = f.ProjectFactory(
            plan=plan, code=f"R{i}", name=text, notes=text, status=Project.Status.COMPLETED,
            support_form=SupportForm.RECOVERABLE, facilities=[facility], implementing_unit=text,
        )  # fmt: skip
        f.DisbursementFactory(project=project, amount=200_000_000, funding_source=None, document_number=text)
        f.EventFactory(project=project, name=text, place=text)
        contract = f.LoanContractFactory(
            project=project, facility=facility, number=text, signed_on=datetime.date(2024, 6, 1),
            disbursed_on=datetime.date(2024, 6, 15), principal=200_000_000,
        )  # fmt: skip
        f.InstalmentFactory(contract=contract, number=1, due_date=datetime.date(2025, 3, 1), principal_due=100_000_000)
        f.InstalmentFactory(contract=contract, number=2, due_date=datetime.date(2025, 4, 1), principal_due=100_000_000)
        f.RepaymentFactory(contract=contract, date=datetime.date(2024, 12, 1), amount=1_000_000, receipt_number=text)
        product = f.ProductFactory(name=text, facility=facility)
        f.ProductNominationFactory(product=product, certificate_number=text)
    f.LawsuitFactory(contract=contract, court=text, case_number=text)


@pytest.fixture
def hostile(db):
    make_records(HOSTILE)


def formula_free_texts(content: bytes) -> dict[str, object]:
    """Assert that no sheet of the .xlsx holds a formula, in its XML or as openpyxl reads it;
    return every text cell's value with its cell."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/") and name.endswith(".xml")]
        assert sheets
        for name in sheets:
            assert not FORMULA_ELEMENT.search(archive.read(name)), name
    texts: dict[str, object] = {}
    for sheet in load_workbook(io.BytesIO(content)):  # not data_only: a formula would read as type "f"
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.setdefault(cell.value, cell)
    return texts


def assert_hostile_as_text(content: bytes, expected=HOSTILE) -> None:
    texts = formula_free_texts(content)
    for text in expected:
        cell = texts.get(SHOWN[text])
        assert cell is not None, f"{text!r} is missing"
        assert (cell.data_type, cell.quotePrefix) == ("s", True), text


# --- the writer itself -------------------------------------------------------------------------


def test_the_writer_keeps_hostile_text_as_text_and_numbers_and_dates_as_they_are():
    rows = [
        [excel.Column("Tên", excel.TEXT), excel.Column("Số tiền", excel.MONEY), excel.Column("Ngày", excel.DATE),
         excel.Column("Năm", excel.YEAR), "Ghi chú"],
        *[[text, 1_836_337_000, datetime.date(2024, 10, 1), 2024, text] for text in HOSTILE],
    ]  # fmt: skip
    content = excel.xlsx_bytes([excel.Sheet("Thử", iter(rows), heading="Danh sách thử", auto_filter=True)])

    assert_hostile_as_text(content)
    sheet = load_workbook(io.BytesIO(content))["Thử"]
    assert sheet["A1"].value == "Danh sách thử" and sheet["A2"].value == "Tên" and sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:E8"
    name, money, day, year = sheet["A3"], sheet["B3"], sheet["C3"], sheet["D3"]
    assert (name.number_format, name.data_type) == ("@", "s")
    assert (money.value, money.data_type, money.number_format) == (1_836_337_000, "n", "#,##0")
    assert day.value == datetime.datetime(2024, 10, 1) and day.number_format == "dd/mm/yyyy"
    assert (year.value, year.number_format) == (2024, "0")


def test_text_an_xlsx_cannot_hold_is_cleaned_not_refused():
    content = excel.xlsx_bytes([excel.Sheet("Thử", iter([["Tên"], ["Cơ sở\x0b Chè\x00 Cầu Đất"]]))])
    assert load_workbook(io.BytesIO(content))["Thử"]["A2"].value == "Cơ sở Chè Cầu Đất"


def test_markup_and_spaces_come_back_exactly_and_what_xml_refuses_is_dropped():
    # The rows are written as XML by the portal itself (excel._RowWriter), not by openpyxl.
    texts = ["a < b & c > d", '</t></is></c><c r="Z1"><f>1+1</f></c>', "  lề trái", "lề phải  ", "Chè\ufffe Cầu\uffff Đất"]
    content = excel.xlsx_bytes([excel.Sheet("Thử", iter([["Tên"], *[[text] for text in texts]]))])
    sheet = load_workbook(io.BytesIO(content))["Thử"]
    assert [sheet.cell(row, 1).value for row in range(2, 7)] == [*texts[:4], "Chè Cầu Đất"]
    assert sheet.max_column == 1 and all(sheet.cell(row, 1).data_type == "s" for row in range(2, 7))


def test_flags_bold_and_example_rows_look_as_before():
    rows = iter([
        [excel.Column("Tên", excel.TEXT), excel.Column("Có", excel.FLAG), excel.Column("Tiền", excel.MONEY), "Khác"],
        ["Cơ sở A", True, 0, False],
        excel.Bold(["Tổng", "", 5, None]),
        excel.Example(["Ví dụ", 1, 7, True]),
    ])  # fmt: skip
    sheet = load_workbook(io.BytesIO(excel.xlsx_bytes([excel.Sheet("Thử", rows)])))["Thử"]
    assert [c.value for c in sheet[2]] == ["Cơ sở A", "x", 0, None]
    assert sheet["C2"].number_format == "#,##0" and not sheet["A2"].font.b
    assert [c.value for c in sheet[3]] == ["Tổng", None, 5, None] and all(c.font.b for c in sheet[3])
    assert [c.value for c in sheet[4]] == ["Ví dụ", "x", 7, "x"]
    assert all(c.font.i and c.font.color.rgb == "00808080" for c in sheet[4])


def test_widths_fit_the_first_rows_unless_a_column_declares_one():
    long_name = "Công ty TNHH Sản xuất Thương mại Chè Cầu Đất"
    rows = iter([[excel.Column("Cơ sở"), excel.Column("Mã", width=9)], [long_name, "M1"]])
    sheet = load_workbook(io.BytesIO(excel.xlsx_bytes([excel.Sheet("Thử", rows)])))["Thử"]
    assert sheet.column_dimensions["A"].width >= len(long_name)
    assert sheet.column_dimensions["B"].width == 9


def test_a_moment_is_written_in_the_portals_time_without_a_zone():
    moment = datetime.datetime(2025, 3, 15, 2, 30, tzinfo=datetime.UTC)
    content = excel.xlsx_bytes([excel.Sheet("Thử", iter([["Lúc"], [moment]]))])
    cell = load_workbook(io.BytesIO(content))["Thử"]["A2"]
    assert cell.value == datetime.datetime(2025, 3, 15, 9, 30)  # Asia/Ho_Chi_Minh, UTC+7
    assert cell.number_format == "dd/mm/yyyy hh:mm"


# --- the debt lists ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["funding:contract-export", "funding:due-export", "funding:overdue-export"])
def test_the_debt_lists_export_hostile_text_as_text(viewer_client, hostile, name):
    response = viewer_client.get(reverse(name), {"ngay": AS_OF})
    assert response.status_code == 200
    assert response["Content-Type"] == excel.CONTENT_TYPE
    assert_hostile_as_text(response.content)


# --- the report's annexes ----------------------------------------------------------------------


def test_the_report_annexes_from_the_report_screen_hold_no_formula(department_client, department, hostile):
    report = reports.create_report(
        by=department, year_from=2024, year_to=2024, report_date=datetime.date(2025, 3, 15), signer_name="Nguyễn Văn An"
    )
    response = department_client.get(reverse("reporting:report-download", args=[report.pk, "xlsx"]))
    assert response.status_code == 200
    assert_hostile_as_text(response.content)


def test_render_report_writes_annexes_without_formulas(hostile, tmp_path):
    out = tmp_path / "phu-luc.xlsx"
    call_command(
        "render_report", "--from", "2024", "--to", "2024", "--date", "2025-03-15", "--format", "xlsx", "--output", str(out)
    )
    assert_hostile_as_text(out.read_bytes())


# --- the Centre's workbook ---------------------------------------------------------------------


def test_the_workbook_export_on_the_import_page_holds_no_formula(viewer_client, hostile):
    response = viewer_client.get(reverse("workbook:export"))
    assert response.status_code == 200
    assert_hostile_as_text(response.content)


def test_the_export_workbook_command_holds_no_formula(hostile, tmp_path):
    out = tmp_path / "khuyen-cong.xlsx"
    call_command("export_workbook", str(out), stdout=io.StringIO())
    assert_hostile_as_text(out.read_bytes())


def test_the_workbook_template_holds_no_formula(entry_client):
    response = entry_client.get(reverse("workbook:template"))
    assert response.status_code == 200
    texts = formula_free_texts(response.content)
    assert "Tên cơ sở" in texts


def test_text_that_looks_like_a_formula_comes_back_unchanged_when_the_export_is_reimported(department):
    # Without the texts that start with a tab or a line break: the import trims those, as it
    # trims any cell typed by hand.
    make_records([text for text in HOSTILE if not text[0].isspace()])
    before = snapshot()

    result = import_workbook(export_workbook(), user=department)

    assert result.ok, result.problems[:10]
    assert all(c.created == c.updated == c.deleted == 0 for c in result.counts.values())
    assert snapshot() == before


# --- the admin's export ------------------------------------------------------------------------


def exporting_admins() -> list[tuple[str, str]]:
    return sorted(
        (model._meta.app_label, model._meta.model_name)
        for model, model_admin in admin.site._registry.items()
        if hasattr(model_admin, "get_export_formats")
    )


def test_every_admin_export_offers_only_the_safe_format():
    assert ("projects", "facility") in exporting_admins()
    for model, model_admin in admin.site._registry.items():
        if hasattr(model_admin, "get_export_formats"):
            assert model_admin.get_export_formats() == [SafeXLSX], model


@pytest.mark.parametrize(("app", "model"), exporting_admins())
def test_the_admins_export_holds_no_formula(admin_client: Client, hostile, app, model):
    url = reverse(f"admin:{app}_{model}_export")
    form = admin_client.get(url).context["form"]
    data = {"format": "0", "resource": "0"}
    data |= {name: "on" for name, field in form.fields.items() if getattr(field, "is_selectable_field", False)}

    response = admin_client.post(url, data)

    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == excel.CONTENT_TYPE
    texts = formula_free_texts(response.content)
    shown = [text for text in HOSTILE if SHOWN[text] in texts]
    assert shown, f"no hostile text in the {model} export"
    assert all(texts[SHOWN[text]].quotePrefix for text in shown)

