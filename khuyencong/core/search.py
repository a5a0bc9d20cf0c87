"""The lists' search and filters, shared by every app.

One accent-free search (``search``) answers the lists' search boxes, the form pickers and the
admin: each word typed, folded as ``fold_accents`` folds it, must be in the row's folded search
column ("lam dong" and "Lâm Đồng" both find "Lâm Đồng"). Core imports no app, so callers name
the column(s); the apps keep the column filled (``projects.models.folded_search_text``).

``ListFilterSet`` is django-filter's FilterSet with the lists' habits: always bound (an empty
query string is "no filter"), a value that does not validate is left out and the others still
apply (the template says which were ignored), and a ``sap_xep`` parameter chosen from ``SORTS`` (khuyencong.core.lists).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import django_filters
from django import forms
from django.db.models import OrderBy, Q, QuerySet
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
    # A control character (a NUL, which PostgreSQL refuses in a query) is no part of a word.
    text = "".join(ch if ch.isprintable() else " " for ch in text)
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


def reverse_ordering(ordering: Sequence[Any]) -> tuple[Any, ...]:
    """The opposite order: "-name" for "name", a descending expression for an ascending one."""
    flipped: list[Any] = []
    for term in ordering:
        if isinstance(term, str):
            flipped.append(term[1:] if term.startswith("-") else f"-{term}")
        elif isinstance(term, OrderBy):
            flipped.append(OrderBy(term.expression, descending=not term.descending))
        else:
            flipped.append(term.desc())
    return tuple(flipped)


class ListFilterSet(django_filters.FilterSet):
    """A list's filters and its order. ``?sap_xep=key`` sorts by ``SORTS[key]`` and
    ``?sap_xep=-key`` the other way (or by ``SORTS["-key"]`` when declared, to keep a tie
    order); ``DEFAULT_SORT`` when absent or not one of them. ``COMPUTED_SORTS`` are keys the
    view sorts in Python (a contract's debt); ``SORT_LABELS`` names each key's column, for the
    export's line of filters."""

    SORTS: dict[str, tuple[Any, ...]] = {}
    COMPUTED_SORTS: dict[str, Any] = {}
    SORT_LABELS: dict[str, str] = {}
    DEFAULT_SORT = ""

    # Hidden in the filter bar, so that filtering keeps the order a column header chose; an
    # unknown order is named above the list like any bad filter value, and left out.
    sap_xep = django_filters.ChoiceFilter(label="Sắp xếp", widget=forms.HiddenInput, method=ignore)

    def __init__(self, data: QueryDict | None = None, *args, **kwargs) -> None:
        # Always bound: with no parameters the list is unfiltered and in its default order.
        super().__init__(data if data is not None else QueryDict(), *args, **kwargs)
        self.filters["sap_xep"].extra["choices"] = [(key, key) for key in sorted(self.sort_keys())]

    def value(self, name: str):
        """The valid value of one filter; None when absent or invalid."""
        self.form.is_valid()  # validates once; cleaned_data then holds the valid values
        return self.form.cleaned_data.get(name)

    @classmethod
    def sort_keys(cls) -> set[str]:
        keys = {key.lstrip("-") for key in (*cls.SORTS, *cls.COMPUTED_SORTS)}
        return keys | {f"-{key}" for key in keys}

    @property
    def sort_key(self) -> str:
        """The sort asked for, or the default when it was absent or not one of the list's."""
        asked = (self.value("sap_xep") or "").strip()
        return asked if asked in self.sort_keys() else self.DEFAULT_SORT

    def ordering(self) -> tuple[Any, ...]:
        key = self.sort_key
        if key in self.SORTS:
            return tuple(self.SORTS[key])
        if key.startswith("-") and key[1:] in self.SORTS:
            return reverse_ordering(self.SORTS[key[1:]])
        if key in self.COMPUTED_SORTS or key.lstrip("-") in self.COMPUTED_SORTS:
            key = self.DEFAULT_SORT  # the view sorts these; the database keeps its default order
        if key in self.SORTS:
            return tuple(self.SORTS[key])
        return reverse_ordering(self.SORTS[key[1:]]) if key[1:] in self.SORTS else ()

    def sort_words(self) -> str:
        """The order a column header chose, in words ("Sắp xếp theo tên cơ sở, giảm dần"), for the
        export's line of filters; "" for the list's default order."""
        if not self.value("sap_xep"):
            return ""
        key, descending = self.sort_key.lstrip("-"), self.sort_key.startswith("-")
        label = self.SORT_LABELS.get(key)
        return f"Sắp xếp theo {label}, {'giảm' if descending else 'tăng'} dần" if label else ""

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        ordering = self.ordering()
        return queryset.order_by(*ordering) if ordering else queryset
