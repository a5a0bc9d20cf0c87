"""Admin for funding sources, disbursements and recoverable-support contracts.

Money, contracts and repayments keep their history (django-simple-history): the admin's
"Lịch sử" page shows who changed what and when.
"""

from __future__ import annotations

from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from funding.resources import DisbursementResource, InstalmentResource, LawsuitResource, LoanContractResource, RepaymentResource
from khuyencong.core.admin import ConstraintMinimumsMixin, money_column
from khuyencong.core.widgets import RoleImportExportMixin
from projects.admin import ProjectAdmin
from projects.models import Project

from .models import (
    Disbursement,
    FundingSource,
    Hearing,
    Instalment,
    Lawsuit,
    LoanContract,
    Recovery,
    Repayment,
    Reschedule,
    WriteOff,
)


class RecordAdmin(ConstraintMinimumsMixin, RoleImportExportMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    """The records the Centre keeps: limits from the database constraints, import for the
    administrator only, export for every reader, and their history."""


class ContractFacilityColumn:
    """A "cơ sở" column for the records of a contract (list_select_related takes the facility)."""

    @admin.display(description="cơ sở", ordering="contract__facility__name")
    def facility(self, obj) -> str:
        return obj.contract.facility.name


@admin.register(FundingSource)
class FundingSourceAdmin(ConstraintMinimumsMixin, admin.ModelAdmin):
    list_display = ["name", "level", "year", "administrative_unit", "decision_number", "allocated_display"]
    list_filter = ["level", "year", ("administrative_unit", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["level", "administrative_unit"]
    search_fields = ["name", "decision_number"]
    autocomplete_fields = ["administrative_unit"]

    allocated_display = money_column("allocated", "dự toán được giao (đồng)")


@admin.register(Disbursement)
class DisbursementAdmin(RecordAdmin):
    resource_classes = [DisbursementResource]
    list_display = ["document_number", "date", "project", "year", "amount_display", "funding_source"]
    list_display_links = ["document_number", "date"]
    list_filter = ["project__plan__year", "project__funding_level", "project__support_form", "funding_source"]
    list_select_related = ["project__plan", "funding_source"]
    search_fields = ["document_number", "project__code", "project__name"]
    autocomplete_fields = ["project", "funding_source"]
    date_hierarchy = "date"

    amount_display = money_column("amount", "số tiền (đồng)")

    @admin.display(description="năm kế hoạch", ordering="project__plan__year")
    def year(self, obj: Disbursement) -> int:
        return obj.project.plan.year


class LedgerInlineMixin:
    """On a disbursed contract, the schedule and the repayments change only through the
    portal's workflows (reschedule, reversal), which keep the ledger whole: here they are read."""

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and not (obj and obj.disbursed_on)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not (obj and obj.disbursed_on)


class InstalmentInline(LedgerInlineMixin, ConstraintMinimumsMixin, admin.TabularInline):
    model = Instalment
    fields = ["schedule_version", "number", "due_date", "principal_due"]
    extra = 0


class RepaymentInline(LedgerInlineMixin, ConstraintMinimumsMixin, admin.TabularInline):
    model = Repayment
    fk_name = "contract"
    fields = ["date", "amount", "receipt_number", "reversal_of"]
    autocomplete_fields = ["reversal_of"]
    extra = 0
    can_delete = False  # a wrong repayment is reversed by another entry, never deleted


class RescheduleInline(admin.TabularInline):
    model = Reschedule
    fields = ["version", "date", "outstanding", "reason", "by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class WriteOffInline(admin.StackedInline):
    model = WriteOff
    fields = [("date", "amount"), "decision_number", "reason", "by", "created_at"]
    readonly_fields = ["date", "amount", "decision_number", "reason", "by", "created_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class RecoveryInline(admin.TabularInline):
    model = Recovery
    fields = ["date", "amount", "receipt_number"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class HearingInline(admin.TabularInline):
    model = Hearing
    fields = ["date", "note"]
    extra = 0


class LawsuitInline(ConstraintMinimumsMixin, admin.StackedInline):
    model = Lawsuit
    fields = [
        ("filed_on", "court", "case_number"),
        "status",
        ("judgment_date", "judgment_number", "amount_awarded"),
        "enforcement_notes",
        "closed_on",
    ]
    extra = 0


@admin.register(LoanContract)
class LoanContractAdmin(RecordAdmin):
    resource_classes = [LoanContractResource]
    list_display = [
        "number",
        "facility",
        "project_code",
        "signed_on",
        "principal_display",
        "disbursed_on",
        "term_months",
        "grace_months",
        "instalment_count",
        "state",
    ]
    list_filter = [
        "state",
        "project__plan__year",
        ("facility__administrative_unit", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["facility", "project"]
    search_fields = ["number", "facility__name", "facility__tax_code", "facility__search_text", "project__code"]
    autocomplete_fields = ["project", "facility"]
    date_hierarchy = "signed_on"
    inlines = [InstalmentInline, RepaymentInline, LawsuitInline, RescheduleInline, WriteOffInline, RecoveryInline]
    # The state follows from the contract's records (funding/services.py): typed here, a
    # contract could read "written off" with no write-off behind it. Once the money is out, the
    # terms it went out on are the ledger's too: a principal typed down to 7 triệu would leave a
    # schedule of 50 and a đề án paid more than its contracts lend.
    readonly_fields = ["state"]
    FIXED_ONCE_DISBURSED = [
        "project", "facility", "number", "signed_on", "principal", "disbursed_on", "term_months", "grace_months",
        "instalment_count",
    ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        fixed = self.FIXED_ONCE_DISBURSED if obj is not None and obj.disbursed_on else []
        return [*self.readonly_fields, *fixed]

    def get_autocomplete_fields(self, request) -> list[str]:
        return self.autocomplete_fields

    principal_display = money_column("principal", "số tiền hỗ trợ (đồng)")

    @admin.display(description="đề án", ordering="project__code")
    def project_code(self, obj: LoanContract) -> str:
        return obj.project.code


@admin.register(Instalment)
class InstalmentAdmin(ContractFacilityColumn, RecordAdmin):
    resource_classes = [InstalmentResource]
    list_display = ["contract", "facility", "schedule_version", "number", "due_date", "principal_due_display"]
    list_filter = ["schedule_version", "contract__state"]
    list_select_related = ["contract__facility"]
    search_fields = ["contract__number", "contract__facility__name"]
    autocomplete_fields = ["contract"]
    date_hierarchy = "due_date"

    principal_due_display = money_column("principal_due", "số tiền phải trả (đồng)")


@admin.register(Repayment)
class RepaymentAdmin(ContractFacilityColumn, RecordAdmin):
    resource_classes = [RepaymentResource]
    """Repayments are never deleted (Repayment.delete refuses): a wrong one is reversed."""

    list_display = ["receipt_number", "date", "contract", "facility", "amount_display", "reversal_of"]
    list_display_links = ["receipt_number", "date"]
    list_filter = ["contract__state"]
    list_select_related = ["contract__facility", "reversal_of"]
    search_fields = ["receipt_number", "contract__number", "contract__facility__name"]
    autocomplete_fields = ["contract", "reversal_of"]
    date_hierarchy = "date"

    amount_display = money_column("amount", "số tiền (đồng)")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Lawsuit)
class LawsuitAdmin(ContractFacilityColumn, RecordAdmin):
    resource_classes = [LawsuitResource]
    list_display = [
        "contract",
        "facility",
        "filed_on",
        "court",
        "case_number",
        "status",
        "judgment_date",
        "amount_awarded_display",
        "closed_on",
    ]
    list_filter = ["status"]
    list_select_related = ["contract__facility"]
    search_fields = ["case_number", "court", "contract__number", "contract__facility__name"]
    autocomplete_fields = ["contract"]
    date_hierarchy = "filed_on"
    inlines = [HearingInline]

    amount_awarded_display = money_column("amount_awarded", "số tiền theo bản án (đồng)")


@admin.register(Hearing)
class HearingAdmin(SimpleHistoryAdmin):
    list_display = ["date", "lawsuit", "facility", "note"]
    list_select_related = ["lawsuit__contract__facility"]
    search_fields = ["note", "lawsuit__case_number", "lawsuit__contract__number", "lawsuit__contract__facility__name"]
    autocomplete_fields = ["lawsuit"]
    date_hierarchy = "date"

    @admin.display(description="cơ sở", ordering="lawsuit__contract__facility__name")
    def facility(self, obj: Hearing) -> str:
        return obj.lawsuit.contract.facility.name


class ReadOnlyAdmin(SimpleHistoryAdmin):
    """Shown here, entered through funding.services: a reschedule writes the new instalment
    version, a write-off and a recovery check the outstanding money and move the contract's
    state. An admin form would store the record without the rest of its workflow."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reschedule)
class RescheduleAdmin(ContractFacilityColumn, ReadOnlyAdmin):
    list_display = ["contract", "facility", "version", "date", "outstanding_display", "by", "created_at"]
    list_filter = ["version"]
    list_select_related = ["contract__facility", "by"]
    search_fields = ["contract__number", "contract__facility__name", "reason"]
    date_hierarchy = "date"

    outstanding_display = money_column("outstanding", "dư nợ được cơ cấu lại (đồng)")


@admin.register(WriteOff)
class WriteOffAdmin(ContractFacilityColumn, ReadOnlyAdmin):
    list_display = ["contract", "facility", "date", "amount_display", "decision_number", "by"]
    list_select_related = ["contract__facility", "by"]
    search_fields = ["contract__number", "contract__facility__name", "decision_number"]
    date_hierarchy = "date"

    amount_display = money_column("amount", "số tiền xóa nợ (đồng)")


@admin.register(Recovery)
class RecoveryAdmin(ContractFacilityColumn, ReadOnlyAdmin):
    list_display = ["receipt_number", "date", "contract", "facility", "amount_display"]
    list_display_links = ["receipt_number", "date"]
    list_select_related = ["contract__facility"]
    search_fields = ["receipt_number", "contract__number", "contract__facility__name"]
    date_hierarchy = "date"

    amount_display = money_column("amount", "số tiền (đồng)")



class DisbursementInline(admin.TabularInline):
    """A đề án's disbursements, read-only: money is recorded on the đề án page, where the
    payable and budget rules are checked."""

    model = Disbursement
    fields = ["date", "amount", "funding_source", "document_number"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# The đề án admin with its disbursements: registered again here because funding depends on
# projects, not the other way round.
admin.site.unregister(Project)


@admin.register(Project)
class ProjectWithDisbursementsAdmin(ProjectAdmin):
    inlines = [*ProjectAdmin.inlines, DisbursementInline]
