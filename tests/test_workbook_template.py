"""The blank workbook as a clerk meets it: instructions first, one example row per sheet that the
import skips with a note, and a drop-down list on every coded column whose values are those the
import accepts."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from funding.models import Disbursement, Lawsuit, LoanContract
from khuyencong.core import cells
from khuyencong.workbook import import_workbook, template_workbook
from khuyencong.workbook import sheets as S
from khuyencong.workbook import template as T
from khuyencong.workbook.importer import RESULT_LABELS, _choice, _Plan, _result, level_label, required_columns
from khuyencong.workbook.reader import RawWorkbook
from projects import provinces
from projects.models import Event, Facility, FundingLevel, Project, SupportForm

pytestmark = pytest.mark.django_db


@pytest.fixture
def template():
    return load_workbook(io.BytesIO(template_workbook()))


def list_values(workbook, formula: str) -> list[str]:
    """The values a drop-down's ``formula1`` ("'Danh mục'!$A$2:$A$7") points at."""
    sheet_name, cell_range = formula.rsplit("!", 1)
    sheet = workbook[sheet_name.strip("'")]
    min_col, min_row, max_col, max_row = range_boundaries(cell_range.replace("$", ""))
    assert min_col == max_col
    rows = sheet.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col, values_only=True)
    return [row[0] for row in rows]


def validations_by_column(sheet) -> dict[str, str]:
    """{column title: formula1} of the sheet's list validations, each checked to cover its column from row 2."""
    titles = {cell.column_letter: cell.value for cell in sheet[1]}
    found = {}
    for validation in sheet.data_validations.dataValidation:
        assert validation.type == "list"
        for cell_range in validation.sqref.ranges:
            min_col, min_row, max_col, max_row = cell_range.bounds
            assert min_col == max_col and min_row == 2 and max_row >= 100_000
            found[titles[cell_range.coord.split(":")[0].rstrip("0123456789")]] = validation.formula1
    return found


def test_the_sheets_are_the_instructions_the_data_sheets_and_the_hidden_lists(template):
    assert template.sheetnames == [S.GUIDE, *(sheet.name for sheet in S.SHEETS), S.LISTS]
    assert template[S.LISTS].sheet_state == "hidden"
    assert all(template[sheet.name].sheet_state == "visible" for sheet in S.SHEETS)
    for sheet in S.SHEETS:
        assert [c.value for c in template[sheet.name][1]] == list(sheet.all_columns)


def test_every_coded_column_has_a_drop_down_of_the_values_the_import_takes(template):
    for sheet in S.SHEETS:
        found = validations_by_column(template[sheet.name])
        coded = {column for (name, column) in T.CODED if name == sheet.name}
        assert set(found) == coded, sheet.name
        for column, formula in found.items():
            expected = T.VALUE_LISTS[T.CODED[(sheet.name, column)]].values()
            assert list_values(template, formula) == expected, (sheet.name, column)
    # The lists hold the models' and the reference tables' values, not copies typed elsewhere.
    deans = validations_by_column(template[S.PROJECTS.name])
    assert list_values(template, deans["Trạng thái"]) == [str(label) for label in Project.Status.labels]
    assert list_values(template, deans["Hình thức"]) == [str(label) for label in SupportForm.labels]
    assert list_values(template, deans["Nguồn"]) == [level_label(level) for level in FundingLevel.objects.order_by("order")]
    assert "Địa phương" in list_values(template, deans["Nguồn"])
    assert "MMTB" in list_values(template, deans["Mã nội dung"])
    assert list_values(template, deans["Sản xuất sạch hơn"]) == ["x"]
    events = validations_by_column(template[S.EVENTS.name])
    assert list_values(template, events["Loại sự kiện"]) == [str(label) for label in Event.Kind.labels]
    facilities = validations_by_column(template[S.FACILITIES.name])
    assert list_values(template, facilities["Loại hình"]) == [str(label) for label in Facility.Kind.labels]


def test_every_listed_value_is_accepted_by_the_importer():
    """Each drop-down value parses through the importer's own reading of its column."""
    plan = _Plan(RawWorkbook({}, []), None)
    plan.load()
    parsers = {
        "facility_kind": _choice(Facility.Kind, "Loại hình"),
        "unit": plan.unit,
        "commune": plan.commune,
        "level": plan.funding_level,
        "content": plan.content,
        "form": _choice(SupportForm, "Hình thức"),
        "status": _choice(Project.Status, "Trạng thái"),
        "flag": cells.flag,
        "former": lambda value: provinces.former_province(value, 2024) or pytest.fail(value),
        "event_kind": _choice(Event.Kind, "Loại sự kiện"),
        "disbursement_kind": _choice(Disbursement.Kind, "Loại chi"),
        "contract_state": _choice(LoanContract.State, "Tình trạng"),
        "lawsuit_status": _choice(Lawsuit.Status, "Trạng thái"),
        "award": plan.award_level,
        "result": _result,
    }
    assert set(parsers) == set(T.VALUE_LISTS)
    for key, value_list in T.VALUE_LISTS.items():
        values = value_list.values()
        assert values, key
        for value in values:
            parsers[key](value)  # raises CellError on a value the import refuses
    assert T.VALUE_LISTS["result"].values() == list(RESULT_LABELS)


def test_the_instructions_list_every_column_of_every_sheet(template):
    guide = template[S.GUIDE]
    rows = list(guide.iter_rows(min_row=3, values_only=True))  # a title line, then the header
    listed = {(sheet, column) for sheet, column, *_ in rows if sheet in S.BY_NAME and column}
    expected = {(sheet.name, column) for sheet in S.SHEETS for column in sheet.all_columns}
    assert expected <= listed
    by_column = {(sheet, column): (required, words) for sheet, column, required, words in rows}
    demanded = required_columns()
    # What the import refuses empty, read from its checks: the names of things, the money of a
    # disbursement, a repayment, an instalment; not a facility's tax code, nor a đề án's status.
    assert {("CoSo", "Tên cơ sở"), ("DeAn", "Tên đề án"), ("GiaiNgan", "Số tiền"), ("LichTra", "Ngày đến hạn")} <= demanded
    assert not {("CoSo", "Mã số thuế"), ("DeAn", "Trạng thái"), ("DeAn", "Ghi chú")} & demanded
    for sheet in S.SHEETS:
        for column in sheet.all_columns:
            required, words = by_column[(sheet.name, column)]
            assert words and words.strip(), (sheet.name, column)  # every column is explained
            assert (required or "").startswith("★") == (column in sheet.keys)
            assert ("bắt buộc" in (required or "")) == ((sheet.name, column) in demanded)
            if (sheet.name, column) in T.CODED:
                assert "danh sách thả xuống" in words
            if column in sheet.money:
                assert "đồng" in words
    assert any("thứ tự" in (words or "") for *_, words in rows)


def test_each_sheet_has_one_example_row_marked_and_greyed(template):
    for sheet in S.SHEETS:
        ws = template[sheet.name]
        assert ws.max_row == 2, sheet.name
        example = {title.value: cell for title, cell in zip(ws[1], ws[2], strict=True)}
        marker = example[sheet.marker]
        assert str(marker.value).startswith(S.EXAMPLE_PREFIX)
        assert marker.font.italic and marker.font.color.rgb.endswith("808080")


def test_the_template_as_it_comes_imports_nothing_and_says_it_skipped_the_examples():
    result = import_workbook(template_workbook())

    assert result.ok, result.problems
    assert all(c.created == c.updated == 0 for c in result.counts.values())
    assert {p.sheet for p in result.skipped} == {sheet.name for sheet in S.SHEETS}
    assert all(p.row == 2 and "dòng ví dụ" in p.message for p in result.skipped)
    assert result.counts[S.PROJECTS.name].skipped == 1
    assert not Project.objects.filter(code__startswith=S.EXAMPLE_PREFIX).exists()


def test_every_column_the_import_checks_against_a_list_has_a_drop_down():
    """A junk value in every column: each column refused for not being in a list (“không có trong
    danh mục”) must have its drop-down (a coded column added later is caught here)."""
    from .workbook_helpers import xlsx

    junk = "KHÔNG-CÓ-TRONG-DANH-MỤC"
    data = xlsx({sheet.name: [list(sheet.all_columns), [junk] * len(sheet.all_columns)] for sheet in S.SHEETS})
    result = import_workbook(data, dry_run=True)

    listed = {(p.sheet, p.column) for p in result.problems if "danh mục" in p.message}
    assert ("DeAn", "Trạng thái") in listed and ("BinhChon", "Cấp") in listed
    assert listed <= set(T.CODED), listed - set(T.CODED)
