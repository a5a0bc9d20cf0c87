"""In-portal notifications: what ``send_reminders`` tells each user, with a bell in the header."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one user. ``key`` names what it is about (an instalment falling due, a
    contract's overdue episode): a user is told of each once, which makes the reminders
    idempotent (see khuyencong.office.reminders)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người nhận", on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField("nội dung nhắc", max_length=120)
    title = models.CharField("tiêu đề", max_length=300)
    body = models.TextField("nội dung", blank=True)
    link = models.CharField("đường dẫn", max_length=300, blank=True)
    letter = models.CharField("thư nhắc nợ", max_length=300, blank=True)
    created = models.DateTimeField("ngày tạo", auto_now_add=True)
    read_at = models.DateTimeField("đã đọc lúc", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "thông báo"
        verbose_name_plural = "thông báo"
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_user_and_key"),
        ]

    def __str__(self) -> str:
        return self.title
