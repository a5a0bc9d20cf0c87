"""django-import-export resources for the admin: the funding sheets of the Centre's workbook
(GiaiNgan, HopDong, LichTra, TraNo, KhoiKien) with their Vietnamese column names.

The whole workbook, with the schedule rule and the checks between sheets, goes through
khuyencong.workbook; these serve the admin's per-table import and export buttons.
"""

from __future__ import annotations

from typing import Any

from import_export import fields, resources, widgets

from funding.models import Disbursement, Instalment, Lawsuit, LoanContract, Repayment
from khuyencong.core import cells
from khuyencong.core.widgets import (
    ChoiceLabelWidget,
    DateWidget,
    MoneyWidget,
    TextWidget,
)
from projects.resources import FacilityRefWidget, ProjectRefWidget


def column(attribute: str, name: str, widget=None) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=name, widget=widget or TextWidget())


class ContractRefWidget(widgets.ForeignKeyWidget):
    def __init__(self, **kwargs):
        super().__init__(LoanContract, field="number", **kwargs)

    def clean(self, value: Any, row=None, **kwargs):
        if cells.is_blank(value):
            return None
        try:
            return self.model.objects.get(number=cells.text(value))
        except self.model.DoesNotExist:
            raise ValueError(f"Không tìm thấy hợp đồng số “{value}”.") from None


class DisbursementResource(resources.ModelResource):
    year = fields.Field(attribute="project__plan__year", column_name="Năm", readonly=True)
    project = fields.Field(attribute="project", column_name="Mã đề án", widget=ProjectRefWidget())
    date = column("date", "Ngày", DateWidget())
    amount = column("amount", "Số tiền", MoneyWidget())
    document_number = column("document_number", "Số chứng từ")

    class Meta:
        model = Disbursement
        import_id_fields = ("project", "document_number")
        fields = ("year", "project", "date", "amount", "document_number")
        skip_unchanged = True


class LoanContractResource(resources.ModelResource):
    number = column("number", "Số hợp đồng")
    year = fields.Field(attribute="project__plan__year", column_name="Năm", readonly=True)
    project = fields.Field(attribute="project", column_name="Mã đề án", widget=ProjectRefWidget())
    facility = fields.Field(attribute="facility", column_name="Cơ sở", widget=FacilityRefWidget())
    signed_on = column("signed_on", "Ngày ký", DateWidget())
    principal = column("principal", "Số tiền hỗ trợ", MoneyWidget())
    disbursed_on = column("disbursed_on", "Ngày giải ngân", DateWidget())
    term_months = column("term_months", "Thời hạn (tháng)", widgets.IntegerWidget())
    grace_months = column("grace_months", "Ân hạn (tháng)", widgets.IntegerWidget())
    instalment_count = column("instalment_count", "Số kỳ trả", widgets.IntegerWidget())
    state = column("state", "Tình trạng", ChoiceLabelWidget(LoanContract.State.choices))

    class Meta:
        model = LoanContract
        import_id_fields = ("number",)
        fields = (
            "number",
            "year",
            "project",
            "facility",
            "signed_on",
            "principal",
            "disbursed_on",
            "term_months",
            "grace_months",
            "instalment_count",
            "state",
        )
        skip_unchanged = True


class InstalmentResource(resources.ModelResource):
    contract = fields.Field(attribute="contract", column_name="Số hợp đồng", widget=ContractRefWidget())
    number = column("number", "Kỳ", widgets.IntegerWidget())
    due_date = column("due_date", "Ngày đến hạn", DateWidget())
    principal_due = column("principal_due", "Số tiền", MoneyWidget())
    schedule_version = column("schedule_version", "Phiên bản", widgets.IntegerWidget())

    class Meta:
        model = Instalment
        import_id_fields = ("contract", "schedule_version", "number")
        fields = ("contract", "number", "due_date", "principal_due", "schedule_version")
        skip_unchanged = True


class RepaymentResource(resources.ModelResource):
    """Export only: money received is recorded once and corrected by reversal (workbook import)."""

    contract = fields.Field(attribute="contract", column_name="Số hợp đồng", widget=ContractRefWidget())
    date = column("date", "Ngày trả", DateWidget())
    amount = column("amount", "Số tiền", MoneyWidget())
    receipt_number = column("receipt_number", "Số biên lai")
    reverses = fields.Field(attribute="reversal_of__receipt_number", column_name="Đảo biên lai", readonly=True)

    class Meta:
        model = Repayment
        import_id_fields = ("contract", "receipt_number")
        fields = ("contract", "date", "amount", "receipt_number", "reverses")
        skip_unchanged = True

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk:
            raise ValueError("Không được sửa khoản trả nợ đã ghi nhận; hãy lập bút toán đảo.")


class LawsuitResource(resources.ModelResource):
    contract = fields.Field(attribute="contract", column_name="Số hợp đồng", widget=ContractRefWidget())
    filed_on = column("filed_on", "Ngày khởi kiện", DateWidget())
    court = column("court", "Tòa án")
    case_number = column("case_number", "Số thụ lý")
    status = column("status", "Trạng thái", ChoiceLabelWidget(Lawsuit.Status.choices))
    amount_awarded = column("amount_awarded", "Số tiền theo bản án", MoneyWidget())

    class Meta:
        model = Lawsuit
        import_id_fields = ("contract", "filed_on")
        fields = ("contract", "filed_on", "court", "case_number", "status", "amount_awarded")
        skip_unchanged = True
