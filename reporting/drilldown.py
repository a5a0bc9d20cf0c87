"""The drill-down pages: for each figure of the report, the records that make it up, with the
amounts whose total is the figure.

Everything here is read from a ``ReportFigures`` (reporting/figures.py): its ``records`` say which
đề án, facilities and contracts a figure counts, its ``project_lines`` and ``contracts`` hold
their amounts as the figures used them (executed money, counterpart, outstanding debt from
funding.loans.contract_statuses). Nothing is summed from the database a second way, so a page's
total is the figure by construction, and the tests check it is.

A page is plain data (dicts, lists, strings, integers): ``drilldown_rows`` builds every page of a
report, and issuing keeps them in the report's snapshot, so that an issued report's links show
the records as they were at issue. Nothing here reads the database.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from khuyencong.core.formatting import date_short
from projects.models import FundingLevel, Project
from reporting.figures import ContractLine, ProjectLine, ReportFigures, Standing

# The key of ReportSnapshot.figures that holds the pages kept at issue.
SNAPSHOT_KEY = "drilldown"


@dataclass(frozen=True)
class FigurePage:
    """What a figure's page says: its title in words, what its amounts are, how its rows are laid
    out ("projects", "standing", "sued") and, for đề án, which amounts it adds up."""

    title: str
    amount: str
    layout: str = "projects"
    columns: tuple[str, ...] = ("executed",)


EXECUTED = "Số tiền là kinh phí thực hiện của đề án: tổng các khoản đã giải ngân."
SUPPORTS = "Mỗi cơ sở thụ hưởng của một đề án là một lượt hỗ trợ; số tiền là kinh phí thực hiện của đề án."
DEBT = (
    "Số tiền theo từng hợp đồng, tính đến ngày báo cáo: dư nợ là gốc đã giải ngân trừ gốc đã trả; "
    "nợ quá hạn là gốc đã đến hạn mà chưa trả."
)

# Figure id → its page. The ids are those of shared/design/report-figures.md; users read the titles.
FIGURES: dict[str, FigurePage] = {
    "F01": FigurePage("Đề án khuyến công hoàn thành", EXECUTED),
    "F02": FigurePage("Kinh phí thực hiện các đề án khuyến công hoàn thành", EXECUTED),
    "F03": FigurePage("Đề án khuyến công địa phương hoàn thành và kinh phí", EXECUTED),
    "F04": FigurePage("Đề án khuyến công quốc gia hoàn thành và kinh phí", EXECUTED),
    "F05": FigurePage("Tỷ lệ kinh phí khuyến công địa phương và quốc gia", EXECUTED),
    "F06": FigurePage("Mô hình trình diễn kỹ thuật", SUPPORTS, columns=("supports", "executed")),
    "F07": FigurePage("Hỗ trợ ứng dụng máy móc thiết bị tiên tiến", SUPPORTS, columns=("supports", "executed")),
    "F08": FigurePage(
        "Hội nghị kết nối cung cầu", "Số hội nghị và kinh phí thực hiện của từng đề án.", columns=("events", "executed")
    ),
    "F09": FigurePage("Hỗ trợ xây dựng, đăng ký thương hiệu, nhãn hiệu", SUPPORTS, columns=("supports", "executed")),
    "F10": FigurePage(
        "Bình chọn sản phẩm công nghiệp nông thôn tiêu biểu",
        EXECUTED + " Bên dưới: các cơ sở có sản phẩm tham gia bình chọn, số sản phẩm và số lượt được công nhận.",
    ),
    "F11": FigurePage("Mô hình thí điểm áp dụng sản xuất sạch hơn", SUPPORTS, columns=("supports", "executed")),
    "F12": FigurePage(
        "Đào tạo, bồi dưỡng nâng cao năng lực", "Số lớp và kinh phí thực hiện của từng đề án.", columns=("outputs", "executed")
    ),
    "F13": FigurePage(
        "Thông tin tuyên truyền về khuyến công",
        "Số chương trình và kinh phí thực hiện của từng đề án.",
        columns=("outputs", "executed"),
    ),
    "F14": FigurePage("Kiểm tra, giám sát, hướng dẫn thực hiện đề án", EXECUTED),
    "F15": FigurePage("Đề án khuyến công quốc gia", EXECUTED, columns=("key", "executed")),
    "F16": FigurePage(
        "Hỗ trợ có thu hồi kinh phí: đề án, cơ sở, kinh phí và vốn đối ứng",
        "Kinh phí thực hiện và vốn đối ứng (vốn cơ sở tự đầu tư) của từng đề án.",
        columns=("executed", "counterpart"),
    ),
    "F17": FigurePage("Cơ sở được hỗ trợ có thu hồi và tình hình hoàn trả", DEBT, layout="standing"),
    "F18": FigurePage("Cơ sở vi phạm hợp đồng phải khởi kiện", DEBT, layout="sued"),
    "F19": FigurePage("Dư nợ của các cơ sở bị khởi kiện", DEBT, layout="sued"),
    "F20": FigurePage("Dư nợ của các cơ sở bị khởi kiện so với giai đoạn trước", DEBT, layout="sued"),
    "F21": FigurePage(
        "Hỗ trợ trực tiếp không thu hồi kinh phí cho cơ sở",
        "Kinh phí thực hiện và vốn đối ứng (vốn cơ sở tự đầu tư) của từng đề án.",
        columns=("executed", "counterpart"),
    ),
    "F22": FigurePage("Kinh phí khuyến công hỗ trợ trực tiếp cho cơ sở", EXECUTED),
    "F23": FigurePage(
        "Vốn của cơ sở thu hút qua hỗ trợ trực tiếp",
        "Vốn đối ứng (vốn cơ sở tự đầu tư) của từng đề án.",
        columns=("counterpart",),
    ),
    "F24": FigurePage(
        "Kết quả hội nghị kết nối cung cầu",
        "Số hội nghị của từng đề án và kết quả: lượt doanh nghiệp tham gia, hợp đồng mua bán, biên bản hợp tác.",
        columns=("events", "participants", "sale_contracts", "memoranda"),
    ),
    "F30": FigurePage("Danh sách cơ sở bị khởi kiện", DEBT, layout="sued"),
}
STANDING_TITLES = {
    Standing.ON_TIME: "Hoàn trả đúng hạn",
    Standing.PAID_LATE: "Trả chậm, nay không còn nợ quá hạn",
    Standing.OVERDUE: "Quá hạn, chưa khởi kiện",
    Standing.SUED: "Đã khởi kiện",
}
for _standing, _title in STANDING_TITLES.items():
    FIGURES[f"F17-{_standing}"] = FigurePage(f"Cơ sở được hỗ trợ có thu hồi: {_title.lower()}", DEBT, layout="standing")
YEAR_AMOUNT = "Mọi đề án trong kế hoạch năm: kinh phí kế hoạch của từng đề án; kinh phí thực hiện chỉ tính đề án đã hoàn thành."
_YEAR = re.compile(r"Y(\d{4})")

COLUMN_LABELS = {
    "supports": "Số cơ sở thụ hưởng",
    "key": "Đề án điểm",
    "events": "Số hội nghị",
    "participants": "Lượt doanh nghiệp tham gia",
    "sale_contracts": "Hợp đồng mua bán",
    "memoranda": "Biên bản hợp tác",
    "outputs": "Số lượng",
    "planned": "Kinh phí kế hoạch (đồng)",
    "executed": "Kinh phí thực hiện (đồng)",
    "counterpart": "Vốn đối ứng (đồng)",
}
MONEY_COLUMNS = ("planned", "executed", "counterpart")
LEVEL_ORDER = (FundingLevel.LOCAL, FundingLevel.NATIONAL)


def figure_page(figure_id: str) -> FigurePage | None:
    """The catalogue's page of ``figure_id``; a year of footnote 1 ("Y2024") has one made for it."""
    match = _YEAR.fullmatch(figure_id)
    if match:
        return FigurePage(f"Kết quả thực hiện kế hoạch khuyến công năm {match[1]}", YEAR_AMOUNT, columns=("planned", "executed"))
    return FIGURES.get(figure_id)


# --- Rows -------------------------------------------------------------------------------------


def _project_amount(line: ProjectLine, column: str, *, year_page: bool) -> int | None:
    if column == "supports":
        return len(line.facility_ids)
    if column == "planned":
        return line.planned_budget
    if column == "executed":
        # A year's executed money counts completed đề án only (figures._year_figures).
        return line.executed if line.done or not year_page else None
    if column == "key":
        return int(line.key)
    return getattr(line, column)  # outputs, counterpart, events, participants, sale_contracts, memoranda


def _project_row(line: ProjectLine, columns: tuple[str, ...], *, year_page: bool) -> dict:
    return {
        "id": line.id,
        "year": line.year,
        "code": line.code,
        "name": line.name,
        "content": line.content_name,
        "status": Project.Status(line.status).label,
        "done": line.done,
        "facilities": [[pk, name] for pk, name in zip(line.facility_ids, line.facilities, strict=True)],
        "amounts": [_project_amount(line, column, year_page=year_page) for column in columns],
    }


def _project_totals(rows: list[dict], columns: tuple[str, ...]) -> dict:
    return {
        "rows": len(rows),
        "done": sum(1 for row in rows if row["done"]),
        "facilities": len({pk for row in rows for pk, _ in row["facilities"]}),
        "amounts": [sum(row["amounts"][i] or 0 for row in rows) for i in range(len(columns))],
    }


def _project_sections(figures: ReportFigures, ids: tuple[int, ...], page: FigurePage, *, year_page: bool) -> list[dict]:
    """The đề án of a figure by funding level (local, national, any other), each with its total."""
    wanted = set(ids)
    by_level: dict[str, list[ProjectLine]] = defaultdict(list)
    names: dict[str, str] = {}
    for line in figures.project_lines:  # in the annex's order: year, code
        if line.id in wanted:
            by_level[line.level].append(line)
            names[line.level] = line.level_name
    order = [level for level in LEVEL_ORDER if level in by_level] + sorted(set(by_level) - set(LEVEL_ORDER))
    columns = [{"key": column, "label": COLUMN_LABELS[column]} for column in page.columns]
    sections = []
    for level in order:
        rows = [_project_row(line, page.columns, year_page=year_page) for line in by_level[level]]
        sections.append(
            {
                "kind": "projects",
                "key": level,
                "heading": names[level],
                "columns": columns,
                "rows": rows,
                "totals": _project_totals(rows, page.columns),
            }
        )
    return sections


def _contract_row(line: ContractLine) -> dict:
    return {
        "id": line.id,
        "number": line.number,
        "facility_id": line.facility_id,
        "facility": line.facility,
        "signed_on": date_short(line.signed_on),
        "principal": line.principal,
        "repaid": line.repaid,
        "outstanding": line.outstanding,
        "overdue": line.overdue,
        "days_past_due": line.days_past_due,
        "in_litigation": line.in_litigation,
    }


def _contract_section(figures: ReportFigures, key: str, heading: str, records) -> dict:
    """One facility group's contracts, by facility then signing date, with their totals."""
    wanted = set(records.contracts)
    lines = [line for line in figures.contracts if line.id in wanted]
    order = {pk: i for i, pk in enumerate(dict.fromkeys(line.facility_id for line in lines))}
    rows = [_contract_row(line) for line in sorted(lines, key=lambda line: order[line.facility_id])]
    previous = None
    for row in rows:  # the facility's name is shown once, on its first contract
        row["first_of_facility"] = row["facility_id"] != previous
        row["facility_contracts"] = sum(1 for other in rows if other["facility_id"] == row["facility_id"])
        previous = row["facility_id"]
    return {
        "kind": "contracts",
        "key": key,
        "heading": heading,
        "rows": rows,
        "totals": {
            "facilities": len(records.facilities),
            "rows": len(rows),
            **{name: sum(row[name] for row in rows) for name in ("principal", "repaid", "outstanding", "overdue")},
        },
    }


def _nominated_section(figures: ReportFigures) -> dict:
    """F10's facilities with a product nominated in the period, their products and recognitions."""
    rows = [{"id": f.id, "name": f.name, "products": f.products, "recognised": f.recognised} for f in figures.voting.by_facility]
    return {
        "kind": "facilities",
        "key": "nominated",
        "heading": "Cơ sở có sản phẩm tham gia bình chọn",
        "rows": rows,
        "totals": {
            "rows": len(rows),
            "products": sum(row["products"] for row in rows),
            "recognised": sum(row["recognised"] for row in rows),
        },
    }


# --- Pages ------------------------------------------------------------------------------------


def _page_totals(sections: list[dict], columns: tuple[str, ...], layout: str) -> dict:
    """The page's total over its sections of đề án (layout "projects") or of contracts."""
    if layout == "projects":
        same = [s for s in sections if s["kind"] == "projects"]
        return {
            "rows": sum(s["totals"]["rows"] for s in same),
            "done": sum(s["totals"]["done"] for s in same),
            "facilities": len({pk for s in same for row in s["rows"] for pk, _ in row["facilities"]}),
            "amounts": [sum(s["totals"]["amounts"][i] for s in same) for i in range(len(columns))],
        }
    keys = ("facilities", "rows", "principal", "repaid", "outstanding", "overdue")
    return {key: sum(s["totals"][key] for s in sections) for key in keys}


def build_page(figures: ReportFigures, figure_id: str) -> dict | None:
    """The page of ``figure_id`` as plain data; None when the report has no such figure."""
    page = figure_page(figure_id)
    records = figures.records.get(figure_id)
    if page is None or records is None:
        return None
    extra: dict = {}
    if page.layout == "standing":
        standings = [figure_id.removeprefix("F17-")] if figure_id != "F17" else list(Standing.ORDER)
        sections = [_contract_section(figures, name, STANDING_TITLES[name], figures.records[f"F17-{name}"]) for name in standings]
        extra["base"] = figures.repayment.facilities
    elif page.layout == "sued":
        sections = [_contract_section(figures, Standing.SUED, "Cơ sở đã bị khởi kiện", records)]
        repayment = figures.repayment
        if figure_id == "F20" and repayment.previous_year_from:
            extra["previous"] = {
                "year_from": repayment.previous_year_from,
                "year_to": repayment.previous_year_to,
                "outstanding": repayment.previous_sued_outstanding,
            }
    else:
        sections = _project_sections(figures, records.projects, page, year_page=figure_id.startswith("Y"))
        if figure_id == "F10" and records.facilities:
            sections.append(_nominated_section(figures))
    return {
        "figure": figure_id,
        "title": page.title,
        "amount": page.amount,
        "layout": page.layout,
        "year_from": figures.year_from,
        "year_to": figures.year_to,
        "report_date": figures.report_date.isoformat(),
        "columns": [{"key": column, "label": COLUMN_LABELS[column]} for column in page.columns],
        "sections": sections,
        "totals": _page_totals(sections, page.columns, page.layout),
        **extra,
    }


def drilldown_rows(figures: ReportFigures) -> dict[str, dict]:
    """Every figure's page of a report, by figure id, as plain data to keep in its snapshot."""
    pages = {}
    for figure_id in figures.records:
        page = build_page(figures, figure_id)
        if page is not None:
            pages[figure_id] = page
    return pages
