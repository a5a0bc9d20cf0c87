"""The report's annexes (Phụ lục I–V) as data, from one ReportFigures and no query of their own.

Each annex is a title, its columns and its rows (items, group headings, subtotals, the total);
the document's template (templates/reporting/_annexes.html) prints them after the signature,
the Word file takes them from that HTML, and ``annex_workbook`` writes the same rows, one sheet
an annex, through khuyencong.core.excel, the portal's one Excel writer. Money is whole đồng:
the tables print it exactly ("1.836.337.000") so that a reader can add it up; the kind of a
column decides how a value prints (``display``) and what cell it becomes in Excel.

The totals are the body's figures: annex I's year subtotals are footnote 1's planned đề án and
money, annex II is footnote 1, annex III adds up to F02, annex IV to F10's recognitions and
annex V's sued facilities to F19 (tests/test_annexes.py holds them to it).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from html import escape  # what django.utils.html.escape calls, without its lazy-string wrapper
from itertools import groupby

from funding.models import Lawsuit
from khuyencong.core import formatting
from khuyencong.core.excel import COUNT, DATE, MONEY, RATE, TEXT, YEAR, Bold, Column, Sheet, xlsx_bytes
from projects.models import FundingLevel, Project, SupportForm
from reporting.figures import ContentTotals, ContractLine, ProjectLine, ReportFigures, YearFigures

LEVEL_SHORT = {FundingLevel.LOCAL: "KCĐP", FundingLevel.NATIONAL: "KCQG"}
MONEY_UNIT = "Đơn vị tính: đồng"


@dataclass(frozen=True)
class Rate:
    """A rate of achievement cell: printed as the document prints rates (formatting.rate)."""

    done: int
    planned: int


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


@dataclass(frozen=True)
class AnnexColumn:
    """A column: its title, the kind of its values (khuyencong.core.excel's kinds), its width
    (characters in Excel, a share of the table on paper) and the heading it shares with its
    neighbours, if any ("Kinh phí (đồng)" over "Kế hoạch" and "Thực hiện")."""

    title: str
    kind: str
    width: float
    group: str = ""

    @property
    def numeric(self) -> bool:
        return self.kind in (MONEY, COUNT, RATE)


class RowKind:
    ITEM = "item"
    GROUP = "group"  # a heading row over the items that follow (with their sums, when it has any)
    SUBTOTAL = "subtotal"
    TOTAL = "total"


@dataclass(frozen=True)
class AnnexRow:
    """One row: a value per column. A group, subtotal or total row prints its label (the first
    value) across the first ``label_span`` columns."""

    values: tuple
    kind: str = RowKind.ITEM
    label_span: int = 1

    @property
    def emphasised(self) -> bool:
        return self.kind != RowKind.ITEM


@dataclass(frozen=True)
class Annex:
    number: str  # "I"
    title: str
    columns: tuple[AnnexColumn, ...]
    rows: tuple[AnnexRow, ...]
    landscape: bool = False
    unit: str = MONEY_UNIT
    empty_text: str = ""  # what the annex says in place of its table when it lists nothing

    @property
    def is_empty(self) -> bool:
        """Nothing listed (only sums of nothing): the document prints ``empty_text`` instead."""
        return not any(row.kind == RowKind.ITEM for row in self.rows)

    @property
    def lists_records(self) -> bool:
        """A table of a row per record (đề án, product, contract), which grows with the data;
        II and III have a row per year and per content."""
        return self.number not in ("II", "III")

    @property
    def heading(self) -> str:
        return f"Phụ lục {self.number}"

    @property
    def grouped(self) -> bool:
        return any(column.group for column in self.columns)

    def header(self) -> list[list[tuple[AnnexColumn | None, str, int, int]]]:
        """The header as rows of cells (column or None for a shared heading, text, colspan,
        rowspan): one row, or two when columns share a heading."""
        if not self.grouped:
            return [[(c, c.title, 1, 1) for c in self.columns]]
        top: list[tuple[AnnexColumn | None, str, int, int]] = []
        bottom: list[tuple[AnnexColumn | None, str, int, int]] = []
        for group, columns in groupby(self.columns, key=lambda c: c.group):
            columns = list(columns)
            if group:
                top.append((None, group, len(columns), 1))
                bottom.extend((c, c.title, 1, 1) for c in columns)
            else:
                top.extend((c, c.title, 1, 2) for c in columns)
        return [top, bottom]

    def share(self, column: AnnexColumn) -> str:
        """The column's width on paper, as a percentage of the table's ("12.5")."""
        return f"{100 * column.width / sum(c.width for c in self.columns):.1f}"

    def cells(self, row: AnnexRow) -> list[tuple[str, str, int]]:
        """A row's cells as printed: (text, class, colspan); the label of a group, subtotal or
        total row spans its first columns."""
        cells = []
        start = 0
        if row.label_span > 1:
            cells.append((str(row.values[0]), "label", row.label_span))
            start = row.label_span
        for column, value in list(zip(self.columns, row.values, strict=True))[start:]:
            cells.append((display(column.kind, value), "num" if column.numeric else column.kind, 1))
        return cells

    def total(self, title: str, kind: str = RowKind.TOTAL) -> tuple:
        """The values of the first row of ``kind`` under the column ``title`` (for tests)."""
        index = [column.title for column in self.columns].index(title)
        return next(row.values[index] for row in self.rows if row.kind == kind)


_ROW_BREAK = "\n      "  # what follows each </tr> in templates/reporting/_annexes.html
NEWLINE = "\n"
_RETURNS = re.compile(r"\r\n|\r")  # django.utils.text.normalize_newlines's


def _colspan(colspan: int) -> str:
    return f' colspan="{colspan}"' if colspan > 1 else ""


def rows_html(annex: Annex) -> str:
    """The ``<tr>`` rows of ``annex``'s table as templates/reporting/_annexes.html printed them
    with ``{{ text|linebreaksbr }}`` in each cell: escaped, line breaks as ``<br>``."""
    parts = []
    for row in annex.rows:
        cells = "".join(
            f'<td class="{escape(kind)}"{_colspan(colspan)}>{escape(_RETURNS.sub(NEWLINE, text)).replace(NEWLINE, "<br>")}</td>'
            for text, kind, colspan in annex.cells(row)
        )
        parts.append(f'<tr class="{escape(row.kind)}">{cells}</tr>{_ROW_BREAK}')
    return "".join(parts)


def display(kind: str, value: object) -> str:
    """A value as the annex prints it: money exactly ("1.836.337.000"), counts plainly, rates
    as the document's rates ("97,4%"), dates dd/mm/yyyy."""
    if value is None or value == "":
        return ""
    if isinstance(value, Rate):
        return formatting.rate(value.done, value.planned)
    if isinstance(value, datetime.date):
        return formatting.date_short(value)
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, int) and kind in (MONEY, COUNT):
        return formatting.group_thousands(value)
    return str(value)


def reference(text) -> str:
    """The line under each annex's title: "(Kèm theo Báo cáo số 412/BC-SCT ngày … của Sở Công
    Thương tỉnh Lâm Đồng)", from the document's text (reporting.document.DocumentText: number,
    date, issuing body, place, draft or not); a draft's number and date are left blank."""
    return reference_line(text.number or "", text.date, text.issuing_body, text.place, draft=text.is_draft)


def reference_line(number: str, date: datetime.date | None, issuing_body: str, place: str, *, draft: bool) -> str:
    number = number.strip()
    if draft or not number:
        number_text = "\u2003\u2003/BC-SCT"
    else:
        number_text = number if "/" in number else f"{number}/BC-SCT"
    date_text = "ngày\u2003\u2003tháng\u2003\u2003năm\u2003\u2003" if draft or not date else formatting.date_long(date)
    body = issuing_body.title()  # "Sở Công Thương", as the document's preamble writes it
    return f"(Kèm theo Báo cáo số {number_text} {date_text} của {body} tỉnh {place})"


def _label(choices, code: str) -> str:
    try:
        return choices(code).label
    except ValueError:
        return code


# --- Phụ lục I: the đề án of the period -------------------------------------------------------

PROJECT_COLUMNS = (
    AnnexColumn("STT", COUNT, 6),
    AnnexColumn("Năm", YEAR, 7),
    AnnexColumn("Mã đề án", TEXT, 15),
    AnnexColumn("Tên đề án", TEXT, 25),
    AnnexColumn("Nội dung hỗ trợ", TEXT, 16),
    AnnexColumn("Nguồn", TEXT, 9),
    AnnexColumn("Hình thức", TEXT, 9),
    AnnexColumn("Cơ sở thụ hưởng (MST, địa bàn)", TEXT, 25),
    AnnexColumn("Kế hoạch", MONEY, 17, "Kinh phí (đồng)"),
    AnnexColumn("Khuyến công hỗ trợ", MONEY, 17, "Kinh phí (đồng)"),
    AnnexColumn("Vốn đối ứng", MONEY, 17, "Kinh phí (đồng)"),
    AnnexColumn("Đã giải ngân", MONEY, 17, "Kinh phí (đồng)"),
    AnnexColumn("Tình trạng", TEXT, 10),
)
_PROJECT_LABEL_SPAN = 8  # STT … cơ sở thụ hưởng


def _beneficiaries(line: ProjectLine) -> str:
    parts = []
    for b in line.beneficiaries:
        details = ", ".join(x for x in (f"MST {b.tax_code}" if b.tax_code else "", b.unit) if x)
        parts.append(f"{b.name} ({details})" if details else b.name)
    return "\n".join(parts)


def _project_sums(lines: list[ProjectLine]) -> tuple[int, int, int, int]:
    return (
        sum(p.planned_budget for p in lines),
        sum(p.approved_budget for p in lines),
        sum(p.counterpart for p in lines),
        sum(p.executed for p in lines),
    )


def _sum_row(label: str, lines: list[ProjectLine], kind: str) -> AnnexRow:
    done = sum(1 for p in lines if p.status == Project.Status.COMPLETED)
    text = f"{label}: {len(lines)} đề án, {done} hoàn thành"
    return AnnexRow((text, *[""] * (_PROJECT_LABEL_SPAN - 1), *_project_sums(lines), ""), kind, _PROJECT_LABEL_SPAN)


def annex_projects(figures: ReportFigures) -> Annex:
    """Phụ lục I: every đề án of the period's annual plans, by year, with subtotals and a total."""
    rows: list[AnnexRow] = []
    number = 0
    lines = list(figures.project_lines)
    for year, in_year in groupby(lines, key=lambda p: p.year):
        in_year = list(in_year)
        rows.append(AnnexRow((f"Năm {year}", *[""] * (len(PROJECT_COLUMNS) - 1)), RowKind.GROUP, len(PROJECT_COLUMNS)))
        for p in in_year:
            number += 1
            rows.append(
                AnnexRow((
                    number, p.year, p.code, p.name, p.content_name, LEVEL_SHORT.get(p.level, p.level_name),
                    _label(SupportForm, p.form), _beneficiaries(p), p.planned_budget, p.approved_budget,
                    p.counterpart, p.executed, _label(Project.Status, p.status),
                ))
            )  # fmt: skip
        rows.append(_sum_row(f"Cộng năm {year}", in_year, RowKind.SUBTOTAL))
    rows.append(_sum_row("Tổng cộng", lines, RowKind.TOTAL))
    return Annex(
        "I",
        f"Danh sách đề án khuyến công {_period(figures)}",
        PROJECT_COLUMNS,
        tuple(rows),
        landscape=True,
        empty_text=f"Không có đề án khuyến công {_period(figures)}.",
    )


def _period(figures: ReportFigures) -> str:
    return f"năm {figures.year_from}" if figures.is_annual else f"giai đoạn {figures.year_from}-{figures.year_to}"


# --- Phụ lục II: by year and level ------------------------------------------------------------

YEAR_COLUMNS = (
    AnnexColumn("STT", COUNT, 6),
    AnnexColumn("Năm", TEXT, 10),
    AnnexColumn("Kế hoạch", COUNT, 9, "Số đề án"),
    AnnexColumn("Thực hiện", COUNT, 9, "Số đề án"),
    AnnexColumn("Kế hoạch", MONEY, 16, "Kinh phí (đồng)"),
    AnnexColumn("Thực hiện", MONEY, 16, "Kinh phí (đồng)"),
    AnnexColumn("KCĐP thực hiện", MONEY, 16, "Kinh phí (đồng)"),
    AnnexColumn("KCQG thực hiện", MONEY, 16, "Kinh phí (đồng)"),
    AnnexColumn("Đề án", RATE, 9, "Tỷ lệ thực hiện"),
    AnnexColumn("Kinh phí", RATE, 9, "Tỷ lệ thực hiện"),
)


def _year_values(y: YearFigures) -> tuple:
    return (
        y.planned, y.done, y.planned_money, y.executed, y.local_executed, y.national_executed,
        Rate(y.done, y.planned), Rate(y.executed, y.planned_money),
    )  # fmt: skip


def annex_years(figures: ReportFigures) -> Annex:
    """Phụ lục II: each year's đề án and money, planned against carried out, by level (footnote 1)."""
    rows = [AnnexRow((n, str(y.year), *_year_values(y))) for n, y in enumerate(figures.years, 1) if figures.has_data]
    names = ("done", "planned", "executed", "planned_money", "local_executed", "national_executed")
    total = YearFigures(0, **{name: sum(getattr(y, name) for y in figures.years) for name in names})
    rows.append(AnnexRow(("Tổng cộng", "", *_year_values(total)), RowKind.TOTAL, 2))
    title = f"Kết quả thực hiện kế hoạch khuyến công theo năm và cấp {_period(figures)}"
    return Annex(
        "II", title, YEAR_COLUMNS, tuple(rows), landscape=True, empty_text=f"Không có đề án khuyến công {_period(figures)}."
    )


# --- Phụ lục III: by activity content ---------------------------------------------------------

CONTENT_COLUMNS = (
    AnnexColumn("STT", TEXT, 6),
    AnnexColumn("Nội dung hoạt động khuyến công", TEXT, 44),
    AnnexColumn("Số đề án", COUNT, 8),
    AnnexColumn("Lượt cơ sở", COUNT, 8),
    AnnexColumn("Tổng số", MONEY, 16, "Kinh phí thực hiện (đồng)"),
    AnnexColumn("KCĐP", MONEY, 16, "Kinh phí thực hiện (đồng)"),
    AnnexColumn("KCQG", MONEY, 16, "Kinh phí thực hiện (đồng)"),
)


def _content_sums(items: Iterable[ContentTotals]) -> tuple[int, int, int, int, int]:
    items = list(items)
    return (
        sum(c.projects for c in items),
        sum(c.supports for c in items),
        sum(c.money for c in items),
        sum(c.local_money for c in items),
        sum(c.national_money for c in items),
    )


def annex_contents(figures: ReportFigures) -> Annex:
    """Phụ lục III: the completed đề án's money by activity content, under each group's sums."""

    def group_of(c: ContentTotals) -> tuple[int, str, str]:
        return (c.group_order, c.group, c.group_name) if c.group else (c.order, c.code, c.name)

    contents = sorted(figures.contents, key=lambda c: (group_of(c), c.order, c.code))
    rows = []
    for (_order, code, name), items in groupby(contents, key=group_of):
        items = list(items)
        rows.append(AnnexRow((code, name.rstrip("."), *_content_sums(items)), RowKind.GROUP))
        rows.extend(AnnexRow(("-", c.name, *_content_sums([c]))) for c in items if c.group)
    rows.append(AnnexRow(("Tổng cộng", "", *_content_sums(contents)), RowKind.TOTAL, 2))
    return Annex(
        "III",
        f"Kinh phí khuyến công theo nội dung hoạt động {_period(figures)}",
        CONTENT_COLUMNS,
        tuple(rows),
        empty_text=f"Không có đề án khuyến công hoàn thành {_period(figures)}.",
    )


# --- Phụ lục IV: products recognised ----------------------------------------------------------

PRODUCT_COLUMNS = (
    AnnexColumn("STT", COUNT, 6),
    AnnexColumn("Tên sản phẩm", TEXT, 30),
    AnnexColumn("Cơ sở", TEXT, 34),
    AnnexColumn("Cấp", TEXT, 10),
    AnnexColumn("Năm", YEAR, 7),
    AnnexColumn("Số giấy chứng nhận", TEXT, 22),
)


def annex_products(figures: ReportFigures) -> Annex:
    """Phụ lục IV: the products recognised as typical rural-industry products, by level (F10)."""
    rows = []
    number = 0
    for (_order, name), items in groupby(figures.recognised_products, key=lambda p: (p.level_order, p.level_name)):
        items = list(items)
        rows.append(AnnexRow((f"Cấp {name.lower()}: {len(items)} sản phẩm", *[""] * 5), RowKind.GROUP, 6))
        for p in items:
            number += 1
            rows.append(AnnexRow((number, p.product, p.facility, p.level_name, p.year, p.certificate_number)))
    rows.append(AnnexRow((f"Tổng cộng: {number} sản phẩm", *[""] * 5), RowKind.TOTAL, 6))
    title = f"Danh sách sản phẩm công nghiệp nông thôn tiêu biểu được công nhận {_period(figures)}"
    return Annex(
        "IV", title, PRODUCT_COLUMNS, tuple(rows), unit="", empty_text=f"Không có sản phẩm được công nhận {_period(figures)}."
    )


# --- Phụ lục V: recoverable contracts ---------------------------------------------------------


def contract_columns(as_of: datetime.date) -> tuple[AnnexColumn, ...]:
    day = formatting.date_short(as_of)
    return (
        AnnexColumn("STT", COUNT, 6),
        AnnexColumn("Số hợp đồng", TEXT, 14),
        AnnexColumn("Cơ sở", TEXT, 34),
        AnnexColumn("Ngày ký", DATE, 11),
        AnnexColumn("Số tiền hỗ trợ", MONEY, 16, "Kinh phí (đồng)"),
        AnnexColumn(f"Đã thu hồi đến {day}", MONEY, 16, "Kinh phí (đồng)"),
        AnnexColumn(f"Dư nợ đến {day}", MONEY, 16, "Kinh phí (đồng)"),
        AnnexColumn("Số ngày quá hạn", COUNT, 9),
        AnnexColumn("Khởi kiện, trạng thái", TEXT, 24),
    )


def lawsuit_text(c: ContractLine) -> str:
    if not c.sued:
        return ""
    filed = f"Khởi kiện ngày {formatting.date_short(c.lawsuit_filed_on)}" if c.lawsuit_filed_on else "Đã khởi kiện"
    return f"{filed}; {_label(Lawsuit.Status, c.lawsuit_status).lower()}" if c.lawsuit_status else filed


def _contract_sums(label: str, items: list[ContractLine], kind: str) -> AnnexRow:
    facilities = len({c.facility for c in items})
    text = f"{label}: {len(items)} hợp đồng, {facilities} cơ sở"
    sums = (sum(c.principal for c in items), sum(c.repaid for c in items), sum(c.outstanding for c in items))
    return AnnexRow((text, "", "", "", *sums, "", ""), kind, 4)


def annex_contracts(figures: ReportFigures) -> Annex:
    """Phụ lục V: the recoverable contracts of the period, their debt at the report date and the
    lawsuits; the sued facilities' line is F19."""
    rows = [
        AnnexRow((n, c.number, c.facility, c.signed_on, c.principal, c.repaid, c.outstanding,
                  c.days_past_due or None, lawsuit_text(c)))
        for n, c in enumerate(figures.contracts, 1)
    ]  # fmt: skip
    contracts = list(figures.contracts)
    rows.append(_contract_sums("Tổng cộng", contracts, RowKind.TOTAL))
    sued_facilities = {c.facility_id for c in contracts if c.sued}  # as F18 counts them
    sued = [c for c in contracts if c.facility_id in sued_facilities]
    if sued:
        rows.append(_contract_sums("Trong đó, cơ sở bị khởi kiện", sued, RowKind.SUBTOTAL))
    title = f"Tình hình hoàn trả kinh phí khuyến công có thu hồi đến {formatting.date_long(figures.report_date)}"
    return Annex(
        "V",
        title,
        contract_columns(figures.report_date),
        tuple(rows),
        landscape=True,
        empty_text=f"Không có hợp đồng hỗ trợ có thu hồi kinh phí {_period(figures)}.",
    )


# --- Phụ lục VI: results after support --------------------------------------------------------

RESULT_COLUMNS = (
    AnnexColumn("STT", COUNT, 5),
    AnnexColumn("Năm", YEAR, 6),
    AnnexColumn("Mã đề án", TEXT, 9),
    AnnexColumn("Tên đề án", TEXT, 26),
    AnnexColumn("Cơ sở thụ hưởng", TEXT, 22),
    AnnexColumn("Lần theo dõi", COUNT, 7),
    AnnexColumn("Ngày theo dõi gần nhất", DATE, 10),
    AnnexColumn("Năng lực sản xuất", TEXT, 14),
    AnnexColumn("Năng suất tăng (%)", TEXT, 8),
    AnnexColumn("Thị trường mới", TEXT, 14),
    AnnexColumn("Tiết kiệm nguyên liệu, năng lượng", TEXT, 14),
    AnnexColumn("Lao động mới", COUNT, 8),
    AnnexColumn("Vốn huy động", MONEY, 14, "Đồng"),
    AnnexColumn("Doanh thu, giá trị gia tăng", MONEY, 14, "Đồng"),
)


def annex_results(figures: ReportFigures) -> Annex:
    """Phụ lục VI: one row per đề án followed up in the period (the section "Kết quả sau hỗ
    trợ"); its total is the section's figures."""
    a = figures.after_support
    rows = []
    for number, line in enumerate(a.lines, 1):
        saved = "; ".join(x for x in (line.material_saved and f"nguyên liệu: {line.material_saved}",
                                        line.energy_saved and f"năng lượng: {line.energy_saved}") if x)  # fmt: skip
        productivity = line.productivity_increase.replace(".", ",") if line.productivity_increase else ""
        rows.append(AnnexRow((
            number, line.year, line.code, line.name, "; ".join(line.facilities), line.follow_ups, line.last_date,
            line.capacity, productivity, line.new_markets, saved, line.jobs_created, line.capital_mobilised, line.revenue,
        )))  # fmt: skip
    label = f"Tổng cộng: {a.projects} đề án, {a.follow_ups} lần theo dõi"
    rows.append(AnnexRow((label, *[""] * 10, a.jobs_created, a.capital_mobilised, a.revenue), RowKind.TOTAL, 11))
    return Annex(
        "VI",
        f"Kết quả sau hỗ trợ của các đề án khuyến công được theo dõi {_period(figures)}",
        RESULT_COLUMNS,
        tuple(rows),
        landscape=True,
        empty_text=f"Không có đề án được theo dõi kết quả sau hỗ trợ {_period(figures)}.",
    )


ANNEXES: tuple[Callable[[ReportFigures], Annex], ...] = (
    annex_projects, annex_years, annex_contents, annex_products, annex_contracts,
)  # fmt: skip


def build_annexes(figures: ReportFigures) -> tuple[Annex, ...]:
    """Phụ lục I–V of the report, and VI (results after support) when the period has any:
    a report of a period without follow-ups keeps its five annexes."""
    built = tuple(build(figures) for build in ANNEXES)
    if figures.after_support.projects:
        built += (annex_results(figures),)
    return built


# --- The workbook -----------------------------------------------------------------------------


def _sheet_rows(annex: Annex) -> Iterator:
    yield [Column(f"{c.group}: {c.title}" if c.group else c.title, c.kind, c.width) for c in annex.columns]
    rates = [index for index, column in enumerate(annex.columns) if column.kind == RATE]
    for row in annex.rows:
        values = list(row.values)
        for index in rates:  # a rate as the number a "0.0%" cell shows
            if isinstance(values[index], Rate):
                values[index] = rate_value(values[index].done, values[index].planned)
        yield Bold(values) if row.emphasised else values


def annex_workbook(figures: ReportFigures, *, reference: str = "") -> bytes:
    """The five annexes as one .xlsx, a sheet an annex, headed as on paper."""
    return xlsx_bytes(
        Sheet(
            annex.heading,
            _sheet_rows(annex),
            headings=tuple(x for x in (annex.heading.upper(), annex.title.upper(), reference, annex.unit) if x),
            auto_filter=True,
            orientation="landscape",
        )
        for annex in build_annexes(figures)
    )
