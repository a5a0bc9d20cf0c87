"""Attacks on the data version and the caches keyed by it (khuyencong.core.dataversion): writes
that might change a cached page without changing the version, pages cached for one user and
served to another, and PostgreSQL's transactions (savepoints, SET CONSTRAINTS, concurrent
writers)."""

from __future__ import annotations

import datetime
import io
import json
import re
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import F
from django.test import Client
from django.urls import reverse

from funding.models import ContractDebt
from khuyencong.core import dataversion
from projects.models import Program
from tests import factories as f
from tests.test_browser import reference_data

pytestmark = pytest.mark.django_db(transaction=True)
POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def demo():
    reference_data()
    call_command("seed_demo", stdout=io.StringIO())


def _version() -> str:
    version = dataversion.current()
    assert version is not None
    return version


def _overdue_totals(client) -> tuple:
    response = client.get(reverse("funding:overdue-list"))
    return response.context["count"], dict(response.context["totals"])


def test_refresh_debts_repairing_the_summaries_shows_on_the_cached_overdue_list(real_cache, demo, client):
    """The summaries are derived and unwatched; a summary gone wrong (a raw repair of a ledger
    that sent no signal) is put right by ``manage.py refresh_debts``, which bumps the ledger
    version for the caches keyed by it. The pages cached under the data version must follow."""
    client.force_login(get_user_model().objects.get(username="nhaplieu"))
    right = _overdue_totals(client)
    late = ContractDebt.objects.filter(late=True).order_by("pk").first()
    ContractDebt.objects.filter(pk=late.pk).update(overdue=F("overdue") + 123_000_000)
    cache.clear()
    wrong = _overdue_totals(client)
    assert wrong != right  # the broken summary is what the page shows (and caches)
    call_command("refresh_debts", stdout=io.StringIO())
    assert _overdue_totals(client) == right


def _page_without_per_request_bits(content: bytes) -> str:
    text = content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    return re.sub(r'nonce="[^"]+"', "", text)


LEAK_PAGES = ("home", "projects:project-list", "projects:facility-list", "funding:contract-list", "funding:overdue-list")


@pytest.mark.parametrize("name", LEAK_PAGES)
def test_a_page_cached_by_the_administrator_shows_a_viewer_what_a_cold_cache_shows_him(real_cache, demo, client, name):
    """What a cached part holds is everyone's: the viewer sees through a cache filled by the
    administrator exactly the page he sees on a cold cache (no edit link, no name, no token)."""
    users = get_user_model().objects
    url = reverse(name)
    client.force_login(users.get(username="quantri"))
    assert client.get(url, {"page": 1}).status_code == 200
    client.force_login(users.get(username="xem"))
    warm = _page_without_per_request_bits(client.get(url, {"page": 1}).content)
    cache.clear()
    cold = _page_without_per_request_bits(client.get(url, {"page": 1}).content)
    assert warm == cold


def test_loaddata_changes_the_version_and_the_cached_list(real_cache, demo, client, tmp_path):
    """A fixture loaded over a record (raw saves, no signals of the records; on PostgreSQL
    loaddata sets the constraints immediate in its transaction) changes the version."""
    client.force_login(get_user_model().objects.get(username="xem"))
    url = reverse("projects:facility-list")
    shown = client.get(url, {"page": 1}).context["page"].object_list[0]
    dump = io.StringIO()
    call_command("dumpdata", "projects.facility", "--pks", str(shown.pk), stdout=dump)
    rows = json.loads(dump.getvalue())
    rows[0]["fields"]["name"] = "Aaa cơ sở nạp lại"
    fixture = tmp_path / "co-so.json"
    fixture.write_text(json.dumps(rows), encoding="utf-8")
    before = _version()
    call_command("loaddata", str(fixture), stdout=io.StringIO())
    assert _version() != before
    assert "Aaa cơ sở nạp lại" in client.get(url, {"page": 1}).content.decode()


def test_flush_changes_the_version(real_cache, demo, client):
    """``manage.py flush`` (TRUNCATE on PostgreSQL, DELETE on SQLite) empties the cached lists."""
    client.force_login(get_user_model().objects.get(username="xem"))
    url = reverse("projects:project-list")
    assert client.get(url, {"page": 1}).context["page"].paginator.count > 0
    before = _version()
    call_command("flush", interactive=False, stdout=io.StringIO())
    assert _version() != before


# --- PostgreSQL's transactions -----------------------------------------------------------------


needs_postgres = pytest.mark.skipif(not POSTGRES, reason="transaction semantics of PostgreSQL")


@needs_postgres
def test_savepoints_rolled_back_and_released_bump_exactly_when_a_write_survives():
    reference_data()
    program = Program.objects.order_by("pk").first() or f.ProgramFactory()
    touch = lambda: Program.objects.filter(pk=program.pk).update(name=F("name"))  # noqa: E731
    before = _version()
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            touch()
            assert dataversion.current() is None
            raise RuntimeError
        assert dataversion.current() == before  # the write is gone: the version holds again
    assert _version() == before
    with transaction.atomic():
        touch()
        with pytest.raises(RuntimeError), transaction.atomic():
            touch()
            raise RuntimeError
        assert dataversion.current() is None  # the outer write is still there
    middle = _version()
    assert middle != before
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            touch()
            raise RuntimeError
        with transaction.atomic():
            touch()
        assert dataversion.current() is None
    assert _version() != middle


@needs_postgres
def test_set_constraints_immediate_mid_transaction_still_bumps_once_at_commit():
    """loaddata (``check_constraints``) fires the deferred trigger before the end: the bump is
    made then, in the transaction, and a later write of the same transaction needs no other."""
    reference_data()
    program = Program.objects.order_by("pk").first() or f.ProgramFactory()
    before = _version()
    n_before = int(before.split(".")[0])
    with transaction.atomic():
        Program.objects.filter(pk=program.pk).update(name=F("name"))
        connection.check_constraints()
        Program.objects.filter(pk=program.pk).update(name="sau kiểm tra")
        assert dataversion.current() is None
    after = _version()
    assert int(after.split(".")[0]) == n_before + 1
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {dataversion.PENDING_TABLE}")
        assert cursor.fetchone()[0] == 0


@needs_postgres
def test_two_concurrent_writers_both_bump_and_neither_waits_for_the_other():
    reference_data()
    programs = [f.ProgramFactory(), f.ProgramFactory()]
    n_before = int(_version().split(".")[0])
    written = threading.Barrier(2, timeout=10)
    errors = []

    def writer(program):
        try:
            with transaction.atomic():
                Program.objects.filter(pk=program.pk).update(name=F("name"))
                written.wait()  # both hold their write open at once
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(p,)) for p in programs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors and not any(t.is_alive() for t in threads)
    assert int(_version().split(".")[0]) == n_before + 2


def test_the_cached_draft_follows_the_organisation_settings(real_cache, demo, client, settings):
    """The draft prints the signer and the bodies of settings.ORGANISATION (ORG_* in the
    environment): a restart with another signer must not serve the draft cached before it."""
    client.force_login(get_user_model().objects.get(username="xem"))
    url = reverse("reporting:draft-document", kwargs={"year_from": 2024, "year_to": 2024}) + "?ngay=2025-03-15"
    assert "PHÓ GIÁM ĐỐC THỬ" not in client.get(url).content.decode()
    settings.ORGANISATION = {**settings.ORGANISATION, "signer_title": "PHÓ GIÁM ĐỐC THỬ"}
    assert "PHÓ GIÁM ĐỐC THỬ" in client.get(url).content.decode()


def test_the_cached_overdue_list_counts_one_more_day_after_midnight(real_cache, demo, client, monkeypatch):
    """No record changes at midnight, but the days past due do: the day is in the key."""
    from django.utils import timezone

    client.force_login(get_user_model().objects.get(username="xem"))
    url = reverse("funding:overdue-list")
    first = client.get(url).context["page"].object_list[0]
    today = timezone.localdate()
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today + datetime.timedelta(days=1))
    rows = {r.contract_number: r for r in client.get(url).context["page"].object_list}
    assert first.bucket  # the longest overdue first: a counter that runs
    assert rows[first.contract_number].days_past_due == first.days_past_due + 1


def _facility_list(client) -> str:
    return client.get(reverse("projects:facility-list"), {"q": "Lang Biang thử"}).content.decode()


def test_the_workbook_import_and_the_admin_change_the_cached_facility_list(real_cache, demo, client, tmp_path):
    """The two other ways a clerk or an administrator writes records: ``manage.py
    import_workbook`` (bulk inserts) and the admin's add form."""
    from django.utils import timezone

    from khuyencong.workbook import sheets as S
    from projects.models import AdministrativeUnit
    from tests.workbook_helpers import xlsx

    users = get_user_model().objects
    client.force_login(users.get(username="xem"))
    commune = AdministrativeUnit.objects.valid_on(timezone.localdate()).communes().select_related("parent").first()
    assert "Hợp tác xã Lang Biang thử" not in _facility_list(client)
    header = list(S.FACILITIES.all_columns)
    row = dict.fromkeys(header, "")
    row.update(
        {
            "Mã số thuế": "5809990002",
            "Tên cơ sở": "Hợp tác xã Lang Biang thử",
            "Loại hình": "Hợp tác xã",
            S.COMMUNE: commune.name + ", " + commune.parent.name,
        }
    )
    workbook = tmp_path / "co-so.xlsx"
    workbook.write_bytes(xlsx({"CoSo": [header, [row[c] for c in header]]}))
    call_command("import_workbook", str(workbook), "--user", "nhaplieu", stdout=io.StringIO(), stderr=io.StringIO())
    assert "Hợp tác xã Lang Biang thử" in _facility_list(client)

    admin = Client()
    admin.force_login(users.get(username="quantri"))
    response = admin.post(
        reverse("admin:projects_facility_add"),
        {"name": "Cơ sở Lang Biang thử qua quản trị", "kind": "cooperative", "tax_code": "5809990003", "commune": commune.pk},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert "Cơ sở Lang Biang thử qua quản trị" in _facility_list(client)


def test_the_release_digest_follows_the_translations_and_the_libraries_that_render_the_lists(settings, tmp_path, monkeypatch):
    """The filter forms inside the cached lists are rendered by Django's and django-filter's
    widgets, in the words of locale/: a release that changes only those must have new keys."""
    import importlib.metadata

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "a.html").write_text("<p>a</p>", encoding="utf-8")
    po = tmp_path / "locale" / "vi" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid "This field is required."\nmsgstr "Trường này là bắt buộc."\n', encoding="utf-8")
    settings.BASE_DIR = tmp_path
    digest = dataversion.release.__wrapped__
    first = digest()
    po.write_text('msgid "This field is required."\nmsgstr "Hãy điền trường này."\n', encoding="utf-8")
    translated = digest()
    assert translated != first
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "99.0" if name == "django" else real(name))
    assert digest() != translated
