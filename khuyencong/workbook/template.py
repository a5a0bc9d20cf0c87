"""The blank workbook the portal hands the Centre: what a clerk needs to fill it without a manual.

- a first sheet "Hướng dẫn": what each sheet holds, the order to fill them, and for every column
  of every sheet (sheets.SHEETS, so a column added there is listed here) whether it is required,
  what it means and how to write it;
- each data sheet with its header, ONE example row in grey italics whose code starts with
  "VD-" (sheets.EXAMPLE_PREFIX: the importer skips it with a note, so leaving it in imports
  nothing), and a drop-down list on every coded column;
- a hidden sheet "Danh mục" holding the drop-downs' values, each list in a column, referenced
  by range.

The allowed values are read where the importer checks them: the models' choices (which
``importer._choice`` accepts), the reference tables (funding levels by ``importer.level_label``,
contents by code, award levels, administrative units by ``importer.unit_label``), the former
provinces of ``projects.provinces``; tests/test_workbook_template.py imports every value of
every list to hold the two together.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from openpyxl.utils import get_column_letter

from funding.models import Disbursement, Lawsuit, LoanContract
from khuyencong.core import excel
from khuyencong.core.validators import PHONE_MESSAGE, TAX_CODE_MESSAGE
from khuyencong.workbook import sheets as S
from khuyencong.workbook.importer import RESULT_LABELS, level_label, required_columns, unit_label
from projects import provinces
from projects.models import (
    ActivityContent,
    AdministrativeUnit,
    AwardLevel,
    Event,
    Facility,
    FundingLevel,
    Project,
    SupportForm,
)

GUIDE, LISTS = S.GUIDE, S.LISTS
FLAG = "x"


@dataclass(frozen=True)
class ValueList:
    """One drop-down's values: a column of the "Danh mục" sheet."""

    title: str
    values: Callable[[], list[str]]
    strict: bool = True  # other values refused as typed; else Excel only warns
    notes: Callable[[], list[str]] | None = None  # shown beside the values (a content's name)


def _labels(choices) -> Callable[[], list[str]]:
    return lambda: [str(label) for label in choices.labels]


def _units() -> list[str]:
    units = list(AdministrativeUnit.objects.select_related("parent").order_by("level", "name", "code"))
    names = Counter(unit.name.casefold() for unit in units)
    return list(dict.fromkeys(unit_label(unit, names[unit.name.casefold()]) for unit in units))


def _communes() -> list[str]:
    """The communes in force today (what a facility's Xã, phường may be: Facility.commune_refusal)."""
    today = Facility.unit_date()
    communes = [
        unit
        for unit in AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE).order_by("name", "code")
        if unit.is_valid_on(today)
    ]
    return list(dict.fromkeys(unit.name for unit in communes))


def _contents() -> list[ActivityContent]:
    return list(ActivityContent.objects.order_by("valid_from", "order", "code"))


def _content_notes() -> list[str]:
    notes = []
    for content in _contents():
        since = f" từ {content.valid_from:%d/%m/%Y}" if content.valid_from else ""
        until = f" đến {content.valid_to:%d/%m/%Y}" if content.valid_to else ""
        notes.append(f"{content.name} (áp dụng{since}{until})" if since or until else content.name)
    return notes


def _former_provinces() -> list[str]:
    """The provinces a DeAn row of before 1/7/2025 may name (projects.provinces.former_province)."""
    try:
        return [provinces.short_name(unit) for unit in provinces.former_provinces(2025)]
    except AdministrativeUnit.DoesNotExist:
        return []


def _award_levels() -> list[str]:
    return list(dict.fromkeys(AwardLevel.objects.order_by("order", "pk").values_list("name", flat=True)))


VALUE_LISTS: dict[str, ValueList] = {
    "facility_kind": ValueList("Loại hình cơ sở", _labels(Facility.Kind)),
    "unit": ValueList("Đơn vị hành chính", _units, strict=False),
    "commune": ValueList("Xã, phường (hiện nay)", _communes, strict=False),
    "level": ValueList("Nguồn kinh phí", lambda: [level_label(level) for level in FundingLevel.objects.order_by("order", "pk")]),
    "content": ValueList("Mã nội dung", lambda: [content.code for content in _contents()], notes=_content_notes),
    "form": ValueList("Hình thức hỗ trợ", _labels(SupportForm)),
    "status": ValueList("Trạng thái đề án", _labels(Project.Status)),
    "flag": ValueList("Đánh dấu", lambda: [FLAG]),
    "former": ValueList("Tỉnh trước 01/7/2025", _former_provinces),
    "disbursement_kind": ValueList("Loại chi", _labels(Disbursement.Kind)),
    "event_kind": ValueList("Loại sự kiện", _labels(Event.Kind)),
    "contract_state": ValueList("Tình trạng hợp đồng", _labels(LoanContract.State)),
    "lawsuit_status": ValueList("Trạng thái vụ kiện", _labels(Lawsuit.Status)),
    "award": ValueList("Cấp bình chọn", _award_levels),
    "result": ValueList("Kết quả bình chọn", lambda: list(RESULT_LABELS)),
}

# The coded columns: (sheet, column) → its list. Every column whose importer reads a closed
# set of values is here (tests/test_workbook_template.py).
CODED: dict[tuple[str, str], str] = {
    (S.FACILITIES.name, "Loại hình"): "facility_kind",
    (S.FACILITIES.name, "Đơn vị hành chính"): "unit",
    (S.FACILITIES.name, S.COMMUNE): "commune",
    (S.PROJECTS.name, "Nguồn"): "level",
    (S.PROJECTS.name, "Mã nội dung"): "content",
    (S.PROJECTS.name, "Hình thức"): "form",
    (S.PROJECTS.name, "Trạng thái"): "status",
    (S.PROJECTS.name, "Sản xuất sạch hơn"): "flag",
    (S.PROJECTS.name, "Đề án điểm"): "flag",
    (S.PROJECTS.name, S.FORMER_PROVINCE): "former",
    (S.DISBURSEMENTS.name, "Loại chi"): "disbursement_kind",
    (S.EVENTS.name, "Loại sự kiện"): "event_kind",
    (S.CONTRACTS.name, "Tình trạng"): "contract_state",
    (S.LAWSUITS.name, "Trạng thái"): "lawsuit_status",
    (S.NOMINATIONS.name, "Cấp"): "award",
    (S.NOMINATIONS.name, "Kết quả"): "result",
}

# What each sheet holds, in the order it is filled.
SHEET_GUIDE = {
    S.FACILITIES.name: "Các cơ sở công nghiệp nông thôn được hỗ trợ. Nhập trước: các sheet khác gọi cơ sở bằng mã số thuế "
    "(hoặc tên, khi cơ sở chưa có mã số thuế).",
    S.PROJECTS.name: "Các đề án khuyến công của kế hoạch năm. Nhập sau CoSo: cột “Cơ sở” ghi mã số thuế (hoặc tên) của "
    "cơ sở thụ hưởng.",
    S.DISBURSEMENTS.name: "Các lần giải ngân của đề án (đề án phải đã duyệt).",
    S.EVENTS.name: "Hội nghị, hội chợ, lớp tập huấn do đề án tổ chức.",
    S.CONTRACTS.name: "Hợp đồng hỗ trợ có thu hồi kinh phí của đề án hình thức “Có thu hồi”.",
    S.INSTALMENTS.name: "Lịch trả nợ của hợp đồng. Để trống: cổng tự lập lịch trả đều theo hợp đồng.",
    S.REPAYMENTS.name: "Các khoản cơ sở trả nợ theo biên lai. Khoản đã ghi không sửa được: ghi sai thì lập bút toán đảo.",
    S.LAWSUITS.name: "Các vụ khởi kiện đòi nợ.",
    S.NOMINATIONS.name: "Sản phẩm công nghiệp nông thôn tiêu biểu được bình chọn.",
    S.RESULTS.name: "Kết quả theo dõi sau hỗ trợ của đề án đã hoàn thành.",
}

# What a column means and how it is written, by column name (a name shared by several sheets
# means the same in each), or by (sheet, column) where it differs. Keys, required columns,
# amounts, dates and the drop-down lists are said from sheets.py, the importer's checks and
# CODED, not here.
COLUMN_GUIDE: dict[str | tuple[str, str], str] = {
    S.YEAR: "Năm kế hoạch của đề án, 4 chữ số (2025).",
    S.PROJECT_CODE: "Mã đề án trong kế hoạch năm (ví dụ DP-01); cùng năm và mã thì là cùng một đề án.",
    S.CONTRACT: "Số hợp đồng hỗ trợ có thu hồi, ghi đúng như trên hợp đồng.",
    S.FACILITY: "Mã số thuế của cơ sở (hoặc tên cơ sở khi chưa có mã số thuế), như ở sheet CoSo hoặc đã có trên cổng.",
    (S.PROJECTS.name, S.FACILITY): "Các cơ sở thụ hưởng: mã số thuế (hoặc tên), nhiều cơ sở cách nhau bằng dấu chấm phẩy “;”.",
    S.COMMUNE: "Xã, phường hiện nay (sau sắp xếp 01/7/2025) nơi cơ sở hoạt động.",
    S.FORMER_PROVINCE: "Chỉ với đề án trước 01/7/2025 của tỉnh cũ đã hợp nhất (ví dụ Đắk Nông); để trống với đề án "
    "của tỉnh hiện nay.",
    "Mã số thuế": f"{TAX_CODE_MESSAGE} Để trống với hộ chưa có mã.",
    "Tên cơ sở": "Tên đầy đủ của cơ sở.",
    "Loại hình": "Doanh nghiệp, hợp tác xã, tổ hợp tác hay hộ kinh doanh. Để trống: Doanh nghiệp.",
    "Địa chỉ": "Địa chỉ của cơ sở.",
    "Đơn vị hành chính": "Huyện, xã nơi cơ sở hoạt động (danh mục đơn vị hành chính); tên trùng nhau thì ghi thêm đơn vị cấp "
    "trên sau dấu phẩy.",
    "Ngành nghề": "Ngành nghề sản xuất (ví dụ Chế biến chè).",
    "Người đại diện": "Họ tên người đại diện theo pháp luật.",
    "Điện thoại": f"Số điện thoại liên hệ. {PHONE_MESSAGE}",
    "Email": "Thư điện tử liên hệ.",
    "Tên đề án": "Tên đề án như trong quyết định phê duyệt.",
    "Nguồn": "Nguồn kinh phí: khuyến công quốc gia hay địa phương.",
    "Mã nội dung": "Mã nội dung hoạt động khuyến công (xem tên nội dung bên cạnh mã ở sheet “Danh mục”); phải còn hiệu lực "
    "trong năm của đề án.",
    "Hình thức": "Hình thức hỗ trợ: không thu hồi, có thu hồi kinh phí, hay gián tiếp.",
    "Kinh phí kế hoạch": "Kinh phí khuyến công dự kiến hỗ trợ.",
    "Vốn đối ứng": "Vốn của cơ sở đối ứng.",
    "Số lượng": "Số lượng sản phẩm của đề án (máy, lớp, hội chợ…), số nguyên. Để trống: 1.",
    (S.PROJECTS.name, "Trạng thái"): "Trạng thái của đề án. Để trống: Đề xuất. Chỉ chuyên viên Sở Công Thương được nhập đề án "
    "đã duyệt, đang thực hiện hay hoàn thành.",
    "Sản xuất sạch hơn": "Ghi “x” nếu đề án áp dụng sản xuất sạch hơn; để trống nếu không.",
    "Đề án điểm": "Ghi “x” nếu là đề án điểm; để trống nếu không.",
    "Kinh phí được duyệt": "Kinh phí được phê duyệt (chỉ chuyên viên Sở Công Thương nhập).",
    "Đơn vị thực hiện": "Đơn vị chủ trì thực hiện đề án.",
    "Lý do không thực hiện": "Lý do, khi đề án đã hủy hoặc không thực hiện.",
    "Ngày bắt đầu": "Ngày bắt đầu thực hiện.",
    "Ngày kết thúc": "Ngày kết thúc thực hiện, không trước ngày bắt đầu.",
    "Ngày nghiệm thu": "Ngày nghiệm thu đề án.",
    "Ngày quyết toán": "Ngày quyết toán đề án.",
    "Đơn vị tính": "Đơn vị tính của số lượng (máy, lớp…).",
    "Ghi chú": "Ghi chú tự do.",
    (S.DISBURSEMENTS.name, "Ngày"): "Ngày giải ngân, không sau hôm nay.",
    (S.DISBURSEMENTS.name, "Số tiền"): "Số tiền giải ngân, lớn hơn 0; tổng giải ngân không vượt kinh phí được duyệt.",
    "Số chứng từ": "Số chứng từ (ủy nhiệm chi…) của lần giải ngân; mỗi đề án không trùng số.",
    "Tên sự kiện": "Tên hội nghị, hội chợ, lớp tập huấn.",
    (S.EVENTS.name, "Ngày"): "Ngày tổ chức.",
    "Địa điểm": "Nơi tổ chức.",
    "Lượt doanh nghiệp": "Số lượt doanh nghiệp, cơ sở tham gia (số nguyên).",
    "Hợp đồng mua bán": "Số hợp đồng mua bán được ký (số nguyên).",
    "Biên bản hợp tác": "Số biên bản ghi nhớ, hợp tác được ký (số nguyên).",
    "Loại sự kiện": "Loại sự kiện. Để trống: theo nội dung của đề án.",
    "Loại chi": "Thanh toán, hoặc Tạm ứng cho khoản ứng trước sẽ được quyết toán sau. Để trống: Thanh toán.",
    "Ngày ký": "Ngày ký hợp đồng, không sau hôm nay.",
    "Số tiền hỗ trợ": "Số tiền hỗ trợ có thu hồi (tiền gốc), lớn hơn 0.",
    "Ngày giải ngân": "Ngày giải ngân hợp đồng, không trước ngày ký; để trống nếu chưa giải ngân.",
    "Thời hạn (tháng)": "Thời hạn hợp đồng, số tháng.",
    "Ân hạn (tháng)": "Thời gian ân hạn, số tháng, ngắn hơn thời hạn. Để trống: 0.",
    "Số kỳ trả": "Số kỳ trả nợ.",
    "Tình trạng": "Tình trạng hợp đồng. Để trống: cổng tự xác định theo giải ngân, trả nợ và khởi kiện.",
    "Kỳ": "Số thứ tự kỳ trả (1, 2, 3…).",
    "Ngày đến hạn": "Ngày đến hạn của kỳ.",
    (S.INSTALMENTS.name, "Số tiền"): "Số tiền gốc phải trả trong kỳ; các kỳ cộng lại bằng số tiền hỗ trợ của hợp đồng.",
    "Phiên bản": "Phiên bản lịch trả (1 là lịch ban đầu; lịch điều chỉnh là 2, 3…). Để trống: 1.",
    "Ngày trả": "Ngày cơ sở trả nợ, không sau hôm nay và không trước ngày giải ngân.",
    (S.REPAYMENTS.name, "Số tiền"): "Số tiền trả, lớn hơn 0, không vượt số còn nợ.",
    "Số biên lai": "Số biên lai thu; mỗi hợp đồng không trùng số.",
    "Đảo biên lai": "Chỉ với bút toán đảo: số biên lai bị đảo (cùng số tiền).",
    "Ngày khởi kiện": "Ngày nộp đơn khởi kiện.",
    "Tòa án": "Tòa án thụ lý.",
    "Số thụ lý": "Số thụ lý của tòa án.",
    (S.LAWSUITS.name, "Trạng thái"): "Trạng thái vụ kiện. Để trống: Đang giải quyết.",
    "Số tiền theo bản án": "Số tiền cơ sở phải trả theo bản án.",
    "Ngày bản án": "Ngày tuyên bản án.",
    "Số bản án": "Số bản án.",
    "Thi hành án": "Ghi chú về thi hành án.",
    (S.LAWSUITS.name, "Ngày kết thúc"): "Ngày vụ kiện kết thúc, không trước ngày khởi kiện.",
    "Tên sản phẩm": "Tên sản phẩm được bình chọn.",
    "Cấp": "Cấp bình chọn (phải còn áp dụng trong năm bình chọn).",
    (S.NOMINATIONS.name, S.YEAR): "Năm bình chọn, 4 chữ số.",
    "Kết quả": "Công nhận hay không công nhận.",
    "Số giấy chứng nhận": "Số giấy chứng nhận sản phẩm tiêu biểu.",
    "Ngày cấp": "Ngày cấp giấy chứng nhận.",
    "Ngày theo dõi": "Ngày ghi nhận kết quả sau hỗ trợ; đề án phải đã hoàn thành.",
    "Năng lực sản xuất": "Năng lực sản xuất sau hỗ trợ (mô tả).",
    "Năng suất tăng (%)": "Năng suất tăng, phần trăm (ví dụ 12,5).",
    "Doanh thu / giá trị gia tăng": "Doanh thu hoặc giá trị tăng thêm.",
    "Thị trường mới": "Thị trường mới mở được (mô tả).",
    "Tiết kiệm nguyên liệu": "Nguyên liệu tiết kiệm được (mô tả).",
    "Tiết kiệm năng lượng": "Năng lượng tiết kiệm được (mô tả).",
    "Lao động mới": "Số lao động mới có việc làm (số nguyên).",
    "Vốn huy động": "Vốn huy động thêm.",
}


def column_guide(sheet: S.Sheet, column: str) -> str:
    """The column's meaning in words, then its rules said from the sheet's spec."""
    words = [COLUMN_GUIDE.get((sheet.name, column)) or COLUMN_GUIDE.get(column, "")]
    if column in sheet.money:
        words.append("Số tiền bằng đồng, số nguyên (1836337000 hoặc 1.836.337.000).")
    elif column.startswith("Ngày"):
        words.append("Ngày ghi dd/mm/yyyy.")
    list_key = CODED.get((sheet.name, column))
    if list_key:
        value_list = VALUE_LISTS[list_key]
        if value_list.strict:
            words.append("Chọn trong danh sách thả xuống.")
        else:
            words.append("Chọn trong danh sách thả xuống (có thể ghi mã đơn vị).")
    return " ".join(word for word in words if word)


def required(sheet: S.Sheet, column: str, demanded: set[tuple[str, str]]) -> str:
    """ "★ khóa" for a key column (sheets.py), "bắt buộc" for one the import refuses empty
    (importer.required_columns, read from the import's own checks)."""
    words = ["★ khóa"] if column in sheet.keys else []
    if (sheet.name, column) in demanded:
        words.append("bắt buộc")
    return ", ".join(words)


def guide_rows() -> Iterator[list[Any]]:
    yield [
        excel.Column("Sheet", excel.TEXT, width=12),
        excel.Column("Cột", excel.TEXT, width=28),
        excel.Column("Khóa, bắt buộc", excel.TEXT, width=16),
        excel.Column("Ý nghĩa, cách ghi", excel.TEXT, width=95, wrap=True),
    ]
    order = " → ".join(sheet.name for sheet in S.SHEETS)
    for text in (
        f"Điền các sheet theo thứ tự {order}: mỗi sheet chỉ gọi đến dữ liệu của các sheet trước nó "
        "(hoặc dữ liệu đã có trên cổng). Sheet nào không dùng thì để trống hoặc xóa.",
        "Mỗi dòng là một bản ghi; cột “bắt buộc” không được để trống; các cột ★ là khóa: dòng có khóa trùng với "
        "bản ghi đã có thì cập nhật bản ghi đó, không thì thêm mới. Nhập lại cùng một tệp không tạo bản ghi trùng.",
        f"Dòng thứ 2 của mỗi sheet (chữ nghiêng, màu xám, mã bắt đầu bằng “{S.EXAMPLE_PREFIX}”) là dòng ví dụ: "
        "hãy ghi đè hoặc xóa; nếu để lại, cổng bỏ qua dòng đó khi nhập và báo lại.",
        "Cột có danh sách thả xuống: chọn giá trị trong danh sách. Số tiền ghi bằng đồng, số nguyên; ngày ghi dd/mm/yyyy; "
        "ô đánh dấu ghi “x” hoặc để trống.",
        "Khi tải lên, cổng kiểm tra toàn bộ tệp trước và liệt kê mọi dòng sai; chỉ tệp không có dòng sai mới được xác nhận "
        "nhập, và cả tệp được nhập một lần.",
    ):
        yield ["Chung", "", "", text]
    demanded = required_columns()
    for sheet in S.SHEETS:
        yield excel.Bold([sheet.name, sheet.title, "", SHEET_GUIDE.get(sheet.name, "")])
        for column in sheet.all_columns:
            yield [sheet.name, column, required(sheet, column, demanded), column_guide(sheet, column)]


@dataclass
class _Lists:
    """The "Danh mục" sheet's columns, in the order of VALUE_LISTS, and the range of each."""

    columns: list[tuple[str, list[str]]]  # title, values
    ranges: dict[str, str]


def _lists() -> _Lists:
    columns: list[tuple[str, list[str]]] = []
    ranges: dict[str, str] = {}
    for key, value_list in VALUE_LISTS.items():
        values = value_list.values()
        if not values:
            continue
        letter = get_column_letter(len(columns) + 1)
        ranges[key] = f"'{LISTS}'!${letter}$2:${letter}${len(values) + 1}"
        columns.append((value_list.title, values))
        if value_list.notes is not None:
            columns.append((f"{value_list.title} — tên", value_list.notes()))
    return _Lists(columns, ranges)


def list_rows(lists: _Lists) -> Iterator[list[Any]]:
    yield [excel.Column(title, excel.TEXT) for title, _ in lists.columns]
    height = max((len(values) for _, values in lists.columns), default=0)
    for index in range(height):
        yield [values[index] if index < len(values) else "" for _, values in lists.columns]


def example_values() -> dict[str, dict[str, Any]]:
    """One example row per sheet, its code starting with EXAMPLE_PREFIX, its coded cells from
    the lists (so it shows what a correct row looks like)."""
    year = timezone.localdate().year
    day = datetime.date(year, 1, 15)
    first = {key: (value_list.values() or [""])[0] for key, value_list in VALUE_LISTS.items() if key != "unit"}
    contents = [c.code for c in ActivityContent.objects.valid_in_year(year).filter(children__isnull=True).order_by("order")]
    tax, project, contract = f"{S.EXAMPLE_PREFIX}5800000001", f"{S.EXAMPLE_PREFIX}01", f"{S.EXAMPLE_PREFIX}HĐ-01"
    return {
        S.FACILITIES.name: {
            "Mã số thuế": tax, "Tên cơ sở": "Công ty TNHH Ví dụ (dòng ví dụ, hãy xóa)", "Loại hình": first["facility_kind"],
            "Địa chỉ": "Số 1 đường Ví dụ", "Ngành nghề": "Chế biến chè", "Người đại diện": "Nguyễn Văn A",
            "Điện thoại": "0263 3 123 456", "Email": "vidu@example.vn", S.COMMUNE: first["commune"],
        },
        S.PROJECTS.name: {
            S.YEAR: year, S.PROJECT_CODE: project, "Tên đề án": "Hỗ trợ máy sấy chè (dòng ví dụ, hãy xóa)",
            "Nguồn": first["level"], "Mã nội dung": contents[0] if contents else first["content"],
            "Hình thức": SupportForm.NON_RECOVERABLE.label, S.FACILITY: tax, "Kinh phí kế hoạch": 300_000_000,
            "Vốn đối ứng": 700_000_000, "Số lượng": 1, "Trạng thái": Project.Status.PROPOSED.label,
            "Sản xuất sạch hơn": FLAG, "Đơn vị tính": "máy",
        },
        S.DISBURSEMENTS.name: {S.YEAR: year, S.PROJECT_CODE: project, "Ngày": day, "Số tiền": 100_000_000,
                               "Số chứng từ": "UNC-01", "Loại chi": Disbursement.Kind.PAYMENT.label},
        S.EVENTS.name: {
            S.YEAR: year, S.PROJECT_CODE: project, "Tên sự kiện": "Hội nghị kết nối cung cầu (ví dụ)", "Ngày": day,
            "Địa điểm": "Đà Lạt", "Lượt doanh nghiệp": 50, "Hợp đồng mua bán": 3, "Biên bản hợp tác": 2,
            "Loại sự kiện": Event.Kind.CONFERENCE.label,
        },
        S.CONTRACTS.name: {
            S.CONTRACT: contract, S.YEAR: year, S.PROJECT_CODE: project, S.FACILITY: tax, "Ngày ký": day,
            "Số tiền hỗ trợ": 240_000_000, "Ngày giải ngân": day, "Thời hạn (tháng)": 36, "Ân hạn (tháng)": 6, "Số kỳ trả": 6,
        },
        S.INSTALMENTS.name: {S.CONTRACT: contract, "Kỳ": 1, "Ngày đến hạn": datetime.date(year, 7, 15), "Số tiền": 40_000_000,
                             "Phiên bản": 1},
        S.REPAYMENTS.name: {S.CONTRACT: contract, "Ngày trả": datetime.date(year, 7, 15), "Số tiền": 40_000_000,
                            "Số biên lai": "BL-01"},
        S.LAWSUITS.name: {S.CONTRACT: contract, "Ngày khởi kiện": day, "Tòa án": "Tòa án nhân dân khu vực (ví dụ)",
                          "Số thụ lý": "01/TLST", "Trạng thái": Lawsuit.Status.PENDING.label},
        S.NOMINATIONS.name: {"Tên sản phẩm": "Chè ô long (ví dụ)", S.FACILITY: tax, "Cấp": first["award"], S.YEAR: year,
                             "Kết quả": RESULT_LABELS[0], "Số giấy chứng nhận": "GCN-01", "Ngày cấp": day},
        S.RESULTS.name: {S.YEAR: year, S.PROJECT_CODE: project, "Ngày theo dõi": day, "Năng suất tăng (%)": 12.5,
                         "Lao động mới": 5, "Ghi chú": "Dòng ví dụ, hãy xóa"},
    }  # fmt: skip


def _sheet(sheet: S.Sheet, example: dict[str, Any], ranges: dict[str, str]) -> excel.Sheet:
    columns = sheet.all_columns
    header = [excel.Column(title, excel.MONEY if title in sheet.money else excel.PLAIN) for title in columns]
    choices = []
    for index, column in enumerate(columns, start=1):
        key = CODED.get((sheet.name, column))
        if key and key in ranges:
            value_list = VALUE_LISTS[key]
            choices.append(excel.Choices(index, ranges[key], prompt=value_list.title, strict=value_list.strict))
    row = excel.Example(example.get(column, "") for column in columns)
    return excel.Sheet(sheet.name, iter([header, row]), choices=choices)


def template_workbook() -> bytes:
    """The blank workbook: instructions, every sheet with its example row and drop-downs, the lists."""
    lists = _lists()
    examples = example_values()
    return excel.xlsx_bytes(
        [
            excel.Sheet(GUIDE, guide_rows(), heading="Hướng dẫn nhập bảng tính khuyến công", orientation="landscape"),
            *(_sheet(sheet, examples[sheet.name], lists.ranges) for sheet in S.SHEETS),
            excel.Sheet(LISTS, list_rows(lists), hidden=True),
        ]
    )
