from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from funding.models import LoanContract
from projects.models import Facility, Project
from reporting.document import draft_figures, render_document


def _period(year_from: int, year_to: int, report_date: str | None) -> datetime.date:
    """The report date of a URL; 404 for a reversed range or a date that is not a date."""
    if year_to < year_from or year_to - year_from > 20:
        raise Http404("Khoảng năm không hợp lệ.")
    if report_date is None:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(report_date)
    except ValueError as exc:
        raise Http404("Ngày báo cáo không hợp lệ.") from exc


@login_required
@require_GET
def draft_document(request: HttpRequest, year_from: int, year_to: int) -> HttpResponse:
    """The draft report on screen, from current data; ?ngay=YYYY-MM-DD sets the debt date."""
    report_date = _period(year_from, year_to, request.GET.get("ngay"))
    figures = draft_figures(year_from=year_from, year_to=year_to, report_date=report_date)
    return HttpResponse(render_document(figures, links=True))


@login_required
@require_GET
def figure_records(request: HttpRequest, figure: str, year_from: int, year_to: int, report_date: str) -> HttpResponse:
    """The đề án, facilities and contracts a figure of the report counts."""
    as_of = _period(year_from, year_to, report_date)
    figures = draft_figures(year_from=year_from, year_to=year_to, report_date=as_of)
    records = figures.records.get(figure)
    if records is None:
        raise Http404("Không có số liệu này trong báo cáo.")
    projects = (
        Project.objects.filter(pk__in=records.projects)
        .with_executed()
        .select_related("plan", "content", "funding_level")
        .order_by("plan__year", "code")
    )
    facilities = Facility.objects.filter(pk__in=records.facilities).order_by("name")
    contracts = LoanContract.objects.filter(pk__in=records.contracts).select_related("facility").order_by("number")
    return render(
        request,
        "reporting/figure_records.html",
        {
            "figure": figure,
            "figures": figures,
            "projects": projects,
            "facilities": facilities,
            "contracts": contracts,
        },
    )
