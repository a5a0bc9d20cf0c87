"""Pages of 50 read 50 (issue 14, item 3): nothing a busy page renders or counts grows with the data.

The contract list's facility filter is a search picker (it rendered every facility with a
contract: 1.901 options, 136 KB at 50× the data); its value is still validated. The facility
list counts the đề án of the rows shown only. And the pages' query counts, pinned at two data
sizes, stay the same.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from funding.models import LoanContract
from projects.models import Project
from tests import factories as f

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

pytestmark = pytest.mark.django_db

NOTE = "Đã bỏ qua điều kiện lọc không hợp lệ"


def contracts(n: int) -> list[LoanContract]:
    made = []
    for i in range(n):
        contract = f.LoanContractFactory(state=LoanContract.State.ACTIVE)
        f.InstalmentFactory(contract=contract, number=1, due_date=datetime.date(2024, 6, 15))
        f.InstalmentFactory(contract=contract, number=2, due_date=datetime.date(2024, 12, 15))
        if i % 2:
            f.RepaymentFactory(contract=contract)
        made.append(contract)
    return made


# --- the contract list's facility picker ------------------------------------------------------


def test_the_contract_list_offers_no_list_of_facilities_but_a_search(viewer_client):
    made = contracts(3)
    html = viewer_client.get(reverse("funding:contract-list")).content.decode()
    assert "data-picker" in html and reverse("projects:facility-search") in html
    assert "js/picker.js" in html
    for contract in made:  # listed in the table, not offered as options
        assert f'<option value="{contract.facility_id}"' not in html


def test_the_chosen_facility_filters_the_list_and_is_shown_chosen(viewer_client):
    first, second = contracts(2)
    response = viewer_client.get(reverse("funding:contract-list"), {"facility": first.facility_id})
    html = response.content.decode()
    assert [c.pk for c, _ in response.context["rows"]] == [first.pk]
    # The one chosen row, ticked, so that the next "Lọc" keeps it.
    assert f'value="{first.facility_id}"' in html and "checked" in html
    assert first.facility.name in html and NOTE not in html
    assert second.facility.name not in html.split("<table", 1)[0]


@pytest.mark.parametrize("value", ["999999", "abc", "99999999999999999999"])
def test_an_unknown_facility_is_named_above_the_list_not_a_server_error(viewer_client, value):
    contracts(2)
    response = viewer_client.get(reverse("funding:contract-list"), {"facility": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert NOTE in html and f"Cơ sở “{value}”: không có cơ sở nào mang mã này" in html
    assert len(response.context["rows"]) == 2  # the list as if unfiltered


# --- the facility list counts for its page only -----------------------------------------------


def test_the_facility_list_counts_each_rows_supports(viewer_client):
    plan = f.AnnualPlanFactory(year=2024)
    busy, idle = f.FacilityFactory(name="A cơ sở nhiều đề án"), f.FacilityFactory(name="B cơ sở chưa có đề án")
    for _ in range(3):
        f.ProjectFactory(plan=plan, facilities=[busy])
    rows = {row.pk: row.supports for row in viewer_client.get(reverse("projects:facility-list")).context["page"]}
    assert rows == {busy.pk: 3, idle.pk: 0}
    by_supports = viewer_client.get(reverse("projects:facility-list"), {"sap_xep": "ho-tro"}).context["page"]
    assert [row.pk for row in by_supports] == [idle.pk, busy.pk]


def test_the_facility_list_page_count_does_not_count_supports(viewer_client):
    """The paginator's count leaves the per-row subquery out: one COUNT over the register, no
    join with the đề án's beneficiaries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    f.FacilityFactory()
    with CaptureQueriesContext(connection) as queries:
        viewer_client.get(reverse("projects:facility-list"))
    counts = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(")]
    assert len(counts) == 1 and "projects_project_facilities" not in counts[0]


# --- query counts, pinned, the same for 1 row and 30 ----------------------------------------------
# (Each page is visited once before it is counted: the first visit of a list remembers its
# filters in the session, three queries more; khuyencong.core.lists.remember_filters.)


def make_project(n: int) -> Project:
    project = f.ProjectFactory(
        plan=f.AnnualPlanFactory(year=2024), support_form="recoverable", status=Project.Status.IN_PROGRESS,
        facilities=[f.FacilityFactory() for _ in range(n)],
    )
    for i, facility in enumerate(project.facilities.all()):
        f.DisbursementFactory(project=project, funding_source=None, amount=1_000_000 + i)
        contract = f.LoanContractFactory(project=project, facility=facility, state=LoanContract.State.ACTIVE)
        f.InstalmentFactory(contract=contract, number=1, due_date=datetime.date(2024, 6, 15))
        f.EventFactory(project=project)
    return project


def assert_queries(client, url: str, params: dict | None, expected: int, django_assert_num_queries) -> None:
    client.get(url, params or {})  # the first visit remembers the list's filters in the session
    with django_assert_num_queries(expected):
        response = client.get(url, params or {})
    assert response.status_code == 200


# session, user, savepoint + release; the user's groups; the đề án with plan, content, level;
# its disbursements, contracts (with facility) and their statuses (their debt summaries, which
# hold today: no ledger is rebuilt), events, facilities, results; the history of
# the recent changes; the decisions of the timeline and the steps offered; the funding sources
# of the disbursement form; the data version the đề án's records are cached under
# (projects.views._project_records; the tests' cache keeps nothing).
PROJECT_PAGE_QUERIES = 24


@pytest.mark.parametrize("rows", [1, 30])
def test_the_project_page_query_count_does_not_grow(data_entry, login, django_assert_num_queries, rows):
    project = make_project(rows)
    url = reverse("projects:project-detail", args=[project.pk])
    assert_queries(login(data_entry), url, None, PROJECT_PAGE_QUERIES, django_assert_num_queries)


# session, user, savepoint + release; the plan years; the page count and the page of contracts
# with facility, đề án and plan; their debt summaries (for the page only); the user's groups;
# the data version the list is cached under.
# A chosen facility: its check and the picker's row, two more.
CONTRACT_LIST_QUERIES = 10


@pytest.mark.parametrize("rows", [1, 30])
@pytest.mark.parametrize("params, extra", [({}, 0), ({"sap_xep": "co-so"}, 0), ("facility", 2)])
def test_the_contract_list_query_count_does_not_grow(data_entry, login, django_assert_num_queries, rows, params, extra):
    made = contracts(rows)
    query = {"facility": made[0].facility_id} if params == "facility" else params
    url = reverse("funding:contract-list")
    assert_queries(login(data_entry), url, query, CONTRACT_LIST_QUERIES + extra, django_assert_num_queries)


# session, user, savepoint + release; the district and commune filters' choices; the page count
# and the page of facilities with their supports (a subquery); the user's groups; the data
# version the list is cached under ({% datacache %}).
FACILITY_LIST_QUERIES = 10


@pytest.mark.parametrize("rows", [1, 60])
@pytest.mark.parametrize("params", [{}, {"sap_xep": "ho-tro"}, {"q": "che lam dong"}])
def test_the_facility_list_query_count_does_not_grow(data_entry, login, django_assert_num_queries, rows, params):
    plan = f.AnnualPlanFactory(year=2024)
    for _ in range(rows):
        f.ProjectFactory(plan=plan, facilities=[f.FacilityFactory()])
    url = reverse("projects:facility-list")
    assert_queries(login(data_entry), url, params, FACILITY_LIST_QUERIES, django_assert_num_queries)


# --- the pager ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number, shown",
    [
        (1, [1, 2, 3, None, 200]),
        (10, [1, None, 8, 9, 10, 11, 12, None, 200]),
        (200, [1, None, 198, 199, 200]),
    ],
)
def test_the_pager_links_the_ends_and_two_pages_each_side(number, shown):
    from django.core.paginator import Paginator

    from khuyencong.templatetags.pages import page_window

    assert page_window(Paginator(range(10_000), 50).page(number)) == shown


def test_the_export_names_the_chosen_facility_without_reading_the_register(viewer_client):
    first, _ = contracts(2)
    for _ in range(5):
        f.FacilityFactory()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = viewer_client.get(reverse("funding:contract-export"), {"facility": first.facility_id})
    assert response.status_code == 200
    # No query lists the facilities without a condition on their id.
    register = [q["sql"] for q in queries if 'FROM "projects_facility"' in q["sql"].split("WHERE")[0] and "WHERE" not in q["sql"]]
    assert not register, register
