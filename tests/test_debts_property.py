"""The fast debts (funding.loans' per-contract summaries, read in Python and in SQL) against the
full ledger, on random contract histories: schedules and reschedules, repayments and their
reversals, lawsuits opened and closed, write-offs and recoveries, disbursement dates.

Every record is written through the ORM one at a time, so the signals keep the summaries; after
each write the stored summary must equal the ledger's, and on random days from the day it was
worked out until the contracts' next record, every figure the pages show must equal
``contract_statuses`` through the ledgers (``loans._ledgers``).
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from funding import loans
from funding.models import (
    ContractDebt,
    Instalment,
    Lawsuit,
    LoanContract,
    Recovery,
    Repayment,
    Reschedule,
    WriteOff,
)
from projects.models import SupportForm
from tests import factories as f

PRINCIPAL = 120_000_000
offsets = st.integers(min_value=-400, max_value=300)  # days from today

schedule = st.lists(st.tuples(offsets, st.integers(1, 4)), min_size=1, max_size=5, unique_by=lambda r: r[0])
history = st.fixed_dictionaries(
    {
        "disbursed": st.one_of(st.none(), st.integers(-420, 60)),
        "v1": schedule,
        "reschedule": st.one_of(st.none(), st.tuples(st.integers(-300, 200), schedule, st.booleans())),
        "repayments": st.lists(
            st.tuples(offsets, st.sampled_from([5_000_000, 20_000_000, 40_000_000]), st.one_of(st.none(), st.integers(0, 200))),
            max_size=5,
        ),
        "lawsuit": st.one_of(
            st.none(),
            st.tuples(st.integers(-400, 200), st.one_of(st.none(), st.integers(0, 300)), st.booleans()),
        ),
        "write_off": st.one_of(st.none(), st.tuples(st.integers(-300, 200), st.one_of(st.none(), st.integers(1, 200)))),
    }
)

# What the pages show of a status; ContractStatus compares every field, these name them for a failure.
SHOWN = ("disbursed", "repaid", "outstanding", "overdue", "balance", "on_time", "sued", "in_litigation", "days_past_due",
         "bucket", "oldest_unpaid_due", "written_off", "recovered", "schedule_version", "lawsuit_status")


def _ledger_status(contract: LoanContract, day: datetime.date) -> loans.ContractStatus:
    return loans._ledgers([contract], day)[0].status


class FastDebtsMatchTheLedger(TestCase):
    def setUp(self) -> None:
        self.today = timezone.localdate()
        self.user = get_user_model().objects.create(username="kiemtra")
        plan = f.AnnualPlanFactory(year=2024)
        self.project = f.ProjectFactory(plan=plan, support_form=SupportForm.RECOVERABLE)
        self.facilities = [f.FacilityFactory(), f.FacilityFactory()]

    def day(self, offset: int) -> datetime.date:
        return self.today + datetime.timedelta(days=offset)

    def assert_summary_is_the_ledgers(self, contract: LoanContract) -> None:
        """The stored summary is what the ledger gives today, and its next date is right."""
        contract.refresh_from_db()
        debt = ContractDebt.objects.get(pk=contract.pk)
        assert debt.computed_on == self.today
        assert loans.status_from_summary(debt, self.today, contract) == _ledger_status(contract, self.today)
        assert debt.changes_on == loans._next_dates([contract.pk], self.today).get(contract.pk)

    def write(self, contract: LoanContract, model, **fields):
        obj = model.objects.create(contract=contract, **fields)
        self.assert_summary_is_the_ledgers(contract)
        return obj

    def build(self, n: int, h: dict, facility) -> LoanContract:
        signed = self.day(-430)
        contract = LoanContract.objects.create(
            project=self.project, facility=facility, number=f"{n}/HĐ-PBT", signed_on=signed, principal=PRINCIPAL,
            disbursed_on=None if h["disbursed"] is None else self.day(h["disbursed"]), term_months=36,
            grace_months=0, instalment_count=len(h["v1"]), state=LoanContract.State.ACTIVE,
        )
        self.assert_summary_is_the_ledgers(contract)
        for number, (offset, parts) in enumerate(sorted(h["v1"]), start=1):
            self.write(contract, Instalment, schedule_version=1, number=number, due_date=self.day(offset),
                       principal_due=parts * 10_000_000)
        if h["reschedule"]:
            offset, rows, recorded = h["reschedule"]
            for number, (due, parts) in enumerate(sorted(rows), start=1):
                self.write(contract, Instalment, schedule_version=2, number=number, due_date=self.day(due),
                           principal_due=parts * 10_000_000)
            if recorded:  # a reschedule dated; without it version 2 replaces version 1 from the start
                self.write(contract, Reschedule, version=2, date=self.day(offset), outstanding=PRINCIPAL, reason="Thiên tai",
                           by=self.user)
        for i, (offset, amount, reversed_after) in enumerate(h["repayments"]):
            paid = self.write(contract, Repayment, date=self.day(offset), amount=amount, receipt_number=f"BL-{i}")
            if reversed_after is not None:
                self.write(contract, Repayment, date=self.day(offset + reversed_after), amount=amount,
                           receipt_number=f"DAO-{i}", reversal_of=paid)
        if h["lawsuit"]:
            filed, closed_after, closed_status = h["lawsuit"]
            lawsuit = self.write(contract, Lawsuit, filed_on=self.day(filed), court="Tòa án nhân dân tỉnh")
            if closed_after is not None or closed_status:
                lawsuit.status = Lawsuit.Status.CLOSED
                lawsuit.closed_on = None if closed_after is None else self.day(filed + closed_after)
                lawsuit.save()
                self.assert_summary_is_the_ledgers(contract)
        if h["write_off"]:
            offset, recovered_after = h["write_off"]
            self.write(contract, WriteOff, date=self.day(offset), amount=30_000_000, reason="Giải thể", by=self.user)
            if recovered_after is not None:
                self.write(contract, Recovery, date=self.day(offset + recovered_after), amount=5_000_000, receipt_number="TH-1")
        return contract

    @settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        histories=st.lists(history, min_size=1, max_size=3),
        same_facility=st.booleans(),
        days=st.lists(st.integers(0, 500), min_size=1, max_size=4),
    )
    def test_the_summaries_give_the_ledgers_statuses(self, histories, same_facility, days):
        contracts = [
            self.build(n, h, self.facilities[0 if same_facility else n % 2]) for n, h in enumerate(histories)
        ]
        for offset in sorted(set(days)):
            day = self.day(offset)
            expected = {c.pk: _ledger_status(c, day) for c in contracts}
            holding = {
                d.pk: d for d in ContractDebt.objects.filter(pk__in=expected) if loans.summary_holds(d, day)
            }
            if offset == 0:
                assert set(holding) == set(expected)  # today: every summary holds
            # The rows and the Python path: each figure of each contract whose summary holds.
            for pk, debt in holding.items():
                fast = loans.status_from_summary(debt, day, next(c for c in contracts if c.pk == pk))
                for name in SHOWN:
                    assert getattr(fast, name) == getattr(expected[pk], name), (name, offset)
            # contract_statuses (summaries where they hold, ledgers for the rest).
            assert loans.contract_statuses(contracts, as_of=day) == [expected[c.pk] for c in contracts]
            # SQL: bucket and days past due, per contract.
            in_sql = {
                row["pk"]: row
                for row in ContractDebt.objects.filter(pk__in=holding).values(
                    "pk", dpd=loans.days_past_due_sql(day), label=loans.bucket_sql(day)
                )
            }
            for pk in holding:
                assert in_sql[pk]["label"] == expected[pk].bucket
                assert in_sql[pk]["dpd"] == expected[pk].days_past_due
            if len(holding) == len(contracts):
                # The pages' SQL: the overdue list and the portfolio, against the ledger path.
                ids = [c.pk for c in contracts]
                by_ledger = loans.overdue_contracts(LoanContract.objects.filter(pk__in=ids), as_of=day)
                by_ledger.sort(key=lambda r: (-r.days_past_due, r.contract_number))
                assert [loans.overdue_row(d) for d in loans.overdue_queryset(day)] == by_ledger
                assert loans.portfolio_from_summaries(day) == loans.portfolio_summary(
                    LoanContract.objects.filter(pk__in=ids), as_of=day
                )
