"""The sheets of the workbook and their columns, as shared/design/import-format.md names them.

A few columns follow the specification's list (marked ``extra``): fields the models keep that
the specification does not name, so that an exported workbook imports into another
installation without losing them. They are optional on import like every non-key column.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sheet:
    name: str
    title: str  # what the sheet holds, for the preview page
    keys: tuple[str, ...]  # ★: rows are matched on these; the columns must be present
    columns: tuple[str, ...]  # every column, keys included, in the template's order
    extra: tuple[str, ...] = ()
    money: tuple[str, ...] = ()  # columns of whole đồng, exported with grouped thousands
    # The column whose text starts with EXAMPLE_PREFIX in the template's example row: such a
    # row is skipped on import, with a note (a clerk who leaves the example in imports nothing of it).
    marker: str = ""

    @property
    def money_indexes(self) -> frozenset[int]:
        return frozenset(i for i, column in enumerate(self.all_columns) if column in self.money)

    @property
    def all_columns(self) -> tuple[str, ...]:
        return self.columns + self.extra


EXAMPLE_PREFIX = "VD-"


def is_example(sheet: Sheet, values: dict) -> bool:
    """Whether a row's ``values`` (column → raw cell) are the template's example row."""
    value = values.get(sheet.marker)
    return isinstance(value, str) and value.strip().upper().startswith(EXAMPLE_PREFIX)


# Column names shared by several sheets.
YEAR = "Năm"
# The former province of a record made before the merger of 1/7/2025 (Lâm Đồng, Đắk Nông,
# Bình Thuận); blank: the deployment's province of the record's year (projects.provinces).
FORMER_PROVINCE = "Tỉnh (trước 01/7/2025)"
PROJECT_CODE = "Mã đề án"
CONTRACT = "Số hợp đồng"
FACILITY = "Cơ sở"
COMMUNE = "Xã, phường"  # the facility's commune of the 2025 reform (Facility.commune)

FACILITIES = Sheet(
    "CoSo",
    "Cơ sở công nghiệp nông thôn",
    marker="Mã số thuế",
    keys=("Mã số thuế", "Tên cơ sở"),
    columns=(
        "Mã số thuế",
        "Tên cơ sở",
        "Loại hình",
        "Địa chỉ",
        "Đơn vị hành chính",
        "Ngành nghề",
        "Người đại diện",
        "Điện thoại",
        "Email",
    ),
    extra=(COMMUNE,),
)
PROJECTS = Sheet(
    "DeAn",
    "Đề án khuyến công",
    marker=PROJECT_CODE,
    keys=(YEAR, PROJECT_CODE),
    columns=(
        YEAR,
        PROJECT_CODE,
        "Tên đề án",
        "Nguồn",
        "Mã nội dung",
        "Hình thức",
        FACILITY,
        "Kinh phí kế hoạch",
        "Vốn đối ứng",
        "Số lượng",
        "Trạng thái",
        "Sản xuất sạch hơn",
        "Đề án điểm",
    ),
    extra=(
        "Kinh phí được duyệt",
        "Đơn vị thực hiện",
        "Lý do không thực hiện",
        "Ngày bắt đầu",
        "Ngày kết thúc",
        "Ngày nghiệm thu",
        "Ngày quyết toán",
        "Đơn vị tính",
        "Ghi chú",
        FORMER_PROVINCE,
    ),
    money=("Kinh phí kế hoạch", "Vốn đối ứng", "Kinh phí được duyệt"),
)
DISBURSEMENTS = Sheet(
    "GiaiNgan",
    "Giải ngân",
    marker=PROJECT_CODE,
    keys=(YEAR, PROJECT_CODE, "Số chứng từ"),
    columns=(YEAR, PROJECT_CODE, "Ngày", "Số tiền", "Số chứng từ"),
    extra=("Loại chi",),  # Thanh toán (blank) or Tạm ứng: Disbursement.kind
    money=("Số tiền",),
)
EVENTS = Sheet(
    "SuKien",
    "Hội nghị, hội chợ",
    marker=PROJECT_CODE,
    keys=(YEAR, PROJECT_CODE, "Tên sự kiện"),
    columns=(
        YEAR,
        PROJECT_CODE,
        "Tên sự kiện",
        "Ngày",
        "Địa điểm",
        "Lượt doanh nghiệp",
        "Hợp đồng mua bán",
        "Biên bản hợp tác",
    ),
    extra=("Loại sự kiện",),
)
CONTRACTS = Sheet(
    "HopDong",
    "Hợp đồng hỗ trợ có thu hồi",
    marker=CONTRACT,
    keys=(CONTRACT,),
    columns=(
        CONTRACT,
        YEAR,
        PROJECT_CODE,
        FACILITY,
        "Ngày ký",
        "Số tiền hỗ trợ",
        "Ngày giải ngân",
        "Thời hạn (tháng)",
        "Ân hạn (tháng)",
        "Số kỳ trả",
    ),
    extra=("Tình trạng",),
    money=("Số tiền hỗ trợ",),
)
INSTALMENTS = Sheet(
    "LichTra",
    "Lịch trả nợ",
    marker=CONTRACT,
    keys=(CONTRACT, "Kỳ"),
    columns=(CONTRACT, "Kỳ", "Ngày đến hạn", "Số tiền"),
    extra=("Phiên bản",),
    money=("Số tiền",),
)
REPAYMENTS = Sheet(
    "TraNo",
    "Trả nợ",
    marker=CONTRACT,
    keys=(CONTRACT, "Số biên lai"),
    columns=(CONTRACT, "Ngày trả", "Số tiền", "Số biên lai"),
    extra=("Đảo biên lai",),
    money=("Số tiền",),
)
LAWSUITS = Sheet(
    "KhoiKien",
    "Khởi kiện",
    marker=CONTRACT,
    keys=(CONTRACT, "Ngày khởi kiện"),
    columns=(CONTRACT, "Ngày khởi kiện", "Tòa án", "Số thụ lý", "Trạng thái", "Số tiền theo bản án"),
    extra=("Ngày bản án", "Số bản án", "Thi hành án", "Ngày kết thúc"),
    money=("Số tiền theo bản án",),
)
NOMINATIONS = Sheet(
    "BinhChon",
    "Bình chọn sản phẩm",
    marker=FACILITY,
    keys=("Tên sản phẩm", FACILITY, "Cấp", YEAR),
    columns=("Tên sản phẩm", FACILITY, "Cấp", YEAR, "Kết quả", "Số giấy chứng nhận"),
    extra=("Ngày cấp",),
)
RESULTS = Sheet(
    "KetQua",
    "Kết quả sau hỗ trợ",
    marker=PROJECT_CODE,
    keys=(YEAR, PROJECT_CODE, "Ngày theo dõi"),
    columns=(
        YEAR,
        PROJECT_CODE,
        "Ngày theo dõi",
        "Năng lực sản xuất",
        "Năng suất tăng (%)",
        "Doanh thu / giá trị gia tăng",
        "Thị trường mới",
        "Tiết kiệm nguyên liệu",
        "Tiết kiệm năng lượng",
        "Lao động mới",
        "Vốn huy động",
        "Ghi chú",
    ),
    money=("Doanh thu / giá trị gia tăng", "Vốn huy động"),
)

# The order of the template and of the import: every sheet after those it refers to.
SHEETS: tuple[Sheet, ...] = (
    FACILITIES,
    PROJECTS,
    DISBURSEMENTS,
    EVENTS,
    CONTRACTS,
    INSTALMENTS,
    REPAYMENTS,
    LAWSUITS,
    NOMINATIONS,
    RESULTS,
)
BY_NAME = {sheet.name: sheet for sheet in SHEETS}
# The template's own sheets (khuyencong.workbook.template): its instructions and the values of
# its drop-down lists. The import passes over them, so a filled-in template goes in as it is.
GUIDE, LISTS = "Hướng dẫn", "Danh mục"
TEMPLATE_ONLY = frozenset({GUIDE, LISTS})
