"""The data version (khuyencong.core.dataversion) and the draft report cached under it.

Whatever way a record is written — a model's save, a QuerySet's update, a bulk insert, raw SQL,
a delete — the version changes when the write commits, and a draft page cached before is not
served after. A transaction that has written itself does not use the cache (PostgreSQL), and a
version rolled back is never handed out again for other data (its random token).
"""

from __future__ import annotations

import io
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from funding import services
from funding.models import ContractDebt, Disbursement, LoanContract
from khuyencong.core import dataversion
from projects.models import Facility, Program, Project
from tests import factories as f
from tests.test_browser import reference_data

pytestmark = pytest.mark.django_db(transaction=True)
POSTGRES = connection.vendor == "postgresql"


def _triggered_tables() -> set[str]:
    with connection.cursor() as cursor:
        if POSTGRES:
            sql = "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s"
            cursor.execute(sql, [dataversion.TRIGGER])
        else:
            sql = "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s"
            cursor.execute(sql, [dataversion.TRIGGER + "%"])
        return {row[0] for row in cursor.fetchall()}


def test_every_table_of_the_programmes_records_is_watched_and_the_derived_ones_are_not():
    watched = set(dataversion.watched_tables())
    assert {"projects_project", "projects_facility", "funding_repayment", "funding_loancontract", "reporting_report"} <= watched
    assert "projects_project_facilities" in watched or any("facilit" in t and "project" in t for t in watched)
    assert not watched & {"funding_contractdebt", "projects_historicalproject"}
    assert "funding_ledgerversion" in watched  # bumped by writers and by refresh_debts only
    assert watched <= _triggered_tables()


def _committed_version() -> str:
    version = dataversion.current()
    assert version is not None
    return version


def test_each_way_of_writing_changes_the_version_once_it_commits():
    reference_data()
    program = Program.objects.order_by("pk").first() or f.ProgramFactory()
    ways = {
        "save": lambda: program.save(),
        "update": lambda: Program.objects.filter(pk=program.pk).update(name=F("name")),
        "raw SQL": lambda: connection.cursor().execute("UPDATE projects_program SET name = name WHERE id = %s", [program.pk]),
        "bulk insert": lambda: f.FacilityFactory.create_batch(2),
        "delete": lambda: Project.objects.filter(pk=f.ProjectFactory().pk).delete(),
    }
    for way, write in ways.items():
        before = _committed_version()
        with transaction.atomic():
            write()
            if POSTGRES:
                assert dataversion.current() is None, f"{way}: a transaction that wrote is told"
        assert _committed_version() != before, way


def test_a_rolled_back_write_leaves_the_version_and_a_derived_write_does_not_change_it():
    reference_data()
    program = Program.objects.order_by("pk").first() or f.ProgramFactory()
    before = _committed_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        Program.objects.filter(pk=program.pk).update(name="tạm")
        raise RuntimeError
    assert _committed_version() == before
    contract = f.LoanContractFactory()
    before = _committed_version()
    ContractDebt.objects.filter(pk=contract.pk).update(outstanding=F("outstanding"))
    assert _committed_version() == before


@pytest.mark.skipif(not POSTGRES, reason="two writers at once need PostgreSQL")
def test_two_writers_do_not_wait_on_the_version_until_they_commit():
    """A long import holding its transaction open does not stop a repayment from committing:
    the version's row is taken at COMMIT, not at the first write."""
    reference_data()
    first, second = f.ProgramFactory(), f.ProgramFactory()
    before = _committed_version()
    written, release = threading.Event(), threading.Event()

    def long_writer():
        try:
            with transaction.atomic():
                Program.objects.filter(pk=first.pk).update(name="dài")
                written.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=long_writer)
    thread.start()
    assert written.wait(10)
    with transaction.atomic():  # would block here if the first writer held the version's row
        Program.objects.filter(pk=second.pk).update(name="ngắn")
    middle = _committed_version()
    release.set()
    thread.join(10)
    assert before != middle != _committed_version()


def test_the_draft_is_served_from_the_cache_until_a_record_changes(real_cache, client, django_assert_max_num_queries):
    reference_data()
    call_command("seed_demo", stdout=io.StringIO())
    client.force_login(get_user_model().objects.get(username="xem"))
    url = reverse("reporting:draft-document", kwargs={"year_from": 2024, "year_to": 2024}) + "?ngay=2025-03-15"
    first = client.get(url).content
    with django_assert_max_num_queries(5):  # session, user, version (and BEGIN, COMMIT on SQLite)
        assert client.get(url).content == first
    paid = Disbursement.objects.filter(project__plan__year=2024, date__year=2024).order_by("pk").first()
    Disbursement.objects.filter(pk=paid.pk).update(amount=F("amount") + 7_000_000)  # no signal, no history
    changed = client.get(url).content
    assert changed != first
    cache.clear()
    assert client.get(url).content == changed  # what the cache served is what is computed afresh


def test_the_debt_pages_cached_totals_follow_a_repayment(real_cache, client):
    """The dashboard's board, the overdue list's totals and the portfolio are cached for
    everyone under the data version: a repayment recorded through the service changes them on
    the next visit, to what a cold cache computes."""
    reference_data()
    call_command("seed_demo", stdout=io.StringIO())
    clerk = get_user_model().objects.get(username="nhaplieu")
    client.force_login(clerk)
    pages = {
        reverse("home"): lambda r: (r.context["board"].debts.outstanding, r.context["board"].debts.contracts),
        reverse("funding:overdue-list"): lambda r: (r.context["totals"], r.context["count"]),
        reverse("funding:portfolio"): lambda r: r.context["summary"].total.outstanding,
    }
    before = {url: read(client.get(url)) for url, read in pages.items()}
    assert before == {url: read(client.get(url)) for url, read in pages.items()}  # served again
    first_overdue = client.get(reverse("funding:overdue-list")).context["page"].object_list[0]
    owing = LoanContract.objects.get(number=first_overdue.contract_number)
    services.record_repayment(contract=owing, date=timezone.localdate(), amount=1_000, receipt_number="BL-DV", by=clerk)
    after = {url: read(client.get(url)) for url, read in pages.items()}
    assert all(after[url] != before[url] for url in pages), after
    cache.clear()
    assert after == {url: read(client.get(url)) for url, read in pages.items()}


def test_the_lists_are_cached_per_query_and_follow_a_rename(real_cache, client):
    """The đề án and facility lists ({% datacache %}) are kept per URL: another filter or page
    is another entry, a second visit reads no list, and a record renamed shows at once."""
    reference_data()
    call_command("seed_demo", stdout=io.StringIO())
    client.force_login(get_user_model().objects.get(username="chuyenvien"))
    for name, model in (("projects:project-list", Project), ("projects:facility-list", Facility)):
        url = reverse(name)
        first = client.get(url, {"page": 1})
        with CaptureQueriesContext(connection) as again:
            assert client.get(url, {"page": 1}).content.count(b"<tr>") == first.content.count(b"<tr>")
        with CaptureQueriesContext(connection) as cold:
            second_page = client.get(url, {"page": 2}).content
        assert len(again) < len(cold) - 2, name
        shown = first.context["page"].object_list[0]
        assert shown.name.encode() not in second_page or model is Facility
        model.objects.filter(pk=shown.pk).update(name="Aaa tên mới đổi ngay")
        assert "Aaa tên mới đổi ngay" in client.get(url, {"page": 1}).content.decode(), name


def test_the_project_page_keeps_its_records_for_everyone_and_its_controls_per_user(real_cache, client):
    """The đề án page's records are cached for everyone; what a user may do is not: a viewer
    after an editor sees no edit button, and a payment recorded shows on the next visit."""
    reference_data()
    call_command("seed_demo", stdout=io.StringIO())
    users = get_user_model().objects
    project = Project.objects.filter(status=Project.Status.IN_PROGRESS).order_by("pk").first()
    url = reverse("projects:project-detail", args=[project.pk])
    client.force_login(users.get(username="nhaplieu"))
    edit = reverse("projects:project-edit", args=[project.pk])
    assert edit in client.get(url).content.decode()
    client.force_login(users.get(username="xem"))
    seen = client.get(url)
    assert edit not in seen.content.decode()
    paid = seen.context["executed"]
    source = Disbursement.objects.filter(project__plan__year=project.plan.year).first().funding_source
    Disbursement.objects.create(
        project=project, date=timezone.localdate(), amount=1_000, funding_source=source, document_number="DV-1"
    )
    assert client.get(url).context["executed"] == paid + 1_000
