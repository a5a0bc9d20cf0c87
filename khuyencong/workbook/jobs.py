"""The web import's confirm step as a background job (khuyencong.core.jobs runs it).

The job imports the file the preview stored, as the user who confirmed it and under that
user's role (checked again: a role taken away while the job waited counts), then removes the
stored file. What it did, or every problem, is kept on the job's record.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from khuyencong.core import roles
from khuyencong.core.formatting import group_thousands
from khuyencong.core.jobs import Progress
from khuyencong.workbook.importer import ImportResult, import_workbook
from khuyencong.workbook.reader import WorkbookRefused

HANDLER = "khuyencong.workbook.jobs.import_job"


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "nhap-xuat"


def stored_path(token: str) -> Path:
    return upload_dir() / f"{token}.xlsx"


def result_data(result: ImportResult) -> dict:
    """What the job's page shows, as JSON: counts by sheet and every problem."""
    created = sum(c.created for c in result.counts.values())
    updated = sum(c.updated for c in result.counts.values())
    return {
        "counts": {
            name: {"created": c.created, "updated": c.updated, "unchanged": c.unchanged, "deleted": c.deleted}
            for name, c in result.counts.items()
        },
        "problems": [[p.sheet, p.row, p.column, p.message] for p in result.problems],
        "rows": result.rows,
        "message": f"Thêm {group_thousands(created)} bản ghi, sửa {group_thousands(updated)} bản ghi." if result.applied else "",
    }


def import_job(job, progress: Progress) -> tuple[bool, dict]:
    if not roles.can_edit_records(job.user):
        raise PermissionDenied("Người dùng không còn quyền nhập liệu nên không nhập được tệp.")
    path = stored_path(job.params["token"])
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError("Không tìm thấy tệp đã kiểm tra; hãy tải tệp lên lại.") from None
    try:
        result = import_workbook(data, user=job.user, progress=progress)
    except WorkbookRefused as error:
        raise ValidationError(str(error)) from None
    finally:
        path.unlink(missing_ok=True)
    progress("Xong", result.rows, result.rows)
    return result.applied, result_data(result)
