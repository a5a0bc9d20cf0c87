"""Recoverable support: the one module that says who owes what, who is late, who is sued.

The report's figures F16–F20 and every debt screen call ``contract_statuses``; nothing else
re-derives outstanding principal, lateness or the on-time rule. Everything here reads a fixed
number of queries whatever the number of contracts (see ``_ledgers``), and writes nothing:
the workflows that change a contract are in ``funding/services.py``.

Rules chosen here, on top of report-figures.md and import-format.md:

- **Reversals.** A repayment reversed by a reversal entry dated on or before the date counts
  as never made (both drop out), so a wrong entry cannot make an instalment "paid on time".
  Before the reversal's date the original still counts: the figures are as known on the date.
- **Schedule versions.** A reschedule (``Reschedule``) brings in a new version from its date
  on. On a date, the version in force is the newest one whose reschedule is dated on or
  before it; a version above 1 with no ``Reschedule`` row (entered directly or imported)
  replaces the older ones from the start. Outstanding, overdue, days past due and the
  allocation use the version in force. F17 ("on time") does not let a reschedule wipe out
  lateness: an instalment due before the reschedule date is judged against the version it
  belonged to, one due on or after it against the new version.
- **Days past due** of an instalment are the calendar days after its due date until it was
  fully paid (or until the date), minus the days a lawsuit on the contract was open: counting
  pauses at the filing date and resumes the day after the closing date (the paused span is
  not counted, as Apache Fineract pauses delinquency). A contract's days past due are those
  of its oldest instalment not fully paid; they stop at the write-off date.
- **Written off** contracts keep ``outstanding`` (disbursed − repaid, F19's definition) but
  their ``balance`` is 0: the portfolio counts them under "written off", not in the ageing
  buckets. Money collected after a write-off is a ``Recovery``, not a repayment.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

from django.db import models
from django.db.models.functions import Coalesce

from funding.models import Instalment, Lawsuit, LoanContract, Recovery, Repayment, Reschedule, WriteOff
from khuyencong.core.text import clean_text

# Ageing buckets of days past due: (label, first day, last day or None).
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("1–30", 1, 30),
    ("31–90", 31, 90),
    ("91–180", 91, 180),
    ("181–360", 181, 360),
    (">360", 361, None),
)
BUCKET_LABELS = tuple(label for label, _, _ in BUCKETS)
AT_RISK_AFTER_DAYS = 30  # portfolio at risk: contracts more than 30 days past due
# A contract past due longer than this with no lawsuit filed is one the report must account for
# (what the Department does about it): reporting.checks warns of it before issuing.
PURSUE_AFTER_DAYS = 90


def unpursued(*, days_past_due: int, sued: bool, written_off: int, collection_note: str) -> bool:
    """Past due more than PURSUE_AFTER_DAYS, never sued, not written off and with nothing
    written of what is done about it (``LoanContract.collection_note``): a debt nobody has
    acted on. The one test of it (the report's checks before issuing)."""
    return days_past_due > PURSUE_AFTER_DAYS and not sued and not written_off and not clean_text(collection_note)


def ageing_bucket(days_past_due: int) -> str | None:
    """The bucket label of a number of days past due; None when not past due."""
    for label, first, last in BUCKETS:
        if days_past_due >= first and (last is None or days_past_due <= last):
            return label
    return None


Pause = tuple[datetime.date, datetime.date | None]  # days (start, end] not counted; end None: open


def countable_days(start: datetime.date, end: datetime.date, pauses: Sequence[Pause] = ()) -> int:
    """Calendar days in (start, end] outside every pause (f, c]."""
    if end <= start:
        return 0
    total = (end - start).days
    merged: list[list[datetime.date]] = []
    for f, c in sorted((f, c or datetime.date.max) for f, c in pauses):
        if merged and f <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], c)
        else:
            merged.append([f, c])
    for f, c in merged:
        overlap = (min(end, c) - max(start, f)).days
        if overlap > 0:
            total -= overlap
    return total


@dataclass(frozen=True)
class InstalmentAllocation:
    """One instalment of the schedule in force, with the repayments allocated to it (oldest first)."""

    number: int
    due_date: datetime.date
    due: int
    paid: int
    paid_on: datetime.date | None  # the date it became fully paid
    days_late: int  # days past due: until paid_on, or until the date while unpaid (pauses excluded)
    schedule_version: int

    @property
    def remaining(self) -> int:
        return self.due - self.paid

    @property
    def is_paid(self) -> bool:
        return self.paid >= self.due


@dataclass(frozen=True)
class ContractStatus:
    """A contract as of a date. Money in whole đồng."""

    contract_id: int
    facility_id: int
    project_id: int
    principal: int
    disbursed: int  # the principal, once disbursed on or before the date
    repaid: int  # net of reversals, on or before the date
    outstanding: int  # disbursed − repaid (F19), whatever has been written off
    principal_due: int  # instalments due on or before the date
    overdue: int  # principal due and not repaid
    on_time: bool  # F17 of report-figures.md
    sued: bool  # a lawsuit filed on or before the date
    # Added with the loan lifecycle; defaults keep older callers working.
    in_litigation: bool = False  # a lawsuit open on the date
    days_past_due: int = 0  # of the oldest instalment not fully paid, lawsuits' spans excluded
    oldest_unpaid_due: datetime.date | None = None  # due date of that instalment, when due by the date
    written_off: int = 0  # written off on or before the date
    recovered: int = 0  # recovered after the write-off, on or before the date
    schedule_version: int = 0  # the version in force on the date (0: no schedule)
    lawsuit_filed_on: datetime.date | None = None  # the latest lawsuit filed on or before the date
    lawsuit_status: str = ""  # its status on the date (Lawsuit.Status), "" when none

    @property
    def is_late(self) -> bool:
        return self.overdue > 0

    @property
    def is_written_off(self) -> bool:
        return self.written_off > 0

    @property
    def balance(self) -> int:
        """What is still to be collected as a repayment: outstanding less what was written off."""
        return max(self.outstanding - self.written_off, 0)

    @property
    def bucket(self) -> str | None:
        """The ageing bucket, for a contract with a balance (not written off)."""
        return ageing_bucket(self.days_past_due) if self.balance > 0 else None


# --- What a contract still owes: the one definition -------------------------------------------

Entry = tuple[int, bool]  # a repayment as the outstanding principal sees it: (amount, is a reversal)


def net_repaid(entries: Iterable[Entry]) -> int:
    """Principal repaid, net of reversals: a reversal entry takes back the amount of the entry
    it cancels, so the two together count as nothing."""
    return sum(-amount if reversal else amount for amount, reversal in entries)


def owed(principal: int, entries: Iterable[Entry]) -> int:
    """The principal still owed on a contract of ``principal`` with these repayment entries
    (F19's outstanding: whatever was written off). The workflows read the entries from the
    database (``outstanding_principal``); the workbook import, from its rows and the
    database's."""
    return principal - net_repaid(entries)


def repayment_entries(contract: LoanContract, *, on_or_before: datetime.date | None = None) -> list[Entry]:
    entries = Repayment.objects.filter(contract_id=contract.pk)
    if on_or_before is not None:
        entries = entries.filter(date__lte=on_or_before)
    return [(amount, reversal_of is not None) for amount, reversal_of in entries.values_list("amount", "reversal_of_id")]


def outstanding_principal(contract: LoanContract, *, on_or_before: datetime.date | None = None) -> int:
    """What ``contract`` still owes, over every entry (or those dated up to ``on_or_before``)."""
    return owed(contract.principal, repayment_entries(contract, on_or_before=on_or_before))


class _Instalment(NamedTuple):
    contract_id: int
    schedule_version: int
    number: int
    due_date: datetime.date
    principal_due: int


class _ContractRow(NamedTuple):
    """What ``_compute`` reads of a contract: a plain row is a tenth of the cost of a model
    instance when the book reads thousands."""

    pk: int
    facility_id: int
    project_id: int
    principal: int
    disbursed_on: datetime.date | None


@dataclass
class _Ledger:
    """One contract's records as of a date, and what follows from them."""

    contract: LoanContract | _ContractRow  # a plain row when only the status is needed (debt_book)
    versions: dict[int, list[_Instalment]] = field(default_factory=lambda: defaultdict(list))
    reschedule_dates: dict[int, datetime.date] = field(default_factory=dict)
    payments: list[tuple[datetime.date, int]] = field(default_factory=list)  # net of reversals, by date
    lawsuits: list[Lawsuit] = field(default_factory=list)
    write_off: WriteOff | None = None
    recovered: int = 0
    status: ContractStatus | None = None
    version: int = 0  # the schedule version in force on the date
    as_of: datetime.date | None = None

    @functools.cached_property
    def allocation(self) -> list[InstalmentAllocation]:
        """Every instalment of the version in force with what was paid of it: only the screens
        that show a ledger need it, so it is worked out on first use."""
        return _allocate(self, self.version, self.as_of)


Window = tuple[int, datetime.date | None, datetime.date | None]  # (version, from, until); None: unbounded


def _windows(ledger: _Ledger) -> list[Window]:
    """The versions in force on the date: (version, from, until), in order; None is unbounded."""
    starts: list[tuple[int, datetime.date | None]] = []
    for version in sorted(ledger.versions):
        if version == 1 or version not in ledger.reschedule_dates:
            starts = [(version, None)]  # replaces every older version from the start
        else:
            starts.append((version, ledger.reschedule_dates[version]))
    return [(version, start, starts[i + 1][1] if i + 1 < len(starts) else None) for i, (version, start) in enumerate(starts)]


def _on_time(ledger: _Ledger, as_of: datetime.date, windows: list[Window]) -> bool:
    """F17: for every instalment due on or before ``as_of``, the repayments made on or before its
    due date cover all principal due up to and including it (each judged in its own version)."""
    payments = ledger.payments  # in date order
    for version, start, until in windows:  # _windows(ledger), worked out once by _compute
        due_so_far = 0
        paid_by_then = 0
        counted = 0  # payments[:counted] are those made on or before the current due date
        for instalment in ledger.versions[version]:  # in due-date order
            due_so_far += instalment.principal_due
            if instalment.due_date > as_of or (until and instalment.due_date >= until):
                break
            while counted < len(payments) and payments[counted][0] <= instalment.due_date:
                paid_by_then += payments[counted][1]
                counted += 1
            if start and instalment.due_date < start:
                continue
            if paid_by_then < due_so_far:
                return False
    return True


def _allocate(ledger: _Ledger, version: int, as_of: datetime.date) -> list[InstalmentAllocation]:
    """Repayments to the oldest unpaid instalment first."""
    pauses = [lawsuit.paused_span() for lawsuit in ledger.lawsuits]
    stop = min(as_of, ledger.write_off.date) if ledger.write_off else as_of
    running: list[tuple[datetime.date, int]] = []
    total = 0
    for day, amount in ledger.payments:
        total += amount
        running.append((day, total))
    rows = []
    due_before = 0
    # A draft's planned schedule (or one paid out later than as_of): nothing is late before the money is out.
    lent = ledger.contract.disbursed_on is not None and ledger.contract.disbursed_on <= as_of
    for instalment in ledger.versions.get(version, []):
        due_through = due_before + instalment.principal_due
        paid = min(max(total - due_before, 0), instalment.principal_due)
        paid_on = next((day for day, cumulative in running if cumulative >= due_through), None)
        end = paid_on if paid_on else stop
        rows.append(
            InstalmentAllocation(
                number=instalment.number,
                due_date=instalment.due_date,
                due=instalment.principal_due,
                paid=paid,
                paid_on=paid_on,
                days_late=countable_days(instalment.due_date, end, pauses) if lent else 0,
                schedule_version=version,
            )
        )
        due_before = due_through
    return rows


def _ledgers(
    contracts: Sequence[LoanContract], as_of: datetime.date, ids: models.QuerySet | None = None
) -> list[_Ledger]:
    """Load and compute every contract's ledger in six queries: instalments, reschedules,
    repayments, lawsuits, write-offs, recoveries (none when there is no contract).

    ``ids``, a subquery of the contracts' keys, spares the database a list of thousands of
    parameters in each of the six queries."""
    ledgers = {c.pk: _Ledger(contract=c) for c in contracts}
    if not ledgers:
        return []
    if ids is None:
        ids = list(ledgers)
    # Plain rows, not model instances: a portfolio has thousands of instalments.
    for row in (
        Instalment.objects.filter(contract_id__in=ids)
        .order_by("contract_id", "schedule_version", "due_date", "number")
        .values_list("contract_id", "schedule_version", "number", "due_date", "principal_due")
    ):
        instalment = _Instalment(*row)
        ledgers[instalment.contract_id].versions[instalment.schedule_version].append(instalment)
    not_yet = set()
    for contract_id, version, day in Reschedule.objects.filter(contract_id__in=ids).values_list("contract_id", "version", "date"):
        if day <= as_of:
            ledgers[contract_id].reschedule_dates[version] = day
        else:
            not_yet.add((contract_id, version))
    for contract_id, version in not_yet:  # approved with a later date: not in force yet
        ledgers[contract_id].versions.pop(version, None)

    repayments = list(
        Repayment.objects.filter(contract_id__in=ids, date__lte=as_of)
        .order_by("date", "pk")
        .values_list("pk", "contract_id", "date", "amount", "reversal_of_id")
    )
    loaded = {pk for pk, *_ in repayments}
    reversed_ids = {reversal_of for *_, reversal_of in repayments if reversal_of}
    for pk, contract_id, day, amount, reversal_of in repayments:
        if reversal_of is None and pk not in reversed_ids:
            ledgers[contract_id].payments.append((day, amount))
        elif reversal_of is not None and reversal_of not in loaded:
            ledgers[contract_id].payments.append((day, -amount))  # reverses an entry dated later (bad data)

    for lawsuit in Lawsuit.objects.filter(contract_id__in=ids, filed_on__lte=as_of).order_by("filed_on", "pk"):
        if lawsuit.closed_on and lawsuit.closed_on > as_of:
            lawsuit.closed_on = None  # still open on the date
            lawsuit.status = Lawsuit.Status.PENDING
        ledgers[lawsuit.contract_id].lawsuits.append(lawsuit)
    for write_off in WriteOff.objects.filter(contract_id__in=ids, date__lte=as_of):
        ledgers[write_off.contract_id].write_off = write_off
    for contract_id, recovered in (
        Recovery.objects.filter(contract_id__in=ids, date__lte=as_of)
        .values("contract_id")
        .annotate(total=Coalesce(models.Sum("amount"), 0))
        .values_list("contract_id", "total")
    ):
        ledgers[contract_id].recovered = recovered

    for ledger in ledgers.values():
        _compute(ledger, as_of)
    return [ledgers[c.pk] for c in contracts]


def _compute(ledger: _Ledger, as_of: datetime.date) -> None:
    contract = ledger.contract
    windows = _windows(ledger)
    version = windows[-1][0] if windows else 0
    ledger.version, ledger.as_of = version, as_of
    disbursed = contract.principal if contract.disbursed_on and contract.disbursed_on <= as_of else 0
    repaid = sum(amount for _, amount in ledger.payments)
    # The oldest instalment not fully paid, as _allocate() would find it, in one pass over the
    # instalments already due (the status of thousands of contracts must not build ledgers).
    principal_due = 0
    oldest = None
    # Nothing falls due on a contract not paid out by as_of (a draft's planned schedule).
    for instalment in ledger.versions.get(version, []) if disbursed else []:  # in due-date order
        if instalment.due_date > as_of:
            break
        principal_due += instalment.principal_due
        if oldest is None and repaid < principal_due:
            oldest = instalment
            oldest_due_through = principal_due
    days_past_due = 0
    if oldest is not None:
        cumulative = 0
        paid_on = None
        for day, amount in ledger.payments:
            cumulative += amount
            if cumulative >= oldest_due_through:
                paid_on = day
                break
        stop = min(as_of, ledger.write_off.date) if ledger.write_off else as_of
        pauses = [lawsuit.paused_span() for lawsuit in ledger.lawsuits]
        days_past_due = countable_days(oldest.due_date, paid_on or stop, pauses)
    ledger.status = ContractStatus(
        contract_id=contract.pk,
        facility_id=contract.facility_id,
        project_id=contract.project_id,
        principal=contract.principal,
        disbursed=disbursed,
        repaid=repaid,
        outstanding=disbursed - repaid,
        principal_due=principal_due,
        overdue=max(principal_due - repaid, 0),
        on_time=_on_time(ledger, as_of, windows),
        sued=bool(ledger.lawsuits),
        in_litigation=any(lawsuit.is_open_on(as_of) for lawsuit in ledger.lawsuits),
        days_past_due=days_past_due,
        oldest_unpaid_due=oldest.due_date if oldest else None,
        written_off=ledger.write_off.amount if ledger.write_off else 0,
        recovered=ledger.recovered,
        schedule_version=version,
        lawsuit_filed_on=ledger.lawsuits[-1].filed_on if ledger.lawsuits else None,
        lawsuit_status=ledger.lawsuits[-1].status if ledger.lawsuits else "",
    )


@dataclass(frozen=True)
class DueInstalment:
    """An instalment of the schedule in force, not fully paid, falling due in a window."""

    contract_id: int
    number: int
    due_date: datetime.date
    due: int
    paid: int

    @property
    def remaining(self) -> int:
        return self.due - self.paid


def _unpaid_between(ledger: _Ledger, start: datetime.date, until: datetime.date) -> list[DueInstalment]:
    """The instalments of the version in force due from ``start`` to ``until`` that the
    repayments so far do not cover, oldest first: the allocation of ``_allocate`` restricted to
    a window, without working out when each instalment was paid."""
    repaid = ledger.status.repaid
    rows = []
    due_before = 0
    for instalment in ledger.versions.get(ledger.version, []):  # in due-date order
        if instalment.due_date > until:
            break
        paid = min(max(repaid - due_before, 0), instalment.principal_due)
        due_before += instalment.principal_due
        if instalment.due_date >= start and paid < instalment.principal_due:
            rows.append(
                DueInstalment(ledger.contract.pk, instalment.number, instalment.due_date, instalment.principal_due, paid)
            )
    return rows


# The tables whose rows decide a contract's status on a date.
LEDGER_MODELS = (LoanContract, Instalment, Reschedule, Repayment, Lawsuit, WriteOff, Recovery)


def ledger_stamp() -> tuple[int, ...]:
    """A value that changes whenever a record behind the contracts' statuses changes: the
    newest history row of each ledger table (one query a table).

    Every write to these tables leaves a history row: the services and the admin save through
    the ORM, the workbook import and scale_demo write their bulk history, seed_demo saves row
    by row. A writer that bypassed history would also bypass the audit trail the domain asks
    for, so a cache keyed by this stamp is as fresh as the audit trail is complete."""
    return tuple(
        model.history.model.objects.aggregate(newest=Coalesce(models.Max("history_id"), 0))["newest"]
        for model in LEDGER_MODELS
    )


def contract_statuses(contracts: Iterable[LoanContract], *, as_of: datetime.date) -> list[ContractStatus]:
    """The status of each contract on ``as_of``, in six queries whatever their number (plus one
    to evaluate ``contracts`` when it is a queryset)."""
    ids = contracts.values("pk") if isinstance(contracts, models.QuerySet) else None
    return [ledger.status for ledger in _ledgers(list(contracts), as_of, ids)]


# --- The debt book: every contract's status on a date, brought up to date contract by contract --


@dataclass(frozen=True)
class DebtBook:
    """Every contract paid out (not a draft) on ``as_of``: its status and its unpaid instalments
    falling due within ``days``, as the records stood at ``stamp`` (``ledger_stamp``)."""

    as_of: datetime.date
    days: int
    stamp: tuple[int, ...]
    statuses: dict[int, ContractStatus]
    due: dict[int, tuple[DueInstalment, ...]]  # only contracts with such an instalment

    def late(self) -> list[ContractStatus]:
        """Contracts with money due and unpaid, as the portfolio counts it (written-off ones
        owe the book nothing; a lawsuit pauses the days, not the debt), the largest first."""
        late = (s for s in self.statuses.values() if s.overdue > 0 and not s.is_written_off)
        return sorted(late, key=lambda s: (-s.overdue, s.contract_id))

    def due_soon(self) -> list[DueInstalment]:
        """The unpaid instalments of the window, the soonest first."""
        rows = [row for rows in self.due.values() for row in rows]
        return sorted(rows, key=lambda r: (r.due_date, r.contract_id, r.number))


def _book_entries(contracts: models.QuerySet, as_of: datetime.date, until: datetime.date):
    paid_out = contracts.exclude(state=LoanContract.State.DRAFT)
    rows = [_ContractRow(*row) for row in paid_out.values_list(*_ContractRow._fields)]
    for ledger in _ledgers(rows, as_of, paid_out.values("pk")):
        due = () if ledger.status.is_written_off else tuple(_unpaid_between(ledger, as_of, until))
        yield ledger.status, due


def _changed_contracts(stamp: tuple[int, ...]) -> set[int]:
    """The contracts with a record written since ``stamp``, from the history rows after it
    (one query a ledger table; each reads only the rows after the stamp)."""
    changed: set[int] = set()
    for model, newest in zip(LEDGER_MODELS, stamp, strict=True):
        field = "id" if model is LoanContract else "contract_id"
        changed.update(model.history.model.objects.filter(history_id__gt=newest).values_list(field, flat=True))
    return changed


def debt_book(
    *, as_of: datetime.date, days: int = 30, since: DebtBook | None = None, stamp: tuple[int, ...] | None = None
) -> DebtBook:
    """The debt book on ``as_of``. Working out thousands of ledgers is the dearest thing the
    dashboard does, and a repayment changes one contract: given an earlier book of the same
    date (``since``), only the contracts whose records changed after its stamp are worked out
    again, with the statuses of ``contract_statuses`` itself; an unchanged stamp returns
    ``since`` as it is. The stamp is read before the records, so a write landing in between
    is worked out again next time rather than missed. A caller that has just read the stamp
    passes it as ``stamp``."""
    stamp = ledger_stamp() if stamp is None else stamp
    until = as_of + datetime.timedelta(days=days)
    if since is not None and (since.as_of, since.days) == (as_of, days):
        if since.stamp == stamp:
            return since
        changed = _changed_contracts(since.stamp)
        statuses = {pk: s for pk, s in since.statuses.items() if pk not in changed}
        due = {pk: rows for pk, rows in since.due.items() if pk not in changed}
        contracts = LoanContract.objects.filter(pk__in=changed)
    else:
        statuses, due, contracts = {}, {}, LoanContract.objects.all()
    for status, rows in _book_entries(contracts, as_of, until):
        statuses[status.contract_id] = status
        if rows:
            due[status.contract_id] = rows
    return DebtBook(as_of=as_of, days=days, stamp=stamp, statuses=statuses, due=due)


def allocate(contract: LoanContract, *, as_of: datetime.date) -> list[InstalmentAllocation]:
    """The schedule in force on ``as_of`` with the repayments made by then, oldest instalment first."""
    return _ledgers([contract], as_of)[0].allocation


def allocations(contracts: Iterable[LoanContract], *, as_of: datetime.date) -> dict[int, list[InstalmentAllocation]]:
    """``allocate`` for many contracts at once, by contract id, in the same six queries."""
    return {ledger.contract.pk: ledger.allocation for ledger in _ledgers(list(contracts), as_of)}


# --- The portfolio ---------------------------------------------------------------------------


@dataclass
class BucketFigures:
    contracts: int = 0
    balance: int = 0  # the whole balance of the contracts in the bucket
    overdue: int = 0  # of which due and unpaid


@dataclass
class PortfolioFigures:
    """Money in whole đồng; rates as fractions (format them with khuyencong.core.formatting)."""

    contracts: int = 0
    facilities: int = 0
    facilities_on_time: int = 0  # F17: every contract of the facility on time
    lent: int = 0  # disbursed
    repaid: int = 0
    outstanding: int = 0  # balance still to collect: lent − repaid − written off
    overdue: int = 0  # principal due and unpaid, contracts not written off
    buckets: dict[str, BucketFigures] = field(default_factory=lambda: {label: BucketFigures() for label in BUCKET_LABELS})
    at_risk: int = 0  # balance of the contracts more than 30 days past due
    litigation_contracts: int = 0
    litigation_outstanding: int = 0
    written_off_contracts: int = 0
    written_off: int = 0
    recovered: int = 0

    @property
    def portfolio_at_risk(self) -> Fraction | None:
        """PAR30: balance of contracts more than 30 days past due over the whole balance."""
        return Fraction(self.at_risk, self.outstanding) if self.outstanding else None

    @property
    def on_time_rate(self) -> Fraction | None:
        return Fraction(self.facilities_on_time, self.facilities) if self.facilities else None


@dataclass
class PortfolioSummary:
    as_of: datetime.date
    total: PortfolioFigures
    by_year: dict[int, PortfolioFigures]  # by the year of the đề án's annual plan, ascending


def _contract_list(contracts: Iterable[LoanContract] | None) -> list[LoanContract]:
    if contracts is None:
        contracts = LoanContract.objects.all()
    if isinstance(contracts, models.QuerySet):
        contracts = contracts.select_related("facility", "project__plan")
    return list(contracts)


def _add(figures: PortfolioFigures, status: ContractStatus, facility_on_time: dict[int, bool]) -> None:
    figures.contracts += 1
    figures.lent += status.disbursed
    figures.repaid += status.repaid
    figures.outstanding += status.balance
    if status.is_written_off:
        figures.written_off_contracts += 1
        figures.written_off += status.written_off
        figures.recovered += status.recovered
    else:
        figures.overdue += status.overdue
    if status.in_litigation:
        figures.litigation_contracts += 1
        figures.litigation_outstanding += status.balance
    if status.bucket:
        bucket = figures.buckets[status.bucket]
        bucket.contracts += 1
        bucket.balance += status.balance
        bucket.overdue += status.overdue
        if status.days_past_due > AT_RISK_AFTER_DAYS:
            figures.at_risk += status.balance
    facility_on_time[status.facility_id] = facility_on_time.get(status.facility_id, True) and status.on_time


def portfolio_summary(contracts: Iterable[LoanContract] | None = None, *, as_of: datetime.date) -> PortfolioSummary:
    """Lent, repaid, outstanding, ageing, PAR30, on-time rate, litigation, write-offs and
    recoveries on ``as_of`` of the contracts paid out by then (as the report's F16-F20 count
    them), overall and per plan year, in seven queries: the contracts with
    their facility, đề án and plan (one), then the six of ``contract_statuses``. A list of
    contracts without those relations loaded is fetched again with them, in that one query."""
    contracts = _with_relations(contracts)
    total = PortfolioFigures()
    by_year: dict[int, PortfolioFigures] = {}
    on_time_total: dict[int, bool] = {}
    on_time_year: dict[int, dict[int, bool]] = defaultdict(dict)
    by_id = {c.pk: c for c in contracts}
    for status in contract_statuses(contracts, as_of=as_of):
        if not status.disbursed:
            continue  # a draft, or paid out later: nothing lent yet, no facility supported yet
        year = by_id[status.contract_id].project.plan.year
        _add(total, status, on_time_total)
        _add(by_year.setdefault(year, PortfolioFigures()), status, on_time_year[year])
    for figures, on_time in [(total, on_time_total)] + [(by_year[y], on_time_year[y]) for y in by_year]:
        figures.facilities = len(on_time)
        figures.facilities_on_time = sum(on_time.values())
    return PortfolioSummary(as_of=as_of, total=total, by_year=dict(sorted(by_year.items())))


def _plan_loaded(contract: LoanContract) -> bool:
    """Whether the contract came with its đề án and plan (select_related), so no query is needed."""
    project = contract._state.fields_cache.get("project")
    return project is not None and "plan" in project._state.fields_cache


# --- The two lists: due soon, overdue --------------------------------------------------------


@dataclass(frozen=True)
class DueRow:
    contract_id: int
    contract_number: str
    facility_name: str
    tax_code: str
    project_code: str
    year: int
    instalment: int
    due_date: datetime.date
    due: int
    paid: int
    remaining: int
    days_left: int
    in_litigation: bool


@dataclass(frozen=True)
class OverdueRow:
    contract_id: int
    contract_number: str
    facility_name: str
    tax_code: str
    project_code: str
    year: int
    principal: int
    outstanding: int
    overdue: int
    oldest_unpaid_due: datetime.date
    days_past_due: int
    bucket: str | None  # None: no day counted yet (paused by a lawsuit, or due today)
    in_litigation: bool


def _with_relations(contracts: Iterable[LoanContract] | None) -> list[LoanContract]:
    contracts = _contract_list(contracts)
    if contracts and not all(_plan_loaded(c) and "facility" in c._state.fields_cache for c in contracts):
        contracts = list(
            LoanContract.objects.filter(pk__in=[c.pk for c in contracts]).select_related("facility", "project__plan")
        )
    return contracts


def _row_heading(c: LoanContract) -> dict:
    """The columns both lists start with: the contract, its facility, its đề án and year."""
    return {
        "contract_id": c.pk,
        "contract_number": c.number,
        "facility_name": c.facility.name,
        "tax_code": c.facility.tax_code,
        "project_code": c.project.code,
        "year": c.project.plan.year,
    }


def due_within(contracts: Iterable[LoanContract] | None = None, *, as_of: datetime.date, days: int = 30) -> list[DueRow]:
    """Instalments not fully paid that fall due from ``as_of`` to ``as_of`` + ``days``, by due date
    (contracts not paid out by ``as_of`` or written off left out), in the queries of
    ``contract_statuses`` plus one. Without ``contracts``, only the contracts with an
    instalment in the window are read: the list costs what it shows, not the whole portfolio."""
    until = as_of + datetime.timedelta(days=days)
    if contracts is None:
        in_window = Instalment.objects.filter(due_date__gte=as_of, due_date__lte=until).values("contract_id")
        contracts = LoanContract.objects.filter(pk__in=in_window)
    rows = []
    for ledger in _ledgers(_with_relations(contracts), as_of):
        if ledger.status.is_written_off or not ledger.status.disbursed:
            continue
        c = ledger.contract
        for a in _unpaid_between(ledger, as_of, until):
            rows.append(
                DueRow(
                    **_row_heading(c),
                    instalment=a.number,
                    due_date=a.due_date,
                    due=a.due,
                    paid=a.paid,
                    remaining=a.remaining,
                    days_left=(a.due_date - as_of).days,
                    in_litigation=ledger.status.in_litigation,
                )
            )
    rows.sort(key=lambda r: (r.due_date, r.contract_number, r.instalment))
    return rows


def overdue_contracts(contracts: Iterable[LoanContract] | None = None, *, as_of: datetime.date) -> list[OverdueRow]:
    """Contracts with money due and unpaid on ``as_of`` (not written off), the longest past due
    first: the contracts the portfolio's and the dashboard's overdue totals count. A lawsuit
    filed before the instalment fell due pauses its days, so such a contract is listed with
    0 days and no bucket, as is one whose instalment falls due on the day itself."""
    rows = []
    for ledger in _ledgers(_with_relations(contracts), as_of):
        status, c = ledger.status, ledger.contract
        if status.overdue <= 0 or status.is_written_off:
            continue
        rows.append(
            OverdueRow(
                **_row_heading(c),
                principal=c.principal,
                outstanding=status.balance,
                overdue=status.overdue,
                oldest_unpaid_due=status.oldest_unpaid_due,
                days_past_due=status.days_past_due,
                bucket=status.bucket,
                in_litigation=status.in_litigation,
            )
        )
    rows.sort(key=lambda r: (-r.days_past_due, r.contract_number))
    return rows
