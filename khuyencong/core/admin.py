"""Helpers the apps' admins share: money columns, form-level checks mirroring the database's,
read-only ledgers, and deletes refused in Vietnamese.

Nothing is registered here; each app registers its own models in its ``admin.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects, unquote
from django.core.exceptions import PermissionDenied
from django.core.validators import MinValueValidator
from django.db import models, router
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from khuyencong.core.formatting import group_thousands
from khuyencong.core.search import search, search_words


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
        if search_words(search_term):
            results = results | search(queryset, search_term, self.folded_search_field)
        return results, may_have_duplicates


def money_column(field: str, description: str) -> Callable[[Any, models.Model], str]:
    """A changelist column showing whole đồng grouped the Vietnamese way: 1.836.337.000."""

    @admin.display(description=description, ordering=field)
    def column(model_admin: Any, obj: models.Model) -> str:
        value = getattr(obj, field)
        return "—" if value is None else group_thousands(value)

    return column


class ReadOnlyAdminMixin:
    """A ledger record (money paid or received, a schedule, a lawsuit, an issued report) is read
    here and never written: no add, change, delete or import, for superusers too.

    Each is written by a workflow of the app's ``services.py`` (the portal's screens) that checks
    the ceilings and dates and writes the rest of the ledger with it; an admin form would store
    the row alone. Works for a ModelAdmin and for an inline (whose methods also take ``obj``).
    """

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_import_permission(self, request: HttpRequest) -> bool:
        return False


def protecting(obj: models.Model) -> list[models.Model]:
    """The records whose PROTECT foreign keys keep ``obj`` from being deleted."""
    collector = NestedObjects(using=router.db_for_write(type(obj)))
    collector.collect([obj])
    return sorted(collector.protected, key=lambda o: (o._meta.verbose_name, str(o)))


def refusal_message(obj: models.Model, protected: list[models.Model], shown: int = 3) -> str:
    """Why a delete is refused, in Vietnamese, naming the first few records in the way."""
    names = [f"{o._meta.verbose_name} “{o}”" for o in protected[:shown]]
    if len(protected) > shown:
        names.append(f"và {len(protected) - shown} bản ghi khác")
    return (
        f"Không xóa được {obj._meta.verbose_name} “{obj}”: còn {len(protected)} bản ghi dựa vào nó "
        f"({'; '.join(names)}). Dữ liệu về tiền, hợp đồng và đề án phải được giữ nguyên, "
        "nên bản ghi này cũng phải được giữ lại."
    )


class ExplainedProtectionMixin:
    """Asking to delete a record that others refer to (PROTECT) goes back to the record with
    the reason in Vietnamese, instead of Django's list of protected objects. The models' PROTECT
    is what refuses; this only says so, before anything is tried."""

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_delete_permission(request, obj):
            protected = protecting(obj)
            if protected:
                messages.error(request, refusal_message(obj, protected))
                opts = obj._meta
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk], current_app=self.admin_site.name)
                return HttpResponseRedirect(url)
        return super().delete_view(request, object_id, extra_context)


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose "revert to this version" obeys the record as it is now.

    django-simple-history asks the change permission of the old version (a draft, for an issued
    report) and saves its form on a POST even when the revert button is hidden: an issued
    report could be put back to a draft with another text, a ledger row rewritten. Here a
    version is only read unless the record, as it is now, may be changed.
    """

    def _current_may_change(self, request: HttpRequest, obj: Any) -> bool:
        current = None if obj is None else self.model._default_manager.filter(pk=obj.pk).first()
        return current is not None and self.has_change_permission(request, current)

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().revert_disabled(request, obj) or not self._current_may_change(request, obj)

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict | None = None):
        if request.method == "POST":
            current = self.get_object(request, unquote(object_id))
            if current is None or not self.has_change_permission(request, current):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
