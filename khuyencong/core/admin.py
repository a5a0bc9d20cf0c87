"""Helpers the apps' admins share: money columns, and form-level checks mirroring the database's.

Nothing is registered here; each app registers its own models in its ``admin.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.validators import MinValueValidator
from django.db import models

from khuyencong.core.formatting import group_thousands
from khuyencong.core.text import fold_accents


@functools.cache
def minimums(model: type[models.Model]) -> dict[str, tuple[int, str]]:
    """The lower bounds the model's check constraints put on single fields.

    ``{"planned_budget": (0, "Kinh phí kế hoạch không được là số âm.")}`` for a
    ``Q(planned_budget__gte=0)`` check: read from the constraints so that the form and the
    database refuse the same values with the same Vietnamese message.
    """
    found: dict[str, tuple[int, str]] = {}
    for constraint in model._meta.constraints:
        condition = getattr(constraint, "condition", None)
        if not isinstance(constraint, models.CheckConstraint) or condition is None:
            continue
        if condition.connector != "AND" or condition.negated or len(condition.children) != 1:
            continue
        child = condition.children[0]
        if not isinstance(child, tuple) or isinstance(child[1], bool) or not isinstance(child[1], int):
            continue
        lookup, value = child
        field, _, operator = lookup.rpartition("__")
        if operator == "gte":
            found[field] = (value, constraint.violation_error_message)
        elif operator == "gt":
            found[field] = (value + 1, constraint.violation_error_message)
    return found


class ConstraintMinimumsMixin:
    """Give each integer field its constraint's lower bound as a form validator and an HTML ``min``.

    The form then names the bad field in Vietnamese before the row reaches the database; the
    CheckConstraint stays what guards the data (imports and scripts do not pass through here).
    """

    def formfield_for_dbfield(self, db_field: models.Field, request: Any, **kwargs: Any):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        bound = minimums(db_field.model).get(db_field.name)
        if formfield is not None and bound is not None:
            limit, message = bound
            formfield.validators.append(MinValueValidator(limit, message=message))
            formfield.widget.attrs.setdefault("min", limit)
        return formfield


class FoldedSearchMixin:
    """Search that ignores Vietnamese accents, on the model's accent-free ``search_text`` column.

    "lam dong" finds "Lâm Đồng", and so does "LÂM ĐỒNG", on SQLite (whose LIKE folds only ASCII
    case) as on PostgreSQL. Every word must appear; the default search on ``search_fields`` is
    kept beside it. The autocomplete widgets pointing at the model search the same way.
    """

    folded_search_field = "search_text"

    def get_search_results(self, request: Any, queryset: models.QuerySet, search_term: str):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        words = fold_accents(search_term).split()
        if words:
            folded = queryset
            for word in words:
                folded = folded.filter(**{f"{self.folded_search_field}__contains": word})
            results = results | folded
        return results, may_have_duplicates


def money_column(field: str, description: str) -> Callable[[Any, models.Model], str]:
    """A changelist column showing whole đồng grouped the Vietnamese way: 1.836.337.000."""

    @admin.display(description=description, ordering=field)
    def column(model_admin: Any, obj: models.Model) -> str:
        value = getattr(obj, field)
        return "—" if value is None else group_thousands(value)

    return column
