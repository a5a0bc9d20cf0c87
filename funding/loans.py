"""Recoverable support: the one module that says who owes what, who is late, who is sued.

The report's figures F16–F20 and every debt screen call ``contract_statuses``; nothing else
re-derives outstanding principal, lateness or the on-time rule.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from funding.models import Instalment, Lawsuit, LoanContract, Repayment


@dataclass(frozen=True)
class ContractStatus:
    """A contract as of a date. Money in whole đồng."""

    contract_id: int
    facility_id: int
    project_id: int
    principal: int
    disbursed: int  # the principal, once disbursed on or before the date
    repaid: int  # net of reversals, on or before the date
    outstanding: int
    principal_due: int  # instalments due on or before the date
    overdue: int  # principal due and not repaid
    on_time: bool  # F17 of report-figures.md
    sued: bool  # a lawsuit filed on or before the date

    @property
    def is_late(self) -> bool:
        return self.overdue > 0


def _on_time(instalments: list[Instalment], repayments: list[tuple[datetime.date, int]], as_of: datetime.date) -> bool:
    """F17: for every instalment due on or before ``as_of``, the repayments made on or before
    its due date cover all principal due up to and including it."""
    due_so_far = 0
    for instalment in instalments:  # in due-date order
        if instalment.due_date > as_of:
            break
        due_so_far += instalment.principal_due
        paid_by_then = sum(amount for day, amount in repayments if day <= instalment.due_date)
        if paid_by_then < due_so_far:
            return False
    return True


def contract_statuses(contracts: Iterable[LoanContract], *, as_of: datetime.date) -> list[ContractStatus]:
    """The status of each contract on ``as_of``, in three queries whatever their number.

    Only the newest schedule version of each contract counts.
    """
    contracts = list(contracts)
    ids = [c.pk for c in contracts]
    schedules: dict[int, list[Instalment]] = defaultdict(list)
    newest_first = Instalment.objects.filter(contract_id__in=ids).order_by(
        "contract_id", "-schedule_version", "due_date"
    )
    for instalment in newest_first:
        current = schedules[instalment.contract_id]
        if current and current[0].schedule_version != instalment.schedule_version:
            continue  # an older version, superseded by a reschedule
        current.append(instalment)
    payments: dict[int, list[tuple[datetime.date, int]]] = defaultdict(list)
    for repayment in Repayment.objects.filter(contract_id__in=ids, date__lte=as_of).order_by("date", "pk"):
        sign = -1 if repayment.reversal_of_id else 1
        payments[repayment.contract_id].append((repayment.date, sign * repayment.amount))
    sued = set(
        Lawsuit.objects.filter(contract_id__in=ids, filed_on__lte=as_of).values_list("contract_id", flat=True)
    )

    statuses = []
    for contract in contracts:
        disbursed = contract.principal if contract.disbursed_on and contract.disbursed_on <= as_of else 0
        repaid = sum(amount for _, amount in payments[contract.pk])
        instalments = schedules[contract.pk]
        principal_due = sum(i.principal_due for i in instalments if i.due_date <= as_of)
        statuses.append(
            ContractStatus(
                contract_id=contract.pk,
                facility_id=contract.facility_id,
                project_id=contract.project_id,
                principal=contract.principal,
                disbursed=disbursed,
                repaid=repaid,
                outstanding=disbursed - repaid,
                principal_due=principal_due,
                overdue=max(principal_due - repaid, 0),
                on_time=_on_time(instalments, payments[contract.pk], as_of),
                sued=contract.pk in sued,
            )
        )
    return statuses
