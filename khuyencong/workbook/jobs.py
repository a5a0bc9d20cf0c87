"""The web import's two steps as background jobs (khuyencong.core.jobs runs them).

The upload stores the file under a random name and queues the preview: the dry run that counts
what each sheet would add or change and lists every bad row. Its job page shows the outcome
and, for a clean file, the confirm button, which queues the import of that same stored file
(never one sent again). Both jobs run as the user who uploaded the file and check that user's
role again when they run (a role taken away while the job waited counts).

The stored file is removed when the import has run, when the preview finds a problem (such a
file cannot be confirmed), and otherwise after ``KEEP_SECONDS`` by ``sweep_uploads`` — which
every preview job runs in the worker, so a preview never confirmed does not stay on disk.

The file goes through Django's storage API (``default_storage``: MEDIA_ROOT by default, the S3
store of docs/deploy.md in production), never a local path: the web machine that receives the
upload and the worker that runs its jobs may be different machines.
"""

from __future__ import annotations

import logging
import secrets
import time

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
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


UPLOADS = "nhap-xuat"  # the storage folder of the uploads waiting for their jobs


def stored_name(token: str) -> str:
    return f"{UPLOADS}/{token}.xlsx"


def store_upload(data: bytes) -> str:
    """Keep ``data`` until its jobs have run; returns the token that names it."""
    token = secrets.token_hex(24)
    default_storage.save(stored_name(token), ContentFile(data))
    return token


def read_upload(token: str) -> bytes:
    with default_storage.open(stored_name(token), "rb") as stored:
        return stored.read()


def remove_upload(token: str) -> None:
    default_storage.delete(stored_name(token))  # nothing happens when it is already gone


def sweep_uploads(*, older_than: float = KEEP_SECONDS) -> int:
    """Remove stored uploads older than ``older_than`` seconds (previews never confirmed);
    returns how many. A confirmed file is stored again under its import job's name when the
    import is queued, so the sweep leaves it to its job."""
    try:
        _, names = default_storage.listdir(UPLOADS)
    except FileNotFoundError:
        return 0
    cutoff = time.time() - older_than
    removed = 0
    for name in names:
        if not name.endswith(".xlsx"):
            continue
        try:
            if default_storage.get_modified_time(f"{UPLOADS}/{name}").timestamp() < cutoff:
                default_storage.delete(f"{UPLOADS}/{name}")
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
        remove_upload(job.params["token"])
        raise PermissionDenied("Người dùng không còn quyền nhập liệu nên không nhập được tệp.")
    token = job.params["token"]
    try:
        data = read_upload(token)
    except FileNotFoundError:
        raise ValidationError(NOT_FOUND) from None
    earlier = log.earlier_import(data)
    started = time.perf_counter()
    try:
        result = import_workbook(data, user=job.user, dry_run=dry_run, progress=progress)
    except WorkbookRefused as error:
        remove_upload(token)
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
        remove_upload(token)  # imported, or can never be confirmed
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
            # longer names anything, and the new file's date keeps the sweep away while it
            # waits. (The storage API has no rename: the file is stored again, then removed.)
            data = read_upload(preview.params["token"])
        except FileNotFoundError:
            raise ValidationError(NOT_FOUND) from None
        default_storage.save(stored_name(token), ContentFile(data))
        remove_upload(preview.params["token"])
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
