"""The report screens: the draft document from a URL, the figures' records, and the reports as
records (list, create, edit, preview, issue, replace, download).

Everyone signed in reads; department staff create, edit and issue (khuyencong.core.roles). A draft
is rendered from current data with its record's narrative; an issued report serves only what
was kept when it was issued (reporting.models.ReportSnapshot).
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khuyencong.core import dataversion, jobs, roles
from khuyencong.core.access import get_for_user, require_role
from reporting import checks, outline, sentences, services
from reporting.document import draft_figures, period_label, render_document, report_province, standalone_html
from reporting.drilldown import MONEY_COLUMNS, SNAPSHOT_KEY, build_page, figure_page
from reporting.forms import MAX_SPAN, MAX_YEAR, MIN_YEAR, IssueForm, ReportForm
from reporting.models import Report, ReportSnapshot
from reporting.narrative import narrative_html
from reporting.templatetags.report_tags import without_figure_links

PREVIEW_MAX_CHARS = 100_000  # a section longer than this is previewed in part

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "json": "application/json",
}
# The snapshot's field of each format (the package is kept as JSON data).
SNAPSHOT_FIELDS = {"html": "html", "pdf": "pdf", "xlsx": "xlsx", "docx": "docx", "json": "package"}


def _period(year_from: int, year_to: int, report_date: str | None) -> datetime.date:
    """The report date of a URL; 404 for years a report may not have (the report form's rule:
    reversed, out of range, too long) or a date that is not a date."""
    if not MIN_YEAR <= year_from <= year_to <= MAX_YEAR or year_to - year_from >= MAX_SPAN:
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

    def document() -> str:
        province = _scope(request, year_from, year_to)
        # The annexes' tables grow with the data (a row per đề án, contract, product): the screen
        # prints their headings and leaves the tables to the files, so the page does not grow.
        figures = draft_figures(
            year_from=year_from, year_to=year_to, report_date=report_date, province=province, annexes=False
        )
        return render_document(figures, links=True, annex_tables=False)

    # The same for every reader until a record changes (khuyencong.core.dataversion): a period's
    # draft is read far more often than the data under it is written.
    province_asked = hashlib.sha256((request.GET.get("tinh") or "").strip().encode()).hexdigest()[:16]
    key = f"draft:{year_from}:{year_to}:{report_date}:{timezone.localdate()}:{province_asked}"
    return HttpResponse(dataversion.cached(key, document))


def _scope(request: HttpRequest, year_from: int, year_to: int):
    """The province of a draft URL: ?tinh=67 (or a name) for one former province; without it
    the portal's own for the period (reporting.document.report_province)."""
    try:
        return report_province(request.GET.get("tinh"), year_from, year_to)
    except ValueError as exc:
        raise Http404(str(exc)) from exc


@require_role(roles.can_view)
@require_GET
def figure_records(request: HttpRequest, figure: str, year_from: int, year_to: int, report_date: str) -> HttpResponse:
    """The records a figure of a draft report counts, with the amounts that make it up, from
    current data (reporting.drilldown)."""
    as_of = _period(year_from, year_to, report_date)
    if figure_page(figure) is None:
        raise Http404("Không có số liệu này trong báo cáo.")
    province = _scope(request, year_from, year_to)
    figures = draft_figures(year_from=year_from, year_to=year_to, report_date=as_of, province=province)
    page = build_page(figures, figure)
    if page is None:
        raise Http404("Không có số liệu này trong báo cáo.")
    back = reverse("reporting:draft-document", kwargs={"year_from": year_from, "year_to": year_to})
    scope = f"tinh={province.code}" if (request.GET.get("tinh") or "").strip() else ""
    return _figure_page(request, page, report=None, back_url=f"{back}?ngay={as_of.isoformat()}{'&' + scope if scope else ''}")


@require_role(roles.can_view)
@require_GET
def report_figure(request: HttpRequest, pk: int, figure: str) -> HttpResponse:
    """The records a figure of a report counts: an issued report's as they were at issue (kept
    in its snapshot), a draft's from current data."""
    report = _report_for(request, pk)
    if figure_page(figure) is None:
        raise Http404("Không có số liệu này trong báo cáo.")
    if report.is_issued:
        page = ReportSnapshot.objects.filter(report=report).values_list(f"figures__{SNAPSHOT_KEY}__{figure}", flat=True).first()
    else:
        figures = draft_figures(
            year_from=report.year_from, year_to=report.year_to, report_date=report.report_date, province=report.province
        )
        page = build_page(figures, figure)
    if not page:  # not a figure of this report, or issued before the pages were kept
        raise Http404("Báo cáo này không có danh sách bản ghi của số liệu này.")
    return _figure_page(request, page, report=report, back_url=reverse("reporting:report-document", args=[report.pk]))


def _figure_page(request: HttpRequest, page: dict, *, report: Report | None, back_url: str) -> HttpResponse:
    period = period_label(page["year_from"], page["year_to"])
    summary = page["totals"]
    items, grand_last, last_label = [], None, ""
    if page["layout"] == "projects":
        items = [
            {"label": c["label"].removesuffix(" (đồng)").lower(), "money": c["key"] in MONEY_COLUMNS, "value": value}
            for c, value in zip(page["columns"], summary["amounts"], strict=True)
        ]
        several = sum(1 for s in page["sections"] if s["kind"] == "projects") > 1
        if several and page["columns"][-1]["key"] in MONEY_COLUMNS:  # each level's share of the money
            grand_last, last_label = summary["amounts"][-1], items[-1]["label"]
    return render(
        request,
        "reporting/figure_records.html",
        {
            "page": page,
            "report": report,
            "period": period,
            "report_date": datetime.date.fromisoformat(page["report_date"]),
            "summary": summary,
            "summary_items": items,
            "grand_last": grand_last,
            "last_label": last_label,
            "back_url": back_url,
        },
    )


# --- Reports as records ----------------------------------------------------------------------


def _reports():
    """Reports with what their pages name: who issued them, what they replace, what replaced them."""
    return Report.objects.select_related("issued_by", "replaces", "province").prefetch_related(
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
        snapshot = ReportSnapshot.objects.filter(report=report).only("report_id", "pdf_sha256", "signed", "created_at").first()
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
    form.paragraph_texts = _paragraph_texts(report)
    return render(request, "reporting/report_form.html", {"form": form, "report": report})


def _paragraph_texts(report: Report) -> dict[str, str]:
    """What each generated paragraph of a draft says on today's data (the edit screen shows it
    beside its switch); a paragraph with nothing to say is ""."""
    figures = draft_figures(
        year_from=report.year_from, year_to=report.year_to, report_date=report.report_date, province=report.province
    )
    place = report.place or settings.ORGANISATION["place_name"]
    said = {p.key: p.text for ps in sentences.generated(figures, place).values() for p in ps}
    return {key: said.get(key, "") for key in outline.paragraph_keys()}


@require_role(roles.can_view)
@require_POST
def narrative_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The HTML a section's text prints as (the edit screen's live preview): the document's own
    narrative_html, numbered as in the section."""
    _report_for(request, pk, rule=roles.can_write_reports)
    section = outline.section(request.POST.get("section", ""))
    if section is None or not section.free_text:
        return HttpResponseBadRequest("Mục không có trong đề cương báo cáo.")
    text = request.POST.get("text", "")[:PREVIEW_MAX_CHARS]
    return HttpResponse(narrative_html(text, outline.headings_for(section)), content_type="text/html; charset=utf-8")


@require_role(roles.can_view)
@require_http_methods(["GET", "POST"])
def report_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a draft: its number and date, then its figures and files are frozen."""
    report = _report_for(request, pk, rule=roles.can_issue_reports)
    if report.is_issued:
        messages.error(request, f"Báo cáo này đã được ban hành (số {report.number}); không ban hành lại được.")
        return redirect("reporting:report-detail", report.pk)
    findings = checks.report_checks(report)
    form = IssueForm(request.POST or None, initial={"date": report.report_date}, report=report)
    if request.method == "POST" and form.is_valid():
        date = form.cleaned_data["date"]
        if date != report.report_date:  # the debts are taken at the issuing date
            findings = checks.report_checks(report, report_date=date)
        acknowledged = form.cleaned_data["acknowledged"]
        refused = checks.refusal(findings, acknowledged)
        for message in refused:
            form.add_error(None, message)
        if not refused:
            # Rendering the PDF takes seconds: the issuing runs on the task queue, and its page
            # shows the progress, then the outcome (the service checks everything again there).
            job = jobs.start(
                kind="issue",
                title=f"Ban hành báo cáo {report.years_label} số {form.cleaned_data['number']}",
                handler="reporting.services.issue_report_job",
                user=request.user,
                params={
                    "report": report.pk,
                    "number": form.cleaned_data["number"],
                    "date": date.isoformat(),
                    "acknowledged": sorted(acknowledged),
                },
                back_url=reverse("reporting:report-detail", args=[report.pk]),
            )
            return redirect("jobs:job", job.pk)
    blocked = any(finding.is_blocking for finding in findings)
    context = {"form": form, "report": report, "findings": findings, "blocked": blocked}
    return render(request, "reporting/report_issue.html", context)


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
        content = _snapshot_field(report, SNAPSHOT_FIELDS[fmt])
        if not content:  # issued before the Word file and the package were kept
            raise Http404("Báo cáo này được ban hành trước khi hệ thống lưu tệp Word và gói dữ liệu gửi Bộ.")
        if fmt == "json":
            content = json.dumps(content, ensure_ascii=False, indent=2).encode()
    elif fmt == "json":
        raise Http404("Gói dữ liệu gửi Bộ chỉ có khi báo cáo đã ban hành.")
    else:
        if not roles.can_write_reports(request.user):
            raise PermissionDenied("Chỉ tải được báo cáo đã ban hành.")
        content = _draft_file(report, fmt)
    if fmt == "html":
        content = standalone_html(without_figure_links(content.decode() if isinstance(content, bytes) else content))
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, fmt)}"'
    return response


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
