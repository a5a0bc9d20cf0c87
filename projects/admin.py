"""Admin for funding levels, programmes, plans, activity contents, facilities, đề án, events and nominations.

Every changelist selects or prefetches what its columns show, so that its query count does not
grow with its rows (tests/test_admin.py pins this). A record that money, a contract or a đề án
refers to is not deleted (the models' PROTECT): the delete page says why in Vietnamese.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from import_export.admin import ImportExportModelAdmin

from khuyencong.core.admin import (
    ConstraintMinimumsMixin,
    ExplainedProtectionMixin,
    FoldedSearchMixin,
    HistoryAdmin,
    money_column,
)
from khuyencong.core.widgets import RoleImportExportMixin
from projects.resources import EventResource, FacilityResource, ProductNominationResource, ProjectResource

from .models import (
    ActivityContent,
    AdministrativeUnit,
    AnnualPlan,
    AwardLevel,
    Event,
    Facility,
    FundingLevel,
    Product,
    ProductNomination,
    Program,
    Project,
    ProjectResult,
    SupportCap,
    UnitSuccession,
    support_cap_warning,
)


class UnitSuccessionInline(admin.TabularInline):
    model = UnitSuccession
    fk_name = "predecessor"
    extra = 0
    autocomplete_fields = ["successor"]
    verbose_name = "đơn vị kế thừa"
    verbose_name_plural = "các đơn vị kế thừa (đơn vị bị chia: mỗi phần một dòng, một dòng mặc định)"


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(ExplainedProtectionMixin, ConstraintMinimumsMixin, admin.ModelAdmin):
    """Loaded from the vietnamadminunits package (manage.py load_admin_units); edit here only what
    the package does not know."""

    list_display = ["code", "official_code", "name", "kind", "level", "parent", "valid_from", "valid_to", "successor"]
    list_display_links = ["code", "name"]
    list_filter = ["level", "kind", ("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent", "successor"]
    search_fields = ["code", "official_code", "name", "search_text"]
    autocomplete_fields = ["parent", "successor"]
    inlines = [UnitSuccessionInline]

    def get_search_results(self, request, queryset, search_term):
        # A facility's commune is looked for among the communes in force today (the rule's
        # choices; one typed in by id is still refused by Facility.commune_refusal).
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "facility" and request.GET.get("field_name") == "commune":
            queryset = queryset.communes().valid_on(Facility.unit_date())
        return queryset, distinct


@admin.register(Program)
class ProgramAdmin(ExplainedProtectionMixin, ConstraintMinimumsMixin, HistoryAdmin):
    list_display = ["name", "funding_level", "province", "first_year", "last_year", "decision_number", "decision_date"]
    list_filter = ["funding_level", "first_year"]
    list_select_related = ["funding_level", "province"]
    search_fields = ["name", "decision_number"]
    autocomplete_fields = ["province"]


@admin.register(AnnualPlan)
class AnnualPlanAdmin(ExplainedProtectionMixin, ConstraintMinimumsMixin, HistoryAdmin):
    list_display = ["year", "program", "funding_level", "decision_number", "decision_date", "project_count"]
    list_display_links = ["year", "program"]
    list_filter = ["year", "program__funding_level", "program"]
    search_fields = ["year", "decision_number", "program__name"]
    date_hierarchy = "decision_date"

    def get_queryset(self, request):
        # str(plan) names the programme's level: the autocomplete on đề án uses this queryset too.
        # An aggregate drops Meta.ordering: order again, or the autocomplete pages are unordered.
        return (
            super()
            .get_queryset(request)
            .select_related("program__funding_level")
            .annotate(project_count=Count("projects"))
            .order_by("-year", "program__name")
        )

    @admin.display(description="cấp", ordering="program__funding_level__order")
    def funding_level(self, obj: AnnualPlan) -> str:
        return str(obj.program.funding_level)

    @admin.display(description="số đề án", ordering="project_count")
    def project_count(self, obj: AnnualPlan) -> int:
        return obj.project_count


@admin.register(ActivityContent)
class ActivityContentAdmin(ExplainedProtectionMixin, admin.ModelAdmin):
    list_display = ["code", "name", "parent", "report_line", "legal_basis", "valid_from", "valid_to", "order"]
    list_display_links = ["code", "name"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter), "legal_basis"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]


@admin.register(SupportCap)
class SupportCapAdmin(ExplainedProtectionMixin, HistoryAdmin):
    """The caps, also edited by the Department on /chuong-trinh/muc-ho-tro/."""

    list_display = [
        "content", "funding_level", "support_form", "share_percent", "ceiling", "legal_basis", "valid_from", "valid_to"
    ]
    list_filter = ["funding_level", "support_form"]
    list_select_related = ["content", "funding_level"]
    search_fields = ["content__code", "content__name", "legal_basis"]
    autocomplete_fields = ["content"]


@admin.register(FundingLevel)
class FundingLevelAdmin(ExplainedProtectionMixin, admin.ModelAdmin):
    list_display = ["code", "name", "budget_name", "order"]
    list_display_links = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Facility)
class FacilityAdmin(
    ExplainedProtectionMixin,
    FoldedSearchMixin,
    ConstraintMinimumsMixin,
    RoleImportExportMixin,
    ImportExportModelAdmin,
    HistoryAdmin,
):
    resource_classes = [FacilityResource]
    list_display = [
        "name", "kind", "tax_code", "commune", "administrative_unit", "sector", "representative", "phone", "project_count",
    ]
    list_filter = [
        "kind", "commune_needs_review", ("commune", admin.RelatedOnlyFieldListFilter),
        ("administrative_unit", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["administrative_unit", "commune"]
    search_fields = ["name", "tax_code", "search_text"]
    search_help_text = "Tìm theo tên, mã số thuế hoặc địa chỉ; gõ có dấu hay không dấu đều được."
    # The commune is checked by the facility's rule (Facility.clean → commune_refusal), as on the
    # form and in the workbook.
    autocomplete_fields = ["administrative_unit", "commune"]

    def get_queryset(self, request):
        # A subquery, not Count(): no GROUP BY, so the accent-free search may OR two querysets.
        links = (
            Project.facilities.through.objects.filter(facility=OuterRef("pk"))
            .values("facility")
            .annotate(n=Count("*"))
            .values("n")
        )
        return super().get_queryset(request).annotate(project_count=Coalesce(Subquery(links, output_field=IntegerField()), 0))

    @admin.display(description="số đề án", ordering="project_count")
    def project_count(self, obj: Facility) -> int:
        return obj.project_count


class EventInline(ConstraintMinimumsMixin, admin.TabularInline):
    model = Event
    fields = ["kind", "name", "date", "place", "participants", "sale_contracts", "memoranda"]
    extra = 0


class ProjectAdminForm(forms.ModelForm):
    """The beneficiaries as a field of their own name: the admin refuses a many-to-many field
    with a link model of its own (ProjectFacility) in its fieldsets (admin.E013). They are saved
    through ``Project.facilities.set``, as Django saves such a field, so the history still
    takes its snapshot of them."""

    beneficiaries = forms.ModelMultipleChoiceField(
        label="cơ sở thụ hưởng",
        queryset=Facility.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(Project._meta.get_field("facilities"), admin.site),
    )

    class Meta:
        model = Project
        fields: list[str] = []  # ProjectAdmin.fieldsets name them

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["beneficiaries"].initial = [f.pk for f in self.instance.facilities.all()]

    def _save_m2m(self) -> None:
        super()._save_m2m()
        self.instance.facilities.set(self.cleaned_data["beneficiaries"])


@admin.register(Project)
class ProjectAdmin(
    ExplainedProtectionMixin,
    FoldedSearchMixin,
    ConstraintMinimumsMixin,
    RoleImportExportMixin,
    ImportExportModelAdmin,
    HistoryAdmin,
):
    resource_classes = [ProjectResource]
    form = ProjectAdminForm
    list_display = [
        "code",
        "name",
        "year",
        "content_code",
        "funding_level",
        "support_form",
        "status",
        "planned",
        "approved",
        "executed",
        "beneficiaries",
    ]
    list_display_links = ["code", "name"]
    list_filter = [
        "plan__year",
        "status",
        "support_form",
        "funding_level",
        "content",
        "is_key",
        "is_cleaner_production",
        ("facilities__administrative_unit", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["plan", "content", "funding_level"]
    search_fields = ["code", "name", "search_text", "implementing_unit", "facilities__name", "facilities__tax_code"]
    search_help_text = "Tìm theo mã, tên đề án (có dấu hay không dấu), đơn vị thực hiện, tên hoặc mã số thuế cơ sở."
    autocomplete_fields = ["plan", "content"]
    date_hierarchy = "start_date"
    # funding/admin.py adds the đề án's disbursements: projects imports nothing from funding.
    inlines = [EventInline]
    # A status moves only through services.change_status (the allowed moves, who may make them,
    # the reason): edited here, a completed đề án with money paid went back to "proposed".
    # The dates of acceptance and settlement are set by their steps (services.take_step), with
    # the minutes' number and the amount; Project.clean() still checks what they say together.
    readonly_fields = ["status", "status_reason", "acceptance_date", "settlement_date"]
    fieldsets = [
        (None, {"fields": ["plan", "code", "name", "content", "is_cleaner_production", "is_key"]}),
        ("Nguồn và hình thức hỗ trợ", {"fields": ["funding_level", "support_form", "implementing_unit", "beneficiaries"]}),
        ("Kinh phí", {"fields": ["planned_budget", "approved_budget", "counterpart_capital"]}),
        (
            "Tiến độ",
            {
                "fields": [
                    "status",
                    "status_reason",
                    ("start_date", "end_date"),
                    ("acceptance_date", "settlement_date"),
                ]
            },
        ),
        ("Kết quả", {"fields": [("output_quantity", "output_unit"), "notes"]}),
    ]

    planned = money_column("planned_budget", "kinh phí kế hoạch (đồng)")
    approved = money_column("approved_budget", "kinh phí được duyệt (đồng)")
    executed = money_column("executed", "đã giải ngân (đồng)")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_executed()
            .prefetch_related(Prefetch("facilities", queryset=Facility.objects.only("id", "name")))
        )

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # A support above its cap is saved, with the warning (support_cap_warning).
        warning = support_cap_warning(form.instance)
        if warning:
            self.message_user(request, warning, level=messages.WARNING)

    @admin.display(description="năm", ordering="plan__year")
    def year(self, obj: Project) -> int:
        return obj.plan.year

    @admin.display(description="nội dung", ordering="content__order")
    def content_code(self, obj: Project) -> str:
        return obj.content.code

    @admin.display(description="cơ sở thụ hưởng")
    def beneficiaries(self, obj: Project) -> str:
        names = [facility.name for facility in obj.facilities.all()]
        if len(names) > 3:
            return f"{', '.join(names[:3])} và {len(names) - 3} cơ sở khác"
        return ", ".join(names) or "—"


@admin.register(Event)
class EventAdmin(ExplainedProtectionMixin, ConstraintMinimumsMixin, RoleImportExportMixin, ImportExportModelAdmin, HistoryAdmin):
    resource_classes = [EventResource]
    list_display = ["name", "project", "kind", "date", "place", "participants", "sale_contracts", "memoranda"]
    list_filter = ["kind", "project__plan__year"]
    list_select_related = ["project"]
    search_fields = ["name", "place", "project__code", "project__name"]
    autocomplete_fields = ["project"]
    date_hierarchy = "date"


@admin.register(AwardLevel)
class AwardLevelAdmin(ExplainedProtectionMixin, admin.ModelAdmin):
    list_display = ["code", "name", "order", "valid_from", "valid_to"]
    list_display_links = ["code", "name"]
    search_fields = ["code", "name"]


class ProductNominationInline(admin.TabularInline):
    model = ProductNomination
    fields = ["level", "year", "recognised", "certificate_number", "certificate_date"]
    extra = 0


@admin.register(Product)
class ProductAdmin(ExplainedProtectionMixin, HistoryAdmin):
    list_display = ["name", "facility", "district"]
    list_filter = [("facility__administrative_unit", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["facility__administrative_unit"]
    search_fields = ["name", "facility__name", "facility__search_text"]
    autocomplete_fields = ["facility"]
    inlines = [ProductNominationInline]

    @admin.display(description="đơn vị hành chính", ordering="facility__administrative_unit__name")
    def district(self, obj: Product) -> str:
        return str(obj.facility.administrative_unit or "—")


@admin.register(ProductNomination)
class ProductNominationAdmin(RoleImportExportMixin, ImportExportModelAdmin, HistoryAdmin):
    resource_classes = [ProductNominationResource]
    list_display = ["product", "facility", "level", "year", "recognised", "certificate_number", "certificate_date"]
    list_filter = ["year", "level", "recognised"]
    list_select_related = ["product__facility", "level"]
    search_fields = ["product__name", "product__facility__name", "certificate_number"]
    autocomplete_fields = ["product"]

    @admin.display(description="cơ sở", ordering="product__facility__name")
    def facility(self, obj: ProductNomination) -> str:
        return obj.product.facility.name


@admin.register(ProjectResult)
class ProjectResultAdmin(HistoryAdmin):
    """Results after support; ProjectResult.clean (Project.result_refusal) refuses a đề án not completed."""

    list_display = ["project", "date", "jobs_created", "capital_mobilised", "revenue"]
    list_filter = ["project__plan__year"]
    list_select_related = ["project"]
    search_fields = ["project__code", "project__name"]
    autocomplete_fields = ["project"]
    date_hierarchy = "date"
