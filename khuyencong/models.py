"""The project's own records (the apps keep theirs)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class PasswordChangeFailure(models.Model):
    """A wrong current password typed on the password-change form: counted per user by
    khuyencong.security so that a stolen session cannot guess the password without limit."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "lần nhập sai mật khẩu hiện tại"
        verbose_name_plural = "các lần nhập sai mật khẩu hiện tại"
        indexes = [models.Index(fields=["user", "at"], name="password_change_failure_at")]

    def __str__(self) -> str:
        return f"{self.user} — {self.at:%d/%m/%Y %H:%M}"


class ImportLog(models.Model):
    """One run of the workbook import, dry or applied, from the web page or the command: who,
    when, which file (kept, by its sha256, so a file imported twice shows twice with the same
    hash), what each sheet added, changed, skipped and refused, and links to the records it
    added or changed (khuyencong.workbook.log)."""

    class Source(models.TextChoices):
        WEB = "web", "Trang Nhập/xuất"
        COMMAND = "command", "Dòng lệnh"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người nhập", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("lúc nhập", default=timezone.now, db_index=True)
    source = models.CharField("nhập từ", max_length=10, choices=Source.choices)
    dry_run = models.BooleanField("chỉ kiểm tra", default=False)
    applied = models.BooleanField("đã ghi dữ liệu", default=False)
    filename = models.CharField("tên tệp", max_length=255)
    file = models.FileField("tệp đã nhập", max_length=200, blank=True)  # a random name, never the uploaded one
    sha256 = models.CharField("mã băm SHA-256", max_length=64, db_index=True)
    rows = models.PositiveIntegerField("số dòng", default=0)
    errors = models.PositiveIntegerField("số lỗi", default=0)
    seconds = models.FloatField("thời gian (giây)", default=0)
    # {sheet: {created, updated, unchanged, deleted, skipped, errors}}
    counts = models.JSONField("số dòng theo sheet", default=dict, blank=True)
    # {sheet: {"created": [[label, url], …], "updated": […], "created_total": n, "updated_total": n}}
    records = models.JSONField("bản ghi đã thêm, sửa", default=dict, blank=True)

    class Meta:
        verbose_name = "lần nhập bảng tính"
        verbose_name_plural = "nhật ký nhập bảng tính"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} — {timezone.localtime(self.at):%d/%m/%Y %H:%M}"
