"""The data version: one row that every write to the programme's records changes, in the
writing transaction, so that what is computed from those records can be cached under it and is
never served after they change (issue 14: "a version that every write bumps in the same
transaction").

Database triggers do the bumping, not the code that writes: a form, the admin, the workbook's
bulk insert, a ``QuerySet.update()``, a command's raw SQL and a restore from a dump all go
through the same tables, and a trigger misses none of them. ``install`` puts them on every table
of the watched apps after each ``migrate`` (a table added later gets them at its own migrate).

- PostgreSQL: a statement trigger marks the transaction as having written (a transaction-local
  setting) and, the first time, queues one row in ``kc_data_pending``, whose deferred trigger
  bumps ``kc_data_version`` at COMMIT. The version's row lock is thus taken at the very end and
  held for an instant: two writers never wait on it for the length of their work, and cannot
  deadlock over it. Readers see the new version exactly when they see the new rows.
- SQLite: a row trigger bumps it at once (SQLite writes one transaction at a time anyway).

``token`` is random at every bump, so that a version rolled back (a test's savepoint, a failed
import on SQLite) is never handed out again for other data. A transaction that has itself
written is told (``current`` returns None): what it would cache would be its own uncommitted
rows.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections

T = TypeVar("T")

VERSION_TABLE = "kc_data_version"
PENDING_TABLE = "kc_data_pending"
WATCHED_APPS = ("projects", "funding", "reporting")
# Derived rows written while reading (a page brings a stale debt summary up to date): bumping
# on them would make every such read throw the cache away. What they are derived from is watched.
# The ledger's version is watched: only writers bump it, and so does ``manage.py refresh_debts``
# when it puts summaries right that no watched write changed (a raw repair of a ledger).
UNWATCHED_TABLES = frozenset({"funding_contractdebt"})
TRIGGER = "kc_data_version_bump"
CACHE_SECONDS = 6 * 3600


def watched_tables() -> list[str]:
    """The tables whose writes change the data version: the watched apps' models and their
    many-to-many tables, without their history (written beside the record it copies)."""
    tables = set()
    for label in WATCHED_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model.__name__.startswith("Historical") or not model._meta.managed:
                continue
            tables.add(model._meta.db_table)
    return sorted(tables - UNWATCHED_TABLES)


_POSTGRES_FUNCTIONS = f"""
CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (id integer PRIMARY KEY, n bigint NOT NULL, token bigint NOT NULL);
INSERT INTO {VERSION_TABLE} (id, n, token) VALUES (1, 0, 0) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS {PENDING_TABLE} (txid bigint PRIMARY KEY);
CREATE OR REPLACE FUNCTION kc_data_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kc.data_written', true) IS DISTINCT FROM txid_current()::text THEN
        PERFORM set_config('kc.data_written', txid_current()::text, true);
        INSERT INTO {PENDING_TABLE} (txid) VALUES (txid_current()) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION kc_data_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {VERSION_TABLE} SET n = n + 1, token = floor(random() * 9e15)::bigint WHERE id = 1;
    DELETE FROM {PENDING_TABLE} WHERE txid = NEW.txid;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS {TRIGGER} ON {PENDING_TABLE};
CREATE CONSTRAINT TRIGGER {TRIGGER} AFTER INSERT ON {PENDING_TABLE}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION kc_data_commit();
"""

_SQLITE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (id integer PRIMARY KEY, n bigint NOT NULL, token bigint NOT NULL);
INSERT OR IGNORE INTO {VERSION_TABLE} (id, n, token) VALUES (1, 0, 0);
"""


def _postgres_statements(table: str) -> list[str]:
    return [
        f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"',
        f'CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION kc_data_written()",
    ]


def _sqlite_statements(table: str) -> list[str]:
    statements = []
    for event in ("INSERT", "UPDATE", "DELETE"):
        name = f"{TRIGGER}_{table}_{event.lower()}"
        statements.append(f'DROP TRIGGER IF EXISTS "{name}"')
        statements.append(
            f'CREATE TRIGGER "{name}" AFTER {event} ON "{table}" BEGIN '
            f"UPDATE {VERSION_TABLE} SET n = n + 1, token = random() WHERE id = 1; END"
        )
    return statements


def install(using: str = DEFAULT_DB_ALIAS, **_) -> None:
    """Create the version's table and put the triggers on every watched table that exists
    (a post_migrate receiver; running it again replaces them)."""
    db = connections[using]
    existing = set(db.introspection.table_names())
    postgres = db.vendor == "postgresql"
    with db.cursor() as cursor:
        if postgres:
            cursor.execute(_POSTGRES_FUNCTIONS)
        else:
            for statement in _SQLITE_TABLE.strip().split(";\n"):
                cursor.execute(statement)
        for table in watched_tables():
            if table in existing:
                for statement in _postgres_statements(table) if postgres else _sqlite_statements(table):
                    cursor.execute(statement)


def current(using=connection) -> str | None:
    """The data version as committed ("n.token"), or None when this transaction has written to
    a watched table and not committed (on PostgreSQL; on SQLite the write has already changed
    the token, which no other data will ever have). One query. Read it before the data it keys:
    a reader that sees a version sees at least the rows committed with it."""
    with using.cursor() as cursor:
        if using.vendor == "postgresql":
            cursor.execute(
                f"SELECT n, token, current_setting('kc.data_written', true) = txid_current_if_assigned()::text "
                f"FROM {VERSION_TABLE} WHERE id = 1"
            )
        else:
            cursor.execute(f"SELECT n, token, 0 FROM {VERSION_TABLE} WHERE id = 1")
        row = cursor.fetchone()
    if row is None or row[2]:
        return None
    return f"{row[0]}.{row[1]}"


_READ_NOW = object()
# What a cached value is computed by: the templates and the code of the portal's own apps.
_RELEASE_GLOBS = (
    "templates/**/*.html",
    "khuyencong/**/*.py",
    "projects/**/*.py",
    "funding/**/*.py",
    "reporting/**/*.py",
    "locale/**/*.po",  # the Vietnamese of Django's own words (a form's, a widget's)
)
# The libraries whose templates and words render inside a cached part (the filter forms' widgets).
_RELEASE_PACKAGES = ("django", "django-filter")


@functools.cache
def release() -> str:
    """A digest of the portal's templates, code and translations and of the versions of the
    libraries that render with them, read once per process: part of every key,
    so that a new release never serves what the previous one rendered (every machine running
    the same release computes the same digest and shares the entries)."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for path in sorted(p for pattern in _RELEASE_GLOBS for p in base.glob(pattern)):
        digest.update(str(path.relative_to(base)).encode())
        digest.update(path.read_bytes())
    for package in _RELEASE_PACKAGES:
        digest.update(f"{package}=={importlib.metadata.version(package)}".encode())
    return digest.hexdigest()[:12]


# The settings a cached page prints (the draft's bodies and signer, ORG_* in the environment):
# another value after a restart is another key, as a new release is.
_CONFIG_SETTINGS = ("ORGANISATION",)


def configuration() -> str:
    """A digest of the settings named in ``_CONFIG_SETTINGS``, read at each call (a test or a
    restart may change them; a few microseconds)."""
    values = json.dumps([getattr(settings, name, None) for name in _CONFIG_SETTINGS], sort_keys=True, default=str)
    return hashlib.sha256(values.encode()).hexdigest()[:12]


def cached(key: str, compute: Callable[[], T], *, seconds: int = CACHE_SECONDS, version=_READ_NOW) -> T:
    """``compute()``, kept in the shared cache under ``key`` and the data version: served again
    until any watched record changes. Not cached in a transaction that has written. A page that
    caches two things passes the ``version`` it read once, before either."""
    if version is _READ_NOW:
        version = current()
    if version is None:
        return compute()
    full_key = f"kc:data:{release()}:{configuration()}:{version}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, seconds)
    return value


def reads_version(view):
    """A GET view whose page caches parts under the data version ({% datacache %}): the
    version is read first, before the view reads any data, into ``request.data_version``."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.data_version = current() if request.method == "GET" else None
        return view(request, *args, **kwargs)

    return wrapped
