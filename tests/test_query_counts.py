"""The lists and the dashboard read the database a fixed number of times, whatever the rows.

Each test builds 1 row, then 100, and pins the same count for both; the comment above each
count names its queries. (ATOMIC_REQUESTS adds no query: the test already runs in a
transaction, so Django uses savepoints, which the count includes.)
"""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funding import services
from funding.models import LoanContract
from khuyencong.core import dataversion
from projects.models import Project
from tests import factories as f

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

pytestmark = pytest.mark.django_db


def make_projects(n: int) -> None:
    plan = f.AnnualPlanFactory(year=2024)
    facilities = [f.FacilityFactory() for _ in range(3)]
    for i in range(n):
        project = f.ProjectFactory(plan=plan, facilities=facilities[: 1 + i % 3], status=Project.Status.COMPLETED)
        f.DisbursementFactory(project=project, funding_source=None, amount=1_000_000 + i)


def make_facilities(n: int) -> None:
    plan = f.AnnualPlanFactory(year=2024)
    for _ in range(n):
        facility = f.FacilityFactory()
        f.ProjectFactory(plan=plan, facilities=[facility])


def make_dashboard(n: int) -> None:
    plan = f.AnnualPlanFactory(year=2024)
    for i in range(n):
        project = f.ProjectFactory(plan=plan, status=[Project.Status.APPROVED, Project.Status.COMPLETED][i % 2])
        if i % 2:
            f.DisbursementFactory(project=project, funding_source=None)
        contract = f.LoanContractFactory(project=project, state=LoanContract.State.ACTIVE)
        f.InstalmentFactory(contract=contract, number=1, due_date=datetime.date(2024, 6, 15))
        f.InstalmentFactory(contract=contract, number=2, due_date=datetime.date.today() + datetime.timedelta(days=5))
        f.InstalmentFactory(contract=contract, number=3, due_date=datetime.date(2024, 12, 15))  # left unpaid: overdue
        f.RepaymentFactory(contract=contract)
        f.ReportFactory()


# savepoint + release (atomic request), session, user, the user's groups (roles.can_edit_records);
# the plan years; the chosen district (form cleaning); the page count; the filter form's
# activity contents, funding levels, districts and communes; the page of đề án with their
# executed money, and their facilities (prefetch); and first the data version the filters and
# the list are cached under ({% datacache %}; the tests' cache keeps nothing).
# Remembering the list's filters (khuyencong.core.lists.remember_filters) when they change:
# savepoint, the session's update, release.
REMEMBER_QUERIES = 3
PROJECT_LIST_QUERIES = 15 + REMEMBER_QUERIES


@pytest.mark.parametrize("rows", [1, 100])
def test_project_list_query_count_does_not_grow(login, data_entry, django_assert_num_queries, rows):
    make_projects(rows)
    client = login(data_entry)
    district = f.unit("672").pk
    with django_assert_num_queries(PROJECT_LIST_QUERIES):
        response = client.get(reverse("projects:project-list"), {"q": "ho tro", "district": district})
    assert response.context["page"].paginator.count == rows


# session, user, savepoint + release; the district and commune filters' choices; the page count,
# the page of facilities with their number of supports; the user's groups (roles.can_edit_records);
# the data version the list is cached under.
FACILITY_LIST_QUERIES = 10 + REMEMBER_QUERIES


@pytest.mark.parametrize("rows", [1, 100])
def test_facility_list_query_count_does_not_grow(login, data_entry, django_assert_num_queries, rows):
    make_facilities(rows)
    client = login(data_entry)
    with django_assert_num_queries(FACILITY_LIST_QUERIES):
        response = client.get(reverse("projects:facility-list"), {"q": "che lam dong"})
    assert response.context["page"].paginator.count == rows


# session, user, savepoint + release; the data version the figures are cached under
# (khuyencong.core.dataversion; the tests' cache keeps nothing); programme and plan years (2); đề án per year; disbursements
# per year; disbursements per content; the ledger's version (funding.loans.ledger_version),
# then, the cache being off in tests: whether every debt summary holds today, the summaries'
# totals, the ten largest overdue with their contract and facility, the contracts with an
# instalment due in 30 days and their six ledger queries (instalments, reschedules,
# repayments, lawsuits, write-offs, recoveries) and those shown, with their facility; approved
# đề án without a disbursement, and their count; draft reports; the user's groups.
# + the results after support of the years shown; then the queues of đề án waiting for the
# user's step (projects.services.queues_for), a count and the rows shown each: the Centre's
# two (acceptance, settlement), the Department's one (approval).
QUEUE_QUERIES = 2
DASHBOARD_QUERIES = 27 + 2 * QUEUE_QUERIES  # as the Centre (data entry) sees it
DEPARTMENT_DASHBOARD_QUERIES = 27 + 1 * QUEUE_QUERIES


@pytest.mark.parametrize("rows", [1, 100])
def test_dashboard_query_count_does_not_grow(login, data_entry, django_assert_num_queries, rows):
    make_dashboard(rows)
    client = login(data_entry)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("home"))
    board = response.context["board"]
    assert board.debts.contracts == rows
    assert len(board.due_soon) == min(rows, 10)


def test_the_dashboard_keeps_its_debts_until_a_ledger_changes(login, department, settings, monkeypatch):
    """With a real cache, a second visit reads the ledger's version instead of the debts, and a
    new repayment (which bumps the version) gives the next visit fresh debts. The whole board's
    cache under the data version (test_data_version) is kept out, as in a transaction that has
    written (on PostgreSQL, this test's), so the debts' own cache is what is measured."""
    monkeypatch.setattr(dataversion, "current", lambda using=None: None)
    computed = DEPARTMENT_DASHBOARD_QUERIES - 1  # without the data version's query
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "debts"}}
    cache.clear()
    make_dashboard(3)
    client = login(department)
    first = client.get(reverse("home")).context["board"].debts
    with CaptureQueriesContext(connection) as warm:
        again = client.get(reverse("home")).context["board"].debts
    assert again == first
    # whether the summaries hold, their totals, the largest overdue, the due list's contracts,
    # six ledger queries and the contracts shown are spared
    assert len(warm) == computed - 11
    contract = LoanContract.objects.first()
    services.record_repayment(
        contract=contract, date=datetime.date.today(), amount=1_000, receipt_number="BL-CACHE", by=department
    )
    with CaptureQueriesContext(connection) as after_repayment:
        after = client.get(reverse("home")).context["board"].debts
    assert after.outstanding == first.outstanding - 1_000
    assert len(after_repayment) == computed  # a new version: worked out again
    cache.clear()
    assert client.get(reverse("home")).context["board"].debts == after  # as worked out from scratch
