"""The single-choice search pickers: the event form's đề án (asking projects:project-search) and
the nomination form's facility (asking projects:facility-search). The page carries the chosen
row only, whatever the number of đề án or facilities, yet any row may be posted."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from projects.models import Event, Product, ProductNomination, Project
from tests import factories as f

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

pytestmark = pytest.mark.django_db

UNKNOWN = 987654


def chosen(html: str, name: str) -> list[int]:
    """The ids the page has chosen for the field: its ticked radio buttons."""
    return [int(pk) for pk in re.findall(rf'<input type="radio" name="{name}" value="(\d+)"[^>]*\bchecked\b', html)]


def search(client, q: str):
    return client.get(reverse("projects:project-search"), {"q": q})


# ——— The đề án search ————————————————————————————————————————————————————————————————————


def test_anonymous_users_are_sent_to_sign_in(client):
    url = reverse("projects:project-search")
    for method in (client.get, client.post):
        response = method(url, {"q": "ho tro"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")


def test_search_answers_get_only(entry_client):
    assert entry_client.post(reverse("projects:project-search"), {"q": "ho tro"}).status_code == 405


def test_search_ignores_accents_and_says_what_each_project_is(viewer_client):
    project = f.ProjectFactory(
        plan=f.AnnualPlanFactory(year=2024),
        code="DP-2024-07",
        name="Hỗ trợ tổ chức hội nghị kết nối cung cầu",
        content=f.content("KNCC"),
        status=Project.Status.IN_PROGRESS,
    )
    f.ProjectFactory(name="Xây dựng mô hình trình diễn sấy chè")
    response = search(viewer_client, "HO tro ket noi")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "results": [
            {
                "id": project.pk,
                "label": "2024 · DP-2024-07 — Hỗ trợ tổ chức hội nghị kết nối cung cầu",
                "sub": "KNCC — Hội nghị kết nối cung cầu · Khuyến công địa phương · Đang thực hiện",
            }
        ],
        "more": False,
    }


@pytest.mark.parametrize("query", ["ho tro", "Hỗ trợ", "dp-2024-07", "DP-2024-07 dien"])
def test_search_finds_by_name_without_accents_and_by_code(viewer_client, query):
    f.ProjectFactory(code="DP-2024-07", name="Hỗ trợ máy sấy chè, tủ điện")
    f.ProjectFactory(code="QG-2023-01", name="Xây dựng mô hình trình diễn")
    labels = [r["label"] for r in search(viewer_client, query).json()["results"]]
    assert len(labels) == 1 and "DP-2024-07" in labels[0]


def test_search_answers_at_most_twenty_newest_year_first_and_says_there_are_more(viewer_client):
    older, newer = f.AnnualPlanFactory(year=2023), f.AnnualPlanFactory(year=2025)
    for n in range(15):
        f.ProjectFactory(plan=older, code=f"DP-2023-{n:02d}", name=f"Hỗ trợ đào tạo nghề {n}")
        f.ProjectFactory(plan=newer, code=f"DP-2025-{n:02d}", name=f"Hỗ trợ đào tạo nghề {n}")
    data = search(viewer_client, "dao tao").json()
    codes = [r["label"].split(" — ")[0] for r in data["results"]]
    assert codes == [f"2025 · DP-2025-{n:02d}" for n in range(15)] + [f"2023 · DP-2023-{n:02d}" for n in range(5)]
    assert data["more"] is True
    assert search(viewer_client, "dao tao nghe 7").json()["more"] is False


@pytest.mark.parametrize("query", ["", " ", "h", " đ ", "7"])
def test_fewer_than_two_letters_find_nothing(viewer_client, query):
    f.ProjectFactory(name="Hỗ trợ đề án 7")
    assert search(viewer_client, query).json() == {"results": [], "more": False}


# session, user, savepoint + release (atomic request); the matching đề án with their plan, content
# and funding level (one join).
SEARCH_QUERIES = 5


@pytest.mark.parametrize("rows", [1, 50])
def test_search_query_count_does_not_grow(login, data_entry, django_assert_num_queries, rows):
    plan = f.AnnualPlanFactory(year=2024)
    for n in range(rows):
        f.ProjectFactory(plan=plan, name=f"Hỗ trợ máy sấy chè {n}", content=f.content(["MMTB", "KNCC"][n % 2]))
    client = login(data_entry)
    with django_assert_num_queries(SEARCH_QUERIES):
        data = search(client, "ho tro say").json()
    assert len(data["results"]) == min(rows, 20)
    assert data["more"] is (rows > 20)


# ——— The event form ————————————————————————————————————————————————————————————————————


@pytest.fixture
def projects():
    """Sixty đề án, the first one with an event."""
    plan = f.AnnualPlanFactory(year=2024)
    return [f.ProjectFactory(plan=plan, code=f"DP-2024-{n:03d}", name=f"Đề án thử nghiệm {n:03d}") for n in range(60)]


@pytest.fixture
def event(projects):
    return f.EventFactory(project=projects[7], name="Hội nghị kết nối cung cầu chè")


def event_post(project, **values) -> dict:
    data = {"project": project.pk if isinstance(project, Project) else project, "kind": Event.Kind.CONFERENCE,
            "name": "Hội chợ sản phẩm CNNT 2024", "date": "20/09/2024", "place": "Bảo Lộc",
            "participants": "60", "sale_contracts": "3", "memoranda": "5"}
    data.update(values)
    return data


def test_the_event_page_carries_only_its_project(entry_client, event):
    html = entry_client.get(reverse("projects:event-edit", args=[event.pk])).content.decode()
    assert chosen(html, "project") == [event.project_id]
    assert sorted(set(re.findall(r"Đề án thử nghiệm \d{3}", html))) == ["Đề án thử nghiệm 007"]
    assert "2024 · DP-2024-007 — Đề án thử nghiệm 007" in html
    assert 'aria-label="Bỏ chọn 2024 · DP-2024-007 — Đề án thử nghiệm 007"' in html
    # The search box is what the field's label names: a single-choice picker asking the đề án search.
    assert '<label for="id_project_search">Đề án <span class="required-mark" aria-hidden="true">*</span></label>' in html
    assert 'role="combobox"' in html and 'aria-controls="id_project_results"' in html
    assert f'data-search-url="{reverse("projects:project-search")}" data-picker-noun="đề án">' in html
    assert '<select name="project"' not in html and "Đề án thử nghiệm 008" not in html
    assert re.search(r'<script src="[^"]*js/picker\.js" defer></script>', html)


def test_an_event_made_from_a_project_page_starts_on_that_project(entry_client, projects):
    project = projects[42]
    detail = entry_client.get(reverse("projects:project-detail", args=[project.pk])).content.decode()
    url = f"{reverse('projects:event-create')}?project={project.pk}"
    assert url in detail
    html = entry_client.get(url).content.decode()
    assert chosen(html, "project") == [project.pk]
    assert sorted(set(re.findall(r"Đề án thử nghiệm \d{3}", html))) == ["Đề án thử nghiệm 042"]
    assert '<p class="picker-empty" data-picker-empty hidden>Chưa chọn đề án nào.</p>' in html


@pytest.mark.parametrize("query", ["", f"?project={UNKNOWN}", "?project=abc"])
def test_a_new_event_without_a_known_project_has_none_chosen(entry_client, projects, query):
    response = entry_client.get(reverse("projects:event-create") + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert chosen(html, "project") == []
    assert "Đề án thử nghiệm" not in html
    assert '<p class="picker-empty" data-picker-empty>Chưa chọn đề án nào.</p>' in html


def test_any_project_may_be_chosen_for_a_new_event(entry_client, projects):
    response = entry_client.post(reverse("projects:event-create"), event_post(projects[59]))
    assert response.status_code == 302
    assert Event.objects.get(name="Hội chợ sản phẩm CNNT 2024").project == projects[59]


def test_moving_an_event_to_another_project(entry_client, event, projects):
    data = event_post(projects[31], name=event.name)
    assert entry_client.post(reverse("projects:event-edit", args=[event.pk]), data).status_code == 302
    event.refresh_from_db()
    assert event.project == projects[31]


@pytest.mark.parametrize(
    "value, message",
    [
        (UNKNOWN, f"Hãy chọn một đề án hợp lệ: không có đề án nào mang số {UNKNOWN} (có thể đã bị xóa)."),
        ("abc", "Hãy chọn một đề án hợp lệ: không có đề án nào mang số abc (có thể đã bị xóa)."),
        ("", "Hãy chọn đề án có sự kiện này."),
    ],
)
def test_an_unknown_project_is_refused_in_vietnamese_and_nothing_changes(entry_client, event, value, message):
    before = (event.project_id, event.name)
    response = entry_client.post(reverse("projects:event-edit", args=[event.pk]), event_post(value, name="Tên mới"))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert chosen(html, "project") == []
    event.refresh_from_db()
    assert (event.project_id, event.name) == before
    response = entry_client.post(reverse("projects:event-create"), event_post(value))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Event.objects.filter(name__in=["Tên mới", "Hội chợ sản phẩm CNNT 2024"]).exists()


# ——— The nomination form —————————————————————————————————————————————————————————————————


@pytest.fixture
def register():
    return [f.FacilityFactory(name=f"Cơ sở thử nghiệm {n:03d}", tax_code=f"58000000{n:02d}") for n in range(60)]


@pytest.fixture
def nomination(register):
    return f.ProductNominationFactory(product__facility=register[42], product__name="Trà ô long Cầu Đất", year=2024)


def nomination_post(facility, **values) -> dict:
    data = {"facility": facility.pk if hasattr(facility, "pk") else facility, "product_name": "Mứt dâu tây Đà Lạt",
            "level": f.award_level("TINH").pk, "year": "2024", "recognised": "", "certificate_number": "",
            "certificate_date": ""}
    data.update(values)
    return data


def test_the_nomination_page_carries_only_its_facility(entry_client, nomination):
    html = entry_client.get(reverse("projects:nomination-edit", args=[nomination.pk])).content.decode()
    assert chosen(html, "facility") == [nomination.product.facility_id]
    assert sorted(set(re.findall(r"Cơ sở thử nghiệm \d{3}", html))) == ["Cơ sở thử nghiệm 042"]
    assert "MST 5800000042 · Thành phố Đà Lạt" in html
    assert '<label for="id_facility_search">Cơ sở <span class="required-mark" aria-hidden="true">*</span></label>' in html
    assert f'data-search-url="{reverse("projects:facility-search")}" data-picker-noun="cơ sở">' in html
    assert '<select name="facility"' not in html
    assert re.search(r'<script src="[^"]*js/picker\.js" defer></script>', html)


def test_a_new_nomination_has_no_facility_chosen(entry_client, register):
    html = entry_client.get(reverse("projects:nomination-create")).content.decode()
    assert chosen(html, "facility") == []
    assert "Cơ sở thử nghiệm" not in html
    assert '<p class="picker-empty" data-picker-empty>Chưa chọn cơ sở nào.</p>' in html


def test_any_facility_may_be_nominated_and_a_new_product_name_creates_the_product(entry_client, register):
    response = entry_client.post(reverse("projects:nomination-create"), nomination_post(register[59]))
    assert response.status_code == 302
    nomination = ProductNomination.objects.get(product__name="Mứt dâu tây Đà Lạt")
    assert nomination.product.facility == register[59]


def test_a_known_product_name_is_its_product_and_a_second_nomination_is_refused(entry_client, nomination):
    facility = nomination.product.facility
    data = nomination_post(facility, product_name="  trà ô long  cầu Đất ", level=nomination.level_id)
    response = entry_client.post(reverse("projects:nomination-create"), data)
    assert response.status_code == 200
    assert "Sản phẩm này đã được đề cử ở cấp này trong năm." in response.content.decode()
    assert chosen(response.content.decode(), "facility") == [facility.pk]  # the choice comes back
    data["level"] = f.award_level("TINH").pk
    assert entry_client.post(reverse("projects:nomination-create"), data).status_code == 302
    assert Product.objects.filter(facility=facility).count() == 1
    assert nomination.product.nominations.count() == 2


def test_moving_a_nomination_to_another_facility(entry_client, nomination, register):
    data = nomination_post(register[3], product_name=nomination.product.name, level=nomination.level_id)
    assert entry_client.post(reverse("projects:nomination-edit", args=[nomination.pk]), data).status_code == 302
    nomination.refresh_from_db()
    assert nomination.product.facility == register[3]


@pytest.mark.parametrize(
    "value, message",
    [
        (UNKNOWN, f"Hãy chọn một cơ sở hợp lệ: không có cơ sở nào mang mã {UNKNOWN} (có thể đã bị xóa)."),
        ("abc", "Hãy chọn một cơ sở hợp lệ: không có cơ sở nào mang mã abc (có thể đã bị xóa)."),
        ("", "Hãy chọn cơ sở có sản phẩm đề cử."),
    ],
)
def test_an_unknown_facility_is_refused_in_vietnamese_and_nothing_changes(entry_client, nomination, value, message):
    products, nominations = Product.objects.count(), ProductNomination.objects.count()
    for url in (reverse("projects:nomination-create"), reverse("projects:nomination-edit", args=[nomination.pk])):
        response = entry_client.post(url, nomination_post(value, certificate_number="77/GCN"))
        assert response.status_code == 200
        html = response.content.decode()
        assert message in html
        assert chosen(html, "facility") == []
    assert (Product.objects.count(), ProductNomination.objects.count()) == (products, nominations)
    nomination.refresh_from_db()
    assert nomination.product.name == "Trà ô long Cầu Đất" and nomination.certificate_number != "77/GCN"


# ——— Query counts of the form pages ——————————————————————————————————————————————————————


# session, user, savepoint + release (atomic request), the user's groups (roles.can_edit_records);
# the chosen đề án with its plan, content and funding level; the event's kinds are choices, no query.
EVENT_CREATE_QUERIES = 6
# The same and the event itself.
EVENT_EDIT_QUERIES = 7


@pytest.mark.parametrize("rows", [1, 60])
def test_event_form_query_count_does_not_grow(login, data_entry, django_assert_num_queries, rows):
    plan = f.AnnualPlanFactory(year=2024)
    projects = [f.ProjectFactory(plan=plan) for _ in range(rows)]
    event = f.EventFactory(project=projects[-1])
    client = login(data_entry)
    with django_assert_num_queries(EVENT_CREATE_QUERIES):
        html = client.get(reverse("projects:event-create"), {"project": projects[0].pk}).content.decode()
    assert chosen(html, "project") == [projects[0].pk]
    with django_assert_num_queries(EVENT_EDIT_QUERIES):
        html = client.get(reverse("projects:event-edit", args=[event.pk])).content.decode()
    assert chosen(html, "project") == [projects[-1].pk]


# session, user, savepoint + release, the user's groups; the award levels.
NOMINATION_CREATE_QUERIES = 6
# The same, the nomination with its product, and the chosen facility with its unit and the unit's parent.
NOMINATION_EDIT_QUERIES = 8


@pytest.mark.parametrize("rows", [1, 60])
def test_nomination_form_query_count_does_not_grow(login, data_entry, django_assert_num_queries, rows):
    register = [f.FacilityFactory() for _ in range(rows)]
    nomination = f.ProductNominationFactory(product__facility=register[-1])
    client = login(data_entry)
    with django_assert_num_queries(NOMINATION_CREATE_QUERIES):
        assert client.get(reverse("projects:nomination-create")).status_code == 200
    with django_assert_num_queries(NOMINATION_EDIT_QUERIES):
        html = client.get(reverse("projects:nomination-edit", args=[nomination.pk])).content.decode()
    assert chosen(html, "facility") == [register[-1].pk]
