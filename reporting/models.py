"""The BC-SCT report as a record: its scope, the narrative the staff write, its issued state."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import ExtractYear

from khuyencong.core.history import HistoricalRecords
from khuyencong.core.validators import LAST_YEAR
from projects import provinces
from reporting import outline


class Report(models.Model):
    """A report to the Ministry, annual or for a period; frozen once issued."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", "Báo cáo năm"
        PERIOD = "period", "Báo cáo giai đoạn"

    class Status(models.TextChoices):
        DRAFT = "draft", "Dự thảo"
        ISSUED = "issued", "Đã ban hành"

    province = models.ForeignKey(
        "projects.AdministrativeUnit", verbose_name="tỉnh", on_delete=models.PROTECT, related_name="reports"
    )
    kind = models.CharField("loại báo cáo", max_length=10, choices=Kind.choices, default=Kind.PERIOD)
    year_from = models.PositiveSmallIntegerField("từ năm")
    year_to = models.PositiveSmallIntegerField("đến năm")
    title = models.CharField("trích yếu", max_length=500, blank=True)
    number = models.CharField("số", max_length=60, blank=True, help_text="Ví dụ: 125/BC-SCT; cấp khi ban hành.")
    place = models.CharField("địa danh", max_length=100, blank=True)
    report_date = models.DateField("ngày báo cáo", help_text="Công nợ và tình hình trả nợ tính đến ngày này.")
    addressees = models.TextField("kính gửi", blank=True, help_text="Mỗi dòng một nơi.")
    # The text the staff write, by section of the outline (reporting/outline.py): {slug: text}.
    section_texts = models.JSONField("nội dung các mục", default=dict, blank=True)
    # The generated paragraphs (reporting/sentences.py) as the staff set them:
    # {key: {"hidden": bool, "after": text added after it}}; a key absent is shown, nothing added.
    paragraph_settings = models.JSONField("đoạn văn tự sinh: ẩn/hiện, lời thêm", default=dict, blank=True)
    recipients = models.TextField("nơi nhận", blank=True, help_text="Mỗi dòng một nơi.")
    signer_authority = models.CharField(
        "thẩm quyền ký", max_length=200, blank=True, help_text="Ví dụ: KT. GIÁM ĐỐC; để trống khi người đứng đầu ký."
    )
    signer_title = models.CharField("chức vụ người ký", max_length=200, blank=True)
    signer_name = models.CharField("họ tên người ký", max_length=200, blank=True)
    status = models.CharField("trạng thái", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    issued_at = models.DateTimeField("thời điểm ban hành", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người ban hành",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_reports",
    )
    # The warnings of reporting.checks acknowledged when the report was issued: code, message,
    # who and when (the history row of the issuing keeps them too).
    acknowledged_warnings = models.JSONField(
        "cảnh báo đã xác nhận khi ban hành", default=list, blank=True, encoder=DjangoJSONEncoder
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name="thay thế báo cáo",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    created_at = models.DateTimeField("ngày tạo", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "báo cáo"
        verbose_name_plural = "báo cáo"
        ordering = ["-report_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year_to__gte=models.F("year_from")),
                name="report_year_to_after_from",
                violation_error_message="Năm kết thúc không được trước năm bắt đầu.",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(issued_at__isnull=False) & ~Q(number="")),
                name="report_issued_has_number_and_time",
                violation_error_message="Báo cáo đã ban hành phải có số và thời điểm ban hành.",
            ),
            # A correction replaces an issued report once: two issued replacements of one
            # report would leave two versions in force.
            # Two issued reports of one year never share a number, whatever two parallel
            # requests do (reporting.services.issue_report also locks the year's numbering,
            # so the second is refused with the service's message before this is reached).
            models.UniqueConstraint(
                F("number"),
                ExtractYear("report_date"),
                condition=Q(status="issued"),
                name="report_number_unique_per_year",
                violation_error_message="Số báo cáo này đã dùng cho một báo cáo ban hành cùng năm.",
            ),
            models.UniqueConstraint(
                fields=["replaces"],
                condition=Q(status="issued"),
                name="report_replaced_once",
                violation_error_message="Báo cáo này đã được thay thế bởi một báo cáo đã ban hành khác.",
            ),
        ]

    def __str__(self) -> str:
        years = str(self.year_from) if self.year_from == self.year_to else f"{self.year_from}-{self.year_to}"
        return f"Báo cáo {years} ({self.get_status_display()})"

    def clean(self) -> None:
        super().clean()
        errors = _narrative_errors(self.section_texts, self.paragraph_settings)
        if errors:
            raise ValidationError({"section_texts": errors})
        if self.province_id and self.year_from and self.year_to:
            # A former province only for years it existed (form, admin, services: this rule).
            refusal = provinces.report_scope_refusal(self.province, self.year_from, self.year_to)
            if refusal:
                raise ValidationError({"province": refusal})

    def section_text(self, slug: str) -> str:
        return str((self.section_texts or {}).get(slug, ""))

    def paragraph_hidden(self, key: str) -> bool:
        return bool((self.paragraph_settings or {}).get(key, {}).get("hidden"))

    def paragraph_after(self, key: str) -> str:
        return str((self.paragraph_settings or {}).get(key, {}).get("after", ""))

    @staticmethod
    def report_date_refusal(year_from: int, report_date) -> str | None:
        """Why a report of years from ``year_from`` cannot be dated ``report_date``, or None: it
        cannot be dated before its period begins, nor past the portal's years."""
        if report_date.year < year_from:
            return f"Ngày báo cáo không được trước kỳ báo cáo (từ 01/01/{year_from})."
        if report_date.year > LAST_YEAR:
            return f"Ngày báo cáo phải trong các năm đến {LAST_YEAR}."
        return None

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED

    @property
    def display_title(self) -> str:
        """The summary line the document prints: the title typed, or the default one."""
        period = f"năm {self.year_from}" if self.year_from == self.year_to else f"giai đoạn {self.years_label}"
        return self.title or f"Tình hình thực hiện Chương trình khuyến công {period}"

    @property
    def years_label(self) -> str:
        return str(self.year_from) if self.year_from == self.year_to else f"{self.year_from}-{self.year_to}"


def _narrative_errors(texts, settings_) -> list[str]:
    """What is wrong with the stored narrative: keys that are not in the outline, values of the
    wrong type (an API or admin could store anything in a JSON field)."""
    errors = []
    if not isinstance(texts, dict) or not all(isinstance(v, str) for v in texts.values()):
        return ["Nội dung các mục phải là văn bản theo từng mục."]
    unknown = set(texts) - set(outline.text_slugs())
    if unknown:
        errors.append(f"Mục không có trong đề cương báo cáo: {', '.join(sorted(unknown))}.")
    if not isinstance(settings_, dict):
        return [*errors, "Thiết lập đoạn văn tự sinh không hợp lệ."]
    unknown = set(settings_) - set(outline.paragraph_keys())
    if unknown:
        errors.append(f"Đoạn văn tự sinh không có trong đề cương: {', '.join(sorted(unknown))}.")
    for value in settings_.values():
        if not (
            isinstance(value, dict) and isinstance(value.get("hidden", False), bool) and isinstance(value.get("after", ""), str)
        ):
            errors.append("Thiết lập đoạn văn tự sinh không hợp lệ.")
            break
    return errors


class ReportNumbering(models.Model):
    """The numbering of one year's reports: issuing a report of that year locks this row
    (select_for_update), so two reports issued at once check their numbers one after the other.
    A row is made the first time a report of the year is issued."""

    year = models.PositiveSmallIntegerField("năm", primary_key=True)

    class Meta:
        verbose_name = "sổ cấp số báo cáo"
        verbose_name_plural = "sổ cấp số báo cáo"

    def __str__(self) -> str:
        return f"Sổ cấp số báo cáo năm {self.year}"


class ReportSnapshot(models.Model):
    """What an issued report was when it was issued: its figures, its files (HTML, PDF signed
    when a certificate is configured, Excel annexes, Word) and the package for the Ministry.

    Kept in the database, not as files under MEDIA_ROOT, so that they are written in the same
    transaction as the report's issued state: a failure leaves neither a half-issued report nor
    orphan files, and a backup of the database is a backup of every issued report. Never
    changed after it is written.
    """

    report = models.OneToOneField(
        Report, verbose_name="báo cáo", on_delete=models.PROTECT, related_name="snapshot", primary_key=True
    )
    figures = models.JSONField("số liệu khi ban hành", encoder=DjangoJSONEncoder)
    html = models.TextField("văn bản HTML")
    pdf = models.BinaryField("tệp PDF")
    xlsx = models.BinaryField("phụ lục Excel")
    docx = models.BinaryField("tệp Word", default=b"")
    # The machine-readable package for the Ministry (reporting/package.py, its schema in
    # reporting/schema/report-package.schema.json); empty for reports issued before it existed.
    package = models.JSONField("gói dữ liệu gửi Bộ", default=dict, encoder=DjangoJSONEncoder)
    signed = models.BooleanField("PDF đã ký số", default=False)
    pdf_sha256 = models.CharField("SHA-256 của tệp PDF", max_length=64)
    created_at = models.DateTimeField("thời điểm lưu", auto_now_add=True)

    class Meta:
        verbose_name = "bản lưu báo cáo đã ban hành"
        verbose_name_plural = "bản lưu báo cáo đã ban hành"

    def __str__(self) -> str:
        return f"Bản lưu {self.report}"
