"""Programmes, annual plans, activity contents, facilities, đề án, events and nominations.

English names in code, Vietnamese in what users read (see shared/design/domain.md).
Money is whole đồng in integer fields.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce

from khuyencong.core.cells import validate_money
from khuyencong.core.formatting import money_exact
from khuyencong.core.history import HistoricalRecords
from khuyencong.core.text import CleanCharField, fold_accents
from khuyencong.core.validators import validate_phone, validate_tax_code, validate_year


def non_negative(field: str, label: str) -> models.CheckConstraint:
    """A database check that refuses a negative amount, with a Vietnamese message."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0}),
        name="%(app_label)s_%(class)s_" + f"{field}_non_negative",
        violation_error_message=f"{label} không được là số âm.",
    )


class FundingLevel(models.Model):
    """Khuyến công quốc gia (central budget), địa phương (provincial), cấp huyện…"""

    NATIONAL = "QG"
    LOCAL = "DP"

    code = models.CharField("mã", max_length=10, unique=True)
    name = models.CharField("tên", max_length=100)
    budget_name = models.CharField("ngân sách", max_length=100, blank=True)
    order = models.PositiveSmallIntegerField("thứ tự", default=0)

    class Meta:
        verbose_name = "cấp kinh phí khuyến công"
        verbose_name_plural = "cấp kinh phí khuyến công"
        ordering = ["order"]
        # Reference data that moved here from funding (the projects ↔ funding model cycle): the
        # table keeps its name, so no row moves.
        db_table = "funding_fundinglevel"

    def __str__(self) -> str:
        return self.name


class AdministrativeUnit(models.Model):
    """A province, district or commune, valid for a span of dates (the 2025 reform)."""

    class Level(models.TextChoices):
        PROVINCE = "province", "Tỉnh, thành phố trực thuộc trung ương"
        DISTRICT = "district", "Huyện, thị xã, thành phố thuộc tỉnh"
        COMMUNE = "commune", "Xã, phường, thị trấn"

    code = models.CharField("mã", max_length=20, unique=True)
    name = models.CharField("tên", max_length=200)
    level = models.CharField("cấp", max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="thuộc", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    valid_from = models.DateField("hiệu lực từ", null=True, blank=True)
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name="đơn vị kế thừa",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
    )

    class Meta:
        verbose_name = "đơn vị hành chính"
        verbose_name_plural = "đơn vị hành chính"
        ordering = ["level", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="adminunit_valid_to_after_from",
                violation_error_message="Ngày hết hiệu lực không được trước ngày có hiệu lực.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Program(models.Model):
    """A five-year khuyến công programme, national or provincial."""

    name = CleanCharField("tên chương trình", max_length=300)
    funding_level = models.ForeignKey(
        FundingLevel, verbose_name="cấp", on_delete=models.PROTECT, related_name="programs"
    )
    province = models.ForeignKey(
        AdministrativeUnit, verbose_name="tỉnh", on_delete=models.PROTECT, related_name="programs"
    )
    first_year = models.PositiveSmallIntegerField("từ năm", validators=[validate_year])
    last_year = models.PositiveSmallIntegerField("đến năm", validators=[validate_year])
    decision_number = models.CharField("số quyết định", max_length=60, blank=True)
    decision_date = models.DateField("ngày quyết định", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "chương trình khuyến công"
        verbose_name_plural = "chương trình khuyến công"
        ordering = ["-first_year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_year__gte=models.F("first_year")),
                name="program_last_year_after_first",
                violation_error_message="Năm kết thúc không được trước năm bắt đầu.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AnnualPlan(models.Model):
    """The year's approved list of đề án and budget; its totals derive from its đề án."""

    program = models.ForeignKey(Program, verbose_name="chương trình", on_delete=models.PROTECT, related_name="plans")
    year = models.PositiveSmallIntegerField("năm", db_index=True, validators=[validate_year])
    decision_number = models.CharField("số quyết định phê duyệt", max_length=60, blank=True)
    decision_date = models.DateField("ngày quyết định", null=True, blank=True)
    notes = models.TextField("ghi chú", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "kế hoạch khuyến công năm"
        verbose_name_plural = "kế hoạch khuyến công năm"
        ordering = ["-year", "program__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "year"],
                name="annualplan_unique_program_year",
                violation_error_message="Chương trình này đã có kế hoạch cho năm này.",
            ),
        ]

    def __str__(self) -> str:
        return f"Kế hoạch {self.year} — {self.program.funding_level}"


class ActivityContent(models.Model):
    """What kind of support (NĐ 45/2012 Điều 4): a group (1.1–1.6) or a line under it."""

    code = models.CharField("mã", max_length=20, unique=True)
    name = models.CharField("nội dung", max_length=400)
    parent = models.ForeignKey(
        "self", verbose_name="nhóm", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    order = models.PositiveSmallIntegerField("thứ tự", default=0)

    class Meta:
        verbose_name = "nội dung hoạt động khuyến công"
        verbose_name_plural = "nội dung hoạt động khuyến công"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Facility(models.Model):
    """A beneficiary: a rural industrial facility (cơ sở CNNT)."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", "Doanh nghiệp"
        COOPERATIVE = "cooperative", "Hợp tác xã"
        COOPERATIVE_GROUP = "cooperative_group", "Tổ hợp tác"
        HOUSEHOLD = "household", "Hộ kinh doanh"

    name = CleanCharField("tên cơ sở", max_length=300)
    kind = models.CharField("loại hình", max_length=20, choices=Kind.choices, default=Kind.ENTERPRISE)
    tax_code = models.CharField("mã số thuế", max_length=20, blank=True, validators=[validate_tax_code])
    address = CleanCharField("địa chỉ", max_length=300, blank=True)
    administrative_unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name="đơn vị hành chính",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilities",
    )
    sector = CleanCharField("ngành nghề", max_length=200, blank=True)
    representative = CleanCharField("người đại diện", max_length=200, blank=True)
    phone = models.CharField("điện thoại", max_length=30, blank=True, validators=[validate_phone])
    email = models.EmailField("email", blank=True)
    # The name without accents, so that "lam dong" finds "Lâm Đồng" on every database.
    search_text = models.CharField(max_length=700, blank=True, editable=False, db_index=True)
    SEARCH_FIELDS = ("name", "tax_code", "address")  # what search_text is made of

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        verbose_name = "cơ sở công nghiệp nông thôn"
        verbose_name_plural = "cơ sở công nghiệp nông thôn"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tax_code"],
                condition=~Q(tax_code=""),
                name="facility_unique_tax_code",
                violation_error_message="Mã số thuế này đã có trong danh sách cơ sở.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_text = folded_search_text(self)
        super().save(*args, **kwargs)

    @property
    def district(self) -> AdministrativeUnit | None:
        """The huyện the facility lies in: its unit, or a commune's parent; none for a unit
        without a district above it (a commune after the 2025 reform)."""
        unit = self.administrative_unit
        if unit is not None and unit.level == AdministrativeUnit.Level.COMMUNE:
            unit = unit.parent
        return unit if unit is not None and unit.level == AdministrativeUnit.Level.DISTRICT else None


class SupportForm(models.TextChoices):
    NON_RECOVERABLE = "non_recoverable", "Không thu hồi"
    RECOVERABLE = "recoverable", "Có thu hồi"
    INDIRECT = "indirect", "Gián tiếp"


class ProjectQuerySet(models.QuerySet):
    def in_years(self, year_from: int, year_to: int) -> ProjectQuerySet:
        return self.filter(plan__year__gte=year_from, plan__year__lte=year_to)

    def done(self) -> ProjectQuerySet:
        return self.filter(status=Project.Status.COMPLETED)

    def payable(self) -> ProjectQuerySet:
        """The đề án money may go to, and events and contracts be recorded under: approved,
        under way or done (``Project.PAYABLE``)."""
        return self.filter(status__in=Project.PAYABLE)

    def with_executed(self) -> ProjectQuerySet:
        """Annotate the executed money: the sum of the đề án's disbursements."""
        # funding.Disbursement through the reverse relation: projects imports nothing from funding.
        disbursement = self.model._meta.get_field("disbursements").related_model
        executed = (
            disbursement.objects.filter(project=models.OuterRef("pk"))
            .values("project")
            .annotate(total=models.Sum("amount"))
            .values("total")
        )
        return self.annotate(executed=Coalesce(models.Subquery(executed), 0, output_field=models.BigIntegerField()))


class ProjectFacility(models.Model):
    """A facility that benefits from a đề án: the link of ``Project.facilities``.

    Django's automatic link table deleted this row, silently, with the facility. Here the
    facility side is PROTECT, so a beneficiary of any đề án cannot be deleted; deleting a đề án
    (allowed only while nothing refers to it) still drops its links. It is the table Django made
    (``projects_project_facilities``, unique per pair), taken over without copying a row.
    """

    project = models.ForeignKey("Project", verbose_name="đề án", on_delete=models.CASCADE)
    facility = models.ForeignKey(Facility, verbose_name="cơ sở", on_delete=models.PROTECT)

    class Meta:
        db_table = "projects_project_facilities"
        unique_together = [("project", "facility")]
        verbose_name = "cơ sở thụ hưởng của đề án"
        verbose_name_plural = "cơ sở thụ hưởng của đề án"

    def __str__(self) -> str:
        return f"{self.facility} — thụ hưởng đề án {self.project.code}"


APPROVED_BUDGET_MESSAGE = (
    "Đề án đã duyệt, đang thực hiện hoặc hoàn thành phải có kinh phí được duyệt lớn hơn 0 đồng "
    "(chỉ được để 0 khi kinh phí kế hoạch cũng bằng 0)."
)


class Project(models.Model):
    """A đề án khuyến công: one supported undertaking of an annual plan."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Đề xuất"
        APPROVED = "approved", "Đã duyệt"
        IN_PROGRESS = "in_progress", "Đang thực hiện"
        COMPLETED = "completed", "Hoàn thành"
        CANCELLED = "cancelled", "Đã hủy"
        NOT_CARRIED_OUT = "not_carried_out", "Không thực hiện"

    plan = models.ForeignKey(AnnualPlan, verbose_name="kế hoạch năm", on_delete=models.PROTECT, related_name="projects")
    code = CleanCharField("mã đề án", max_length=40)
    name = CleanCharField("tên đề án", max_length=500)
    content = models.ForeignKey(
        ActivityContent, verbose_name="nội dung hoạt động", on_delete=models.PROTECT, related_name="projects"
    )
    is_cleaner_production = models.BooleanField("mô hình thí điểm sản xuất sạch hơn", default=False)
    is_key = models.BooleanField("đề án điểm", default=False)
    funding_level = models.ForeignKey(
        FundingLevel, verbose_name="nguồn kinh phí", on_delete=models.PROTECT, related_name="projects"
    )
    support_form = models.CharField("hình thức hỗ trợ", max_length=20, choices=SupportForm.choices)
    implementing_unit = CleanCharField("đơn vị thực hiện", max_length=300, blank=True)
    # Through ProjectFacility, whose PROTECT keeps a beneficiary from being deleted under its đề án.
    facilities = models.ManyToManyField(
        Facility, verbose_name="cơ sở thụ hưởng", blank=True, related_name="projects", through=ProjectFacility
    )
    planned_budget = models.BigIntegerField("kinh phí kế hoạch (đồng)", default=0, validators=[validate_money])
    approved_budget = models.BigIntegerField("kinh phí được duyệt (đồng)", default=0, validators=[validate_money])
    counterpart_capital = models.BigIntegerField("vốn đối ứng (đồng)", default=0, validators=[validate_money])
    status = models.CharField(
        "trạng thái", max_length=20, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    status_reason = models.TextField("lý do không thực hiện", blank=True)
    start_date = models.DateField("ngày bắt đầu", null=True, blank=True)
    end_date = models.DateField("ngày kết thúc", null=True, blank=True)
    acceptance_date = models.DateField("ngày nghiệm thu", null=True, blank=True)
    settlement_date = models.DateField("ngày quyết toán", null=True, blank=True)
    output_quantity = models.PositiveIntegerField("số lượng sản phẩm đầu ra", default=1)
    output_unit = models.CharField("đơn vị tính đầu ra", max_length=60, blank=True)
    notes = models.TextField("ghi chú", blank=True)
    # Code and name without accents, for search that ignores them (see Facility.search_text).
    search_text = models.CharField(max_length=700, blank=True, editable=False, db_index=True)
    SEARCH_FIELDS = ("code", "name")  # what search_text is made of

    # Approved, under way or done: the one set of states in which money is paid, contracts are
    # signed and events are held (``is_payable``, ``ProjectQuerySet.payable``).
    PAYABLE = frozenset({Status.APPROVED, Status.IN_PROGRESS, Status.COMPLETED})

    objects = ProjectQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[facilities],
        excluded_fields=["search_text"],
        # The beneficiaries' history model keeps the name (and table) it had under Django's
        # automatic through model: HistoricalProject_facilities.
        custom_model_name=lambda name: "HistoricalProject_facilities" if name == "ProjectFacility" else f"Historical{name}",
    )

    class Meta:
        verbose_name = "đề án khuyến công"
        verbose_name_plural = "đề án khuyến công"
        ordering = ["-plan__year", "code"]
        indexes = [
            models.Index(fields=["content", "status"], name="project_content_status"),
            models.Index(fields=["funding_level", "support_form"], name="project_level_form"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "code"],
                name="project_unique_code_in_plan",
                violation_error_message="Mã đề án này đã có trong kế hoạch năm.",
            ),
            non_negative("planned_budget", "Kinh phí kế hoạch"),
            non_negative("approved_budget", "Kinh phí được duyệt"),
            non_negative("counterpart_capital", "Vốn đối ứng"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="project_end_after_start",
                violation_error_message="Ngày kết thúc không được trước ngày bắt đầu.",
            ),
            models.CheckConstraint(
                # The đề án with no khuyến công money at all (planned 0: another body pays) is
                # the one payable đề án that may keep an approved budget of 0.
                condition=~Q(status__in=["approved", "in_progress", "completed"])
                | Q(approved_budget__gt=0)
                | Q(planned_budget=0),
                name="project_approved_budget_when_payable",
                violation_error_message=APPROVED_BUDGET_MESSAGE,
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["cancelled", "not_carried_out"]) | ~Q(status_reason=""),
                name="project_reason_when_not_carried_out",
                violation_error_message="Cần ghi lý do khi đề án bị hủy hoặc không thực hiện.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def save(self, *args, **kwargs):
        self.search_text = folded_search_text(self)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # The database's check (project_approved_budget_when_payable), said beside the field:
        # a form without the status field would otherwise skip the check and fail on save.
        message = self.approved_budget_refusal()
        if message:
            raise ValidationError({"approved_budget": message}, code="approved_budget")
        if self.pk:
            paid = self.disbursements.aggregate(total=Coalesce(models.Sum("amount"), 0))["total"]
            message = self.budget_below_paid_refusal(paid)
            if message:
                field = "approved_budget" if self.approved_budget else "planned_budget"
                raise ValidationError({field: message}, code="budget_below_paid")

    def paid_over_budget(self, paid: int) -> bool:
        """Whether ``paid``, the đề án's disbursements in total, passes its budget: the one test
        that paying money out (funding.rules.disbursement) and lowering a budget afterwards
        (clean(): the forms and the admin; the workbook import) both ask."""
        return paid > self.budget

    def budget_below_paid_refusal(self, paid: int) -> str:
        """Why the budget may not be lowered to what it now says (empty when it may): below
        the money already paid out under the đề án."""
        if self.paid_over_budget(paid):
            return (
                f"Kinh phí của đề án ({money_exact(self.budget)}) không được thấp hơn số đã giải ngân "
                f"({money_exact(paid)})."
            )
        return ""

    def approved_budget_refusal(self) -> str:
        """Why the đề án may not be stored as it is, by the approved-budget rule: a payable
        đề án needs an approved budget, unless it has no planned money either. Empty when it may.

        The one test in Python of the database's check; the forms, the admin (clean()), the
        status change (services.change_status) and the workbook import call it."""
        if self.status in self.PAYABLE and not self.approved_budget and self.planned_budget:
            return APPROVED_BUDGET_MESSAGE
        return ""

    def event_refusal(self) -> str:
        """Why no new event may be recorded under this đề án (empty when one may): events are
        held under a đề án that is carried out (``is_payable``). Event.clean() and the workbook
        import call it."""
        if self.is_payable:
            return ""
        return (
            f"Đề án “{self.code}” đang ở trạng thái “{self.get_status_display()}”: chỉ ghi nhận sự kiện "
            "cho đề án đã duyệt, đang thực hiện hoặc hoàn thành."
        )

    def result_refusal(self) -> str:
        """Why no result after support may be recorded under this đề án (empty when one may):
        only a completed đề án is followed up. ProjectResult.clean() (form, admin) and the
        workbook import call it."""
        if self.status == self.Status.COMPLETED:
            return ""
        return (
            f"Đề án “{self.code}” đang ở trạng thái “{self.get_status_display()}”: chỉ ghi kết quả sau hỗ trợ "
            "cho đề án đã hoàn thành."
        )

    @property
    def is_payable(self) -> bool:
        """Whether money may be paid, a contract signed or an event held under this đề án: one
        that is approved, under way or done; not one only proposed, nor one cancelled or not
        carried out."""
        return self.status in self.PAYABLE

    @property
    def budget(self) -> int:
        """The money the đề án may spend: its approved budget once the Department has approved
        one, else the planned budget."""
        return self.approved_budget or self.planned_budget


def folded_search_text(obj: Facility | Project | Event) -> str:
    """The accent-free search column of a facility, đề án or event: its SEARCH_FIELDS, folded.

    The one definition: save() uses it, and so do the writes that bypass save() (the workbook
    import's bulk writes, scale_demo, refresh_search_text)."""
    return fold_accents(" ".join(getattr(obj, name) for name in obj.SEARCH_FIELDS))


def refresh_search_text() -> int:
    """Recompute the accent-free search columns after writes that bypass save()
    (loaddata, bulk_create). Returns the number of rows changed."""
    changed = 0
    for model in (Facility, Project, Event):
        stale = []
        for obj in model.objects.only("pk", "search_text", *model.SEARCH_FIELDS).iterator(chunk_size=2000):
            folded = folded_search_text(obj)
            if obj.search_text != folded:
                obj.search_text = folded
                stale.append(obj)
        model.objects.bulk_update(stale, ["search_text"], batch_size=1000)
        changed += len(stale)
    return changed


class Event(models.Model):
    """A conference, fair, class or other event held under a đề án, with its outcomes."""

    class Kind(models.TextChoices):
        CONFERENCE = "conference", "Hội nghị kết nối cung cầu"
        FAIR = "fair", "Hội chợ, triển lãm"
        TRAINING = "training", "Lớp đào tạo, tập huấn"
        WORKSHOP = "workshop", "Hội thảo, diễn đàn"
        OTHER = "other", "Khác"

    project = models.ForeignKey(Project, verbose_name="đề án", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("loại sự kiện", max_length=20, choices=Kind.choices, default=Kind.CONFERENCE)
    name = CleanCharField("tên sự kiện", max_length=300)
    date = models.DateField("ngày", null=True, blank=True)
    place = CleanCharField("địa điểm", max_length=300, blank=True)
    participants = models.PositiveIntegerField("lượt doanh nghiệp tham gia", default=0)
    sale_contracts = models.PositiveIntegerField("hợp đồng mua bán", default=0)
    memoranda = models.PositiveIntegerField("biên bản hợp tác", default=0)
    # Name and place without accents, for search that ignores them (see Facility.search_text).
    search_text = models.CharField(max_length=700, blank=True, editable=False, db_index=True)
    SEARCH_FIELDS = ("name", "place")  # what search_text is made of

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        verbose_name = "sự kiện"
        verbose_name_plural = "sự kiện (hội nghị, hội chợ…)"
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"],
                name="event_unique_name_in_project",
                violation_error_message="Đề án này đã có sự kiện cùng tên.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_text = folded_search_text(self)
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The đề án it was stored under: a recorded event may still be corrected once its
        # đề án has stopped, but not moved to a đề án that is not carried out.
        instance._stored_project_id = instance.__dict__.get("project_id")
        return instance

    def clean(self) -> None:
        try:
            project = self.project
        except Project.DoesNotExist:
            return  # the form reports the missing đề án
        if self._state.adding or project.pk is None or project.pk != getattr(self, "_stored_project_id", None):
            message = project.event_refusal()
            if message:
                raise ValidationError({"project": message}, code="project_not_payable")


class AwardLevelQuerySet(models.QuerySet):
    def valid_in_year(self, year: int) -> AwardLevelQuerySet:
        """The levels that apply on some day of ``year`` (AwardLevel.is_valid_in_year)."""
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=last)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=first)
        )


class AwardLevel(models.Model):
    """Huyện, Tỉnh, Khu vực, Quốc gia: data, since the district level ended in 2025."""

    code = models.CharField("mã", max_length=20, unique=True)
    name = models.CharField("cấp", max_length=60)
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    valid_from = models.DateField("áp dụng từ", null=True, blank=True)
    valid_to = models.DateField("áp dụng đến", null=True, blank=True)

    objects = AwardLevelQuerySet.as_manager()

    class Meta:
        verbose_name = "cấp bình chọn"
        verbose_name_plural = "cấp bình chọn"
        ordering = ["order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="awardlevel_valid_to_after_from",
                violation_error_message="Ngày “áp dụng đến” không được trước ngày “áp dụng từ”.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_valid_in_year(self, year: int) -> bool:
        """Whether the level applies on some day of ``year``: the Python twin of
        AwardLevelQuerySet.valid_in_year (same bounds)."""
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        return (self.valid_from is None or self.valid_from <= last) and (self.valid_to is None or self.valid_to >= first)

    def year_refusal(self, year: int | None) -> str:
        """Why a nomination of ``year`` may not be at this level (empty when it may): the one
        rule that the nomination form, the admin (ProductNomination.clean) and the workbook
        import call. Which levels exist and when is data; no code names a level."""
        if year is None or self.is_valid_in_year(year):
            return ""
        if self.valid_to is not None and self.valid_to < datetime.date(year, 1, 1):
            since = f"chỉ áp dụng đến {self.valid_to:%d/%m/%Y}"
        else:
            since = f"chỉ áp dụng từ {self.valid_from:%d/%m/%Y}"
        return f"Cấp bình chọn “{self.name}” {since}: không chọn được cho năm {year}."


class Product(models.Model):
    name = CleanCharField("tên sản phẩm", max_length=300)
    facility = models.ForeignKey(Facility, verbose_name="cơ sở", on_delete=models.PROTECT, related_name="products")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "sản phẩm"
        verbose_name_plural = "sản phẩm"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "name"],
                name="product_unique_name_per_facility",
                violation_error_message="Cơ sở này đã có sản phẩm cùng tên.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# A recognition certificate counts as expiring when it ends within this many months of the day.
CERTIFICATE_EXPIRING_MONTHS = 6


class CertificateState(models.TextChoices):
    VALID = "valid", "Còn hiệu lực"
    EXPIRING = "expiring", "Sắp hết hiệu lực"
    EXPIRED = "expired", "Hết hiệu lực"


def certificate_valid_to(issued: datetime.date) -> datetime.date:
    """The last day of a recognition certificate issued on ``issued``: 31/12 of the third year
    after it (TT 26/2014/TT-BCT). The one definition; certificate_bounds derives from it."""
    return datetime.date(issued.year + 3, 12, 31)


def _months_later(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError


def certificate_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """(expired_before, expiring_before): a certificate issued before the first date has ended
    by ``today``; one issued before the second (and not before the first) ends within
    CERTIFICATE_EXPIRING_MONTHS. Dates of issue, so that the database filters on a plain
    column. Since certificate_valid_to is 31/12 of issue year + 3, "valid_to < day" is
    "issue year < day.year - 3"."""
    edge = _months_later(today, CERTIFICATE_EXPIRING_MONTHS)
    return datetime.date(today.year - 3, 1, 1), datetime.date(edge.year - 3, 1, 1)


def certificate_state(issued: datetime.date | None, today: datetime.date) -> str:
    """Valid, expiring or expired at ``today`` ("" without a date of issue)."""
    if issued is None:
        return ""
    expired_before, expiring_before = certificate_bounds(today)
    if issued < expired_before:
        return CertificateState.EXPIRED
    if issued < expiring_before:
        return CertificateState.EXPIRING
    return CertificateState.VALID


def _certificate_state_expression(today: datetime.date) -> models.Case:
    """The database's twin of certificate_state, on the same bounds."""
    expired_before, expiring_before = certificate_bounds(today)
    return models.Case(
        models.When(certificate_date__isnull=True, then=models.Value("")),
        models.When(certificate_date__lt=expired_before, then=models.Value(CertificateState.EXPIRED.value)),
        models.When(certificate_date__lt=expiring_before, then=models.Value(CertificateState.EXPIRING.value)),
        default=models.Value(CertificateState.VALID.value),
        output_field=models.CharField(),
    )


class NominationQuerySet(models.QuerySet):
    def with_certificate_state(self, today: datetime.date) -> NominationQuerySet:
        """Annotates ``certificate_state`` (CertificateState, "" without a certificate date)."""
        return self.annotate(certificate_state=_certificate_state_expression(today))

    def certificate_state_is(self, state: str, today: datetime.date) -> NominationQuerySet:
        """The nominations whose certificate is ``state`` at ``today`` (the register's filter)."""
        return self.alias(certificate_state_filter=_certificate_state_expression(today)).filter(
            certificate_state_filter=state
        )


class ProductNomination(models.Model):
    """A product put forward for recognition as a typical rural-industry product at a level."""

    product = models.ForeignKey(Product, verbose_name="sản phẩm", on_delete=models.PROTECT, related_name="nominations")
    level = models.ForeignKey(AwardLevel, verbose_name="cấp", on_delete=models.PROTECT, related_name="nominations")
    year = models.PositiveSmallIntegerField("năm", db_index=True, validators=[validate_year])
    recognised = models.BooleanField("được công nhận", default=False)
    certificate_number = models.CharField("số giấy chứng nhận", max_length=60, blank=True)
    certificate_date = models.DateField("ngày cấp", null=True, blank=True)

    history = HistoricalRecords()

    objects = NominationQuerySet.as_manager()

    class Meta:
        verbose_name = "bình chọn sản phẩm CNNT tiêu biểu"
        verbose_name_plural = "bình chọn sản phẩm CNNT tiêu biểu"
        ordering = ["-year", "level__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "level", "year"],
                name="nomination_unique_product_level_year",
                violation_error_message="Sản phẩm này đã được đề cử ở cấp này trong năm.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} — {self.level} {self.year}"

    def clean(self) -> None:
        if self.level_id is not None and self.year:
            message = self.level.year_refusal(self.year)
            if message:
                raise ValidationError({"level": message}, code="award_level_not_valid")

    @property
    def certificate_valid_to(self) -> datetime.date | None:
        return certificate_valid_to(self.certificate_date) if self.certificate_date else None

    def certificate_state_on(self, today: datetime.date) -> str:
        return certificate_state(self.certificate_date, today)

    def get_certificate_state_display(self, today: datetime.date | None = None) -> str:
        state = self.certificate_state_on(today or datetime.date.today())
        return CertificateState(state).label if state else ""



from projects.results import ProjectResult  # noqa: E402,F401  (results after support, its own module)
