"""The figures of the home page, for a range of years, in a fixed number of queries.

Planned and done follow report-figures.md: a đề án only proposed is not yet in a plan, done is
completed, executed money is the sum of disbursements. Debts and the instalments due soon come
from the per-contract debt summaries of ``funding.loans``, as of today.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Coalesce

from funding import loans
from funding.loans import ContractStatus, DueInstalment
from funding.models import ContractDebt, Disbursement, LoanContract
from projects import periods
from projects.models import Program, Project, ProjectResult
from reporting.models import Report

TODO_LIMIT = 10
DUE_WITHIN_DAYS = 30
DEBTS_CACHE_SECONDS = 24 * 3600  # a new day is a new key anyway


@dataclass(frozen=True)
class Year:
    year: int
    planned: int = 0
    done: int = 0
    planned_money: int = 0
    executed: int = 0


@dataclass(frozen=True)
class ContentMoney:
    code: str
    name: str
    executed: int


@dataclass(frozen=True)
class OverdueContract:
    contract: LoanContract
    status: ContractStatus


@dataclass(frozen=True)
class DueSoon:
    contract: LoanContract
    instalment: DueInstalment


@dataclass(frozen=True)
class Debts:
    contracts: int = 0
    outstanding: int = 0
    overdue: int = 0
    overdue_contracts: int = 0
    sued: int = 0
    sued_outstanding: int = 0


@dataclass
class Dashboard:
    year_from: int
    year_to: int
    first_year: int
    last_year: int
    today: datetime.date
    years: list[Year]
    contents: list[ContentMoney]
    debts: Debts
    undisbursed: list[Project]
    undisbursed_count: int
    due_soon: list[DueSoon]
    due_soon_count: int
    overdue: list[OverdueContract]
    drafts: list[Report]
    # Results after support recorded in the years shown (ProjectResult.objects.followed_in, as the report counts them).
    results: dict = field(default_factory=dict)
    totals: Year = field(init=False)

    def __post_init__(self) -> None:
        self.totals = Year(
            year=0,
            planned=sum(y.planned for y in self.years),
            done=sum(y.done for y in self.years),
            planned_money=sum(y.planned_money for y in self.years),
            executed=sum(y.executed for y in self.years),
        )


def period_bounds(today: datetime.date | None = None) -> dict:
    """The current programme's years (projects.periods.current_programme_years: the one
    containing today's year), the years a choice offers, and the span of all programmes and
    plans (two queries)."""
    today = today or datetime.date.today()
    bounds = Program.objects.aggregate(
        first=Min("first_year"), last=Max("last_year"), plan_first=Min("plans__year"), plan_last=Max("plans__year")
    )
    rows = periods.programme_rows()
    current = periods.current_programme_years(today, rows)
    bounds["latest_first"], bounds["latest_last"] = current or (None, None)
    bounds["year_choices"] = periods.programme_years(today, rows)
    return bounds


def _debts(today: datetime.date) -> tuple[Debts, list[OverdueContract], list[DueSoon], int]:
    """Debts, the overdue contracts and the instalments due soon, as of today, cached under the
    ledger's version (``funding.loans.ledger_version``: every ledger write bumps it in its
    transaction, so a visit after a commit never shows the debts before it, whichever worker
    or machine served the write). A visit with nothing changed costs the version's query.

    Worked out: the totals and the ten largest overdue contracts from the per-contract debt
    summaries in SQL (after bringing up to date those a new day made stale), and the
    instalments due soon with ``funding.loans.due_within`` (the ledgers of the contracts with
    an instalment in the window only). Should a summary be held by a writer at that moment,
    the day's debt book is worked out from the ledgers instead."""
    version = loans.ledger_version()
    shown_key = f"dashboard-debts:{today.isoformat()}:{version}"
    shown = cache.get(shown_key)
    if shown is not None:
        return shown
    if loans.summaries_usable(today):
        shown = _debts_from_summaries(today)
    else:
        shown = _debts_from_book(today)
    cache.set(shown_key, shown, timeout=DEBTS_CACHE_SECONDS)
    return shown


def _debts_from_summaries(today: datetime.date) -> tuple[Debts, list[OverdueContract], list[DueSoon], int]:
    paid_out = ContractDebt.objects.exclude(contract__state=LoanContract.State.DRAFT)
    late, sued = Q(late=True), Q(sued=True)
    totals = paid_out.aggregate(
        t_contracts=Count("pk"),
        t_outstanding=Coalesce(Sum("balance"), 0),
        t_overdue=Coalesce(Sum("overdue", filter=late), 0),
        t_overdue_contracts=Count("pk", filter=late),
        t_sued=Count("pk", filter=sued),
        t_sued_outstanding=Coalesce(Sum("balance", filter=sued), 0),
    )
    totals = {name.removeprefix("t_"): value for name, value in totals.items()}
    largest = list(
        paid_out.filter(late=True).select_related("contract__facility").order_by("-overdue", "contract_id")[:TODO_LIMIT]
    )
    overdue = [OverdueContract(d.contract, loans.status_from_summary(d, today, d.contract)) for d in largest]
    due_rows = loans.due_within(as_of=today, days=DUE_WITHIN_DAYS)
    due_rows.sort(key=lambda r: (r.due_date, r.contract_id, r.instalment))
    shown_rows = due_rows[:TODO_LIMIT]
    by_id = LoanContract.objects.select_related("facility").in_bulk({r.contract_id for r in shown_rows})
    due_soon = [
        DueSoon(by_id[r.contract_id], DueInstalment(r.contract_id, r.instalment, r.due_date, r.due, r.paid))
        for r in shown_rows
    ]
    return Debts(**totals), overdue, due_soon, len(due_rows)


def _debts_from_book(today: datetime.date) -> tuple[Debts, list[OverdueContract], list[DueSoon], int]:
    book = loans.debt_book(as_of=today, days=DUE_WITHIN_DAYS)
    statuses = book.statuses.values()
    late, due = book.late(), book.due_soon()
    # The few contracts the two lists show, with their facility, in one query.
    by_id = LoanContract.objects.select_related("facility").in_bulk(
        {s.contract_id for s in late[:TODO_LIMIT]} | {i.contract_id for i in due[:TODO_LIMIT]}
    )
    debts = Debts(
        contracts=len(book.statuses),
        outstanding=sum(s.balance for s in statuses),
        overdue=sum(s.overdue for s in late),
        overdue_contracts=len(late),
        sued=sum(1 for s in statuses if s.sued),
        sued_outstanding=sum(s.balance for s in statuses if s.sued),
    )
    return (
        debts,
        [OverdueContract(by_id[s.contract_id], s) for s in late[:TODO_LIMIT]],
        [DueSoon(by_id[i.contract_id], i) for i in due[:TODO_LIMIT]],
        len(due),
    )


def build(year_from: int, year_to: int, *, bounds: dict, today: datetime.date) -> Dashboard:
    """The dashboard for plans of years ``year_from``..``year_to``.

    Queries, whatever the number of rows: đề án per year; disbursements per year and per
    content; approved đề án without a disbursement and their count; draft reports; and the
    debts of ``_debts``: the ledger's version (one), then, unless the cache has them, whether
    the summaries hold, their totals, the ten largest overdue, the instalments due soon (the
    contracts, six ledger queries) and the contracts those show.
    """
    in_plans = Project.objects.in_years(year_from, year_to).exclude(status=Project.Status.PROPOSED)

    per_year = {
        row["plan__year"]: row
        for row in in_plans.values("plan__year").annotate(
            planned=Count("pk"),
            done=Count("pk", filter=Q(status=Project.Status.COMPLETED)),
            planned_money=Coalesce(Sum("planned_budget"), 0),
        )
    }
    # The same đề án as ``in_plans``, by joins rather than an IN (subquery): SQLite plans the
    # join far better once there are thousands of đề án.
    paid = Disbursement.objects.filter(
        project__plan__year__gte=year_from, project__plan__year__lte=year_to
    ).exclude(project__status=Project.Status.PROPOSED)
    executed = {
        row["project__plan__year"]: row["total"]
        for row in paid.values("project__plan__year").annotate(total=Coalesce(Sum("amount"), 0))
    }
    years = [
        Year(
            year=y,
            planned=per_year.get(y, {}).get("planned", 0),
            done=per_year.get(y, {}).get("done", 0),
            planned_money=per_year.get(y, {}).get("planned_money", 0),
            executed=executed.get(y, 0),
        )
        for y in range(year_from, year_to + 1)
    ]
    contents = [
        ContentMoney(row["project__content__code"], row["project__content__name"], row["total"])
        for row in paid.values("project__content__code", "project__content__name", "project__content__order")
        .annotate(total=Coalesce(Sum("amount"), 0))
        .order_by("-total", "project__content__order")
    ]

    # Debts: every contract paid out, as of today (a debt does not belong to a plan year).
    debts, overdue, due_soon, due_soon_count = _debts(today)

    undisbursed_qs = Project.objects.filter(
        status__in=[Project.Status.APPROVED, Project.Status.IN_PROGRESS], disbursements__isnull=True
    )
    undisbursed = list(undisbursed_qs.select_related("plan").order_by("plan__year", "code")[:TODO_LIMIT])
    undisbursed_count = undisbursed_qs.count()

    drafts = list(Report.objects.filter(status=Report.Status.DRAFT).order_by("-report_date", "-pk")[:TODO_LIMIT])

    first = min(v for v in (bounds.get("first"), bounds.get("plan_first"), year_from) if v)
    last = max(v for v in (bounds.get("last"), bounds.get("plan_last"), year_to) if v)
    return Dashboard(
        year_from=year_from,
        year_to=year_to,
        first_year=first,
        last_year=last,
        today=today,
        years=years,
        contents=contents,
        debts=debts,
        undisbursed=undisbursed,
        undisbursed_count=undisbursed_count,
        due_soon=due_soon,
        due_soon_count=due_soon_count,
        overdue=overdue,
        drafts=drafts,
        results=ProjectResult.objects.followed_in(year_from, year_to).totals(),
    )

