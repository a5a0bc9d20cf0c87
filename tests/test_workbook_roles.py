"""The workbook keeps the screens' rules about who decides what: only the Department approves a
đề án and sets its approved budget (roles.can_import_project_status, can_edit_approved_budget);
the Centre's own moves go in (its daily re-import of an unchanged export: test_workbook_lam_dong.py)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from khuyencong.core import roles
from khuyencong.workbook import import_workbook
from projects.models import Facility, Project

from .workbook_helpers import small_workbook, user_with, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["Năm", "Mã đề án", "Tên đề án", "Nguồn", "Mã nội dung", "Hình thức", "Kinh phí kế hoạch", "Trạng thái"]
APPROVING = "Chỉ chuyên viên Sở Công Thương được nhập đề án ở trạng thái “Đã duyệt”; hãy để “Đề xuất” hoặc nhờ Sở nhập."
BUDGET = "Kinh phí được duyệt do Sở Công Thương nhập khi phê duyệt."
BUDGET_HEADER = [*HEADER, "Kinh phí được duyệt"]
PAYABLE = ("Đã duyệt", "Đang thực hiện", "Hoàn thành")


def project_row(status: str, *, code: str = "DP-01") -> list:
    return [2024, code, "Hỗ trợ máy sấy chè", "Địa phương", "MMTB", "Không thu hồi", 300_000_000, status]


def with_done_dates(header: list[str], row: list) -> tuple[list[str], list]:
    """A completed đề án's row with its acceptance and settlement dates (Project.lifecycle_refusal)."""
    if row[HEADER.index("Trạng thái")] != "Hoàn thành":
        return header, row
    return [*header, "Ngày nghiệm thu", "Ngày quyết toán"], [*row, "01/11/2024", "20/11/2024"]


def workbook(*rows: list, header: list[str] = HEADER) -> bytes:
    return xlsx({"DeAn": [header, *rows]})


def problems(result) -> list[tuple[str, int | None, str, str]]:
    return [(p.sheet, p.row, p.column, p.message) for p in result.problems]


@pytest.fixture
def entry():
    return user_with(roles.DATA_ENTRY, username="nhaplieu")


@pytest.fixture
def department():
    return user_with(roles.DEPARTMENT, username="chuyenvien")


def seed(department, status: str, *, approved_budget: int | None = None) -> Project:
    """A đề án as the Department left it (one approved has its approved budget: Project.clean)."""
    header, row = HEADER, project_row(status)
    if approved_budget is None and status in PAYABLE:
        approved_budget = 300_000_000
    if approved_budget is not None:
        header, row = [*HEADER, "Kinh phí được duyệt"], [*row, approved_budget]
    header, row = with_done_dates(header, row)
    result = import_workbook(workbook(row, header=header), user=department)
    assert result.ok, result.problems
    return Project.objects.get(code="DP-01")


# -- the status --------------------------------------------------------------------------------


def test_data_entry_cannot_import_a_new_approved_project(entry):
    result = import_workbook(workbook(project_row("Đã duyệt")), user=entry)

    assert not result.applied
    assert problems(result) == [("DeAn", 2, "Trạng thái", APPROVING)]
    assert not Project.objects.exists()


def test_the_same_file_by_the_department_stores_it_approved(department):
    result = import_workbook(workbook([*project_row("Đã duyệt"), 300_000_000], header=BUDGET_HEADER), user=department)

    assert result.ok and result.applied
    assert Project.objects.get(code="DP-01").status == Project.Status.APPROVED


@pytest.mark.parametrize("status", ["Đang thực hiện", "Hoàn thành"])
def test_data_entry_cannot_import_a_new_project_already_under_way_or_done(entry, status):
    """A completed đề án was approved by someone: not by the import."""
    result = import_workbook(workbook(project_row(status)), user=entry)

    assert [(p.column, p.message) for p in result.problems] == [
        (
            "Trạng thái",
            f"Chỉ chuyên viên Sở Công Thương được nhập đề án ở trạng thái “{status}”; hãy để “Đề xuất” hoặc nhờ Sở nhập.",
        )
    ]
    assert not Project.objects.exists()


@pytest.mark.parametrize("status", ["Đề xuất", ""])
def test_data_entry_imports_a_new_proposed_project(entry, status):
    result = import_workbook(workbook(project_row(status)), user=entry)

    assert result.ok and result.applied
    assert Project.objects.get(code="DP-01").status == Project.Status.PROPOSED


def test_data_entry_cannot_approve_a_proposed_project_by_import(entry, department):
    seed(department, "Đề xuất")

    result = import_workbook(workbook(project_row("Đã duyệt")), user=entry)

    assert problems(result) == [("DeAn", 2, "Trạng thái", APPROVING)]
    assert Project.objects.get(code="DP-01").status == Project.Status.PROPOSED


@pytest.mark.parametrize(
    ("stored", "imported", "expected"),
    [
        ("Đã duyệt", "Đang thực hiện", Project.Status.IN_PROGRESS),
        ("Đã duyệt", "Hoàn thành", Project.Status.COMPLETED),
        ("Đang thực hiện", "Hoàn thành", Project.Status.COMPLETED),
        ("Đề xuất", "Đã hủy", Project.Status.CANCELLED),
    ],
)
def test_data_entry_makes_the_centres_own_moves(entry, department, stored, imported, expected):
    seed(department, stored)

    header, row = with_done_dates(HEADER, project_row(imported))
    result = import_workbook(workbook(row, header=header), user=entry)

    assert result.ok and result.applied, result.problems
    project = Project.objects.get(code="DP-01")
    assert project.status == expected
    assert project.history.first().history_user == entry


@pytest.mark.parametrize("imported", ["Đề xuất", "Đã hủy", "Không thực hiện"])
def test_data_entry_cannot_undo_an_approval_by_import(entry, department, imported):
    seed(department, "Đã duyệt")

    result = import_workbook(workbook(project_row(imported)), user=entry)

    assert [(p.column, p.message) for p in result.problems] == [
        (
            "Trạng thái",
            f"Chỉ chuyên viên Sở Công Thương được chuyển đề án từ “Đã duyệt” sang “{imported}”; "
            "hãy để “Đã duyệt” hoặc nhờ Sở nhập.",
        )
    ]
    assert Project.objects.get(code="DP-01").status == Project.Status.APPROVED


def test_data_entry_reimports_an_approved_project_unchanged(entry, department):
    seed(department, "Hoàn thành")

    header, row = with_done_dates(HEADER, project_row("Hoàn thành"))
    result = import_workbook(workbook(row, header=header), user=entry)

    assert result.ok and result.counts["DeAn"].unchanged == 1


# -- the approved budget -------------------------------------------------------------------------


def test_data_entry_cannot_change_the_approved_budget(entry, department):
    seed(department, "Đã duyệt", approved_budget=280_000_000)

    for value in (290_000_000, "", 0):
        result = import_workbook(workbook([*project_row("Đã duyệt"), value], header=BUDGET_HEADER), user=entry)
        assert problems(result) == [("DeAn", 2, "Kinh phí được duyệt", BUDGET)], value
    assert Project.objects.get(code="DP-01").approved_budget == 280_000_000


def test_data_entry_may_leave_the_approved_budget_as_stored(entry, department):
    seed(department, "Đã duyệt", approved_budget=280_000_000)

    result = import_workbook(workbook([*project_row("Đang thực hiện"), "280.000.000"], header=BUDGET_HEADER), user=entry)

    assert result.ok and result.applied, result.problems
    project = Project.objects.get(code="DP-01")
    assert (project.status, project.approved_budget) == (Project.Status.IN_PROGRESS, 280_000_000)


def test_data_entry_cannot_give_a_new_project_an_approved_budget(entry):
    result = import_workbook(workbook([*project_row("Đề xuất"), 100_000_000], header=BUDGET_HEADER), user=entry)

    assert problems(result) == [("DeAn", 2, "Kinh phí được duyệt", BUDGET)]
    assert not Project.objects.exists()


@pytest.mark.parametrize("value", ["", 0])
def test_data_entry_may_leave_a_new_projects_approved_budget_empty(entry, value):
    result = import_workbook(workbook([*project_row("Đề xuất"), value], header=BUDGET_HEADER), user=entry)

    assert result.ok and result.applied, result.problems


def test_the_department_sets_the_approved_budget(department):
    seed(department, "Đã duyệt", approved_budget=280_000_000)

    result = import_workbook(workbook([*project_row("Đã duyệt"), 250_000_000], header=BUDGET_HEADER), user=department)

    assert result.ok and result.applied
    assert Project.objects.get(code="DP-01").approved_budget == 250_000_000


# -- all or nothing, the preview, the command line --------------------------------------------------


def test_a_refused_row_stops_the_whole_file_and_the_dry_run_lists_it(entry):
    data = xlsx(small_workbook())  # new đề án completed, in progress, approved

    preview = import_workbook(data, user=entry, dry_run=True)
    result = import_workbook(data, user=entry)

    # Both are the Department's to enter: the status and the approved budget.
    expected = [("DeAn", row, column) for row in (2, 3, 4, 5) for column in ("Trạng thái", "Kinh phí được duyệt")]
    assert [(p.sheet, p.row, p.column) for p in preview.problems] == expected
    assert [(p.sheet, p.row, p.column) for p in result.problems] == expected
    assert not result.applied
    assert not Facility.objects.exists() and not Project.objects.exists()  # CoSo is not written either


def test_the_command_line_checks_the_user_it_names(tmp_path, entry, department):
    path = tmp_path / "so-lieu.xlsx"
    path.write_bytes(workbook([*project_row("Đã duyệt"), 300_000_000], header=BUDGET_HEADER))

    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_workbook", str(path), "--user", "nhaplieu", stdout=io.StringIO(), stderr=err)
    assert APPROVING in err.getvalue()
    assert not Project.objects.exists()

    call_command("import_workbook", str(path), "--user", "chuyenvien", stdout=io.StringIO())
    assert Project.objects.get(code="DP-01").status == Project.Status.APPROVED


# -- the rule ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "new", "centre"),
    [
        (None, "proposed", True),
        (None, "approved", False),
        (None, "completed", False),
        (None, "cancelled", True),
        ("proposed", "approved", False),
        ("cancelled", "in_progress", False),
        ("approved", "approved", True),
        ("completed", "completed", True),
        ("approved", "in_progress", True),
        ("in_progress", "completed", True),
        ("approved", "cancelled", False),
        ("in_progress", "approved", False),
    ],
)
def test_can_import_project_status(entry, department, current, new, centre):
    assert roles.can_import_project_status(entry, current, new) is centre
    assert roles.can_import_project_status(department, current, new) is True
    assert roles.can_import_project_status(user_with(roles.VIEWER), current, new) is False
