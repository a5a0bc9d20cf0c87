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
