"""Results after support (kết quả sau hỗ trợ): follow-up records of a completed đề án, which
the Ministry's 2026 guidance asks the provinces to judge (capacity, productivity, value added,
markets, material and energy saved, jobs, capital mobilised).

Imported by projects.models, so that it is a model of the ``projects`` app.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce

from khuyencong.core.cells import validate_money
from khuyencong.core.history import HistoricalRecords
from khuyencong.core.text import CleanCharField


class ProjectResultQuerySet(models.QuerySet):
    def followed_in(self, year_from: int, year_to: int) -> ProjectResultQuerySet:
        """The records a period counts (the report's section and annex, the dashboard): dated
        in its years, of a đề án that is completed (a đề án reopened since no longer counts)."""
        return self.filter(
            date__year__gte=year_from, date__year__lte=year_to, project__status="completed"
        )

    def totals(self) -> dict[str, int]:
        """Đề án followed up, records, jobs created, capital mobilised (for the dashboard)."""
        return self.aggregate(
            projects=models.Count("project", distinct=True),
            follow_ups=models.Count("pk"),
            jobs_created=Coalesce(models.Sum("jobs_created"), 0),
            capital_mobilised=Coalesce(models.Sum("capital_mobilised"), 0),
        )


class ProjectResult(models.Model):
    project = models.ForeignKey(
        "projects.Project", verbose_name="đề án", on_delete=models.PROTECT, related_name="results"
    )
    date = models.DateField("ngày theo dõi")
    capacity = CleanCharField("năng lực sản xuất", max_length=200, blank=True, help_text="Ví dụ: 12 tấn/ngày.")
    productivity_increase = models.DecimalField(
        "năng suất tăng (%)", max_digits=6, decimal_places=2, null=True, blank=True
    )
    revenue = models.BigIntegerField(
        "doanh thu / giá trị gia tăng (đồng)", default=0, validators=[validate_money]
    )
    new_markets = CleanCharField("thị trường mới", max_length=300, blank=True)
    material_saved = CleanCharField("tiết kiệm nguyên liệu", max_length=200, blank=True, help_text="Ví dụ: 8%.")
    energy_saved = CleanCharField("tiết kiệm năng lượng", max_length=200, blank=True, help_text="Ví dụ: 15% điện năng.")
    jobs_created = models.PositiveIntegerField("lao động có việc làm mới", default=0)
    capital_mobilised = models.BigIntegerField("vốn huy động (đồng)", default=0, validators=[validate_money])
    note = models.TextField("ghi chú", blank=True)

    history = HistoricalRecords()

    objects = ProjectResultQuerySet.as_manager()

    class Meta:
        verbose_name = "kết quả sau hỗ trợ"
        verbose_name_plural = "kết quả sau hỗ trợ"
        ordering = ["project", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "date"],
                name="projectresult_unique_date_in_project",
                violation_error_message="Đề án này đã có kết quả theo dõi cùng ngày.",
            ),
            models.CheckConstraint(
                condition=Q(revenue__gte=0), name="projects_projectresult_revenue_non_negative",
                violation_error_message="Doanh thu / giá trị gia tăng không được là số âm.",
            ),
            models.CheckConstraint(
                condition=Q(capital_mobilised__gte=0), name="projects_projectresult_capital_non_negative",
                violation_error_message="Vốn huy động không được là số âm.",
            ),
        ]

    def __str__(self) -> str:
        return f"Kết quả {self.date:%d/%m/%Y} — {self.project}"

    def clean(self) -> None:
        try:
            project = self.project
        except models.ObjectDoesNotExist:
            return  # the form reports the missing đề án
        message = project.result_refusal(self.date if isinstance(self.date, datetime.date) else None)
        if message:
            # Not beside a field: on the đề án page the đề án is not a field of the form.
            raise ValidationError(message, code="project_not_completed")
