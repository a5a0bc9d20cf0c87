"""The web import's two steps as background jobs (khuyencong.core.jobs runs them).

The upload stores the file under a random name and queues the preview: the dry run that counts
what each sheet would add or change and lists every bad row. Its job page shows the outcome
and, for a clean file, the confirm button, which queues the import of that same stored file
(never one sent again). Both jobs run as the user who uploaded the file and check that user's
role again when they run (a role taken away while the job waited counts).

The stored file is removed when the import has run, when the preview finds a problem (such a
file cannot be confirmed), and otherwise after ``KEEP_SECONDS`` by ``sweep_uploads`` — which
every preview job runs in the worker, so a preview never confirmed does not stay on disk.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from khuyencong.core import jobs, roles
from khuyencong.core.formatting import group_thousands
from khuyencong.core.jobs import Progress
from khuyencong.models import ImportLog
from khuyencong.workbook import log
from khuyencong.workbook.importer import ImportResult, import_workbook
from khuyencong.workbook.reader import WorkbookRefused

logger = logging.getLogger(__name__)

HANDLER = "khuyencong.workbook.jobs.import_job"
PREVIEW_HANDLER = "khuyencong.workbook.jobs.preview_job"
PREVIEW, IMPORT = "preview", "import"
KEEP_SECONDS = 24 * 3600
NOT_FOUND = "Không tìm thấy tệp đã kiểm tra; hãy tải tệp lên lại."


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "nhap-xuat"


def stored_path(token: str) -> Path:
    return upload_dir() / f"{token}.xlsx"


def store_upload(data: bytes) -> str:
    """Keep ``data`` until its jobs have run; returns the token that names it."""
    token = secrets.token_hex(24)
    upload_dir().mkdir(parents=True, exist_ok=True)
    stored_path(token).write_bytes(data)
    return token


def sweep_uploads(*, older_than: float = KEEP_SECONDS) -> int:
    """Remove stored uploads older than ``older_than`` seconds (previews never confirmed);
    returns how many. A confirmed file is touched when its import is queued, so the sweep
    leaves it to its job."""
    folder = upload_dir()
    if not folder.is_dir():
        return 0
    cutoff = time.time() - older_than
    removed = 0
    for path in folder.glob("*.xlsx"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:  # another process removed it first
            pass
    return removed


def result_data(result: ImportResult) -> dict:
    """What the job's page shows, as JSON: counts by sheet and every problem."""
    created = sum(c.created for c in result.counts.values())
    updated = sum(c.updated for c in result.counts.values())
    return {
        "counts": {
            name: {
                "created": c.created, "updated": c.updated, "unchanged": c.unchanged, "deleted": c.deleted, "skipped": c.skipped,
            }  # fmt: skip
            for name, c in result.counts.items()
        },
        "problems": [[p.sheet, p.row, p.column, p.message] for p in result.problems],
        "warnings": [[p.sheet, p.row, p.column, p.message] for p in result.warnings],
        "skipped": [[p.sheet, p.row, p.column, p.message] for p in result.skipped],
        "records": result.records,
        "rows": result.rows,
        "message": f"Thêm {group_thousands(created)} bản ghi, sửa {group_thousands(updated)} bản ghi." if result.applied else "",
    }


def _run(job, progress: Progress, *, dry_run: bool) -> tuple[ImportResult, dict]:
    """Import (or dry-run) the job's stored file; the result, and what the log adds to the job's
    page: the log's id and, for a dry run, when the same file was imported before."""
    if not roles.can_edit_records(job.user):
        stored_path(job.params["token"]).unlink(missing_ok=True)
        raise PermissionDenied("Người dùng không còn quyền nhập liệu nên không nhập được tệp.")
    path = stored_path(job.params["token"])
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError(NOT_FOUND) from None
    earlier = log.earlier_import(data)
    started = time.perf_counter()
    try:
        result = import_workbook(data, user=job.user, dry_run=dry_run, progress=progress)
    except WorkbookRefused as error:
        path.unlink(missing_ok=True)
        raise ValidationError(str(error)) from None
    try:
        entry = log.write_log(
            result=result,
            data=data,
            user=job.user,
            filename=job.params.get("name", ""),
            source=ImportLog.Source.WEB,
            seconds=time.perf_counter() - started,
        )
    except Exception:  # the import has run (and may have committed): a log not written must not hide it
        logger.exception("import log of job %s not written", job.pk)
        entry = None
    if not dry_run or result.problems:
        path.unlink(missing_ok=True)  # imported, or can never be confirmed
    progress("Xong", result.rows, result.rows)
    return result, {"log": entry.pk if entry else None, "already_imported": log.earlier_import_note(earlier) if dry_run else ""}


def preview_job(job, progress: Progress) -> tuple[bool, dict]:
    """The dry run of the stored file: done (with its problems, if any) once every row is checked."""
    sweep_uploads()
    result, logged = _run(job, progress, dry_run=True)
    return True, {**result_data(result), **logged}


def import_job(job, progress: Progress) -> tuple[bool, dict]:
    result, logged = _run(job, progress, dry_run=False)
    return result.applied, {**result_data(result), **logged}


def start_preview(*, user, data: bytes, name: str, back_url: str = ""):
    """Store the upload and queue its dry run; returns the job (its page shows the outcome)."""
    token = store_upload(data)
    return jobs.start(
        kind=PREVIEW,
        title=f"Kiểm tra tệp {name}",
        handler=PREVIEW_HANDLER,
        user=user,
        params={"token": token, "name": name[:200]},
        back_url=back_url,
    )


def confirm_refusal(preview) -> str:
    """Why ``preview`` cannot be confirmed, or "" when it can."""
    if preview.kind != PREVIEW:
        return NOT_FOUND
    if not preview.finished:
        return "Tệp chưa kiểm tra xong; hãy chờ kết quả kiểm tra rồi mới xác nhận."
    if preview.status != preview.Status.DONE or preview.result.get("problems"):
        return "Tệp có lỗi nên không thể nhập; hãy sửa các dòng sai trong tệp rồi tải lên lại."
    if preview.result.get("import_job"):
        return "Tệp này đã được xác nhận nhập; không nhập lại được."
    return ""


def confirm_preview(*, preview, user, back_url: str = ""):
    """Queue the import of the file ``preview`` checked, for the user who uploaded it; returns
    the import job. Raises ValidationError when it cannot be confirmed (see confirm_refusal),
    PermissionDenied for another user's preview."""
    if preview.user_id != user.pk or not roles.can_edit_records(user):
        raise PermissionDenied("Chỉ người đã tải tệp lên mới xác nhận nhập được tệp.")
    Job = apps.get_model("jobs", "Job")
    with transaction.atomic():
        # Locked, so that two confirms of one preview (a double click) queue one import.
        preview = Job.objects.select_for_update().get(pk=preview.pk)
        refusal = confirm_refusal(preview)
        if refusal:
            raise ValidationError(refusal)
        token = secrets.token_hex(24)
        try:
            # The import job owns the file under a name of its own: the preview's token no
            # longer names anything, and a fresh mtime keeps the sweep away while it waits.
            os.rename(stored_path(preview.params["token"]), stored_path(token))
        except FileNotFoundError:
            raise ValidationError(NOT_FOUND) from None
        os.utime(stored_path(token))
        job = Job.objects.create(
            kind=IMPORT,
            title=f"Nhập tệp {preview.params.get('name', '')}"[:300],
            handler=HANDLER,
            user=user,
            params={"token": token, "name": preview.params.get("name", ""), "preview": str(preview.pk)},
            back_url=back_url,
        )
        preview.result = {**preview.result, "import_job": str(job.pk)}
        preview.save(update_fields=["result"])
    return jobs.enqueue(job)
