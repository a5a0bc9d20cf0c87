"""Giving the records back in the workbook they came in: the whole database, or some đề án.

Each sheet is a generator that yields its header row and then its rows (pretix's
``ListExporter.iterate_list``); khuyencong.core.excel, the portal's one Excel writer, streams
them out. Amounts are number cells shown with grouped thousands (#,##0; years, codes and counts
stay plain), dates date cells (dd/mm/yyyy), and text that a spreadsheet would run as a formula
(= + - @, a tab, a line break) is stored as text, so that "=HYPERLINK(…)" typed into a name
comes back as that text and never runs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from funding.models import Disbursement, Instalment, Lawsuit, LoanContract, Repayment
from khuyencong.core import excel
from khuyencong.workbook import sheets as S
from khuyencong.workbook.importer import level_label, unit_label
from projects import provinces
from projects.models import (
    AdministrativeUnit,
    Event,
    Facility,
    FundingLevel,
    ProductNomination,
    Project,
    ProjectResult,
    SupportForm,
)

CHUNK = 2000
XLSX_CONTENT_TYPE = excel.CONTENT_TYPE

Rows = Iterator[list[Any]]


def _x(flag: bool) -> str:
    return "x" if flag else ""


class _Scope:
    """Which records go out: everything, or the đề án of a queryset and what hangs on them."""

    def __init__(self, projects: QuerySet[Project] | None):
        self.projects = Project.objects.all() if projects is None else projects
        self.everything = projects is None
        project_ids = None if self.everything else list(self.projects.values_list("pk", flat=True))
        self.project_ids = project_ids
        self.contracts = LoanContract.objects.all()
        if project_ids is not None:
            self.contracts = self.contracts.filter(project_id__in=project_ids)
        facilities = Facility.objects.all()
        if project_ids is not None:
            through = Project.facilities.through
            linked = set(through.objects.filter(project_id__in=project_ids).values_list("facility_id", flat=True))
            linked |= set(self.contracts.values_list("facility_id", flat=True))
            facilities = facilities.filter(pk__in=linked)
        self.facilities = facilities

        # How each facility is named in other sheets: its tax code, else its name.
        self.facility_ref = {pk: tax or name for pk, tax, name in Facility.objects.values_list("pk", "tax_code", "name")}
        units = list(AdministrativeUnit.objects.select_related("parent"))
        names = Counter(unit.name.casefold() for unit in units)
        self.unit_label = {unit.pk: unit_label(unit, names[unit.name.casefold()]) for unit in units}
        self.level_label = {level.pk: level_label(level) for level in FundingLevel.objects.all()}

    def by_project(self, queryset: QuerySet) -> QuerySet:
        return queryset if self.project_ids is None else queryset.filter(project_id__in=self.project_ids)


def facility_rows(scope: _Scope) -> Rows:
    yield list(S.FACILITIES.all_columns)
    kinds = dict(Facility.Kind.choices)
    for f in scope.facilities.order_by("tax_code", "name", "pk").iterator(chunk_size=CHUNK):
        yield [
            f.tax_code,
            f.name,
            kinds[f.kind],
            f.address,
            scope.unit_label.get(f.administrative_unit_id, ""),
            f.sector,
            f.representative,
            f.phone,
            f.email,
            scope.unit_label.get(f.commune_id, ""),
        ]


class _ProvinceLabel:
    """The FORMER_PROVINCE cell of a đề án: blank for the deployment's own province (the
    configured one or the one it became: what the import reads a blank as), else the former
    province's short name ("Đắk Nông")."""

    def __init__(self) -> None:
        self.units = {u.pk: u for u in AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.PROVINCE)}
        try:
            self.own = provinces.deployment_chain()
        except AdministrativeUnit.DoesNotExist:
            self.own = set(self.units)

    def __call__(self, province_id: int, year: int) -> str:
        if province_id in self.own or province_id not in self.units:
            return ""
        return provinces.short_name(self.units[province_id])


def project_rows(scope: _Scope) -> Rows:
    yield list(S.PROJECTS.all_columns)
    beneficiaries: dict[int, list[str]] = defaultdict(list)
    through = Project.facilities.through
    links = through.objects.order_by("pk")
    if scope.project_ids is not None:
        links = links.filter(project_id__in=scope.project_ids)
    for project_id, facility_id in links.values_list("project_id", "facility_id").iterator(chunk_size=CHUNK):
        beneficiaries[project_id].append(scope.facility_ref[facility_id])
    statuses = dict(Project.Status.choices)
    forms = dict(SupportForm.choices)
    queryset = scope.projects.order_by("plan__year", "code", "pk").values_list(
        "pk",
        "plan__year",
        "code",
        "name",
        "funding_level_id",
        "content__code",
        "support_form",
        "planned_budget",
        "counterpart_capital",
        "output_quantity",
        "status",
        "is_cleaner_production",
        "is_key",
        "approved_budget",
        "implementing_unit",
        "status_reason",
        "start_date",
        "end_date",
        "acceptance_date",
        "settlement_date",
        "output_unit",
        "notes",
        "plan__program__province_id",
    )
    province_label = _ProvinceLabel()
    for values in queryset.iterator(chunk_size=CHUNK):
        (pk, year, code, name, level, content, form, planned, counterpart, quantity, status, cleaner, key,
         approved, unit, reason, start, end, accepted, settled, output_unit, notes, province) = values  # fmt: skip
        yield [
            year,
            code,
            name,
            scope.level_label[level],
            content,
            forms[form],
            "; ".join(beneficiaries.get(pk, [])),
            planned,
            counterpart,
            quantity,
            statuses[status],
            _x(cleaner),
            _x(key),
            approved,
            unit,
            reason,
            start,
            end,
            accepted,
            settled,
            output_unit,
            notes,
            province_label(province, year),
        ]


def disbursement_rows(scope: _Scope) -> Rows:
    yield list(S.DISBURSEMENTS.all_columns)
    queryset = scope.by_project(Disbursement.objects.all()).order_by("project__plan__year", "project__code", "date", "pk")
    kinds = dict(Disbursement.Kind.choices)
    for year, code, date, amount, number, kind in queryset.values_list(
        "project__plan__year", "project__code", "date", "amount", "document_number", "kind"
    ).iterator(chunk_size=CHUNK):
        yield [year, code, date, amount, number, kinds[kind]]


def event_rows(scope: _Scope) -> Rows:
    yield list(S.EVENTS.all_columns)
    kinds = dict(Event.Kind.choices)
    queryset = scope.by_project(Event.objects.all()).order_by("project__plan__year", "project__code", "name")
    for year, code, name, date, place, participants, sales, memoranda, kind in queryset.values_list(
        "project__plan__year",
        "project__code",
        "name",
        "date",
        "place",
        "participants",
        "sale_contracts",
        "memoranda",
        "kind",
    ).iterator(chunk_size=CHUNK):
        yield [year, code, name, date, place, participants, sales, memoranda, kinds[kind]]


def contract_rows(scope: _Scope) -> Rows:
    yield list(S.CONTRACTS.all_columns)
    states = dict(LoanContract.State.choices)
    for values in (
        scope.contracts.order_by("number")
        .values_list(
            "number",
            "project__plan__year",
            "project__code",
            "facility_id",
            "signed_on",
            "principal",
            "disbursed_on",
            "term_months",
            "grace_months",
            "instalment_count",
            "state",
        )
        .iterator(chunk_size=CHUNK)
    ):
        number, year, code, facility, *terms, state = values
        yield [number, year, code, scope.facility_ref[facility], *terms, states[state]]


def _of_contracts(scope: _Scope, queryset: QuerySet) -> QuerySet:
    return queryset if scope.project_ids is None else queryset.filter(contract__project_id__in=scope.project_ids)


def instalment_rows(scope: _Scope) -> Rows:
    yield list(S.INSTALMENTS.all_columns)
    queryset = _of_contracts(scope, Instalment.objects.all()).order_by("contract__number", "schedule_version", "number")
    for number, instalment, due, money, version in queryset.values_list(
        "contract__number", "number", "due_date", "principal_due", "schedule_version"
    ).iterator(chunk_size=CHUNK):
        yield [number, instalment, due, money, version]


def repayment_rows(scope: _Scope) -> Rows:
    yield list(S.REPAYMENTS.all_columns)
    queryset = _of_contracts(scope, Repayment.objects.all()).order_by("contract__number", "date", "pk")
    for number, date, amount, receipt, reverses in queryset.values_list(
        "contract__number", "date", "amount", "receipt_number", "reversal_of__receipt_number"
    ).iterator(chunk_size=CHUNK):
        yield [number, date, amount, receipt, reverses or ""]


def lawsuit_rows(scope: _Scope) -> Rows:
    yield list(S.LAWSUITS.all_columns)
    statuses = dict(Lawsuit.Status.choices)
    queryset = _of_contracts(scope, Lawsuit.objects.all()).order_by("contract__number", "filed_on")
    for number, filed, court, case, status, awarded, judged, judgment, notes, closed in queryset.values_list(
        "contract__number",
        "filed_on",
        "court",
        "case_number",
        "status",
        "amount_awarded",
        "judgment_date",
        "judgment_number",
        "enforcement_notes",
        "closed_on",
    ).iterator(chunk_size=CHUNK):
        yield [number, filed, court, case, statuses[status], awarded, judged, judgment, notes, closed]


def nomination_rows(scope: _Scope) -> Rows:
    yield list(S.NOMINATIONS.all_columns)
    queryset = ProductNomination.objects.all()
    if not scope.everything:
        queryset = queryset.filter(product__facility__in=scope.facilities)
    queryset = queryset.order_by("year", "level__order", "product__name", "product__facility_id")
    for name, facility, level, year, recognised, number, date in queryset.values_list(
        "product__name",
        "product__facility_id",
        "level__name",
        "year",
        "recognised",
        "certificate_number",
        "certificate_date",
    ).iterator(chunk_size=CHUNK):
        result = "Công nhận" if recognised else "Không công nhận"
        yield [name, scope.facility_ref[facility], level, year, result, number, date]


def result_rows(scope: _Scope) -> Rows:
    yield list(S.RESULTS.all_columns)
    queryset = scope.by_project(ProjectResult.objects.all()).order_by("project__plan__year", "project__code", "date")
    for row in queryset.values_list(
        "project__plan__year",
        "project__code",
        "date",
        "capacity",
        "productivity_increase",
        "revenue",
        "new_markets",
        "material_saved",
        "energy_saved",
        "jobs_created",
        "capital_mobilised",
        "note",
    ).iterator(chunk_size=CHUNK):
        row = list(row)
        if row[4] is not None:
            row[4] = float(row[4])  # a number cell, read back to the same two decimals
        yield row


SHEET_ROWS = {
    S.FACILITIES.name: facility_rows,
    S.PROJECTS.name: project_rows,
    S.DISBURSEMENTS.name: disbursement_rows,
    S.EVENTS.name: event_rows,
    S.CONTRACTS.name: contract_rows,
    S.INSTALMENTS.name: instalment_rows,
    S.REPAYMENTS.name: repayment_rows,
    S.LAWSUITS.name: lawsuit_rows,
    S.NOMINATIONS.name: nomination_rows,
    S.RESULTS.name: result_rows,
}


def _typed(name: str, rows: Rows) -> Rows:
    """The sheet's header as columns: amounts are money, everything else is shown as is (a year
    2024, a code, a tax code as typed), so the workbook reads back exactly as it went out."""
    money = S.BY_NAME[name].money_indexes if name in S.BY_NAME else frozenset()
    header = next(rows)
    yield [excel.Column(title, excel.MONEY if i in money else excel.PLAIN) for i, title in enumerate(header)]
    yield from rows


def _to_bytes(sheets: dict[str, Rows]) -> bytes:
    return excel.xlsx_bytes(excel.Sheet(name, _typed(name, rows)) for name, rows in sheets.items())


def export_workbook(projects: QuerySet[Project] | None = None) -> bytes:
    """The workbook of the whole database, or of the đề án in ``projects`` (a list screen's filter)
    with their facilities, disbursements, events, contracts and what hangs on those, and the
    nominations of those facilities."""
    scope = _Scope(projects)
    return _to_bytes({name: rows(scope) for name, rows in SHEET_ROWS.items()})


def template_workbook() -> bytes:
    """The blank workbook the Centre fills: instructions, an example row and drop-down lists
    on every sheet (khuyencong.workbook.template)."""
    from khuyencong.workbook.template import template_workbook as blank  # it imports the importer, as this module

    return blank()
