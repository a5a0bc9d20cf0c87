"""django-import-export widgets that read cells the way the workbook importer does (money as
whole đồng or "1.836.337.000", dates as Excel dates or dd/mm/yyyy, labels of choices), and the
mixin for admin classes that offer import and export: who may do which, and the one export
format, written by the portal's one Excel writer."""

from __future__ import annotations

from itertools import chain
from typing import Any

from import_export import widgets
from import_export.formats import base_formats

from khuyencong.core import cells, excel, roles
from khuyencong.core.text import fold_accents


def checked(parse, value):
    try:
        return parse(value)
    except cells.CellError as error:
        raise ValueError(str(error)) from None


class MoneyWidget(widgets.IntegerWidget):
    def clean(self, value: Any, row=None, **kwargs) -> int | None:
        return None if cells.is_blank(value) else checked(cells.amount, value)

    def render(self, value: Any, obj=None, **kwargs) -> Any:
        return value


class DateWidget(widgets.DateWidget):
    def clean(self, value: Any, row=None, **kwargs):
        return None if cells.is_blank(value) else checked(cells.date, value)

    def render(self, value: Any, obj=None, **kwargs) -> Any:
        return value.strftime("%d/%m/%Y") if value else ""


class FlagWidget(widgets.BooleanWidget):
    def clean(self, value: Any, row=None, **kwargs) -> bool:
        return checked(cells.flag, value)

    def render(self, value: Any, obj=None, **kwargs) -> str:
        return "x" if value else ""


class ChoiceLabelWidget(widgets.Widget):
    """A TextChoices field written by its Vietnamese label ("Hoàn thành")."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.labels = dict(choices)
        self.values = {" ".join(fold_accents(label).split()): value for value, label in choices}

    def clean(self, value: Any, row=None, **kwargs):
        if cells.is_blank(value):
            return None
        key = " ".join(fold_accents(str(value)).split())
        if key not in self.values:
            raise ValueError(f"“{value}” không có trong danh mục ({', '.join(self.labels.values())}).")
        return self.values[key]

    def render(self, value: Any, obj=None, **kwargs) -> str:
        return self.labels.get(value, "")


class TextWidget(widgets.CharWidget):
    """Text; what would start a formula in a spreadsheet is kept as text by khuyencong.core.excel."""

    def clean(self, value: Any, row=None, **kwargs) -> str:
        return checked(cells.text, value)


class SafeXLSX(base_formats.XLSX):
    """Excel, written by khuyencong.core.excel: a text such as "=HYPERLINK(…)" is exported as
    text. The library's own writers (tablib) would make it a live formula, in .xlsx as in the
    .csv, .tsv, .xls and .ods they offer beside it."""

    def export_data(self, dataset, **kwargs) -> bytes:
        rows = chain([list(dataset.headers or ())], dataset)
        return excel.xlsx_bytes([excel.Sheet(dataset.title or "Dữ liệu", rows)])


class RoleImportExportMixin:
    """For ImportExportModelAdmin classes: import for the administrator only (the staff import
    on the portal's /nhap-xuat/ page, which checks every row as the services do), export for
    everyone who may read (roles.can_view); the library alone would let any staff user import.
    Export offers one format, ``SafeXLSX``: none of the library's others keeps a formula out."""

    export_formats = [SafeXLSX]

    def has_import_permission(self, request) -> bool:
        return roles.can_manage_users(request.user)

    def has_export_permission(self, request) -> bool:
        return roles.can_view(request.user)


__all__ = [
    "checked",
    "ChoiceLabelWidget",
    "DateWidget",
    "FlagWidget",
    "MoneyWidget",
    "RoleImportExportMixin",
    "SafeXLSX",
    "TextWidget",
]
