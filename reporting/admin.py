"""Admin for the BC-SCT report records: drafts are edited here, issued reports only read.

Issuing (number, time, snapshot of the figures) is a workflow of its own, so the status and
issue fields are read-only here; an issued report cannot be changed or deleted.
"""

from __future__ import annotations

from django.contrib import admin

from khuyencong.core.admin import ConstraintMinimumsMixin, ExplainedProtectionMixin, HistoryAdmin

from .models import Report


@admin.register(Report)
class ReportAdmin(ExplainedProtectionMixin, ConstraintMinimumsMixin, HistoryAdmin):
    list_display = ["__str__", "kind", "number", "title", "report_date", "status", "issued_at", "issued_by"]
    list_filter = ["kind", "status", "year_to"]
    list_select_related = ["issued_by"]
    search_fields = ["number", "title"]
    autocomplete_fields = ["province", "replaces"]
    date_hierarchy = "report_date"
    readonly_fields = ["status", "issued_at", "issued_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["province", "kind", ("year_from", "year_to"), "title", "replaces"]}),
        ("Văn bản", {"fields": ["number", "place", "report_date", "addressees"]}),
        # The narrative by section (reporting/outline.py); the edit screen is where staff write it.
        ("Phần thuyết minh", {"fields": ["section_texts", "paragraph_settings"]}),
        ("Nơi nhận, người ký", {"fields": ["recipients", "signer_authority", "signer_title", "signer_name"]}),
        ("Ban hành", {"fields": ["status", "issued_at", "issued_by", "created_at"]}),
    ]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_issued:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_issued:
            return False
        return super().has_delete_permission(request, obj)
