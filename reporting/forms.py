"""Forms of the report records: what the staff type; the workflows are in reporting/services.py."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from reporting.checks import WARNING_CODES
from reporting.models import Report
from reporting.services import NARRATIVE_FIELDS, SCOPE_FIELDS, check_issue, normalise_number

MIN_YEAR, MAX_YEAR, MAX_SPAN = 2000, 2100, 20

NARRATIVE_HELP = (
    "Mỗi dòng là một đoạn văn. Được dùng **chữ đậm**, *chữ nghiêng* và dòng bắt đầu bằng “- ” cho danh sách; "
    "mã HTML được hiển thị nguyên văn."
)


class ReportForm(forms.ModelForm):
    """The scope of a draft (kind, years, date, addressees, signer) and, when editing, its narrative."""

    class Meta:
        model = Report
        fields = [*SCOPE_FIELDS, *NARRATIVE_FIELDS]
        widgets = {
            "title": forms.Textarea(attrs={"rows": 2}),
            "addressees": forms.Textarea(attrs={"rows": 3}),
            "recipients": forms.Textarea(attrs={"rows": 3}),
            **{name: forms.Textarea(attrs={"rows": 6}) for name in NARRATIVE_FIELDS},
            "report_date": forms.DateInput(format="%d/%m/%Y"),
        }
        help_texts = {
            "title": "Để trống: “Tình hình thực hiện Chương trình khuyến công năm …/giai đoạn …”.",
            "report_date": "Ngày ghi trên báo cáo; công nợ và tình hình trả nợ tính đến ngày này (dd/mm/yyyy).",
            "addressees": "Mỗi dòng một nơi nhận “Kính gửi”.",
            "recipients": "Mỗi dòng một nơi; “Nơi nhận” ở cuối văn bản.",
            **{name: NARRATIVE_HELP for name in NARRATIVE_FIELDS},
        }

    def __init__(self, *args, narrative: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not narrative:
            for name in NARRATIVE_FIELDS:
                del self.fields[name]
        for name in ("year_from", "year_to"):
            self.fields[name].widget.attrs.update({"min": MIN_YEAR, "max": MAX_YEAR})

    def clean(self) -> dict:
        data = super().clean()
        year_from, year_to, kind = data.get("year_from"), data.get("year_to"), data.get("kind")
        if year_from is None or year_to is None:
            return data
        for name, year in (("year_from", year_from), ("year_to", year_to)):
            if not MIN_YEAR <= year <= MAX_YEAR:
                self.add_error(name, f"Năm phải từ {MIN_YEAR} đến {MAX_YEAR}.")
        if year_to < year_from:
            self.add_error("year_to", f"Năm kết thúc ({year_to}) không được trước năm bắt đầu ({year_from}).")
        elif year_to - year_from >= MAX_SPAN:
            self.add_error("year_to", f"Một báo cáo không quá {MAX_SPAN} năm.")
        elif kind == Report.Kind.ANNUAL and year_to != year_from:
            self.add_error("kind", "Báo cáo năm chỉ gồm một năm; chọn “Báo cáo giai đoạn” cho nhiều năm.")
        return data

    def _post_clean(self):
        # The model's constraints are checked again by the service; here the form's own
        # messages (above) are enough, and a reversed range must not raise twice.
        if not self.errors:
            super()._post_clean()


class IssueForm(forms.Form):
    """The number and date of a draft being issued; ``report`` is that draft (for the check that
    no other issued report of the year has the number)."""

    number = forms.CharField(
        label="Số báo cáo",
        max_length=20,
        help_text="Số văn bản do văn thư cấp, ví dụ 125 hoặc 125/BC-SCT.",
    )
    date = forms.DateField(
        label="Ngày ban hành",
        widget=forms.DateInput(format="%d/%m/%Y"),
        help_text="Ngày ghi trên báo cáo; công nợ tính đến ngày này (dd/mm/yyyy).",
    )

    acknowledged = forms.MultipleChoiceField(
        label="Xác nhận các cảnh báo",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Đánh dấu từng cảnh báo đã xem xét; việc xác nhận được lưu vào lịch sử của báo cáo.",
    )

    def __init__(self, *args, report: Report | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        # The warnings of reporting.checks, acknowledged by their code; the screen lists those
        # found at the date asked (a date changed on the form may bring others).
        self.fields["acknowledged"].choices = [(code, code) for code in WARNING_CODES]

    def clean_number(self) -> str:
        try:
            return normalise_number(self.cleaned_data["number"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc

    def clean(self) -> dict:
        data = super().clean()
        # The service checks again when it issues (reporting.services.issue_report); here the
        # message goes next to its field.
        try:
            check_issue(report=self.report or Report(), number=data.get("number"), date=data.get("date"))
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                self.add_error(name, messages)
        return data
