"""Fixtures shared by the test modules."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.servers.basehttp import WSGIServer
from django.db import connection, transaction
from django.test.testcases import LiveServerThread


class OneRequestAtATime(WSGIServer):
    """The live server on SQLite: one request at a time. The browser tests' in-memory SQLite
    database is one connection that the live server's threads share, and a page's own second
    request (the header's unread count, static/js/notifications.js) arriving while the page is
    still served collided with it ("cannot start a transaction within a transaction").
    PostgreSQL gives each thread its own connection and keeps Django's threaded server."""

    def __init__(self, *args, connections_override=None, **kwargs):
        # run() has already put the shared connections into the live server's thread.
        super().__init__(*args, **kwargs)


if connection.vendor == "sqlite":
    LiveServerThread.server_class = OneRequestAtATime


@pytest.fixture(scope="module")
def lam_dong(django_db_setup, django_db_blocker):
    """The Lâm Đồng demonstration data set as `make run` loads it (seed_demo: the records, the
    role groups and the demo accounts), loaded once for the module that asks for it.

    It is loaded inside a transaction rolled back when the module ends, so the other modules
    see the database as the migrations made it; each test's own changes are rolled back after
    it by pytest-django's savepoint, so every test of the module starts from the data set.
    Extra rows a module wants for all its tests go into a module fixture that depends on this.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", stdout=io.StringIO())
        except BaseException as error:
            atomic.__exit__(type(error), error, error.__traceback__)
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def real_cache(settings):
    """A real (local-memory) default cache, emptied before and after, for the tests of what is
    cached under the data version (the suite's cache otherwise keeps nothing)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "real"}}
    cache.clear()
    yield
    cache.clear()


def pytest_terminal_summary(terminalreporter) -> None:
    """Say at the end, in one line, when the browser tests did not run: `pytest -q` hides skip
    reasons, and a green run without them proves less than it seems."""
    skipped = [
        report for report in terminalreporter.stats.get("skipped", []) if "Browser test skipped" in str(report.longrepr)
    ]
    if skipped:
        reason = str(skipped[0].longrepr[-1]) if isinstance(skipped[0].longrepr, tuple) else str(skipped[0].longrepr)
        terminalreporter.write_line(f"{len(skipped)} browser tests were SKIPPED — {reason}", yellow=True, bold=True)
