"""The steps of a đề án's life and the decisions that take it (TT 36/2013/TT-BCT, TT 20/2017/TT-BCT,
TT 28/2018/TT-BCT): registered, appraised, approved by a decision of the Department, under way,
accepted (nghiệm thu, with its minutes), settled (quyết toán), completed; adjusted or stopped by
a further decision after approval.

``Project.status`` stays what the report counts (proposed, approved, in progress, completed,
cancelled, not carried out); a ProjectDecision row records each step with its number, date, the
amount it names, its result, and who recorded it and when. The stage a đề án is at is derived
from both (``projects.services.stage``). The dates of acceptance and settlement stay on the đề án
(``Project.acceptance_date``, ``settlement_date``), their one place: the row of those steps adds
the minutes' number, the result and the amount, and shows the đề án's date.

Only projects.services.take_step writes these rows. Imported by projects.models, so that it is
a model of the ``projects`` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from khuyencong.core.cells import validate_money
from khuyencong.core.history import HistoricalRecords
from khuyencong.core.text import CleanCharField


class DecisionKind(models.TextChoices):
    APPRAISAL = "appraisal", "Thẩm định"
    APPROVAL = "approval", "Phê duyệt"
    START = "start", "Bắt đầu thực hiện"
    ACCEPTANCE = "acceptance", "Nghiệm thu"
    SETTLEMENT = "settlement", "Quyết toán"
    COMPLETION = "completion", "Hoàn thành"
    ADJUSTMENT = "adjustment", "Điều chỉnh"
    STOP = "stop", "Dừng thực hiện"


class AcceptanceResult(models.TextChoices):
    PASSED = "passed", "Đạt"
    FAILED = "failed", "Không đạt"


class ProjectDecision(models.Model):
    """One step of a đề án's life: who recorded it, when, and what the paper says."""

    project = models.ForeignKey(
        "projects.Project", verbose_name="đề án", on_delete=models.PROTECT, related_name="decisions"
    )
    kind = models.CharField("bước", max_length=20, choices=DecisionKind.choices, db_index=True)
    number = CleanCharField("số văn bản", max_length=60, blank=True)
    # Acceptance and settlement leave this empty: their date is the đề án's (see the module).
    date = models.DateField("ngày", null=True, blank=True)
    amount = models.BigIntegerField("số tiền (đồng)", null=True, blank=True, validators=[validate_money])
    end_date = models.DateField("ngày kết thúc mới", null=True, blank=True)
    result = models.CharField("kết quả", max_length=10, choices=AcceptanceResult.choices, blank=True)
    note = models.TextField("ghi chú", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người ghi", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("thời điểm ghi", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "bước thực hiện đề án"
        verbose_name_plural = "các bước thực hiện đề án"
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="projectdecision_amount_non_negative",
                violation_error_message="Số tiền không được là số âm.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} đề án {self.project.code}"

    @property
    def day(self):
        """The step's date: the đề án's acceptance or settlement date for those steps."""
        if self.kind == DecisionKind.ACCEPTANCE and self.result == AcceptanceResult.PASSED:
            return self.project.acceptance_date or self.date
        if self.kind == DecisionKind.SETTLEMENT:
            return self.project.settlement_date or self.date
        return self.date
