"""Documents in the admin: read only. Attaching goes through the screens
(``services.attach``, which checks the content); an admin form would store any file unchecked."""

from django.contrib import admin

from khuyencong.core.admin import HistoryAdmin, ReadOnlyAdminMixin
from khuyencong.documents.models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    list_display = ["title", "kind", "content_type", "object_id", "original_name", "size", "uploaded_by", "uploaded_at",
                    "removed_at"]
    list_filter = ["kind", "content_type", ("removed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["content_type", "uploaded_by"]
    search_fields = ["title", "original_name", "sha256"]
    # No link to the stored file: the admin has no download of its own (the screens' one checks the role).
    exclude = ["file"]
    readonly_fields = ["content_type", "object_id", "kind", "title", "original_name", "size", "mime_type", "sha256",
                       "uploaded_by", "uploaded_at", "removed_at", "removed_by"]
