"""The web import: upload → dry run (counts and every bad row) → confirm; the template and the export.

The uploaded file waits between preview and confirm in MEDIA_ROOT under a random name that only
the uploader's session knows; the confirm puts the import of that stored file, never one sent
again, on the task queue (khuyencong.workbook.jobs) and sends the user to the job's page, which
shows the progress and then the result. The job re-checks the file, so a file with any bad row
cannot be confirmed, and a large one no longer holds a web worker until it times out.
"""

from __future__ import annotations

import secrets
import time

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khuyencong.core import jobs, roles
from khuyencong.core.access import require_role
from khuyencong.workbook import (
    XLSX_CONTENT_TYPE,
    WorkbookRefused,
    export_workbook,
    import_workbook,
    template_workbook,
)
from khuyencong.workbook.jobs import HANDLER, stored_path, upload_dir
from khuyencong.workbook.reader import check_xlsx, read_bytes
from khuyencong.workbook.sheets import SHEETS

SESSION_KEY = "workbook_upload"
KEEP_SECONDS = 24 * 3600


def _forget(request: HttpRequest) -> None:
    upload = request.session.pop(SESSION_KEY, None)
    if upload:
        stored_path(upload["token"]).unlink(missing_ok=True)


def _sweep() -> None:
    """Remove uploads left behind by previews that were never confirmed."""
    folder = upload_dir()
    if not folder.is_dir():
        return
    cutoff = time.time() - KEEP_SECONDS
    for path in folder.glob("*.xlsx"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def _download(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_role(roles.can_edit_records)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: store the file and show the dry run."""
    if request.method == "GET":
        return render(request, "workbook/import.html", {"sheets": SHEETS})
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return render(request, "workbook/import.html", {"sheets": SHEETS, "error": "Hãy chọn tệp .xlsx để nhập."}, status=400)
    try:
        data = read_bytes(uploaded)
        check_xlsx(data)
        result = import_workbook(data, user=request.user, dry_run=True)
    except WorkbookRefused as error:
        return render(request, "workbook/import.html", {"sheets": SHEETS, "error": str(error)}, status=400)

    _forget(request)
    _sweep()
    token = None
    if result.ok:
        token = secrets.token_hex(24)
        upload_dir().mkdir(parents=True, exist_ok=True)
        stored_path(token).write_bytes(data)
        request.session[SESSION_KEY] = {"token": token, "name": uploaded.name[:200]}
    return render(request, "workbook/preview.html", {"result": result, "token": token, "name": uploaded.name})


@require_role(roles.can_edit_records)
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    """Import the file the preview stored, if the session's token matches and it is still clean."""
    upload = request.session.get(SESSION_KEY)
    token = request.POST.get("token", "")
    if not upload or not secrets.compare_digest(upload["token"], token) or not stored_path(token).is_file():
        messages.error(request, "Không tìm thấy tệp đã kiểm tra; hãy tải tệp lên lại.")
        return redirect("workbook:import")
    request.session.pop(SESSION_KEY, None)  # the job owns the stored file now, and removes it
    job = jobs.start(
        kind="import",
        title=f"Nhập tệp {upload['name']}",
        handler=HANDLER,
        user=request.user,
        params={"token": token, "name": upload["name"]},
        back_url=reverse("workbook:import"),
    )
    return redirect("jobs:job", job.pk)


@require_role(roles.can_edit_records)
@require_GET
def template(request: HttpRequest) -> HttpResponse:
    return _download(template_workbook(), "mau-nhap-lieu-khuyen-cong.xlsx")


@require_role(roles.can_view)
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The whole database in the workbook's format."""
    return _download(export_workbook(), f"khuyen-cong-{timezone.localdate():%Y-%m-%d}.xlsx")
