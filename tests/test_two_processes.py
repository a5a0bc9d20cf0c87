"""Two application servers on one PostgreSQL and one Redis: what one records, the other shows.

The deployment of docs/deploy.md runs the portal on several machines behind a proxy, each with
its own gunicorn workers, one database, one Redis. Nothing that decides what a user sees may
live in one process: the session, the cache of the dashboard's debt book, the data itself. This
test starts two real gunicorn servers (separate processes, each on its own port, the production
settings module with DEBUG off), signs in through one, records a repayment through the
contract's repayment form on server A, and asks server B for the dashboard: B must show the new
outstanding and overdue figures at once, although B had shown (and cached in the shared Redis)
the figures before the repayment.

PostgreSQL only: the servers must see what the test committed (``transaction=True``) through
their own connections, which SQLite's in-memory test database does not allow. The Redis cache is
a database number of its own (REDIS_TEST_DB, 13 unless set), flushed before and after.
"""

from __future__ import annotations

import datetime
import html
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse

from funding.models import Repayment
from khuyencong.core import formatting, roles
from projects.models import Facility
from tests.report_expectations import ensure_reference_data
from tests.screens_helpers import user_in
from tests.test_loans import disbursed_contract

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = f"redis://127.0.0.1:6379/{os.environ.get('REDIS_TEST_DB', '13')}"
PASSWORD = "hai-may-chu-khuyencong"

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Two app servers need a database they can share with the test: PostgreSQL (DATABASE_URL), not SQLite",
    ),
    # Committed, so that the servers' own connections see the rows. Not serialized_rollback: its
    # restore of the content types clashed with those a transactional test before had made again
    # after its flush (as in test_races); the reference rows are put back by _reference_rows.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _reference_rows():
    ensure_reference_data()


def redis_or_skip():
    try:
        import redis
    except ImportError:
        pytest.skip('The two-process test needs the redis client (pip install ".[redis]")')
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"The two-process test needs a Redis server at {REDIS_URL}")
    return client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    user = urllib.parse.quote(db["USER"] or "")
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Server:
    """``gunicorn khuyencong.wsgi`` on its own port with the production settings module."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "khuyencong.settings",
            "DEBUG": "0",
            "KHUYENCONG_TESTING": "1",  # the development secret key, plain static files storage
            "DATABASE_URL": database_url(),
            "CACHE_URL": REDIS_URL,
            "JOBS_CACHE_URL": REDIS_URL,
            # Sessions read from the shared cache, written through to the database.
            "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
            "CONN_MAX_AGE": "60",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_COOKIES": "False",
        }
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "--workers", "1", "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "khuyencong.wsgi"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )

    def wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server {self.name} stopped: {self.process.stdout.read().decode()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"server {self.name} did not start in {timeout} s")

    def stop(self) -> str:
        self.process.terminate()
        try:
            out, _ = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        return out.decode(errors="replace")


@pytest.fixture
def servers():
    cache = redis_or_skip()
    cache.flushdb()
    pair = [Server("A"), Server("B")]
    try:
        for server in pair:
            server.wait()
        yield pair
    finally:
        logs = [server.stop() for server in pair]
        cache.flushdb()
        for server, log in zip(pair, logs, strict=True):
            if "Traceback" in log:
                print(f"--- server {server.name} ---\n{log}")


class Browser:
    """One user's cookies (the session, the CSRF token) across both servers: cookies are not
    bound to a port, as a browser's are not bound to the machine behind the proxy."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect()
        )

    def get(self, url: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(url))

    def post(self, url: str, data: dict, referer: str) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(url, data=body, headers={"Referer": referer}))

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is answered as it is: the test reads where it goes


def csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def stable(page: str) -> str:
    """A page without what differs between two requests for it (the CSRF token, the CSP nonce)."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'nonce="[^"]+"', "", page)


def figure(page: str, title: str) -> str:
    """The dashboard's figure under ``title`` (its <dt>), as shown."""
    found = re.search(rf"<dt>{re.escape(title)}</dt><dd>(.*?) <small>", page)
    assert found, f"no figure “{title}” on the dashboard"
    return html.unescape(found.group(1))


def test_a_repayment_through_one_server_shows_at_once_on_the_dashboard_of_the_other(servers):
    a, b = servers
    clerk = user_in(roles.DATA_ENTRY, "nhaplieu")
    # Hashed by a hasher the servers' settings know (the tests' own is MD5, which they do not).
    clerk.password = PBKDF2PasswordHasher().encode(PASSWORD, "sel-hai-may", iterations=1_000)
    clerk.save()
    # 40 triệu in four instalments due February–May 2022: all of it overdue today.
    contract = disbursed_contract(clerk)
    outstanding, overdue = "Dư nợ hỗ trợ có thu hồi", "Nợ quá hạn"

    browser = Browser()
    status, page = browser.get(a.url + reverse("login"))
    assert status == 200
    status, _ = browser.post(
        a.url + reverse("login"),
        {"username": "nhaplieu", "password": PASSWORD, "csrfmiddlewaretoken": csrf_token(page)},
        referer=a.url + reverse("login"),
    )
    assert status == 302, "signing in through server A failed"

    # Server B knows the session server A opened, and shows (and caches) the debts before.
    status, before = browser.get(b.url + reverse("home"))
    assert status == 200, before[:2000]
    # And the draft report of the contract's year and the đề án list, cached in Redis by B.
    draft = b.url + reverse("reporting:draft-document", kwargs={"year_from": 2022, "year_to": 2022})
    status, draft_before = browser.get(draft)
    assert status == 200, draft_before[:2000]
    assert browser.get(draft)[1] == draft_before  # served again, from the shared cache
    project_list = b.url + reverse("projects:project-list") + "?" + urllib.parse.urlencode({"q": contract.project.code})
    status, list_before = browser.get(project_list)
    assert status == 200 and contract.project.code in list_before, list_before[:2000]
    assert figure(before, outstanding) == formatting.money_short(40_000_000)
    assert figure(before, overdue) == formatting.money_short(40_000_000)

    # The repayment, through the contract's own form on server A.
    detail = a.url + reverse("funding:contract-detail", args=[contract.pk])
    status, page = browser.get(detail)
    assert status == 200
    today = datetime.date.today().strftime("%d/%m/%Y")
    status, _ = browser.post(
        a.url + reverse("funding:repayment-create", args=[contract.pk]),
        {"csrfmiddlewaretoken": csrf_token(page), "repay-date": today, "repay-amount": "10.000.000",
         "repay-receipt_number": "BL-HAI-MAY"},
        referer=detail,
    )
    assert status == 302, "the repayment form on server A refused the repayment"
    assert Repayment.objects.filter(contract=contract, receipt_number="BL-HAI-MAY").exists()

    # Server B, at once: the new figures, not the ones it cached.
    status, after = browser.get(b.url + reverse("home"))
    assert status == 200
    assert figure(after, outstanding) == formatting.money_short(30_000_000)
    assert figure(after, overdue) == formatting.money_short(30_000_000)
    # The draft counts the facilities by standing: 10 of 40 triệu paid leaves this one overdue.
    assert browser.get(draft)[1] == draft_before
    # The rest paid through A: the facility is no longer overdue, and B's draft says so at once.
    status, page = browser.get(detail)
    status, _ = browser.post(
        a.url + reverse("funding:repayment-create", args=[contract.pk]),
        {"csrfmiddlewaretoken": csrf_token(page), "repay-date": today, "repay-amount": "30.000.000",
         "repay-receipt_number": "BL-HAI-MAY-2"},
        referer=detail,
    )
    assert status == 302, "the second repayment on server A was refused"
    status, draft_after = browser.get(draft)
    assert status == 200 and draft_after != draft_before

    # A facility renamed through A's form shows at once in B's đề án list (under its đề án).
    facility = Facility.objects.get(pk=contract.facility_id)
    edit = a.url + reverse("projects:facility-edit", args=[facility.pk])
    status, page = browser.get(edit)
    assert status == 200
    fields = ("kind", "tax_code", "address", "sector", "representative", "phone", "email")
    data = {name: getattr(facility, name) or "" for name in fields}
    data.update(name="Cơ sở đổi tên qua máy A", commune=facility.commune_id or "", csrfmiddlewaretoken=csrf_token(page))
    status, page = browser.post(edit, data, referer=edit)
    assert status == 302, f"the facility form on server A refused the change: {page[:2000]}"
    status, list_after = browser.get(project_list)
    assert status == 200 and "Cơ sở đổi tên qua máy A" in list_after
    list_after = browser.get(project_list)[1]  # without the message of the save, shown once

    # What B showed from the cache is what it works out afresh.
    redis_or_skip().flushdb()
    assert stable(browser.get(draft)[1]) == stable(draft_after)
    assert stable(browser.get(project_list)[1]) == stable(list_after)
