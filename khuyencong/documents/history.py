"""The documents' part of a record's history page: each attached and each removed."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from khuyencong.core import roles
from khuyencong.core.history import Entry, change_log
from khuyencong.documents.models import Attachment

# The stored name, digest and the record's keys mean nothing to a reader of the history.
_HIDDEN = ("id", "content_type", "object_id", "file", "sha256", "mime_type", "uploaded_at", "uploaded_by")


def _describe(row) -> str:
    what = "Gỡ tài liệu" if row.removed_at else "Tài liệu"
    return f"{what} “{row.title}” ({row.original_name})"


def attachment_log(model: type[models.Model], ids, *, limit: int = 300) -> list[Entry]:
    """Entries for the documents of the records ``ids`` of ``model``, newest first."""
    history = Attachment.history.filter(content_type=ContentType.objects.get_for_model(model), object_id__in=list(ids))
    return change_log(history, model=Attachment, describe=_describe, exclude=_HIDDEN, limit=limit)


def visible_attachment_log(model: type[models.Model], ids, *, user, limit: int = 300) -> list[Entry]:
    """``attachment_log`` for a user who may see the documents of ``model``'s records, else nothing
    (registered with ``khuyencong.core.history.add_related_log``)."""
    if not roles.can_see_documents(user, model):
        return []
    return attachment_log(model, ids, limit=limit)
