"""The figures of the BC-SCT report (F01–F30 of shared/design/report-figures.md), from the database.

Data first, rendering second: ``compute_figures`` reads the period's đề án, their facilities,
events, nominations and recoverable contracts in a fixed number of queries, whatever the
number of đề án, contracts or years, and adds them up in Python into frozen dataclasses of
raw integers (đồng and counts). The template formats them; nothing here makes a string.

Outstanding debt, on-time repayment and lawsuits come from ``funding.loans.contract_statuses``,
the one module that owns them.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby

from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from funding.loans import ContractStatus, contract_statuses
from funding.models import LoanContract
from projects.models import AdministrativeUnit, Event, FundingLevel, ProductNomination, Program, Project, SupportForm
from projects.provinces import lineage, report_provinces

# The report's lines, by the NĐ 45/2012 codes (projects/migrations/0002_reference_data.py). A
# đề án counts under its content's report line (ActivityContent.report_line, else the code), so
# an NĐ 235/2025 content ("MMTB-235") feeds the same line as the one it carries on: a new decree
# changes the data, not this module.
DEMONSTRATION = "MHTD"
MACHINERY = "MMTB"
CONFERENCE = "KNCC"
BRAND = "THNH"
LINKAGE = "LKCK"
PRODUCT_VOTING = "BCSP"
TRAINING = "DTBD"
MEDIA = "TTTT"
INSPECTION = "KTGS"
DIRECT_SUPPORT_GROUP = "1.1"

# Every figure id a link in the HTML view can name.
FIGURE_IDS = tuple(f"F{n:02d}" for n in range(1, 31))


@dataclass(frozen=True)
class Amount:
    """A number of đề án (or supports) and their money, in đồng."""

    count: int = 0
    money: int = 0


@dataclass(frozen=True)
class LevelSplit:
    """Local (khuyến công địa phương) and national (quốc gia) parts of a line."""

    local: Amount = Amount()
    national: Amount = Amount()


@dataclass(frozen=True)
class ContentLine:
    """One line of Part I.II.1: a content's đề án, the (đề án, facility) supports, the money."""

    projects: int = 0
    supports: int = 0  # (đề án, facility) pairs: a facility helped twice counts twice
    outputs: int = 0  # sum of the đề án's output quantities (classes, programmes)
    money: int = 0
    local: Amount = Amount()  # count = supports
    national: Amount = Amount()


@dataclass(frozen=True)
class AwardCount:
    level_code: str
    level_name: str
    recognised: int


@dataclass(frozen=True)
class FacilityNominations:
    """A facility's products nominated in the period, and its recognitions (F10's drill-down)."""

    id: int
    name: str
    products: int
    recognised: int


@dataclass(frozen=True)
class ProductVoting:
    """F10: products nominated in the period, their facilities, recognitions by level, cost."""

    products: int = 0
    facilities: int = 0
    recognised: tuple[AwardCount, ...] = ()
    money: int = 0
    by_facility: tuple[FacilityNominations, ...] = ()


@dataclass(frozen=True)
class Conferences:
    """F08 and F24: supply–demand connection conferences and their outcomes."""

    events: int = 0
    money: int = 0
    participants: int = 0
    sale_contracts: int = 0
    memoranda: int = 0


@dataclass(frozen=True)
class DirectSupport:
    """F16 / F21: support given straight to facilities."""

    projects: int = 0
    facilities: int = 0  # distinct
    money: int = 0
    counterpart: int = 0
    local_money: int = 0
    national_money: int = 0


class Standing:
    """Where a facility of F17's base stands at the report date; each is in exactly one, taken
    in this order: sued (a lawsuit filed), on time (F17), overdue (principal due and not repaid),
    paid late (nothing overdue now, but an instalment was paid after its due date)."""

    SUED = "sued"
    ON_TIME = "on_time"
    OVERDUE = "overdue"
    PAID_LATE = "paid_late"
    ORDER = (ON_TIME, PAID_LATE, OVERDUE, SUED)


def facility_standing(items: list[ContractStatus]) -> str:
    """The standing of a facility from the statuses of its recoverable contracts."""
    if any(s.sued for s in items):
        return Standing.SUED
    if all(s.on_time for s in items):
        return Standing.ON_TIME
    if any(s.overdue > 0 for s in items):
        return Standing.OVERDUE
    return Standing.PAID_LATE


@dataclass(frozen=True)
class Repayment:
    """F17–F20: the facilities with a recoverable contract of the period, as of the report date."""

    facilities: int = 0
    on_time: int = 0
    sued: int = 0
    # Every facility of F17's base in exactly one standing (Standing), so the counts add up.
    standing: tuple[tuple[str, int], ...] = ()
    sued_names: tuple[str, ...] = ()  # F30
    sued_outstanding: int = 0  # F19
    previous_sued_outstanding: int | None = None  # the same figure for the previous period
    previous_year_from: int | None = None
    previous_year_to: int | None = None

    @property
    def growth(self) -> tuple[int, int] | None:
        """F20 as (numerator, denominator) for khuyencong.core.formatting.ratio, or None."""
        if not self.previous_sued_outstanding:
            return None
        return (self.sued_outstanding, self.previous_sued_outstanding)


@dataclass(frozen=True)
class YearFigures:
    """One year of footnote 1 (F25–F29)."""

    year: int
    done: int = 0
    planned: int = 0
    executed: int = 0
    planned_money: int = 0
    local_done: int = 0
    local_planned: int = 0
    local_executed: int = 0
    local_planned_money: int = 0
    national_done: int = 0
    national_planned: int = 0
    national_executed: int = 0
    national_planned_money: int = 0

    @property
    def fig_id(self) -> str:
        """The id its links name: F25 is the first year of the seed's period, so a year is "Y2021"."""
        return f"Y{self.year}"


@dataclass(frozen=True)
class FigureRecords:
    """The records behind one figure, for the HTML view's links."""

    projects: tuple[int, ...] = ()
    facilities: tuple[int, ...] = ()
    contracts: tuple[int, ...] = ()


@dataclass(frozen=True)
class ContentTotals:
    """One activity content of the period's completed đề án (annex "Theo nội dung")."""

    code: str
    name: str
    group: str  # the parent content's code ("1.1"), "" for a group itself
    order: int
    projects: int = 0
    supports: int = 0  # (đề án, facility) pairs, as Part I.II.1 counts them
    facilities: int = 0  # distinct
    money: int = 0
    local_money: int = 0
    national_money: int = 0
    group_name: str = ""  # the parent content's name, "" for a group itself
    group_order: int = 0


@dataclass(frozen=True)
class Beneficiary:
    """A facility a đề án supports, as annex I names it: name, tax code (MST), administrative unit."""

    name: str
    tax_code: str = ""
    unit: str = ""


@dataclass(frozen=True)
class RecognisedProduct:
    """A product recognised in the period (annex IV): a nomination marked recognised."""

    level_code: str
    level_name: str
    level_order: int
    year: int
    product: str
    facility: str
    certificate_number: str
    certificate_date: datetime.date | None


@dataclass(frozen=True)
class ProjectLine:
    """A đề án of the period as the annex "Danh sách đề án" lists it; form and status are codes
    (projects.models.SupportForm, Project.Status) so that a snapshot keeps the data, not labels."""

    id: int
    year: int
    code: str
    name: str
    content_code: str
    content_name: str
    level_name: str
    form: str
    status: str
    facilities: tuple[str, ...]
    planned_budget: int
    executed: int
    counterpart: int
    # For the drill-down pages (reporting/drilldown.py): the facilities' ids, in the order of
    # ``facilities``, and the output quantity (classes, programmes) that F12 and F13 add up.
    facility_ids: tuple[int, ...] = ()
    outputs: int = 0
    level: str = ""  # the funding level's code (FundingLevel.LOCAL, NATIONAL)
    key: bool = False  # a "đề án điểm" (F15)
    # Its conferences' outcomes (F08, F24): events, participants, sale contracts, memoranda.
    events: int = 0
    participants: int = 0
    sale_contracts: int = 0
    memoranda: int = 0

    # For the annexes (reporting/annexes.py).
    approved_budget: int = 0
    beneficiaries: tuple[Beneficiary, ...] = ()

    @property
    def done(self) -> bool:
        return is_done(self.status)


@dataclass(frozen=True)
class ContractLine:
    """A recoverable contract of the period and its debt as of the report date (funding.loans)."""

    id: int
    number: str
    facility: str
    signed_on: datetime.date | None
    principal: int
    disbursed: int
    repaid: int
    outstanding: int
    overdue: int
    days_past_due: int
    in_litigation: bool
    sued: bool
    written_off: int = 0
    facility_id: int = 0
    lawsuit_filed_on: datetime.date | None = None  # the latest lawsuit filed on or before the report date
    lawsuit_status: str = ""  # its status then (funding.models.Lawsuit.Status), "" when none


@dataclass(frozen=True)
class ResultLine:
    """A completed đề án followed up in the period (results after support): its follow-up
    records of the period's years added up. Jobs and capital are summed over the records (each
    records what came since the last); the revenue / value added is the latest record's (a
    yearly level, not a flow); capacity, productivity and the texts are the latest given."""

    id: int
    year: int
    code: str
    name: str
    facilities: tuple[str, ...] = ()
    follow_ups: int = 0
    last_date: datetime.date | None = None
    capacity: str = ""
    productivity_increase: str = ""  # "12.50" (a Decimal as text, for the JSON package)
    revenue: int = 0
    new_markets: str = ""
    material_saved: str = ""
    energy_saved: str = ""
    jobs_created: int = 0
    capital_mobilised: int = 0


@dataclass(frozen=True)
class AfterSupport:
    """Results after support recorded in the period's years (their follow-up date), for
    completed đề án of the province of any year."""

    projects: int = 0
    follow_ups: int = 0
    jobs_created: int = 0
    capital_mobilised: int = 0
    revenue: int = 0
    lines: tuple[ResultLine, ...] = ()


def _after_support(province, year_from: int, year_to: int) -> AfterSupport:
    """One query for the records and one for the đề án's facilities. The follow-ups of the
    period's provinces' đề án of any year, those of the provinces they were formed from included
    (projects.provinces.lineage): a 2021–2025 đề án is followed up by the merged province."""
    from projects.models import ProjectResult

    covered = report_provinces(province, year_from, year_to)
    provinces = {unit.pk for unit in covered} | {unit.pk for unit in lineage(covered[0])}
    results = list(
        ProjectResult.objects.followed_in(year_from, year_to)
        .filter(project__plan__program__province__in=list(provinces))
        .select_related("project__plan")
        .order_by("project__plan__year", "project__code", "project_id", "date", "pk")
    )
    names: dict[int, list[str]] = defaultdict(list)
    through = Project.facilities.through
    for project_id, name in (
        through.objects.filter(project_id__in={r.project_id for r in results})
        .order_by("facility__name")
        .values_list("project_id", "facility__name")
    ):
        names[project_id].append(name)
    lines: list[ResultLine] = []
    for project_id, group in groupby(results, key=lambda r: r.project_id):
        group = list(group)
        project, last = group[0].project, group[-1]

        def latest(attr: str, group=group) -> str:
            return next((getattr(r, attr) for r in reversed(group) if getattr(r, attr)), "")

        productivity = next((r.productivity_increase for r in reversed(group) if r.productivity_increase is not None), None)
        lines.append(
            ResultLine(
                id=project_id,
                year=project.plan.year,
                code=project.code,
                name=project.name,
                facilities=tuple(names[project_id]),
                follow_ups=len(group),
                last_date=last.date,
                capacity=latest("capacity"),
                productivity_increase="" if productivity is None else str(productivity),
                revenue=last.revenue,
                new_markets=latest("new_markets"),
                material_saved=latest("material_saved"),
                energy_saved=latest("energy_saved"),
                jobs_created=sum(r.jobs_created for r in group),
                capital_mobilised=sum(r.capital_mobilised for r in group),
            )
        )
    return AfterSupport(
        projects=len(lines),
        follow_ups=len(results),
        jobs_created=sum(line.jobs_created for line in lines),
        capital_mobilised=sum(line.capital_mobilised for line in lines),
        revenue=sum(line.revenue for line in lines),
        lines=tuple(lines),
    )


@dataclass(frozen=True)
class ReportFigures:
    province_id: int
    year_from: int
    year_to: int
    report_date: datetime.date
    has_data: bool
    done: Amount  # F01, F02
    levels: LevelSplit  # F03, F04
    demonstration: ContentLine  # F06
    machinery: ContentLine  # F07
    conferences: Conferences  # F08, F24
    brand: ContentLine  # F09
    voting: ProductVoting  # F10
    cleaner_production: ContentLine  # F11
    linkage: ContentLine  # line 1.3 (no F-number: the seed writes it as narrative)
    training: ContentLine  # F12
    media: ContentLine  # F13
    inspection: ContentLine  # F14
    national_key: int  # F15: national đề án flagged as key (điểm)
    recoverable: DirectSupport  # F16
    repayment: Repayment  # F17–F20, F30
    non_recoverable: DirectSupport  # F21
    local_budget_name: str
    national_budget_name: str
    years: tuple[YearFigures, ...]  # F25–F29
    # The annexes (reporting/annexes.py): read in the same queries as the figures above.
    contents: tuple[ContentTotals, ...] = ()
    project_lines: tuple[ProjectLine, ...] = ()
    contracts: tuple[ContractLine, ...] = ()
    recognised_products: tuple[RecognisedProduct, ...] = ()
    after_support: AfterSupport = AfterSupport()  # the section and annex of results after support
    records: dict[str, FigureRecords] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_annual(self) -> bool:
        return self.year_from == self.year_to

    @property
    def year_count(self) -> int:
        return self.year_to - self.year_from + 1

    @property
    def national(self) -> Amount:  # F15
        return self.levels.national

    @property
    def direct_money(self) -> int:  # F22
        return self.recoverable.money + self.non_recoverable.money

    @property
    def direct_local_money(self) -> int:
        return self.recoverable.local_money + self.non_recoverable.local_money

    @property
    def direct_national_money(self) -> int:
        return self.recoverable.national_money + self.non_recoverable.national_money

    @property
    def counterpart(self) -> int:  # F23
        return self.recoverable.counterpart + self.non_recoverable.counterpart


@dataclass
class _Row:
    """A đề án of the period as fetched for the records and the lines (the figures read _Group)."""

    id: int
    year: int
    status: str
    content: str
    group: str | None
    level: str
    budget_name: str
    form: str
    cleaner: bool
    key: bool
    planned_budget: int
    counterpart: int
    outputs: int
    executed: int
    code: str
    name: str
    content_name: str
    content_order: int
    level_name: str
    approved_budget: int
    group_name: str | None
    group_order: int | None
    report_line: str  # the line it counts under (ActivityContent.line)
    facilities: list[int] = field(default_factory=list)
    facility_names: list[str] = field(default_factory=list)
    beneficiaries: list[Beneficiary] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return is_done(self.status)


def is_done(status: str) -> bool:
    """A đề án counts as carried out (F01) when it is completed."""
    return status == Project.Status.COMPLETED


@dataclass(frozen=True)
class _Group:
    """The period's đề án that share a year, status, content, funding level, form and flags,
    added up in the database: what the figures read (the records and lines read _Row)."""

    year: int
    status: str
    content: str
    group: str | None
    level: str
    budget_name: str
    form: str
    cleaner: bool
    key: bool
    content_name: str
    content_order: int
    group_name: str | None
    group_order: int | None
    line: str | None  # ActivityContent.report_line as stored ("" or None: the content's code)
    count: int  # đề án
    planned_budget: int
    counterpart: int
    outputs: int
    executed: int
    supports: int  # (đề án, facility) pairs

    @property
    def done(self) -> bool:
        return is_done(self.status)

    @property
    def report_line(self) -> str:
        return self.line or self.content


def _period_groups(period: QuerySet[Project]) -> list[_Group]:
    """The period's đề án added up by year, status, content, level, form and flags (one query:
    a few hundred groups whatever the number of đề án)."""
    pairs = (
        Project.facilities.through.objects.filter(project=models.OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(n=models.Count("pk"))
        .values("n")
    )
    keys = (
        "plan__year", "status", "content__code", "content__parent__code", "funding_level__code",
        "funding_level__budget_name", "support_form", "is_cleaner_production", "is_key", "content__name",
        "content__order", "content__parent__name", "content__parent__order", "content__report_line",
    )  # fmt: skip
    grouped = (
        period.with_executed()
        .annotate(pairs=Coalesce(models.Subquery(pairs), 0, output_field=models.BigIntegerField()))
        .order_by()
        .values_list(*keys)
        .annotate(
            n=models.Count("pk"),
            planned_sum=Coalesce(models.Sum("planned_budget"), 0, output_field=models.BigIntegerField()),
            counterpart_sum=Coalesce(models.Sum("counterpart_capital"), 0, output_field=models.BigIntegerField()),
            outputs_sum=Coalesce(models.Sum("output_quantity"), 0, output_field=models.BigIntegerField()),
            executed_sum=Coalesce(models.Sum("executed"), 0, output_field=models.BigIntegerField()),
            pairs_sum=Coalesce(models.Sum("pairs"), 0, output_field=models.BigIntegerField()),
        )
    )
    return [_Group(*values) for values in grouped]


def _distinct_facilities(done: QuerySet[Project]) -> tuple[dict[str, int], int, int]:
    """The distinct facilities the completed đề án support, by content; and those of F16
    (recoverable) and F21 (non-recoverable, direct support group), two queries."""
    pairs = Project.facilities.through.objects.filter(project__in=done.order_by()).order_by()
    by_content = dict(
        pairs.values_list("project__content__code").annotate(n=models.Count("facility_id", distinct=True))
    )
    direct = pairs.aggregate(
        recoverable=models.Count("facility_id", distinct=True, filter=Q(project__support_form=SupportForm.RECOVERABLE)),
        direct=models.Count(
            "facility_id",
            distinct=True,
            filter=Q(
                project__support_form=SupportForm.NON_RECOVERABLE, project__content__parent__code=DIRECT_SUPPORT_GROUP
            ),
        ),
    )
    return by_content, direct["recoverable"], direct["direct"]


def _period_projects(province, year_from: int, year_to: int):
    provinces = report_provinces(province, year_from, year_to)
    return Project.objects.filter(
        plan__program__province__in=provinces, plan__year__gte=year_from, plan__year__lte=year_to
    ).exclude(
        status=Project.Status.PROPOSED
    )  # a đề án only proposed is not in a plan yet


def _content_line(groups: Iterable[_Group]) -> ContentLine:
    groups = list(groups)
    by_level: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for group in groups:
        by_level[group.level][0] += group.supports
        by_level[group.level][1] += group.executed
    local, national = by_level.get(FundingLevel.LOCAL, [0, 0]), by_level.get(FundingLevel.NATIONAL, [0, 0])
    return ContentLine(
        projects=sum(group.count for group in groups),
        supports=sum(group.supports for group in groups),
        outputs=sum(group.outputs for group in groups),
        money=sum(group.executed for group in groups),
        local=Amount(*local),
        national=Amount(*national),
    )


def _direct_support(groups: list[_Group], facilities: int) -> DirectSupport:
    return DirectSupport(
        projects=sum(group.count for group in groups),
        facilities=facilities,
        money=sum(group.executed for group in groups),
        counterpart=sum(group.counterpart for group in groups),
        local_money=sum(group.executed for group in groups if group.level == FundingLevel.LOCAL),
        national_money=sum(group.executed for group in groups if group.level == FundingLevel.NATIONAL),
    )


def _recoverable_contracts(province, year_from: int, year_to: int) -> models.QuerySet:
    """The recoverable contracts of the period's đề án (one query, facility names joined), as
    plain rows (``pk``, ``facility_id``, ``project_id``, ``principal``, ``disbursed_on``: what
    contract_statuses reads; ``number``, ``signed_on``, ``facility__name``: what the report
    prints), a tenth of the cost of model instances for thousands of contracts.

    A queryset, so that contract_statuses() filters its records by a subquery."""
    return (
        LoanContract.objects.filter(
            project__in=_period_projects(province, year_from, year_to).filter(support_form=SupportForm.RECOVERABLE)
        )
        .exclude(state=LoanContract.State.DRAFT)
        .order_by("signed_on", "id")
        .values_list(
            "pk", "facility_id", "project_id", "principal", "disbursed_on", "number", "signed_on", "facility__name",
            named=True,
        )  # fmt: skip
    )


def _by_facility(statuses: list[ContractStatus]) -> dict[int, list[ContractStatus]]:
    grouped: dict[int, list[ContractStatus]] = defaultdict(list)
    for status in statuses:
        grouped[status.facility_id].append(status)
    return grouped


def _sued_outstanding(statuses: list[ContractStatus]) -> tuple[set[int], int]:
    """F18/F19: the sued facilities, and what they owe over all their recoverable contracts."""
    grouped = _by_facility(statuses)
    sued = {facility for facility, items in grouped.items() if any(s.sued for s in items)}
    return sued, sum(s.outstanding for facility in sued for s in grouped[facility])


def _previous_period(province, year_from: int, year_to: int) -> tuple[int, int] | None:
    """The period before: the province's programme that ended the year before, or the year before."""
    if year_from == year_to:
        return (year_from - 1, year_from - 1)
    provinces = report_provinces(province, year_from - 1, year_from - 1)
    first_years = list(
        Program.objects.filter(province__in=provinces, last_year=year_from - 1).values_list("first_year", flat=True)
    )
    if not first_years:
        return None
    return (min(first_years), year_from - 1)


REFORM_LAST_PLAN_YEAR = 2025  # the last annual plan made before the communes of 1/7/2025


def _on_line(line: str) -> Q:
    """The đề án that count under the report line ``line``, as ActivityContent.line reads it."""
    return Q(content__report_line=line) | (Q(content__report_line="") & Q(content__code=line))


def _period_rows(period: QuerySet[Project], *, beneficiaries: bool = True) -> dict[int, _Row]:
    """The đề án of ``period`` as rows with their facilities (two queries), for the records
    and the lines; with ``beneficiaries`` the facilities' names, tax codes and units (annex I
    and the drill-down), else their ids alone."""
    rows: dict[int, _Row] = {}
    # Unordered in the database, sorted here as Project.Meta.ordering sorts (year down, code),
    # the order the records of each figure keep: the sort was a third of the query's time.
    fetched = period.with_executed().order_by().values_list(
        "id",
        "plan__year",
        "status",
        "content__code",
        "content__parent__code",
        "funding_level__code",
        "funding_level__budget_name",
        "support_form",
        "is_cleaner_production",
        "is_key",
        "planned_budget",
        "counterpart_capital",
        "output_quantity",
        "executed",
        "code",
        "name",
        "content__name",
        "content__order",
        "funding_level__name",
        "approved_budget",
        "content__parent__name",
        "content__parent__order",
        "content__report_line",
    )
    for values in sorted(fetched, key=lambda v: (-v[1], v[14])):
        row = _Row(*values)
        row.report_line = row.report_line or row.content
        rows[row.id] = row

    through = Project.facilities.through
    pairs = through.objects.filter(project__in=period.order_by()).order_by("project_id", "facility_id")
    if not beneficiaries:  # the ids alone: what the figures count
        for project_id, facility_id in pairs.values_list("project_id", "facility_id"):
            rows[project_id].facilities.append(facility_id)
        return rows
    for project_id, facility_id, facility_name, tax_code, unit, commune in pairs.values_list(
        "project_id", "facility_id", "facility__name", "facility__tax_code", "facility__administrative_unit__name",
        "facility__commune__name",
    ):  # fmt: skip
        rows[project_id].facilities.append(facility_id)
        rows[project_id].facility_names.append(facility_name)
        # A plan of the years before the 2025 reform names the unit of then (its district); a
        # later one the facility's commune of the reform.
        where = (commune or unit) if rows[project_id].year > REFORM_LAST_PLAN_YEAR else unit
        rows[project_id].beneficiaries.append(Beneficiary(facility_name, tax_code, where or ""))
    return rows


def _conferences(period: QuerySet[Project], conference_groups: list[_Group]) -> tuple[Conferences, dict[int, list[int]]]:
    """F08, F24: the conferences held under the period's completed KNCC đề án (one query), and
    each đề án's (events, participants, sale contracts, memoranda) for its line."""
    events = list(
        Event.objects.filter(project__in=period, kind=Event.Kind.CONFERENCE).values_list(
            "project_id", "participants", "sale_contracts", "memoranda",
            "project__status", "project__content__code", "project__content__report_line",
        )  # fmt: skip
    )
    by_project: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for project_id, participants, sale_contracts, memoranda, *_line in events:
        totals = by_project[project_id]
        totals[0] += 1
        totals[1] += participants
        totals[2] += sale_contracts
        totals[3] += memoranda
    conference_events = [event for event in events if is_done(event[4]) and (event[6] or event[5]) == CONFERENCE]
    conferences = Conferences(
        events=len(conference_events),
        money=sum(group.executed for group in conference_groups),
        participants=sum(e[1] for e in conference_events),
        sale_contracts=sum(e[2] for e in conference_events),
        memoranda=sum(e[3] for e in conference_events),
    )
    return conferences, by_project


def _voting(
    province, year_from: int, year_to: int, voting_groups: list[_Group], *, annexes: bool
) -> tuple[ProductVoting, tuple[int, ...], tuple[RecognisedProduct, ...]]:
    """F10: the nominations of the period's years, for products of the province's facilities.
    Its figures (products and facilities nominated, recognitions by level) are added up in the
    database (two queries) on every path, the draft's and the files'; with ``annexes`` the
    nominations are also listed (one query more): the facilities nominated (F10's drill-down,
    with their products and recognitions) and the products recognised (annex IV)."""
    nominations = _nominations(province, year_from, year_to).order_by()
    totals = nominations.aggregate(
        products=models.Count("product_id", distinct=True), facilities=models.Count("product__facility_id", distinct=True)
    )
    by_level = nominations.values_list("level__order", "level__code", "level__name").annotate(
        recognised=models.Count("pk", filter=Q(recognised=True))
    )
    voting = ProductVoting(
        products=totals["products"],
        facilities=totals["facilities"],
        recognised=tuple(AwardCount(code, name, number) for _o, code, name, number in sorted(by_level)),
        money=sum(group.executed for group in voting_groups),
    )
    if not annexes:
        return voting, (), ()
    listed = nominations.order_by("level__order", "year", "certificate_number", "pk").values_list(
        "product_id", "product__facility_id", "level__code", "level__name", "level__order", "recognised",
        "year", "product__name", "product__facility__name", "certificate_number", "certificate_date",
    )  # fmt: skip
    by_facility: dict[tuple[str, int], set[int]] = defaultdict(set)  # products by (facility name, id)
    recognitions: dict[tuple[str, int], int] = defaultdict(int)
    products = []  # the products recognised (annex IV)
    for product_id, facility_id, code, name, order, is_recognised, year, product, facility, number, on in listed:
        by_facility[(facility, facility_id)].add(product_id)
        recognitions[(facility, facility_id)] += int(is_recognised)
        if is_recognised:
            products.append(RecognisedProduct(code, name, order, year, product, facility, number, on))
    voting = dataclasses.replace(
        voting,
        by_facility=tuple(
            FacilityNominations(pk, name, len(ids), recognitions[(name, pk)]) for (name, pk), ids in sorted(by_facility.items())
        ),
    )
    return voting, tuple(sorted(pk for _name, pk in by_facility)), tuple(products)


def _nominations(province, year_from: int, year_to: int) -> QuerySet[ProductNomination]:
    """The nominations of the period's years, for products of the province's facilities."""
    return ProductNomination.objects.filter(year__gte=year_from, year__lte=year_to).filter(
        _in_province("product__facility__administrative_unit", report_provinces(province, year_from, year_to))
    )


def _previous_sued_outstanding(province, year_from: int, year_to: int) -> tuple[tuple[int, int] | None, int | None]:
    """F30's comparison: the previous programme's years and what its sued facilities owed at its
    end (a query, and its contracts + 3 in contract_statuses when it had any)."""
    previous = _previous_period(province, year_from, year_to)
    if previous is None:
        return None, None
    previous_contracts = _recoverable_contracts(province, *previous)
    if not previous_contracts:
        return previous, None
    _, outstanding = _sued_outstanding(contract_statuses(previous_contracts, as_of=datetime.date(previous[1], 12, 31)))
    return previous, outstanding


def _repayment(
    province, year_from: int, year_to: int, report_date: datetime.date, records: dict[str, FigureRecords]
) -> tuple[Repayment, list, list[ContractStatus]]:
    """F17–F20, F30: repayment of the recoverable contracts, as of the report date; their
    records are added to ``records``."""
    contracts = _recoverable_contracts(province, year_from, year_to)
    statuses = contract_statuses(contracts, as_of=report_date)
    grouped = _by_facility(statuses)
    sued, sued_outstanding = _sued_outstanding(statuses)
    names = {c.facility_id: c.facility__name for c in contracts}
    on_time = {facility for facility, items in grouped.items() if all(s.on_time for s in items)}
    standings = {facility: facility_standing(items) for facility, items in grouped.items()}
    previous, previous_outstanding = _previous_sued_outstanding(province, year_from, year_to)
    repayment = Repayment(
        facilities=len(grouped),
        on_time=len(on_time),
        sued=len(sued),
        standing=tuple((name, sum(1 for v in standings.values() if v == name)) for name in Standing.ORDER),
        sued_names=tuple(names[f] for f in dict.fromkeys(c.facility_id for c in contracts) if f in sued),
        sued_outstanding=sued_outstanding,
        previous_sued_outstanding=previous_outstanding or None,
        previous_year_from=previous[0] if previous else None,
        previous_year_to=previous[1] if previous else None,
    )
    records["F17"] = FigureRecords(facilities=tuple(sorted(grouped)), contracts=tuple(c.pk for c in contracts))
    sued_contracts = tuple(s.contract_id for s in statuses if s.facility_id in sued)
    for figure in ("F18", "F19", "F20", "F30"):
        records[figure] = FigureRecords(facilities=tuple(sorted(sued)), contracts=sued_contracts)
    for name in Standing.ORDER:
        ours = {f for f, v in standings.items() if v == name}
        records[f"F17-{name}"] = FigureRecords(
            facilities=tuple(sorted(ours)), contracts=tuple(s.contract_id for s in statuses if s.facility_id in ours)
        )
    return repayment, contracts, statuses


def _figure_records(selections: dict[str, tuple[list[_Row], bool]]) -> dict[str, FigureRecords]:
    """The đề án (and, where ``True``, facilities) behind each figure."""
    return {
        figure: FigureRecords(
            projects=tuple(row.id for row in selected),
            facilities=tuple(sorted({f for row in selected for f in row.facilities})) if facilities else (),
        )
        for figure, (selected, facilities) in selections.items()
    }


class _Done:
    """The completed đề án of the period, cut the ways the report's figures cut them: as
    groups (_Group) for the figures, as rows (_Row) for their records."""

    def __init__(self, rows: Iterable[_Row | _Group]) -> None:
        self.all = [row for row in rows if row.done]
        self.local = [row for row in self.all if row.level == FundingLevel.LOCAL]
        self.national = [row for row in self.all if row.level == FundingLevel.NATIONAL]
        self.machinery = [row for row in self.content(MACHINERY) if row.form == SupportForm.NON_RECOVERABLE]
        self.cleaner = [row for row in self.all if row.cleaner]
        # F16, F21: support given straight to facilities.
        self.recoverable = [row for row in self.all if row.form == SupportForm.RECOVERABLE]
        self.direct = [row for row in self.all if row.form == SupportForm.NON_RECOVERABLE and row.group == DIRECT_SUPPORT_GROUP]

    def content(self, line: str) -> list:
        """The đề án that count under the report line ``line`` (whichever decree's content)."""
        return [row for row in self.all if row.report_line == line]

    def records(self, only: Iterable[str] | None = None) -> dict[str, FigureRecords]:
        """The records of every figure, or of the figures ``only`` names."""
        direct_support = self.recoverable + self.direct
        if only is not None:  # the body needs F12's (reporting.sentences.training); the rest are links' pages
            return _figure_records({"F12": (self.content(TRAINING), True)} if "F12" in only else {})
        return _figure_records(
            {
                "F01": (self.all, False), "F02": (self.all, False), "F05": (self.all, False),
                "F03": (self.local, False), "F04": (self.national, False), "F15": (self.national, True),
                "F06": (self.content(DEMONSTRATION), True), "F07": (self.machinery, True),
                "F08": (self.content(CONFERENCE), True), "F09": (self.content(BRAND), True),
                "F10": (self.content(PRODUCT_VOTING), True), "F11": (self.cleaner, True),
                "F12": (self.content(TRAINING), True), "F13": (self.content(MEDIA), True),
                "F14": (self.content(INSPECTION), True), "F16": (self.recoverable, True),
                "F21": (self.direct, True), "F22": (direct_support, True), "F23": (direct_support, True),
            }
        )  # fmt: skip


def figures_data(figures: ReportFigures) -> dict:
    """The figures as plain data, as an issued report's snapshot keeps them (dates become ISO
    strings once stored by DjangoJSONEncoder)."""
    return dataclasses.asdict(figures)


def compute_figures(
    *, province, year_from: int, year_to: int, report_date: datetime.date, annexes: bool = True
) -> ReportFigures:
    """Every figure of the report for ``province`` over ``year_from``..``year_to``, debts as of
    ``report_date``.

    ``annexes=False`` (the draft on screen, which prints the annexes' tables only in its files:
    reporting.views.draft_document) leaves out the records only the annexes and the drill-down
    list: the lines of annex I (but those of F12's đề án, which the body names), of annex V and
    of annex IV, and the facilities' tax codes and units. Every figure is the same: the figures
    are added up in the database (_period_groups) on both paths; only the records are fetched.

    Queries (fixed): đề án of the period added up by group; the distinct facilities (by content,
    and F16's and F21's); the listed đề án (all, or F12's) and their facility pairs; conference
    events; product nominations (totals, by level, and with ``annexes`` their list);
    recoverable contracts + contract_statuses' (whether the debt summaries hold on the date,
    then the summaries or the ledgers); the previous programme; its contracts + the same;
    results after support, and their đề án's facilities when there are any.
    """
    if year_to < year_from:
        raise ValueError("year_to < year_from")

    period = _period_projects(province, year_from, year_to)
    completed = period.filter(status=Project.Status.COMPLETED)
    groups = _period_groups(period)
    done = _Done(groups)
    by_content, recoverable_facilities, direct_facilities = _distinct_facilities(completed)
    # The records and the lines: every đề án's for the files; the draft on screen links to each
    # figure's page, which computes its own records, and keeps only F12's, whose đề án (and
    # lines) the body names.
    rows = _period_rows(period if annexes else completed.filter(_on_line(TRAINING)), beneficiaries=annexes)
    records = _Done(rows.values()).records(None if annexes else ("F12",))
    conferences, outcomes = _conferences(period, done.content(CONFERENCE))
    voting, nominated, recognised_products = _voting(
        province, year_from, year_to, done.content(PRODUCT_VOTING), annexes=annexes
    )
    if annexes:
        records["F24"] = records["F08"]
        records["F10"] = FigureRecords(projects=records["F10"].projects, facilities=nominated)
        for year in range(year_from, year_to + 1):
            records[f"Y{year}"] = FigureRecords(projects=tuple(row.id for row in rows.values() if row.year == year))
    repayment, contracts, statuses = _repayment(province, year_from, year_to, report_date, records)
    budget_names = {group.level: group.budget_name for group in groups}
    return ReportFigures(
        province_id=province.pk,
        year_from=year_from,
        year_to=year_to,
        report_date=report_date,
        has_data=bool(groups),
        done=_amount(done.all),
        levels=LevelSplit(local=_amount(done.local), national=_amount(done.national)),
        demonstration=_content_line(done.content(DEMONSTRATION)),
        machinery=_content_line(done.machinery),
        conferences=conferences,
        brand=_content_line(done.content(BRAND)),
        voting=voting,
        cleaner_production=_content_line(done.cleaner),
        linkage=_content_line(done.content(LINKAGE)),
        training=_content_line(done.content(TRAINING)),
        media=_content_line(done.content(MEDIA)),
        inspection=_content_line(done.content(INSPECTION)),
        national_key=sum(group.count for group in done.national if group.key),
        recoverable=_direct_support(done.recoverable, recoverable_facilities),
        repayment=repayment,
        non_recoverable=_direct_support(done.direct, direct_facilities),
        local_budget_name=budget_names.get(FundingLevel.LOCAL, ""),
        national_budget_name=budget_names.get(FundingLevel.NATIONAL, ""),
        years=tuple(_year_figures(year, [g for g in groups if g.year == year]) for year in range(year_from, year_to + 1)),
        contents=_contents(done.all, by_content),
        project_lines=tuple(
            _project_line(row, outcomes.get(row.id, (0, 0, 0, 0)))
            for row in sorted(rows.values(), key=lambda r: (r.year, r.code, r.id))
        ),
        contracts=tuple(_contract_line(contract, status) for contract, status in zip(contracts, statuses, strict=True))
        if annexes
        else (),
        recognised_products=recognised_products,
        after_support=_after_support(province, year_from, year_to),
        records=records,
    )


def _amount(groups: list[_Group]) -> Amount:
    return Amount(sum(group.count for group in groups), sum(group.executed for group in groups))


def _contents(done: list[_Group], facilities: dict[str, int]) -> tuple[ContentTotals, ...]:
    """The completed đề án by activity content, in the contents' own order; ``facilities``: the
    distinct facilities by content (_distinct_facilities)."""
    by_content: dict[str, list[_Group]] = defaultdict(list)
    for group in done:
        by_content[group.content].append(group)
    totals = []
    for code, selected in by_content.items():
        first = selected[0]
        totals.append(
            ContentTotals(
                code=code,
                name=first.content_name,
                group=first.group or "",
                order=first.content_order,
                projects=sum(group.count for group in selected),
                supports=sum(group.supports for group in selected),
                facilities=facilities.get(code, 0),
                money=sum(row.executed for row in selected),
                local_money=sum(row.executed for row in selected if row.level == FundingLevel.LOCAL),
                national_money=sum(row.executed for row in selected if row.level == FundingLevel.NATIONAL),
                group_name=first.group_name or "",
                group_order=first.group_order or 0,
            )
        )
    return tuple(sorted(totals, key=lambda t: (t.group, t.order, t.code)))


def _project_line(row: _Row, outcomes: Sequence[int]) -> ProjectLine:
    return ProjectLine(
        id=row.id,
        year=row.year,
        code=row.code,
        name=row.name,
        content_code=row.content,
        content_name=row.content_name,
        level_name=row.level_name,
        form=row.form,
        status=row.status,
        facilities=tuple(row.facility_names),
        planned_budget=row.planned_budget,
        executed=row.executed,
        counterpart=row.counterpart,
        facility_ids=tuple(row.facilities),
        outputs=row.outputs,
        level=row.level,
        key=row.key,
        events=outcomes[0],
        participants=outcomes[1],
        sale_contracts=outcomes[2],
        memoranda=outcomes[3],
        approved_budget=row.approved_budget,
        beneficiaries=tuple(row.beneficiaries),
    )


def _contract_line(contract, status: ContractStatus) -> ContractLine:
    return ContractLine(
        id=contract.pk,
        number=contract.number,
        facility=contract.facility__name,
        signed_on=contract.signed_on,
        principal=contract.principal,
        disbursed=status.disbursed,
        repaid=status.repaid,
        outstanding=status.outstanding,
        overdue=status.overdue,
        days_past_due=status.days_past_due,
        in_litigation=status.in_litigation,
        sued=status.sued,
        written_off=status.written_off,
        facility_id=contract.facility_id,
        lawsuit_filed_on=status.lawsuit_filed_on,
        lawsuit_status=status.lawsuit_status,
    )


def _year_figures(year: int, groups: list[_Group]) -> YearFigures:
    """F25–F29: one year of the period."""

    def part(level: str | None) -> dict[str, int]:
        selected = [group for group in groups if level is None or group.level == level]
        done = [group for group in selected if group.done]
        return {
            "done": sum(group.count for group in done),
            "planned": sum(group.count for group in selected),
            "executed": sum(row.executed for row in done),
            "planned_money": sum(row.planned_budget for row in selected),
        }

    local, national = part(FundingLevel.LOCAL), part(FundingLevel.NATIONAL)
    return YearFigures(
        year=year,
        **part(None),
        **{f"local_{key}": value for key, value in local.items()},
        **{f"national_{key}": value for key, value in national.items()},
    )


def _in_province(path: str, provinces):
    """A facility's unit is one of the provinces, or lies under one (district, commune), or is
    unknown. The units come from a subquery on the units alone: the same test written over the
    facilities' joins made the planner expect a few hundred facilities of ten thousand and
    loop over them (twice as slow at 50× the data)."""
    provinces = [unit.pk for unit in provinces]
    units = AdministrativeUnit.objects.filter(
        Q(pk__in=provinces) | Q(parent__in=provinces) | Q(parent__parent__in=provinces)
    ).values("pk")
    return Q(**{f"{path}__isnull": True}) | Q(**{f"{path}__in": units})
