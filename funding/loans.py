"""Recoverable support: the one module that says who owes what, who is late, who is sued.

The report's figures F16–F20 and every debt screen call ``contract_statuses``; nothing else
re-derives outstanding principal, lateness or the on-time rule. Everything here reads a fixed
number of queries whatever the number of contracts (see ``_ledgers``); the workflows that
change a contract are in ``funding/services.py``.

Rebuilding every ledger is what made the debt pages slow at the national scale, so each
contract's status is also kept in a summary (``ContractDebt``), worked out here from the
ledger (``summarize``) in the same transaction as every write to it (``funding/signals.py``,
``ledger_writes``, ``refresh_debts``), with the ledger version bumped beside it
(``ledger_version``: the freshness key of cached debts). A summary worked out on day C holds
until the contract's next dated record (``changes_on``): no rule below reads anything else
that changes in between, except the days-past-due counter, kept as an anchor so SQL can
count it on any day (``days_past_due_sql``, ``bucket_sql``). ``contract_statuses`` and the
pages read summaries where they hold and ledgers for the rest; a summary a new day made stale
is worked out again when read.

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

import contextlib
import datetime
import functools
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

from django.db import models, transaction
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone

from funding.models import (
    ContractDebt,
    Instalment,
    Lawsuit,
    LedgerVersion,
    LoanContract,
    Recovery,
    Repayment,
    Reschedule,
    WriteOff,
)
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


class _Ledgers(dict):
    """The ledgers by contract key; a key it lacks gives a ledger that is thrown away."""

    def __missing__(self, key: int) -> _Ledger:
        return _Ledger(contract=None)


def _ledgers(
    contracts: Sequence[LoanContract], as_of: datetime.date, ids: models.QuerySet | None = None
) -> list[_Ledger]:
    """Load and compute every contract's ledger in six queries: instalments, reschedules,
    repayments, lawsuits, write-offs, recoveries (none when there is no contract).

    ``ids``, a subquery of the contracts' keys, spares the database a list of thousands of
    parameters in each of the six queries; a record of a contract the subquery finds and
    ``contracts`` lacks (one added in between) is left out."""
    ledgers = _Ledgers((c.pk, _Ledger(contract=c)) for c in contracts)
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
    """The newest history row of each ledger table (one query a table): what ``debt_book``
    uses to find the contracts changed since an earlier book. Not a freshness key: on
    PostgreSQL a write that commits after a later-numbered one hides behind it (use
    ``ledger_version``)."""
    return tuple(
        model.history.model.objects.aggregate(newest=Coalesce(models.Max("history_id"), 0))["newest"]
        for model in LEDGER_MODELS
    )


# --- The freshness version -------------------------------------------------------------------


def ledger_version() -> int:
    """The ledger's version (one query): it changes whenever a write to a ledger commits, so a
    cache keyed by it is as fresh as the database. Every writer bumps it in its own transaction
    (``bump_ledger_version``); the UPDATE's row lock makes concurrent writers take turns, so
    no commit can hide behind a later-numbered one as history ids can."""
    return LedgerVersion.objects.filter(pk=1).values_list("n", flat=True).first() or 0


def bump_ledger_version() -> None:
    """Increment the ledger's version in the current transaction (one UPDATE)."""
    if not LedgerVersion.objects.filter(pk=1).update(n=models.F("n") + 1):
        LedgerVersion.objects.get_or_create(pk=1, defaults={"n": 1})  # a flushed test database


# --- The per-contract summary: the statuses the debt screens read ----------------------------

_SUMMARY_FIELDS = (
    "computed_on", "changes_on", "disbursed", "repaid", "outstanding", "principal_due", "overdue", "balance", "late",
    "on_time", "sued", "in_litigation", "dpd_anchor", "days_past_due", "oldest_unpaid_due", "written_off",
    "recovered", "schedule_version", "lawsuit_filed_on", "lawsuit_status",
)


def _counter_runs(ledger: _Ledger) -> bool:
    """Whether the contract's days past due grow by one a day after ``ledger.as_of`` until its
    next dated record: something unpaid is due, no write-off stopped the count and no lawsuit
    pauses it (a lawsuit closed later than the date is open on it)."""
    status = ledger.status
    if status.oldest_unpaid_due is None or ledger.write_off is not None:
        return False
    return not any(lawsuit.paused_span()[1] is None for lawsuit in ledger.lawsuits)


def summarize(ledger: _Ledger, changes_on: datetime.date | None) -> dict:
    """What ``ContractDebt`` keeps of a ledger worked out on ``ledger.as_of``: its status, with
    the days-past-due counter as an anchor when it runs. Until ``changes_on`` (the contract's
    next dated record) no other figure can change: every rule above reads records dated on or
    before the day, and none is dated in between."""
    s = ledger.status
    runs = _counter_runs(ledger)
    return {
        "computed_on": ledger.as_of,
        "changes_on": changes_on,
        "disbursed": s.disbursed,
        "repaid": s.repaid,
        "outstanding": s.outstanding,
        "principal_due": s.principal_due,
        "overdue": s.overdue,
        "balance": s.balance,
        "late": s.overdue > 0 and not s.is_written_off,
        "on_time": s.on_time,
        "sued": s.sued,
        "in_litigation": s.in_litigation,
        "dpd_anchor": ledger.as_of.toordinal() - s.days_past_due if runs else None,
        "days_past_due": s.days_past_due,
        "oldest_unpaid_due": s.oldest_unpaid_due,
        "written_off": s.written_off,
        "recovered": s.recovered,
        "schedule_version": s.schedule_version,
        "lawsuit_filed_on": s.lawsuit_filed_on,
        "lawsuit_status": s.lawsuit_status,
    }


def summary_holds(row, day: datetime.date) -> bool:
    """Whether a summary (a ContractDebt or its values) gives the status on ``day``."""
    get = row.get if isinstance(row, dict) else functools.partial(getattr, row)
    computed_on, changes_on = get("computed_on"), get("changes_on")
    return computed_on is not None and computed_on <= day and (changes_on is None or day < changes_on)


def summary_days_past_due(row, day: datetime.date) -> int:
    get = row.get if isinstance(row, dict) else functools.partial(getattr, row)
    anchor = get("dpd_anchor")
    return day.toordinal() - anchor if anchor is not None else get("days_past_due")


def status_from_summary(row, day: datetime.date, contract: LoanContract | _ContractRow) -> ContractStatus:
    """The status on ``day`` (for which ``summary_holds``) of a contract from its summary."""
    get = row.get if isinstance(row, dict) else functools.partial(getattr, row)
    return ContractStatus(
        contract_id=contract.pk,
        facility_id=contract.facility_id,
        project_id=contract.project_id,
        principal=contract.principal,
        disbursed=get("disbursed"),
        repaid=get("repaid"),
        outstanding=get("outstanding"),
        principal_due=get("principal_due"),
        overdue=get("overdue"),
        on_time=get("on_time"),
        sued=get("sued"),
        in_litigation=get("in_litigation"),
        days_past_due=summary_days_past_due(row, day),
        oldest_unpaid_due=get("oldest_unpaid_due"),
        written_off=get("written_off"),
        recovered=get("recovered"),
        schedule_version=get("schedule_version"),
        lawsuit_filed_on=get("lawsuit_filed_on"),
        lawsuit_status=get("lawsuit_status"),
    )


def days_past_due_sql(day: datetime.date, prefix: str = "") -> models.Expression:
    """``summary_days_past_due`` in SQL over ContractDebt (``prefix``: the path to it, e.g.
    "debt__"): integer arithmetic on both databases."""
    return models.Case(
        models.When(**{f"{prefix}dpd_anchor__isnull": False},
                    then=models.Value(day.toordinal()) - models.F(f"{prefix}dpd_anchor")),
        default=models.F(f"{prefix}days_past_due"),
        output_field=models.IntegerField(),
    )


def bucket_sql(day: datetime.date, prefix: str = "") -> models.Expression:
    """``ContractStatus.bucket`` in SQL over ContractDebt (``prefix``: the path to it, e.g.
    "debt__"), a CASE built from BUCKETS: the label, or NULL."""
    return _bucket_case(days_past_due_sql(day, prefix), prefix)


def _bucket_case(dpd: models.Expression, prefix: str) -> models.Expression:
    whens = []
    for label, first, last in BUCKETS:
        condition = models.Q(**{f"{prefix}balance__gt": 0}) & models.Q(GreaterThanOrEqual(dpd, first))
        if last is not None:
            condition &= models.Q(LessThanOrEqual(dpd, last))
        whens.append(models.When(condition, then=models.Value(label)))
    return models.Case(*whens, default=models.Value(None), output_field=models.CharField())


def holds_q(day: datetime.date, prefix: str = "") -> models.Q:
    """``summary_holds`` as a filter."""
    return models.Q(**{f"{prefix}computed_on__lte": day}) & (
        models.Q(**{f"{prefix}changes_on__isnull": True}) | models.Q(**{f"{prefix}changes_on__gt": day})
    )


def _next_dates(ids: Sequence[int], day: datetime.date) -> dict[int, datetime.date]:
    """The earliest date after ``day`` of any dated record of each contract (one query)."""
    dated = [
        (LoanContract, "disbursed_on", "pk"),
        (Instalment, "due_date", "contract_id"),
        (Reschedule, "date", "contract_id"),
        (Repayment, "date", "contract_id"),
        (Lawsuit, "filed_on", "contract_id"),
        (Lawsuit, "closed_on", "contract_id"),
        (WriteOff, "date", "contract_id"),
        (Recovery, "date", "contract_id"),
    ]
    parts = [
        model.objects.filter(**{f"{key}__in": ids, f"{field}__gt": day})
        .order_by()
        .values(cid=models.F(key))
        .annotate(d=models.Min(field))
        .values_list("cid", "d")
        for model, field, key in dated
    ]
    nearest: dict[int, datetime.date] = {}
    for contract_id, d in parts[0].union(*parts[1:], all=True):
        if d is not None and (contract_id not in nearest or d < nearest[contract_id]):
            nearest[contract_id] = d
    return nearest


REFRESH_CHUNK = 500  # contracts per round: keeps each query's parameters well under SQLite's limit


def refresh_debts(contract_ids: Iterable[int], *, skip_locked: bool = False) -> dict[int, ContractDebt]:
    """Work out again, from their ledgers, the summaries of these contracts as of today, and
    store them: a fixed number of queries per 500 contracts (the contracts with
    whether each has a summary row, a placeholder insert for those without (none when all
    have one), the lock, six ledger queries, the next dates, one upsert).

    Concurrency: the summary rows are locked (SELECT … FOR UPDATE, by id) before the ledger
    is read, so two writers of one contract take turns and the second reads the first's
    records (READ COMMITTED reads what committed before each statement). A reader bringing a
    stale summary up to date passes ``skip_locked``: a row a writer holds is left to it (and
    not returned). SQLite has one writer at a time anyway."""
    ids = sorted(set(contract_ids))
    done: dict[int, ContractDebt] = {}
    day = timezone.localdate()
    for start in range(0, len(ids), REFRESH_CHUNK):
        chunk = ids[start:start + REFRESH_CHUNK]
        with transaction.atomic():
            existing, missing = [], []
            for pk, has_row in LoanContract.objects.filter(pk__in=chunk).values_list("pk", "debt__contract_id"):
                existing.append(pk)
                if has_row is None:
                    missing.append(pk)
            if not existing:
                continue
            # Placeholders only where no summary row is seen: INSERT … ON CONFLICT waits for any
            # transaction with an uncommitted upsert of the same row, skip_locked or not.
            ContractDebt.objects.bulk_create([ContractDebt(contract_id=pk) for pk in missing], ignore_conflicts=True)
            locked = list(
                ContractDebt.objects.select_for_update(skip_locked=skip_locked)
                .filter(pk__in=existing)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if not locked:
                continue
            rows = [_ContractRow(*row) for row in LoanContract.objects.filter(pk__in=locked).values_list(*_ContractRow._fields)]
            nearest = _next_dates(locked, day)
            debts = [
                ContractDebt(contract_id=ledger.contract.pk, **summarize(ledger, nearest.get(ledger.contract.pk)))
                for ledger in _ledgers(rows, day)
            ]
            ContractDebt.objects.bulk_create(
                debts, update_conflicts=True, unique_fields=["contract"], update_fields=list(_SUMMARY_FIELDS)
            )
            done.update((debt.contract_id, debt) for debt in debts)
    return done


def refresh_all_debts() -> int:
    """Every contract's summary worked out again (the bulk writers' last step when they touch
    most contracts, and a management shell's repair); returns the number of contracts."""
    ids = list(LoanContract.objects.values_list("pk", flat=True))
    refresh_debts(ids)
    return len(ids)


def stale_debts(day: datetime.date) -> list[int]:
    """The contracts whose summary does not hold on ``day`` or is missing (one query)."""
    return list(LoanContract.objects.exclude(debt__in=ContractDebt.objects.filter(holds_q(day))).values_list("pk", flat=True))


def bring_debts_up_to_date(day: datetime.date | None = None) -> None:
    """Before a page reads summaries in SQL for ``day``: when ``day`` is today, the summaries
    that do not hold (a new day with an instalment falling due, a contract never summarized)
    are worked out again (one query when none is stale). For another day nothing is written:
    the page falls back to the ledgers for it (``summaries_hold``)."""
    today = timezone.localdate()
    if day is None or day == today:
        stale = stale_debts(today)
        if stale:
            refresh_debts(stale, skip_locked=True)


def summaries_hold(day: datetime.date, contracts: models.QuerySet | None = None) -> bool:
    """Whether every summary of ``contracts`` (all when None) holds on ``day`` (one query)."""
    contracts = LoanContract.objects.all() if contracts is None else contracts
    return not contracts.exclude(debt__in=ContractDebt.objects.filter(holds_q(day))).exists()


# --- Keeping the summaries in the writers' transactions --------------------------------------

_deferred = threading.local()


@contextlib.contextmanager
def ledger_writes():
    """Within this block, the ledger writes (seen by the signals of ``funding.signals``) only
    mark their contracts; at its end, still in the caller's transaction, the marked contracts'
    summaries are worked out once and the ledger version bumped once. Nested blocks defer to
    the outermost. Use inside ``transaction.atomic`` (``ledger_write`` does both)."""
    depth = getattr(_deferred, "depth", 0)
    if depth == 0:
        _deferred.dirty = set()
    _deferred.depth = depth + 1
    try:
        yield
        if depth == 0 and _deferred.dirty:
            dirty, _deferred.dirty = _deferred.dirty, set()
            refresh_debts(dirty)
            bump_ledger_version()
    finally:
        _deferred.depth = depth
        if depth == 0:
            _deferred.dirty = set()


def ledger_write(func):
    """A service that writes to the ledger: atomic, with its summaries refreshed at the end."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with transaction.atomic(), ledger_writes():
            return func(*args, **kwargs)

    return wrapper


def ledger_changed(contract_ids: Iterable[int]) -> None:
    """A ledger write to these contracts (the signals' hook; bulk writers call it once with
    every contract they touched): marked for the end of a ``ledger_writes`` block, or, outside
    one, summaries refreshed and the version bumped at once, in the current transaction."""
    ids = set(contract_ids)
    if not ids:
        return
    if getattr(_deferred, "depth", 0):
        _deferred.dirty |= ids
        return
    with transaction.atomic():
        refresh_debts(ids)
        bump_ledger_version()


def contract_statuses(contracts: Iterable[LoanContract], *, as_of: datetime.date) -> list[ContractStatus]:
    """The status of each contract on ``as_of``: from its summary where it holds on that day
    (one query), from its ledger for the rest (six queries when there are any; plus one to
    evaluate ``contracts`` when it is a queryset). On today, a summary that does not hold is
    worked out again and stored on the way. Given a queryset, the queries name its contracts by
    a subquery rather than by a list of thousands of parameters (the report's 2,000 contracts
    at 50× the data: binding the list cost more than the queries)."""
    sliced = not isinstance(contracts, models.QuerySet) or contracts.query.is_sliced
    ids = None if sliced else contracts.order_by().values("pk")
    contracts = list(contracts)
    if not contracts:
        return []
    summaries = {
        row["contract_id"]: row
        for row in ContractDebt.objects.filter(
            holds_q(as_of), contract_id__in=[c.pk for c in contracts] if ids is None else ids
        ).values("contract_id", *_SUMMARY_FIELDS)
    }
    rest = [c for c in contracts if c.pk not in summaries]
    statuses: dict[int, ContractStatus] = {}
    if rest and as_of == timezone.localdate():
        for pk, debt in refresh_debts([c.pk for c in rest], skip_locked=True).items():
            summaries[pk] = {f: getattr(debt, f) for f in _SUMMARY_FIELDS}
        rest = [c for c in rest if c.pk not in summaries]
    if rest:
        every = ids if len(rest) == len(contracts) else None  # else the list of the rest
        statuses = {ledger.contract.pk: ledger.status for ledger in _ledgers(rest, as_of, every)}
    return [
        statuses[c.pk] if c.pk in statuses else status_from_summary(summaries[c.pk], as_of, c) for c in contracts
    ]


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
    if contracts is None and summaries_usable(as_of):
        return portfolio_from_summaries(as_of)
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
    0 days and no bucket, as is one whose instalment falls due on the day itself.

    Of every contract, on a day their summaries hold: from the summaries, in SQL."""
    if contracts is None and summaries_usable(as_of):
        return [overdue_row(debt) for debt in overdue_queryset(as_of)]
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


# --- The same lists and portfolio from the summaries, in SQL ---------------------------------


def summaries_usable(day: datetime.date) -> bool:
    """Whether the pages can read every contract's summary for ``day``: on today, stale ones
    are worked out first (one query when none is); on another day, only if all already hold
    (an earlier date than they were worked out on falls back to the ledgers)."""
    stale = stale_debts(day)
    if stale and day == timezone.localdate():
        refreshed = refresh_debts(stale, skip_locked=True)
        stale = [pk for pk in stale if pk not in refreshed]
    return not stale


_HEADING = {
    "contract_number": "contract__number",
    "facility_name": "contract__facility__name",
    "tax_code": "contract__facility__tax_code",
    "project_code": "contract__project__code",
    "year": "contract__project__plan__year",
    "principal": "contract__principal",
}


def overdue_queryset(day: datetime.date) -> models.QuerySet:
    """The overdue list's rows as SQL (for a day the summaries hold): ContractDebt values with
    the columns of OverdueRow, ``days_past_due`` and ``bucket`` worked out for ``day``, in the
    list's order (the longest past due first, then the number)."""
    return (
        ContractDebt.objects.filter(late=True)
        .annotate(dpd=days_past_due_sql(day), bucket_label=bucket_sql(day), **{k: models.F(v) for k, v in _HEADING.items()})
        .order_by("-dpd", "contract_number")
    )


OVERDUE_ORDER = {  # a sort key of the overdue list → its column in overdue_queryset
    "so": "contract_number",
    "nam": "year",
    "du-no": "balance",
    "qua-han": "overdue",
    "so-ngay": "dpd",
}


def overdue_row(debt: ContractDebt) -> OverdueRow:
    return OverdueRow(
        contract_id=debt.contract_id,
        contract_number=debt.contract_number,
        facility_name=debt.facility_name,
        tax_code=debt.tax_code,
        project_code=debt.project_code,
        year=debt.year,
        principal=debt.principal,
        outstanding=debt.balance,
        overdue=debt.overdue,
        oldest_unpaid_due=debt.oldest_unpaid_due,
        days_past_due=debt.dpd,
        bucket=debt.bucket_label,
        in_litigation=debt.in_litigation,
    )


def overdue_figures(day: datetime.date) -> dict:
    """The overdue list's totals and its contracts per bucket, in SQL (one query)."""
    late = ContractDebt.objects.filter(late=True).annotate(bucket_label=bucket_sql(day))
    per_bucket = {
        row["bucket_label"]: {"contracts": row["n"], "outstanding": row["f_balance"], "overdue": row["f_overdue"]}
        for row in late.values("bucket_label").annotate(
            n=models.Count("pk"), f_balance=models.Sum("balance"), f_overdue=models.Sum("overdue")
        ).order_by()
    }
    empty = {"contracts": 0, "outstanding": 0, "overdue": 0}
    return {
        "count": sum(r["contracts"] for r in per_bucket.values()),
        "outstanding": sum(r["outstanding"] for r in per_bucket.values()),
        "overdue": sum(r["overdue"] for r in per_bucket.values()),
        "buckets": {label: {k: per_bucket.get(label, empty)[k] for k in empty} for label in BUCKET_LABELS},
        "unaged": per_bucket.get(None, empty)["contracts"],
    }


def _figures_sql(day: datetime.date, group: str | None) -> dict:
    """PortfolioFigures per ``group`` (a values path, None: all) from the summaries (two queries)."""
    paid_out = ContractDebt.objects.filter(disbursed__gt=0)
    written_off, sued = models.Q(written_off__gt=0), models.Q(in_litigation=True)
    dpd = days_past_due_sql(day)
    sums = {
        "contracts": models.Count("pk"),
        "facilities": models.Count("contract__facility_id", distinct=True),
        "late_facilities": models.Count("contract__facility_id", distinct=True, filter=models.Q(on_time=False)),
        "lent": models.Sum("disbursed"),
        "repaid": models.Sum("repaid"),
        "outstanding": models.Sum("balance"),
        "overdue": models.Sum("overdue", filter=~written_off),
        "written_off_contracts": models.Count("pk", filter=written_off),
        "written_off": models.Sum("written_off", filter=written_off),
        "recovered": models.Sum("recovered", filter=written_off),
        "litigation_contracts": models.Count("pk", filter=sued),
        "litigation_outstanding": models.Sum("balance", filter=sued),
    }
    keyed = paid_out.values(key=models.F(group)) if group else paid_out.annotate(key=models.Value(0)).values("key")
    figures: dict = {}
    for row in keyed.annotate(**{f"f_{name}": aggregate for name, aggregate in sums.items()}).order_by():
        f = figures[row["key"]] = PortfolioFigures()
        for name in sums:
            if name != "late_facilities":
                setattr(f, name, row[f"f_{name}"] or 0)
        f.facilities_on_time = row["f_facilities"] - row["f_late_facilities"]
    bucketed = paid_out.annotate(bucket_label=bucket_sql(day), dpd=dpd).exclude(bucket_label=None)
    if group:
        bucket_rows = bucketed.values("bucket_label", key=models.F(group))
    else:
        bucket_rows = bucketed.annotate(key=models.Value(0)).values("key", "bucket_label")
    for row in bucket_rows.annotate(
        f_contracts=models.Count("pk"),
        f_balance=models.Sum("balance"),
        f_overdue=models.Sum("overdue"),
        f_at_risk=Coalesce(models.Sum("balance", filter=models.Q(dpd__gt=AT_RISK_AFTER_DAYS)), 0),
    ).order_by():
        f = figures[row["key"]]
        f.buckets[row["bucket_label"]] = BucketFigures(row["f_contracts"], row["f_balance"], row["f_overdue"])
        f.at_risk += row["f_at_risk"]
    return figures


def portfolio_from_summaries(day: datetime.date) -> PortfolioSummary:
    """``portfolio_summary`` of every contract from the summaries (for a day they hold), in
    four queries: aggregates by plan year and by year and bucket, then the same overall."""
    by_year = _figures_sql(day, "contract__project__plan__year")
    total = _figures_sql(day, None).get(0, PortfolioFigures())
    return PortfolioSummary(as_of=day, total=total, by_year=dict(sorted(by_year.items())))


def contracts_touched(changes: dict) -> set[int]:
    """The contracts whose ledger a bulk writer touched, from its pending writes by model
    (each with ``new``, ``changed`` and ``deleted`` records, as the workbook import keeps them)."""
    ids: set[int] = set()
    for model, change in changes.items():
        if model not in LEDGER_MODELS:
            continue
        for obj in [*change.new, *change.changed.values(), *change.deleted]:
            ids.add(obj.pk if model is LoanContract else obj.contract_id or obj.contract.pk)
    ids.discard(None)
    return ids
