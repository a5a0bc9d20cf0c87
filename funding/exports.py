"""The debt lists as spreadsheet rows: the contract list, the instalments due soon, the overdue
contracts. Each generator yields its header of ``Column``s (the kind decides how a value is
shown) and then its rows; khuyencong.core.excel writes them, text as text."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from funding.loans import ContractStatus, DueRow, OverdueRow, PortfolioSummary
from funding.models import LoanContract
from khuyencong.core.excel import COUNT, DATE, FLAG, MONEY, TEXT, YEAR, Column

# The columns every list starts with: which contract, whose, of which đề án.
_CONTRACT = Column("Số hợp đồng", TEXT, 16)
_FACILITY = Column("Cơ sở", TEXT)  # as wide as the names in it
_TAX_CODE = Column("Mã số thuế", TEXT, 14)  # text: a leading zero stays
_YEAR = Column("Năm", YEAR, 8)
_PROJECT = Column("Mã đề án", TEXT, 12)
_BUCKET = Column("Nhóm tuổi nợ (ngày)", TEXT, 14)  # text: "1–30" is not a date
_LITIGATION = Column("Đang khởi kiện", FLAG, 10)


def contracts_sheet(rows: Iterable[tuple[LoanContract, ContractStatus]]) -> Iterator[list]:
    """The contract list (each contract with its status as of the list's date)."""
    yield [
        _CONTRACT, _FACILITY, _TAX_CODE, _YEAR, _PROJECT, Column("Ngày ký", DATE, 12),
        Column("Ngày giải ngân", DATE, 12), Column("Số tiền hỗ trợ", MONEY, 16), Column("Đã trả", MONEY, 16),
        Column("Dư nợ", MONEY, 16), Column("Nợ quá hạn", MONEY, 16), Column("Số ngày quá hạn", COUNT, 10), _BUCKET,
        Column("Tình trạng", TEXT, 16), _LITIGATION, Column("Đã xóa nợ", FLAG, 10),
    ]  # fmt: skip
    for c, s in rows:
        yield [
            c.number, c.facility.name, c.facility.tax_code, c.project.plan.year, c.project.code, c.signed_on,
            c.disbursed_on, c.principal, s.repaid, s.balance, s.overdue, s.days_past_due, s.bucket or "",
            c.get_state_display(), s.in_litigation, s.written_off,
        ]  # fmt: skip


def due_within_sheet(rows: Iterable[DueRow]) -> Iterator[list]:
    """The instalments falling due within the list's days."""
    yield [
        _CONTRACT, _FACILITY, _TAX_CODE, _YEAR, _PROJECT, Column("Kỳ", COUNT, 6), Column("Ngày đến hạn", DATE, 12),
        Column("Số tiền phải trả", MONEY, 16), Column("Đã trả", MONEY, 16), Column("Còn phải trả", MONEY, 16),
        Column("Số ngày còn lại", COUNT, 10), _LITIGATION,
    ]  # fmt: skip
    for r in rows:
        yield [
            r.contract_number, r.facility_name, r.tax_code, r.year, r.project_code, r.instalment, r.due_date,
            r.due, r.paid, r.remaining, r.days_left, r.in_litigation,
        ]  # fmt: skip


def _unaged_label(row: OverdueRow) -> str:
    return "tạm dừng khi khởi kiện" if row.in_litigation else "chưa tính ngày"


def overdue_sheet(rows: Iterable[OverdueRow]) -> Iterator[list]:
    """The contracts with money due and unpaid, the oldest first."""
    yield [
        _CONTRACT, _FACILITY, _TAX_CODE, _YEAR, _PROJECT, Column("Số tiền hỗ trợ", MONEY, 16),
        Column("Dư nợ", MONEY, 16), Column("Nợ quá hạn", MONEY, 16), Column("Kỳ quá hạn sớm nhất", DATE, 12),
        Column("Số ngày quá hạn", COUNT, 10), _BUCKET, _LITIGATION,
    ]  # fmt: skip
    for r in rows:
        yield [
            r.contract_number, r.facility_name, r.tax_code, r.year, r.project_code, r.principal, r.outstanding,
            r.overdue, r.oldest_unpaid_due, r.days_past_due, r.bucket or _unaged_label(r), r.in_litigation,
        ]  # fmt: skip


def portfolio_sheet(summary: PortfolioSummary) -> Iterator[list]:
    """The portfolio by the year of the đề án's plan (its totals row is the portfolio's total)."""
    yield [
        _YEAR, Column("Số hợp đồng", COUNT, 10, total=True), Column("Đã cho vay", MONEY, 16),
        Column("Đã thu hồi", MONEY, 16), Column("Dư nợ", MONEY, 16), Column("Nợ quá hạn", MONEY, 16),
        Column("Dư nợ quá hạn trên 30 ngày", MONEY, 16), Column("Số cơ sở", COUNT, 10, total=False),
        Column("Cơ sở trả đúng hạn", COUNT, 10, total=False), Column("Hợp đồng đang khởi kiện", COUNT, 10, total=True),
        Column("Dư nợ đang khởi kiện", MONEY, 16), Column("Đã xóa nợ", MONEY, 16), Column("Thu hồi sau xóa nợ", MONEY, 16),
    ]  # fmt: skip
    for year, f in summary.by_year.items():
        yield [
            year, f.contracts, f.lent, f.repaid, f.outstanding, f.overdue, f.at_risk, f.facilities, f.facilities_on_time,
            f.litigation_contracts, f.litigation_outstanding, f.written_off, f.recovered,
        ]  # fmt: skip
