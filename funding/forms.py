"""Forms of the staff screens for money paid out."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError

from funding import services
from funding.loans import BUCKET_LABELS
from funding.models import Disbursement, FundingSource, LoanContract, Repayment
from khuyencong.core.formatting import date_short, group_thousands, money_exact
from khuyencong.core.forms import (
    ConstraintErrorsNextToFields,
    MoneyField,
    errors_next_to_fields,
    parse_money,
    vietnamese_date_field,
)
from khuyencong.core.text import same_name
from projects.models import Facility, Project


class DisbursementForm(ConstraintErrorsNextToFields, forms.ModelForm):
    """Reads the fields; what may be paid is decided by ``services.record_disbursement``, whose
    refusals ``record`` puts beside the field they are about."""

    amount = MoneyField(label="Số tiền (đồng)", min_value=1)

    class Meta:
        model = Disbursement
        fields = ["date", "amount", "document_number", "funding_source", "kind"]
        help_texts = {
            "document_number": "Số ủy nhiệm chi hoặc chứng từ thanh toán.",
            "kind": "Tạm ứng: chi trước khi nghiệm thu, còn phải quyết toán. Thanh toán: chi cho phần việc đã làm.",
        }

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        vietnamese_date_field(self.fields["date"])
        self.fields["funding_source"].queryset = FundingSource.objects.filter(
            level_id=project.funding_level_id
        ).order_by("-year", "name")
        self.fields["funding_source"].empty_label = "— Không ghi —"
        # Thanh toán unless said otherwise: the screens and scripts from before the kind send none.
        self.fields["kind"].required = False
        self.fields["kind"].initial = Disbursement.Kind.PAYMENT

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or Disbursement.Kind.PAYMENT

    def record(self, *, by) -> Disbursement | None:
        """The disbursement recorded, or None with the reasons on the form."""
        if not self.is_valid():
            return None
        try:
            return services.record_disbursement(project=self.project, by=by, **self.cleaned_data)
        except ValidationError as refused:
            add_refusal(self, refused)
            return None


def add_refusal(form: forms.BaseForm, refused: ValidationError) -> None:
    """A service's Vietnamese refusal on the form: beside its field when the form has one."""
    if hasattr(refused, "error_dict"):
        for field, errors in refused.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, refused)
    errors_next_to_fields(form)


# ——— Recoverable contracts ——————————————————————————————————————————————————————————————

# The ageing filter: URL-safe keys for the buckets of funding.loans (whose labels use "–").
OVERDUE_ANY = "qua-han"
NOT_OVERDUE = "trong-han"
BUCKET_KEYS = {label.replace("–", "-").replace(">", "tren-"): label for label in BUCKET_LABELS}


def _dates_vietnamese(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if isinstance(field, forms.DateField):
            vietnamese_date_field(field)


class ScheduleRow:
    """One row of the schedule table as typed (texts), with its own errors."""

    def __init__(self, due: str = "", amount: str = "") -> None:
        self.due, self.amount = due.strip(), amount.strip()
        self.number: int | None = None  # its instalment number once blank rows are left out
        self.errors: list[str] = []

    @property
    def blank(self) -> bool:
        return not self.due and not self.amount


# A schedule row's fields in the posted form: one value per row, in order (the table's inputs
# share their names, so rows are added and removed without renumbering anything).
SCHEDULE_DUE, SCHEDULE_AMOUNT = "ky_ngay", "ky_so_tien"
BLANK_ROWS = 2  # rows offered to fill in without JavaScript
_ROW_MESSAGE = re.compile(r"^Kỳ (\d+): (.*)$", re.S)


class ContractForm(forms.Form):
    """A contract of a recoverable đề án, with one of the đề án's facilities: a new one, or a
    draft corrected (``contract``). Its planned schedule is the table ``rows`` (due date and
    amount per row); left empty, the equal instalments are made at disbursement. Whether the
    rows make a schedule is decided by the service (``services._check_rows``)."""

    number = forms.CharField(label="Số hợp đồng", max_length=60, help_text="Ví dụ: 05/2025/HĐ-KC.")
    facility = forms.ModelChoiceField(label="Cơ sở thụ hưởng", queryset=Facility.objects.none(), empty_label=None)
    signed_on = forms.DateField(label="Ngày ký")
    principal = MoneyField(label="Số tiền hỗ trợ (đồng)", min_value=1)
    term_months = forms.IntegerField(
        label="Thời hạn (tháng)", min_value=1, max_value=240, help_text="Tính từ ngày giải ngân."
    )
    grace_months = forms.IntegerField(
        label="Ân hạn (tháng)", min_value=0, max_value=239, initial=0, help_text="Những tháng đầu chưa phải trả."
    )
    instalment_count = forms.IntegerField(
        label="Số kỳ trả",
        min_value=1,
        max_value=240,
        help_text="Lịch trả đều cần thời hạn trừ ân hạn chia hết cho số kỳ; nếu không, nhập lịch trả cụ thể ở bảng dưới.",
    )
    instalments = forms.Field(label="Lịch trả dự kiến", required=False)

    def __init__(self, *args, project: Project, contract: LoanContract | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)
        self.project, self.contract = project, contract
        self.fields["facility"].queryset = project.facilities.order_by("name")
        if self.is_bound:
            dues, amounts = self.data.getlist(SCHEDULE_DUE), self.data.getlist(SCHEDULE_AMOUNT)
            self.rows = [ScheduleRow(d, a) for d, a in zip(dues, amounts, strict=False)]
        else:
            self.rows = [ScheduleRow(date_short(d), group_thousands(a)) for d, a in self.initial.get("instalments") or []]
        self._number_rows()

    def _number_rows(self) -> None:
        filled = [row for row in self.rows if not row.blank]
        for n, row in enumerate(filled, start=1):
            row.number = n
        self.rows = filled + [ScheduleRow() for _ in range(BLANK_ROWS)]

    def clean_number(self) -> str:
        number = " ".join(self.cleaned_data["number"].split())
        others = LoanContract.objects.exclude(pk=self.contract.pk) if self.contract else LoanContract.objects.all()
        if any(same_name(existing, number) for existing in others.values_list("number", flat=True).iterator()):
            raise ValidationError(f"Đã có hợp đồng số {number}.")
        return number

    def clean_instalments(self) -> list[tuple[datetime.date, int]] | None:
        """The table's rows as (date, amount); None when it is empty. A row it cannot read keeps
        its message beside it."""
        schedule, bad = [], False
        for row in self.rows:
            if row.blank:
                continue
            day = amount = None
            try:
                day = datetime.datetime.strptime(row.due, "%d/%m/%Y").date()
            except ValueError:
                row.errors.append(f"Ngày “{row.due}” không hợp lệ (dạng dd/mm/yyyy)." if row.due else "Thiếu ngày đến hạn.")
            try:
                amount = parse_money(row.amount) if row.amount else None
                if amount is None:
                    row.errors.append("Thiếu số tiền.")
            except ValidationError as exc:
                row.errors.extend(exc.messages)
            bad = bad or bool(row.errors)
            schedule.append((day, amount))
        if bad:
            raise ValidationError("Lịch trả có kỳ nhập sai: xem thông báo ở từng dòng.")
        return schedule or None

    def place_row_errors(self) -> None:
        """A refusal of the service about one instalment ("Kỳ 2: …") beside its row."""
        if "instalments" not in self.errors:
            return
        kept = []
        for message in self.errors["instalments"]:
            match = _ROW_MESSAGE.match(str(message))
            row = next((r for r in self.rows if match and r.number == int(match.group(1))), None)
            if row is None:
                kept.append(message)
            else:
                row.errors.append(match.group(2))
        if kept:
            self.errors["instalments"] = self.error_class(kept)
        else:
            self.errors["instalments"] = self.error_class(["Lịch trả có kỳ chưa đúng: xem thông báo ở từng dòng."])

    def equal_rows(self) -> bool:
        """Fill the table with the rule's equal instalments, dated from the signing, from the
        terms typed (the "Chia đều" button; nothing is saved). False, with the reason on the
        form, when the terms are not readable or do not divide."""
        needed = ("signed_on", "principal", "term_months", "grace_months", "instalment_count")
        self.is_valid()
        if any(name not in self.cleaned_data for name in needed):
            return False
        terms = {name: self.cleaned_data[name] for name in needed}
        try:
            planned = LoanContract(**terms).standard_schedule(start=terms["signed_on"])
        except ValidationError as refused:
            self.add_error("instalments", refused)
            return False
        self.rows = [ScheduleRow(date_short(due), group_thousands(amount)) for _, due, amount in planned]
        self._number_rows()
        self.errors.pop("instalments", None)
        return True


class DisburseContractForm(forms.Form):
    """Pay a draft contract out: it becomes active and gets its schedule."""

    prefix = "disburse"
    date = forms.DateField(label="Ngày giải ngân")
    document_number = forms.CharField(
        label="Số chứng từ",
        max_length=60,
        required=False,
        help_text="Có số ủy nhiệm chi thì khoản giải ngân của đề án được ghi cùng lúc.",
    )
    funding_source = forms.ModelChoiceField(
        label="Nguồn kinh phí", queryset=FundingSource.objects.none(), required=False, empty_label="— Không ghi —"
    )
    instalments = forms.CharField(
        label="Lịch trả cụ thể",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "30/06/2026 100.000.000\n31/12/2026 100.000.000"}),
        help_text=(
            "Để trống: lịch trả dự kiến của hợp đồng, hoặc chia đều theo hợp đồng nếu chưa có (sửa lịch dự kiến bằng nút "
            "“Sửa”). Mỗi dòng một kỳ: ngày đến hạn, dấu cách, số tiền; tổng bằng số tiền hỗ trợ."
        ),
    )

    def __init__(self, *args, contract: LoanContract, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)
        self.fields["funding_source"].queryset = FundingSource.objects.filter(
            level_id=contract.project.funding_level_id
        ).order_by("-year", "name")

    def clean_instalments(self) -> list[tuple[datetime.date, int]] | None:
        text = self.cleaned_data["instalments"]
        return parse_schedule_lines(text) if text.strip() else None


class RepaymentForm(forms.Form):
    prefix = "repay"
    date = forms.DateField(label="Ngày trả")
    amount = MoneyField(label="Số tiền (đồng)", min_value=1)
    receipt_number = forms.CharField(label="Số biên lai", max_length=60)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)


class RepaymentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Repayment) -> str:
        return f"{obj.receipt_number} — {date_short(obj.date)} — {money_exact(obj.amount)}"


class ReversalForm(forms.Form):
    prefix = "reverse"
    repayment = RepaymentChoiceField(label="Khoản trả nợ cần đảo", queryset=Repayment.objects.none())
    date = forms.DateField(label="Ngày đảo")
    reason = forms.CharField(label="Lý do", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    receipt_number = forms.CharField(
        label="Số chứng từ đảo", max_length=60, required=False, help_text="Để trống: ĐẢO-<số biên lai gốc>."
    )

    def __init__(self, *args, contract: LoanContract, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)
        # Originals not yet reversed; the service refuses the rest with its own message anyway.
        self.fields["repayment"].queryset = contract.repayments.filter(
            reversal_of__isnull=True, reversed_by__isnull=True
        ).order_by("date", "pk")


class LawsuitForm(forms.Form):
    prefix = "sue"
    filed_on = forms.DateField(label="Ngày khởi kiện")
    court = forms.CharField(label="Tòa án", max_length=200)
    case_number = forms.CharField(label="Số thụ lý", max_length=60, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)


class HearingForm(forms.Form):
    date = forms.DateField(label="Ngày phiên tòa")
    note = forms.CharField(label="Nội dung", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)


class JudgmentForm(forms.Form):
    judgment_date = forms.DateField(label="Ngày bản án")
    judgment_number = forms.CharField(label="Số bản án", max_length=60, required=False)
    amount_awarded = MoneyField(label="Số tiền theo bản án (đồng)", required=False)
    enforcing = forms.BooleanField(label="Đã bắt đầu thi hành án", required=False)
    enforcement_notes = forms.CharField(
        label="Ghi chú thi hành án", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)


class CloseLawsuitForm(forms.Form):
    closed_on = forms.DateField(label="Ngày kết thúc")
    note = forms.CharField(label="Ghi chú", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)


class CollectionNoteForm(forms.Form):
    prefix = "note"
    collection_note = forms.CharField(
        label="Biện pháp xử lý nợ",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Việc đã làm hoặc sẽ làm với khoản nợ quá hạn (đôn đốc, gia hạn, chuẩn bị khởi kiện…); để trống để xóa.",
    )


class WriteOffForm(forms.Form):
    prefix = "writeoff"
    date = forms.DateField(label="Ngày xóa nợ")
    decision_number = forms.CharField(label="Số quyết định", max_length=60, required=False)
    reason = forms.CharField(label="Lý do", widget=forms.Textarea(attrs={"rows": 2}))
    # Irreversible: the one action of the contract page that asks twice.
    confirm = forms.BooleanField(
        label="Tôi xác nhận xóa toàn bộ dư nợ gốc; việc xóa nợ không hủy được.",
        error_messages={"required": "Hãy đánh dấu xác nhận trước khi xóa nợ."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)

    def clean(self) -> dict:
        data = super().clean()
        data.pop("confirm", None)  # not the service's
        return data


class RecoveryForm(forms.Form):
    prefix = "recover"
    date = forms.DateField(label="Ngày thu")
    amount = MoneyField(label="Số tiền (đồng)", min_value=1)
    receipt_number = forms.CharField(label="Số biên lai", max_length=60)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)


def parse_schedule_lines(text: str) -> list[tuple[datetime.date, int]]:
    """ "30/06/2025 50.000.000" one per line -> [(date, amount)]; blank lines skipped."""
    rows, errors = [], []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        # A space or a tab (what a copy from Excel gives) between the date and the amount.
        day_text, _, amount_text = " ".join(line.split()).partition(" ")
        try:
            day = datetime.datetime.strptime(day_text, "%d/%m/%Y").date()
        except ValueError:
            errors.append(f"Dòng {n}: ngày “{day_text}” không hợp lệ (dạng dd/mm/yyyy).")
            continue
        try:
            amount = parse_money(amount_text) if amount_text.strip() else None
        except ValidationError as exc:
            errors.append(f"Dòng {n}: {' '.join(exc.messages)}")
            continue
        if amount is None:
            errors.append(f"Dòng {n}: thiếu số tiền sau ngày.")
            continue
        rows.append((day, amount))
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError("Nhập ít nhất một kỳ trả: mỗi dòng một kỳ, “dd/mm/yyyy số tiền”.")
    return rows


class RescheduleForm(forms.Form):
    prefix = "reschedule"
    date = forms.DateField(label="Ngày hiệu lực")
    instalments = forms.CharField(
        label="Các kỳ trả mới",
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "30/06/2025 100.000.000\n31/12/2025 100.000.000"}),
        help_text="Mỗi dòng một kỳ: ngày đến hạn (dd/mm/yyyy), dấu cách, số tiền. Tổng phải bằng dư nợ vào ngày hiệu lực.",
    )
    reason = forms.CharField(label="Lý do", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)

    def clean_instalments(self) -> list[tuple[datetime.date, int]]:
        return parse_schedule_lines(self.cleaned_data["instalments"])
