"""The đề án form's facility picker: the search it asks (projects:facility-search), and the form
field that renders only the chosen facilities yet accepts any facility of the register."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Project
from tests import factories as f
from tests.test_screens import project_post

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

pytestmark = pytest.mark.django_db

UNKNOWN = 987654
# The chosen facilities as the page renders them: checked boxes of the real field.
CHOSEN = re.compile(r'<input type="checkbox" name="facilities" value="(\d+)"[^>]*\bchecked\b')


def search(client, q: str):
    return client.get(reverse("projects:facility-search"), {"q": q})


# ——— The search ———————————————————————————————————————————————————————————————————————


def test_anonymous_users_are_sent_to_sign_in(client):
    url = reverse("projects:facility-search")
    for method in (client.get, client.post):
        response = method(url, {"q": "che"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")


def test_search_answers_get_only(entry_client):
    assert entry_client.post(reverse("projects:facility-search"), {"q": "che"}).status_code == 405


def test_every_signed_in_user_may_search(viewer_client):
    f.FacilityFactory(name="Hợp tác xã Chè Cầu Đất")
    response = search(viewer_client, "cau dat")
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == ["Hợp tác xã Chè Cầu Đất"]


def test_search_ignores_accents_and_says_where_each_facility_is(viewer_client):
    commune = f.AdministrativeUnitFactory(name="Xã Xuân Trường", parent=f.unit("672"))
    facility = f.FacilityFactory(
        name="Hợp tác xã Chè Cầu Đất Xanh", tax_code="5809876543", address="Thôn Cầu Đất", administrative_unit=commune
    )
    f.FacilityFactory(name="Công ty Dệt Bảo Lộc", address="Phường 2, Thành phố Bảo Lộc")
    response = search(viewer_client, "CAU dat")
    assert response["Content-Type"] == "application/json"
    # A commune's facility is shown with the district the commune lies in.
    assert response.json() == {
        "results": [
            {
                "id": facility.pk,
                "label": "Hợp tác xã Chè Cầu Đất Xanh",
                "sub": "MST 5809876543 · Thành phố Đà Lạt",
                "name": "Hợp tác xã Chè Cầu Đất Xanh",
                "tax_code": "5809876543",
                "district": "Thành phố Đà Lạt",
            }
        ],
        "more": False,
    }


@pytest.mark.parametrize("query", ["lam dong", "Lâm Đồng", "LAM DONG xanh", "5801112223"])
def test_search_finds_by_name_without_accents_and_by_tax_code(viewer_client, query):
    f.FacilityFactory(name="Công ty TNHH Chè Lâm Đồng Xanh", tax_code="5801112223", address="")
    f.FacilityFactory(name="Hợp tác xã Dệt Đắk Nông", tax_code="", address="")
    names = [r["name"] for r in search(viewer_client, query).json()["results"]]
    assert names == ["Công ty TNHH Chè Lâm Đồng Xanh"]


def test_search_answers_at_most_twenty_by_name_and_says_there_are_more(viewer_client):
    for n in range(25):
        f.FacilityFactory(name=f"Cơ sở mây tre đan {n:02d}", tax_code="", address="")
    data = search(viewer_client, "may tre").json()
    assert [r["name"] for r in data["results"]] == [f"Cơ sở mây tre đan {n:02d}" for n in range(20)]
    assert data["more"] is True
    assert search(viewer_client, "may tre dan 07").json() == {
        "results": [
            {
                "id": data["results"][7]["id"],
                "label": "Cơ sở mây tre đan 07",
                "sub": "Thành phố Đà Lạt",
                "name": "Cơ sở mây tre đan 07",
                "tax_code": "",
                "district": "Thành phố Đà Lạt",
            }
        ],
        "more": False,
    }


@pytest.mark.parametrize("query", ["", " ", "c", " đ ", "7"])
def test_fewer_than_two_letters_find_nothing(viewer_client, query):
    f.FacilityFactory(name="Cơ sở chè đen 7", address="")
    assert search(viewer_client, query).json() == {"results": [], "more": False}


# session, user, savepoint + release (atomic request); the matching facilities with their unit and
# the unit's parent (one join).
SEARCH_QUERIES = 5


@pytest.mark.parametrize("rows", [1, 50])
def test_search_query_count_does_not_grow(login, data_entry, django_assert_num_queries, rows):
    commune = f.AdministrativeUnitFactory()
    for n in range(rows):
        f.FacilityFactory(name=f"Hợp tác xã Chè Cầu Đất {n}", administrative_unit=commune if n % 2 else f.unit("672"))
    client = login(data_entry)
    with django_assert_num_queries(SEARCH_QUERIES):
        data = search(client, "cau dat").json()
    assert len(data["results"]) == min(rows, 20)
    assert {r["district"] for r in data["results"]} == {"Thành phố Đà Lạt"}


# ——— The form ——————————————————————————————————————————————————————————————————————————


@pytest.fixture
def project():
    """A đề án for two facilities of a register of sixty."""
    register = [f.FacilityFactory(name=f"Cơ sở thử nghiệm {n:03d}") for n in range(60)]
    return f.ProjectFactory(plan=f.AnnualPlanFactory(year=2024), facilities=[register[7], register[42]])


def test_the_form_page_carries_only_the_chosen_facilities(entry_client, project):
    html = entry_client.get(reverse("projects:project-edit", args=[project.pk])).content.decode()
    chosen = sorted(project.facilities.values_list("pk", flat=True))
    assert sorted(int(pk) for pk in CHOSEN.findall(html)) == chosen
    names = re.findall(r"Cơ sở thử nghiệm \d{3}", html)
    assert sorted(set(names)) == ["Cơ sở thử nghiệm 007", "Cơ sở thử nghiệm 042"]
    assert 'aria-label="Bỏ chọn Cơ sở thử nghiệm 007"' in html
    # The search box is what the field's label names; the old Ctrl instructions are gone.
    assert '<label for="id_facilities_search">Cơ sở thụ hưởng</label>' in html
    assert 'role="combobox"' in html and 'aria-controls="id_facilities_results"' in html
    assert "Ctrl" not in html and '<select name="facilities"' not in html
    assert re.search(r'<script src="[^"]*js/picker\.js" defer></script>', html)


def test_the_new_project_form_has_no_facility_chosen(entry_client, project):
    html = entry_client.get(reverse("projects:project-create")).content.decode()
    assert CHOSEN.findall(html) == []
    assert "Cơ sở thử nghiệm" not in html
    assert '<p class="picker-empty" data-picker-empty>Chưa chọn cơ sở nào.</p>' in html


def test_the_form_page_reads_the_same_queries_whatever_the_register(entry_client, project):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert entry_client.get(reverse("projects:project-edit", args=[project.pk])).status_code == 200
        return len(queries)

    before = count()
    for n in range(40):
        f.FacilityFactory(name=f"Cơ sở thêm {n}")
    assert count() == before


def test_saving_the_form_untouched_keeps_its_facilities(entry_client, project):
    """What a browser without JavaScript posts: the checked boxes the page carries."""
    html = entry_client.get(reverse("projects:project-edit", args=[project.pk])).content.decode()
    before = set(project.facilities.all())
    data = project_post(project.plan, before.pop(), code=project.code, planned_budget="450.000.000")
    data["facilities"] = CHOSEN.findall(html)
    response = entry_client.post(reverse("projects:project-edit", args=[project.pk]), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.planned_budget == 450_000_000
    assert sorted(f.name for f in project.facilities.all()) == ["Cơ sở thử nghiệm 007", "Cơ sở thử nghiệm 042"]


def test_any_facility_of_the_register_may_be_chosen(entry_client, project):
    other = f.FacilityFactory(name="Hợp tác xã Rau hoa Đà Lạt")
    data = project_post(project.plan, other, code=project.code)
    response = entry_client.post(reverse("projects:project-edit", args=[project.pk]), data)
    assert response.status_code == 302
    assert list(project.facilities.all()) == [other]


def test_removing_every_facility_leaves_none(entry_client, project):
    data = project_post(project.plan, project.facilities.first(), code=project.code)
    del data["facilities"]  # nothing left ticked: the field is absent from the post
    assert entry_client.post(reverse("projects:project-edit", args=[project.pk]), data).status_code == 302
    assert not project.facilities.exists()


@pytest.mark.parametrize(
    "value, message",
    [
        (UNKNOWN, f"Hãy chọn một cơ sở hợp lệ: không có cơ sở nào mang mã {UNKNOWN} (có thể đã bị xóa)."),
        ("abc", "Hãy chọn một cơ sở hợp lệ: “abc” không phải là mã cơ sở."),
    ],
)
def test_an_unknown_facility_is_refused_in_vietnamese_and_nothing_changes(entry_client, project, value, message):
    kept = project.facilities.order_by("name").first()
    before = sorted(project.facilities.values_list("pk", flat=True))
    data = project_post(project.plan, kept, code=project.code, name="Tên mới không được lưu")
    data["facilities"] = [kept.pk, value]
    response = entry_client.post(reverse("projects:project-edit", args=[project.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    # The form comes back with the facility that exists still chosen.
    assert [int(pk) for pk in CHOSEN.findall(html)] == [kept.pk]
    project.refresh_from_db()
    assert project.name != "Tên mới không được lưu"
    assert sorted(project.facilities.values_list("pk", flat=True)) == before
    assert not Project.objects.filter(name="Tên mới không được lưu").exists()
