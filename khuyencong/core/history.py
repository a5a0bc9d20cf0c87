"""Who changed what, and when: the change log of a record kept by django-simple-history.

``change_log`` turns a record's historical rows into entries of field changes (label, before,
after) for the history pages, in a fixed number of queries: the rows with their users, one
query per foreign-key model to name the related objects, and one for each many-to-many field.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from simple_history import models as simple_history

from khuyencong.core import formatting

ACTIONS = {"+": "Tạo mới", "~": "Sửa", "-": "Xóa"}


class HistoricalRecords(simple_history.HistoricalRecords):
    """simple-history's records, except that the account that acted cannot be deleted.

    The library sets ``history_user`` to NULL when its user is deleted, so every row that user
    wrote would read "who: nobody". Here the link is PROTECT (and the database's foreign key
    stays): an account is deactivated instead, and a delete through the ORM raises
    ProtectedError while a raw ``DELETE`` is refused by the constraint. The models use this
    class under the library's name, so a new ``HistoricalRecords()`` line gets it too.
    """

    def _get_history_user_fields(self) -> dict:
        # Relies on simple-history 3.x building the field here (pinned in pyproject.toml).
        fields = super()._get_history_user_fields()
        if self.user_id_field is None:
            fields["history_user"] = models.ForeignKey(
                self.user_model or settings.AUTH_USER_MODEL,
                null=True,
                related_name=self.user_related_name,
                on_delete=models.PROTECT,
                db_constraint=self.user_db_constraint,
            )
        return fields


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Entry:
    when: datetime.datetime
    user: str
    action: str
    record: str  # what was changed: "Đề án DA-01", "Giải ngân UNC-12"
    reason: str
    changes: tuple[FieldChange, ...] = field(default=())


def _is_money(f: models.Field) -> bool:
    """Money is whole đồng in a BigIntegerField named "… (đồng)"; only it has grouped thousands."""
    return isinstance(f, models.BigIntegerField) and "đồng" in str(f.verbose_name)


def _display(f: models.Field, value, names: dict[tuple[type, int], str]) -> str:
    if value is None or value == "":
        return "—"
    if f.is_relation:
        return names.get((f.related_model, value), f"#{value}")
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.BooleanField):
        return "Có" if value else "Không"
    if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField):
        return formatting.date_short(value)
    if _is_money(f):
        return formatting.money_exact(value)
    # Years, instalment numbers, months, counts: as typed ("2024", not "2.024").
    return str(value)


def _names(related: type, ids: frozenset[int], names: dict[tuple[type, int], str]) -> str:
    return "; ".join(sorted(names.get((related, i), f"#{i}") for i in ids)) or "—"


def _user_name(user) -> str:
    if user is None:
        return "Hệ thống"
    return user.get_full_name() or user.get_username()


def _related_names(fields, rows, related: dict[type, models.QuerySet]) -> dict[tuple[type, int], str]:
    """Every related object the rows point at, named once whatever the number of rows (one query
    per related model)."""
    wanted: dict[type, set[int]] = defaultdict(set)
    for f in fields:
        if f.is_relation:
            for row in rows:
                if (value := getattr(row, f.attname)) is not None:
                    wanted[f.related_model].add(value)
    names: dict[tuple[type, int], str] = {}
    for target, ids in wanted.items():
        for obj in related.get(target, target._default_manager.all()).filter(pk__in=ids):
            # A person by name, as the "who" column names them, not by login.
            names[(target, obj.pk)] = _user_name(obj) if isinstance(obj, AbstractBaseUser) else str(obj)
    return names


def _m2m_values(history, model, rows, names: dict) -> tuple[dict[str, dict[int, frozenset[int]]], dict[str, str]]:
    """The many-to-many fields tracked by simple-history (Project.facilities): each row's ids
    per field, and the fields' labels; their targets are added to ``names``."""
    m2m_values: dict[str, dict[int, frozenset[int]]] = {}
    m2m_labels: dict[str, str] = {}
    for m2m in getattr(history.model, "_history_m2m_fields", []) or []:
        through = history.model._meta.get_field(f"historical{model._meta.model_name}_{m2m.name}").related_model
        per_row: dict[int, set[int]] = defaultdict(set)
        target = m2m.related_model._meta.model_name
        for history_id, target_id in through.objects.filter(history__in=[r.history_id for r in rows]).values_list(
            "history_id", target
        ):
            per_row[history_id].add(target_id)
        m2m_values[m2m.name] = {r.history_id: frozenset(per_row[r.history_id]) for r in rows}
        m2m_labels[m2m.name] = str(m2m.verbose_name)
        all_ids = set().union(*per_row.values()) if per_row else set()
        for obj in m2m.related_model._default_manager.filter(pk__in=all_ids):
            names[(m2m.related_model, obj.pk)] = str(obj)
    return m2m_values, m2m_labels


def _field_changes(row, before, fields, names: dict) -> list[FieldChange]:
    changes = []
    for f in fields:
        new = getattr(row, f.attname)
        old = getattr(before, f.attname) if before is not None else None
        if row.history_type == "-" or (before is not None and old == new):
            continue
        if before is None and row.history_type == "+" and new in (None, "", False):
            continue
        label = capfirst(str(f.verbose_name).removesuffix(" (đồng)"))
        changes.append(FieldChange(label, _display(f, old, names) if before else "—", _display(f, new, names)))
    return changes


def change_log(
    history: models.QuerySet,
    *,
    model: type[models.Model],
    describe,
    exclude: tuple[str, ...] = ("id",),
    limit: int = 300,
    related: dict[type, models.QuerySet] | None = None,
) -> list[Entry]:
    """Entries for the historical rows in ``history`` (of ``model``), newest first.

    Each row is compared with the previous row of the same object among those fetched;
    ``describe(row)`` names the record the entry is about; ``related`` gives the queryset to
    name a related model with, when its ``__str__`` follows further relations.
    """
    fields = [f for f in model._meta.concrete_fields if f.name not in exclude and f.editable]
    rows = list(history.select_related("history_user").order_by("-history_date", "-history_id")[:limit])
    names = _related_names(fields, rows, related or {})
    m2m_values, m2m_labels = _m2m_values(history, model, rows, names)

    # The previous row of each object is the next one in newest-first order.
    previous: dict[int, object] = {}
    older_of: dict[int, object | None] = {}
    for row in reversed(rows):
        older_of[row.history_id] = previous.get(row.id)
        previous[row.id] = row

    entries = []
    for row in rows:
        before = older_of[row.history_id]
        changes = _field_changes(row, before, fields, names)
        for name, values in m2m_values.items():
            new_ids = values[row.history_id]
            old_ids = values[before.history_id] if before is not None else frozenset()
            if new_ids != old_ids and row.history_type != "-":
                target = model._meta.get_field(name).related_model
                changes.append(
                    FieldChange(capfirst(m2m_labels[name]), _names(target, old_ids, names), _names(target, new_ids, names))
                )
        entries.append(
            Entry(
                when=row.history_date,
                user=_user_name(row.history_user),
                action=ACTIONS.get(row.history_type, row.history_type),
                record=describe(row),
                reason=row.history_change_reason or "",
                changes=tuple(changes),
            )
        )
    return entries


def capfirst(text) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


# Entries another app adds to a record's history page (khuyencong.documents: the documents
# attached), registered by that app at start-up so that the domain apps import only this
# module. Each is called as log(model, ids, user=…, limit=…) and says itself what the user may see.
_RELATED_LOGS: list = []


def add_related_log(log) -> None:
    if log not in _RELATED_LOGS:
        _RELATED_LOGS.append(log)


def related_logs(model: type[models.Model], ids, *, user, limit: int = 300) -> list[Entry]:
    """What the registered apps record about the records ``ids`` of ``model``, for ``user``."""
    entries: list[Entry] = []
    for log in _RELATED_LOGS:
        entries += log(model, list(ids), user=user, limit=limit)
    return entries
