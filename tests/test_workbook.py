"""The Centre's workbook in and out (import-format.md): all or nothing, matched on keys, the same
data back after an export, and nothing in a file that the portal should not trust."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from funding.models import Disbursement, Instalment, LoanContract, Repayment
from khuyencong.core import roles
from khuyencong.workbook import WorkbookRefused, export_workbook, import_workbook, template_workbook
from khuyencong.workbook import sheets as S
from projects.models import Event, Facility, Project, SupportForm

from . import factories as f
from .workbook_helpers import empty_database, sheet_names, small_workbook, snapshot, user_with, xlsx

pytestmark = pytest.mark.django_db

PROJECT_HEADER = small_workbook()["DeAn"][0]


def problems(result) -> list[tuple[str, int | None, str]]:
    return [(p.sheet, p.row, p.column) for p in result.problems]


def test_small_workbook_goes_in_with_counts_per_sheet():
    result = import_workbook(xlsx(small_workbook()))

    assert result.ok, result.problems
    assert result.applied
    assert {name: c.created for name, c in result.counts.items()} == {
        "CoSo": 2,
        "DeAn": 4,
        "GiaiNgan": 3,
        "SuKien": 1,
        "HopDong": 1,
        "LichTra": 6,
        "TraNo": 1,
        "KhoiKien": 1,
        "BinhChon": 1,
    }
    national = Project.objects.get(code="QG-01")
    assert national.plan.year == 2024 and national.funding_level.code == "QG"
    assert sorted(national.facilities.values_list("name", flat=True)) == [
        "Công ty TNHH Chè Cầu Đất",
        "Hộ kinh doanh Dệt thổ cẩm Ka Đơn",
    ]
    assert Project.objects.get(code="DP-01").planned_budget == 300_000_000  # "300.000.000"
    assert Disbursement.objects.get(document_number="UNC-002").amount == 148_500_000
    assert Event.objects.get().kind == Event.Kind.CONFERENCE
    facility = Facility.objects.get(tax_code="5800000001")
    assert facility.administrative_unit.code == "672"
    assert facility.search_text.startswith("cong ty tnhh che cau dat")


def test_dry_run_writes_nothing_and_gives_the_same_counts():
    data = xlsx(small_workbook())
    dry = import_workbook(data, dry_run=True)

    assert dry.ok and not dry.applied
    assert Facility.objects.count() == Project.objects.count() == 0
    real = import_workbook(data)
    assert {k: v.created for k, v in dry.counts.items()} == {k: v.created for k, v in real.counts.items()}


def test_one_bad_row_among_a_thousand_changes_nothing_and_is_reported_where_it_is():
    rows = [PROJECT_HEADER]
    for n in range(1000):
        budget = "1,5 tỷ" if n == 736 else 100_000_000
        rows.append(
            [2024, f"DA-{n:04d}", f"Đề án {n}", "Địa phương", "TVHT", "Gián tiếp", "", budget, 0, 1, "Đã duyệt", "", "", 10**8]
        )

    result = import_workbook(xlsx({"DeAn": rows}))

    assert problems(result) == [("DeAn", 738, "Kinh phí kế hoạch")]
    assert "1,5 tỷ" in result.problems[0].message and "1.836.337.000" in result.problems[0].message
    assert not result.applied
    assert Project.objects.count() == 0


def test_importing_the_same_file_twice_changes_nothing_the_second_time():
    data = xlsx(small_workbook())
    import_workbook(data)
    before = snapshot()
    history = Project.history.count() + Facility.history.count() + Instalment.history.count()

    second = import_workbook(data)

    assert second.ok and second.applied
    assert all(c.created == c.updated == c.deleted == 0 for c in second.counts.values())
    assert second.counts["DeAn"].unchanged == 4 and second.counts["TraNo"].unchanged == 1
    assert snapshot() == before
    assert Project.history.count() + Facility.history.count() + Instalment.history.count() == history


def test_a_changed_cell_updates_the_record_and_its_history_names_the_importer():
    user = user_with(roles.DEPARTMENT, username="chuyenvien")  # the file approves đề án
    import_workbook(xlsx(small_workbook()), user=user)
    sheets = small_workbook()
    sheets["DeAn"][1][7] = 320_000_000
    sheets["DeAn"][1][6] = "5800000001; Hộ kinh doanh Dệt thổ cẩm Ka Đơn"

    result = import_workbook(xlsx(sheets), user=user)

    assert result.counts["DeAn"].updated == 1 and result.counts["DeAn"].unchanged == 3
    project = Project.objects.get(code="DP-01")
    assert project.planned_budget == 320_000_000
    assert project.facilities.count() == 2
    latest = project.history.first()
    assert latest.history_type == "~" and latest.history_user == user
    assert latest.planned_budget == 320_000_000
    assert latest.facilities.count() == 2  # the beneficiaries as they were at that change
    assert project.history.last().history_type == "+"


def test_every_created_record_has_a_history_row_naming_the_importer():
    user = user_with(roles.DEPARTMENT, username="chuyenvien")  # the file approves đề án
    import_workbook(xlsx(small_workbook()), user=user)

    for model in (Facility, Project, Disbursement, LoanContract, Instalment, Repayment):
        assert model.history.filter(history_user=user, history_type="+").count() == model.objects.count() > 0
    first_history = Project.history.get(code="QG-01")
    assert first_history.facilities.count() == 2


def test_export_then_import_into_an_empty_database_gives_the_same_data():
    import_workbook(xlsx(small_workbook()))
    # What the workbook's own columns do not show: a cancelled đề án, a reversal, a second schedule.
    cancelled = f.ProjectFactory(
        plan=Project.objects.get(code="DP-01").plan,
        code="DP-09",
        status=Project.Status.CANCELLED,
        status_reason="Cơ sở rút hồ sơ",
        start_date=datetime.date(2023, 3, 1),
        notes="=SUM(A1:A2)",
    )
    contract = LoanContract.objects.get()
    original = Repayment.objects.get()
    Repayment.objects.create(
        contract=contract, date=datetime.date(2024, 10, 1), amount=original.amount, receipt_number="BL-0002", reversal_of=original
    )
    for number in (1, 2):
        Instalment.objects.create(
            contract=contract,
            schedule_version=2,
            number=number,
            due_date=datetime.date(2026, number, 1),
            principal_due=60_000_000,
        )
    before = snapshot()
    assert any(p[2] == cancelled.code for p in before["projects"])

    data = export_workbook()
    empty_database()
    result = import_workbook(data)

    assert result.ok, result.problems
    assert snapshot() == before


def test_text_that_looks_like_a_formula_is_exported_as_text():
    hyperlink = '=HYPERLINK("http://example.com/x","Bấm vào đây")'
    f.FacilityFactory(name=hyperlink, tax_code="5800000099", representative="+84 263", phone="+84 263 3822 111", sector="@chè")

    data = export_workbook()

    sheet = load_workbook(io.BytesIO(data))["CoSo"]  # not data_only: a formula would show as type "f"
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "5800000099")
    assert row[1].value == hyperlink and row[1].data_type == "s"
    assert {c.data_type for c in row if c.value is not None} == {"s"}
    empty_database()
    assert import_workbook(data).ok
    assert Facility.objects.get(tax_code="5800000099").name == hyperlink


def test_template_has_every_sheet_with_its_header_row():
    workbook = load_workbook(io.BytesIO(template_workbook()))

    assert [name for name in workbook.sheetnames if name not in S.TEMPLATE_ONLY] == sheet_names()
    for sheet in S.SHEETS:
        assert [c.value for c in workbook[sheet.name][1]] == list(sheet.all_columns)
        assert workbook[sheet.name].max_row == 2  # the example row (tests/test_workbook_template.py)
    assert import_workbook(template_workbook()).ok


def test_a_renamed_file_that_is_not_xlsx_is_refused():
    with pytest.raises(WorkbookRefused, match="không phải là bảng tính Excel"):
        import_workbook(b"Ma so thue;Ten co so\n5800000001;Che\n")
    document = io.BytesIO()  # a zip, but a Word document
    with zipfile.ZipFile(document, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(WorkbookRefused):
        import_workbook(document.getvalue())


def test_xml_with_entities_is_refused():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">&b;</Types>',
        )
    with pytest.raises(WorkbookRefused):
        import_workbook(bomb.getvalue())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_sheet_with_entities_is_refused(encoding):
    """The sheets are parsed by Python's own XML parser (faster than defusedxml's), after a scan
    that refuses any DTD in them: an entity bomb inside a sheet is refused as one in any part,
    also in a sheet written in UTF-16, where the declaration's bytes are not ASCII."""
    source = zipfile.ZipFile(io.BytesIO(xlsx(small_workbook())))
    bombed = io.BytesIO()
    with zipfile.ZipFile(bombed, "w") as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"<worksheet",
                    b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><worksheet',
                    1,
                ).replace(b"</sheetData>", b'<row r="999"><c r="A999" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData>')
                text = data.decode("utf-8").replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"')
                data = text.encode(encoding)
            archive.writestr(info, data)
    with pytest.raises(WorkbookRefused, match="Không đọc được tệp Excel"):
        import_workbook(bombed.getvalue())
    assert Facility.objects.count() == 0


def test_an_oversized_file_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 2000
    with pytest.raises(WorkbookRefused, match="lớn hơn giới hạn"):
        import_workbook(xlsx(small_workbook()))


def test_too_many_rows_in_a_sheet_are_refused(settings):
    settings.IMPORT_MAX_ROWS_PER_SHEET = 2
    result = import_workbook(xlsx(small_workbook()))
    assert ("DeAn", 4, "") in problems(result)
    assert Facility.objects.count() == 0


def test_an_unknown_column_is_refused():
    sheets = small_workbook()
    sheets["CoSo"][0].append("Vốn điều lệ")
    for row in sheets["CoSo"][1:]:
        row.append(1_000_000)

    result = import_workbook(xlsx(sheets))

    assert problems(result) == [("CoSo", 1, "Vốn điều lệ")]
    assert Facility.objects.count() == 0


def test_an_unknown_sheet_is_refused():
    sheets = small_workbook()
    sheets["GiaiNgân"] = sheets.pop("GiaiNgan")
    result = import_workbook(xlsx(sheets))
    assert problems(result) == [("GiaiNgân", None, "")]


def test_columns_in_any_order_and_optional_columns_left_out():
    header, *rows = small_workbook()["CoSo"]
    order = [1, 0, 4]  # Tên cơ sở, Mã số thuế, Đơn vị hành chính
    result = import_workbook(xlsx({"CoSo": [[header[i] for i in order]] + [[r[i] for i in order] for r in rows]}))

    assert result.ok, result.problems
    assert Facility.objects.get(tax_code="5800000001").administrative_unit.code == "672"
    assert Facility.objects.get(tax_code="").kind == Facility.Kind.ENTERPRISE  # the default


def test_a_missing_sheet_means_nothing_of_that_kind():
    sheets = small_workbook()
    for name in ("SuKien", "BinhChon"):
        del sheets[name]
    result = import_workbook(xlsx(sheets))
    assert result.ok
    assert "SuKien" not in result.counts and Event.objects.count() == 0


def test_a_key_column_cannot_be_left_out():
    header, *rows = small_workbook()["GiaiNgan"]
    result = import_workbook(xlsx({"GiaiNgan": [header[:4]] + [r[:4] for r in rows]}))
    assert problems(result) == [("GiaiNgan", 1, "Số chứng từ")]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [(1_836_337_000, 1_836_337_000), ("1.836.337.000", 1_836_337_000), ("250000000", 250_000_000), (250_000_000.0, 250_000_000)],
)
def test_amounts_are_numbers_or_text_with_dot_thousands(cell, expected):
    sheets = small_workbook()
    sheets["GiaiNgan"][1][3] = cell
    sheets["DeAn"][1][7] = sheets["DeAn"][1][13] = 2_000_000_000  # planned and approved
    assert import_workbook(xlsx(sheets)).ok
    assert Disbursement.objects.get(document_number="UNC-001").amount == expected


@pytest.mark.parametrize("cell", ["1,5 tỷ", "250.000.000,5", "1.83.000", "-5", 1.5, "hai trăm triệu"])
def test_amounts_in_words_or_with_decimals_are_refused(cell):
    sheets = small_workbook()
    sheets["GiaiNgan"][1][3] = cell
    result = import_workbook(xlsx(sheets))
    assert problems(result) == [("GiaiNgan", 2, "Số tiền")]


@pytest.mark.parametrize(
    ("cell", "ok"),
    [
        (datetime.date(2023, 10, 2), True),
        (datetime.datetime(2023, 10, 2, 0, 0), True),
        ("02/10/2023", True),
        ("2/10/2023", True),
        ("31/02/2023", False),
        ("2023/10/02", False),
        ("tháng 10", False),
    ],
)
def test_dates_are_excel_dates_or_dd_mm_yyyy(cell, ok):
    sheets = small_workbook()
    sheets["GiaiNgan"][1][2] = cell
    result = import_workbook(xlsx(sheets))
    if ok:
        assert result.ok
        assert Disbursement.objects.get(document_number="UNC-001").date == datetime.date(2023, 10, 2)
    else:
        assert problems(result) == [("GiaiNgan", 2, "Ngày")]


def test_a_formula_without_a_cached_value_is_an_error():
    sheets = small_workbook()
    sheets["GiaiNgan"][1][3] = "=100000000*2"  # openpyxl stores formulas without a computed value
    result = import_workbook(xlsx(sheets, formulas=True))
    assert problems(result) == [("GiaiNgan", 2, "Số tiền")]
    assert "công thức" in result.problems[0].message


@pytest.mark.parametrize(
    ("sheet", "row", "column", "value"),
    [
        ("GiaiNgan", 1, 1, "DP-99"),  # a đề án that exists nowhere
        ("DeAn", 1, 6, "5899999999"),  # a facility that exists nowhere
        ("TraNo", 1, 0, "99/2024/HĐ"),  # a contract that exists nowhere
        ("HopDong", 1, 3, "Cơ sở không có"),
        ("BinhChon", 1, 1, "Cơ sở không có"),
    ],
)
def test_a_reference_to_something_missing_is_an_error_not_skipped(sheet, row, column, value):
    sheets = small_workbook()
    sheets[sheet][row][column] = value
    result = import_workbook(xlsx(sheets))
    assert [(p.sheet, p.row) for p in result.problems] == [(sheet, row + 1)]
    assert "Không tìm thấy" in result.problems[0].message
    assert Project.objects.count() == 0


def test_references_to_records_already_in_the_database_are_found():
    import_workbook(xlsx(small_workbook()))
    sheets = {"GiaiNgan": [small_workbook()["GiaiNgan"][0], [2024, "QG-01", "01/12/2024", 50_000_000, "UNC-099"]]}
    result = import_workbook(xlsx(sheets))
    assert result.ok and result.counts["GiaiNgan"].created == 1


def test_contract_without_schedule_gets_the_rule_schedule():
    sheets = small_workbook()
    sheets["HopDong"][1][5] = 120_000_005  # ⌊P/K⌋ each, the last takes the remainder
    sheets["DeAn"][3][7] = sheets["DeAn"][3][13] = 120_000_005  # planned and approved
    import_workbook(xlsx(sheets))

    schedule = list(Instalment.objects.order_by("number").values_list("number", "due_date", "principal_due"))
    assert schedule == [
        (1, datetime.date(2025, 3, 1), 20_000_000),  # grace ends 01/10/2024; then every (36 − 6) / 6 = 5 months
        (2, datetime.date(2025, 8, 1), 20_000_000),
        (3, datetime.date(2026, 1, 1), 20_000_000),
        (4, datetime.date(2026, 6, 1), 20_000_000),
        (5, datetime.date(2026, 11, 1), 20_000_000),
        (6, datetime.date(2027, 4, 1), 20_000_005),
    ]


def test_a_schedule_that_does_not_divide_needs_its_lichtra():
    sheets = small_workbook()
    sheets["HopDong"][1][9] = 7  # 30 months in 7 instalments
    result = import_workbook(xlsx(sheets))
    assert problems(result) == [("HopDong", 2, "Số kỳ trả")]

    sheets["LichTra"] = [["Số hợp đồng", "Kỳ", "Ngày đến hạn", "Số tiền"]] + [
        ["01/2024/HĐ-TTKC", n, datetime.date(2024 + n // 3, 1 + (n * 4) % 12, 1), 20_000_000 if n < 7 else 0] for n in range(1, 8)
    ]
    sheets["LichTra"][-1][3] = 0
    result = import_workbook(xlsx(sheets))
    assert ("LichTra", 8, "Số tiền") in problems(result)  # an instalment of 0 đồng

    sheets["LichTra"][-1][3] = 120_000_000 - 6 * 20_000_000 + 1
    result = import_workbook(xlsx(sheets))
    assert problems(result) == [("LichTra", 2, "Số tiền")]  # the schedule must add up to the principal


def test_a_principal_smaller_than_the_instalment_count_is_refused():
    sheets = small_workbook()
    sheets["HopDong"][1][5] = 5
    result = import_workbook(xlsx(sheets))
    assert ("HopDong", 2, "Số kỳ trả") in problems(result)


def test_lichtra_replaces_the_schedule_of_its_version():
    import_workbook(xlsx(small_workbook()))
    header = ["Số hợp đồng", "Kỳ", "Ngày đến hạn", "Số tiền"]
    rows = [["01/2024/HĐ-TTKC", n, datetime.date(2025, n, 1), 40_000_000] for n in (1, 2, 3)]

    result = import_workbook(xlsx({"LichTra": [header, *rows]}))

    assert result.ok, result.problems
    assert (result.counts["LichTra"].updated, result.counts["LichTra"].deleted) == (3, 3)
    assert list(Instalment.objects.order_by("number").values_list("principal_due", flat=True)) == [40_000_000] * 3


def test_disbursements_of_a_recoverable_project_may_not_exceed_its_contracts():
    sheets = small_workbook()
    sheets["GiaiNgan"].append([2024, "DP-03", "02/04/2024", 1_000_000, "UNC-011"])
    result = import_workbook(xlsx(sheets))
    assert problems(result) == [("GiaiNgan", 5, "Số tiền")]


def test_a_contract_needs_a_recoverable_project():
    sheets = small_workbook()
    sheets["HopDong"][1][2] = "QG-01"
    result = import_workbook(xlsx(sheets))
    assert ("HopDong", 2, "Mã đề án") in problems(result)


def test_a_recorded_repayment_is_not_rewritten():
    import_workbook(xlsx(small_workbook()))
    sheets = {"TraNo": [small_workbook()["TraNo"][0], ["01/2024/HĐ-TTKC", "30/09/2024", 25_000_000, "BL-0001"]]}
    result = import_workbook(xlsx(sheets))
    assert problems(result) == [("TraNo", 2, "Số tiền")]
    assert "bút toán đảo" in result.problems[0].message


def test_duplicate_keys_in_a_sheet_are_errors():
    sheets = small_workbook()
    sheets["GiaiNgan"].append(list(sheets["GiaiNgan"][1]))
    result = import_workbook(xlsx(sheets))
    assert problems(result) == [("GiaiNgan", 5, "Số chứng từ")]


def test_a_not_carried_out_project_gets_a_reason_the_database_asks_for():
    sheets = small_workbook(SuKien=small_workbook()["SuKien"][:1])  # no new event under a đề án stopped
    sheets["DeAn"][2][10] = "Không thực hiện"
    # No money paid nor event held under it (funding.rules.payable).
    sheets["GiaiNgan"] = [row for row in sheets["GiaiNgan"] if row[1] != "DP-02"]
    sheets["SuKien"] = sheets["SuKien"][:1]
    assert import_workbook(xlsx(sheets)).ok
    assert Project.objects.get(code="DP-02").status_reason


def test_facility_matched_by_name_when_it_has_no_tax_code():
    import_workbook(xlsx(small_workbook()))
    header = small_workbook()["CoSo"][0]
    row = ["", "Hộ kinh doanh Dệt thổ cẩm Ka Đơn", "Hộ kinh doanh", "Thôn Ka Đơn", "Huyện Đơn Dương", "Dệt", "", "", ""]
    result = import_workbook(xlsx({"CoSo": [header, row]}))
    assert result.counts["CoSo"].updated == 1
    assert Facility.objects.get(name="Hộ kinh doanh Dệt thổ cẩm Ka Đơn").address == "Thôn Ka Đơn"


def test_export_of_a_filtered_queryset_holds_only_those_projects():
    import_workbook(xlsx(small_workbook()))
    data = export_workbook(Project.objects.filter(support_form=SupportForm.RECOVERABLE))
    workbook = load_workbook(io.BytesIO(data))
    assert [r[1] for r in workbook["DeAn"].iter_rows(min_row=2, values_only=True)] == ["DP-03"]
    assert [r[1] for r in workbook["CoSo"].iter_rows(min_row=2, values_only=True)] == ["Hộ kinh doanh Dệt thổ cẩm Ka Đơn"]
    assert workbook["HopDong"].max_row == 2 and workbook["LichTra"].max_row == 7
    assert workbook["SuKien"].max_row == 1


# -- the commands --------------------------------------------------------------------------------


def test_import_command_imports_and_names_the_user(tmp_path):
    user = user_with(roles.DEPARTMENT, username="chuyenvien")  # the file approves đề án
    path = tmp_path / "so-lieu.xlsx"
    path.write_bytes(xlsx(small_workbook()))
    out = io.StringIO()

    call_command("import_workbook", str(path), "--user", "chuyenvien", stdout=out)

    assert "DeAn: thêm 4, sửa 0, không đổi 0" in out.getvalue()
    assert Project.history.filter(history_user=user).count() == 4


def test_import_command_dry_run_writes_nothing(tmp_path):
    user_with(roles.DEPARTMENT, username="chuyenvien")
    path = tmp_path / "so-lieu.xlsx"
    path.write_bytes(xlsx(small_workbook()))
    call_command("import_workbook", str(path), "--dry-run", "--user", "chuyenvien", stdout=io.StringIO())
    assert Project.objects.count() == 0


def test_import_command_fails_with_the_bad_rows_sheet_by_sheet(tmp_path):
    sheets = small_workbook()
    sheets["GiaiNgan"][1][3] = "1,5 tỷ"
    sheets["CoSo"][1][8] = "khong-phai-email"
    path = tmp_path / "so-lieu.xlsx"
    path.write_bytes(xlsx(sheets))
    err = io.StringIO()
    user_with(roles.DEPARTMENT, username="chuyenvien")

    with pytest.raises(CommandError, match="2 lỗi"):
        call_command("import_workbook", str(path), "--user", "chuyenvien", stdout=io.StringIO(), stderr=err)

    assert "Sheet CoSo: 1 lỗi" in err.getvalue()
    assert "GiaiNgan, dòng 2, cột “Số tiền”" in err.getvalue()
    assert Facility.objects.count() == 0


def test_import_command_refuses_a_file_that_is_not_xlsx(tmp_path):
    path = tmp_path / "so-lieu.xlsx"
    path.write_text("không phải excel")
    user_with(roles.DATA_ENTRY, username="nhaplieu")
    with pytest.raises(CommandError, match="không phải là bảng tính Excel"):
        call_command("import_workbook", str(path), "--user", "nhaplieu", stdout=io.StringIO())


def test_import_command_refuses_an_unknown_user(tmp_path):
    path = tmp_path / "so-lieu.xlsx"
    path.write_bytes(template_workbook())
    with pytest.raises(CommandError, match="Không có người dùng"):
        call_command("import_workbook", str(path), "--user", "khong-co", stdout=io.StringIO())


def test_export_command_writes_the_workbook(tmp_path):
    import_workbook(xlsx(small_workbook()))
    path = tmp_path / "xuat.xlsx"
    call_command("export_workbook", str(path), stdout=io.StringIO())
    assert load_workbook(path).sheetnames == sheet_names()
    before = snapshot()
    empty_database()
    user_with(roles.DEPARTMENT, username="chuyenvien")  # the file approves đề án
    call_command("import_workbook", str(path), "--user", "chuyenvien", stdout=io.StringIO())
    assert snapshot() == before
