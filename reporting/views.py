"""The report screens: the draft document from a URL, the figures' records, and the reports as
records (list, create, edit, preview, issue, replace, download).

Everyone signed in reads; department staff create, edit and issue (khuyencong.core.roles). A draft
is rendered from current data with its record's narrative; an issued report serves only what
was kept when it was issued (reporting.models.ReportSnapshot).
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from funding.models import LoanContract
from khuyencong.core import jobs, roles
from khuyencong.core.access import get_for_user, require_role
from projects.models import Facility, Project
from reporting import services
from reporting.document import draft_figures, print_html, render_document, standalone_html
from reporting.forms import IssueForm, ReportForm
from reporting.models import Report, ReportSnapshot

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


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


@require_role(roles.can_view)
@require_GET
def draft_document(request: HttpRequest, year_from: int, year_to: int) -> HttpResponse:
    """The draft report on screen, from current data; ?ngay=YYYY-MM-DD sets the debt date."""
    report_date = _period(year_from, year_to, request.GET.get("ngay"))
    figures = draft_figures(year_from=year_from, year_to=year_to, report_date=report_date)
    return HttpResponse(render_document(figures, links=True))


@require_role(roles.can_view)
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


# --- Reports as records ----------------------------------------------------------------------


def _reports():
    """Reports with what their pages name: who issued them, what they replace, what replaced them."""
    return Report.objects.select_related("issued_by", "replaces").prefetch_related(
        Prefetch("replaced_by", queryset=Report.objects.order_by("-status", "-id").only("id", "status", "number", "replaces_id"))
    )


def _report_for(request: HttpRequest, pk: int, *, rule=roles.can_view) -> Report:
    """The report ``pk`` for this user: 404 when there is none, 403 when ``rule`` refuses."""
    return get_for_user(request, _reports(), pk, rule=rule)


def _refusal(request: HttpRequest, exc: ValidationError | PermissionDenied) -> None:
    messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))


@require_role(roles.can_view)
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """Every report, drafts and issued, newest first."""
    return render(
        request,
        "reporting/report_list.html",
        {"reports": list(_reports()), "can_write": roles.can_write_reports(request.user)},
    )


@require_role(roles.can_write_reports)
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None, initial=services.defaults(), narrative=False)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.create_report(by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _refusal(request, exc)
        else:
            messages.success(request, "Đã lập dự thảo báo cáo. Hãy nhập các phần thuyết minh.")
            return redirect("reporting:report-edit", report.pk)
    return render(request, "reporting/report_form.html", {"form": form, "report": None})


@require_role(roles.can_view)
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    snapshot = None
    if report.is_issued:
        snapshot = ReportSnapshot.objects.filter(report=report).only("report_id", "pdf_sha256", "created_at").first()
    replaced_by = list(report.replaced_by.all())
    return render(
        request,
        "reporting/report_detail.html",
        {
            "report": report,
            "snapshot": snapshot,
            "replacement": next((r for r in replaced_by if r.is_issued), None),
            "draft_replacement": next((r for r in replaced_by if not r.is_issued), None),
            "can_write": roles.can_write_reports(request.user),
            "can_issue": roles.can_issue_reports(request.user),
            "can_download": report.is_issued or roles.can_write_reports(request.user),
        },
    )


@require_role(roles.can_view)
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft's scope and narrative; an issued report is refused, and stays as it was."""
    report = _report_for(request, pk, rule=roles.can_write_reports)
    if report.is_issued:
        messages.error(
            request, f"Báo cáo số {report.number} đã ban hành nên không thể sửa. Muốn đính chính, hãy tạo báo cáo thay thế."
        )
        return redirect("reporting:report-detail", report.pk)
    form = ReportForm(request.POST or None, instance=report)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_report(report=report, by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _refusal(request, exc)
            return redirect("reporting:report-detail", report.pk)
        messages.success(request, "Đã lưu dự thảo báo cáo.")
        return redirect("reporting:report-detail", report.pk)
    return render(request, "reporting/report_form.html", {"form": form, "report": report})


@require_role(roles.can_view)
@require_http_methods(["GET", "POST"])
def report_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a draft: its number and date, then its figures and files are frozen."""
    report = _report_for(request, pk, rule=roles.can_issue_reports)
    if report.is_issued:
        messages.error(request, f"Báo cáo này đã được ban hành (số {report.number}); không ban hành lại được.")
        return redirect("reporting:report-detail", report.pk)
    form = IssueForm(request.POST or None, initial={"date": report.report_date}, report=report)
    if request.method == "POST" and form.is_valid():
        # Rendering the PDF takes seconds: the issuing runs on the task queue, and its page
        # shows the progress, then the outcome (the service checks everything again there).
        date = form.cleaned_data["date"]
        job = jobs.start(
            kind="issue",
            title=f"Ban hành báo cáo {report.years_label} số {form.cleaned_data['number']}",
            handler="reporting.services.issue_report_job",
            user=request.user,
            params={"report": report.pk, "number": form.cleaned_data["number"], "date": date.isoformat() if date else None},
            back_url=reverse("reporting:report-detail", args=[report.pk]),
        )
        return redirect("jobs:job", job.pk)
    return render(request, "reporting/report_issue.html", {"form": form, "report": report})


@require_role(roles.can_view)
@require_POST
def report_replace(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a correction: a draft that replaces this issued report."""
    report = _report_for(request, pk, rule=roles.can_write_reports)
    try:
        replacement = services.create_replacement(report=report, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        _refusal(request, exc)
        return redirect("reporting:report-detail", report.pk)
    messages.success(request, f"Đã lập dự thảo thay thế báo cáo số {report.number}.")
    return redirect("reporting:report-edit", replacement.pk)


@require_role(roles.can_view)
@require_GET
def report_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The report on screen: an issued one as it was issued, a draft from current data."""
    report = _report_for(request, pk)
    if report.is_issued:
        return HttpResponse(_snapshot_field(report, "html"), content_type=CONTENT_TYPES["html"])
    figures = draft_figures(
        year_from=report.year_from, year_to=report.year_to, report_date=report.report_date, province=report.province
    )
    return HttpResponse(render_document(figures, report, links=True))


def _snapshot_field(report: Report, name: str):
    value = ReportSnapshot.objects.filter(report=report).values_list(name, flat=True).first()
    if value is None:
        raise Http404("Không tìm thấy bản lưu của báo cáo.")
    return bytes(value) if isinstance(value, memoryview) else value


def _filename(report: Report, fmt: str) -> str:
    if report.is_issued:
        stem = f"bao-cao-{report.number.replace('/', '-')}-{report.years_label}"
    else:
        stem = f"du-thao-bao-cao-{report.years_label}-{report.pk}"
    return f"{stem}.{fmt}"


@require_role(roles.can_view)
@require_GET
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """An issued report's kept file; a draft's made now from current data (department staff only:
    viewers download issued reports)."""
    if fmt not in CONTENT_TYPES:
        raise Http404("Định dạng không được hỗ trợ.")
    report = _report_for(request, pk)
    if report.is_issued:
        content = _issued_docx(report) if fmt == "docx" else _snapshot_field(report, fmt)
    else:
        if not roles.can_write_reports(request.user):
            raise PermissionDenied("Chỉ tải được báo cáo đã ban hành.")
        content = _draft_file(report, fmt)
    if fmt == "html":
        content = standalone_html(content.decode() if isinstance(content, bytes) else content)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, fmt)}"'
    return response


def _issued_docx(report: Report) -> bytes:
    """An issued report's Word file: the one kept at issue when the snapshot holds one, else
    made from the issued HTML (the text as issued, not today's data)."""
    if any(f.name == "docx" for f in ReportSnapshot._meta.get_fields()):
        kept = _snapshot_field(report, "docx")
        if kept:
            return kept
    from reporting.word import docx_from_html

    return docx_from_html(print_html(_snapshot_field(report, "html")))


def _draft_file(report: Report, fmt: str) -> bytes | str:
    figures = draft_figures(
        year_from=report.year_from, year_to=report.year_to, report_date=report.report_date, province=report.province
    )
    if fmt == "html":
        return render_document(figures, report, links=False)
    if fmt == "pdf":
        from reporting.pdf import render_pdf

        return render_pdf(figures, report)
    if fmt == "docx":
        from reporting.word import render_docx

        return render_docx(figures, report)
    from reporting.annexes import annex_workbook, reference
    from reporting.document import DocumentText

    text = DocumentText.for_report(report, year_from=report.year_from, year_to=report.year_to, report_date=report.report_date)
    return annex_workbook(figures, reference=reference(text))
