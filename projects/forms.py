"""Forms of the staff screens for programmes, đề án, facilities, events and nominations."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.utils import flatatt
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from khuyencong.core import roles
from khuyencong.core.forms import ConstraintErrorsNextToFields, MoneyField, vietnamese_date_field
from khuyencong.core.text import clean_text, fold_accents, same_name
from khuyencong.core.validators import normalise_tax_code, validate_tax_code, validate_year
from projects.models import (
    ActivityContent,
    AdministrativeUnit,
    AnnualPlan,
    AwardLevel,
    Event,
    Facility,
    FundingLevel,
    Product,
    ProductNomination,
    Program,
    Project,
    ProjectResult,
    SupportCap,
    SupportForm,
)


def _dates_vietnamese(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if isinstance(field, forms.DateField):
            vietnamese_date_field(field)


def districts() -> models.QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.DISTRICT).order_by("name")


class ContentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ActivityContent) -> str:
        # A line shows the decree it comes from and its dates; a group (1.1–1.6) just its name.
        basis = f" ({obj.validity_label})" if obj.parent_id and obj.validity_label else ""
        return f"{obj.code} — {obj.name}{basis}"


def _check_year(value: int | None) -> int | None:
    # The model field's validator, run before clean() compares the year with others.
    validate_year(value)
    return value


class ProgramForm(ConstraintErrorsNextToFields, forms.ModelForm):
    """A programme is the province's decision: only the Department enters or changes it."""

    class Meta:
        model = Program
        fields = ["name", "funding_level", "province", "first_year", "last_year", "decision_number", "decision_date"]
        help_texts = {
            "decision_number": "Quyết định phê duyệt chương trình, ví dụ 212/QĐ-UBND.",
            "last_year": "Chương trình thường kéo dài 5 năm, ví dụ 2021–2025.",
        }
        widgets = {"name": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)
        self.fields["funding_level"].queryset = FundingLevel.objects.order_by("order")
        self.fields["province"].queryset = AdministrativeUnit.objects.filter(
            level=AdministrativeUnit.Level.PROVINCE
        ).order_by("name")

    def clean_first_year(self) -> int | None:
        return _check_year(self.cleaned_data.get("first_year"))

    def clean_last_year(self) -> int | None:
        return _check_year(self.cleaned_data.get("last_year"))

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("first_year"), data.get("last_year")
        if self.instance.pk and first and last and last >= first:
            outside = sorted(
                self.instance.plans.exclude(year__gte=first, year__lte=last).values_list("year", flat=True)
            )
            if outside:
                years = ", ".join(str(y) for y in outside)
                raise ValidationError(
                    f"Chương trình đã có kế hoạch năm {years}, nằm ngoài thời gian {first}–{last}."
                )
        level, province, name = data.get("funding_level"), data.get("province"), data.get("name")
        if level and province and name and first and last:
            twins = Program.objects.filter(funding_level=level, province=province, first_year=first, last_year=last)
            if any(same_name(other.name, name) for other in twins.exclude(pk=self.instance.pk)):
                # Two alike would be told apart by nobody in the plan's programme list.
                self.add_error("name", f"Đã có chương trình này cho {first}–{last}; hãy sửa chương trình đã có.")
        return data


class ProgramChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Program) -> str:
        return f"{obj.name} ({obj.first_year}–{obj.last_year})"


class PlanForm(ConstraintErrorsNextToFields, forms.ModelForm):
    """An annual plan; its approving decision (number, date) is the Department's to record, and
    so are the year and programme of a plan that exists (changing them moves its đề án)."""

    DECISION_FIELDS = ("decision_number", "decision_date")
    PLACE_FIELDS = ("program", "year")

    program = ProgramChoiceField(
        label="Chương trình", queryset=Program.objects.select_related("funding_level").order_by("-first_year", "name")
    )

    class Meta:
        model = AnnualPlan
        fields = ["program", "year", "decision_number", "decision_date", "notes"]
        help_texts = {"decision_number": "Quyết định phê duyệt kế hoạch, ví dụ 15/QĐ-SCT."}
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)
        if user is None or not roles.can_approve(user):
            # Approving the plan is the Department's decision; the Centre sees it but cannot set it.
            # Disabled fields keep the instance's value whatever is posted.
            for name in self.DECISION_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = "Do Sở Công Thương nhập khi phê duyệt kế hoạch."
            if self.instance.pk:
                # The Centre may open a plan (roles.can_edit_records) but not move one, with all
                # its đề án, to another year or programme.
                for name in self.PLACE_FIELDS:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = "Chỉ Sở Công Thương được đổi năm, chương trình của kế hoạch."

    def clean_year(self) -> int | None:
        return _check_year(self.cleaned_data.get("year"))

    def clean(self) -> dict:
        data = super().clean()
        program, year = data.get("program"), data.get("year")
        if program and year and not program.first_year <= year <= program.last_year:
            message = (
                f"Năm kế hoạch phải nằm trong thời gian của chương trình "
                f"({program.first_year}–{program.last_year})."
            )
            if not Program.objects.filter(first_year__lte=year, last_year__gte=year).exists():
                # Who must act: a programme is the Department's to create (roles.can_approve).
                message += (
                    f" Chưa có chương trình khuyến công nào cho năm {year}: người có vai trò "
                    f"“{roles.DEPARTMENT}” cần thêm chương trình (Chương trình khuyến công → Thêm chương trình) "
                    "trước khi lập kế hoạch năm."
                )
            self.add_error("year", message)
        if self.instance.pk and year and year != self.instance.year and "year" not in self.errors:
            # Moving a plan moves its đề án: each must keep a content valid in the new year.
            stale = self.instance.projects.exclude(content__in=ActivityContent.objects.valid_in_year(year))
            codes = sorted(stale.values_list("code", flat=True)[:6])
            if codes:
                self.add_error(
                    "year",
                    f"Không chuyển được kế hoạch sang năm {year}: đề án {', '.join(codes)} dùng nội dung hoạt động "
                    f"không còn hiệu lực trong năm {year}; hãy đổi nội dung của các đề án đó trước.",
                )
        if data.get("decision_date") and not data.get("decision_number"):
            self.add_error("decision_number", "Cần ghi số quyết định khi có ngày quyết định.")
        return data


class FacilityForm(ConstraintErrorsNextToFields, forms.ModelForm):
    """A facility's address names a commune of the 2025 reform, picked by an accent-free search
    among the communes in force today (``AdministrativeUnit.valid_on``); one that is not is
    refused by ``Facility.commune_refusal`` (model validation), with the reason. The unit it was
    supported in before 7/2025 (``administrative_unit``) is history and not edited here."""

    class Meta:
        model = Facility
        fields = [
            "name", "kind", "tax_code", "address", "commune", "sector",
            "representative", "phone", "email",
        ]
        help_texts = {
            "tax_code": "10 chữ số, hoặc 10 chữ số và mã chi nhánh (0123456789-001); để trống nếu chưa có.",
            "commune": "Xã, phường, đặc khu nơi cơ sở đặt trụ sở (địa giới từ 01/7/2025); "
            "gõ tên xã mới hoặc tên xã cũ, không dấu.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commune"]
        # Every unit: one that is no commune in force gets the rule's reason (Facility.commune_refusal),
        # not "not a valid choice"; the picker offers only communes in force.
        field.queryset = AdministrativeUnit.objects.all()
        field.widget = CommunePicker()
        field.widget.choices = field.choices
        field.label = "Xã, phường, đặc khu"

    def clean_tax_code(self) -> str:
        value = normalise_tax_code(self.cleaned_data["tax_code"])
        validate_tax_code(value)
        return value


def picked_id(value) -> int | None:
    """The database id a picker's value names, or None: only ASCII digits below 2**63 (what a
    bigint key can hold). ``str.isdigit`` alone let "²" through to int(), a 500; a 20-digit
    value overflowed the driver."""
    text = str(value).strip() if value is not None else ""
    if text.isascii() and text.isdigit() and int(text) < 2**63:
        return int(text)
    return None


class SearchPicker(forms.Select):
    """A choice among thousands of rows (facilities, đề án) that the page does not list: the
    chosen rows only, each an input named like the field and ticked, and a search box that
    static/js/picker.js turns into a combobox asking the JSON view ``search_url_name``. Without
    JavaScript the inputs still post the choice.

    One widget for both kinds of field: ``multiple=True`` for a ModelMultipleChoiceField
    (checkboxes, each pick adds one), the default for a ModelChoiceField (one radio button, a
    pick replaces it). A subclass says what it picks: ``option()`` describes one row as the
    search view answers it, ``related`` and ``ordering`` are what that reads and how rows sort.

    Its template is the project's (templates/projects/widgets/), which the default form renderer
    does not read, so the widget renders with the project's template engine.
    """

    template_name = "projects/widgets/picker.html"
    is_search_picker = True  # the field takes the form's full width (templates/snippets/field.html)
    search_url_name = ""
    noun = ""  # what is picked, as the messages name it: "cơ sở", "đề án"
    placeholder = ""
    related: tuple[str, ...] = ()
    ordering: tuple[str, ...] = ("pk",)

    def __init__(self, attrs=None, *, multiple: bool = False) -> None:
        super().__init__(attrs)
        self.allow_multiple_selected = multiple

    @classmethod
    def option(cls, obj: models.Model) -> dict:
        """One row as the picker shows it: ``{"id", "label", "sub"}`` (sub: a line that tells
        rows of the same name apart)."""
        raise NotImplementedError

    def get_context(self, name: str, value, attrs) -> dict:
        # Not ChoiceWidget.get_context: its options would read every row of the queryset.
        context = forms.Widget.get_context(self, name, value, attrs)
        widget = context["widget"]
        # Only what a database id can be: a list's filter shows a bad value back (a 20-digit "id").
        ids = [pk for pk in map(picked_id, widget["value"]) if pk is not None]
        chosen = (
            self.choices.queryset.filter(pk__in=ids).select_related(*self.related).order_by(*self.ordering)
            if ids
            else []
        )
        widget["chosen"] = [self.option(obj) for obj in chosen]
        widget["multiple"] = self.allow_multiple_selected
        widget["noun"] = self.noun
        widget["placeholder"] = self.placeholder
        # The search box is what the field's <label> names; help and errors describe it.
        search = {k: v for k, v in widget["attrs"].items() if k in ("aria-describedby", "aria-invalid", "disabled")}
        widget["search_id"] = self.id_for_label(widget["attrs"].get("id", ""))
        widget["search_attrs"] = flatatt(search)
        widget["search_url"] = reverse(self.search_url_name)
        return context

    def value_omitted_from_data(self, data, files, name) -> bool:
        # No box left ticked posts nothing: for a multiple choice that means none chosen.
        return False if self.allow_multiple_selected else super().value_omitted_from_data(data, files, name)

    def use_required_attribute(self, initial) -> bool:
        # The search box is not the value; the form says what is missing when it is posted.
        return False

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return f"{id_}_search" if id_ else ""

    def render(self, name: str, value, attrs=None, renderer=None) -> str:
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))


class FacilityPicker(SearchPicker):
    """Facilities of the register, found by name, tax code or address (projects:facility-search)."""

    search_url_name = "projects:facility-search"
    noun = "cơ sở"
    placeholder = "Gõ tên không dấu hoặc mã số thuế"
    related = ("administrative_unit__parent",)
    ordering = ("name", "pk")

    @classmethod
    def option(cls, facility: Facility) -> dict:
        district = facility.district
        sub = [f"MST {facility.tax_code}" if facility.tax_code else "", district.name if district else ""]
        return {"id": facility.pk, "label": facility.name, "sub": " · ".join(filter(None, sub))}


class CommunePicker(SearchPicker):
    """Communes in force today, found by their name or a former commune's name, accents
    ignored (projects:commune-search); shown "Xã X (trước đây: Xã A, Xã B)"."""

    search_url_name = "projects:commune-search"
    noun = "xã, phường"
    placeholder = "Gõ tên xã, phường (mới hoặc cũ) không dấu"
    related = ("parent",)
    ordering = ("name", "pk")

    @classmethod
    def option(cls, unit: AdministrativeUnit) -> dict:
        sub = [unit.parent.name if unit.parent_id else ""]
        if unit.valid_to:
            sub.append(f"hết hiệu lực từ {unit.valid_to:%d/%m/%Y}")
        return {"id": unit.pk, "label": unit.label_with_former(), "sub": " · ".join(filter(None, sub))}


class ProjectPicker(SearchPicker):
    """Đề án of every year, found by code or name (projects:project-search), newest year first."""

    search_url_name = "projects:project-search"
    noun = "đề án"
    placeholder = "Gõ mã hoặc tên đề án không dấu"
    related = ("plan", "content", "funding_level")
    ordering = ("-plan__year", "code", "pk")

    @classmethod
    def option(cls, project: Project) -> dict:
        return {
            "id": project.pk,
            "label": f"{project.plan.year} · {project.code} — {project.name}",
            "sub": f"{project.content.code} — {project.content.name} · {project.funding_level.name}"
            f" · {project.get_status_display()}",
        }


class ProjectForm(ConstraintErrorsNextToFields, forms.ModelForm):
    planned_budget = MoneyField(label="Kinh phí kế hoạch (đồng)")
    approved_budget = MoneyField(label="Kinh phí được duyệt (đồng)", required=False)
    counterpart_capital = MoneyField(label="Vốn đối ứng của cơ sở (đồng)", required=False)
    content = ContentChoiceField(
        label="Nội dung hoạt động",
        queryset=ActivityContent.objects.lines().order_by("order", "code"),
        help_text="Chỉ dùng nội dung còn hiệu lực trong năm kế hoạch (NĐ 45/2012 đến 14/10/2025, "
        "NĐ 235/2025 từ 15/10/2025).",
    )

    class Meta:
        model = Project
        fields = [
            "plan", "code", "name", "content", "is_cleaner_production", "is_key", "funding_level",
            "support_form", "implementing_unit", "facilities", "planned_budget", "approved_budget",
            "counterpart_capital", "start_date", "end_date", "output_quantity", "output_unit", "notes",
        ]
        help_texts = {
            "code": "Duy nhất trong kế hoạch năm, ví dụ DP-2025-01.",
            "facilities": (
                "Gõ vài chữ của tên hoặc mã số thuế (không cần dấu), rồi chọn cơ sở trong danh sách bằng chuột "
                "hoặc phím mũi tên và Enter; chọn được nhiều cơ sở. Để trống nếu đề án không hỗ trợ trực tiếp cơ sở."
            ),
            "output_unit": "Ví dụ: lớp, chương trình, mô hình, hội nghị.",
        }
        error_messages = {
            "facilities": {
                "invalid_choice": "Hãy chọn một cơ sở hợp lệ: không có cơ sở nào mang mã %(value)s (có thể đã bị xóa).",
                "invalid_pk_value": "Hãy chọn một cơ sở hợp lệ: “%(pk)s” không phải là mã cơ sở.",
            }
        }
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "name": forms.Textarea(attrs={"rows": 2}),
            "facilities": FacilityPicker(multiple=True),
        }

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)
        self.fields["plan"].queryset = AnnualPlan.objects.select_related("program__funding_level").order_by(
            "-year", "program__name"
        )
        self.fields["funding_level"].queryset = FundingLevel.objects.order_by("order")
        # The contents offered are those valid in the plan's year when the plan is known before
        # the form is sent; a content of another year sent anyway is refused by Project.clean()
        # (ActivityContent.year_refusal), with the reason, rather than as an unknown choice.
        plan_year = self._plan_year()
        if plan_year is not None and not self.is_bound:
            self.fields["content"].queryset = self.fields["content"].queryset.valid_in_year(plan_year)
        # Any facility of the register may be chosen; the picker shows only the chosen ones.
        self.fields["facilities"].queryset = Facility.objects.order_by("name")
        # The approved budget is the Department's decision: entered when it approves the đề án
        # and changed by an adjustment decision (projects.services.take_step), never here. The
        # dates of acceptance and settlement are the steps' too (not on this form).
        self.fields["approved_budget"].disabled = True
        self.fields["approved_budget"].help_text = (
            "Do Sở Công Thương ghi khi phê duyệt đề án; thay đổi bằng quyết định điều chỉnh trên trang đề án."
        )

    def _plan_year(self) -> int | None:
        if self.instance.plan_id:
            return self.instance.plan.year
        plan = self.initial.get("plan")
        if isinstance(plan, AnnualPlan):
            return plan.year
        if plan:
            try:
                return AnnualPlan.objects.filter(pk=int(plan)).values_list("year", flat=True).first()
            except (TypeError, ValueError):
                return None
        return None

    def clean_approved_budget(self) -> int:
        return self.cleaned_data.get("approved_budget") or 0

    def clean_counterpart_capital(self) -> int:
        return self.cleaned_data.get("counterpart_capital") or 0

    def clean(self) -> dict:
        data = super().clean()
        support_form, facilities = data.get("support_form"), data.get("facilities")
        if support_form == SupportForm.RECOVERABLE and facilities is not None and len(facilities) == 0:
            self.add_error("facilities", "Đề án hỗ trợ có thu hồi phải có cơ sở thụ hưởng.")
        if self.instance.pk and facilities is not None:
            # A contract is signed with a facility of its đề án; the facility stays while it does.
            kept = {f.pk for f in facilities}
            bound = self.instance.contracts.exclude(facility_id__in=kept).select_related("facility")
            names = sorted({c.facility.name for c in bound})
            if names:
                self.add_error(
                    "facilities",
                    f"Không bỏ được {', '.join(names)}: cơ sở đang có hợp đồng hỗ trợ có thu hồi của đề án này.",
                )
        return data


class StepForm(forms.Form):
    """The paper of one step of a đề án's life (projects.services.take_step decides; this form
    only reads). Each step shows the fields it asks for, in its own words (LABELS)."""

    number = forms.CharField(label="Số văn bản", max_length=60, required=False)
    date = forms.DateField(label="Ngày", required=False)
    amount = MoneyField(label="Số tiền (đồng)", required=False)
    end_date = forms.DateField(label="Ngày kết thúc mới", required=False)
    result = forms.ChoiceField(label="Kết quả nghiệm thu", required=False)
    note = forms.CharField(label="Ghi chú", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    # kind → {field: (label, required, help)}; fields not named are not shown.
    LABELS = {
        "appraisal": {
            "date": ("Ngày thẩm định", True, ""),
            "number": ("Số tờ trình / biên bản thẩm định", False, ""),
            "note": ("Ý kiến thẩm định", False, ""),
        },
        "approval": {
            "number": ("Số quyết định phê duyệt", True, "Ví dụ: 125/QĐ-SCT."),
            "date": ("Ngày quyết định", True, ""),
            "amount": ("Kinh phí được duyệt (đồng)", True, "Ghi đúng số tiền trong quyết định; không tự lấy kinh phí kế hoạch."),
            "note": ("Ghi chú", False, ""),
        },
        "start": {"date": ("Ngày bắt đầu thực hiện", True, ""), "note": ("Ghi chú", False, "")},
        "acceptance": {
            "number": ("Số biên bản nghiệm thu", True, ""),
            "date": ("Ngày nghiệm thu", True, "Không trước ngày bắt đầu đề án, không sau hôm nay."),
            "result": ("Kết quả nghiệm thu", True, "Không đạt: ghi lại biên bản, đề án chưa được nghiệm thu."),
            "note": ("Ghi chú", False, ""),
        },
        "settlement": {
            "number": ("Số quyết định / biên bản quyết toán", False, ""),
            "date": ("Ngày quyết toán", True, ""),
            "amount": ("Số tiền quyết toán (đồng)", True, "Không vượt kinh phí được duyệt; thường bằng số đã giải ngân."),
            "note": ("Ghi chú", False, ""),
        },
        "completion": {"note": ("Ghi chú", False, "")},
        "adjustment": {
            "number": ("Số quyết định điều chỉnh", True, ""),
            "date": ("Ngày quyết định", True, ""),
            "amount": ("Kinh phí được duyệt mới (đồng)", False, "Để trống nếu không điều chỉnh kinh phí."),
            "end_date": ("Ngày kết thúc mới", False, "Để trống nếu không điều chỉnh thời gian."),
            "note": ("Nội dung điều chỉnh", False, ""),
        },
        "stop": {
            "number": ("Số quyết định dừng thực hiện", True, ""),
            "date": ("Ngày quyết định", True, ""),
            "note": ("Lý do dừng thực hiện", True, ""),
        },
    }

    def __init__(self, *args, kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from projects.decisions import AcceptanceResult

        self.kind = kind
        wanted = self.LABELS[kind]
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
                continue
            label, required, help_text = wanted[name]
            field = self.fields[name]
            field.label = label
            field.help_text = help_text or ("" if name != "amount" else field.help_text)
            field.required = required
            field.error_messages["required"] = f"Cần ghi {label[0].lower()}{label[1:]}."
        if "result" in self.fields:
            self.fields["result"].choices = [("", "— Chọn —"), *AcceptanceResult.choices]
        _dates_vietnamese(self)

    def step_data(self) -> dict:
        """The cleaned fields as take_step's arguments."""
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        for name in ("number", "note", "result"):
            if name in data:
                data[name] = data[name] or ""
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Trạng thái mới", choices=Project.Status.choices)
    reason = forms.CharField(label="Lý do", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EventForm(ConstraintErrorsNextToFields, forms.ModelForm):
    class Meta:
        model = Event
        fields = ["project", "kind", "name", "date", "place", "participants", "sale_contracts", "memoranda"]
        help_texts = {
            "project": (
                "Gõ vài chữ của mã hoặc tên đề án (không cần dấu), rồi chọn đề án trong danh sách bằng chuột "
                "hoặc phím mũi tên và Enter."
            ),
        }
        error_messages = {
            "project": {
                "required": "Hãy chọn đề án có sự kiện này.",
                "invalid_choice": "Hãy chọn một đề án hợp lệ: không có đề án nào mang số %(value)s (có thể đã bị xóa).",
            }
        }
        # Any đề án may be chosen; the picker shows only the chosen one.
        widgets = {"project": ProjectPicker}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)

    # Whether the chosen đề án may have the event is the model's rule (Event.clean), which
    # the admin and the workbook import apply too.


class NominationForm(ConstraintErrorsNextToFields, forms.ModelForm):
    """A nomination names a product of a facility; a new product name creates the product."""

    # Any facility of the register may be chosen; the picker shows only the chosen one.
    facility = forms.ModelChoiceField(
        label="Cơ sở",
        queryset=Facility.objects.all(),
        widget=FacilityPicker,
        help_text=(
            "Gõ vài chữ của tên hoặc mã số thuế (không cần dấu), rồi chọn cơ sở trong danh sách bằng chuột "
            "hoặc phím mũi tên và Enter."
        ),
        error_messages={
            "required": "Hãy chọn cơ sở có sản phẩm đề cử.",
            "invalid_choice": "Hãy chọn một cơ sở hợp lệ: không có cơ sở nào mang mã %(value)s (có thể đã bị xóa).",
        },
    )
    product_name = forms.CharField(label="Tên sản phẩm", max_length=300)

    class Meta:
        model = ProductNomination
        fields = ["level", "year", "recognised", "certificate_number", "certificate_date"]
        help_texts = {"certificate_number": "Khi sản phẩm được công nhận."}

    field_order = ["facility", "product_name", "level", "year", "recognised", "certificate_number", "certificate_date"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)
        # Every level is accepted by the field, so that a level out of its dates gets the
        # model's refusal (AwardLevel.year_refusal, through ProductNomination.clean) rather than
        # "not a valid choice"; only those valid in the nomination's year are offered.
        self.fields["level"].queryset = AwardLevel.objects.order_by("order")
        self.fields["level"].widget.choices = [("", "---------")] + [
            (level.pk, level.name) for level in self.offered_levels()
        ]
        if self.instance.pk:
            self.fields["facility"].initial = self.instance.product.facility_id
            self.fields["product_name"].initial = self.instance.product.name

    def offered_levels(self) -> list[AwardLevel]:
        """The levels valid in the nomination's year (the year typed, else the record's, else
        this year); the record's own level is kept so that an old record still shows it."""
        year = None
        if self.is_bound:
            try:
                year = int(self.data.get(self.add_prefix("year"), ""))
            except (TypeError, ValueError):
                year = None
        year = year or self.instance.year or self.initial.get("year") or datetime.date.today().year
        offered = list(AwardLevel.objects.valid_in_year(year).order_by("order"))
        if self.instance.pk and self.instance.level_id not in {level.pk for level in offered}:
            offered = sorted([*offered, self.instance.level], key=lambda level: level.order)
        return offered

    def clean(self) -> dict:
        data = super().clean()
        facility, name = data.get("facility"), clean_text(data.get("product_name", ""))
        if facility and name:
            products = list(Product.objects.filter(facility=facility))
            # The name as typed, else the same name typed without its accents ("ca phe say lanh"):
            # one facility's products do not differ by accents alone.
            product = next((p for p in products if same_name(p.name, name)), None) or next(
                (p for p in products if same_name(fold_accents(p.name), fold_accents(name))), None
            )
            self.instance.product = product or Product(facility=facility, name=name)
            if product and data.get("level") and data.get("year"):
                clash = ProductNomination.objects.filter(product=product, level=data["level"], year=data["year"])
                if clash.exclude(pk=self.instance.pk).exists():
                    raise ValidationError("Sản phẩm này đã được đề cử ở cấp này trong năm.")
        if data.get("recognised") is False and data.get("certificate_number"):
            self.add_error("recognised", "Đã có số giấy chứng nhận: hãy đánh dấu “được công nhận”.")
        return data

    def save(self, commit: bool = True) -> ProductNomination:
        if self.instance.product.pk is None:
            self.instance.product.save()
            self.instance.product = self.instance.product  # set product_id after the save
        return super().save(commit)


class SupportCapForm(ConstraintErrorsNextToFields, forms.ModelForm):
    """A support cap: the Department's data (the circulars and the HĐND resolution set it)."""

    ceiling = MoneyField(label="Mức tối đa (đồng)", required=False, help_text=SupportCap._meta.get_field("ceiling").help_text)
    content = ContentChoiceField(
        label="Nội dung hoạt động", queryset=ActivityContent.objects.lines().order_by("order", "code")
    )

    class Meta:
        model = SupportCap
        fields = [
            "content", "funding_level", "support_form", "share_percent", "ceiling", "legal_basis",
            "valid_from", "valid_to", "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2}), "legal_basis": forms.TextInput(attrs={"size": 60})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _dates_vietnamese(self)
        self.fields["funding_level"].queryset = FundingLevel.objects.order_by("order")
        self.fields["funding_level"].empty_label = "Mọi nguồn kinh phí"

    def clean_ceiling(self):
        value = self.cleaned_data.get("ceiling")
        return value if value not in ("", None) else None


class PercentField(forms.DecimalField):
    """A percentage typed the Vietnamese way ("12,5") or with a point, a % sign allowed."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("%", "").strip().replace(",", ".")
        return super().to_python(value)


class ProjectResultForm(ConstraintErrorsNextToFields, forms.ModelForm):
    """A result after support of a completed đề án, entered on its page (the đề án is given)."""

    productivity_increase = PercentField(
        label="Năng suất tăng (%)", required=False, max_digits=6, decimal_places=2,
        error_messages={"invalid": "Hãy nhập một tỷ lệ phần trăm, ví dụ 12,5."},
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    revenue = MoneyField(label="Doanh thu / giá trị gia tăng (đồng)", required=False)
    capital_mobilised = MoneyField(label="Vốn huy động (đồng)", required=False)

    class Meta:
        model = ProjectResult
        fields = [
            "date", "capacity", "productivity_increase", "revenue", "new_markets", "material_saved",
            "energy_saved", "jobs_created", "capital_mobilised", "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.project = project
        _dates_vietnamese(self)

    def clean(self) -> dict:
        data = super().clean()
        # The unique constraint names the đề án, which is not a field here, so the form would
        # not check it: said beside the date instead of failing on save.
        date = data.get("date")
        if date and ProjectResult.objects.filter(project=self.instance.project, date=date).exclude(
            pk=self.instance.pk
        ).exists():
            self.add_error("date", "Đề án này đã có kết quả theo dõi cùng ngày.")
        return data

    def clean_revenue(self) -> int:
        return self.cleaned_data.get("revenue") or 0

    def clean_capital_mobilised(self) -> int:
        return self.cleaned_data.get("capital_mobilised") or 0
