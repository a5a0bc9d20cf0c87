"""The filters of the đề án, facility, event and nomination lists: one FilterSet per list.

Each GET parameter is one declared filter; a value that does not validate (a year "abc", an
unknown status) is left out, the others still apply, and the list says which it ignored. Every
search box is the one accent-free search of khuyencong.core.search.
"""

from __future__ import annotations

from html import escape

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.safestring import mark_safe

from khuyencong.core.collation import vietnamese
from khuyencong.core.search import ALL, AccentFreeSearchFilter, IntegerFilter, ListFilterSet, ignore, search
from khuyencong.core.validators import FIRST_YEAR, LAST_YEAR
from projects.forms import ContentChoiceField, districts
from projects.models import (
    ActivityContent,
    AdministrativeUnit,
    AwardLevel,
    CertificateState,
    Event,
    Facility,
    FundingLevel,
    Project,
    SupportForm,
)
from projects.services import QUEUES, queue


class QuickSelect(forms.Select):
    """Django's select, its options written in Python rather than each through a template.

    The đề án and facility lists' filter bars offer the activity contents, the districts and
    the communes in force: some 200 options on every request of a list, and rendering each
    through Django's select_option.html (an include per option) was 15 ms of a 70 ms page.
    Same markup, same options (``optgroups``)."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        # html.escape, not Django's lazy-aware escape: its wrapper was half the time left.
        parts = [f'<select name="{escape(widget["name"])}"{_attributes(widget["attrs"])}>']
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                parts.append(f'<optgroup label="{escape(str(group_name))}">')
            parts.extend(
                f'<option value="{escape(str(o["value"]))}"{_attributes(o["attrs"])}>{escape(str(o["label"]))}</option>'
                for o in options
            )
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("\n".join(parts))


def _attributes(attrs: dict) -> str:
    """A tag's attributes as Django's attrs.html writes them: True bare, False left out."""
    return "".join(
        f" {key}" if value is True else f' {key}="{escape(str(value))}"' for key, value in attrs.items() if value is not False
    )


class ContentFilter(django_filters.ModelChoiceFilter):
    """A content line, or a group (1.1) meaning every line under it."""

    field_class = ContentChoiceField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", QuickSelect)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: ActivityContent | None) -> QuerySet:
        return qs.filter(Q(content=value) | Q(content__parent=value)) if value else qs


def in_district(prefix: str = ""):
    """The filter method "in this huyện": the unit itself, or one of its communes."""

    def method(qs: QuerySet, name: str, value) -> QuerySet:
        return qs.filter(Q(**{f"{prefix}administrative_unit": value}) | Q(**{f"{prefix}administrative_unit__parent": value}))

    return method


def communes_now(request=None) -> QuerySet:
    """The communes in force today (the 2025 reform's), for the "Xã, phường" filters."""
    return AdministrativeUnit.objects.communes().valid_on(Facility.unit_date()).order_by("name")


def year_filter(field_name: str) -> IntegerFilter:
    return IntegerFilter(field_name=field_name, label="Năm", min_value=FIRST_YEAR, max_value=LAST_YEAR)


class ProjectFilter(ListFilterSet):
    SORTS = {
        "-nam": ("-plan__year", "code"),
        "nam": ("plan__year", "code"),
        "ma": ("code", "-plan__year"),
        "ten": (vietnamese("name").asc(), "-plan__year"),
        "noi-dung": ("content__order", "content__code", "code"),
        "kinh-phi": ("planned_budget", "code"),
        "-kinh-phi": ("-planned_budget", "code"),
        "giai-ngan": ("executed", "code"),
        "-giai-ngan": ("-executed", "code"),
        "trang-thai": ("status", "-plan__year", "code"),
    }
    SORT_LABELS = {"nam": "năm", "ma": "mã đề án", "ten": "tên đề án", "noi-dung": "nội dung",
                   "kinh-phi": "kinh phí kế hoạch", "giai-ngan": "đã giải ngân", "trang-thai": "trạng thái"}
    DEFAULT_SORT = "-nam"

    q = AccentFreeSearchFilter(label="Tìm mã, tên đề án")
    year = django_filters.TypedChoiceFilter(
        field_name="plan__year", label="Năm kế hoạch", coerce=int, empty_value=None
    )
    content = ContentFilter(label="Nội dung", empty_label=ALL, queryset=ActivityContent.objects.order_by("order", "code"))
    funding_level = django_filters.ModelChoiceFilter(
        label="Nguồn kinh phí", empty_label=ALL, queryset=FundingLevel.objects.order_by("order")
    )
    support_form = django_filters.ChoiceFilter(label="Hình thức hỗ trợ", empty_label=ALL, choices=SupportForm.choices)
    status = django_filters.ChoiceFilter(label="Trạng thái", empty_label=ALL, choices=Project.Status.choices)
    # The beneficiary filters hold together (one facility in the district and matching the
    # words): filter_queryset applies them as one.
    district = django_filters.ModelChoiceFilter(
        label="Huyện của cơ sở (trước 7/2025)", empty_label=ALL, queryset=districts(), method=ignore, widget=QuickSelect
    )
    commune = django_filters.ModelChoiceFilter(
        label="Xã, phường của cơ sở", empty_label=ALL, queryset=communes_now, method=ignore, widget=QuickSelect
    )
    facility = django_filters.CharFilter(label="Cơ sở thụ hưởng (tên, mã số thuế)", method=ignore)
    facility_id = IntegerFilter(label="Mã cơ sở", widget=forms.HiddenInput, method=ignore)
    undisbursed = django_filters.BooleanFilter(
        label="Đã duyệt, chưa giải ngân", widget=forms.CheckboxInput, method="filter_undisbursed"
    )
    # The dashboard's queues (projects.services.queue): ?cho=phe-duyet, nghiem-thu, quyet-toan.
    cho = django_filters.ChoiceFilter(
        label="Chờ xử lý", empty_label=ALL, choices=[(q.key, q.title) for q in QUEUES.values()], method="filter_queue"
    )

    def __init__(self, *args, years: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters["year"].extra["choices"] = [("", ALL), *((y, str(y)) for y in years)]

    def filter_queue(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return queue(value, qs) if value else qs

    def filter_undisbursed(self, qs: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return qs
        return qs.filter(status__in=[Project.Status.APPROVED, Project.Status.IN_PROGRESS], disbursements__isnull=True)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        supported = Project.facilities.through.objects.all()
        narrowed = False
        if data.get("district"):
            supported = in_district("facility__")(supported, "district", data["district"])
            narrowed = True
        if data.get("commune"):
            supported = supported.filter(facility__commune=data["commune"])
            narrowed = True
        if data.get("facility"):
            supported = search(supported, data["facility"], "facility__search_text")
            narrowed = True
        if data.get("facility_id"):
            supported = supported.filter(facility_id=data["facility_id"])
            narrowed = True
        return queryset.filter(pk__in=supported.values("project_id")) if narrowed else queryset


class FacilityFilter(ListFilterSet):
    SORTS = {
        "ten": (vietnamese("name").asc(), "pk"),
        "loai": ("kind", vietnamese("name").asc(), "pk"),
        "ma-so-thue": ("tax_code", "pk"),
        "xa": (vietnamese("commune__name").asc(), vietnamese("name").asc(), "pk"),
        "dai-dien": (vietnamese("representative").asc(), "pk"),
        "ho-tro": ("supports", vietnamese("name").asc(), "pk"),
    }
    SORT_LABELS = {"ten": "tên cơ sở", "loai": "loại hình", "ma-so-thue": "mã số thuế", "xa": "xã, phường",
                   "dai-dien": "người đại diện", "ho-tro": "số lượt hỗ trợ"}
    DEFAULT_SORT = "ten"

    q = AccentFreeSearchFilter(label="Tìm tên, mã số thuế, địa chỉ")
    kind = django_filters.ChoiceFilter(label="Loại hình", empty_label=ALL, choices=Facility.Kind.choices)
    district = django_filters.ModelChoiceFilter(
        label="Huyện (trước 7/2025)", empty_label=ALL, queryset=districts(), method=in_district(), widget=QuickSelect
    )
    commune = django_filters.ModelChoiceFilter(
        label="Xã, phường", empty_label=ALL, queryset=communes_now, widget=QuickSelect
    )
    review = django_filters.BooleanFilter(
        field_name="commune_needs_review", label="Cần xem lại xã, phường", widget=forms.CheckboxInput,
        method="filter_review",
    )

    def filter_review(self, qs: QuerySet, name: str, value: bool) -> QuerySet:
        return qs.filter(commune_needs_review=True) if value else qs


class EventFilter(ListFilterSet):
    SORTS = {
        "ngay": ("date", vietnamese("name").asc(), "pk"),
        "-ngay": ("-date", vietnamese("name").asc(), "pk"),
        "ten": (vietnamese("name").asc(), "-date", "pk"),
        "de-an": ("project__code", "-date", "pk"),
        "dia-diem": (vietnamese("place").asc(), "-date", "pk"),
        "luot-dn": ("participants", "-date", "pk"),
        "hop-dong": ("sale_contracts", "-date", "pk"),
        "bien-ban": ("memoranda", "-date", "pk"),
    }
    SORT_LABELS = {"ngay": "ngày", "ten": "tên sự kiện", "de-an": "đề án", "dia-diem": "địa điểm",
                   "luot-dn": "lượt doanh nghiệp", "hop-dong": "hợp đồng", "bien-ban": "biên bản"}
    DEFAULT_SORT = "-ngay"

    q = AccentFreeSearchFilter(label="Tìm tên sự kiện, địa điểm")
    year = year_filter("date__year")
    kind = django_filters.ChoiceFilter(label="Loại sự kiện", empty_label=ALL, choices=Event.Kind.choices)


class NominationFilter(ListFilterSet):
    SORTS = {
        "nam": ("year", "level__order", vietnamese("product__name").asc(), "pk"),
        "-nam": ("-year", "level__order", vietnamese("product__name").asc(), "pk"),
        "san-pham": (vietnamese("product__name").asc(), "-year", "pk"),
        "co-so": (vietnamese("product__facility__name").asc(), "-year", "pk"),
        "cap": ("level__order", "-year", "pk"),
        "ket-qua": ("recognised", "-year", "pk"),
    }
    SORT_LABELS = {"nam": "năm", "san-pham": "sản phẩm", "co-so": "cơ sở", "cap": "cấp", "ket-qua": "kết quả"}
    DEFAULT_SORT = "-nam"

    # The facility's words without accents; the product's name as typed (it has no folded column).
    q = AccentFreeSearchFilter("product__facility__search_text", typed=("product__name",), label="Tìm sản phẩm, cơ sở")
    year = year_filter("year")
    level = django_filters.ModelChoiceFilter(
        label="Cấp", empty_label=ALL, queryset=AwardLevel.objects.order_by("order")
    )
    recognised = django_filters.ChoiceFilter(
        label="Kết quả",
        empty_label=ALL,
        choices=[("1", "Được công nhận"), ("0", "Không được công nhận")],
        method=lambda qs, name, value: qs.filter(recognised=value == "1"),
    )
    # Valid, expiring or expired today (CERTIFICATE_EXPIRING_MONTHS), by the one rule
    # (projects.models.certificate_bounds) that the register's badges use.
    certificate = django_filters.ChoiceFilter(
        label="Giấy chứng nhận",
        empty_label=ALL,
        choices=CertificateState.choices,
        method=lambda qs, name, value: qs.certificate_state_is(value, timezone.localdate()),
    )
