"""``{% attachments record %}``: a record's documents and the upload form, on any record page.

One snippet for every attachable record, so the detail views need no change: what the user may
see and do is asked of ``roles`` here.
"""

from __future__ import annotations

from django import template
from django.urls import reverse

from khuyencong.core import roles
from khuyencong.documents import attachable
from khuyencong.documents.forms import AttachmentForm
from khuyencong.documents.history import attachment_log
from khuyencong.documents.models import Attachment

register = template.Library()


@register.inclusion_tag("documents/attachments.html", takes_context=True)
def attachments(context, record, heading: str = "Tài liệu đính kèm", compact: bool = False) -> dict:
    user = context["request"].user
    entry = attachable.of(record)
    key = f"{entry.slug}-{record.pk}"
    can_see = roles.can_see_documents(user, record)
    can_attach = roles.can_attach_documents(user, record) and can_see
    rows = list(Attachment.objects.of(record).current().select_related("uploaded_by")) if can_see else []
    return {
        "record": record,
        "key": key,
        "heading": heading,
        "compact": compact,
        "can_see": can_see,
        "can_attach": can_attach,
        "rows": rows,
        "form": AttachmentForm(prefix_id=key) if can_attach else None,
        "upload_url": reverse("documents:upload", args=[entry.slug, record.pk]),
        "changes": attachment_log(type(record), [record.pk], limit=10) if can_see and not compact else [],
        "csrf_token": context.get("csrf_token"),
    }
