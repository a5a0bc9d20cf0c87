"""The workflows of funding/services.py: refusals that change nothing, reversals, write-off and
recovery, reschedule, the audit trail; and the portfolio summary, the two lists and their export."""

from __future__ import annotations

import datetime
import io
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from funding import loans, services
from funding.exports import due_within_sheet, overdue_sheet
from funding.models import Instalment, Lawsuit, LoanContract, Recovery, Repayment, Reschedule, WriteOff
from khuyencong.core import excel, roles
from tests.test_loans import D, disbursed_contract, make_contract, make_user, pay, status

State = LoanContract.State


@pytest.fixture
def staff(db):
    return make_user(roles.DATA_ENTRY)


@pytest.fixture
def department(db):
    return make_user(roles.DEPARTMENT)


def _snapshot(contract: LoanContract) -> tuple:
    contract.refresh_from_db()
    return (
        contract.state,
        list(Repayment.objects.filter(contract=contract).values_list("pk", "amount", "date")),
        Repayment.history.filter(contract_id=contract.pk).count(),
    )


def _refused(call, contract: LoanContract, *words: str) -> None:
    """``call`` raises a Vietnamese ValidationError containing ``words``, and nothing changes."""
    before = _snapshot(contract)
    with pytest.raises(ValidationError) as refused:
        call()
    message = " ".join(refused.value.messages)
    for word in words:
        assert word in message
    assert _snapshot(contract) == before


# --- bad input refused -----------------------------------------------------------------------


def test_a_repayment_above_the_outstanding_principal_is_refused(staff):
    contract = disbursed_contract(staff)
    pay(contract, staff, D(2022, 2, 10), 30_000_000)
    _refused(lambda: pay(contract, staff, D(2022, 3, 10), 10_000_001), contract, "vượt dư nợ", "10.000.000 đồng")
    pay(contract, staff, D(2022, 3, 10), 10_000_000)
    contract.refresh_from_db()
    assert contract.state == State.REPAID


def test_a_repayment_dated_before_the_disbursement_is_refused(staff):
    contract = disbursed_contract(staff)
    _refused(lambda: pay(contract, staff, D(2022, 1, 9), 1_000_000), contract, "trước ngày giải ngân (10/01/2022)")


@pytest.mark.parametrize("amount", [0, -5_000_000])
def test_a_zero_or_negative_repayment_is_refused(staff, amount):
    contract = disbursed_contract(staff)
    _refused(lambda: pay(contract, staff, D(2022, 2, 10), amount), contract, "lớn hơn 0")


def test_a_repayment_on_a_written_off_contract_is_refused(staff, department):
    contract = disbursed_contract(staff)
    services.write_off(contract=contract, date=D(2023, 1, 10), reason="Cơ sở giải thể, không còn tài sản", by=department)
    _refused(lambda: pay(contract, staff, D(2023, 2, 1), 1_000_000), contract, "xóa nợ", "khoản thu hồi")


def test_a_repayment_cannot_be_deleted_one_or_many(staff):
    contract = disbursed_contract(staff)
    repayment = pay(contract, staff, D(2022, 2, 10), 10_000_000)
    _refused(repayment.delete, contract, "Không được xóa khoản trả nợ", "bút toán đảo")
    _refused(Repayment.objects.filter(contract=contract).delete, contract, "Không được xóa khoản trả nợ")
    assert Repayment.objects.filter(pk=repayment.pk).exists()


def test_a_repayment_is_reversed_by_a_second_entry_once(staff):
    contract = disbursed_contract(staff)
    repayment = pay(contract, staff, D(2022, 2, 10), 40_000_000)
    assert contract.state == State.REPAID
    reversal = services.reverse_repayment(repayment=repayment, date=D(2022, 2, 12), reason="Nhập nhầm số tiền", by=staff)
    assert (reversal.amount, reversal.reversal_of, reversal.receipt_number) == (
        40_000_000, repayment, f"ĐẢO-{repayment.receipt_number}",
    )  # fmt: skip
    contract.refresh_from_db()
    assert contract.state == State.ACTIVE
    assert Repayment.objects.filter(contract=contract).count() == 2
    assert status(contract, D(2022, 2, 28)).outstanding == 40_000_000
    _refused(
        lambda: services.reverse_repayment(repayment=repayment, date=D(2022, 2, 13), reason="lại", by=staff),
        contract,
        "đã được đảo",
    )
    _refused(
        lambda: services.reverse_repayment(repayment=reversal, date=D(2022, 2, 13), reason="lại", by=staff),
        contract,
        "bút toán đảo",
    )


def test_every_change_names_the_user_in_its_history(staff):
    contract = disbursed_contract(staff)
    repayment = pay(contract, staff, D(2022, 2, 10), 40_000_000)
    assert repayment.history.get().history_user == staff
    latest = contract.history.order_by("-history_id").first()
    assert (latest.state, latest.history_user, latest.history_change_reason) == (State.REPAID, staff, "Trả hết nợ gốc")
    assert {h.history_user for h in Instalment.history.filter(contract_id=contract.pk)} == {staff}


def test_a_viewer_cannot_record_a_repayment(staff):
    contract = disbursed_contract(staff)
    viewer = make_user(roles.VIEWER)
    with pytest.raises(PermissionDenied):
        pay(contract, viewer, D(2022, 2, 10), 1_000_000)


# --- write-off and recovery ------------------------------------------------------------------


def test_write_off_is_for_department_staff_and_recoveries_cannot_exceed_it(staff, department):
    contract = disbursed_contract(staff)
    pay(contract, staff, D(2022, 2, 10), 10_000_000)
    with pytest.raises(PermissionDenied):
        services.write_off(contract=contract, date=D(2023, 1, 10), reason="Phá sản", by=staff)
    _refused(lambda: services.write_off(contract=contract, date=D(2023, 1, 10), reason=" ", by=department), contract, "lý do")
    written = services.write_off(contract=contract, date=D(2023, 1, 10), reason="Cơ sở phá sản", by=department)
    assert (written.amount, written.by, contract.state) == (30_000_000, department, State.WRITTEN_OFF)
    assert written.history.get().history_user == department

    services.record_recovery(contract=contract, date=D(2023, 6, 1), amount=20_000_000, receipt_number="TH-01", by=staff)
    with pytest.raises(ValidationError) as refused:
        services.record_recovery(contract=contract, date=D(2023, 7, 1), amount=10_000_001, receipt_number="TH-02", by=staff)
    assert "không được vượt số tiền đã xóa nợ (30.000.000 đồng)" in refused.value.messages[0]
    services.record_recovery(contract=contract, date=D(2023, 7, 1), amount=10_000_000, receipt_number="TH-02", by=staff)
    assert Recovery.objects.filter(contract=contract).count() == 2

    s = status(contract, D(2023, 12, 31))
    assert (s.outstanding, s.written_off, s.balance, s.recovered, s.bucket) == (30_000_000, 30_000_000, 0, 30_000_000, None)
    before = status(contract, D(2022, 12, 31))
    assert (before.written_off, before.balance, before.bucket) == (0, 30_000_000, "181–360")


def test_a_recovery_needs_a_write_off_first(staff):
    contract = disbursed_contract(staff)
    with pytest.raises(ValidationError, match="chưa được xóa nợ"):
        services.record_recovery(contract=contract, date=D(2023, 6, 1), amount=1, receipt_number="TH-01", by=staff)


def test_write_off_and_recovery_amounts_are_positive_in_the_database(staff, department):
    from django.db import IntegrityError, transaction

    contract = disbursed_contract(staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        WriteOff.objects.create(contract=contract, date=D(2023, 1, 1), amount=0, reason="x", by=department)
    with pytest.raises(IntegrityError), transaction.atomic():
        Recovery.objects.create(contract=contract, date=D(2023, 1, 1), amount=-1, receipt_number="x")


# --- reschedule ------------------------------------------------------------------------------


def test_a_reschedule_keeps_the_old_version_and_the_new_one_is_used_from_its_date(staff, department):
    contract = disbursed_contract(staff)  # 10 triệu due 10/02, 10/03, 10/04, 10/05/2022
    pay(contract, staff, D(2022, 2, 10), 10_000_000)
    new = [(D(2022, 6, 10), 10_000_000), (D(2022, 9, 10), 10_000_000), (D(2022, 12, 10), 10_000_000)]
    with pytest.raises(PermissionDenied):
        services.reschedule(contract=contract, date=D(2022, 3, 20), instalments=new, reason="Mất mùa", by=staff)
    _refused(
        lambda: services.reschedule(contract=contract, date=D(2022, 3, 20), instalments=new[:2], reason="Mất mùa", by=department),
        contract,
        "phải bằng 30.000.000 đồng",
    )
    record = services.reschedule(contract=contract, date=D(2022, 3, 20), instalments=new, reason="Mất mùa", by=department)
    assert (record.version, record.outstanding, record.by) == (2, 30_000_000, department)

    old = Instalment.objects.filter(contract=contract, schedule_version=1).values_list("due_date", "principal_due")
    assert list(old) == [(D(2022, m, 10), 10_000_000) for m in (2, 3, 4, 5)]
    assert [(a.due_date, a.due, a.schedule_version) for a in loans.allocate(contract, as_of=D(2022, 4, 30))] == [
        (D(2022, 2, 10), 10_000_000, 2),  # what was repaid by the reschedule date, carried over
        *[(due, amount, 2) for due, amount in new],
    ]
    before = status(contract, D(2022, 3, 15))  # the old version was in force
    assert (before.schedule_version, before.overdue, before.days_past_due) == (1, 10_000_000, 5)
    after = status(contract, D(2022, 5, 31))
    assert (after.schedule_version, after.overdue, after.days_past_due, after.bucket) == (2, 0, 0, None)

    for due, amount in new:
        pay(contract, staff, due, amount)
    final = status(contract, D(2022, 12, 31))
    assert (final.outstanding, final.overdue) == (0, 0)
    # F17 keeps the lateness of instalment 2 of the old version, due before the reschedule.
    assert final.on_time is False


def test_a_reschedule_of_a_contract_paid_on_time_keeps_it_on_time(staff, department):
    contract = disbursed_contract(staff)
    pay(contract, staff, D(2022, 2, 10), 10_000_000)
    new = [(D(2022, 6, 10), 15_000_000), (D(2022, 12, 10), 15_000_000)]
    services.reschedule(contract=contract, date=D(2022, 3, 1), instalments=new, reason="Dịch bệnh", by=department)
    pay(contract, staff, D(2022, 6, 10), 15_000_000)
    assert status(contract, D(2022, 7, 1)).on_time
    assert Reschedule.objects.get(contract=contract).history.get().history_user == department


# --- portfolio, lists, export ----------------------------------------------------------------


def _book(staff, department) -> dict[str, LoanContract]:
    """Four contracts of 40 triệu (10 triệu due on the 10th of February to May 2022), as of 30/04/2022:
    a (2021) paid on time, 10 triệu outstanding, nothing late;
    b (2021) nothing paid: 79 days past due, its 40 triệu at risk;
    c (2022, a's facility) 20 triệu paid on 01/03 (instalment 1 late), instalment 3 unpaid,
      sued on 20/04: frozen at 10 days past due;
    d (2022) written off on 01/04/2022 (40 triệu), 5 triệu recovered on 15/04."""
    a = disbursed_contract(staff, year=2021, tax_code="0301234567")
    for month in (2, 3, 4):
        pay(a, staff, D(2022, month, 10), 10_000_000)
    b = disbursed_contract(staff, year=2021)
    c = disbursed_contract(staff, year=2022, facility=a.facility)
    pay(c, staff, D(2022, 3, 1), 20_000_000)
    services.file_lawsuit(contract=c, filed_on=D(2022, 4, 20), court="TAND tỉnh Lâm Đồng", by=staff)
    d = disbursed_contract(staff, year=2022)
    services.write_off(contract=d, date=D(2022, 4, 1), reason="Chủ cơ sở mất, không có người thừa kế", by=department)
    services.record_recovery(contract=d, date=D(2022, 4, 15), amount=5_000_000, receipt_number="TH-01", by=staff)
    return {"a": a, "b": b, "c": c, "d": d}


def test_portfolio_summary_overall_and_per_year(staff, department):
    _book(staff, department)
    summary = loans.portfolio_summary(as_of=D(2022, 4, 30))
    total = summary.total
    assert (total.contracts, total.lent, total.repaid, total.outstanding) == (4, 160_000_000, 50_000_000, 70_000_000)
    assert (total.written_off_contracts, total.written_off, total.recovered) == (1, 40_000_000, 5_000_000)
    assert (total.litigation_contracts, total.litigation_outstanding) == (1, 20_000_000)
    assert total.overdue == 30_000_000 + 10_000_000  # b: three instalments; c: instalment 3
    assert {k: (v.contracts, v.balance, v.overdue) for k, v in total.buckets.items()} == {
        "1–30": (1, 20_000_000, 10_000_000), "31–90": (1, 40_000_000, 30_000_000),
        "91–180": (0, 0, 0), "181–360": (0, 0, 0), ">360": (0, 0, 0),
    }  # fmt: skip
    assert total.portfolio_at_risk == Fraction(40_000_000, 70_000_000)
    # Facilities: a's (contracts a and c; c paid late), b's, d's: none on time.
    assert (total.facilities, total.facilities_on_time, total.on_time_rate) == (3, 0, Fraction(0))
    assert list(summary.by_year) == [2021, 2022]
    y2021 = summary.by_year[2021]
    assert (y2021.contracts, y2021.outstanding, y2021.facilities, y2021.facilities_on_time) == (2, 50_000_000, 2, 1)
    assert (y2021.on_time_rate, y2021.portfolio_at_risk) == (Fraction(1, 2), Fraction(4, 5))
    y2022 = summary.by_year[2022]
    assert (y2022.lent, y2022.outstanding, y2022.written_off, y2022.litigation_contracts) == (
        80_000_000, 20_000_000, 40_000_000, 1,
    )  # fmt: skip


@pytest.mark.parametrize("n", [1, 20])
def test_portfolio_summary_and_lists_read_a_fixed_number_of_queries(staff, django_assert_num_queries, n):
    for i in range(n):
        contract = disbursed_contract(staff, year=2021 + i % 3)
        pay(contract, staff, D(2022, 2, 10), 10_000_000)
    # On a day before the summaries were worked out (today), the ledgers: whether the summaries
    # hold (one), the contracts with facility, đề án and plan, the summaries of those that hold
    # (none), then instalments, reschedules, repayments, lawsuits, write-offs, recoveries.
    with django_assert_num_queries(9):
        summary = loans.portfolio_summary(as_of=D(2022, 6, 30))
    assert summary.total.contracts == n
    with django_assert_num_queries(8):
        assert len(loans.overdue_contracts(as_of=D(2022, 6, 30))) == n
    with django_assert_num_queries(7):
        assert len(loans.due_within(as_of=D(2022, 4, 1))) == n
    # Today, from the summaries in SQL: whether they hold, then aggregates by year and by
    # year and bucket, the same overall (portfolio); the rows (overdue list).
    today = timezone.localdate()
    with django_assert_num_queries(5):
        fast = loans.portfolio_summary(as_of=today)
    assert fast == loans.portfolio_summary(LoanContract.objects.all(), as_of=today)
    with django_assert_num_queries(2):
        rows = loans.overdue_contracts(as_of=today)
    assert rows == loans.overdue_contracts(LoanContract.objects.all(), as_of=today)


def test_due_and_overdue_lists_and_their_export(staff, department):
    book = _book(staff, department)
    due = loans.due_within(as_of=D(2022, 4, 15))
    # The instalment of 10/05 of a, b and c (10/04 is past); d is written off.
    assert [(r.contract_number, r.instalment, r.remaining, r.days_left) for r in due] == sorted(
        [(book[k].number, 4, 10_000_000, 25) for k in "abc"]
    )
    overdue = loans.overdue_contracts(as_of=D(2022, 4, 30))
    assert [(r.contract_number, r.days_past_due, r.bucket, r.in_litigation) for r in overdue] == [
        (book["b"].number, 79, "31–90", False),
        (book["c"].number, 10, "1–30", True),
    ]

    sheets = [excel.Sheet("Sắp đến hạn", due_within_sheet(due)), excel.Sheet("Quá hạn", overdue_sheet(overdue))]
    content = excel.xlsx_bytes(sheets)
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["Sắp đến hạn"]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Số hợp đồng", "Cơ sở", "Mã số thuế"]
    first_a = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == book["a"].number)
    assert (first_a[2].value, first_a[2].data_type, first_a[2].number_format) == ("0301234567", "s", "@")
    assert (first_a[7].value, first_a[7].data_type) == (10_000_000, "n")
    assert first_a[6].value.date() == D(2022, 5, 10)
    assert [c.value for c in workbook["Quá hạn"][2]][9:11] == [79, "31–90"]


# --- dates: nothing recorded before it happened -------------------------------------------------


def _counts() -> tuple:
    return (
        Repayment.objects.count(), Lawsuit.objects.count(), WriteOff.objects.count(), Instalment.objects.count(),
        list(LoanContract.objects.order_by("pk").values_list("state", "disbursed_on")),
        list(Lawsuit.objects.order_by("pk").values_list("status", "judgment_date", "closed_on")),
    )  # fmt: skip


def _tomorrow() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate() + datetime.timedelta(days=1)


def test_money_and_decisions_dated_after_today_are_refused_and_nothing_changes(staff, department):
    """A date still to come is a typing slip (2030 for 2026) that would sit in the ledger unseen
    until that day; each workflow refuses it with the date it took."""
    contract = disbursed_contract(staff)
    tomorrow = _tomorrow()
    paid = pay(contract, staff, D(2022, 2, 10), 10_000_000)
    sued = disbursed_contract(staff)
    lawsuit = services.file_lawsuit(contract=sued, filed_on=D(2022, 4, 1), court="TAND tỉnh Lâm Đồng", by=staff)
    draft = make_contract()
    before = _counts()
    attempts = [
        lambda: pay(contract, staff, tomorrow, 1_000),
        lambda: services.reverse_repayment(repayment=paid, date=tomorrow, reason="Ghi nhầm", by=staff),
        lambda: services.disburse_contract(contract=draft, date=tomorrow, by=staff),
        lambda: services.file_lawsuit(contract=contract, filed_on=tomorrow, court="TAND", by=staff),
        lambda: services.record_judgment(lawsuit=lawsuit, judgment_date=tomorrow, by=staff),
        lambda: services.close_lawsuit(lawsuit=lawsuit, closed_on=tomorrow, by=staff),
        lambda: services.write_off(contract=contract, date=tomorrow, reason="Giải thể", by=department),
        lambda: services.add_hearing(lawsuit=lawsuit, date=tomorrow, note="Hòa giải", by=staff),
        lambda: services.reschedule(
            contract=contract, date=tomorrow, instalments=[(tomorrow + datetime.timedelta(days=30), 30_000_000)],
            reason="Thiên tai", by=department,
        ),
        lambda: services.create_contract(
            project=draft.project, facility=draft.facility, number="99/2026/HĐ-KC", signed_on=tomorrow,
            principal=1_000_000, term_months=12, grace_months=0, instalment_count=12, by=staff,
        ),
    ]  # fmt: skip
    for attempt in attempts:
        with pytest.raises(ValidationError, match="không được sau hôm nay"):
            attempt()
    assert _counts() == before


def test_a_case_is_not_closed_before_its_last_hearing_or_its_judgment(staff):
    contract = disbursed_contract(staff)
    lawsuit = services.file_lawsuit(contract=contract, filed_on=D(2022, 8, 1), court="TAND tỉnh Lâm Đồng", by=staff)
    services.add_hearing(lawsuit=lawsuit, date=D(2022, 9, 15), note="Hòa giải", by=staff)
    with pytest.raises(ValidationError, match=r"trước phiên tòa cuối cùng \(15/09/2022\)"):
        services.close_lawsuit(lawsuit=lawsuit, closed_on=D(2022, 9, 1), by=staff)
    services.record_judgment(lawsuit=lawsuit, judgment_date=D(2022, 10, 1), by=staff)
    with pytest.raises(ValidationError, match=r"trước ngày bản án \(01/10/2022\)"):
        services.close_lawsuit(lawsuit=lawsuit, closed_on=D(2022, 9, 20), by=staff)
    services.close_lawsuit(lawsuit=lawsuit, closed_on=D(2022, 10, 1), by=staff)


def test_a_wrong_repayment_reversed_does_not_hold_a_write_off_back(staff, department):
    contract = disbursed_contract(staff)
    wrong = pay(contract, staff, D(2022, 6, 1), 5_000_000)
    with pytest.raises(ValidationError, match="khoản trả nợ sau ngày xóa nợ"):
        services.write_off(contract=contract, date=D(2022, 5, 1), reason="Giải thể", by=department)
    services.reverse_repayment(repayment=wrong, date=D(2022, 6, 2), reason="Ghi nhầm hợp đồng", by=staff)
    record = services.write_off(contract=contract, date=D(2022, 5, 1), reason="Giải thể", by=department)
    assert record.amount == 40_000_000


def test_a_receipt_number_is_used_once_a_contract_whatever_its_case(staff, department):
    contract = disbursed_contract(staff)
    services.record_repayment(contract=contract, date=D(2022, 2, 10), amount=1_000, receipt_number="BL-01", by=staff)
    with pytest.raises(ValidationError, match="đã có biên lai cùng số") as refused:
        services.record_repayment(contract=contract, date=D(2022, 2, 11), amount=1_000, receipt_number=" bl-01 ", by=staff)
    assert refused.value.message_dict == {"receipt_number": ["Hợp đồng này đã có biên lai cùng số."]}
    other = disbursed_contract(staff)  # another contract may use the same number
    services.record_repayment(contract=other, date=D(2022, 2, 10), amount=1_000, receipt_number="BL-01", by=staff)
    services.write_off(contract=contract, date=D(2022, 6, 1), reason="Giải thể", by=department)
    services.record_recovery(contract=contract, date=D(2022, 7, 1), amount=1_000, receipt_number="TH-1", by=staff)
    with pytest.raises(ValidationError, match="đã có biên lai cùng số"):
        services.record_recovery(contract=contract, date=D(2022, 7, 2), amount=1_000, receipt_number="th-1", by=staff)
