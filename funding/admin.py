"""Admin for funding sources, disbursements and recoverable-support contracts.

Money, contracts and repayments keep their history (django-simple-history): the admin's
"Lịch sử" page shows who changed what and when. The ledger (disbursements, instalments,
repayments, lawsuits and hearings, reschedules, write-offs, recoveries, and every contract once
disbursed) is only read here: funding.services writes it, with its checks, from the portal's
screens. A draft contract's terms may still be corrected here.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from import_export.admin import ImportExportModelAdmin

from funding.loans import ledger_writes
from funding.resources import DisbursementResource, InstalmentResource, LawsuitResource, LoanContractResource, RepaymentResource
from khuyencong.core.admin import (
    ConstraintMinimumsMixin,
    ExplainedProtectionMixin,
    HistoryAdmin,
    ReadOnlyAdminMixin,
    money_column,
)
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


class DebtSummariesMixin:
    """Saves through the admin (a draft contract and its schedule, an import) refresh the
    contracts' debt summaries once, at the end of the admin's transaction (funding.loans
    .ledger_writes), rather than once per saved row."""

    def changeform_view(self, *args, **kwargs):
        with transaction.atomic(), ledger_writes():
            return super().changeform_view(*args, **kwargs)

    def delete_view(self, *args, **kwargs):
        with transaction.atomic(), ledger_writes():
            return super().delete_view(*args, **kwargs)

    def changelist_view(self, *args, **kwargs):
        with transaction.atomic(), ledger_writes():
            return super().changelist_view(*args, **kwargs)


class RecordAdmin(
    DebtSummariesMixin,
    ExplainedProtectionMixin,
    ConstraintMinimumsMixin,
    RoleImportExportMixin,
    ImportExportModelAdmin,
    HistoryAdmin,
):
    """The records the Centre keeps: limits from the database constraints, export for every
    reader, and their history."""


class LedgerAdmin(ReadOnlyAdminMixin, RecordAdmin):
    """A ledger record: read and exported here, never added, changed, deleted or imported."""


class ContractFacilityColumn:
    """A "cơ sở" column for the records of a contract (list_select_related takes the facility)."""

    @admin.display(description="cơ sở", ordering="contract__facility__name")
    def facility(self, obj) -> str:
        return obj.contract.facility.name


@admin.register(FundingSource)
class FundingSourceAdmin(ExplainedProtectionMixin, ConstraintMinimumsMixin, admin.ModelAdmin):
    list_display = ["name", "level", "year", "administrative_unit", "decision_number", "allocated_display"]
    list_filter = ["level", "year", ("administrative_unit", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["level", "administrative_unit"]
    search_fields = ["name", "decision_number"]
    autocomplete_fields = ["administrative_unit"]

    allocated_display = money_column("allocated", "dự toán được giao (đồng)")


@admin.register(Disbursement)
class DisbursementAdmin(LedgerAdmin):
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


# The contract's ledger, shown under it and written by funding.services (schedule,
# reschedule, repayment and reversal, lawsuit, write-off, recovery), for drafts as well.


class InstalmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Instalment
    fields = ["schedule_version", "number", "due_date", "principal_due"]
    extra = 0


class RepaymentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Repayment
    fk_name = "contract"
    fields = ["date", "amount", "receipt_number", "reversal_of"]
    extra = 0


class RescheduleInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Reschedule
    fields = ["version", "date", "outstanding", "reason", "by", "created_at"]
    readonly_fields = fields
    extra = 0


class WriteOffInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = WriteOff
    fields = [("date", "amount"), "decision_number", "reason", "by", "created_at"]
    readonly_fields = ["date", "amount", "decision_number", "reason", "by", "created_at"]
    extra = 0


class RecoveryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Recovery
    fields = ["date", "amount", "receipt_number"]
    readonly_fields = fields
    extra = 0


class HearingInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Hearing
    fields = ["date", "note"]
    extra = 0


class LawsuitInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = Lawsuit
    fields = [
        ("filed_on", "court", "case_number"),
        "status",
        ("judgment_date", "judgment_number", "amount_awarded"),
        "enforcement_notes",
        "closed_on",
    ]
    extra = 0


def is_draft(contract: LoanContract) -> bool:
    """May the contract still be changed: the model's one rule (``LoanContract.edit_refusal``)."""
    return contract.edit_refusal() is None


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
    # A contract is made by funding.services.create_contract (a payable đề án, one of its
    # beneficiaries, within its budget) and disbursed by disburse_contract (which writes the
    # schedule): neither can happen here. The state follows from the contract's records. So
    # only a draft's number and terms may be corrected, within the database's checks; once the
    # money is out, the contract is the ledger's and only read.
    readonly_fields = ["project", "facility", "signed_on", "principal", "disbursed_on", "state"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj: LoanContract | None = None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or is_draft(obj))

    def has_delete_permission(self, request, obj: LoanContract | None = None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or is_draft(obj))

    def has_import_permission(self, request) -> bool:
        return False

    principal_display = money_column("principal", "số tiền hỗ trợ (đồng)")

    @admin.display(description="đề án", ordering="project__code")
    def project_code(self, obj: LoanContract) -> str:
        return obj.project.code


@admin.register(Instalment)
class InstalmentAdmin(ContractFacilityColumn, LedgerAdmin):
    resource_classes = [InstalmentResource]
    list_display = ["contract", "facility", "schedule_version", "number", "due_date", "principal_due_display"]
    list_filter = ["schedule_version", "contract__state"]
    list_select_related = ["contract__facility"]
    search_fields = ["contract__number", "contract__facility__name"]
    autocomplete_fields = ["contract"]
    date_hierarchy = "due_date"

    principal_due_display = money_column("principal_due", "số tiền phải trả (đồng)")


@admin.register(Repayment)
class RepaymentAdmin(ContractFacilityColumn, LedgerAdmin):
    """Repayments are never deleted (Repayment.delete refuses): a wrong one is reversed."""

    resource_classes = [RepaymentResource]

    list_display = ["receipt_number", "date", "contract", "facility", "amount_display", "reversal_of"]
    list_display_links = ["receipt_number", "date"]
    list_filter = ["contract__state"]
    list_select_related = ["contract__facility", "reversal_of"]
    search_fields = ["receipt_number", "contract__number", "contract__facility__name"]
    autocomplete_fields = ["contract", "reversal_of"]
    date_hierarchy = "date"

    amount_display = money_column("amount", "số tiền (đồng)")


@admin.register(Lawsuit)
class LawsuitAdmin(ContractFacilityColumn, LedgerAdmin):
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
class HearingAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    list_display = ["date", "lawsuit", "facility", "note"]
    list_select_related = ["lawsuit__contract__facility"]
    search_fields = ["note", "lawsuit__case_number", "lawsuit__contract__number", "lawsuit__contract__facility__name"]
    autocomplete_fields = ["lawsuit"]
    date_hierarchy = "date"

    @admin.display(description="cơ sở", ordering="lawsuit__contract__facility__name")
    def facility(self, obj: Hearing) -> str:
        return obj.lawsuit.contract.facility.name


class ReadOnlyAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    """Shown here, entered through funding.services: a reschedule writes the new instalment
    version, a write-off and a recovery check the outstanding money and move the contract's
    state. An admin form would store the record without the rest of its workflow."""


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


class DisbursementInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A đề án's disbursements, read-only: money paid out is entered on the portal's screen
    (funding.services checks the đề án's status and budget); here it is read."""

    model = Disbursement
    fields = ["date", "amount", "funding_source", "document_number"]
    extra = 0


# The đề án admin with its disbursements: registered again here because funding depends on
# projects, not the other way round.
admin.site.unregister(Project)


@admin.register(Project)
class ProjectWithDisbursementsAdmin(ProjectAdmin):
    inlines = [*ProjectAdmin.inlines, DisbursementInline]
