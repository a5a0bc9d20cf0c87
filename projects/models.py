"""Programmes, annual plans, activity contents, facilities, đề án, events and nominations.

English names in code, Vietnamese in what users read (see shared/design/domain.md).
Money is whole đồng in integer fields.
"""

from __future__ import annotations

import datetime
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce

from khuyencong.core.cells import validate_money
from khuyencong.core.formatting import money_exact
from khuyencong.core.history import HistoricalRecords
from khuyencong.core.text import CleanCharField, fold_accents
from khuyencong.core.today import today as local_today
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


REFORM_START = date(2025, 7, 1)  # the two-level local government (NQ 202/2025/QH15, NQ 1671…1681)


class AdministrativeUnitQuerySet(models.QuerySet):
    def valid_on(self, day: date) -> AdministrativeUnitQuerySet:
        """The units in force on ``day`` (the one rule; ``AdministrativeUnit.validity_refusal``
        says the same of one unit)."""
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def communes(self) -> AdministrativeUnitQuerySet:
        return self.filter(level=AdministrativeUnit.Level.COMMUNE)


class AdministrativeUnit(models.Model):
    """A province, district or commune, valid for a span of dates (the 2025 reform).

    ``code`` is this portal's key (unique; the fixture and history refer to it); ``official_code``
    is the GSO code, which the reform reused (the new Lâm Đồng is "68" like the old one), so a
    unit in force from 1/7/2025 whose GSO code an older unit holds is coded "<gso>-2025"."""

    class Level(models.TextChoices):
        PROVINCE = "province", "Tỉnh, thành phố trực thuộc trung ương"
        DISTRICT = "district", "Huyện, thị xã, thành phố thuộc tỉnh"
        COMMUNE = "commune", "Xã, phường, thị trấn"

    class Kind(models.TextChoices):
        PROVINCE = "tinh", "Tỉnh"
        CENTRAL_CITY = "thanh_pho_tw", "Thành phố trực thuộc trung ương"
        RURAL_DISTRICT = "huyen", "Huyện"
        TOWN = "thi_xa", "Thị xã"
        PROVINCIAL_CITY = "thanh_pho", "Thành phố thuộc tỉnh"
        URBAN_DISTRICT = "quan", "Quận"
        COMMUNE = "xa", "Xã"
        WARD = "phuong", "Phường"
        TOWNSHIP = "thi_tran", "Thị trấn"
        SPECIAL_ZONE = "dac_khu", "Đặc khu"

    code = models.CharField("mã", max_length=20, unique=True)
    official_code = models.CharField("mã GSO", max_length=10, blank=True, db_index=True)
    name = models.CharField("tên", max_length=200)
    level = models.CharField("cấp", max_length=10, choices=Level.choices)
    kind = models.CharField("loại", max_length=15, choices=Kind.choices, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name="thuộc", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    valid_from = models.DateField("hiệu lực từ", null=True, blank=True)
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)
    # The default successor (what a record of this unit becomes when nothing says otherwise);
    # every successor, for a commune split between several, is in ``successions``.
    successor = models.ForeignKey(
        "self",
        verbose_name="đơn vị kế thừa",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
    )
    successors = models.ManyToManyField(
        "self",
        verbose_name="các đơn vị kế thừa",
        through="UnitSuccession",
        through_fields=("predecessor", "successor"),
        symmetrical=False,
        related_name="former_units",
        blank=True,
    )
    # The name folded (no accents, lower case): the commune picker's accent-free search.
    search_text = models.CharField(max_length=200, blank=True, editable=False, db_index=True)

    objects = AdministrativeUnitQuerySet.as_manager()

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

    def save(self, *args, **kwargs):
        self.search_text = fold_accents(self.name).lower()
        super().save(*args, **kwargs)

    def is_valid_on(self, day: date) -> bool:
        return self.validity_refusal(day) is None

    def validity_refusal(self, day: date) -> str | None:
        """Why nothing may be placed in this unit on ``day`` (Vietnamese), or None when it is in
        force then. The one rule for facilities (model, form, workbook, admin): ``valid_on``."""
        if self.valid_to is not None and day > self.valid_to:
            now = self.successor.name if self.successor_id else ""
            return (
                f"{self.name} không còn hiệu lực vào ngày {day:%d/%m/%Y} "
                f"(hết hiệu lực từ {self.valid_to:%d/%m/%Y}"
                + (f"; nay thuộc {now}" if now else "")
                + "). Hãy chọn xã, phường hiện nay."
            )
        if self.valid_from is not None and day < self.valid_from:
            return (
                f"{self.name} chưa có hiệu lực vào ngày {day:%d/%m/%Y} "
                f"(có hiệu lực từ {self.valid_from:%d/%m/%Y})."
            )
        return None

    def label_with_former(self) -> str:
        """"Xã X (trước đây: Xã A, Xã B – Huyện Y)": a commune of the reform with the communes it
        was made of, for the picker."""
        former = [u for u in self.former_units.all() if u.level == self.Level.COMMUNE]
        if not former:
            return self.name
        names = ", ".join(sorted(u.name for u in former)[:4]) + ("…" if len(former) > 4 else "")
        return f"{self.name} (trước đây: {names})"


class UnitSuccession(models.Model):
    """A pre-reform unit and one unit that took (part of) it over; a commune split between
    several new communes has one row each, the package's default one marked."""

    predecessor = models.ForeignKey(
        AdministrativeUnit, on_delete=models.CASCADE, related_name="succession_rows", verbose_name="đơn vị cũ"
    )
    successor = models.ForeignKey(
        AdministrativeUnit, on_delete=models.CASCADE, related_name="predecession_rows", verbose_name="đơn vị mới"
    )
    is_default = models.BooleanField("mặc định", default=False)

    class Meta:
        verbose_name = "kế thừa đơn vị hành chính"
        verbose_name_plural = "kế thừa đơn vị hành chính"
        constraints = [models.UniqueConstraint(fields=["predecessor", "successor"], name="unit_succession_unique")]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


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

    def province_refusal(self) -> str:
        """Why the programme cannot belong to its province (empty when it can): a province that
        ended before the programme's first year (the former Lâm Đồng, Đắk Nông, Bình Thuận after
        30/6/2025) has no programme then, and one that began after its last year none before;
        its plans would fall outside every report (reporting scopes plans by their province).
        Program.clean() calls it: the programme form and the admin."""
        province = self.province if self.province_id else None
        if province is None or not self.first_year or not self.last_year:
            return ""
        if province.valid_to and province.valid_to < datetime.date(self.first_year, 1, 1):
            now = province.successor.name if province.successor_id else "tỉnh hiện nay"
            return (
                f"{province.name} chỉ tồn tại đến {province.valid_to:%d/%m/%Y}; "
                f"chương trình từ năm {self.first_year} thuộc {now}."
            )
        if province.valid_from and province.valid_from > datetime.date(self.last_year, 12, 31):
            return f"{province.name} có từ {province.valid_from:%d/%m/%Y}; không có chương trình cho những năm trước đó."
        return ""

    def clean(self) -> None:
        message = self.province_refusal()
        if message:
            raise ValidationError({"province": message})


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


def _year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def in_force_in_year(year: int) -> Q:
    """Rows with valid_from/valid_to (empty: open) in force on at least one day of ``year``:
    the one reading of "valid in a plan year" that activity contents, support caps and award
    levels share."""
    first, last = _year_bounds(year)
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=last)) & (Q(valid_to__isnull=True) | Q(valid_to__gte=first))


class ActivityContentQuerySet(models.QuerySet):
    def valid_in_year(self, year: int) -> ActivityContentQuerySet:
        """The contents a đề án of an annual plan for ``year`` may use: those in force on at
        least one day of that year (valid_from ≤ 31/12 and valid_to ≥ 1/1, an empty date being
        open). So a 2025 plan may use the NĐ 45/2012 list (to 14/10/2025) and the NĐ 235/2025
        list (from 15/10/2025), a 2026 plan only the NĐ 235/2025 list.

        THE rule of "a đề án uses the contents valid in its plan year": the đề án form, the
        admin and Project.clean() (ActivityContent.year_refusal), the workbook import and
        content_for() all ask it."""
        return self.filter(in_force_in_year(year))

    def lines(self) -> ActivityContentQuerySet:
        """The contents a đề án is placed on: lines, not the groups 1.1–1.6 (report sections)."""
        return self.filter(parent__isnull=False)


class ActivityContent(models.Model):
    """What kind of support: a group (1.1–1.6, the report's sections) or a line under it.

    Versioned data: each line carries its legal basis and validity (the NĐ 45/2012 list to
    14/10/2025, the NĐ 235/2025 list from 15/10/2025) and ``report_line``, the line of the
    report it counts under (the NĐ 45/2012 code whose figures it feeds, e.g. "MMTB" for the
    NĐ 235 machinery line), which is how reporting/figures.py maps both lists to one report.
    Groups have no dates: they are the report's sections for every list.
    """

    code = models.CharField("mã", max_length=20, unique=True)
    name = models.CharField("nội dung", max_length=400)
    parent = models.ForeignKey(
        "self", verbose_name="nhóm", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    legal_basis = models.CharField("căn cứ pháp lý", max_length=200, blank=True)
    valid_from = models.DateField("hiệu lực từ ngày", null=True, blank=True)
    valid_to = models.DateField("hiệu lực đến ngày", null=True, blank=True)
    report_line = models.CharField(
        "dòng báo cáo",
        max_length=20,
        blank=True,
        help_text="Mã dòng của báo cáo mà nội dung được tính vào (mã theo NĐ 45/2012, ví dụ MMTB); "
        "để trống thì dùng chính mã nội dung.",
    )

    objects = ActivityContentQuerySet.as_manager()

    class Meta:
        verbose_name = "nội dung hoạt động khuyến công"
        verbose_name_plural = "nội dung hoạt động khuyến công"
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="activitycontent_valid_to_after_from",
                violation_error_message="Ngày hết hiệu lực không được trước ngày có hiệu lực.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def line(self) -> str:
        """The report line this content counts under (``report_line``, else its own code)."""
        return self.report_line or self.code

    @property
    def validity_label(self) -> str:
        """"NĐ 45/2012/NĐ-CP, Điều 4 · đến 14/10/2025" as the choice lists show it."""
        dates = ""
        if self.valid_from and self.valid_to:
            dates = f"{self.valid_from:%d/%m/%Y}–{self.valid_to:%d/%m/%Y}"
        elif self.valid_from:
            dates = f"từ {self.valid_from:%d/%m/%Y}"
        elif self.valid_to:
            dates = f"đến {self.valid_to:%d/%m/%Y}"
        return " · ".join(part for part in (self.legal_basis, dates) if part)

    def year_refusal(self, year: int | None) -> str:
        """Why a đề án of an annual plan for ``year`` may not use this content (empty when it
        may): the content is not in force in that year (ActivityContentQuerySet.valid_in_year).
        The đề án form, the admin, Project.clean() and the workbook import call it."""
        if year is None or self.pk is None:
            return ""
        if ActivityContent.objects.valid_in_year(year).filter(pk=self.pk).exists():
            return ""
        successor = content_for(self.line, year)
        hint = f" Dùng nội dung “{successor.code} — {successor.name}”." if successor else ""
        return (
            f"Nội dung “{self.code}” ({self.validity_label or 'không rõ hiệu lực'}) không áp dụng cho kế hoạch "
            f"năm {year}: đề án chỉ dùng nội dung hoạt động còn hiệu lực trong năm kế hoạch.{hint}"
        )


def content_for(code: str, year: int) -> ActivityContent | None:
    """The line a đề án of ``year`` uses for ``code``: the content of that code if it is valid
    in the year, else the valid line that counts under the same report line (an NĐ 45/2012 code
    such as "MMTB" gives "MMTB-235" from 2026). None when there is none.

    For the demo builder and anyone holding an NĐ 45/2012 code: ``content_for("MMTB", 2026)``.
    """
    valid = ActivityContent.objects.valid_in_year(year).lines()
    found = valid.filter(code=code).first()
    if found is not None:
        return found
    line = ActivityContent.objects.filter(code=code).values_list("report_line", flat=True).first() or code
    return valid.filter(Q(report_line=line) | Q(report_line="", code=line)).order_by("-valid_from", "order").first()


class SupportForm(models.TextChoices):
    NON_RECOVERABLE = "non_recoverable", "Không thu hồi"
    RECOVERABLE = "recoverable", "Có thu hồi"
    INDIRECT = "indirect", "Gián tiếp"


class SupportCapQuerySet(models.QuerySet):
    def in_force_in_year(self, year: int) -> SupportCapQuerySet:
        """Caps in force on at least one day of ``year`` (the same reading of a plan year as
        ActivityContentQuerySet.valid_in_year)."""
        return self.filter(in_force_in_year(year))


class SupportCap(models.Model):
    """The most a đề án under a content may receive: a share of its cost (support ÷ (support +
    the facility's counterpart capital)) and a ceiling in đồng, with the text that sets them
    and its dates. Data the Department edits (screen /chuong-trinh/muc-ho-tro/): the circulars
    and the province's HĐND resolutions change them. Exceeding one warns, never refuses
    (support_cap_warning)."""

    content = models.ForeignKey(
        ActivityContent, verbose_name="nội dung hoạt động", on_delete=models.PROTECT, related_name="caps"
    )
    funding_level = models.ForeignKey(
        FundingLevel,
        verbose_name="nguồn kinh phí",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="caps",
        help_text="Để trống: áp dụng cho mọi nguồn kinh phí.",
    )
    support_form = models.CharField(
        "hình thức hỗ trợ",
        max_length=20,
        choices=SupportForm.choices,
        blank=True,
        help_text="Để trống: áp dụng cho mọi hình thức hỗ trợ.",
    )
    share_percent = models.PositiveSmallIntegerField(
        "tỷ lệ tối đa trên tổng chi phí (%)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(100, "Tỷ lệ hỗ trợ không được quá 100 phần trăm.")],
        help_text="Kinh phí hỗ trợ ÷ (kinh phí hỗ trợ + vốn đối ứng). Để trống nếu không giới hạn tỷ lệ.",
    )
    ceiling = models.BigIntegerField(
        "mức tối đa (đồng)",
        null=True,
        blank=True,
        validators=[validate_money],
        help_text="Số tiền hỗ trợ tối đa cho một đề án. Để trống nếu không giới hạn số tiền.",
    )
    legal_basis = models.CharField("căn cứ pháp lý", max_length=300)
    valid_from = models.DateField("áp dụng từ ngày", null=True, blank=True)
    valid_to = models.DateField("áp dụng đến ngày", null=True, blank=True)
    notes = models.TextField("ghi chú", blank=True)

    objects = SupportCapQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "mức hỗ trợ tối đa"
        verbose_name_plural = "mức hỗ trợ tối đa"
        ordering = ["content__order", "content__code", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(share_percent__isnull=False) | Q(ceiling__isnull=False),
                name="supportcap_share_or_ceiling",
                violation_error_message="Cần ghi tỷ lệ tối đa hoặc mức tối đa (đồng), hoặc cả hai.",
            ),
            models.CheckConstraint(
                condition=Q(share_percent__isnull=True) | Q(share_percent__lte=100),
                name="supportcap_share_at_most_100",
                violation_error_message="Tỷ lệ hỗ trợ không được quá 100 phần trăm.",
            ),
            non_negative("ceiling", "Mức tối đa"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="supportcap_valid_to_after_from",
                violation_error_message="Ngày hết áp dụng không được trước ngày bắt đầu áp dụng.",
            ),
        ]

    def __str__(self) -> str:
        parts = []
        if self.share_percent is not None:
            parts.append(f"tối đa {self.share_percent}%")
        if self.ceiling is not None:
            parts.append(f"không quá {money_exact(self.ceiling)}")
        return f"{self.content.code}: {', '.join(parts)}"


def support_cap_for(*, content_id: int | None, funding_level_id: int | None, support_form: str, year: int | None):
    """The cap that applies to a đề án with these facts, or None: a cap of its content, in force
    in its plan year, for its funding level or for every level, for its support form or every
    form; the most specific (a level, then a form), then the newest, wins."""
    if content_id is None or year is None:
        return None
    caps = (
        SupportCap.objects.in_force_in_year(year)
        .filter(content_id=content_id)
        .filter(Q(funding_level__isnull=True) | Q(funding_level_id=funding_level_id))
        .filter(Q(support_form="") | Q(support_form=support_form))
    )
    ranked = sorted(
        caps.select_related("content"),
        key=lambda c: (c.funding_level_id is not None, c.support_form != "", c.valid_from or datetime.date.min),
        reverse=True,
    )
    return ranked[0] if ranked else None


def support_cap_warning(project: Project) -> str:
    """What the đề án's support passes of its content's cap (empty when nothing, or no cap):
    see support_cap_excess. A warning, never a refusal: the đề án form and the admin show it
    after saving; the workbook import preview lists it per row (with the same two functions)."""
    cap = support_cap_for(
        content_id=project.content_id,
        funding_level_id=project.funding_level_id,
        support_form=project.support_form,
        year=project.plan.year if project.plan_id else None,
    )
    return support_cap_excess(
        cap, code=project.code, support=project.budget, counterpart=project.counterpart_capital or 0
    )


def support_cap_excess(cap: SupportCap | None, *, code: str, support: int, counterpart: int) -> str:
    """THE cap rule: a support (the đề án's budget: approved, else planned) passes ``cap`` when
    it is above the cap's share of the cost, support ÷ (support + counterpart capital), or
    above its ceiling in đồng. The warning's text, empty when it does not pass."""
    if cap is None or support <= 0:
        return ""
    over = []
    cost = support + counterpart
    if cap.share_percent is not None and support * 100 > cap.share_percent * cost:
        share = f"{support * 100 / cost:.1f}".replace(".", ",")
        over.append(f"bằng {share}% tổng chi phí {money_exact(cost)}, quá tỷ lệ tối đa {cap.share_percent}%")
    if cap.ceiling is not None and support > cap.ceiling:
        over.append(f"quá mức tối đa {money_exact(cap.ceiling)}")
    if not over:
        return ""
    return (
        f"Vượt mức hỗ trợ: kinh phí hỗ trợ {money_exact(support)} của đề án “{code}” {' và '.join(over)} "
        f"của nội dung {cap.content.code} ({cap.legal_basis}). Đề án vẫn được lưu; hãy kiểm tra lại."
    )


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
    # Where the facility is now: a commune of the 2025 reform, valid on the facility's date
    # (today, when it is registered or moved). ``administrative_unit`` stays what it was when
    # the facility was supported (a pre-reform district or commune: the reports for periods
    # before 7/2025 group by it).
    commune = models.ForeignKey(
        AdministrativeUnit,
        verbose_name="xã, phường, đặc khu",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilities_now",
    )
    # Set by the mapping (projects/admin_units.py) when the old unit did not decide the commune
    # alone: the codes of the candidate communes, until someone picks one on the review list.
    commune_needs_review = models.BooleanField("cần xem lại xã, phường", default=False)
    commune_candidates = models.JSONField("xã, phường có thể", default=list, blank=True)
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
        if self.administrative_unit_id is None and self.commune_id is not None:
            # A facility registered after the reform: its unit at the time of support is its commune.
            self.administrative_unit_id = self.commune_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        before = None
        if self.pk is not None:
            before = type(self).objects.filter(pk=self.pk).values_list("commune_id", flat=True).first()
        if refusal := self.commune_refusal(self.commune, before):
            raise ValidationError({"commune": refusal})

    @staticmethod
    def unit_date() -> date:
        """The date a facility's commune must be valid on: a facility is registered or moved today."""
        return local_today()

    @classmethod
    def commune_refusal(cls, commune: AdministrativeUnit | None, before_id: int | None, day: date | None = None) -> str | None:
        """Why ``commune`` cannot be the facility's (Vietnamese), or None: THE rule that model,
        form, admin and workbook import all ask. A commune given or changed must be a commune in
        force on the facility's date (today); a facility keeps the commune it has when that
        commune later ends, until someone moves it."""
        if commune is None or commune.pk == before_id:
            return None
        if commune.level != AdministrativeUnit.Level.COMMUNE:
            return f"{commune.name} không phải là xã, phường, đặc khu; hãy chọn xã, phường nơi cơ sở đặt trụ sở."
        return commune.validity_refusal(day or cls.unit_date())

    @property
    def district(self) -> AdministrativeUnit | None:
        """The huyện the facility lies in: its unit, or a commune's parent; none for a unit
        without a district above it (a commune after the 2025 reform)."""
        unit = self.administrative_unit
        if unit is not None and unit.level == AdministrativeUnit.Level.COMMUNE:
            unit = unit.parent
        return unit if unit is not None and unit.level == AdministrativeUnit.Level.DISTRICT else None


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
        message = self.content_refusal()
        if message:
            raise ValidationError({"content": message}, code="content_year")
        message = self.approved_budget_refusal()
        if message:
            raise ValidationError({"approved_budget": message}, code="approved_budget")
        refusal = self.lifecycle_refusal()
        if refusal:
            raise ValidationError({refusal[0]: refusal[1]}, code="lifecycle")
        if self.pk:
            paid = self.disbursements.aggregate(total=Coalesce(models.Sum("amount"), 0))["total"]
            message = self.budget_below_paid_refusal(paid)
            if message:
                field = "approved_budget" if self.approved_budget else "planned_budget"
                raise ValidationError({field: message}, code="budget_below_paid")

    def content_refusal(self) -> str:
        """Why the đề án may not use its content in its plan's year (ActivityContent.year_refusal;
        empty when it may)."""
        if not self.content_id or not self.plan_id:
            return ""
        return self.content.year_refusal(self.plan.year)

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

    def lifecycle_refusal(self) -> tuple[str, str] | None:
        """Why the đề án's steps, as its fields now say them, do not hold together: (field,
        Vietnamese message), or None when they do. THE rule of acceptance and settlement dates
        and of completion, which Project.clean() (forms, admin), the steps
        (projects.services.take_step) and the workbook import all ask:

        - nghiệm thu happens after the đề án started and on a day that has come;
        - quyết toán follows nghiệm thu, on a day that has come;
        - a completed đề án has been accepted and settled.
        """
        today = local_today()
        accepted, settled = self.acceptance_date, self.settlement_date
        if accepted is not None:
            if accepted > today:
                return "acceptance_date", (
                    f"Ngày nghiệm thu {accepted:%d/%m/%Y} chưa đến (hôm nay là {today:%d/%m/%Y}): "
                    "chỉ ghi nghiệm thu đã diễn ra."
                )
            if self.start_date is not None and accepted < self.start_date:
                return "acceptance_date", (
                    f"Ngày nghiệm thu {accepted:%d/%m/%Y} trước ngày bắt đầu đề án {self.start_date:%d/%m/%Y}."
                )
        if settled is not None:
            if accepted is None:
                return "settlement_date", "Đề án chưa nghiệm thu: chỉ quyết toán sau khi nghiệm thu."
            if settled < accepted:
                return "settlement_date", (
                    f"Ngày quyết toán {settled:%d/%m/%Y} trước ngày nghiệm thu {accepted:%d/%m/%Y}."
                )
            if settled > today:
                return "settlement_date", (
                    f"Ngày quyết toán {settled:%d/%m/%Y} chưa đến (hôm nay là {today:%d/%m/%Y}): "
                    "chỉ ghi quyết toán đã có."
                )
        if self.status == self.Status.COMPLETED and (accepted is None or settled is None):
            missing = " và ".join(
                label for label, day in (("ngày nghiệm thu", accepted), ("ngày quyết toán", settled)) if day is None
            )
            return "status", f"Đề án chỉ hoàn thành khi đã nghiệm thu và quyết toán: còn thiếu {missing}."
        return None

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

    def result_refusal(self, date: datetime.date | None = None) -> str:
        """Why no result after support may be recorded under this đề án (empty when one may):
        only a completed đề án is followed up, and (given ``date``) on a day that has come and
        not before the đề án's plan year began. ProjectResult.clean() (form, admin) and the
        workbook import call it."""
        if self.status != self.Status.COMPLETED:
            return (
                f"Đề án “{self.code}” đang ở trạng thái “{self.get_status_display()}”: chỉ ghi kết quả sau hỗ trợ "
                "cho đề án đã hoàn thành."
            )
        if date is None:
            return ""
        today = local_today()
        if date > today:
            return f"Ngày theo dõi {date:%d/%m/%Y} chưa đến (hôm nay là {today:%d/%m/%Y}): kết quả sau hỗ trợ ghi điều đã thấy."
        year = self.plan.year if self.plan_id else None
        if year and date < datetime.date(year, 1, 1):
            return (
                f"Ngày theo dõi {date:%d/%m/%Y} trước năm kế hoạch {year} của đề án “{self.code}”: "
                "kết quả sau hỗ trợ ghi sau khi đề án được thực hiện."
            )
        return ""

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
        return self.filter(in_force_in_year(year))


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
        first, last = _year_bounds(year)
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



from projects.decisions import ProjectDecision  # noqa: E402,F401  (the steps of a đề án, their own module)
from projects.results import ProjectResult  # noqa: E402,F401  (results after support, its own module)
