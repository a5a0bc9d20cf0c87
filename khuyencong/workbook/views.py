"""The web import: upload → dry run (counts and every bad row) → confirm; the template and the export.

Both steps run on the task queue (khuyencong.workbook.jobs): the upload stores the file under a
random name and queues its dry run, and the preview job's page shows the progress, then the
counts and every bad row and, for a clean file, the confirm button, which queues the import of
that stored file (never one sent again). So a workbook of 100.000 rows holds no web worker
until it times out, at either step. Only the uploader (or a superuser) sees the jobs.
"""

from __future__ import annotations

import uuid

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khuyencong.core import roles
from khuyencong.core.access import require_role
from khuyencong.models import ImportLog
from khuyencong.workbook import XLSX_CONTENT_TYPE, WorkbookRefused, export_workbook, template_workbook
from khuyencong.workbook.jobs import NOT_FOUND, confirm_preview, start_preview
from khuyencong.workbook.reader import check_xlsx, read_bytes
from khuyencong.workbook.sheets import SHEETS


def _download(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _refused(request: HttpRequest, error: str) -> HttpResponse:
    return render(request, "workbook/import.html", {"sheets": SHEETS, "error": error}, status=400)


@require_role(roles.can_edit_records)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: store the file and queue its dry run; on to the job's page."""
    if request.method == "GET":
        return render(request, "workbook/import.html", {"sheets": SHEETS})
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return _refused(request, "Hãy chọn tệp .xlsx để nhập.")
    try:
        # The archive limits cost milliseconds, so a file that is not a workbook, or a bomb,
        # is refused here at once; reading every row is the job's.
        data = read_bytes(uploaded)
        check_xlsx(data)
    except WorkbookRefused as error:
        return _refused(request, str(error))
    job = start_preview(user=request.user, data=data, name=uploaded.name, back_url=reverse("workbook:import"))
    return redirect("jobs:job", job.pk)


@require_role(roles.can_edit_records)
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    """Queue the import of the file a clean preview job of this user's checked."""
    Job = apps.get_model("jobs", "Job")
    preview = Job.objects.filter(pk=_uuid(request.POST.get("job", "")), user=request.user).first()
    if preview is None:
        messages.error(request, NOT_FOUND)
        return redirect("workbook:import")
    try:
        job = confirm_preview(preview=preview, user=request.user, back_url=reverse("workbook:import"))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
        return redirect("jobs:job", preview.pk)
    return redirect("jobs:job", job.pk)


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@require_role(roles.can_edit_records)
@require_GET
def template(request: HttpRequest) -> HttpResponse:
    return _download(template_workbook(), "mau-nhap-lieu-khuyen-cong.xlsx")


@require_role(roles.can_view)
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The whole database in the workbook's format."""
    return _download(export_workbook(), f"khuyen-cong-{timezone.localdate():%Y-%m-%d}.xlsx")


LOG_PAGE = 50


@require_role(roles.can_edit_records)
@require_GET
def log_list(request: HttpRequest) -> HttpResponse:
    """Every run of the import, newest first, the office's (not only the user's own)."""
    logs = ImportLog.objects.select_related("user").defer("records", "counts")
    page = Paginator(logs, LOG_PAGE).get_page(request.GET.get("page"))
    return render(request, "workbook/log_list.html", {"page": page})


@require_role(roles.can_edit_records)
@require_GET
def log_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(ImportLog.objects.select_related("user"), pk=pk)
    same_file = ImportLog.objects.filter(sha256=entry.sha256).exclude(pk=entry.pk).select_related("user")
    counts = [(sheet, entry.counts[sheet.name]) for sheet in SHEETS if sheet.name in entry.counts]
    return render(
        request,
        "workbook/log_detail.html",
        {"entry": entry, "counts": counts, "records": entry.records, "same_file": same_file},
    )


@require_role(roles.can_edit_records)
@require_GET
def log_file(request: HttpRequest, pk: int) -> FileResponse:
    """The file a run read, as it was uploaded, under its uploaded name; never shown inline."""
    entry = get_object_or_404(ImportLog, pk=pk)
    if not entry.file or not default_storage.exists(entry.file.name):
        raise Http404("Tệp của lần nhập này không còn lưu.")
    return FileResponse(
        default_storage.open(entry.file.name, "rb"),
        as_attachment=True,
        filename=entry.filename or "bang-tinh.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
