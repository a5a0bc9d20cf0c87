"""The contract list's filters (funding.views.contract_list and its export): one FilterSet.

The database filters and sorts what it can; the ageing bucket and the sorts by debt depend on
each contract's status (funding.loans), so the FilterSet validates them and the view applies
them in Python (``needs_all_statuses``).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from funding.forms import BUCKET_KEYS, NOT_OVERDUE, OVERDUE_ANY
from funding.models import LoanContract
from khuyencong.core.collation import vietnamese
from khuyencong.core.forms import DateInput
from khuyencong.core.search import ALL, AccentFreeSearchFilter, ListFilterSet, ignore
from projects.forms import FacilityPicker, picked_id
from projects.models import Facility


class FacilityChoiceField(forms.ModelChoiceField):
    """A facility's id as the picker posts it: anything but a number a database id can hold is
    an unknown facility (a 20-digit value raised OverflowError in the driver: a 500)."""

    def to_python(self, value):
        text = str(value).strip() if value not in self.empty_values else ""
        if text and picked_id(text) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return super().to_python(value)


class FacilityChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = FacilityChoiceField


class ContractFilter(ListFilterSet):
    SORTS = {
        "ngay-ky": ("signed_on", "number"),
        "-ngay-ky": ("-signed_on", "number"),
        "so": ("number",),
        "co-so": (vietnamese("facility__name").asc(), "number"),
        "ma-so-thue": ("facility__tax_code", "number"),
        "nam": ("project__plan__year", "number"),
        "-nam": ("-project__plan__year", "number"),
        "so-tien": ("principal", "number"),
        "-so-tien": ("-principal", "number"),
        "tinh-trang": ("state", "number"),
    }
    # Sorts by a contract's status ("-" for the largest first); the database order under them
    # is the default one.
    COMPUTED_SORTS = {
        "du-no": lambda s: s.balance,
        "qua-han": lambda s: s.overdue,
        "so-ngay": lambda s: s.days_past_due,
    }
    SORT_LABELS = {"ngay-ky": "ngày ký", "so": "số hợp đồng", "co-so": "tên cơ sở", "ma-so-thue": "mã số thuế",
                   "nam": "năm", "so-tien": "số tiền hỗ trợ", "tinh-trang": "tình trạng", "du-no": "dư nợ",
                   "qua-han": "nợ quá hạn", "so-ngay": "số ngày quá hạn"}
    DEFAULT_SORT = "-ngay-ky"

    # Contract numbers as typed; the facility's name, tax code and address without accents.
    q = AccentFreeSearchFilter(
        "facility__search_text", typed=("number",), label="Tìm số hợp đồng, tên cơ sở, mã số thuế"
    )
    state = django_filters.ChoiceFilter(label="Tình trạng", empty_label=ALL, choices=LoanContract.State.choices)
    bucket = django_filters.ChoiceFilter(
        label="Tuổi nợ quá hạn",
        empty_label=ALL,
        choices=[
            (OVERDUE_ANY, "Có nợ quá hạn"),
            (NOT_OVERDUE, "Không quá hạn"),
            *((key, f"{label} ngày") for key, label in BUCKET_KEYS.items()),
        ],
        method=ignore,
    )
    # A search picker, not a drop-down: at 50× the data a list of every facility with a
    # contract was 1.901 options (136 KB, most of the page's time). The page renders only the
    # chosen one; the value is still validated (an unknown id is named above the list).
    facility = FacilityChoiceFilter(
        label="Cơ sở",
        queryset=Facility.objects.all(),
        widget=FacilityPicker,
        error_messages={"invalid_choice": "không có cơ sở nào mang mã này (có thể đã bị xóa)."},
    )
    year = django_filters.TypedChoiceFilter(field_name="project__plan__year", label="Năm kế hoạch", coerce=int, empty_value=None)
    # Read by funding.views.as_of_date (with the debt screens' own message); here so that the
    # filter bar carries it.
    ngay = django_filters.CharFilter(
        label="Tính đến ngày", widget=DateInput(attrs={"placeholder": "hôm nay (dd/mm/yyyy)"}), method=ignore
    )

    def __init__(self, *args, years: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters["year"].extra["choices"] = [("", ALL), *((y, str(y)) for y in years)]

    def needs_all_statuses(self) -> bool:
        """Whether the list must compute every filtered contract's status before paginating."""
        return bool(self.bucket_key) or self.sort_key.lstrip("-") in self.COMPUTED_SORTS

    @property
    def bucket_key(self) -> str:
        """The ageing bucket asked for (funding.forms.BUCKET_KEYS, OVERDUE_ANY, NOT_OVERDUE), or ""."""
        return self.value("bucket") or ""
