"""The report's annexes in its template: {% report_annexes figures as annexes %} (data built by
reporting.annexes from the figures, no query) and {% annex_reference text as reference %}."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from reporting import annexes

register = template.Library()


@register.simple_tag
def report_annexes(figures) -> tuple[annexes.Annex, ...]:
    return annexes.build_annexes(figures)


@register.simple_tag
def annex_reference(text) -> str:
    return annexes.reference(text)


@register.filter
def annex_cells(annex: annexes.Annex, row: annexes.AnnexRow) -> list[tuple[str, str, int]]:
    return annex.cells(row)


@register.filter
def share_of(annex: annexes.Annex, column: annexes.AnnexColumn) -> str:
    return annex.share(column)


@register.simple_tag
def annex_body(annex: annexes.Annex) -> str:
    """The rows of an annex's table, as the loop they replace printed them (each ``<tr>``
    followed by the template's line break and indent): written in Python because a period's
    annex I holds a row per đề án, and Django's template loop over ~9.000 rows of 13 cells took
    8 s at 50× the data, the same string in a tenth of that."""
    return mark_safe(annexes.rows_html(annex))
