"""A background job as the user sees it: what it does, for whom, how far it is, what came of it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Job(models.Model):
    """One run of a handler on the task queue, on behalf of ``user`` (whose roles it applies).

    The live count of rows done is kept in the "jobs" cache while the job runs (the work happens
    inside one transaction, which other connections cannot see into); the record holds the
    state and, once finished, the result.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Đang chờ"
        RUNNING = "running", "Đang chạy"
        DONE = "done", "Hoàn thành"
        FAILED = "failed", "Không thành công"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("loại", max_length=30)
    title = models.CharField("tên công việc", max_length=300)
    handler = models.CharField("hàm xử lý", max_length=200)
    params = models.JSONField("tham số", default=dict)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người yêu cầu", on_delete=models.PROTECT, related_name="jobs"
    )
    status = models.CharField("trạng thái", max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField("đã xử lý", default=0)
    total = models.PositiveIntegerField("tổng số", default=0)
    result = models.JSONField("kết quả", default=dict, blank=True)
    message = models.TextField("thông báo", blank=True)
    back_url = models.CharField("trang quay lại", max_length=300, blank=True)
    created_at = models.DateTimeField("lúc yêu cầu", auto_now_add=True)
    started_at = models.DateTimeField("lúc bắt đầu", null=True, blank=True)
    finished_at = models.DateTimeField("lúc xong", null=True, blank=True)

    class Meta:
        verbose_name = "công việc chạy nền"
        verbose_name_plural = "công việc chạy nền"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
