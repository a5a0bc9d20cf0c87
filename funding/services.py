"""The workflows of recoverable support: disburse, schedule, repay, reverse, sue, write off,
recover, reschedule.

Each is one function with keyword-only arguments, run in one transaction, taking the acting
user as ``by``. The audit record is written in the same transaction: every row goes through
``save()`` with ``_history_user`` and ``_change_reason`` set, so its django-simple-history
row names the user and the reason; write-offs and reschedules also keep ``by`` on their own
row. A refusal is a ``ValidationError`` (or ``PermissionDenied``) with a Vietnamese message,
raised before anything is written, or rolled back with the transaction.

Rules that are choices, not givens:
- A contract's state is derived after each workflow from its records: draft until disbursed;
  written off once a write-off exists; in litigation while a lawsuit is open; repaid when
  nothing is outstanding; otherwise active. Lateness is not a stored state: it is computed
  for any date by ``funding.loans``.
- The first schedule (version 1) is written once, by ``generate_schedule`` or on
  disbursement; any later change is a ``reschedule``, approved by department staff
  (``roles.can_approve``). The new version covers the principal outstanding on the
  reschedule date: it starts with what was already repaid against the old schedule by then
  (copied with the old due dates), then the new instalments, which must all fall due after
  that date and sum to the outstanding principal exactly. The old version is kept as it was.
- A repayment is never deleted (see ``Repayment.delete``); a wrong one is cancelled by
  ``reverse_repayment``, a second entry of the same amount that names the first.
- A write-off takes the whole principal outstanding on its date, once per contract; money
  received later is a ``Recovery``, never more in total than was written off.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models.functions import Coalesce

from funding import rules
from funding.loans import allocate, ledger_write, outstanding_principal
from funding.models import (
    Disbursement,
    FundingSource,
    Hearing,
    Instalment,
    Lawsuit,
    LoanContract,
    Recovery,
    Repayment,
    Reschedule,
    WriteOff,
)
from khuyencong.core import roles
from khuyencong.core.formatting import date_short, money_exact
from projects.models import Facility, Project, SupportForm

State = LoanContract.State
ScheduleRows = Sequence[tuple[datetime.date, int]]


# --- helpers ---------------------------------------------------------------------------------


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _can_edit(by) -> None:
    _require(roles.can_edit_records(by), "Bạn không có quyền cập nhật hợp đồng hỗ trợ có thu hồi.")


def _save(obj: models.Model, *, by, reason: str) -> models.Model:
    """Validate and save, so that the history row names the user and the reason."""
    obj._history_user = by
    obj._change_reason = reason[:100]
    obj.full_clean()
    obj.save()
    return obj


# A refusal about one argument, keyed by its name: the forms, whose fields bear the same
# names, show it beside the field (funding.views._add_refusal).
_at = rules.at
_not_after_today = rules.not_after_today


def _lock(contract: LoanContract) -> LoanContract:
    """The contract, locked for the transaction (PostgreSQL) so that two entries cannot both
    pass the outstanding-principal check."""
    return LoanContract.objects.select_for_update().get(pk=contract.pk)


def _lock_project(project_id: int) -> Project:
    """The đề án, locked for the transaction (PostgreSQL), so that two entries cannot both pass
    its budget. Locked before any contract of it, in every workflow and in the workbook import,
    so that two of them never wait on each other."""
    return Project.objects.select_for_update().get(pk=project_id)


def _total(queryset: models.QuerySet, field: str) -> int:
    return queryset.aggregate(total=Coalesce(models.Sum(field), 0))["total"]


def _has_open_lawsuit(contract: LoanContract) -> bool:
    return contract.lawsuits.filter(closed_on__isnull=True).exclude(status=Lawsuit.Status.CLOSED).exists()


def _refresh_state(contract: LoanContract, *, by, reason: str) -> LoanContract:
    disbursed = contract.disbursed_on is not None
    state = rules.contract_state(
        disbursed=disbursed,
        written_off=disbursed and WriteOff.objects.filter(contract=contract).exists(),
        in_litigation=disbursed and _has_open_lawsuit(contract),
        outstanding=outstanding_principal(contract) if disbursed else 0,
    )
    if state != contract.state:
        contract.state = state
        _save(contract, by=by, reason=reason)
    return contract


def _sync(target: LoanContract, source: LoanContract) -> None:
    """Give the caller's instance the values written through the locked copy."""
    target.state = source.state
    target.disbursed_on = source.disbursed_on


def _check_rows(
    rows: ScheduleRows, *, total: int, after: datetime.date | None, what: str, until: datetime.date | None = None
) -> list[tuple]:
    """THE check of a schedule typed by hand, on every path (a draft's table, the disbursement,
    a reschedule): at least one instalment; each a whole number of đồng above 0, due after
    ``after`` and after the one before, and by ``until`` (the end of the term); their sum
    ``total``. Every row at fault is named ("Kỳ 2: …"), all at once."""
    rows = [(due, amount) for due, amount in rows]
    if not rows:
        raise _at("instalments", f"{what} phải có ít nhất một kỳ trả.")
    errors = []
    for n, (due, amount) in enumerate(rows, start=1):
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            errors.append(f"Kỳ {n}: số tiền phải trả phải là số đồng nguyên lớn hơn 0.")
        if not isinstance(due, datetime.date):
            errors.append(f"Kỳ {n}: thiếu ngày đến hạn.")
            continue
        if after and due <= after:
            errors.append(f"Kỳ {n}: ngày đến hạn phải sau ngày {date_short(after)}.")
        elif n > 1 and isinstance(rows[n - 2][0], datetime.date) and due <= rows[n - 2][0]:
            errors.append(f"Kỳ {n}: ngày đến hạn phải sau ngày đến hạn của kỳ trước.")
        if until and due > until:
            errors.append(f"Kỳ {n}: ngày đến hạn ({date_short(due)}) quá thời hạn hợp đồng (đến {date_short(until)}).")
    if errors:
        raise _at("instalments", errors)
    scheduled = sum(amount for _, amount in rows)
    if scheduled != total:
        raise _at("instalments", f"{what}: tổng các kỳ ({money_exact(scheduled)}) phải bằng {money_exact(total)}.")
    return rows


def _write_schedule(contract: LoanContract, version: int, rows: ScheduleRows, *, by, reason: str) -> list[Instalment]:
    return [
        _save(
            Instalment(contract=contract, schedule_version=version, number=n, due_date=due, principal_due=amount),
            by=by,
            reason=reason,
        )
        for n, (due, amount) in enumerate(rows, start=1)
    ]


# --- disbursement and schedule ---------------------------------------------------------------


@ledger_write
def generate_schedule(*, contract: LoanContract, by, instalments: ScheduleRows | None = None) -> list[Instalment]:
    """Write the first schedule: the equal instalments of import-format.md, or ``instalments``
    given as (due date, amount) pairs in order, summing to the principal."""
    _can_edit(by)
    locked = _lock(contract)
    if Instalment.objects.filter(contract=locked).exists():
        raise ValidationError("Hợp đồng đã có lịch trả; muốn thay đổi hãy lập điều chỉnh lịch trả nợ.")
    if instalments is None:
        rows = [(due, amount) for _, due, amount in locked.standard_schedule()]
        reason = "Lập lịch trả theo quy tắc trả đều"
    else:
        start = locked.disbursed_on
        rows = _check_rows(
            instalments, total=locked.principal, after=start, what="Lịch trả", until=locked.term_end(start) if start else None
        )
        reason = "Nhập lịch trả cụ thể"
    return _write_schedule(locked, 1, rows, by=by, reason=reason)


def available_principal(project: Project) -> int:
    """What a new contract of ``project`` may still lend: its budget (``Project.budget``, the
    approved one, the planned one while none is approved) less what its contracts lend, the
    ceiling ``rules.contract`` checks. The contract form starts with it."""
    lent = _total(LoanContract.objects.filter(project=project), "principal")
    return max(project.budget - lent, 0)


def _contract_terms(
    *, project: Project, facility: Facility, signed_on: datetime.date, principal: int, lent: int
) -> None:
    rules.contract(project=project, signed_on=signed_on, principal=principal, lent=lent)
    rules.beneficiary(project=project, facility=facility, is_beneficiary=project.facilities.filter(pk=facility.pk).exists())


def _plan_schedule(contract: LoanContract, instalments: ScheduleRows | None, *, by, reason: str) -> None:
    """A draft's planned schedule (version 1) made to be ``instalments``; None: none planned, the
    equal instalments are made at disbursement. Rows kept where unchanged, so that the history
    shows only what changed. Dated from the signing: after it and within the term from it."""
    rows = []
    if instalments is not None:
        rows = _check_rows(
            instalments, total=contract.principal, after=contract.signed_on, what="Lịch trả",
            until=contract.term_end(contract.signed_on),
        )
    existing = {i.number: i for i in Instalment.objects.filter(contract=contract, schedule_version=1)}
    for n, (due, amount) in enumerate(rows, start=1):
        instalment = existing.pop(n, None) or Instalment(contract=contract, schedule_version=1, number=n)
        if instalment.pk is None or (instalment.due_date, instalment.principal_due) != (due, amount):
            instalment.due_date, instalment.principal_due = due, amount
            _save(instalment, by=by, reason=reason)
    for instalment in existing.values():
        instalment._history_user = by
        instalment._change_reason = reason[:100]
        instalment.delete()


@ledger_write
def create_contract(
    *,
    project: Project,
    facility: Facility,
    number: str,
    signed_on: datetime.date,
    principal: int,
    term_months: int,
    grace_months: int,
    instalment_count: int,
    by,
    instalments: ScheduleRows | None = None,
) -> LoanContract:
    """A draft contract of a recoverable đề án with one of its facilities. The đề án must be
    approved (or under way, or done), and its contracts together may not lend more than its
    approved budget (the planned one while none is approved). ``instalments``: its planned
    schedule (``_plan_schedule``), else the equal instalments at disbursement."""
    _can_edit(by)
    project = _lock_project(project.pk)  # one budget check at a time
    lent = _total(LoanContract.objects.filter(project=project), "principal")
    _contract_terms(project=project, facility=facility, signed_on=signed_on, principal=principal, lent=lent)
    contract = LoanContract(
        project=project,
        facility=facility,
        number=" ".join(number.split()),
        signed_on=signed_on,
        principal=principal,
        term_months=term_months,
        grace_months=grace_months,
        instalment_count=instalment_count,
    )
    _save(contract, by=by, reason="Lập hợp đồng")
    _plan_schedule(contract, instalments, by=by, reason="Lập lịch trả dự kiến")
    return contract


@ledger_write
def update_contract(
    *,
    contract: LoanContract,
    facility: Facility,
    number: str,
    signed_on: datetime.date,
    principal: int,
    term_months: int,
    grace_months: int,
    instalment_count: int,
    by,
    instalments: ScheduleRows | None = None,
) -> LoanContract:
    """Correct a draft contract: its terms and its planned schedule, under the rules it was made
    by (the đề án's budget counting its other contracts). Refused once disbursed
    (``LoanContract.edit_refusal``)."""
    _can_edit(by)
    project = _lock_project(contract.project_id)
    locked = _lock(contract)
    if (refusal := locked.edit_refusal()) is not None:
        raise ValidationError(refusal)
    lent = _total(LoanContract.objects.filter(project=project).exclude(pk=locked.pk), "principal")
    _contract_terms(project=project, facility=facility, signed_on=signed_on, principal=principal, lent=lent)
    terms = {
        "facility": facility, "number": " ".join(number.split()), "signed_on": signed_on, "principal": principal,
        "term_months": term_months, "grace_months": grace_months, "instalment_count": instalment_count,
    }
    if any(getattr(locked, name) != value for name, value in terms.items()):  # no empty history row
        for name, value in terms.items():
            setattr(locked, name, value)
        _save(locked, by=by, reason="Sửa hợp đồng dự thảo")
    _plan_schedule(locked, instalments, by=by, reason="Sửa lịch trả dự kiến")
    return locked


@ledger_write
def disburse_contract(
    *,
    contract: LoanContract,
    date: datetime.date,
    by,
    document_number: str = "",
    funding_source: FundingSource | None = None,
    instalments: ScheduleRows | None = None,
) -> LoanContract:
    """Pay the principal out: the contract becomes active and gets its schedule (the equal
    instalments, or ``instalments``) unless one was entered before. With a document number, the
    đề án's ``Disbursement`` is recorded too; a recoverable đề án's disbursements may not exceed
    its contracts' principal."""
    _can_edit(by)
    rules.contract_disbursal(date=date)
    project = _lock_project(contract.project_id)
    locked = _lock(contract)
    if locked.state != State.DRAFT or locked.disbursed_on is not None:
        raise ValidationError("Hợp đồng này đã được giải ngân.")
    locked.disbursed_on = date
    locked.state = State.ACTIVE
    _save(locked, by=by, reason="Giải ngân hợp đồng")
    if document_number:
        _disburse(
            project=project,
            date=date,
            amount=locked.principal,
            document_number=document_number,
            funding_source=funding_source,
            by=by,
            reason=f"Giải ngân hợp đồng {locked.number}",
        )
    planned = list(Instalment.objects.filter(contract=locked, schedule_version=1).order_by("number"))
    if planned and instalments is None:
        # The schedule planned on the draft (dated from the signing) must still fit the money's day.
        try:
            _check_rows(
                [(i.due_date, i.principal_due) for i in planned], total=locked.principal, after=date,
                what="Lịch trả dự kiến", until=locked.term_end(date),
            )
        except ValidationError as refused:
            raise _at(
                "date",
                f"Lịch trả dự kiến của hợp đồng không hợp với ngày giải ngân này ({' '.join(refused.messages)}); "
                "hãy sửa hợp đồng (nút “Sửa”) trước khi giải ngân.",
            ) from refused
    if not planned:
        try:
            generate_schedule(contract=locked, by=by, instalments=instalments)
        except ValidationError as refused:  # the equal schedule does not divide: type one instead
            if hasattr(refused, "error_dict"):
                raise
            raise _at("instalments", " ".join(refused.messages)) from refused
    elif instalments is not None:
        raise ValidationError("Hợp đồng đã có lịch trả; muốn thay đổi hãy lập điều chỉnh lịch trả nợ.")
    _sync(contract, locked)
    return contract


def _disburse(
    *, project: Project, date, amount: int, document_number: str, funding_source: FundingSource | None, by, reason: str,
    kind: str = Disbursement.Kind.PAYMENT,
) -> Disbursement:
    """Record a disbursement of ``project``, which the caller has locked."""
    disbursements = Disbursement.objects.filter(project=project)
    disbursed = _total(disbursements, "amount")
    rules.disbursement(project=project, date=date, amount=amount, disbursed=disbursed)
    rules.disbursement_kind(project=project, kind=kind)
    document_number = document_number.strip()
    rules.new_document(disbursements.values_list("document_number", flat=True), document_number)
    if project.support_form == SupportForm.RECOVERABLE:
        lent = _total(LoanContract.objects.filter(project=project), "principal")
        rules.disbursed_within_contracts(project=project, disbursed=disbursed + amount, lent=lent)
    return _save(
        Disbursement(
            project=project,
            date=date,
            amount=amount,
            funding_source=funding_source,
            document_number=document_number,
            kind=kind,
        ),
        by=by,
        reason=reason,
    )


@ledger_write
def record_disbursement(
    *,
    project: Project,
    date: datetime.date,
    amount: int,
    document_number: str,
    by,
    funding_source: FundingSource | None = None,
    kind: str = Disbursement.Kind.PAYMENT,
) -> Disbursement:
    """Money paid out for a đề án: an approved one (``Project.is_payable``), dated by today,
    within its budget (``Project.budget``) with every disbursement before it, and, for a
    recoverable đề án, within its contracts' principal; the document number new to the đề án;
    an advance (``kind``) only before the đề án is settled (``rules.disbursement_kind``)."""
    _require(roles.can_record_disbursements(by), "Bạn không có quyền ghi nhận giải ngân.")
    locked = _lock_project(project.pk)
    return _disburse(
        project=locked,
        date=date,
        amount=amount,
        document_number=document_number,
        funding_source=funding_source,
        by=by,
        reason="Ghi nhận tạm ứng" if kind == Disbursement.Kind.ADVANCE else "Ghi nhận giải ngân",
        kind=kind,
    )


@ledger_write
def reschedule(*, contract: LoanContract, date: datetime.date, instalments: ScheduleRows, reason: str, by) -> Reschedule:
    """Approve a new schedule from ``date``: ``instalments`` (due date, amount), all due after
    ``date``, summing to the principal outstanding on ``date``. Department staff only."""
    _require(roles.can_approve(by), "Chỉ chuyên viên Sở Công Thương được phê duyệt điều chỉnh lịch trả nợ.")
    _not_after_today(date, "Ngày điều chỉnh", "date")
    locked = _lock(contract)
    if not reason or not reason.strip():
        raise ValidationError("Cần ghi lý do điều chỉnh lịch trả nợ.")
    if locked.state not in (State.ACTIVE, State.LITIGATION):
        raise ValidationError(
            f"Chỉ điều chỉnh lịch trả cho hợp đồng đang thu hồi hoặc đang khởi kiện (hiện: {locked.get_state_display()})."
        )
    if date < locked.disbursed_on:
        raise _at("date", f"Ngày điều chỉnh không được trước ngày giải ngân ({date_short(locked.disbursed_on)}).")
    current = Instalment.objects.filter(contract=locked).aggregate(v=models.Max("schedule_version"))["v"]
    if not current:
        raise ValidationError("Hợp đồng chưa có lịch trả để điều chỉnh.")
    last = Reschedule.objects.filter(contract=locked).order_by("-date").first()
    if last and date <= last.date:
        raise _at("date", f"Ngày điều chỉnh phải sau lần điều chỉnh trước ({date_short(last.date)}).")
    outstanding = outstanding_principal(locked, on_or_before=date)
    if outstanding <= 0:
        raise _at("date", "Hợp đồng không còn dư nợ vào ngày điều chỉnh.")
    rows = _check_rows(instalments, total=outstanding, after=date, what="Lịch trả mới")
    carried = [(a.due_date, a.paid) for a in allocate(locked, as_of=date) if a.paid > 0]
    version = current + 1
    record = _save(
        Reschedule(contract=locked, version=version, date=date, outstanding=outstanding, reason=reason.strip(), by=by),
        by=by,
        reason="Phê duyệt điều chỉnh lịch trả nợ",
    )
    new_rows = sorted(carried + rows, key=lambda row: row[0])
    _write_schedule(locked, version, new_rows, by=by, reason=f"Lịch trả phiên bản {version}")
    return record


# --- repayments ------------------------------------------------------------------------------


@ledger_write
def record_repayment(*, contract: LoanContract, date: datetime.date, amount: int, receipt_number: str, by) -> Repayment:
    """Record money repaid; it goes to the oldest unpaid instalment first (``loans.allocate``)."""
    _can_edit(by)
    locked = _lock(contract)
    rules.repayment(
        date=date,
        amount=amount,
        disbursed_on=locked.disbursed_on,
        written_off=locked.state == State.WRITTEN_OFF or WriteOff.objects.filter(contract=locked).exists(),
        outstanding=outstanding_principal(locked),
    )
    receipt_number = receipt_number.strip()
    rules.new_receipt(locked.repayments.values_list("receipt_number", flat=True), receipt_number)
    repayment = _save(
        Repayment(contract=locked, date=date, amount=amount, receipt_number=receipt_number),
        by=by,
        reason="Ghi nhận trả nợ",
    )
    _refresh_state(locked, by=by, reason="Trả hết nợ gốc")
    _sync(contract, locked)
    return repayment


@ledger_write
def reverse_repayment(*, repayment: Repayment, date: datetime.date, reason: str, by, receipt_number: str = "") -> Repayment:
    """Cancel a wrong repayment by a reversal entry of the same amount; the first stays on record."""
    _can_edit(by)
    _not_after_today(date, "Ngày đảo", "date")
    locked = _lock(repayment.contract)
    original = Repayment.objects.select_for_update().get(pk=repayment.pk)
    if not reason or not reason.strip():
        raise ValidationError("Cần ghi lý do đảo khoản trả nợ.")
    if original.reversal_of_id:
        raise ValidationError("Đây là bút toán đảo; không đảo một bút toán đảo.")
    if Repayment.objects.filter(reversal_of=original).exists():
        raise ValidationError("Khoản trả nợ này đã được đảo.")
    if WriteOff.objects.filter(contract=locked).exists():
        raise ValidationError("Hợp đồng đã được xóa nợ; không đảo khoản trả nợ trước khi xóa nợ.")
    rules.reversal(date=date, original_date=original.date)
    reversal = _save(
        Repayment(
            contract=locked,
            date=date,
            amount=original.amount,
            receipt_number=receipt_number or f"ĐẢO-{original.receipt_number}"[:60],
            reversal_of=original,
        ),
        by=by,
        reason=f"Đảo: {reason.strip()}",
    )
    _refresh_state(locked, by=by, reason="Đảo khoản trả nợ")
    _sync(repayment.contract, locked)
    return reversal


@ledger_write
def note_collection(*, contract: LoanContract, collection_note: str, by) -> LoanContract:
    """Write what is done about the contract's debt (empty clears it); the history keeps every
    version. A contract long overdue, never sued and with a note is not warned of before a
    report is issued (reporting.checks)."""
    _can_edit(by)
    locked = _lock(contract)
    locked.collection_note = (collection_note or "").strip()
    _save(locked, by=by, reason="Ghi biện pháp xử lý nợ")
    _sync(contract, locked)
    return locked


# --- lawsuits --------------------------------------------------------------------------------


@ledger_write
def file_lawsuit(*, contract: LoanContract, filed_on: datetime.date, court: str, by, case_number: str = "") -> Lawsuit:
    """Sue the facility: the contract is in litigation, and its overdue days stop growing."""
    _can_edit(by)
    locked = _lock(contract)
    rules.lawsuit(filed_on=filed_on, disbursed_on=locked.disbursed_on, written_off=locked.state == State.WRITTEN_OFF)
    if _has_open_lawsuit(locked):
        raise ValidationError("Hợp đồng đang có vụ khởi kiện chưa kết thúc.")
    lawsuit = _save(
        Lawsuit(contract=locked, filed_on=filed_on, court=court, case_number=case_number),
        by=by,
        reason="Khởi kiện",
    )
    _refresh_state(locked, by=by, reason="Khởi kiện")
    _sync(contract, locked)
    return lawsuit


@ledger_write
def add_hearing(*, lawsuit: Lawsuit, date: datetime.date, note: str, by) -> Hearing:
    """A hearing held: recorded once it took place (a scheduled one would hold the case open)."""
    _can_edit(by)
    _not_after_today(date, "Ngày phiên tòa", "date")
    if date < lawsuit.filed_on:
        raise _at("date", f"Ngày phiên tòa không được trước ngày khởi kiện ({date_short(lawsuit.filed_on)}).")
    return _save(Hearing(lawsuit=lawsuit, date=date, note=note), by=by, reason="Ghi phiên tòa")


@ledger_write
def record_judgment(
    *,
    lawsuit: Lawsuit,
    judgment_date: datetime.date,
    by,
    judgment_number: str = "",
    amount_awarded: int | None = None,
    enforcing: bool = False,
    enforcement_notes: str = "",
) -> Lawsuit:
    """The court's judgment; ``enforcing`` when its enforcement (thi hành án) has begun."""
    _can_edit(by)
    _not_after_today(judgment_date, "Ngày bản án", "judgment_date")
    lawsuit = Lawsuit.objects.select_for_update().get(pk=lawsuit.pk)
    if lawsuit.status == Lawsuit.Status.CLOSED:
        raise ValidationError("Vụ khởi kiện đã kết thúc.")
    if judgment_date < lawsuit.filed_on:
        raise _at("judgment_date", f"Ngày bản án không được trước ngày khởi kiện ({date_short(lawsuit.filed_on)}).")
    lawsuit.judgment_date = judgment_date
    lawsuit.judgment_number = judgment_number
    lawsuit.amount_awarded = amount_awarded
    lawsuit.status = Lawsuit.Status.ENFORCING if enforcing else Lawsuit.Status.JUDGED
    if enforcement_notes:
        lawsuit.enforcement_notes = enforcement_notes
    return _save(lawsuit, by=by, reason="Ghi bản án")


@ledger_write
def close_lawsuit(*, lawsuit: Lawsuit, closed_on: datetime.date, by, note: str = "") -> Lawsuit:
    """End the case: overdue days grow again from the next day, the paused span left out."""
    _can_edit(by)
    _not_after_today(closed_on, "Ngày kết thúc vụ kiện", "closed_on")
    lawsuit = Lawsuit.objects.select_for_update().get(pk=lawsuit.pk)
    locked = _lock(lawsuit.contract)
    if lawsuit.status == Lawsuit.Status.CLOSED or lawsuit.closed_on:
        raise ValidationError("Vụ khởi kiện đã kết thúc.")
    if closed_on < lawsuit.filed_on:
        raise _at("closed_on", f"Ngày kết thúc không được trước ngày khởi kiện ({date_short(lawsuit.filed_on)}).")
    last_hearing = lawsuit.hearings.aggregate(last=models.Max("date"))["last"]
    for day, what in ((last_hearing, "phiên tòa cuối cùng"), (lawsuit.judgment_date, "ngày bản án")):
        if day and closed_on < day:
            raise _at("closed_on", f"Ngày kết thúc không được trước {what} ({date_short(day)}).")
    lawsuit.status = Lawsuit.Status.CLOSED
    lawsuit.closed_on = closed_on
    if note:
        lawsuit.enforcement_notes = f"{lawsuit.enforcement_notes}\n{note}".strip()
    _save(lawsuit, by=by, reason="Kết thúc vụ khởi kiện")
    _refresh_state(locked, by=by, reason="Kết thúc vụ khởi kiện")
    return lawsuit


# --- write-off and recovery ------------------------------------------------------------------


@ledger_write
def write_off(*, contract: LoanContract, date: datetime.date, reason: str, by, decision_number: str = "") -> WriteOff:
    """Write off the whole principal outstanding (department staff only, with a reason)."""
    _require(roles.can_write_off(by), "Chỉ chuyên viên Sở Công Thương được quyết định xóa nợ.")
    _not_after_today(date, "Ngày xóa nợ", "date")
    locked = _lock(contract)
    if not reason or not reason.strip():
        raise ValidationError("Cần ghi lý do xóa nợ.")
    if locked.disbursed_on is None:
        raise ValidationError("Hợp đồng chưa giải ngân.")
    if WriteOff.objects.filter(contract=locked).exists():
        raise ValidationError("Hợp đồng này đã được xóa nợ.")
    if date < locked.disbursed_on:
        raise _at("date", f"Ngày xóa nợ không được trước ngày giải ngân ({date_short(locked.disbursed_on)}).")
    later = Repayment.objects.filter(contract=locked, date__gt=date, reversal_of__isnull=True).exclude(
        pk__in=Repayment.objects.filter(reversal_of__isnull=False).values("reversal_of")
    )
    if later.exists():  # a wrong entry cancelled by its reversal does not count
        raise _at("date", "Hợp đồng có khoản trả nợ sau ngày xóa nợ; hãy kiểm tra lại ngày xóa nợ.")
    outstanding = outstanding_principal(locked)
    if outstanding <= 0:
        raise ValidationError("Hợp đồng không còn dư nợ để xóa.")
    record = _save(
        WriteOff(contract=locked, date=date, amount=outstanding, reason=reason.strip(), decision_number=decision_number, by=by),
        by=by,
        reason="Xóa nợ",
    )
    _refresh_state(locked, by=by, reason="Xóa nợ")
    _sync(contract, locked)
    return record


@ledger_write
def record_recovery(*, contract: LoanContract, date: datetime.date, amount: int, receipt_number: str, by) -> Recovery:
    """Money collected after the write-off; all recoveries together not above the amount written off."""
    _can_edit(by)
    _not_after_today(date, "Ngày thu hồi", "date")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise _at("amount", "Số tiền thu hồi phải là số đồng nguyên lớn hơn 0.")
    locked = _lock(contract)
    written = WriteOff.objects.filter(contract=locked).first()
    if written is None:
        raise ValidationError("Hợp đồng chưa được xóa nợ: khoản tiền thu được phải ghi là khoản trả nợ.")
    if date < written.date:
        raise _at("date", f"Ngày thu hồi không được trước ngày xóa nợ ({date_short(written.date)}).")
    recovered = Recovery.objects.filter(contract=locked).aggregate(total=Coalesce(models.Sum("amount"), 0))["total"]
    if recovered + amount > written.amount:
        raise _at(
            "amount",
            f"Tổng số tiền thu hồi ({money_exact(recovered + amount)}) không được vượt số tiền đã xóa nợ "
            f"({money_exact(written.amount)}).",
        )
    rules.new_receipt(locked.recoveries.values_list("receipt_number", flat=True), receipt_number)
    return _save(
        Recovery(contract=locked, date=date, amount=amount, receipt_number=receipt_number),
        by=by,
        reason="Thu hồi sau xóa nợ",
    )
