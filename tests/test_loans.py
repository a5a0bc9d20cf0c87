"""Recoverable support: the schedule rule, allocation, F17 at its edges, ageing, the lawsuit
pause, and the query count of ``contract_statuses``. The workflows' refusals, write-offs,
reschedules and the portfolio are in test_loans_services.py, which uses the helpers here."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.utils import timezone

from funding import loans, services
from funding.loans import ageing_bucket, allocate, contract_statuses, countable_days
from funding.models import Instalment, LoanContract, add_months
from khuyencong.core import roles
from projects.models import ActivityContent, AdministrativeUnit, AnnualPlan, Facility, FundingLevel, Program, Project, SupportForm

D = datetime.date
_seq = itertools.count(1)
SIGNED = D(2022, 1, 5)
DISBURSED = D(2022, 1, 10)


# --- helpers (used by test_loans_services.py too) --------------------------------------------


def make_user(role: str = roles.DATA_ENTRY, name: str | None = None) -> User:
    user = User.objects.create_user(name or f"user{next(_seq)}", password="x")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def make_plan(year: int = 2022) -> AnnualPlan:
    level = FundingLevel.objects.get(code="DP")
    program, _ = Program.objects.get_or_create(
        name="Chương trình khuyến công tỉnh Lâm Đồng 2021–2025",
        defaults={
            "funding_level": level,
            "province": AdministrativeUnit.objects.get(code="68"),
            "first_year": 2021,
            "last_year": 2025,
        },
    )
    return AnnualPlan.objects.get_or_create(program=program, year=year)[0]


def make_contract(
    *,
    principal: int = 40_000_000,
    signed_on: datetime.date = SIGNED,
    term: int = 4,
    grace: int = 0,
    count: int = 4,
    year: int = 2022,
    facility: Facility | None = None,
    tax_code: str = "",
) -> LoanContract:
    """A draft contract of a recoverable MMTB đề án in ``year``."""
    n = next(_seq)
    facility = facility or Facility.objects.create(
        name=f"Cơ sở {n}", tax_code=tax_code, administrative_unit=AdministrativeUnit.objects.get(code="672")
    )
    project = Project.objects.create(
        plan=make_plan(year),
        code=f"CTH-{n:02d}",
        name=f"Hỗ trợ máy móc thiết bị {n}",
        content=ActivityContent.objects.get(code="MMTB"),
        funding_level=FundingLevel.objects.get(code="DP"),
        support_form=SupportForm.RECOVERABLE,
        planned_budget=principal,
        approved_budget=principal,
        status=Project.Status.COMPLETED,
    )
    project.facilities.add(facility)
    return LoanContract.objects.create(
        project=project,
        facility=facility,
        number=f"{n:02d}/{year}/HĐ-KC",
        signed_on=signed_on,
        principal=principal,
        term_months=term,
        grace_months=grace,
        instalment_count=count,
    )


def disbursed_contract(by: User, *, on: datetime.date = DISBURSED, **kwargs) -> LoanContract:
    """A contract disbursed on ``on``: by default 40 triệu in 4 monthly instalments of 10 triệu,
    due on the 10th of February to May 2022."""
    contract = make_contract(**kwargs)
    services.disburse_contract(contract=contract, date=on, by=by)
    return contract


def pay(contract: LoanContract, by: User, day: datetime.date, amount: int):
    return services.record_repayment(contract=contract, date=day, amount=amount, receipt_number=f"BL-{next(_seq)}", by=by)


def status(contract: LoanContract, as_of: datetime.date):
    return contract_statuses([contract], as_of=as_of)[0]


@pytest.fixture
def staff(db) -> User:
    return make_user(roles.DATA_ENTRY)


@pytest.fixture
def department(db) -> User:
    return make_user(roles.DEPARTMENT)


# --- the schedule rule -----------------------------------------------------------------------


def test_add_months_keeps_the_day_or_takes_the_month_end():
    assert add_months(D(2022, 1, 31), 1) == D(2022, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2022, 11, 15), 3) == D(2023, 2, 15)


def test_generated_schedule_sums_exactly_to_the_principal_with_the_remainder_last(staff):
    # T = 28, G = 4, K = 8: one instalment every 3 months after a 4-month grace period.
    contract = disbursed_contract(staff, on=D(2022, 1, 31), principal=100_000_001, term=28, grace=4, count=8)
    rows = list(Instalment.objects.filter(contract=contract).values_list("number", "due_date", "principal_due"))
    assert [amount for _, _, amount in rows] == [12_500_000] * 7 + [12_500_001]
    assert sum(amount for _, _, amount in rows) == 100_000_001
    # Counted from the disbursement date each time: the 31st comes back after a short month.
    assert [due for _, due, _ in rows] == [
        D(2022, 8, 31), D(2022, 11, 30), D(2023, 2, 28), D(2023, 5, 31),
        D(2023, 8, 31), D(2023, 11, 30), D(2024, 2, 29), D(2024, 5, 31),
    ]  # fmt: skip
    assert contract.state == LoanContract.State.ACTIVE


def test_a_term_less_grace_that_does_not_divide_by_the_count_is_refused_and_nothing_changes(staff):
    contract = make_contract(term=12, grace=2, count=4)
    with pytest.raises(ValidationError) as refused:
        services.disburse_contract(contract=contract, date=D(2022, 1, 10), by=staff)
    assert "không chia hết cho số kỳ trả" in str(refused.value)
    contract.refresh_from_db()
    assert (contract.state, contract.disbursed_on) == (LoanContract.State.DRAFT, None)
    assert not Instalment.objects.filter(contract=contract).exists()


def test_an_explicit_schedule_must_sum_to_the_principal(staff):
    contract = make_contract(principal=30_000_000, term=12, grace=2, count=4)
    with pytest.raises(ValidationError) as refused:
        services.disburse_contract(
            contract=contract, date=D(2022, 1, 10), by=staff,
            instalments=[(D(2022, 6, 10), 10_000_000), (D(2022, 12, 10), 10_000_000)],
        )  # fmt: skip
    assert "phải bằng 30.000.000 đồng" in str(refused.value)
    services.disburse_contract(
        contract=contract, date=D(2022, 1, 10), by=staff,
        instalments=[(D(2022, 6, 10), 10_000_000), (D(2022, 12, 10), 20_000_000)],
    )  # fmt: skip
    assert [a.due for a in allocate(contract, as_of=D(2022, 1, 10))] == [10_000_000, 20_000_000]


# --- allocation ------------------------------------------------------------------------------


def test_repayments_go_to_the_oldest_unpaid_instalment_partial_then_full(staff):
    contract = disbursed_contract(staff)
    pay(contract, staff, D(2022, 2, 5), 15_000_000)  # instalment 1 in full, 5 triệu of instalment 2
    rows = allocate(contract, as_of=D(2022, 3, 1))
    assert [(a.paid, a.paid_on) for a in rows] == [
        (10_000_000, D(2022, 2, 5)), (5_000_000, None), (0, None), (0, None),
    ]  # fmt: skip
    pay(contract, staff, D(2022, 3, 20), 10_000_000)  # the rest of 2, ten days late; 5 triệu of 3
    rows = allocate(contract, as_of=D(2022, 4, 30))
    assert [(a.paid, a.paid_on, a.days_late) for a in rows] == [
        (10_000_000, D(2022, 2, 5), 0),
        (10_000_000, D(2022, 3, 20), 10),
        (5_000_000, None, 20),  # due 10/04, still short on 30/04
        (0, None, 0),
    ]
    s = status(contract, D(2022, 4, 30))
    assert (s.repaid, s.outstanding, s.principal_due, s.overdue) == (25_000_000, 15_000_000, 30_000_000, 5_000_000)
    assert (s.days_past_due, s.oldest_unpaid_due, s.bucket) == (20, D(2022, 4, 10), "1–30")


# --- F17 at its edges ------------------------------------------------------------------------


def _on_time_after(staff, payments, as_of=D(2022, 3, 31)) -> bool:  # noqa: B008
    contract = disbursed_contract(staff)  # 10 triệu due 10/02, 10/03, 10/04, 10/05
    for day, amount in payments:
        pay(contract, staff, day, amount)
    return status(contract, as_of).on_time


def test_paid_on_the_due_date_is_on_time(staff):
    assert _on_time_after(staff, [(D(2022, 2, 10), 10_000_000), (D(2022, 3, 10), 10_000_000)])


def test_one_dong_short_is_late(staff):
    assert not _on_time_after(staff, [(D(2022, 2, 10), 10_000_000), (D(2022, 3, 10), 9_999_999)])


def test_two_instalments_paid_early_at_once_are_on_time(staff):
    assert _on_time_after(staff, [(D(2022, 2, 1), 20_000_000)])


def test_a_partial_payment_then_the_rest_late_is_late(staff):
    assert not _on_time_after(staff, [(D(2022, 2, 10), 5_000_000), (D(2022, 2, 11), 5_000_000), (D(2022, 3, 10), 10_000_000)])


def test_nothing_due_yet_is_on_time_and_a_later_instalment_does_not_count_before_its_date(staff):
    assert _on_time_after(staff, [], as_of=D(2022, 2, 9))
    assert _on_time_after(staff, [(D(2022, 2, 10), 10_000_000)], as_of=D(2022, 3, 9))
    assert not _on_time_after(staff, [(D(2022, 2, 10), 10_000_000)], as_of=D(2022, 3, 10))


def test_a_reversed_repayment_no_longer_makes_the_instalment_on_time(staff):
    contract = disbursed_contract(staff)
    wrong = pay(contract, staff, D(2022, 2, 10), 10_000_000)
    services.reverse_repayment(repayment=wrong, date=D(2022, 2, 20), reason="Ghi nhầm hợp đồng", by=staff)
    assert status(contract, D(2022, 2, 15)).on_time  # as known on 15/02
    after = status(contract, D(2022, 2, 28))
    assert (after.on_time, after.repaid, after.overdue, after.days_past_due) == (False, 0, 10_000_000, 18)


# --- ageing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(0, None), (1, "1–30"), (30, "1–30"), (31, "31–90"), (90, "31–90"), (91, "91–180"), (180, "91–180"),
     (181, "181–360"), (360, "181–360"), (361, ">360"), (2000, ">360")],
)  # fmt: skip
def test_ageing_buckets_at_their_boundaries(staff, days, bucket):
    contract = disbursed_contract(staff, term=1, count=1)  # one instalment due 10/02/2022
    s = status(contract, D(2022, 2, 10) + datetime.timedelta(days=days))
    assert (s.days_past_due, s.bucket) == (days, bucket)
    assert ageing_bucket(days) == bucket


def test_countable_days_leaves_out_overlapping_pauses_once():
    pauses = [(D(2022, 3, 1), D(2022, 3, 11)), (D(2022, 3, 5), D(2022, 3, 21)), (D(2022, 4, 1), None)]
    # 1/2 → 30/4 is 88 days; paused 2/3–21/3 (20 days) and from 2/4 on (29 days).
    assert countable_days(D(2022, 2, 1), D(2022, 4, 30), pauses) == 88 - 20 - 29


# --- the lawsuit pause -----------------------------------------------------------------------


def test_overdue_days_are_frozen_while_a_lawsuit_is_open_and_resume_after_it_closes(staff):
    contract = disbursed_contract(staff, term=1, count=1)  # due 10/02/2022, never paid
    assert status(contract, D(2022, 3, 1)).days_past_due == 19
    lawsuit = services.file_lawsuit(contract=contract, filed_on=D(2022, 3, 12), court="TAND TP Bảo Lộc", by=staff)
    assert contract.state == LoanContract.State.LITIGATION
    for day in (D(2022, 3, 12), D(2022, 3, 13), D(2022, 6, 1)):
        s = status(contract, day)
        assert (s.days_past_due, s.in_litigation, s.sued) == (30, True, True)
    services.add_hearing(lawsuit=lawsuit, date=D(2022, 5, 5), note="Hòa giải không thành", by=staff)
    services.record_judgment(lawsuit=lawsuit, judgment_date=D(2022, 6, 1), amount_awarded=40_000_000, by=staff)
    services.close_lawsuit(lawsuit=lawsuit, closed_on=D(2022, 7, 1), by=staff)
    contract.refresh_from_db()
    assert contract.state == LoanContract.State.ACTIVE
    assert status(contract, D(2022, 7, 1)).days_past_due == 30
    closed = status(contract, D(2022, 7, 11))
    assert (closed.days_past_due, closed.in_litigation, closed.sued) == (40, False, True)
    # Before the filing date, the report of that date knows nothing of the case.
    assert (status(contract, D(2022, 3, 11)).sued, status(contract, D(2022, 3, 11)).days_past_due) == (False, 29)


# --- query counts ----------------------------------------------------------------------------


def _portfolio(staff, n: int) -> list[LoanContract]:
    contracts = []
    for i in range(n):
        contract = disbursed_contract(staff, year=2021 + i % 3)
        pay(contract, staff, D(2022, 2, 10), 10_000_000)
        if i % 4 == 1:
            services.file_lawsuit(contract=contract, filed_on=D(2022, 5, 1), court="TAND tỉnh Lâm Đồng", by=staff)
        contracts.append(contract)
    return contracts


@pytest.mark.parametrize("n", [1, 20])
def test_contract_statuses_reads_six_queries_whatever_the_number_of_contracts(staff, django_assert_num_queries, n):
    contracts = _portfolio(staff, n)
    # A day before the summaries were worked out (today): the summaries that hold (none), then
    # the ledgers' instalments, reschedules, repayments, lawsuits, write-offs, recoveries.
    with django_assert_num_queries(7):
        statuses = contract_statuses(contracts, as_of=D(2022, 6, 30))
    assert len(statuses) == n
    assert all(s.repaid == 10_000_000 and s.overdue == 30_000_000 for s in statuses)
    # Today (or a later day before the contracts' next record): the summaries alone.
    today = timezone.localdate()
    with django_assert_num_queries(1):
        fast = contract_statuses(contracts, as_of=today)
    assert fast == [ledger.status for ledger in loans._ledgers(contracts, today)]


def test_the_first_schedule_is_written_once_later_changes_are_reschedules(staff):
    contract = disbursed_contract(staff)
    with pytest.raises(ValidationError, match="điều chỉnh lịch trả"):
        services.generate_schedule(contract=contract, by=staff)
    assert Instalment.objects.filter(contract=contract).count() == 4
