"""Helpers for the workbook tests: build an .xlsx from rows, and take the database's records by
their natural keys (never their pks), so that two databases can be compared field by field."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.contrib.auth.models import Group
from openpyxl import Workbook

from funding.models import Disbursement, Instalment, Lawsuit, LoanContract, Repayment
from khuyencong.workbook import sheets as S
from projects.models import Event, Facility, ProductNomination, Project, ProjectResult

from . import factories


def user_with(role: str, **fields: Any):
    """A user in one of the roles of khuyencong.core.roles."""
    user = factories.UserFactory(**fields)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def xlsx(sheets: dict[str, list[list[Any]]], *, formulas: bool = False) -> bytes:
    """An .xlsx with one sheet per entry; each entry's first row is the header.

    Text starting with "=" is stored as text, unless ``formulas``: then it is a formula cell
    (openpyxl writes it without a computed value).
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
            if not formulas:
                for cell in sheet[sheet.max_row]:
                    if cell.data_type == "f":
                        cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def small_workbook(**overrides: list[list[Any]]) -> dict[str, list[list[Any]]]:
    """A clean workbook touching every sheet: two facilities, a grant, a conference, a loan."""
    sheets = {
        "CoSo": [
            [
                "Mã số thuế",
                "Tên cơ sở",
                "Loại hình",
                "Địa chỉ",
                "Đơn vị hành chính",
                "Ngành nghề",
                "Người đại diện",
                "Điện thoại",
                "Email",
            ],
            [
                "5800000001",
                "Công ty TNHH Chè Cầu Đất",
                "Doanh nghiệp",
                "Xuân Trường",
                "Thành phố Đà Lạt",
                "Chè",
                "Nguyễn Văn An",
                "0263 3822 111",
                "che@example.vn",
            ],
            ["", "Hộ kinh doanh Dệt thổ cẩm Ka Đơn", "Hộ kinh doanh", "Ka Đơn", "Huyện Đơn Dương", "Dệt", "K'Brơi", "", ""],
        ],
        "DeAn": [
            [
                "Năm",
                "Mã đề án",
                "Tên đề án",
                "Nguồn",
                "Mã nội dung",
                "Hình thức",
                "Cơ sở",
                "Kinh phí kế hoạch",
                "Vốn đối ứng",
                "Số lượng",
                "Trạng thái",
                "Sản xuất sạch hơn",
                "Đề án điểm",
                "Kinh phí được duyệt",
                "Ngày nghiệm thu",
                "Ngày quyết toán",
            ],
            [
                2023,
                "DP-01",
                "Hỗ trợ máy sấy chè",
                "Địa phương",
                "MMTB",
                "Không thu hồi",
                "5800000001",
                "300.000.000",
                900_000_000,
                1,
                "Hoàn thành",
                "x",
                "",
                "300.000.000",
                "20/11/2023",
                "15/12/2023",
            ],
            [
                2023,
                "DP-02",
                "Hội nghị kết nối cung cầu 2023",
                "Địa phương",
                "KNCC",
                "Gián tiếp",
                "",
                150_000_000,
                0,
                1,
                "Hoàn thành",
                "",
                "",
                150_000_000,
                datetime.date(2023, 10, 5),
                datetime.date(2023, 12, 20),
            ],
            [
                2024,
                "DP-03",
                "Cho vay máy dệt",
                "Địa phương",
                "MMTB",
                "Có thu hồi",
                "Hộ kinh doanh Dệt thổ cẩm Ka Đơn",
                120_000_000,
                40_000_000,
                1,
                "Đang thực hiện",
                "",
                "x",
                120_000_000,
            ],
            [
                2024,
                "QG-01",
                "Mô hình trình diễn sấy nông sản",
                "Quốc gia",
                "MHTD",
                "Không thu hồi",
                "5800000001; Hộ kinh doanh Dệt thổ cẩm Ka Đơn",
                500_000_000,
                200_000_000,
                1,
                "Đã duyệt",
                "",
                "x",
                500_000_000,
            ],
        ],
        "GiaiNgan": [
            ["Năm", "Mã đề án", "Ngày", "Số tiền", "Số chứng từ"],
            [2023, "DP-01", datetime.date(2023, 10, 2), 280_000_000, "UNC-001"],
            [2023, "DP-02", "15/09/2023", "148.500.000", "UNC-002"],
            [2024, "DP-03", "01/04/2024", 120_000_000, "UNC-010"],
        ],
        "SuKien": [
            ["Năm", "Mã đề án", "Tên sự kiện", "Ngày", "Địa điểm", "Lượt doanh nghiệp", "Hợp đồng mua bán", "Biên bản hợp tác"],
            [2023, "DP-02", "Hội nghị kết nối cung cầu Đà Lạt 2023", "20/09/2023", "Đà Lạt", 120, 8, 15],
        ],
        "HopDong": [
            [
                "Số hợp đồng",
                "Năm",
                "Mã đề án",
                "Cơ sở",
                "Ngày ký",
                "Số tiền hỗ trợ",
                "Ngày giải ngân",
                "Thời hạn (tháng)",
                "Ân hạn (tháng)",
                "Số kỳ trả",
            ],
            [
                "01/2024/HĐ-TTKC",
                2024,
                "DP-03",
                "Hộ kinh doanh Dệt thổ cẩm Ka Đơn",
                "15/03/2024",
                120_000_000,
                "01/04/2024",
                36,
                6,
                6,
            ],
        ],
        "TraNo": [
            ["Số hợp đồng", "Ngày trả", "Số tiền", "Số biên lai"],
            ["01/2024/HĐ-TTKC", "30/09/2024", 20_000_000, "BL-0001"],
        ],
        "KhoiKien": [
            ["Số hợp đồng", "Ngày khởi kiện", "Tòa án", "Số thụ lý", "Trạng thái", "Số tiền theo bản án"],
            ["01/2024/HĐ-TTKC", "10/01/2025", "Tòa án nhân dân huyện Đơn Dương", "12/2025/TLST-DS", "Đang giải quyết", ""],
        ],
        "BinhChon": [
            ["Tên sản phẩm", "Cơ sở", "Cấp", "Năm", "Kết quả", "Số giấy chứng nhận"],
            ["Chè Ô long Cầu Đất", "5800000001", "Tỉnh", 2023, "Công nhận", "15/GCN-UBND"],
        ],
    }
    sheets.update(overrides)
    return sheets


MONEY_SHEETS = ("GiaiNgan", "HopDong", "LichTra", "TraNo", "KhoiKien")


def centre_workbook(**overrides: list[list[Any]]) -> dict[str, list[list[Any]]]:
    """``small_workbook`` as the Centre (data entry) may import it: every đề án only proposed and
    without an approved budget, since approving one is the Department's
    (roles.can_import_project_status), and so no money paid, contract signed (funding.rules.payable)
    nor event held (Event.clean) under them, unless ``overrides`` says."""
    sheets = small_workbook(**overrides)
    header, *rows = sheets["DeAn"]
    column, budget = header.index("Trạng thái"), header.index("Kinh phí được duyệt")
    proposed = []
    for row in rows:
        row = [*row[:column], "Đề xuất", *row[column + 1 :]]
        row[budget] = ""
        proposed.append(row)
    sheets["DeAn"] = [header] + proposed
    for name in MONEY_SHEETS:
        if name not in overrides:
            sheets.pop(name, None)
    if "SuKien" not in overrides:
        sheets["SuKien"] = sheets["SuKien"][:1]
    return sheets


def _facility_ref(facility: Facility) -> str:
    return facility.tax_code or facility.name


def snapshot() -> dict[str, list[tuple]]:
    """Every record the workbook carries, by natural keys, sorted: equal snapshots, same data."""
    facilities = {f.pk: f for f in Facility.objects.select_related("administrative_unit")}
    ref = {pk: _facility_ref(f) for pk, f in facilities.items()}
    through = Project.facilities.through
    beneficiaries: dict[int, list[str]] = {}
    for project_id, facility_id in through.objects.values_list("project_id", "facility_id"):
        beneficiaries.setdefault(project_id, []).append(ref[facility_id])
    data = {
        "facilities": [
            (
                f.tax_code,
                f.name,
                f.kind,
                f.address,
                f.administrative_unit.code if f.administrative_unit else None,
                f.sector,
                f.representative,
                f.phone,
                f.email,
            )
            for f in facilities.values()
        ],
        "projects": [
            (
                p.plan.year,
                p.plan.program.funding_level.code,
                p.code,
                p.name,
                p.content.code,
                p.is_cleaner_production,
                p.is_key,
                p.funding_level.code,
                p.support_form,
                p.implementing_unit,
                tuple(sorted(beneficiaries.get(p.pk, []))),
                p.planned_budget,
                p.approved_budget,
                p.counterpart_capital,
                p.status,
                p.status_reason,
                p.start_date,
                p.end_date,
                p.acceptance_date,
                p.settlement_date,
                p.output_quantity,
                p.output_unit,
                p.notes,
            )
            for p in Project.objects.select_related("plan__program__funding_level", "content", "funding_level")
        ],
        "disbursements": [
            (d.project.plan.year, d.project.code, d.date, d.amount, d.document_number)
            for d in Disbursement.objects.select_related("project__plan")
        ],
        "events": [
            (e.project.plan.year, e.project.code, e.kind, e.name, e.date, e.place, e.participants, e.sale_contracts, e.memoranda)
            for e in Event.objects.select_related("project__plan")
        ],
        "contracts": [
            (
                c.number,
                c.project.plan.year,
                c.project.code,
                ref[c.facility_id],
                c.signed_on,
                c.principal,
                c.disbursed_on,
                c.term_months,
                c.grace_months,
                c.instalment_count,
                c.state,
            )
            for c in LoanContract.objects.select_related("project__plan")
        ],
        "instalments": [
            (i.contract.number, i.schedule_version, i.number, i.due_date, i.principal_due)
            for i in Instalment.objects.select_related("contract")
        ],
        "repayments": [
            (r.contract.number, r.date, r.amount, r.receipt_number, r.reversal_of.receipt_number if r.reversal_of else None)
            for r in Repayment.objects.select_related("contract", "reversal_of")
        ],
        "lawsuits": [
            (
                s.contract.number,
                s.filed_on,
                s.court,
                s.case_number,
                s.status,
                s.judgment_date,
                s.judgment_number,
                s.amount_awarded,
                s.enforcement_notes,
                s.closed_on,
            )
            for s in Lawsuit.objects.select_related("contract")
        ],
        "nominations": [
            (
                n.product.name,
                ref[n.product.facility_id],
                n.level.code,
                n.year,
                n.recognised,
                n.certificate_number,
                n.certificate_date,
            )
            for n in ProductNomination.objects.select_related("product", "level")
        ],
        "results": [
            (
                r.project.plan.year,
                r.project.code,
                r.date,
                r.capacity,
                r.productivity_increase,
                r.revenue,
                r.new_markets,
                r.material_saved,
                r.energy_saved,
                r.jobs_created,
                r.capital_mobilised,
                r.note,
            )
            for r in ProjectResult.objects.select_related("project__plan")
        ],
    }
    return {name: sorted(rows, key=repr) for name, rows in data.items()}


def empty_database(*, keep_plans: bool = False) -> None:
    """Remove every record the workbook carries (the reference data of the migrations stays).

    ``keep_plans`` keeps the programmes and annual plans, which the workbook does not carry
    (their decisions are entered in the admin); without them the import makes five-year ones.
    """
    from django.db import connection

    from funding.models import Hearing, Recovery, Reschedule, WriteOff
    from projects.models import AnnualPlan, Product, Program

    Project.facilities.through.objects.all().delete()
    with connection.cursor() as cursor:  # repayments refuse ORM deletion, by design
        cursor.execute(f"DELETE FROM {Repayment._meta.db_table} WHERE reversal_of_id IS NOT NULL")
        cursor.execute(f"DELETE FROM {Repayment._meta.db_table}")
    for model in (
        Hearing,
        Recovery,
        WriteOff,
        Reschedule,
        Lawsuit,
        Instalment,
        LoanContract,
        Disbursement,
        Event,
        ProjectResult,
        ProductNomination,
        Product,
        Project,
        Facility,
    ):
        model.objects.all().delete()
    if not keep_plans:
        AnnualPlan.objects.all().delete()
        Program.objects.all().delete()


def sheet_names() -> list[str]:
    return [sheet.name for sheet in S.SHEETS]
