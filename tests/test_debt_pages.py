"""The debt pages on a day the per-contract debt summaries hold (today): the overdue list, the
portfolio, the contract list and the dashboard read summaries in SQL, so a page of 50 reads 50
rows and the query counts stay flat; and they show what the ledgers give (the ledger path of
an explicit contract list, ``contract_statuses`` over the ledgers)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from funding import loans
from funding.models import LoanContract
from tests.test_contract_screens import REMEMBER_QUERIES, make_contracts

pytest_plugins = ["tests.screens_helpers"]

pytestmark = pytest.mark.django_db

# session, user, savepoint + release; the data version (read first; the list and the totals
# are cached under it: khuyencong.core.dataversion; the tests' cache keeps nothing); the
# totals by bucket; the count; the page of 50 with contract, facility, đề án and plan; the
# user's groups.
OVERDUE_TODAY_QUERIES = 10
# session, user, savepoint + release; the data version; whether every summary holds;
# aggregates by plan year, and by year and bucket; the same overall; the user's groups.
PORTFOLIO_TODAY_QUERIES = 11
# session, user, savepoint + release; the plan years; the page count; the page of contracts;
# their summaries; the user's groups (the facility filter is a picker: no list of choices); the
# data version the list is cached under.
CONTRACT_LIST_TODAY_QUERIES = 10 + REMEMBER_QUERIES
# The same sorted by days past due and filtered by bucket in SQL: plus whether every summary holds.
CONTRACT_LIST_BY_BUCKET_TODAY_QUERIES = 11 + REMEMBER_QUERIES


@pytest.mark.parametrize("rows", [1, 53])
def test_the_debt_pages_read_summaries_today_in_a_fixed_number_of_queries(
    login, department, viewer, django_assert_num_queries, rows
):
    make_contracts(rows, department)
    client = login(viewer)
    today = timezone.localdate()
    everything = LoanContract.objects.all()

    with django_assert_num_queries(OVERDUE_TODAY_QUERIES):
        response = client.get(reverse("funding:overdue-list"))
    by_ledger = loans.overdue_contracts(everything, as_of=today)
    assert response.context["count"] == len(by_ledger) == rows
    assert list(response.context["page"]) == by_ledger[:50]
    assert response.context["totals"]["overdue"] == sum(r.overdue for r in by_ledger)

    with django_assert_num_queries(PORTFOLIO_TODAY_QUERIES):
        response = client.get(reverse("funding:portfolio"))
    assert response.context["summary"] == loans.portfolio_summary(everything, as_of=today)

    with django_assert_num_queries(CONTRACT_LIST_TODAY_QUERIES):
        response = client.get(reverse("funding:contract-list"), {"q": "co so"})
    assert response.context["page"].paginator.count == rows

    with django_assert_num_queries(CONTRACT_LIST_BY_BUCKET_TODAY_QUERIES):
        response = client.get(reverse("funding:contract-list"), {"bucket": "qua-han", "sap_xep": "-so-ngay"})
    shown = response.context["rows"]
    assert response.context["page"].paginator.count == rows
    statuses = loans._ledgers(list(everything), today)
    expected = sorted((ledger.status for ledger in statuses), key=lambda s: -s.days_past_due)
    assert [s.days_past_due for _, s in shown] == [s.days_past_due for s in expected][:50]
    assert all(s == next(x for x in expected if x.contract_id == c.pk) for c, s in shown)


def test_a_new_day_with_an_instalment_falling_due_is_worked_out_when_read(department, viewer, login):
    """A summary whose next record date has come no longer holds: the page works it out again
    (and stores it) before reading."""
    make_contracts(1, department)
    contract = LoanContract.objects.get()
    loans.ContractDebt.objects.filter(pk=contract.pk).update(changes_on=timezone.localdate())
    client = login(viewer)
    response = client.get(reverse("funding:overdue-list"))
    assert response.context["count"] == 1
    assert loans.summary_holds(loans.ContractDebt.objects.get(pk=contract.pk), timezone.localdate())
