"""The lists' search and filters, shared by every app.

One accent-free search (``search``) answers the lists' search boxes, the form pickers and the
admin: each word typed, folded as ``fold_accents`` folds it, must be in the row's folded search
column ("lam dong" and "Lâm Đồng" both find "Lâm Đồng"). Core imports no app, so callers name
the column(s); the apps keep the column filled (``projects.models.folded_search_text``).

``ListFilterSet`` is django-filter's FilterSet with the lists' habits: always bound (an empty
query string is "no filter"), a value that does not validate is left out and the others still
apply (the template says which were ignored), and a ``sort`` parameter chosen from ``SORTS``.
"""

from __future__ import annotations

from collections.abc import Sequence

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict

from khuyencong.core.text import fold_accents

ALL = "Tất cả"  # the blank option of a list's choice filters: no condition


def search_words(text: str) -> list[str]:
    """The words of a search as the folded columns hold them: "Lâm  Đồng" -> ["lam", "dong"]."""
    return fold_accents(text).split()


def search(queryset: QuerySet, text: str, *columns: str, typed: Sequence[str] = ()) -> QuerySet:
    """The rows holding every word of ``text``: each word, without accents, in one of the folded
    ``columns``; or, as typed and ignoring case, in one of the ``typed`` columns (codes people
    type exactly, such as a contract number "05/2025/HĐ-KC", which no column holds folded)."""
    columns = columns or ("search_text",)
    for word in text.split():
        folded = fold_accents(word).strip()
        if not folded:
            continue
        match = Q()
        for column in columns:
            match |= Q(**{f"{column}__contains": folded})
        for column in typed:
            match |= Q(**{f"{column}__icontains": word})
        queryset = queryset.filter(match)
    return queryset


class AccentFreeSearchFilter(django_filters.CharFilter):
    """A list's search box: ``search`` over the given folded column(s) (``search_text`` when
    none is named) and, as typed, the ``typed`` ones."""

    def __init__(self, *columns: str, typed: Sequence[str] = (), **kwargs) -> None:
        self.columns = columns or ("search_text",)
        self.typed = tuple(typed)
        super().__init__(field_name=self.columns[0], **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        return search(qs, value or "", *self.columns, typed=self.typed)


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (a year, an id): django-filter's NumberFilter takes decimals. Bounded by
    what a database integer holds, so a 20-digit id is a bad value of the form rather than an
    OverflowError (a 500) in the query."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", -(2**63))
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


def ignore(queryset: QuerySet, name: str, value) -> QuerySet:
    """The method of a filter the FilterSet applies itself (several values together) or that the
    view reads (a list's "as of" date): validated and shown with the others, applied elsewhere."""
    return queryset


class ListFilterSet(django_filters.FilterSet):
    """A list's filters and its order. ``sort`` is one of ``SORTS`` (``DEFAULT_SORT`` when absent
    or not one of them), declared with ``sort_filter(SORT_LABELS)``."""

    SORTS: dict[str, tuple[str, ...]] = {}
    SORT_LABELS: list[tuple[str, str]] = []
    DEFAULT_SORT = ""

    def __init__(self, data: QueryDict | None = None, *args, **kwargs) -> None:
        # Always bound: with no parameters the list is unfiltered and in its default order.
        super().__init__(data if data is not None else QueryDict(), *args, **kwargs)

    def value(self, name: str):
        """The valid value of one filter; None when absent or invalid."""
        self.form.is_valid()  # validates once; cleaned_data then holds the valid values
        return self.form.cleaned_data.get(name)

    @property
    def sort_key(self) -> str:
        """The sort asked for, or the default when it was absent or invalid."""
        return self.value("sort") or self.DEFAULT_SORT

    def ordering(self) -> tuple[str, ...]:
        return self.SORTS.get(self.sort_key, self.SORTS.get(self.DEFAULT_SORT, ()))

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        ordering = self.ordering()
        return queryset.order_by(*ordering) if ordering else queryset


def sort_filter(choices: list[tuple[str, str]]) -> django_filters.ChoiceFilter:
    """The ``sort`` parameter: one of ``choices``, no blank option (the first is the default)."""
    return django_filters.ChoiceFilter(label="Sắp xếp", choices=choices, empty_label=None, method=ignore)
