"""The money rules, each decided by one function over plain facts.

Every way money comes in calls these: the workflows of ``funding.services`` with what they
read under a row lock, and the workbook import (``khuyencong.workbook.importer``) with its
running totals of the rows before (and the database under them). A refusal is a
``ValidationError`` keyed by the name of the service argument at fault (``amount``,
``date``…), so a form shows it beside its field and the importer beside its column; a rule
about the whole record (the đề án is not approved, the contract is not paid out) is not keyed.
The message is the same on every path.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError

from khuyencong.core.formatting import date_short, group_thousands, money_exact
from khuyencong.core.forms import MAX_MONEY
from khuyencong.core.text import text_key
from khuyencong.core.today import today as local_today
from projects.models import SupportForm


def at(field: str, message: str) -> ValidationError:
    """A refusal about one argument, keyed by its name."""
    return ValidationError({field: message})


def not_after_today(day: datetime.date, what: str, field: str) -> None:
    """Money moved and decisions taken are recorded once they happened: a date still to come
    is a typing slip that would sit in the ledger, unseen, until that day."""
    today = local_today()
    if day > today:
        raise at(field, f"{what} ({date_short(day)}) không được sau hôm nay ({date_short(today)}).")


def whole_money(amount: object, what: str, field: str = "amount") -> None:
    """A positive whole number of đồng, within the money limit every money field has."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise at(field, f"{what} phải là số đồng nguyên lớn hơn 0.")
    if amount > MAX_MONEY:
        raise at(field, f"{what} quá lớn: tối đa {group_thousands(MAX_MONEY)} đồng; kiểm tra lại số chữ số.")


def payable(project, doing: str) -> None:
    """Money goes to, and contracts are signed under, a đề án approved (or under way, or done)
    only: ``Project.is_payable``."""
    if not project.is_payable:
        raise ValidationError(
            f"Đề án {project.code} đang ở trạng thái “{project.get_status_display()}”: chỉ {doing} cho đề án đã duyệt."
        )


def new_number(used: Iterable[str], number: str, field: str, message: str) -> None:
    """A receipt or document number not used before, whatever its case, spacing or Unicode
    form (``text_key``: "bl-01 " is BL-01); the database's constraint compares them exactly."""
    key = text_key(number)
    if any(text_key(other) == key for other in used):
        raise at(field, message)


def new_receipt(used: Iterable[str], number: str) -> None:
    new_number(used, number, "receipt_number", "Hợp đồng này đã có biên lai cùng số.")


def new_document(used: Iterable[str], number: str) -> None:
    new_number(used, number, "document_number", "Đề án này đã có chứng từ giải ngân cùng số.")


# --- disbursements and contracts -------------------------------------------------------------


def disbursement(*, project, date: datetime.date, amount: int, disbursed: int) -> None:
    """A disbursement of ``amount`` on ``date`` to ``project``, which has had ``disbursed``
    paid out by the others: an approved đề án, not after today, within its budget."""
    payable(project, "giải ngân")
    not_after_today(date, "Ngày giải ngân", "date")
    whole_money(amount, "Số tiền giải ngân")
    ceiling = project.budget
    if project.paid_over_budget(disbursed + amount):
        raise at(
            "amount",
            f"Tổng giải ngân ({money_exact(disbursed + amount)}) vượt kinh phí được duyệt "
            f"({money_exact(ceiling)}). Đã giải ngân {money_exact(disbursed)}.",
        )


def disbursement_kind(*, project, kind: str) -> None:
    """An advance (tạm ứng) is paid before the đề án is settled: once its quyết toán is
    recorded, what is still paid is a payment. The form, the service and the import ask it."""
    if kind == "advance" and project.settlement_date is not None:
        raise at(
            "kind",
            f"Đề án đã quyết toán ngày {date_short(project.settlement_date)}: không tạm ứng thêm; "
            "khoản chi sau quyết toán ghi là thanh toán.",
        )


def disbursed_within_contracts(*, project, disbursed: int, lent: int) -> None:
    """A recoverable đề án pays out no more than its contracts lend."""
    if disbursed > lent:
        raise at(
            "amount",
            f"Tổng giải ngân của đề án {project.code} ({money_exact(disbursed)}) vượt tổng số tiền hỗ trợ "
            f"của các hợp đồng ({money_exact(lent)}).",
        )


def contract_project(project) -> None:
    """Contracts are signed under a recoverable đề án, once approved."""
    if project.support_form != SupportForm.RECOVERABLE:
        raise ValidationError(f"Đề án {project.code} hỗ trợ không thu hồi: không lập hợp đồng thu hồi.")
    payable(project, "lập hợp đồng")


def contract(*, project, signed_on: datetime.date, principal: int, lent: int) -> None:
    """A contract of ``principal`` under ``project``, whose other contracts lend ``lent``."""
    not_after_today(signed_on, "Ngày ký", "signed_on")
    contract_project(project)
    whole_money(principal, "Số tiền hỗ trợ", "principal")
    budget = project.budget
    if lent + principal > budget:
        raise at(
            "principal",
            f"Các hợp đồng của đề án sẽ hỗ trợ {money_exact(lent + principal)}, vượt kinh phí "
            f"của đề án ({money_exact(budget)}); đã có hợp đồng {money_exact(lent)}.",
        )


def beneficiary(*, project, facility, is_beneficiary: bool) -> None:
    """A contract lends to one of the đề án's facilities."""
    if not is_beneficiary:
        raise at("facility", f"{facility.name} không phải cơ sở thụ hưởng của đề án {project.code}.")


def contract_disbursal(*, date: datetime.date) -> None:
    not_after_today(date, "Ngày giải ngân", "date")


def contract_state(*, disbursed: bool, written_off: bool, in_litigation: bool, outstanding: int) -> str:
    """A contract's state, derived from its records: draft until disbursed; written off once a
    write-off exists; in litigation while a lawsuit is open; repaid when nothing is owed."""
    from funding.models import LoanContract

    State = LoanContract.State
    if not disbursed:
        return State.DRAFT
    if written_off:
        return State.WRITTEN_OFF
    if in_litigation:
        return State.LITIGATION
    return State.REPAID if outstanding <= 0 else State.ACTIVE


# --- repayments and lawsuits -----------------------------------------------------------------


def repayment(
    *, date: datetime.date, amount: int, disbursed_on: datetime.date | None, written_off: bool, outstanding: int
) -> None:
    """Money repaid on a contract paid out on ``disbursed_on`` that still owes ``outstanding``
    (``funding.loans.outstanding_principal``): never more than that."""
    whole_money(amount, "Số tiền trả nợ")
    not_after_today(date, "Ngày trả nợ", "date")
    if written_off:
        raise ValidationError("Hợp đồng đã được xóa nợ: khoản tiền thu được phải ghi là khoản thu hồi sau xóa nợ.")
    if disbursed_on is None:
        raise ValidationError("Hợp đồng chưa giải ngân nên chưa thể ghi nhận trả nợ.")
    if date < disbursed_on:
        raise at("date", f"Ngày trả nợ không được trước ngày giải ngân ({date_short(disbursed_on)}).")
    if amount > outstanding:
        raise at("amount", f"Số tiền trả ({money_exact(amount)}) vượt dư nợ còn lại của hợp đồng ({money_exact(outstanding)}).")


def reversal(*, date: datetime.date, original_date: datetime.date) -> None:
    """A reversal entry is dated on or after the repayment it cancels (the screens and the
    workbook alike): one dated before would take money back before it came in."""
    if date < original_date:
        raise at("date", f"Ngày đảo không được trước ngày của khoản trả nợ ({date_short(original_date)}).")


def lawsuit(*, filed_on: datetime.date, disbursed_on: datetime.date | None, written_off: bool) -> None:
    not_after_today(filed_on, "Ngày khởi kiện", "filed_on")
    if disbursed_on is None:
        raise ValidationError("Hợp đồng chưa giải ngân nên không thể khởi kiện.")
    if written_off:
        raise ValidationError("Hợp đồng đã được xóa nợ.")
    if filed_on < disbursed_on:
        raise at("filed_on", f"Ngày khởi kiện không được trước ngày giải ngân ({date_short(disbursed_on)}).")
