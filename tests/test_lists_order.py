"""Vietnamese order on the database in use (SQLite by default; run also with DATABASE_URL naming
a PostgreSQL database) and in Python, and the lists' exports in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from khuyencong.core.collation import vietnamese, vietnamese_key
from projects.models import Facility, Project
from tests import factories as f
from tests.list_reading import read_list

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

NAMES = ["Cà phê", "Chăn nuôi", "Chè", "Dệt", "Đá"]  # in Vietnamese order


# --- Vietnamese order --------------------------------------------------------------------------


def test_the_python_key_orders_the_vietnamese_alphabet_then_tones_then_case():
    assert sorted(["Đá", "Chè", "Dệt", "Cà phê", "Chăn nuôi"], key=vietnamese_key) == NAMES
    assert sorted(["ạ", "á", "ã", "ả", "à", "a", "A"], key=vietnamese_key) == ["a", "A", "à", "ả", "ã", "á", "ạ"]
    assert sorted(["ư", "u", "ơ", "ô", "o", "ê", "e", "â", "ă", "b"], key=vietnamese_key) == [
        "ă", "â", "b", "e", "ê", "o", "ô", "ơ", "u", "ư",
    ]  # fmt: skip


@pytest.fixture
def vietnamese_names(db):
    return [f.FacilityFactory(name=name) for name in reversed(NAMES)]


def test_the_database_orders_names_in_vietnamese(vietnamese_names):
    names = list(Facility.objects.filter(pk__in=[x.pk for x in vietnamese_names]).order_by(vietnamese("name"))
                 .values_list("name", flat=True))  # fmt: skip
    assert names == NAMES, connection.vendor
    backwards = Facility.objects.filter(pk__in=[x.pk for x in vietnamese_names]).order_by(vietnamese("name").desc())
    assert [x.name for x in backwards] == NAMES[::-1]


def test_the_facility_list_sorts_names_in_vietnamese(vietnamese_names, viewer_client):
    names = [x.name for x in viewer_client.get(reverse("projects:facility-list")).context["page"].object_list]
    assert names == NAMES, connection.vendor
    names = [x.name for x in viewer_client.get(reverse("projects:facility-list"), {"sap_xep": "-ten"}).context["page"]]
    assert names == NAMES[::-1]
    names = [x.name for x in viewer_client.get(reverse("projects:facility-list"), {"sap_xep": "ten"}).context["page"]]
    assert names == NAMES
    _, _, rows, _ = read_list(viewer_client.get(reverse("projects:facility-export"), {"sap_xep": "ten"}).content)
    assert [r["Tên cơ sở"] for r in rows] == NAMES


# --- query counts ------------------------------------------------------------------------------

# savepoint + release (atomic request), session, user; the plan years the filter offers (đề án,
# contracts); the rows, and what the sheet reads of them in a fixed number of queries (đề án:
# their facilities, prefetched; contracts: contract_statuses' summaries that hold and, for the
# rest, six).
EXPORT_QUERIES = {"projects:project-export": 7, "projects:facility-export": 5, "funding:contract-export": 13}


def _make(n: int, export: str, by) -> None:
    plan = f.AnnualPlanFactory(year=2024)
    facilities = [f.FacilityFactory() for _ in range(max(3, n))]
    for i in range(n):
        project = f.ProjectFactory(plan=plan, facilities=facilities[: 1 + i % 3], status=Project.Status.COMPLETED)
        f.DisbursementFactory(project=project, funding_source=None, amount=1_000_000 + i)
    if export == "funding:contract-export":
        from tests.test_contract_screens import make_contracts

        make_contracts(n, by)


@pytest.mark.parametrize("export", sorted(EXPORT_QUERIES))
@pytest.mark.parametrize("rows", [1, 25])
def test_export_query_counts_do_not_grow_with_the_rows(login, department, viewer, django_assert_max_num_queries, export,
                                                       rows):  # fmt: skip
    _make(rows, export, department)
    client = login(viewer)
    with django_assert_max_num_queries(EXPORT_QUERIES[export]):
        response = client.get(reverse(export), {"ngay": "15/03/2022"} if "funding" in export else {})
    assert len(read_list(response.content)[2]) >= rows
