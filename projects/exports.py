"""The đề án, facility, event, nomination and programme lists as spreadsheet rows. Each
generator yields its header of ``Column``s and then its rows, in the order the screen's
queryset has them; khuyencong.core.excel.list_sheet numbers them, adds them up and sets the
sheet up for printing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from khuyencong.core.excel import COUNT, DATE, MONEY, TEXT, YEAR, Column
from projects.models import AnnualPlan, Event, Facility, ProductNomination, Program, Project


def projects_sheet(projects: Iterable[Project]) -> Iterator[list]:
    """The đề án list: one row per đề án, its facilities by name."""
    yield [
        Column("Năm", YEAR, 8), Column("Mã đề án", TEXT, 12), Column("Tên đề án", TEXT, 50), Column("Nội dung", TEXT, 10),
        Column("Nguồn kinh phí", TEXT, 18), Column("Hình thức hỗ trợ", TEXT, 18), Column("Cơ sở thụ hưởng", TEXT, 40),
        Column("Trạng thái", TEXT, 14), Column("Kinh phí kế hoạch (đồng)", MONEY, 18),
        Column("Đã giải ngân (đồng)", MONEY, 18),
    ]  # fmt: skip
    for p in projects:
        yield [
            p.plan.year, p.code, p.name, p.content.code, p.funding_level.name, p.get_support_form_display(),
            "; ".join(f.name for f in p.facilities.all()), p.get_status_display(), p.planned_budget, p.executed,
        ]  # fmt: skip


def facilities_sheet(facilities: Iterable[Facility]) -> Iterator[list]:
    """The facility register."""
    yield [
        Column("Tên cơ sở", TEXT, 40), Column("Loại hình", TEXT, 16), Column("Mã số thuế", TEXT, 14),
        Column("Địa chỉ", TEXT, 40), Column("Xã, phường", TEXT, 20), Column("Địa bàn trước 7/2025", TEXT, 20),
        Column("Người đại diện", TEXT, 20), Column("Số lượt hỗ trợ", COUNT, 10, total=True),
    ]  # fmt: skip
    for f in facilities:
        former = str(f.administrative_unit) if f.administrative_unit and f.administrative_unit.valid_to else ""
        yield [
            f.name, f.get_kind_display(), f.tax_code, f.address, str(f.commune or ""), former, f.representative,
            f.supports,
        ]  # fmt: skip


def events_sheet(events: Iterable[Event]) -> Iterator[list]:
    """The events (hội nghị, hội chợ…) with what came of them."""
    yield [
        Column("Ngày", DATE, 12), Column("Sự kiện", TEXT, 40), Column("Loại", TEXT, 16), Column("Mã đề án", TEXT, 12),
        Column("Năm", YEAR, 8), Column("Địa điểm", TEXT, 24), Column("Lượt doanh nghiệp", COUNT, 12, total=True),
        Column("Hợp đồng mua bán", COUNT, 12, total=True), Column("Biên bản hợp tác", COUNT, 12, total=True),
    ]  # fmt: skip
    for e in events:
        yield [
            e.date, e.name, e.get_kind_display(), e.project.code, e.project.plan.year, e.place, e.participants,
            e.sale_contracts, e.memoranda,
        ]  # fmt: skip


def nominations_sheet(nominations: Iterable[ProductNomination]) -> Iterator[list]:
    """The product nominations (bình chọn sản phẩm công nghiệp nông thôn tiêu biểu)."""
    yield [
        Column("Năm", YEAR, 8), Column("Sản phẩm", TEXT, 36), Column("Cơ sở", TEXT, 36), Column("Cấp", TEXT, 14),
        Column("Kết quả", TEXT, 18), Column("Số giấy chứng nhận", TEXT, 16), Column("Ngày cấp", DATE, 12),
    ]  # fmt: skip
    for n in nominations:
        yield [
            n.year, n.product.name, n.product.facility.name, n.level.name,
            "Được công nhận" if n.recognised else "Không được công nhận", n.certificate_number, n.certificate_date,
        ]  # fmt: skip


def programs_sheet(programs: Iterable[Program]) -> Iterator[list]:
    """The programmes, one row per annual plan (``plan.executed`` set by the view)."""
    yield [
        Column("Chương trình", TEXT, 40), Column("Nguồn kinh phí", TEXT, 18), Column("Năm", YEAR, 8),
        Column("Đề án kế hoạch", COUNT, 10, total=True), Column("Đề án hoàn thành", COUNT, 10, total=True),
        Column("Kinh phí kế hoạch (đồng)", MONEY, 18), Column("Đã giải ngân (đồng)", MONEY, 18),
    ]  # fmt: skip
    for program in programs:
        plan: AnnualPlan
        for plan in program.plans.all():
            yield [str(program), program.funding_level.name, plan.year, plan.planned, plan.done, plan.planned_money,
                   plan.executed]  # fmt: skip
