"""The accounts page of the admin: an account is deactivated, never deleted.

Every historical row names the account that acted (``history_user``, PROTECT: see
khuyencong.core.history.HistoricalRecords), so deleting an account would either be refused or,
before that rule, leave "who" blank on everything it did. Here there is no delete, only
"Ngừng hoạt động": the account can no longer sign in and its name stays on its records.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from khuyencong.core.formatting import group_thousands

User = get_user_model()

admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    actions = ["deactivate"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description="Ngừng hoạt động các tài khoản đã chọn", permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet) -> None:
        # Not one's own account: the administrator would lock themself out mid-session.
        if queryset.filter(pk=request.user.pk).exists():
            messages.error(request, "Không thể tự ngừng hoạt động tài khoản đang đăng nhập; hãy bỏ chọn tài khoản của mình.")
            return
        count = queryset.filter(is_active=True).update(is_active=False)
        messages.success(
            request,
            f"Đã ngừng hoạt động {group_thousands(count)} tài khoản. Tên của họ vẫn ghi trong lịch sử các bản ghi họ đã làm.",
        )
