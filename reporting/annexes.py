"""The report's Excel annexes: four sheets from one ReportFigures, no query of their own.

Each sheet is a generator that yields a header row of ``Column`` (title, kind, width) and then
plain rows of values, as pretix's ``ListExporter.iterate_list`` does; khuyencong.core.excel, the
portal's one Excel writer, turns them into cells. The kind of a column decides the cell: money
and counts are numbers shown "#,##0", rates numbers shown "0.0%", dates dates shown dd/mm/yyyy,
and every text is stored as text, so a name typed as "=HYPERLINK(…)" stays a name and never
becomes a formula.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from khuyencong.core.excel import COUNT, DATE, FLAG, MONEY, RATE, TEXT, YEAR, Column, Sheet, xlsx_bytes
from khuyencong.core.formatting import date_short
from projects.models import Project, SupportForm
from reporting.figures import ReportFigures, YearFigures

Row = Sequence[object]
AnnexSheet = Iterator[Sequence[Column] | Row]


def rate_value(done: int, planned: int) -> float | None:
    """A rate as a number for a "0.0%" cell, rounded as the document rounds it
    (khuyencong.core.formatting.rate): below 100% never shows 100,0%, above 0 never 0,0%."""
    if planned <= 0:
        return None
    if done == planned:
        return 1.0
    if done == 0:
        return 0.0
    tenths = (2000 * done + planned) // (2 * planned)
    if done < planned:
        tenths = min(tenths, 999)
    return max(tenths, 1) / 1000


# --- The sheets ------------------------------------------------------------------------------


def year_sheet(figures: ReportFigures) -> AnnexSheet:
    """Footnote 1 (F25–F29): each year's đề án and money, done against planned, by level."""
    yield [
        Column("Năm", YEAR, 8),
        Column("Đề án hoàn thành", COUNT, 11),
        Column("Đề án kế hoạch", COUNT, 11),
        Column("Tỷ lệ đề án", RATE, 10),
        Column("Kinh phí thực hiện (đồng)", MONEY, 18),
        Column("Kinh phí kế hoạch (đồng)", MONEY, 18),
        Column("Tỷ lệ kinh phí", RATE, 10),
        Column("KC địa phương: đề án hoàn thành", COUNT, 14),
        Column("KC địa phương: đề án kế hoạch", COUNT, 14),
        Column("KC địa phương: kinh phí thực hiện (đồng)", MONEY, 20),
        Column("KC địa phương: kinh phí kế hoạch (đồng)", MONEY, 20),
        Column("KC quốc gia: đề án hoàn thành", COUNT, 14),
        Column("KC quốc gia: đề án kế hoạch", COUNT, 14),
        Column("KC quốc gia: kinh phí thực hiện (đồng)", MONEY, 20),
        Column("KC quốc gia: kinh phí kế hoạch (đồng)", MONEY, 20),
    ]

    def line(label, y: YearFigures | dict) -> list:
        get = (lambda name: getattr(y, name)) if isinstance(y, YearFigures) else y.__getitem__
        return [
            label,
            get("done"),
            get("planned"),
            rate_value(get("done"), get("planned")),
            get("executed"),
            get("planned_money"),
            rate_value(get("executed"), get("planned_money")),
            get("local_done"),
            get("local_planned"),
            get("local_executed"),
            get("local_planned_money"),
            get("national_done"),
            get("national_planned"),
            get("national_executed"),
            get("national_planned_money"),
        ]

    names = [
        "done", "planned", "executed", "planned_money",
        "local_done", "local_planned", "local_executed", "local_planned_money",
        "national_done", "national_planned", "national_executed", "national_planned_money",
    ]  # fmt: skip
    for y in figures.years:
        yield line(y.year, y)
    if len(figures.years) > 1:
        yield line("Cộng", {name: sum(getattr(y, name) for y in figures.years) for name in names})


def content_sheet(figures: ReportFigures) -> AnnexSheet:
    """The completed đề án of the period by activity content."""
    yield [
        Column("Nhóm", TEXT, 7),
        Column("Mã", TEXT, 8),
        Column("Nội dung hoạt động", TEXT, 55),
        Column("Số đề án", COUNT, 10),
        Column("Lượt cơ sở được hỗ trợ", COUNT, 12),
        Column("Số cơ sở (không trùng)", COUNT, 12),
        Column("Kinh phí thực hiện (đồng)", MONEY, 18),
        Column("KC địa phương (đồng)", MONEY, 18),
        Column("KC quốc gia (đồng)", MONEY, 18),
    ]
    for c in figures.contents:
        yield [c.group, c.code, c.name, c.projects, c.supports, c.facilities, c.money, c.local_money, c.national_money]
    yield [
        "", "", "Cộng", sum(c.projects for c in figures.contents), sum(c.supports for c in figures.contents), None,
        sum(c.money for c in figures.contents), sum(c.local_money for c in figures.contents),
        sum(c.national_money for c in figures.contents),
    ]  # fmt: skip


def _label(choices, code: str) -> str:
    try:
        return choices(code).label
    except ValueError:
        return code


def project_sheet(figures: ReportFigures) -> AnnexSheet:
    """Every đề án of the period's annual plans (only proposed ones are not in a plan)."""
    yield [
        Column("Năm", YEAR, 7),
        Column("Mã đề án", TEXT, 12),
        Column("Tên đề án", TEXT, 50),
        Column("Nội dung", TEXT, 30),
        Column("Nguồn kinh phí", TEXT, 22),
        Column("Hình thức hỗ trợ", TEXT, 14),
        Column("Trạng thái", TEXT, 14),
        Column("Cơ sở thụ hưởng", TEXT, 40),
        Column("Kinh phí kế hoạch (đồng)", MONEY, 18),
        Column("Kinh phí thực hiện (đồng)", MONEY, 18),
        Column("Vốn đối ứng (đồng)", MONEY, 18),
    ]
    for p in figures.project_lines:
        yield [
            p.year, p.code, p.name, p.content_name, p.level_name, _label(SupportForm, p.form),
            _label(Project.Status, p.status), "; ".join(p.facilities), p.planned_budget, p.executed, p.counterpart,
        ]  # fmt: skip


def contract_sheet(figures: ReportFigures) -> AnnexSheet:
    """The recoverable contracts of the period, their debt as of the report date (funding.loans)."""
    as_of = date_short(figures.report_date)
    yield [
        Column("Số hợp đồng", TEXT, 16),
        Column("Cơ sở", TEXT, 40),
        Column("Ngày ký", DATE, 12),
        Column("Số tiền hỗ trợ (đồng)", MONEY, 16),
        Column(f"Đã hoàn trả đến {as_of} (đồng)", MONEY, 18),
        Column(f"Dư nợ đến {as_of} (đồng)", MONEY, 18),
        Column("Nợ quá hạn (đồng)", MONEY, 16),
        Column("Số ngày quá hạn", COUNT, 10),
        Column("Đang khởi kiện", FLAG, 10),
    ]
    for c in figures.contracts:
        yield [
            c.number, c.facility, c.signed_on, c.principal, c.repaid, c.outstanding, c.overdue, c.days_past_due,
            c.in_litigation,
        ]  # fmt: skip


SHEETS: tuple[tuple[str, Callable[[ReportFigures], AnnexSheet]], ...] = (
    ("Theo năm", year_sheet),
    ("Theo nội dung", content_sheet),
    ("Danh sách đề án", project_sheet),
    ("Hợp đồng thu hồi", contract_sheet),
)


def annex_workbook(figures: ReportFigures) -> bytes:
    """The four annexes of the report as one .xlsx."""
    return xlsx_bytes(Sheet(title, sheet(figures), auto_filter=True) for title, sheet in SHEETS)
