"""Documents attached to records (đề án, contracts, lawsuits, reports).

The record is a generic relation (content type + id) limited to the types of the declared list
``khuyencong.documents.attachable.ATTACHABLE``: a new record type is one line there and no
migration, where explicit foreign keys would need a column, a migration and an edit of the
"exactly one is set" check constraint for each. What the database no longer guarantees (the
record exists, its type is listed) ``Attachment.clean`` checks, and the records listed are never
deleted once they carry documents that matter (đề án and contracts are PROTECT'ed by their
money; an issued report is frozen).

The file is stored through Django's storage API under a random name (``stored_name``), never the
user's: the user's name is kept in ``original_name`` and used only in the download's
Content-Disposition. Nothing is served from MEDIA_URL; ``documents.views.download`` checks
``roles.can_see_documents`` first.

A document is never deleted: removing it sets ``removed_at``/``removed_by`` (a history row names
who and when), and it leaves the lists and the download.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from khuyencong.core.history import HistoricalRecords
from khuyencong.documents import attachable


def stored_name(instance: Attachment, filename: str) -> str:
    """A random name under tai-lieu/<year>/: the user's name never reaches the storage (no path
    tricks, no clash, nothing to guess). The extension is the one the content was checked as."""
    extension = filename[filename.rfind("."):] if "." in filename else ""
    return f"tai-lieu/{instance.uploaded_at:%Y}/{uuid.uuid4().hex}{extension.lower()}"


class AttachmentQuerySet(models.QuerySet):
    def current(self) -> AttachmentQuerySet:
        return self.filter(removed_at__isnull=True)

    def of(self, record: models.Model) -> AttachmentQuerySet:
        return self.filter(content_type=ContentType.objects.get_for_model(record), object_id=record.pk)


class Attachment(models.Model):
    class Kind(models.TextChoices):
        DECISION = "decision", "Quyết định"
        CONTRACT = "contract", "Hợp đồng"
        ACCEPTANCE = "acceptance", "Biên bản nghiệm thu"
        PAYMENT = "payment", "Chứng từ thanh toán"
        OTHER = "other", "Khác"

    content_type = models.ForeignKey(
        ContentType, verbose_name="loại hồ sơ", on_delete=models.PROTECT, limit_choices_to=attachable.content_type_filter
    )
    object_id = models.PositiveBigIntegerField("mã hồ sơ")
    record = GenericForeignKey("content_type", "object_id")
    kind = models.CharField("loại tài liệu", max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField("tên tài liệu", max_length=200)
    file = models.FileField("tệp", upload_to=stored_name, max_length=200)
    original_name = models.CharField("tên tệp gốc", max_length=255)
    size = models.PositiveBigIntegerField("dung lượng (byte)")
    mime_type = models.CharField("định dạng", max_length=100)
    sha256 = models.CharField("mã SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người tải lên", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("thời điểm tải lên")
    removed_at = models.DateTimeField("thời điểm gỡ", null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người gỡ", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AttachmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "tài liệu đính kèm"
        verbose_name_plural = "tài liệu đính kèm"
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_record")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(removed_at__isnull=True, removed_by__isnull=True)
                | models.Q(removed_at__isnull=False, removed_by__isnull=False),
                name="attachment_removed_with_who",
                violation_error_message="Gỡ tài liệu phải ghi người gỡ và thời điểm gỡ.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    def clean(self) -> None:
        if self.content_type_id is None:
            return
        model = self.content_type.model_class()
        if model is None or not any(entry.model is model for entry in attachable.ATTACHABLE):
            raise ValidationError({"content_type": "Loại hồ sơ này không đính kèm tài liệu được."})
        if not model._default_manager.filter(pk=self.object_id).exists():
            raise ValidationError({"object_id": "Không tìm thấy hồ sơ để đính kèm tài liệu."})
