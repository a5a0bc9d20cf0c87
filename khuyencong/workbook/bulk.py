"""Inserting the import's records and their history rows, in batches, without building SQL per object.

Django's ``bulk_create`` compiles every value of every object through the field API (pre_save,
get_db_prep_save, expression checks), and django-simple-history's ``bulk_history_create``
builds a historical model instance per record before handing them to it: together more than
half of the writing of a large workbook. Here the columns are worked out once per model: a value
of a plain column (integers, text, booleans, foreign keys) goes to the driver as the model holds
it, every other column (dates, decimals, auto_now) through its field's own ``pre_save`` and
``get_db_prep_save`` as Django would. On SQLite one multi-row ``INSERT … RETURNING`` per batch
gives the new ids, in order, as Django's bulk_create relies on it to do; on PostgreSQL the rows
go by ``COPY``, with ids taken from the primary key's sequence beforehand (``_copy_rows``).

The history rows are those ``bulk_history_create`` writes (khuyencong.core.history: one per
record, with its user, date, type and change reason), only without the instances.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

# Columns whose Python value is what the database takes (psycopg and sqlite3 adapt int, str,
# bool and None themselves; Django's field API does nothing more for them).
_PLAIN = (
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.IntegerField,  # BigIntegerField, PositiveIntegerField… are subclasses
    models.CharField,  # EmailField, SlugField…
    models.TextField,
    models.BooleanField,
)


def _plain(field: models.Field) -> bool:
    return (
        isinstance(field, _PLAIN)
        and not getattr(field, "auto_now", False)
        and type(field).pre_save is models.Field.pre_save
        and type(field).get_db_prep_save is models.Field.get_db_prep_save
        and type(field).get_prep_value in {cls.get_prep_value for cls in (models.IntegerField, models.CharField, models.TextField,
                                                                           models.BooleanField, models.Field, *_PLAIN)}
    )


_BLANKS: dict[type[models.Model], tuple[dict, list] | None] = {}


def new(model: type[models.Model], **values: Any) -> models.Model:
    """``model(**values)``, for the import's new records: Model.__init__ walks every field of
    the model for each object (its kwargs, its default): under cProfile about a sixth of the
    command's time at 55,000 rows. Here the field values of one ``model()`` are copied, the fields with a callable
    default (or a database default) get theirs again for each object, and ``values`` are set as
    attributes (a related object through its descriptor, as __init__ sets it). The same
    instance; ``model(**values)`` itself when the model has its own __init__ or something
    listens to its init signals."""
    blank = _BLANKS.get(model, False)
    if blank is False:
        blank = _BLANKS[model] = _blank(model)
    if blank is None:
        return model(**values)
    state, fresh = blank
    obj = model.__new__(model)
    obj._state = ModelState()
    obj.__dict__.update(state)
    for field in fresh:
        obj.__dict__[field.attname] = field.get_default()
    for name, value in values.items():
        setattr(obj, name, value)
    return obj


def _blank(model: type[models.Model]) -> tuple[dict, list] | None:
    if model.__init__ is not models.Model.__init__ or pre_init.has_listeners(model) or post_init.has_listeners(model):
        return None
    state = dict(vars(model()))
    del state["_state"]
    fresh = [
        field
        for field in model._meta.concrete_fields
        if (field.has_default() and callable(field.default)) or field.has_db_default()
    ]
    return state, fresh


def _reader(field: models.Field, connection) -> Callable[[models.Model], Any]:
    """How the value of ``field`` for a new row is read off an object."""
    attname = field.attname
    if field.is_relation:  # a ForeignKey or OneToOneField (a concrete field)

        def related(obj, field=field, attname=attname):
            # As Model._prepare_related_fields_for_save: a related object saved after it was
            # assigned gives its id now.
            value = getattr(obj, attname)
            if value is None and field.is_cached(obj):
                target = field.get_cached_value(obj)
                if target is not None:
                    if target.pk is None:
                        raise ValueError(f"bulk insert of {obj!r}: related {field.name} is unsaved.")
                    # What the descriptor's __set__ would store, without its checks (type,
                    # router) already passed when the object was assigned; it stays cached.
                    value = obj.__dict__[attname] = getattr(target, field.target_field.attname)
            return value

        return related
    if _plain(field):
        return lambda obj, attname=attname: getattr(obj, attname)
    if type(field) is models.DateField and not (field.auto_now or field.auto_now_add):
        return _memo_date(attname, field, connection)
    return lambda obj, field=field: field.get_db_prep_save(field.pre_save(obj, True), connection)


def _memo_date(attname: str, field: models.DateField, connection) -> Callable[[models.Model], Any]:
    """A date column's value, by ``field.get_db_prep_save`` once per distinct date (a
    workbook's 100,000 dates are a few hundred days); its pre_save only reads the attribute."""
    done: dict = {}

    def read(obj):
        value = getattr(obj, attname)
        if type(value) is not datetime.date:
            return field.get_db_prep_save(value, connection)
        try:
            return done[value]
        except KeyError:
            done[value] = prepared = field.get_db_prep_save(value, connection)
            return prepared

    return read


def _unnest_types(columns: Sequence[models.Field], connection) -> list[str] | None:
    """The array types of the columns for PostgreSQL's UNNEST insert, as Django's compiler
    decides them (its conditions); None where it would not use it."""
    if connection.vendor != "postgresql":
        return None
    for field in columns:
        if hasattr(field, "get_placeholder"):
            return None
        if (field.target_field if field.is_relation else field).get_internal_type() not in connection.data_types:
            return None
    return [field.db_type(connection).split("(")[0] for field in columns]


def _connection():
    """The connection itself, not django.db.connection's proxy (whose every attribute goes
    through a thread-local lookup: a third of the writing when asked per value)."""
    return connections[DEFAULT_DB_ALIAS]


def _insert_rows(model: type[models.Model], columns: Sequence[models.Field], rows: list[tuple], returning: bool) -> list:
    """Insert ``rows`` (tuples of ``columns``' values); their primary keys when ``returning``."""
    if not rows:
        return []
    connection = _connection()
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(field.column) for field in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    returns = f" RETURNING {quote(model._meta.pk.column)}" if returning else ""
    if _unnest_types(columns, connection) is not None:
        return _copy_rows(model, columns, rows, returning)
    if not returning:  # one statement, many rows: sqlite3's executemany
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES {one}", rows)
        return []
    size = max(1, min(1000, connection.ops.bulk_batch_size(list(columns), rows)))
    ids: list = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(batch))}"
            params = [value for row in batch for value in row]
            cursor.execute(f"{sql}{returns}", params)
            ids += [row[0] for row in cursor.fetchall()]
    return ids


def _copy_rows(model: type[models.Model], columns: Sequence[models.Field], rows: list[tuple], returning: bool) -> list:
    """PostgreSQL: ``COPY … FROM STDIN``, the ids (when ``returning``) taken first from the
    primary key's sequence, one query for them all, as the column default would take them.

    Not Django 5.2's ``INSERT … SELECT * FROM UNNEST(arrays)`` any more: Django's client-side
    cursor writes each array into the statement as a quoted literal, element by element in
    Python (psycopg's _dump_list, a regular expression per value), and the server parses it
    back; COPY's rows are formatted by psycopg's C code and streamed. 20,000 rows of six columns
    (int, text, date, bigint, text, timestamptz): 0.27 s of client CPU and 0.83 s in all by
    UNNEST, 0.07 s and 0.21 s by COPY (a shared machine)."""
    connection = _connection()
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    ids: list = []
    with connection.cursor() as cursor:
        if returning:
            pk = model._meta.pk
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, len(rows)],
            )
            ids = sorted(row[0] for row in cursor.fetchall())  # in the objects' order, as RETURNING gives them
            columns = [pk, *columns]
            rows = [(value, *row) for value, row in zip(ids, rows, strict=True)]
        names = ", ".join(quote(field.column) for field in columns)
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return ids


def insert(model: type[models.Model], objs: list[models.Model]) -> None:
    """``model.objects.bulk_create(objs)`` for new objects with an automatic primary key; sets
    their ``pk`` and marks them saved."""
    if not objs:
        return
    pk = model._meta.pk
    connection = _connection()
    columns = [field for field in model._meta.concrete_fields if field is not pk]
    readers = [_reader(field, connection) for field in columns]
    rows = [tuple(read(obj) for read in readers) for obj in objs]
    ids = _insert_rows(model, columns, rows, returning=True)
    if len(ids) != len(objs):  # never on PostgreSQL nor SQLite ≥ 3.35, which Django 5.2 requires
        raise RuntimeError("The database did not return the new ids.")
    for obj, value in zip(objs, ids, strict=True):
        obj.pk = value
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_history(
    model: type[models.Model], objs: Iterable[models.Model], *, history_type: str, user, returning: bool = False
) -> list:
    """The history rows of ``objs`` (saved), as simple-history's ``bulk_history_create`` writes
    them: every tracked field, the user (an object's own ``_history_user`` first), one date,
    the type (+ created, ~ changed) and the change reason. Their ids when ``returning``."""
    history = model.history.model
    objs = list(objs)
    if not objs:
        return []
    connection = _connection()
    date_field = history._meta.get_field("history_date")
    now = date_field.get_db_prep_save(timezone.now(), connection)
    tracked = history.tracked_fields
    fixed = {
        "history_type": lambda obj: history_type,
        "history_date": lambda obj: (
            date_field.get_db_prep_save(obj._history_date, connection) if hasattr(obj, "_history_date") else now
        ),
        "history_change_reason": lambda obj: getattr(obj, "_change_reason", "") or "",
        "history_user": lambda obj: _user_id(getattr(obj, "_history_user", user)),
    }
    pk = history._meta.pk
    columns, readers = [], []
    source = {field.attname for field in tracked}
    for field in history._meta.concrete_fields:
        if field is pk:
            continue
        if field.name in fixed:
            readers.append(fixed[field.name])
        elif field.attname in source:
            attname = field.attname
            if _plain(field) or field.is_relation:
                readers.append(lambda obj, attname=attname: getattr(obj, attname))
            elif type(field) is models.DateField and not (field.auto_now or field.auto_now_add):
                readers.append(_memo_date(attname, field, connection))
            else:
                readers.append(
                    lambda obj, attname=attname, field=field: field.get_db_prep_save(getattr(obj, attname), connection)
                )
        elif field.name == "history_relation":
            readers.append(lambda obj: obj.pk)
        else:
            raise RuntimeError(f"{history.__name__}.{field.name}: a history column this writer does not know.")
        columns.append(field)
    rows = [tuple(read(obj) for read in readers) for obj in objs]
    return _insert_rows(history, columns, rows, returning=returning)


def _user_id(user) -> int | None:
    return getattr(user, "pk", user)
