"""Staff screens for money paid out: disbursements of a đề án, and recoverable contracts (the
contract list and page with its actions, the due-soon and overdue lists, the portfolio)."""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Callable
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from funding import loans, rules, services
from funding.exports import contracts_sheet, due_within_sheet, overdue_sheet, portfolio_sheet
from funding.filters import ContractFilter
from funding.forms import (
    BUCKET_KEYS,
    NOT_OVERDUE,
    OVERDUE_ANY,
    SCHEDULE_AMOUNT,
    SCHEDULE_DUE,
    CloseLawsuitForm,
    CollectionNoteForm,
    ContractForm,
    DisburseContractForm,
    DisbursementForm,
    HearingForm,
    JudgmentForm,
    LawsuitForm,
    RecoveryForm,
    RepaymentForm,
    RescheduleForm,
    ReversalForm,
    WriteOffForm,
)
from funding.forms import add_refusal as _add_refusal
from funding.loans import (
    BUCKET_LABELS,
    ContractStatus,
    allocate,
    contract_statuses,
    due_within,
    overdue_contracts,
    portfolio_summary,
)
from funding.models import Hearing, Instalment, Lawsuit, LoanContract, Recovery, Repayment, Reschedule, WriteOff
from khuyencong.core import dataversion, roles
from khuyencong.core.access import get_for_user, require_role
from khuyencong.core.collation import vietnamese_key
from khuyencong.core.formatting import date_short, money_exact
from khuyencong.core.history import change_log, related_logs
from khuyencong.core.lists import SORT, ListExport, describe_filters, export_view, remember_filters, sort_rows, split_sort
from khuyencong.core.validators import FIRST_YEAR, LAST_YEAR
from projects import periods
from projects.models import Project
from projects.views import project_detail_context


@require_role(roles.can_record_disbursements)
@require_POST
def disbursement_create(request: HttpRequest, project_pk: int) -> HttpResponse:
    """Record a disbursement from the form on the đề án page; errors show on that page."""
    project = get_for_user(
        request,
        Project.objects.select_related("plan__program", "content__parent", "funding_level"),
        project_pk,
        rule=roles.can_record_disbursements,
    )
    form = DisbursementForm(request.POST, project=project)
    disbursement = form.record(by=request.user)
    if disbursement is not None:
        messages.success(
            request, f"Đã ghi nhận giải ngân {disbursement.document_number} cho đề án {project.code}."
        )
        return redirect("projects:project-detail", pk=project.pk)
    context = project_detail_context(request, project, disbursement_form=form)
    return render(request, "projects/project_detail.html", context, status=400)


def _contract_form_page(
    request: HttpRequest, form: ContractForm, save: Callable[[dict], LoanContract], done: Callable[[LoanContract], str]
) -> HttpResponse:
    """The contract form, new or a draft corrected: "Chia đều" fills the schedule table with the
    rule's equal instalments and saves nothing; "Lưu" saves through the service, whose
    refusals show beside their field or their row of the table."""
    status = 200
    if request.method == "POST" and "chia_deu" in request.POST:
        if not form.equal_rows():
            status = 400
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                contract = save(form.cleaned_data)
            except ValidationError as exc:
                _add_refusal(form, exc)
            else:
                messages.success(request, done(contract))
                return redirect("funding:contract-detail", pk=contract.pk)
        form.place_row_errors()
    project = form.project
    lent = sum(project.contracts.exclude(pk=getattr(form.contract, "pk", None)).values_list("principal", flat=True))
    return render(
        request,
        "funding/contract_form.html",
        {"form": form, "project": project, "contract": form.contract, "lent": lent, "budget": project.budget,
         "due_name": SCHEDULE_DUE, "amount_name": SCHEDULE_AMOUNT},
        status=status,
    )


@require_role(roles.can_edit_records)
@require_http_methods(["GET", "POST"])
def contract_create(request: HttpRequest, project_pk: int) -> HttpResponse:
    """A draft contract of a recoverable đề án, its principal starting at what the đề án may
    still lend (``services.available_principal``)."""
    project = get_for_user(request, Project.objects.select_related("plan"), project_pk, rule=roles.can_edit_records)
    try:
        rules.contract_project(project)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect("projects:project-detail", pk=project.pk)
    initial = {"principal": services.available_principal(project) or None}
    facilities = list(project.facilities.all()[:2])
    if len(facilities) == 1:
        initial["facility"] = facilities[0]
    form = ContractForm(request.POST or None, project=project, initial=initial)
    return _contract_form_page(
        request, form,
        lambda d: services.create_contract(project=project, by=request.user, **d),
        lambda c: f"Đã lập hợp đồng {c.number} (dự thảo). Ghi nhận giải ngân khi chuyển tiền.",
    )


@require_role(roles.can_edit_records)
@require_http_methods(["GET", "POST"])
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a draft contract; refused once disbursed (``LoanContract.edit_refusal``)."""
    contract = _contract(request, pk, rule=roles.can_edit_records)
    if (refusal := contract.edit_refusal()) is not None:
        messages.error(request, refusal)
        return redirect("funding:contract-detail", pk=contract.pk)
    planned = contract.instalments.filter(schedule_version=1).order_by("number")
    initial = {
        "number": contract.number, "facility": contract.facility, "signed_on": contract.signed_on,
        "principal": contract.principal, "term_months": contract.term_months, "grace_months": contract.grace_months,
        "instalment_count": contract.instalment_count,
        "instalments": [(i.due_date, i.principal_due) for i in planned],
    }
    form = ContractForm(request.POST or None, project=contract.project, contract=contract, initial=initial)
    return _contract_form_page(
        request, form,
        lambda d: services.update_contract(contract=contract, by=request.user, **d),
        lambda c: f"Đã lưu hợp đồng {c.number} (dự thảo).",
    )


# ——— Recoverable contracts (hỗ trợ có thu hồi) ————————————————————————————————————————————
#
# Every figure on these screens comes from funding.loans (contract_statuses, allocate,
# portfolio_summary, due_within, overdue_contracts); every change goes through
# funding.services, whose Vietnamese refusals are shown on the re-rendered form.

PER_PAGE = 50


AS_OF_YEARS = (FIRST_YEAR, LAST_YEAR)  # a debt screen's dates: the portal's years, not year 9999


def as_of_date(request: HttpRequest) -> tuple[datetime.date, str]:
    """The "as of" date of a debt screen: ?ngay=dd/mm/yyyy, today when absent or invalid
    (with a message to show)."""
    text = request.GET.get("ngay", "").strip()
    if text:
        try:
            day = datetime.datetime.strptime(text, "%d/%m/%Y").date()
        except ValueError:
            return timezone.localdate(), f"Ngày “{text}” không hợp lệ (dạng dd/mm/yyyy); đang tính đến hôm nay."
        if not AS_OF_YEARS[0] <= day.year <= AS_OF_YEARS[1]:
            return timezone.localdate(), (
                f"Ngày “{text}” nằm ngoài các năm {AS_OF_YEARS[0]}–{AS_OF_YEARS[1]}; đang tính đến hôm nay."
            )
        return day, ""
    return timezone.localdate(), ""


def _as_of_query(request: HttpRequest) -> str:
    """The query string "?ngay=…" that carries the chosen date through a form post and its redirect."""
    text = request.GET.get("ngay", "").strip()
    return "?" + urlencode({"ngay": text}) if text else ""


# --- the list ---------------------------------------------------------------------------------


def _contract_years() -> list[int]:
    """The plan years the filter offers: every programme year (projects.periods), newest first."""
    return sorted(periods.programme_years(timezone.localdate()), reverse=True)


def _contract_filter(request: HttpRequest) -> ContractFilter:
    queryset = LoanContract.objects.select_related("facility", "project__plan")
    return ContractFilter(request.GET, queryset=queryset, years=_contract_years())


def _in_bucket(status: ContractStatus, key: str) -> bool:
    # "Overdue" is money due and unpaid, even when a lawsuit keeps its days (and bucket) at nil.
    if key == OVERDUE_ANY:
        return status.overdue > 0 and not status.is_written_off
    if key == NOT_OVERDUE:
        return not (status.overdue > 0 and not status.is_written_off)
    return status.bucket == BUCKET_KEYS.get(key)


def _rows_with_statuses(filters: ContractFilter, as_of: datetime.date) -> list[tuple[LoanContract, ContractStatus]]:
    """Every filtered contract with its status, bucket filter and computed sort applied."""
    contracts = list(filters.qs)
    rows = list(zip(contracts, contract_statuses(contracts, as_of=as_of), strict=True))
    if bucket := filters.bucket_key:
        rows = [(c, s) for c, s in rows if _in_bucket(s, bucket)]
    sort, descending = split_sort(filters.sort_key)
    if (key := ContractFilter.COMPUTED_SORTS.get(sort)) is not None:
        rows.sort(key=lambda row: key(row[1]), reverse=descending)  # stable: ties keep the number order
    return rows


# The computed sorts and the bucket filter of the contract list in SQL over the debt summaries
# (funding.loans): the same keys as ContractFilter.COMPUTED_SORTS and _in_bucket.
def _debt_sort_sql(key: str, as_of: datetime.date):
    return {
        "du-no": models.F("debt__balance"),
        "qua-han": models.F("debt__overdue"),
        "so-ngay": loans.days_past_due_sql(as_of, "debt__"),
    }[key]


def _filtered_in_sql(filters: ContractFilter, as_of: datetime.date) -> models.QuerySet:
    """The filtered contracts with the bucket filter and the computed sort applied by the
    database, reading the summaries (for a day they hold)."""
    contracts = filters.qs
    if bucket := filters.bucket_key:
        if bucket == OVERDUE_ANY:
            contracts = contracts.filter(debt__late=True)
        elif bucket == NOT_OVERDUE:
            contracts = contracts.filter(debt__late=False)
        else:
            contracts = contracts.alias(debt_bucket=loans.bucket_sql(as_of, "debt__")).filter(
                debt_bucket=BUCKET_KEYS.get(bucket)
            )
    sort, descending = split_sort(filters.sort_key)
    if sort in ContractFilter.COMPUTED_SORTS:
        value = _debt_sort_sql(sort, as_of)
        contracts = contracts.order_by(value.desc() if descending else value.asc(), *contracts.query.order_by)
    return contracts


@require_role(roles.can_view)
@require_GET
@remember_filters("funding:contract-list")
@dataversion.reads_version
def contract_list(request: HttpRequest) -> HttpResponse:
    """Contracts with their debt as of ?ngay.

    The database filters, sorts and paginates, and the page's statuses come from the debt
    summaries of funding.loans (count, page, summaries). The bucket filter and the sorts by
    debt are SQL over those summaries on a day they hold (today, or a later day before any
    contract's next record); on an earlier day every filtered contract is loaded and its
    status worked out from its ledger (one, six), then filtered, sorted and paginated in
    Python.
    """
    as_of, as_of_error = as_of_date(request)
    filters = _contract_filter(request)
    # Worked out only when the page's list is not in the cache ({% datacache %}), once for both.
    listing = functools.cache(lambda: _contract_page(request, filters, as_of))
    return render(
        request,
        "funding/contract_list.html",
        {"form": filters.form, "page": SimpleLazyObject(lambda: listing()[0]), "rows": SimpleLazyObject(lambda: listing()[1]),
         "as_of": as_of, "as_of_error": as_of_error, "sort": filters.sort_key},
    )


def _contract_page(request: HttpRequest, filters, as_of: datetime.date) -> tuple:
    """The page of the contract list asked for and its rows (contract, status)."""
    if filters.needs_all_statuses() and not loans.summaries_usable(as_of):
        page = Paginator(_rows_with_statuses(filters, as_of), PER_PAGE).get_page(request.GET.get("page"))
        return page, list(page.object_list)
    contracts = _filtered_in_sql(filters, as_of) if filters.needs_all_statuses() else filters.qs
    page = Paginator(contracts, PER_PAGE).get_page(request.GET.get("page"))
    contracts = list(page.object_list)
    return page, list(zip(contracts, contract_statuses(contracts, as_of=as_of), strict=True))


def _as_of_day(request: HttpRequest) -> datetime.date:
    return as_of_date(request)[0]


def _as_of_words(as_of: datetime.date) -> str:
    return f"Tính đến ngày {as_of:%d/%m/%Y}"


def _contract_rows(request: HttpRequest):
    as_of, _ = as_of_date(request)
    filters = _contract_filter(request)
    words = [describe_filters(filters.form, skip=("ngay",)), filters.sort_words(), _as_of_words(as_of)]
    return contracts_sheet(_rows_with_statuses(filters, as_of)), "; ".join(w for w in words if w)


contract_export = export_view(ListExport("Hợp đồng hỗ trợ có thu hồi kinh phí", "hop-dong-thu-hoi", _contract_rows, _as_of_day))


# --- the two lists: due soon, overdue ---------------------------------------------------------

DUE_DAYS = 30


# The columns the due and overdue lists sort by (?sap_xep=key, "-key" for descending).
DUE_SORTS = {
    "so": lambda r: r.contract_number,
    "co-so": lambda r: vietnamese_key(r.facility_name),
    "nam": lambda r: r.year,
    "ngay": lambda r: r.due_date,
    "phai-tra": lambda r: r.due,
    "con-lai": lambda r: r.remaining,
}
OVERDUE_SORTS = {
    "so": lambda r: r.contract_number,
    "co-so": lambda r: vietnamese_key(r.facility_name),
    "nam": lambda r: r.year,
    "du-no": lambda r: r.outstanding,
    "qua-han": lambda r: r.overdue,
    "so-ngay": lambda r: r.days_past_due,
}
SORT_WORDS = {"so": "số hợp đồng", "co-so": "tên cơ sở", "nam": "năm", "ngay": "ngày đến hạn", "phai-tra": "số tiền phải trả",
              "con-lai": "còn phải trả", "du-no": "dư nợ", "qua-han": "nợ quá hạn", "so-ngay": "số ngày quá hạn"}


def _sort_words(sort: str) -> str:
    key, descending = split_sort(sort)
    return f"Sắp xếp theo {SORT_WORDS[key]}, {'giảm' if descending else 'tăng'} dần" if sort else ""


def _due_rows(request: HttpRequest) -> tuple[datetime.date, str, list, str]:
    as_of, as_of_error = as_of_date(request)
    rows, sort = sort_rows(due_within(as_of=as_of, days=DUE_DAYS), request.GET.get(SORT, ""), DUE_SORTS)
    return as_of, as_of_error, rows, sort


@require_role(roles.can_view)
@require_GET
@remember_filters("funding:due-list")
def due_list(request: HttpRequest) -> HttpResponse:
    as_of, as_of_error, rows, sort = _due_rows(request)
    return render(
        request,
        "funding/due_list.html",
        {
            "rows": rows,
            "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
            "as_of": as_of,
            "until": as_of + datetime.timedelta(days=DUE_DAYS),
            "days": DUE_DAYS,
            "as_of_error": as_of_error,
            "as_of_query": _as_of_query(request),
            "totals": {"due": sum(r.due for r in rows), "remaining": sum(r.remaining for r in rows)},
            "sort": sort,
        },
    )


def _due_export_rows(request: HttpRequest):
    as_of, _, rows, sort = _due_rows(request)
    words = f"Đến hạn trong {DUE_DAYS} ngày; {_as_of_words(as_of)}"
    return due_within_sheet(rows), "; ".join(w for w in (words, _sort_words(sort)) if w)


due_export = export_view(
    ListExport(f"Các kỳ trả nợ đến hạn trong {DUE_DAYS} ngày", f"den-han-{DUE_DAYS}-ngay", _due_export_rows, _as_of_day)
)


def _overdue_rows(request: HttpRequest) -> tuple[datetime.date, str, list, str]:
    as_of, as_of_error = as_of_date(request)
    rows, sort = sort_rows(overdue_contracts(as_of=as_of), request.GET.get(SORT, ""), OVERDUE_SORTS)
    return as_of, as_of_error, rows, sort


@require_role(roles.can_view)
@require_GET
@remember_filters("funding:overdue-list")
@dataversion.reads_version
def overdue_list(request: HttpRequest) -> HttpResponse:
    """Contracts with money overdue. On a day the debt summaries hold (today, or a later day
    before any contract's next record), the database filters, sorts, counts and paginates:
    a page of 50 reads 50 (whether they hold, the totals by bucket, the count, the page). By
    facility name (Vietnamese order) or on an earlier day, every overdue contract is listed in
    Python as before (from the summaries, or from the ledgers for an earlier day). Either is
    worked out only when the page's list is not in the cache ({% datacache %})."""
    as_of, as_of_error = as_of_date(request)
    key, descending = split_sort(request.GET.get(SORT, ""))
    usable = loans.summaries_usable(as_of)
    if key in OVERDUE_SORTS and key not in loans.OVERDUE_ORDER or not usable:
        listing = functools.cache(lambda: _overdue_in_python(request, as_of, usable))
    else:
        listing = functools.cache(lambda: _overdue_in_sql(request, as_of, key, descending))
    return _render_overdue(request, as_of, as_of_error, listing)


def _overdue_in_sql(request: HttpRequest, as_of: datetime.date, key: str, descending: bool) -> dict:
    order = loans.OVERDUE_ORDER.get(key)
    rows = loans.overdue_queryset(as_of)
    sort = ""
    if order:
        rows, sort = rows.order_by(f"-{order}" if descending else order, "-dpd", "contract_number"), request.GET[SORT]
    # The totals over every overdue contract: the same for everyone until a record changes.
    figures = dataversion.cached(
        f"overdue-figures:{as_of}:{timezone.localdate()}", lambda: loans.overdue_figures(as_of), version=request.data_version
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = [loans.overdue_row(debt) for debt in page.object_list]
    return {"page": page, "figures": figures, "sort": sort, "rows": None}


def _render_overdue(request, as_of, as_of_error, listing) -> HttpResponse:
    def lazy(read):
        return SimpleLazyObject(lambda: read(listing()))

    return render(
        request,
        "funding/overdue_list.html",
        {
            "rows": lazy(lambda x: x["rows"]),  # every row, on the Python path only
            "count": lazy(lambda x: x["figures"]["count"]),
            "page": lazy(lambda x: x["page"]),
            "as_of": as_of,
            "as_of_error": as_of_error,
            "as_of_query": _as_of_query(request),
            "by_bucket": lazy(
                lambda x: [{"label": label, "key": key, **x["figures"]["buckets"][label]} for key, label in BUCKET_KEYS.items()]
            ),
            "unaged": lazy(lambda x: x["figures"]["unaged"]),
            "totals": lazy(lambda x: {"outstanding": x["figures"]["outstanding"], "overdue": x["figures"]["overdue"]}),
            "sort": lazy(lambda x: x["sort"]),
        },
    )


def _overdue_in_python(request: HttpRequest, as_of: datetime.date, usable: bool) -> dict:
    # Every contract's ledger when the summaries do not hold (without asking again whether they do).
    rows = overdue_contracts(None if usable else LoanContract.objects.all(), as_of=as_of)
    rows, sort = sort_rows(rows, request.GET.get(SORT, ""), OVERDUE_SORTS)
    by_label = {label: {"contracts": 0, "outstanding": 0, "overdue": 0} for label in BUCKET_LABELS}
    for r in filter(lambda r: r.bucket, rows):
        bucket = by_label[r.bucket]
        bucket["contracts"] += 1
        bucket["outstanding"] += r.outstanding
        bucket["overdue"] += r.overdue
    figures = {
        "count": len(rows),
        "buckets": by_label,
        "unaged": sum(1 for r in rows if not r.bucket),
        "outstanding": sum(r.outstanding for r in rows),
        "overdue": sum(r.overdue for r in rows),
    }
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return {"page": page, "figures": figures, "sort": sort, "rows": rows}


def _overdue_export_rows(request: HttpRequest):
    as_of, _, rows, sort = _overdue_rows(request)
    return overdue_sheet(rows), "; ".join(w for w in (_as_of_words(as_of), _sort_words(sort)) if w)


overdue_export = export_view(ListExport("Hợp đồng có nợ quá hạn", "qua-han", _overdue_export_rows, _as_of_day))


# --- the portfolio ----------------------------------------------------------------------------


def figures_row(label: str, key: str, figures) -> dict:
    bucket = figures.buckets[label]
    return {"label": label, "key": key, "contracts": bucket.contracts, "balance": bucket.balance, "overdue": bucket.overdue}


def _portfolio_rows(request: HttpRequest):
    as_of, _ = as_of_date(request)
    return portfolio_sheet(portfolio_summary(as_of=as_of)), _as_of_words(as_of)


portfolio_export = export_view(
    ListExport("Tổng hợp dư nợ hỗ trợ có thu hồi theo năm", "tong-hop-du-no", _portfolio_rows, _as_of_day)
)


@require_role(roles.can_view)
@require_GET
@remember_filters("funding:portfolio")
def portfolio(request: HttpRequest) -> HttpResponse:
    as_of, as_of_error = as_of_date(request)
    # Every contract's debt summed: the same for everyone until a record changes.
    summary = dataversion.cached(f"portfolio:{as_of}:{timezone.localdate()}", lambda: portfolio_summary(as_of=as_of))
    return render(
        request,
        "funding/portfolio.html",
        {
            "summary": summary,
            "total": summary.total,
            "years": [
                {"year": year, "figures": figures, "buckets": [figures.buckets[label] for label in BUCKET_LABELS]}
                for year, figures in summary.by_year.items()
            ],
            "total_buckets": [figures_row(label, key, summary.total) for key, label in BUCKET_KEYS.items()],
            "bucket_labels": BUCKET_LABELS,
            "as_of": as_of,
            "as_of_error": as_of_error,
            "as_of_query": _as_of_query(request),
        },
    )


# --- the contract page ------------------------------------------------------------------------


def _contract(request: HttpRequest, pk: int, rule=roles.can_view) -> LoanContract:
    return get_for_user(request, LoanContract.objects.select_related("facility", "project__plan"), pk, rule=rule)


def _history(contract: LoanContract, limit: int = 300, *, user=None) -> list:
    """Who changed what on the contract and its records, newest first; with ``user``, what other
    apps record about it and its lawsuits too (their documents, if ``user`` may see them)."""
    pk = contract.pk
    sources = [
        (LoanContract.history.filter(id=pk), LoanContract, lambda r: "Hợp đồng"),
        (Instalment.history.filter(contract_id=pk), Instalment,
         lambda r: f"Lịch trả phiên bản {r.schedule_version}, kỳ {r.number}"),
        (Repayment.history.filter(contract_id=pk), Repayment,
         lambda r: f"{'Bút toán đảo' if r.reversal_of_id else 'Trả nợ'} {r.receipt_number}"),
        (Lawsuit.history.filter(contract_id=pk), Lawsuit, lambda r: f"Vụ kiện ngày {date_short(r.filed_on)}"),
        (Hearing.history.filter(lawsuit__contract_id=pk), Hearing, lambda r: f"Phiên tòa {date_short(r.date)}"),
        (Reschedule.history.filter(contract_id=pk), Reschedule, lambda r: f"Điều chỉnh lịch trả phiên bản {r.version}"),
        (WriteOff.history.filter(contract_id=pk), WriteOff, lambda r: "Xóa nợ"),
        (Recovery.history.filter(contract_id=pk), Recovery, lambda r: f"Thu hồi {r.receipt_number}"),
    ]
    entries = []
    for history, model, describe in sources:
        exclude = ("id",) if model is LoanContract else ("id", "contract")
        entries += change_log(history, model=model, describe=describe, exclude=exclude, limit=limit)
    if user is not None:
        entries += related_logs(LoanContract, [pk], user=user, limit=limit)
        entries += related_logs(Lawsuit, contract.lawsuits.values_list("pk", flat=True), user=user, limit=limit)
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]


def _is_open(lawsuit: Lawsuit) -> bool:
    return lawsuit.closed_on is None and lawsuit.status != Lawsuit.Status.CLOSED


def _action_forms(
    user, contract: LoanContract, bound: dict, *, day: datetime.date, written_off, repayments, reversed_by, lawsuits
) -> dict[str, object]:
    """The contract page's action forms the user may use now, each the bound one when an action
    re-renders the page with its errors (shown even where the page would not offer it)."""
    can_edit = roles.can_edit_records(user)
    disbursed = contract.disbursed_on is not None
    initial = {"date": day}
    action_forms: dict[str, object] = {}
    if can_edit and contract.state == LoanContract.State.DRAFT and not disbursed or "disburse" in bound:
        action_forms["disburse"] = bound.get("disburse") or DisburseContractForm(contract=contract, initial=initial)
    if can_edit and disbursed and not written_off:
        action_forms["repayment"] = bound.get("repayment") or RepaymentForm(initial=initial)
        if any(r.reversal_of_id is None and r.pk not in reversed_by for r in repayments) or "reversal" in bound:
            action_forms["reversal"] = bound.get("reversal") or ReversalForm(contract=contract, initial=initial)
        if not any(_is_open(s) for s in lawsuits) or "lawsuit" in bound:
            action_forms["lawsuit"] = bound.get("lawsuit") or LawsuitForm(initial={"filed_on": day})
    if roles.can_write_off(user) and disbursed and not written_off or "write_off" in bound:
        action_forms["write_off"] = bound.get("write_off") or WriteOffForm(initial=initial)
    if can_edit and written_off or "recovery" in bound:
        action_forms["recovery"] = bound.get("recovery") or RecoveryForm(initial=initial)
    if roles.can_approve(user) and contract.state in (LoanContract.State.ACTIVE, LoanContract.State.LITIGATION) or (
        "reschedule" in bound
    ):
        action_forms["reschedule"] = bound.get("reschedule") or RescheduleForm(initial=initial)
    if can_edit and disbursed or "note" in bound:
        action_forms["note"] = bound.get("note") or CollectionNoteForm(initial={"collection_note": contract.collection_note})
    return action_forms


def _lawsuit_forms(user, lawsuits: list[Lawsuit], bound: dict, *, day: datetime.date) -> None:
    """Each open lawsuit's forms (hearing, judgment, close), as ``lawsuit.forms``."""
    can_edit = roles.can_edit_records(user)
    for lawsuit in lawsuits:
        lawsuit.forms = {}
        if can_edit and _is_open(lawsuit) or any(key[1] == lawsuit.pk for key in bound if isinstance(key, tuple)):
            for kind, form_class, first in (
                ("hearing", HearingForm, {"date": day}),
                ("judgment", JudgmentForm, {"judgment_date": day}),
                ("close", CloseLawsuitForm, {"closed_on": day}),
            ):
                lawsuit.forms[kind] = bound.get((kind, lawsuit.pk)) or form_class(
                    prefix=f"{kind}-{lawsuit.pk}", initial=first
                )


def contract_detail_context(
    request: HttpRequest, contract: LoanContract, *, bound: dict | None = None
) -> dict:
    """What the contract page shows; an action re-renders it with its bound form (``bound``,
    keyed like the forms here) to show the errors."""
    bound = bound or {}
    user = request.user
    as_of, as_of_error = as_of_date(request)
    status = contract_statuses([contract], as_of=as_of)[0]
    ledger = allocate(contract, as_of=as_of)

    versions: dict[int, list[Instalment]] = defaultdict(list)
    for instalment in contract.instalments.order_by("schedule_version", "due_date", "number"):
        versions[instalment.schedule_version].append(instalment)
    reschedules = {r.version: r for r in contract.reschedules.select_related("by")}
    other_versions = [
        {"version": v, "rows": rows, "total": sum(i.principal_due for i in rows), "reschedule": reschedules.get(v),
         "later": v > status.schedule_version}
        for v, rows in sorted(versions.items())
        if v != status.schedule_version
    ]

    repayments = list(contract.repayments.select_related("reversal_of").order_by("date", "pk"))
    reversed_by = {r.reversal_of_id: r for r in repayments if r.reversal_of_id}
    lawsuits = list(contract.lawsuits.prefetch_related("hearings").order_by("filed_on", "pk"))
    written_off = WriteOff.objects.filter(contract=contract).select_related("by").first()
    recoveries = list(contract.recoveries.order_by("date", "pk"))

    # The forms start on the day the page is looked at (?ngay=), a past day being the usual
    # reason to look at one: a receipt entered late. Never a day still to come.
    day = min(as_of, timezone.localdate())
    action_forms = _action_forms(
        user, contract, bound, day=day, written_off=written_off, repayments=repayments, reversed_by=reversed_by,
        lawsuits=lawsuits,
    )
    _lawsuit_forms(user, lawsuits, bound, day=day)

    history = _history(contract, limit=8)
    return {
        "contract": contract,
        "status": status,
        "ledger": ledger,
        "ledger_totals": {
            "due": sum(a.due for a in ledger),
            "paid": sum(a.paid for a in ledger),
            "remaining": sum(a.remaining for a in ledger),
        },
        "other_versions": other_versions,
        "reschedules": sorted(reschedules.values(), key=lambda r: r.version),
        "repayments": [(r, reversed_by.get(r.pk)) for r in repayments],
        "repaid_total": status.repaid,
        "lawsuits": lawsuits,
        "written_off": written_off,
        "recoveries": recoveries,
        "recovered_total": sum(r.amount for r in recoveries),
        "forms": action_forms,
        "has_actions": bool(action_forms) or any(lawsuit.forms for lawsuit in lawsuits),
        "open_form": next(iter(bound), None),
        "history": history,
        "can_edit_contract": roles.can_edit_records(user) and contract.edit_refusal() is None,
        "as_of": as_of,
        "as_of_error": as_of_error,
        "as_of_query": _as_of_query(request),
        "as_of_action": reverse("funding:contract-detail", args=[contract.pk]),
    }


@require_role(roles.can_view)
@require_GET
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    return render(request, "funding/contract_detail.html", contract_detail_context(request, contract))


@require_role(roles.can_view)
@require_GET
def contract_history(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    return render(
        request,
        "history.html",
        {"object": contract, "entries": _history(contract, user=request.user),
         "title": f"Lịch sử thay đổi: hợp đồng {contract.number}",
         "back_url": reverse("funding:contract-detail", args=[contract.pk]), "back_label": "Về trang hợp đồng"},
    )


# --- the actions on the contract page ---------------------------------------------------------


def _act(
    request: HttpRequest,
    contract: LoanContract,
    key,
    form: forms.Form,
    run: Callable[[dict], object],
    done: Callable[[object], str],
) -> HttpResponse:
    """Run the service with the form's data; on success back to the page with a message, on a
    refusal (the form's or the service's) the page again with the form and its errors, 400.
    The service refuses before writing or inside its own transaction, so nothing is stored."""
    if form.is_valid():
        try:
            result = run(form.cleaned_data)
        except ValidationError as exc:
            _add_refusal(form, exc)
        else:
            messages.success(request, done(result))
            return redirect(reverse("funding:contract-detail", args=[contract.pk]) + _as_of_query(request))
    contract.refresh_from_db()
    context = contract_detail_context(request, contract, bound={key: form})
    return render(request, "funding/contract_detail.html", context, status=400)


@require_role(roles.can_edit_records)
@require_POST
def contract_disburse(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk, rule=roles.can_edit_records)
    return _act(
        request,
        contract,
        "disburse",
        DisburseContractForm(request.POST, contract=contract),
        lambda d: services.disburse_contract(contract=contract, by=request.user, **d),
        lambda c: f"Đã ghi nhận giải ngân hợp đồng {c.number} ngày {date_short(c.disbursed_on)} và lập lịch trả nợ.",
    )


@require_role(roles.can_edit_records)
@require_POST
def repayment_create(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk, rule=roles.can_edit_records)
    return _act(
        request, contract, "repayment", RepaymentForm(request.POST),
        lambda d: services.record_repayment(contract=contract, by=request.user, **d),
        lambda r: f"Đã ghi nhận khoản trả nợ {r.receipt_number}: {money_exact(r.amount)}.",
    )


@require_role(roles.can_edit_records)
@require_POST
def repayment_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk, rule=roles.can_edit_records)
    return _act(
        request, contract, "reversal", ReversalForm(request.POST, contract=contract),
        lambda d: services.reverse_repayment(by=request.user, **d),
        lambda r: f"Đã đảo khoản trả nợ {r.reversal_of.receipt_number} ({money_exact(r.amount)}).",
    )


@require_role(roles.can_edit_records)
@require_POST
def lawsuit_create(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk, rule=roles.can_edit_records)
    return _act(
        request, contract, "lawsuit", LawsuitForm(request.POST),
        lambda d: services.file_lawsuit(contract=contract, by=request.user, **d),
        lambda r: f"Đã ghi nhận khởi kiện tại {r.court} ngày {date_short(r.filed_on)}.",
    )


def _lawsuit(request: HttpRequest, pk: int) -> Lawsuit:
    return get_for_user(
        request, Lawsuit.objects.select_related("contract__facility", "contract__project__plan"), pk,
        rule=roles.can_edit_records,
    )


@require_role(roles.can_edit_records)
@require_POST
def hearing_create(request: HttpRequest, pk: int) -> HttpResponse:
    lawsuit = _lawsuit(request, pk)
    return _act(
        request, lawsuit.contract, ("hearing", lawsuit.pk), HearingForm(request.POST, prefix=f"hearing-{lawsuit.pk}"),
        lambda d: services.add_hearing(lawsuit=lawsuit, by=request.user, **d),
        lambda r: f"Đã ghi phiên tòa ngày {date_short(r.date)}.",
    )


@require_role(roles.can_edit_records)
@require_POST
def lawsuit_judgment(request: HttpRequest, pk: int) -> HttpResponse:
    lawsuit = _lawsuit(request, pk)
    return _act(
        request, lawsuit.contract, ("judgment", lawsuit.pk), JudgmentForm(request.POST, prefix=f"judgment-{lawsuit.pk}"),
        lambda d: services.record_judgment(lawsuit=lawsuit, by=request.user, **d),
        lambda r: f"Đã ghi bản án ngày {date_short(r.judgment_date)}.",
    )


@require_role(roles.can_edit_records)
@require_POST
def lawsuit_close(request: HttpRequest, pk: int) -> HttpResponse:
    lawsuit = _lawsuit(request, pk)
    return _act(
        request, lawsuit.contract, ("close", lawsuit.pk), CloseLawsuitForm(request.POST, prefix=f"close-{lawsuit.pk}"),
        lambda d: services.close_lawsuit(lawsuit=lawsuit, by=request.user, **d),
        lambda r: f"Đã kết thúc vụ khởi kiện ngày {date_short(r.closed_on)}.",
    )


@require_role(roles.can_edit_records)
@require_POST
def contract_note(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk, rule=roles.can_edit_records)
    return _act(
        request, contract, "note", CollectionNoteForm(request.POST),
        lambda d: services.note_collection(contract=contract, by=request.user, **d),
        lambda r: "Đã ghi biện pháp xử lý nợ." if r.collection_note else "Đã xóa ghi chú biện pháp xử lý nợ.",
    )


@require_role(roles.can_write_off)
@require_POST
def write_off(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk, rule=roles.can_write_off)
    return _act(
        request, contract, "write_off", WriteOffForm(request.POST),
        lambda d: services.write_off(contract=contract, by=request.user, **d),
        lambda r: f"Đã xóa nợ {money_exact(r.amount)} ngày {date_short(r.date)}.",
    )


@require_role(roles.can_edit_records)
@require_POST
def recovery_create(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk, rule=roles.can_edit_records)
    return _act(
        request, contract, "recovery", RecoveryForm(request.POST),
        lambda d: services.record_recovery(contract=contract, by=request.user, **d),
        lambda r: f"Đã ghi nhận khoản thu hồi {r.receipt_number}: {money_exact(r.amount)}.",
    )


@require_role(roles.can_approve)
@require_POST
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk, rule=roles.can_approve)
    return _act(
        request, contract, "reschedule", RescheduleForm(request.POST),
        lambda d: services.reschedule(contract=contract, by=request.user, **d),
        lambda r: f"Đã điều chỉnh lịch trả nợ: phiên bản {r.version} từ ngày {date_short(r.date)}.",
    )
