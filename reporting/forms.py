"""Forms of the report records: what the staff type; the workflows are in reporting/services.py."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError

from khuyencong.core.validators import FIRST_YEAR, LAST_YEAR
from projects import provinces
from projects.models import AdministrativeUnit
from reporting import outline
from reporting.checks import WARNING_CODES
from reporting.document import report_province
from reporting.models import Report
from reporting.services import SCOPE_FIELDS, check_issue, normalise_number

# The portal's one range of years (khuyencong.core.validators); a report spans at most MAX_SPAN.
MIN_YEAR, MAX_YEAR, MAX_SPAN = FIRST_YEAR, LAST_YEAR, 20

NARRATIVE_HELP = (
    "Mỗi dòng là một đoạn văn. Được dùng **chữ đậm**, *chữ nghiêng*, dòng bắt đầu bằng “- ” cho danh sách, "
    "“# ” cho đề mục (tự đánh số) và “## ” cho đề mục nhỏ hơn; mã HTML được hiển thị nguyên văn."
)


def scope_choices() -> list[tuple[str, str]]:
    """The provinces a report may be made for: the portal's own (blank) and the former ones
    merged into it (projects.provinces.former_provinces of the last year before the merger)."""
    choices = [("", "Tỉnh của đơn vị báo cáo (kỳ trước 01/7/2025: cả ba tỉnh cũ)")]
    try:
        current = provinces.province_on(provinces.configured_province(), datetime.date.max)
    except AdministrativeUnit.DoesNotExist:
        return choices
    for unit in provinces.predecessors(current):
        choices.append((unit.code, f"{unit.name.split(' (')[0]} (trước 01/7/2025)"))
    return choices


def text_field(slug: str) -> str:
    return f"text_{slug}"


def hide_field(key: str) -> str:
    return f"hide_{key.replace('.', '__')}"


def after_field(key: str) -> str:
    return f"after_{key.replace('.', '__')}"


class ReportForm(forms.ModelForm):
    """The scope of a draft (kind, years, date, addressees, signer) and, when editing, its narrative."""

    class Meta:
        model = Report
        fields = list(SCOPE_FIELDS)
        widgets = {
            "title": forms.Textarea(attrs={"rows": 2}),
            "addressees": forms.Textarea(attrs={"rows": 3}),
            "recipients": forms.Textarea(attrs={"rows": 4}),
            "report_date": forms.DateInput(format="%d/%m/%Y"),
        }
        help_texts = {
            "title": "Để trống: “Tình hình thực hiện Chương trình khuyến công năm …/giai đoạn …”.",
            "report_date": "Ngày ghi trên báo cáo; công nợ và tình hình trả nợ tính đến ngày này (dd/mm/yyyy).",
            "addressees": "Mỗi dòng một nơi nhận “Kính gửi”.",
            "recipients": "Mỗi dòng một nơi; “Nơi nhận” ở cuối văn bản.",
            "signer_authority": "Dòng thẩm quyền ký, ví dụ “KT. GIÁM ĐỐC”; để trống khi Giám đốc ký.",
            "signer_title": "Ví dụ “PHÓ GIÁM ĐỐC”.",
        }

    def __init__(self, *args, narrative: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrative = narrative
        if not self.instance.pk:
            # A new report's scope: the portal's province (the three former provinces together
            # for a period before 7/2025) or one former province (projects.provinces).
            self.fields["province"] = forms.ChoiceField(
                label="Phạm vi báo cáo", required=False, choices=scope_choices(),
                help_text="Để trống: tỉnh của đơn vị báo cáo; kỳ trước 01/7/2025 có thể lập cho một tỉnh cũ.",
            )
        if narrative:
            self._add_narrative_fields()
        for name in ("year_from", "year_to"):
            self.fields[name].widget.attrs.update({"min": MIN_YEAR, "max": MAX_YEAR})

    narrative_help = NARRATIVE_HELP

    def _add_narrative_fields(self) -> None:
        """A text box per section of the outline; per generated paragraph a switch and the text
        added after it. Their values come from the report's two JSON fields."""
        report = self.instance
        for section in outline.walk():
            for key, label in section.paragraphs:
                self.fields[hide_field(key)] = forms.BooleanField(
                    label=f"Ẩn đoạn “{label}”", required=False, initial=report.paragraph_hidden(key)
                )
                self.fields[after_field(key)] = forms.CharField(
                    label=f"Thêm sau đoạn “{label}”",
                    required=False,
                    initial=report.paragraph_after(key),
                    widget=forms.Textarea(attrs={"rows": 2, "data-preview": section.slug}),
                )
            if section.free_text:
                self.fields[text_field(section.slug)] = forms.CharField(
                    label=section.label,
                    required=False,
                    initial=report.section_text(section.slug),
                    widget=forms.Textarea(attrs={"rows": 6, "data-preview": section.slug}),
                )

    def outline_groups(self) -> list[tuple[outline.Section, list[dict]]]:
        """The narrative fields grouped by section, in the order of the document: per generated
        paragraph its switch, the text added after it and what it says today
        (``paragraph_texts``, set by the view), then the section's own text."""
        groups = []
        texts = getattr(self, "paragraph_texts", {})
        for section in outline.walk():
            items = [
                {"hide": self[hide_field(key)], "after": self[after_field(key)], "label": label, "says": texts.get(key)}
                for key, label in section.paragraphs
            ]
            if section.free_text:
                items.append({"text": self[text_field(section.slug)]})
            if items:
                groups.append((section, items))
        return groups

    def clean(self) -> dict:
        data = super().clean()
        if self.narrative:
            self._collect_narrative(data)
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
        report_date = data.get("report_date")
        refusal = report_date and Report.report_date_refusal(year_from, report_date)
        if refusal:
            self.add_error("report_date", refusal)
        if "province" in self.fields and not self.errors:
            try:
                data["province"] = report_province(data.get("province"), year_from, year_to)
            except ValueError as exc:
                self.add_error("province", str(exc))
        return data

    def _collect_narrative(self, data: dict) -> None:
        """The section and paragraph fields into the report's two JSON fields (empty ones left
        out, so that the stored narrative holds only what the staff wrote or switched)."""
        texts, settings_ = {}, {}
        for section in outline.walk():
            if section.free_text:
                text = (data.pop(text_field(section.slug), "") or "").strip()
                if text:
                    texts[section.slug] = text
            for key, _ in section.paragraphs:
                hidden = bool(data.pop(hide_field(key), False))
                after = (data.pop(after_field(key), "") or "").strip()
                if hidden or after:
                    settings_[key] = {"hidden": hidden, "after": after}
        data["section_texts"] = texts
        data["paragraph_settings"] = settings_

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
