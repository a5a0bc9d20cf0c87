"""Attach and remove documents: the one way a document is stored or taken off a record.

Both check the role (``roles.can_attach_documents``); ``attach`` checks the file with
``validation.check_upload`` before anything is written, so a refused file leaves neither a row
nor a stored file. The history row names the user and the reason.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone

from khuyencong.core import roles
from khuyencong.documents import attachable
from khuyencong.documents.models import Attachment
from khuyencong.documents.validation import check_upload


def safe_original_name(name: str) -> str:
    """The user's file name without any folder, control character or quote, at most 255 chars."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?;').strip(" .")
    return (name or "tai-lieu")[-255:]


@transaction.atomic
def attach(*, record: models.Model, upload: UploadedFile, kind: str, title: str, by) -> Attachment:
    if attachable.of(record) is None:
        raise ValidationError("Loại hồ sơ này không đính kèm tài liệu được.")
    if not roles.can_attach_documents(by, record):
        raise PermissionDenied("Bạn không có quyền đính kèm tài liệu vào hồ sơ này.")
    checked = check_upload(upload)
    original = safe_original_name(upload.name or "")
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        kind=kind,
        # No title typed: the file's name, within the title's length (a long name is common).
        title=(title or "").strip() or original[: Attachment._meta.get_field("title").max_length],
        original_name=original,
        size=checked.size,
        mime_type=checked.kind.mime,
        sha256=checked.sha256,
        uploaded_by=by,
        uploaded_at=timezone.now(),
    )
    attachment.full_clean(exclude=["file"])
    upload.seek(0)
    # Through the storage API (FileSystemStorage under MEDIA_ROOT, or S3 in production); the
    # name given is only for its extension (stored_name draws a random one).
    attachment.file.save(f"x{checked.extension}", upload, save=False)
    attachment._history_user = by
    attachment._change_reason = "Đính kèm tài liệu"
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)  # no orphan file when the row cannot be written
        raise
    return attachment


@transaction.atomic
def remove(*, attachment: Attachment, by) -> Attachment:
    """Take a document off its record: kept, with who removed it and when (never deleted)."""
    record = attachment.record
    if record is None or not roles.can_attach_documents(by, record):
        raise PermissionDenied("Bạn không có quyền gỡ tài liệu của hồ sơ này.")
    locked = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if locked.removed_at is not None:
        raise ValidationError("Tài liệu này đã được gỡ.")
    locked.removed_at = timezone.now()
    locked.removed_by = by
    locked._history_user = by
    locked._change_reason = "Gỡ tài liệu"
    locked.save()
    return locked
