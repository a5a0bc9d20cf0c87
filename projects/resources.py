"""django-import-export resources for the admin: one sheet of the Centre's workbook each, with
the workbook's Vietnamese column names (shared/design/import-format.md).

The whole workbook, with references between sheets, goes through khuyencong.workbook; these
serve the admin's per-table import and export buttons.
"""

from __future__ import annotations

from typing import Any

from import_export import fields, resources, widgets

from khuyencong.core import cells
from khuyencong.core.text import clean_text
from khuyencong.core.widgets import (
    ChoiceLabelWidget,
    DateWidget,
    FlagWidget,
    MoneyWidget,
    TextWidget,
    checked,
)
from projects.models import Event, Facility, Project, SupportForm


def column(attribute: str, name: str, widget=None) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=name, widget=widget or TextWidget())


class FacilityRefWidget(widgets.ForeignKeyWidget):
    """A facility by its tax code, else by its name."""

    def __init__(self, **kwargs):
        super().__init__(Facility, **kwargs)

    def clean(self, value: Any, row=None, **kwargs):
        if cells.is_blank(value):
            return None
        text = clean_text(cells.text(value))
        found = list(self.model.objects.filter(tax_code=text)) or list(self.model.objects.filter(name=text))
        if len(found) != 1:
            raise ValueError(f"Không tìm thấy đúng một cơ sở “{text}”.")
        return found[0]

    def render(self, value: Any, obj=None, **kwargs) -> str:
        return (value.tax_code or value.name) if value else ""


class ProjectRefWidget(widgets.ForeignKeyWidget):
    """A đề án by the row's Năm and this Mã đề án."""

    def __init__(self, **kwargs):
        super().__init__(Project, **kwargs)

    def clean(self, value: Any, row=None, **kwargs):
        if cells.is_blank(value):
            return None
        year = checked(cells.year, (row or {}).get("Năm"))
        found = list(self.model.objects.filter(plan__year=year, code=clean_text(cells.text(value))))
        if len(found) != 1:
            raise ValueError(f"Không tìm thấy đề án mã “{value}” năm {year}.")
        return found[0]

    def render(self, value: Any, obj=None, **kwargs) -> str:
        return value.code if value else ""


class FacilityResource(resources.ModelResource):
    """Sheet CoSo; rows are matched on Mã số thuế."""

    tax_code = column("tax_code", "Mã số thuế")
    name = column("name", "Tên cơ sở")
    kind = column("kind", "Loại hình", ChoiceLabelWidget(Facility.Kind.choices))
    address = column("address", "Địa chỉ")
    administrative_unit = fields.Field(
        attribute="administrative_unit",
        column_name="Đơn vị hành chính",
        widget=widgets.ForeignKeyWidget("projects.AdministrativeUnit", field="name"),
    )
    sector = column("sector", "Ngành nghề")
    representative = column("representative", "Người đại diện")
    phone = column("phone", "Điện thoại")
    email = column("email", "Email")

    class Meta:
        model = Facility
        import_id_fields = ("tax_code",)
        fields = ("tax_code", "name", "kind", "address", "administrative_unit", "sector", "representative", "phone", "email")
        skip_unchanged = True
        report_skipped = True


class ProjectResource(resources.ModelResource):
    """Sheet DeAn (without the plan, which the workbook import finds from Năm and Nguồn)."""

    year = fields.Field(attribute="plan__year", column_name="Năm", readonly=True)
    code = column("code", "Mã đề án")
    name = column("name", "Tên đề án")
    funding_level = fields.Field(
        attribute="funding_level", column_name="Nguồn", widget=widgets.ForeignKeyWidget("projects.FundingLevel", "name")
    )
    content = fields.Field(
        attribute="content", column_name="Mã nội dung", widget=widgets.ForeignKeyWidget("projects.ActivityContent", "code")
    )
    support_form = column("support_form", "Hình thức", ChoiceLabelWidget(SupportForm.choices))
    facilities = fields.Field(
        attribute="facilities",
        column_name="Cơ sở",
        widget=widgets.ManyToManyWidget(Facility, separator=";", field="tax_code"),
    )
    planned_budget = column("planned_budget", "Kinh phí kế hoạch", MoneyWidget())
    counterpart_capital = column("counterpart_capital", "Vốn đối ứng", MoneyWidget())
    output_quantity = column("output_quantity", "Số lượng", widgets.IntegerWidget())
    status = column("status", "Trạng thái", ChoiceLabelWidget(Project.Status.choices))
    is_cleaner_production = column("is_cleaner_production", "Sản xuất sạch hơn", FlagWidget())
    is_key = column("is_key", "Đề án điểm", FlagWidget())

    class Meta:
        model = Project
        import_id_fields = ("code",)
        clean_model_instances = True  # the model's rules (Project.clean), as on every other path
        fields = (
            "year",
            "code",
            "name",
            "funding_level",
            "content",
            "support_form",
            "facilities",
            "planned_budget",
            "counterpart_capital",
            "output_quantity",
            "status",
            "is_cleaner_production",
            "is_key",
        )
        skip_unchanged = True


class EventResource(resources.ModelResource):
    """Sheet SuKien; the đề án by Năm and Mã đề án."""

    year = fields.Field(attribute="project__plan__year", column_name="Năm", readonly=True)
    project = fields.Field(attribute="project", column_name="Mã đề án", widget=ProjectRefWidget())
    name = column("name", "Tên sự kiện")
    date = column("date", "Ngày", DateWidget())
    place = column("place", "Địa điểm")
    participants = column("participants", "Lượt doanh nghiệp", widgets.IntegerWidget())
    sale_contracts = column("sale_contracts", "Hợp đồng mua bán", widgets.IntegerWidget())
    memoranda = column("memoranda", "Biên bản hợp tác", widgets.IntegerWidget())
    kind = column("kind", "Loại sự kiện", ChoiceLabelWidget(Event.Kind.choices))

    class Meta:
        model = Event
        import_id_fields = ("project", "name")
        clean_model_instances = True  # the model's rules (Event.clean), as on every other path
        fields = ("year", "project", "name", "date", "place", "participants", "sale_contracts", "memoranda", "kind")
        skip_unchanged = True


class ProductNominationResource(resources.ModelResource):
    """Sheet BinhChon (export; the workbook import creates the products it names)."""

    product = fields.Field(attribute="product__name", column_name="Tên sản phẩm", readonly=True)
    facility = fields.Field(attribute="product__facility", column_name="Cơ sở", widget=FacilityRefWidget(), readonly=True)
    level = fields.Field(attribute="level__name", column_name="Cấp", readonly=True)
    year = column("year", "Năm", widgets.IntegerWidget())
    recognised = fields.Field(attribute="recognised", column_name="Kết quả", readonly=True)
    certificate_number = column("certificate_number", "Số giấy chứng nhận")
    certificate_date = column("certificate_date", "Ngày cấp", DateWidget())

    class Meta:
        model = "projects.ProductNomination"
        fields = ("product", "facility", "level", "year", "recognised", "certificate_number", "certificate_date")
        clean_model_instances = True  # the model's rules (ProductNomination.clean: level valid in the year)

    def dehydrate_recognised(self, nomination) -> str:
        return "Công nhận" if nomination.recognised else "Không công nhận"
