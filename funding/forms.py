"""Forms of the staff screens for money paid out."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.db.models.functions import Coalesce

from funding.models import Disbursement, FundingSource
from khuyencong.formatting import money_exact
from khuyencong.forms import MoneyField, vietnamese_date_field
from projects.models import Project

# A đề án is paid only once approved and until it is closed.
PAYABLE = {Project.Status.APPROVED, Project.Status.IN_PROGRESS, Project.Status.COMPLETED}


class DisbursementForm(forms.ModelForm):
    amount = MoneyField(label="Số tiền (đồng)", min_value=1)

    class Meta:
        model = Disbursement
        fields = ["date", "amount", "document_number", "funding_source"]
        help_texts = {"document_number": "Số ủy nhiệm chi hoặc chứng từ thanh toán."}

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        vietnamese_date_field(self.fields["date"])
        self.fields["funding_source"].queryset = FundingSource.objects.filter(
            level_id=project.funding_level_id
        ).order_by("-year", "name")
        self.fields["funding_source"].empty_label = "— Không ghi —"

    def clean_document_number(self) -> str:
        number = self.cleaned_data["document_number"].strip()
        # The form has no project field, so Django does not check this constraint itself.
        if Disbursement.objects.filter(project=self.project, document_number__iexact=number).exists():
            raise ValidationError("Đề án này đã có chứng từ giải ngân cùng số.")
        return number

    def clean(self) -> dict:
        data = super().clean()
        if self.project.status not in PAYABLE:
            raise ValidationError(
                f"Đề án đang ở trạng thái “{self.project.get_status_display()}”: chỉ giải ngân cho đề án đã duyệt."
            )
        amount = data.get("amount")
        ceiling = self.project.approved_budget or self.project.planned_budget
        if amount and ceiling:
            paid = self.project.disbursements.aggregate(total=Coalesce(Sum("amount"), 0))["total"]
            if paid + amount > ceiling:
                self.add_error(
                    "amount",
                    f"Tổng giải ngân ({money_exact(paid + amount)}) vượt kinh phí được duyệt "
                    f"({money_exact(ceiling)}). Đã giải ngân {money_exact(paid)}.",
                )
        return data

    def save(self, commit: bool = True) -> Disbursement:
        self.instance.project = self.project
        return super().save(commit)
