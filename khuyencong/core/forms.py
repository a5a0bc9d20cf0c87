"""Form fields every app's forms share: money in whole đồng, dates as dd/mm/yyyy."""

from __future__ import annotations

import functools

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from khuyencong.core import cells
from khuyencong.core.formatting import group_thousands


def parse_money(text: str) -> int:
    """ "1.836.337.000", "1 836 337 000" or "1836337000" -> 1836337000; whole đồng only.

    The rule is khuyencong.core.cells.money, which the workbook and the admin's import read
    with too; here its refusal becomes a form error with the same message."""
    try:
        return cells.money(text)
    except cells.CellError as error:
        raise ValidationError(str(error), code=error.code) from None


class MoneyInput(forms.TextInput):
    """A text box that shows money grouped by thousands and opens a numeric keypad on tablets."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__({"inputmode": "numeric", "autocomplete": "off", "class": "money", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return group_thousands(value)
        return super().format_value(value)


MAX_MONEY = cells.MAX_MONEY


class MoneyField(forms.Field):
    """Whole đồng, never negative; accepts "1.836.337.000"."""

    widget = MoneyInput

    def __init__(self, *, min_value: int = 0, **kwargs) -> None:
        self.min_value = min_value
        kwargs.setdefault("help_text", "Đơn vị: đồng, ví dụ 1.836.337.000")
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            # Checked by the same rule as text: an int may still be negative or too large.
            return parse_money(value)
        return parse_money(str(value))

    def validate(self, value) -> None:
        super().validate(value)
        if value is not None and value < self.min_value:
            if self.min_value == 0:
                raise ValidationError("Số tiền không được là số âm.", code="min_value")
            raise ValidationError(
                f"Số tiền phải từ {group_thousands(self.min_value)} đồng trở lên.", code="min_value"
            )


class DateInput(forms.DateInput):
    """dd/mm/yyyy in a text box, as the staff write dates."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(
            attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off", **(attrs or {})},
            format="%d/%m/%Y",
        )


def vietnamese_date_field(field: forms.Field) -> None:
    """Give a model form's DateField the dd/mm/yyyy box and a Vietnamese error."""
    field.widget = DateInput()
    field.input_formats = ["%d/%m/%Y", "%Y-%m-%d"]
    field.error_messages["invalid"] = "Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy, ví dụ 15/03/2025."


# The field next to which a database constraint's refusal is shown. Django reports a
# constraint over several fields, or with a condition, as an error of the whole form, shown
# at its top; the person typing looks for it beside the value to change.
CONSTRAINT_FIELDS = {
    "program_last_year_after_first": "last_year",
    "annualplan_unique_program_year": "year",
    "facility_unique_tax_code": "tax_code",
    "project_unique_code_in_plan": "code",
    "project_end_after_start": "end_date",
    "project_reason_when_not_carried_out": "status_reason",
    "event_unique_name_in_project": "name",
    "nomination_unique_product_level_year": "level",
    "disbursement_unique_document": "document_number",
    "contract_grace_within_term": "grace_months",
    "contract_disbursed_after_signed": "date",
    "repayment_unique_receipt": "receipt_number",
    "recovery_unique_receipt": "receipt_number",
    "lawsuit_closed_after_filed": "closed_on",
}


@functools.cache
def _field_of_message() -> dict[str, str]:
    from django.apps import apps

    return {
        str(constraint.get_violation_error_message()): CONSTRAINT_FIELDS[constraint.name]
        for model in apps.get_models()
        for constraint in model._meta.constraints
        if constraint.name in CONSTRAINT_FIELDS
    }


def errors_next_to_fields(form: forms.BaseForm) -> None:
    """Move the form-wide errors that are a known constraint's refusal next to its field, when
    the form has that field."""
    top = (form._errors or {}).get(NON_FIELD_ERRORS)
    if not top:
        return
    kept = []
    for error in top.as_data():
        field = _field_of_message().get(" ".join(error.messages))
        if field in form.fields:
            form._errors.setdefault(field, form.error_class(renderer=form.renderer)).append(error)
        else:
            kept.append(error)
    if kept:
        form._errors[NON_FIELD_ERRORS] = form.error_class(kept, error_class="nonfield", renderer=form.renderer)
    else:
        del form._errors[NON_FIELD_ERRORS]


class ConstraintErrorsNextToFields:
    """For model forms: a constraint's refusal beside the field it is about."""

    def _post_clean(self) -> None:
        super()._post_clean()
        errors_next_to_fields(self)
