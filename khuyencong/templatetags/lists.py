"""A list's sortable column header (khuyencong.core.lists): a link that sorts by the column, the
other way when it already does, keeping the filters and going back to page 1; an arrow and
``aria-sort`` say the current order."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from khuyencong.core.lists import CLEAR, SORT, split_sort

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_th(context, key: str, label: str, css: str = ""):
    request = context["request"]
    current, descending = split_sort(context.get("sort") or "")
    active = current == key
    query = request.GET.copy()
    for name in ("page", CLEAR):
        query.pop(name, None)
    query[SORT] = f"-{key}" if active and not descending else key
    if active:
        aria, arrow = ("descending", "▼") if descending else ("ascending", "▲")
        hint = "đang sắp xếp giảm dần" if descending else "đang sắp xếp tăng dần"
    else:
        aria, arrow, hint = "none", "", "bấm để sắp xếp"
    return format_html(
        '<th scope="col"{} aria-sort="{}"><a class="sort" href="?{}" title="{}">{}'
        '<span class="arrow" aria-hidden="true">{}</span></a></th>',
        format_html(' class="{}"', css) if css else "", aria, query.urlencode(), hint, label, arrow,
    )


@register.simple_tag(takes_context=True)
def export_url(context, name: str) -> str:
    """The export of the list, under the filters and sort on screen."""
    from django.urls import reverse

    query = context["request"].GET.copy()
    query.pop("page", None)
    return reverse(name) + (f"?{query.urlencode()}" if query else "")
