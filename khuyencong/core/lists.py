"""What every list screen does the same way: sort by a column, remember its filters, export.

- Sort: ``?sap_xep=key`` (ascending) or ``?sap_xep=-key`` (descending), where ``key`` is one of
  the list's declared sorts; anything else is ignored and the list keeps its default order.
  ``ListFilterSet`` (khuyencong.core.search) applies it to a queryset; ``sort_rows`` to rows a
  list computes in Python (the due and overdue lists). The column headers link to it
  (templatetags ``lists.sort_th``), with an arrow and ``aria-sort``.
- Remember: ``remember_filters`` keeps a list's last query string in the user's session and
  restores it when the user comes back to the bare list URL; ``?xoa-loc=1`` forgets it. The
  session, not a table: it lasts the working day (two weeks by default), needs no migration,
  goes with the user's sign-out, and a forgotten filter is a nuisance, not a loss.
- Export: ``export_view`` is the one view every list's "Xuất Excel" answers with: the list's
  own rows under its current filters and sort, written by ``khuyencong.core.excel.list_sheet``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET

from khuyencong.core import excel, roles
from khuyencong.core.access import require_role

SORT = "sap_xep"  # the GET parameter of a list's order
CLEAR = "xoa-loc"  # ?xoa-loc=1: forget the list's filters
NOT_REMEMBERED = ("page", CLEAR)
SESSION_KEY = "list-filters"
MAX_REMEMBERED = 2000  # characters of a query string worth keeping; a longer one is not a filter someone chose


# --- sort -------------------------------------------------------------------------------------


def split_sort(value: str) -> tuple[str, bool]:
    """"-ten" -> ("ten", True): the column's key and whether the order is descending."""
    return (value[1:], True) if value.startswith("-") else (value, False)


def sort_rows(rows: Sequence[Any], value: str, keys: dict[str, Callable[[Any], Any]]) -> tuple[list[Any], str]:
    """Rows computed in Python, in the order ``value`` asks (a key of ``keys``, "-" for
    descending); the rows as they are and "" when it names none. Stable: ties keep their order."""
    key, descending = split_sort(value or "")
    if key not in keys:
        return list(rows), ""
    return sorted(rows, key=keys[key], reverse=descending), value


# --- remembered filters -----------------------------------------------------------------------


def _remembered(request: HttpRequest) -> dict[str, str]:
    return request.session.get(SESSION_KEY, {})


def remember_filters(name: str):
    """The view of the list ``name`` remembers its last query string (without the page) per
    user: the bare URL redirects to it, ``?xoa-loc=1`` forgets it and shows the bare list."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            saved = dict(_remembered(request))
            if CLEAR in request.GET:
                if saved.pop(name, None) is not None:
                    request.session[SESSION_KEY] = saved
                return redirect(request.path)
            query = request.GET.copy()
            for key in NOT_REMEMBERED:
                query.pop(key, None)
            if not request.GET and saved.get(name):
                return redirect(f"{request.path}?{saved[name]}")
            if query.urlencode() != saved.get(name, "") and len(query.urlencode()) <= MAX_REMEMBERED:
                if query:
                    saved[name] = query.urlencode()
                else:
                    saved.pop(name, None)
                request.session[SESSION_KEY] = saved
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- filters in words -------------------------------------------------------------------------


def describe_filters(form: forms.Form, *, skip: Iterable[str] = ()) -> str:
    """The valid filters of a bound filter form in words, for the export's second line:
    "Năm kế hoạch: 2024; Trạng thái: Đã duyệt"."""
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    parts = []
    for name, field in form.fields.items():
        if name == SORT or name in skip or field.widget.is_hidden:  # an id a picker set: its words are shown
            continue
        value = cleaned.get(name)
        if value in (None, "", False, [], ()):
            continue
        if value is True:
            parts.append(str(field.label))
            continue
        if hasattr(value, "pk"):  # a row (a picker's facility): its name, without reading every choice
            shown = value
        else:
            choices = dict(getattr(field, "choices", ()) or ())
            shown = choices.get(value, choices.get(str(value), value)) if choices else value
        parts.append(f"{field.label}: {shown}")
    return "; ".join(parts)


# --- export -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListExport:
    """A list's export: its title, the file's name (without the date and extension) and
    ``build(request)``, which returns the list's sheet generator under the request's filters
    and sort, and those filters in words. ``file_date(request)``, when given, is the day the
    file's name carries (a debt list's "as of" day); else the day of the export."""

    title: str
    filename: str
    build: Callable[[HttpRequest], tuple[Iterable[Sequence[Any]], str]]
    file_date: Callable[[HttpRequest], datetime.date] | None = None


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=excel.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_view(export: ListExport):
    """The "Xuất Excel" view of a list: every row (not only the page) as an .xlsx."""

    @require_role(roles.can_view)
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        rows, filters = export.build(request)
        day = timezone.localdate()
        content = excel.xlsx_bytes([excel.list_sheet(export.title, rows, filters=filters, day=day)])
        named = export.file_date(request) if export.file_date else day
        return xlsx_response(content, f"{export.filename}-{named:%d-%m-%Y}.xlsx")

    view.__name__ = view.__qualname__ = f"export_{export.filename.replace('-', '_')}"
    return view
