"""Staff screens for programmes and plans, đề án, facilities, events and nominations.

Every view asks khuyencong.core.roles through khuyencong.core.access: anonymous users go to sign-in,
users without the role get 403, unknown objects 404.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from funding.forms import DisbursementForm, add_refusal
from funding.loans import contract_statuses
from funding.models import Disbursement
from khuyencong.core import dataversion, roles
from khuyencong.core.access import get_for_user, require_role
from khuyencong.core.formatting import money_exact
from khuyencong.core.history import change_log, related_logs
from khuyencong.core.lists import ListExport, describe_filters, export_view, remember_filters
from khuyencong.core.search import ListFilterSet, search
from projects import exports, periods, services
from projects.admin_units import candidates_by_facility, needs_review
from projects.filters import EventFilter, FacilityFilter, NominationFilter, ProjectFilter
from projects.forms import (
    CommunePicker,
    EventForm,
    FacilityForm,
    FacilityPicker,
    NominationForm,
    PlanForm,
    ProgramForm,
    ProjectForm,
    ProjectPicker,
    ProjectResultForm,
    SearchPicker,
    StepForm,
    SupportCapForm,
)
from projects.models import (
    CERTIFICATE_EXPIRING_MONTHS,
    AdministrativeUnit,
    AnnualPlan,
    Event,
    Facility,
    Product,
    ProductNomination,
    Program,
    Project,
    ProjectFacility,
    ProjectResult,
    SupportCap,
    SupportForm,
    support_cap_warning,
)

PER_PAGE = 50


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int = PER_PAGE) -> Page:
    """The requested page (the last one when the number is too large): a count and a slice."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def edit_record(
    request: HttpRequest,
    form_class,
    *,
    template: str,
    name: str,
    instance=None,
    saved: Callable[[object], str],
    success_url: Callable[[object], str],
    form_kwargs: dict | None = None,
    warn: Callable[[object], str] | None = None,
) -> HttpResponse:
    """The create and edit screens of a record: the form (bound on POST), saved when valid with
    ``saved(record)`` as the message and a redirect to ``success_url(record)``; else the form
    again with its errors. ``name`` is the template's variable for the record (None when new).
    ``warn(record)``, when given, is a warning about the saved record that does not stop the
    save (a support above its cap), shown on the next page."""
    form = form_class(request.POST or None, instance=instance, **(form_kwargs or {}))
    if request.method == "POST" and form.is_valid():
        record = form.save()
        messages.success(request, saved(record))
        warning = warn(record) if warn is not None else ""
        if warning:
            messages.warning(request, warning)
        return redirect(success_url(record))
    return render(request, template, {"form": form, name: instance})


# ——— Đề án ———————————————————————————————————————————————————————————————————————————


def in_words(filters: ListFilterSet) -> str:
    """A list's filters and order in words, for its export."""
    return "; ".join(part for part in (describe_filters(filters.form), filters.sort_words()) if part)


def _project_filter(request: HttpRequest) -> tuple[ProjectFilter, QuerySet]:
    years = sorted(periods.programme_years(timezone.localdate()), reverse=True)
    queryset = Project.objects.with_executed().select_related("plan", "content", "funding_level")
    filters = ProjectFilter(request.GET, queryset=queryset, years=years)
    return filters, filters.qs.prefetch_related(Prefetch("facilities", queryset=Facility.objects.only("pk", "name")))


@require_role(roles.can_view)
@require_GET
@remember_filters("projects:project-list")
@dataversion.reads_version
def project_list(request: HttpRequest) -> HttpResponse:
    filters, projects = _project_filter(request)
    # Counted and read only when the page's list is not in the cache ({% datacache %}).
    page = SimpleLazyObject(lambda: paginate(request, projects))
    return render(
        request,
        "projects/project_list.html",
        {"form": filters.form, "page": page, "sort": filters.sort_key, "can_edit": roles.can_edit_records(request.user)},
    )


def _project_rows(request: HttpRequest):
    filters, projects = _project_filter(request)
    return exports.projects_sheet(projects), in_words(filters)


project_export = export_view(ListExport("Danh sách đề án khuyến công", "de-an", _project_rows))


def project_detail_context(
    request: HttpRequest, project: Project, *, disbursement_form: DisbursementForm | None = None
) -> dict:
    """What the đề án page shows; the disbursement view re-renders it with its form's errors.
    Its records are everyone's until one changes (cached under the data version); what the
    user may do with them is worked out for each visit."""
    today = timezone.localdate()
    can_disburse = roles.can_record_disbursements(request.user) and project.is_payable
    if can_disburse and disbursement_form is None:
        disbursement_form = DisbursementForm(project=project, initial={"date": today})
    return {
        **dataversion.cached(f"project:{project.pk}:{today}", lambda: _project_records(project, today)),
        "project": project,
        "transitions": services.allowed_transitions(request.user, project),
        "steps": services.available_steps(request.user, project),
        "needs_reason": services.NEEDS_REASON,
        "can_edit": roles.can_edit_records(request.user),
        "can_add_contract": roles.can_edit_records(request.user)
        and project.support_form == SupportForm.RECOVERABLE
        and project.is_payable,
        # A refused form shows its errors even where the page would not offer the form.
        "disbursement_form": disbursement_form if can_disburse or disbursement_form is not None else None,
        # The one rule (Project.result_refusal): the button is offered only when it would be taken.
        "can_add_result": roles.can_edit_records(request.user) and not project.result_refusal(),
    }


def _project_records(project: Project, today) -> dict:
    """The đề án's records on its page, the same for every user."""
    disbursements = list(project.disbursements.select_related("funding_source").order_by("date", "pk"))
    contracts = list(project.contracts.select_related("facility").order_by("signed_on", "number"))
    statuses = {s.contract_id: s for s in contract_statuses(contracts, as_of=today)}
    events = list(project.events.order_by("date", "name"))
    executed = sum(d.amount for d in disbursements)
    recent = change_log(
        Project.history.filter(id=project.pk), model=Project, describe=lambda r: "Đề án", limit=5, related=_NAMED
    )
    return {
        "facilities": list(project.facilities.select_related("administrative_unit").order_by("name")),
        "disbursements": disbursements,
        "executed": executed,
        "budget": project.budget,
        "remaining": max(project.budget - executed, 0),
        "contracts": [(c, statuses[c.pk]) for c in contracts],
        "events": events,
        "event_totals": {
            "participants": sum(e.participants for e in events),
            "sale_contracts": sum(e.sale_contracts for e in events),
            "memoranda": sum(e.memoranda for e in events),
        },
        "stage": services.stage_label(project),
        "timeline": services.timeline(project),
        "advances_outstanding": services.advances_outstanding(project),
        "recent_changes": recent,
        "results": list(project.results.order_by("date", "pk")),
    }


# How the history pages name related rows whose __str__ reads further relations.
_NAMED = {AnnualPlan: AnnualPlan.objects.select_related("program__funding_level")}


def _project(request: HttpRequest, pk: int, rule=roles.can_view) -> Project:
    return get_for_user(
        request,
        Project.objects.select_related("plan__program", "content__parent", "funding_level"),
        pk,
        rule=rule,
    )


@require_role(roles.can_view)
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    return render(request, "projects/project_detail.html", project_detail_context(request, project))


@require_role(roles.can_edit_records)
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    return edit_record(
        request, ProjectForm, template="projects/project_form.html", name="project", form_kwargs={"user": request.user},
        saved=lambda p: f"Đã thêm đề án {p.code}.", success_url=project_url, warn=support_cap_warning,
    )


@require_role(roles.can_edit_records)
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk, rule=roles.can_edit_records)
    return edit_record(
        request, ProjectForm, template="projects/project_form.html", name="project", instance=project,
        form_kwargs={"user": request.user}, saved=lambda p: f"Đã lưu đề án {p.code}.", success_url=project_url,
        warn=support_cap_warning,
    )


@require_role(roles.can_edit_records)
@require_POST
def project_status(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk, rule=roles.can_edit_records)
    new = request.POST.get("status", "")
    if new not in Project.Status.values:
        messages.error(request, "Trạng thái không hợp lệ.")
        return redirect("projects:project-detail", pk=project.pk)
    if not roles.can_change_project_status(request.user, project.status, new):
        raise PermissionDenied
    try:
        services.change_status(project=project, status=new, reason=request.POST.get("reason", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Đề án {project.code}: {project.get_status_display().lower()}.")
    return redirect("projects:project-detail", pk=project.pk)


@require_role(roles.can_view)
@require_http_methods(["GET", "POST"])
def project_step(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """One step of the đề án's life (services.take_step): its paper on a form; a decision of the
    Department (approval, adjustment, stop) shown once more with the amounts, and taken only
    when confirmed. The confirmation is the step tried and rolled back: it shows nothing the
    step would refuse."""
    step = services.STEP_BY_SLUG.get(slug)
    project = _project(request, pk)
    if step is None:
        raise Http404
    if not services.may_take(request.user, step):
        raise PermissionDenied
    refusal = services.state_refusal(project, step.kind)
    if refusal:
        messages.error(request, refusal)
        return redirect("projects:project-detail", pk=project.pk)
    form = StepForm(request.POST if request.method == "POST" else None, kind=step.kind)
    context = {"project": project, "step": step, "form": form, "paid": project.disbursements.aggregate(
        total=Coalesce(Sum("amount"), 0))["total"]}
    if request.method == "POST" and form.is_valid():
        data = form.step_data()
        confirmed = request.POST.get("xac-nhan") == "1"
        try:
            with transaction.atomic():
                decision, warnings = services.take_step(project=project, kind=step.kind, by=request.user, **data)
                if step.confirm and not confirmed:
                    transaction.set_rollback(True)
        except ValidationError as refused:
            add_refusal(form, refused)
        else:
            if step.confirm and not confirmed:
                return render(
                    request, "projects/project_step.html",
                    {**context, "confirming": True, "warnings": warnings, "summary": _step_summary(form)},
                )
            messages.success(request, f"Đề án {project.code}: đã ghi bước “{decision.get_kind_display().lower()}”.")
            for warning in warnings:
                messages.warning(request, warning)
            return redirect(reverse("projects:project-detail", args=[project.pk]) + "#h-timeline")
    return render(request, "projects/project_step.html", context)


def _step_summary(form: StepForm) -> list[tuple[str, str]]:
    """(label, value as written) of each field filled in, for the confirmation."""
    rows = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, ""):
            continue
        if name == "amount":
            value = money_exact(value)
        elif isinstance(value, datetime.date):
            value = f"{value:%d/%m/%Y}"
        elif name == "result":
            value = dict(field.choices).get(value, value)
        rows.append((field.label, str(value)))
    return rows


@require_role(roles.can_edit_records)
@require_http_methods(["GET", "POST"])
def result_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A result after support, added on the đề án page; refused (ProjectResult.clean, the one
    rule Project.result_refusal) unless the đề án is completed."""
    project = _project(request, pk, rule=roles.can_edit_records)
    return edit_record(
        request, ProjectResultForm, template="projects/result_form.html", name="result",
        form_kwargs={"project": project}, saved=lambda r: f"Đã ghi kết quả sau hỗ trợ ngày {r.date:%d/%m/%Y}.",
        success_url=lambda r: reverse("projects:project-detail", args=[project.pk]) + "#h-results",
    )


@require_role(roles.can_edit_records)
@require_http_methods(["GET", "POST"])
def result_edit(request: HttpRequest, pk: int) -> HttpResponse:
    result = get_for_user(request, ProjectResult.objects.select_related("project"), pk, rule=roles.can_edit_records)
    project = result.project
    return edit_record(
        request, ProjectResultForm, template="projects/result_form.html", name="result", instance=result,
        form_kwargs={"project": project}, saved=lambda r: f"Đã lưu kết quả sau hỗ trợ ngày {r.date:%d/%m/%Y}.",
        success_url=lambda r: reverse("projects:project-detail", args=[project.pk]) + "#h-results",
    )


def _describe_disbursement(row) -> str:
    return f"Giải ngân {row.document_number}"


@require_role(roles.can_view)
@require_GET
def project_history(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    entries = change_log(
        Project.history.filter(id=project.pk), model=Project, describe=lambda r: "Đề án", related=_NAMED
    )
    entries += change_log(
        Disbursement.history.filter(project_id=project.pk), model=Disbursement, describe=_describe_disbursement
    )
    entries += change_log(
        Event.history.filter(project_id=project.pk), model=Event, describe=_describe_event
    )
    entries += change_log(
        ProjectResult.history.filter(project_id=project.pk), model=ProjectResult,
        describe=lambda r: f"Kết quả sau hỗ trợ {r.date:%d/%m/%Y}",
    )
    entries += related_logs(Project, [project.pk], user=request.user)  # its documents
    entries.sort(key=lambda e: e.when, reverse=True)
    return render(
        request,
        "history.html",
        {"object": project, "entries": entries, "title": f"Lịch sử thay đổi: đề án {project.code}",
         "back_url": project_url(project), "back_label": "Về trang đề án"},
    )


def project_url(project: Project) -> str:
    return reverse("projects:project-detail", args=[project.pk])


@require_role(roles.can_view)
@require_GET
def project_search(request: HttpRequest) -> JsonResponse:
    """The event form's đề án picker asks this: đề án whose code or name holds every word typed,
    accents ignored (the đề án list's search), newest year first."""
    return _picker_search(request, Project.objects.all(), ProjectPicker)


# ——— Cơ sở ———————————————————————————————————————————————————————————————————————————


def _facility_filter(request: HttpRequest) -> FacilityFilter:
    # The number of đề án each facility benefits from, as a correlated subquery rather than a
    # JOIN … GROUP BY: the page's count leaves it out and PostgreSQL works it out for the 50
    # rows shown only (after the sort and LIMIT), not for the whole register; sorting by it
    # ("ho-tro") still counts every row, as that sort must.
    supported = (
        ProjectFacility.objects.filter(facility=OuterRef("pk")).order_by().values("facility").annotate(n=Count("pk")).values("n")
    )
    facilities = Facility.objects.select_related("administrative_unit", "commune").annotate(
        supports=Coalesce(Subquery(supported), 0)
    )
    return FacilityFilter(request.GET, queryset=facilities)


@require_role(roles.can_view)
@require_GET
@remember_filters("projects:facility-list")
@dataversion.reads_version
def facility_list(request: HttpRequest) -> HttpResponse:
    filters = _facility_filter(request)
    page = SimpleLazyObject(lambda: paginate(request, filters.qs))
    return render(
        request,
        "projects/facility_list.html",
        {"form": filters.form, "page": page, "sort": filters.sort_key, "can_edit": roles.can_edit_records(request.user)},
    )


def _facility_rows(request: HttpRequest):
    filters = _facility_filter(request)
    return exports.facilities_sheet(filters.qs), in_words(filters)


facility_export = export_view(ListExport("Danh sách cơ sở công nghiệp nông thôn", "co-so", _facility_rows))


SEARCH_LIMIT = 20
SEARCH_MIN_LENGTH = 2  # one letter would match most of the register


def _picker_search(request: HttpRequest, queryset: QuerySet, picker: type[SearchPicker], describe=None) -> JsonResponse:
    """What a form's search picker (projects.forms.SearchPicker) asks as the user types: at most
    SEARCH_LIMIT rows holding every word typed in their accent-free search column, each as the
    picker shows it, and whether there are more; one query."""
    text = request.GET.get("q", "").strip()
    if len(text) < SEARCH_MIN_LENGTH:
        return JsonResponse({"results": [], "more": False})
    found = list(search(queryset.select_related(*picker.related), text).order_by(*picker.ordering)[: SEARCH_LIMIT + 1])
    describe = describe or picker.option
    return JsonResponse({"results": [describe(row) for row in found[:SEARCH_LIMIT]], "more": len(found) > SEARCH_LIMIT})


def _facility_found(facility: Facility) -> dict:
    # The picker's label and sub, and the facility's own fields.
    return {
        **FacilityPicker.option(facility),
        "name": facility.name,
        "tax_code": facility.tax_code,
        "district": district.name if (district := facility.district) else "",
    }


@require_role(roles.can_view)
@require_GET
def facility_search(request: HttpRequest) -> JsonResponse:
    """The facility pickers (đề án and nomination forms) ask this: facilities whose name, tax
    code or address holds every word typed, accents ignored, by name."""
    return _picker_search(request, Facility.objects.all(), FacilityPicker, _facility_found)


@require_role(roles.can_view)
@require_GET
def commune_search(request: HttpRequest) -> JsonResponse:
    """The facility form's commune picker asks this: communes in force today whose name, or a
    former commune's name, holds every word typed, accents ignored."""
    text = request.GET.get("q", "").strip()
    if len(text) < SEARCH_MIN_LENGTH:
        return JsonResponse({"results": [], "more": False})
    today = Facility.unit_date()
    valid = AdministrativeUnit.objects.communes().valid_on(today)
    matched = search(valid, text, "search_text", "former_units__search_text").values("pk")
    found = list(
        valid.filter(pk__in=matched)
        .select_related("parent")
        .prefetch_related("former_units")
        .order_by(*CommunePicker.ordering)[: SEARCH_LIMIT + 1]
    )
    return JsonResponse(
        {"results": [CommunePicker.option(u) for u in found[:SEARCH_LIMIT]], "more": len(found) > SEARCH_LIMIT}
    )


@require_role(roles.can_view)
@require_http_methods(["GET", "POST"])
def commune_review(request: HttpRequest) -> HttpResponse:
    """The facilities whose commune of the 2025 reform the mapping could not decide alone (a
    commune split between several, an address naming no old commune), with the candidates; the
    department picks one. The choice goes through the facility's rule (``Facility.full_clean``:
    a commune in force today) and into its history."""
    can_decide = roles.can_approve(request.user)
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied
        facility = get_for_user(request, Facility.objects.all(), request.POST.get("facility", ""), rule=roles.can_approve)
        commune_id = request.POST.get("commune") or ""
        unit = AdministrativeUnit.objects.filter(pk=commune_id).first() if commune_id.isdecimal() else None
        if unit is None:
            messages.error(request, f"Chưa chọn xã, phường cho cơ sở {facility.name}.")
        else:
            facility.commune = unit
            facility.commune_needs_review = False
            facility.commune_candidates = []
            try:
                facility.full_clean()
            except ValidationError as error:
                messages.error(request, f"{facility.name}: " + " ".join(error.messages))
            else:
                facility._change_reason = "Chọn xã, phường sau sắp xếp (danh sách xem lại)"
                facility.save()
                messages.success(request, f"Đã gắn cơ sở {facility.name} với {unit.name}.")
        return redirect("projects:commune-review")
    facilities = list(
        needs_review().select_related("administrative_unit__parent", "commune").order_by("administrative_unit__name", "name")
    )
    candidates = candidates_by_facility(facilities)
    rows = [{"facility": f, "candidates": candidates[f.pk]} for f in facilities]
    return render(request, "projects/commune_review.html", {"rows": rows, "can_decide": can_decide})


def _facility_url(facility: Facility) -> str:
    return reverse("projects:facility-detail", args=[facility.pk])


def _facility(request: HttpRequest, pk: int, rule=roles.can_view) -> Facility:
    return get_for_user(request, Facility.objects.select_related("administrative_unit__parent", "commune__parent"), pk, rule=rule)


@require_role(roles.can_view)
@require_GET
def facility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _facility(request, pk)
    today = timezone.localdate()
    projects = list(
        facility.projects.with_executed()
        .select_related("plan", "content", "funding_level")
        .annotate(beneficiaries=Count("facilities"))
        .order_by("-plan__year", "code")
    )
    contracts = list(facility.contracts.select_related("project__plan").order_by("signed_on", "number"))
    statuses = contract_statuses(contracts, as_of=today)
    nominations = list(
        ProductNomination.objects.filter(product__facility=facility)
        .with_certificate_state(today)
        .select_related("product", "level")
        .order_by("-year", "level__order")
    )
    return render(
        request,
        "projects/facility_detail.html",
        {
            "facility": facility,
            "projects": projects,
            "executed": sum(p.executed for p in projects),
            "years": sorted({p.plan.year for p in projects}),
            "contracts": list(zip(contracts, statuses, strict=True)),
            "debt": {
                "outstanding": sum(s.outstanding for s in statuses),
                "overdue": sum(s.overdue for s in statuses),
                "sued": any(s.sued for s in statuses),
            },
            "today": today,
            "nominations": nominations,
            "can_edit": roles.can_edit_records(request.user),
        },
    )


@require_role(roles.can_edit_records)
@require_http_methods(["GET", "POST"])
def facility_create(request: HttpRequest) -> HttpResponse:
    return edit_record(
        request, FacilityForm, template="projects/facility_form.html", name="facility",
        saved=lambda f: f"Đã thêm cơ sở {f.name}.", success_url=_facility_url,
    )


@require_role(roles.can_edit_records)
@require_http_methods(["GET", "POST"])
def facility_edit(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _facility(request, pk, rule=roles.can_edit_records)
    return edit_record(
        request, FacilityForm, template="projects/facility_form.html", name="facility", instance=facility,
        saved=lambda f: f"Đã lưu cơ sở {f.name}.", success_url=_facility_url,
    )


@require_role(roles.can_view)
@require_GET
def facility_history(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _facility(request, pk)
    entries = change_log(
        Facility.history.filter(id=facility.pk), model=Facility, describe=lambda r: "Cơ sở", exclude=("id", "search_text")
    )
    return render(
        request,
        "history.html",
        {"object": facility, "entries": entries, "title": f"Lịch sử thay đổi: {facility.name}",
         "back_url": reverse("projects:facility-detail", args=[facility.pk]), "back_label": "Về trang cơ sở"},
    )


# ——— Chương trình, kế hoạch năm ————————————————————————————————————————————————————


def _programs() -> list[Program]:
    """Every programme with its plans, each plan's counts, planned money and money executed."""
    counted = ~Q(projects__status=Project.Status.PROPOSED)
    plans = AnnualPlan.objects.annotate(
        planned=Count("projects", filter=counted),
        done=Count("projects", filter=Q(projects__status=Project.Status.COMPLETED)),
        planned_money=Coalesce(Sum("projects__planned_budget", filter=counted), 0),
    ).order_by("year")
    programs = list(
        Program.objects.select_related("funding_level", "province").prefetch_related(Prefetch("plans", queryset=plans))
    )
    executed = dict(
        Disbursement.objects.exclude(project__status=Project.Status.PROPOSED)
        .values("project__plan")
        .annotate(total=Coalesce(Sum("amount"), 0))
        .values_list("project__plan", "total")
    )
    for program in programs:
        for plan in program.plans.all():
            plan.executed = executed.get(plan.pk, 0)
    return programs


def _program_rows(request: HttpRequest):
    return exports.programs_sheet(_programs()), ""


program_export = export_view(ListExport("Chương trình khuyến công và kế hoạch năm", "chuong-trinh", _program_rows))


@require_role(roles.can_view)
@require_GET
def program_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/program_list.html",
        {
            "programs": _programs(),
            "can_edit_programs": roles.can_approve(request.user),
            "can_edit_plans": roles.can_edit_records(request.user),
        },
    )


@require_role(roles.can_approve)
@require_http_methods(["GET", "POST"])
def program_create(request: HttpRequest) -> HttpResponse:
    return edit_record(
        request, ProgramForm, template="projects/program_form.html", name="program",
        saved=lambda p: f"Đã thêm chương trình “{p.name}”.", success_url=lambda p: reverse("projects:program-list"),
    )


@require_role(roles.can_approve)
@require_http_methods(["GET", "POST"])
def program_edit(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_for_user(request, Program, pk, rule=roles.can_approve)
    return edit_record(
        request, ProgramForm, template="projects/program_form.html", name="program", instance=program,
        saved=lambda p: f"Đã lưu chương trình “{p.name}”.", success_url=lambda p: reverse("projects:program-list"),
    )


def _plan_url(plan: AnnualPlan) -> str:
    return reverse("projects:plan-detail", args=[plan.pk])


def _plan(request: HttpRequest, pk: int, rule=roles.can_view) -> AnnualPlan:
    return get_for_user(request, AnnualPlan.objects.select_related("program__funding_level"), pk, rule=rule)


@require_role(roles.can_view)
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    in_plan = plan.projects.exclude(status=Project.Status.PROPOSED)
    executed = dict(
        Disbursement.objects.filter(project__in=in_plan)
        .values("project__content")
        .annotate(total=Coalesce(Sum("amount"), 0))
        .values_list("project__content", "total")
    )
    rows = list(
        in_plan.values("content", "content__code", "content__name", "content__order")
        .annotate(
            planned=Count("pk"),
            done=Count("pk", filter=Q(status=Project.Status.COMPLETED)),
            planned_money=Coalesce(Sum("planned_budget"), 0),
        )
        .order_by("content__order", "content__code")
    )
    for row in rows:
        row["executed"] = executed.get(row["content"], 0)
    totals = {
        key: sum(row[key] for row in rows) for key in ("planned", "done", "planned_money", "executed")
    }
    projects = list(
        plan.projects.with_executed().select_related("content", "funding_level").order_by("content__order", "code")
    )
    return render(
        request,
        "projects/plan_detail.html",
        {"plan": plan, "rows": rows, "totals": totals, "projects": projects,
         "proposed": sum(1 for p in projects if p.status == Project.Status.PROPOSED),
         "can_edit": roles.can_edit_records(request.user)},
    )


@require_role(roles.can_edit_records)
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    if (program_id := request.GET.get("chuong-trinh", "")).isdecimal():
        program = Program.objects.filter(pk=program_id).first()
        if program is not None:
            initial["program"] = program.pk
            this_year = timezone.localdate().year
            if program.first_year <= this_year <= program.last_year:
                initial["year"] = this_year
    return edit_record(
        request, PlanForm, template="projects/plan_form.html", name="plan",
        form_kwargs={"initial": initial, "user": request.user},
        saved=lambda p: f"Đã thêm kế hoạch năm {p.year}.", success_url=_plan_url,
    )


@require_role(roles.can_edit_records)
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk, rule=roles.can_edit_records)
    return edit_record(
        request, PlanForm, template="projects/plan_form.html", name="plan", instance=plan,
        form_kwargs={"user": request.user}, saved=lambda p: f"Đã lưu kế hoạch năm {p.year}.", success_url=_plan_url,
    )


@require_role(roles.can_view)
@require_GET
def plan_history(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    entries = change_log(AnnualPlan.history.filter(id=plan.pk), model=AnnualPlan, describe=lambda r: "Kế hoạch")
    return render(
        request,
        "history.html",
        {"object": plan, "entries": entries, "title": f"Lịch sử thay đổi: {plan}",
         "back_url": reverse("projects:plan-detail", args=[plan.pk]), "back_label": "Về trang kế hoạch"},
    )


# ——— Sự kiện ——————————————————————————————————————————————————————————————————————————


def _event_filter(request: HttpRequest) -> EventFilter:
    return EventFilter(request.GET, queryset=Event.objects.select_related("project__plan"))


def _event_rows(request: HttpRequest):
    filters = _event_filter(request)
    return exports.events_sheet(filters.qs), in_words(filters)


event_export = export_view(ListExport("Danh sách sự kiện khuyến công", "su-kien", _event_rows))


@require_role(roles.can_view)
@require_GET
@remember_filters("projects:event-list")
def event_list(request: HttpRequest) -> HttpResponse:
    filters = _event_filter(request)
    events = filters.qs
    totals = events.aggregate(
        count=Count("pk"),
        participants=Coalesce(Sum("participants"), 0),
        sale_contracts=Coalesce(Sum("sale_contracts"), 0),
        memoranda=Coalesce(Sum("memoranda"), 0),
    )
    page = paginate(request, events)
    return render(
        request,
        "projects/event_list.html",
        {"form": filters.form, "page": page, "totals": totals, "sort": filters.sort_key,
         "can_edit": roles.can_edit_records(request.user)},
    )


@require_role(roles.can_edit_records)
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    if (project_id := request.GET.get("project", "")).isdecimal():
        initial["project"] = int(project_id)
    return edit_record(
        request, EventForm, template="projects/event_form.html", name="event", form_kwargs={"initial": initial},
        saved=lambda e: f"Đã thêm sự kiện “{e.name}”.", success_url=lambda e: reverse("projects:event-list"),
    )


@require_role(roles.can_edit_records)
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_for_user(request, Event, pk, rule=roles.can_edit_records)
    return edit_record(
        request, EventForm, template="projects/event_form.html", name="event", instance=event,
        saved=lambda e: f"Đã lưu sự kiện “{e.name}”.", success_url=lambda e: reverse("projects:event-list"),
    )


def _describe_event(row) -> str:
    return f"Sự kiện “{row.name}”"


@require_role(roles.can_view)
@require_GET
def event_history(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_for_user(request, Event.objects.select_related("project"), pk)
    entries = change_log(Event.history.filter(id=event.pk), model=Event, describe=_describe_event)
    return render(
        request,
        "history.html",
        {"object": event, "entries": entries, "title": f"Lịch sử thay đổi: sự kiện “{event.name}”",
         "back_url": reverse("projects:event-list"), "back_label": "Về danh sách sự kiện"},
    )


# ——— Bình chọn sản phẩm ————————————————————————————————————————————————————————————————


def _nomination_filter(request: HttpRequest) -> NominationFilter:
    return NominationFilter(request.GET, queryset=ProductNomination.objects.select_related("product__facility", "level"))


def _nomination_rows(request: HttpRequest):
    filters = _nomination_filter(request)
    return exports.nominations_sheet(filters.qs), in_words(filters)


nomination_export = export_view(ListExport("Danh sách bình chọn sản phẩm tiêu biểu", "binh-chon", _nomination_rows))


@require_role(roles.can_view)
@require_GET
@remember_filters("projects:nomination-list")
def nomination_list(request: HttpRequest) -> HttpResponse:
    filters = _nomination_filter(request)
    nominations = filters.qs
    by_level = list(
        nominations.values("level__name", "level__order")
        .annotate(nominated=Count("pk"), recognised=Count("pk", filter=Q(recognised=True)))
        .order_by("level__order")
    )
    page = paginate(request, nominations.with_certificate_state(timezone.localdate()))
    return render(
        request,
        "projects/nomination_list.html",
        {"form": filters.form, "page": page, "by_level": by_level, "sort": filters.sort_key,
         "can_edit": roles.can_edit_records(request.user),
         "expiring_months": CERTIFICATE_EXPIRING_MONTHS},
    )


@require_role(roles.can_edit_records)
@require_http_methods(["GET", "POST"])
def nomination_create(request: HttpRequest) -> HttpResponse:
    return edit_record(
        request, NominationForm, template="projects/nomination_form.html", name="nomination",
        form_kwargs={"initial": {"year": timezone.localdate().year}},
        saved=lambda n: f"Đã ghi nhận đề cử “{n.product}”.", success_url=lambda n: reverse("projects:nomination-list"),
    )


@require_role(roles.can_edit_records)
@require_http_methods(["GET", "POST"])
def nomination_edit(request: HttpRequest, pk: int) -> HttpResponse:
    nomination = get_for_user(
        request, ProductNomination.objects.select_related("product"), pk, rule=roles.can_edit_records
    )
    return edit_record(
        request, NominationForm, template="projects/nomination_form.html", name="nomination", instance=nomination,
        saved=lambda n: f"Đã lưu đề cử “{n.product}”.", success_url=lambda n: reverse("projects:nomination-list"),
    )


@require_role(roles.can_view)
@require_GET
def nomination_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The nomination's changes and its product's (name, facility): the product has no page."""
    nomination = get_for_user(request, ProductNomination.objects.select_related("product", "level"), pk)
    entries = change_log(
        ProductNomination.history.filter(id=nomination.pk),
        model=ProductNomination,
        describe=lambda r: "Đề cử",
    )
    entries += change_log(
        Product.history.filter(id=nomination.product_id), model=Product, describe=lambda r: f"Sản phẩm “{r.name}”"
    )
    entries.sort(key=lambda e: e.when, reverse=True)
    return render(
        request,
        "history.html",
        {"object": nomination, "entries": entries, "title": f"Lịch sử thay đổi: đề cử “{nomination.product}”",
         "back_url": reverse("projects:nomination-list"), "back_label": "Về danh sách bình chọn"},
    )



# ——— Mức hỗ trợ tối đa ————————————————————————————————————————————————————————————————


@require_role(roles.can_view)
@require_GET
def cap_list(request: HttpRequest) -> HttpResponse:
    caps = SupportCap.objects.select_related("content", "funding_level").order_by(
        "-valid_from", "content__order", "content__code", "pk"
    )
    return render(
        request, "projects/cap_list.html", {"caps": caps, "can_edit": roles.can_approve(request.user)}
    )


@require_role(roles.can_approve)
@require_http_methods(["GET", "POST"])
def cap_create(request: HttpRequest) -> HttpResponse:
    return edit_record(
        request, SupportCapForm, template="projects/cap_form.html", name="cap",
        saved=lambda c: f"Đã thêm mức hỗ trợ tối đa {c}.", success_url=lambda c: reverse("projects:cap-list"),
    )


@require_role(roles.can_approve)
@require_http_methods(["GET", "POST"])
def cap_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cap = get_for_user(request, SupportCap, pk, rule=roles.can_approve)
    return edit_record(
        request, SupportCapForm, template="projects/cap_form.html", name="cap", instance=cap,
        saved=lambda c: f"Đã lưu mức hỗ trợ tối đa {c}.", success_url=lambda c: reverse("projects:cap-list"),
    )


@require_role(roles.can_view)
@require_GET
def cap_history(request: HttpRequest, pk: int) -> HttpResponse:
    cap = get_for_user(request, SupportCap, pk)
    entries = change_log(SupportCap.history.filter(id=cap.pk), model=SupportCap, describe=lambda r: "Mức hỗ trợ")
    return render(
        request,
        "history.html",
        {"object": cap, "entries": entries, "title": f"Lịch sử thay đổi: {cap}",
         "back_url": reverse("projects:cap-list"), "back_label": "Về danh sách mức hỗ trợ"},
    )
