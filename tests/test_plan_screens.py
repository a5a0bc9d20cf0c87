"""The programme and annual-plan screens: who may open them (anonymous → sign-in, wrong role →
403, unknown object → 404, wrong method → 405), their Vietnamese validation, and that only the
Department records a plan's approving decision."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from projects.models import AnnualPlan, Program
from tests import factories as f

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

pytestmark = pytest.mark.django_db

UNKNOWN = 987654


@pytest.fixture
def objects():
    plan = f.AnnualPlanFactory(year=2024, decision_number="15/QĐ-SCT", decision_date=datetime.date(2024, 1, 15))
    return {"program": plan.program, "plan": plan}


# (url name, object key or None, rule: "approve" (Department only) or "edit" (data entry too))
VIEWS = [
    ("projects:program-create", None, "approve"),
    ("projects:program-edit", "program", "approve"),
    ("projects:plan-create", None, "edit"),
    ("projects:plan-edit", "plan", "edit"),
]


def url_of(name: str, key: str | None, objects: dict, pk: int | None = None) -> str:
    if key is None:
        return reverse(name)
    return reverse(name, args=[pk if pk is not None else objects[key].pk])


def call(client, method: str, url: str):
    return client.get(url) if method == "GET" else client.post(url, {})


def program_post(**values) -> dict:
    data = {
        "name": "Chương trình khuyến công tỉnh Lâm Đồng giai đoạn 2026–2030",
        "funding_level": f.funding_level().pk,
        "province": f.unit("68-2025").pk,
        "first_year": "2026",
        "last_year": "2030",
        "decision_number": "99/QĐ-UBND",
        "decision_date": "20/01/2026",
    }
    data.update(values)
    return data


def plan_post(program, **values) -> dict:
    data = {"program": program.pk, "year": "2025", "decision_number": "", "decision_date": "", "notes": ""}
    data.update(values)
    return data


# ——— Who may open what ———————————————————————————————————————————————————————————————


@pytest.mark.parametrize("name, key, rule", VIEWS)
def test_anonymous_users_are_sent_to_sign_in(client, objects, name, key, rule):
    url = url_of(name, key, objects)
    for method in ("GET", "POST"):
        response = call(client, method, url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("name, key, rule", VIEWS)
def test_a_role_that_may_not_gets_403_in_vietnamese(viewer_client, entry_client, objects, name, key, rule):
    clients = [viewer_client] + ([entry_client] if rule == "approve" else [])
    for client in clients:
        for method in ("GET", "POST"):
            response = call(client, method, url_of(name, key, objects))
            assert response.status_code == 403, (method, name)
            assert "Không có quyền" in response.content.decode()


@pytest.mark.parametrize("name, key, rule", [v for v in VIEWS if v[1] is not None])
def test_unknown_object_is_404(department_client, objects, name, key, rule):
    response = department_client.get(url_of(name, key, objects, pk=UNKNOWN))
    assert response.status_code == 404
    assert "Không tìm thấy" in response.content.decode()


@pytest.mark.parametrize("name, key, rule", VIEWS)
def test_wrong_method_is_405(department_client, objects, name, key, rule):
    assert department_client.delete(url_of(name, key, objects)).status_code == 405
    assert department_client.put(url_of(name, key, objects)).status_code == 405


@pytest.mark.parametrize("name, key, rule", VIEWS)
def test_every_form_opens_for_the_role_that_may(entry_client, department_client, objects, name, key, rule):
    client = department_client if rule == "approve" else entry_client
    response = client.get(url_of(name, key, objects))
    assert response.status_code == 200
    assert '<html lang="vi">' in response.content.decode()


# ——— Chương trình ————————————————————————————————————————————————————————————————————


def test_department_creates_and_edits_a_programme(department_client):
    response = department_client.post(reverse("projects:program-create"), program_post())
    assert response.status_code == 302
    program = Program.objects.get(decision_number="99/QĐ-UBND")
    assert (program.first_year, program.last_year, program.decision_date) == (2026, 2030, datetime.date(2026, 1, 20))
    assert program.province.code == "68-2025"  # the merged province runs 2026–2030

    response = department_client.post(
        reverse("projects:program-edit", args=[program.pk]), program_post(name="Chương trình sửa", last_year="2031")
    )
    assert response.status_code == 302
    program.refresh_from_db()
    assert (program.name, program.last_year) == ("Chương trình sửa", 2031)


def test_the_same_programme_twice_is_refused_beside_its_name(department_client):
    assert department_client.post(reverse("projects:program-create"), program_post()).status_code == 302
    again = program_post(decision_number="100/QĐ-UBND")
    again["name"] = "  " + again["name"].upper() + " "
    response = department_client.post(reverse("projects:program-create"), again)
    assert response.status_code == 200
    assert "Đã có chương trình này cho 2026–2030" in response.context["form"].errors["name"][0]
    assert Program.objects.filter(first_year=2026).count() == 1
    program = Program.objects.get(first_year=2026)
    edited = department_client.post(reverse("projects:program-edit", args=[program.pk]), program_post(last_year="2030"))
    assert edited.status_code == 302  # the programme itself is not its own twin


def test_last_year_before_first_year_is_refused_in_vietnamese(department_client):
    response = department_client.post(reverse("projects:program-create"), program_post(last_year="2025"))
    assert response.status_code == 200
    assert "Năm kết thúc không được trước năm bắt đầu." in response.content.decode()
    assert not Program.objects.filter(decision_number="99/QĐ-UBND").exists()


def test_only_a_province_can_be_chosen(department_client):
    district = f.unit("672")
    assert district.level != "province"
    response = department_client.post(reverse("projects:program-create"), program_post(province=district.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["province"]


def test_a_programme_cannot_shrink_past_its_plans(department_client, objects):
    program = objects["program"]  # 2021–2025, with a plan for 2024
    response = department_client.post(
        reverse("projects:program-edit", args=[program.pk]), program_post(first_year="2021", last_year="2023")
    )
    assert response.status_code == 200
    assert "đã có kế hoạch năm 2024" in response.content.decode()
    program.refresh_from_db()
    assert program.last_year == 2025


# ——— Kế hoạch năm ————————————————————————————————————————————————————————————————————


def test_data_entry_creates_a_plan_without_a_decision(entry_client, objects):
    program = objects["program"]
    opened = entry_client.get(reverse("projects:plan-create") + f"?chuong-trinh={program.pk}")
    assert opened.context["form"].initial["program"] == program.pk
    response = entry_client.post(reverse("projects:plan-create"), plan_post(program, notes="Dự kiến 12 đề án"))
    plan = AnnualPlan.objects.get(program=program, year=2025)
    assert response["Location"] == reverse("projects:plan-detail", args=[plan.pk])
    assert plan.notes == "Dự kiến 12 đề án"
    assert (plan.decision_number, plan.decision_date) == ("", None)


def test_a_year_outside_the_programme_is_refused_and_nothing_stored(entry_client, objects):
    program = objects["program"]  # 2021–2025
    response = entry_client.post(reverse("projects:plan-create"), plan_post(program, year="2026"))
    assert response.status_code == 200
    assert "Năm kế hoạch phải nằm trong thời gian của chương trình (2021–2025)." in response.content.decode()
    assert not AnnualPlan.objects.filter(year=2026).exists()


def test_a_second_plan_for_the_same_programme_and_year_is_refused(entry_client, objects):
    program = objects["program"]
    response = entry_client.post(reverse("projects:plan-create"), plan_post(program, year="2024"))
    assert response.status_code == 200
    assert "Chương trình này đã có kế hoạch cho năm này." in response.content.decode()
    assert AnnualPlan.objects.filter(program=program, year=2024).count() == 1


def test_data_entry_cannot_set_or_change_the_approving_decision(entry_client, objects):
    plan, program = objects["plan"], objects["program"]
    form = entry_client.get(reverse("projects:plan-edit", args=[plan.pk])).context["form"]
    assert form.fields["decision_number"].disabled and form.fields["decision_date"].disabled

    response = entry_client.post(
        reverse("projects:plan-edit", args=[plan.pk]),
        plan_post(program, year="2024", decision_number="1/QĐ-GIA", decision_date="01/02/2024", notes="Ghi chú mới"),
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.notes == "Ghi chú mới"
    assert (plan.decision_number, plan.decision_date) == ("15/QĐ-SCT", datetime.date(2024, 1, 15))

    entry_client.post(
        reverse("projects:plan-create"),
        plan_post(program, year="2025", decision_number="2/QĐ-GIA", decision_date="01/02/2025"),
    )
    created = AnnualPlan.objects.get(program=program, year=2025)
    assert (created.decision_number, created.decision_date) == ("", None)


def test_department_approves_a_plan_by_recording_its_decision(department_client, objects):
    program = objects["program"]
    plan = f.AnnualPlanFactory(program=program, year=2025, decision_number="", decision_date=None)
    response = department_client.post(
        reverse("projects:plan-edit", args=[plan.pk]),
        plan_post(program, year="2025", decision_number="20/QĐ-SCT", decision_date="10/01/2025"),
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.decision_number, plan.decision_date) == ("20/QĐ-SCT", datetime.date(2025, 1, 10))
    history = plan.history.order_by("history_date").last()
    assert history.decision_number == "20/QĐ-SCT"


# ——— Links ———————————————————————————————————————————————————————————————————————————


def test_links_show_only_for_those_allowed(viewer_client, entry_client, department_client, objects):
    program, plan = objects["program"], objects["plan"]
    create_program = reverse("projects:program-create")
    edit_program = reverse("projects:program-edit", args=[program.pk])
    create_plan = reverse("projects:plan-create") + f"?chuong-trinh={program.pk}"
    edit_plan = reverse("projects:plan-edit", args=[plan.pk])

    def pages(client) -> str:
        return (
            client.get(reverse("projects:program-list")).content.decode()
            + client.get(reverse("projects:plan-detail", args=[plan.pk])).content.decode()
        )

    viewer = pages(viewer_client)
    assert not any(link in viewer for link in (create_program, edit_program, create_plan, edit_plan))
    entry = pages(entry_client)
    assert create_plan in entry and edit_plan in entry
    assert create_program not in entry and edit_program not in entry
    department = pages(department_client)
    assert all(link in department for link in (create_program, edit_program, create_plan, edit_plan))
