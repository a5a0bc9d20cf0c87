"""The staff screens: who may open and do what (anonymous → sign-in, wrong role → 403,
unknown object → 404, wrong method → 405), and each screen's happy path."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from funding.models import Disbursement
from projects.models import Event, Facility, Product, ProductNomination, Project, SupportForm
from tests import factories as f

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

pytestmark = pytest.mark.django_db

UNKNOWN = 987654


@pytest.fixture
def objects():
    plan = f.AnnualPlanFactory(year=2024)
    facility = f.FacilityFactory(name="Công ty TNHH Chè Lâm Đồng Xanh")
    project = f.ProjectFactory(plan=plan, facilities=[facility], status=Project.Status.APPROVED)
    event = f.EventFactory(project=project)
    nomination = f.ProductNominationFactory(product__facility=facility)
    return {"plan": plan, "facility": facility, "project": project, "event": event, "nomination": nomination}


# (url name, object key for the URL or None, who may: "view" or "edit", methods allowed)
VIEWS = [
    ("home", None, "view", {"GET"}),
    ("projects:project-list", None, "view", {"GET"}),
    ("projects:project-detail", "project", "view", {"GET"}),
    ("projects:project-history", "project", "view", {"GET"}),
    ("projects:project-create", None, "edit", {"GET", "POST"}),
    ("projects:project-edit", "project", "edit", {"GET", "POST"}),
    ("projects:project-status", "project", "edit", {"POST"}),
    ("funding:disbursement-create", "project", "edit", {"POST"}),
    ("projects:facility-list", None, "view", {"GET"}),
    ("projects:facility-detail", "facility", "view", {"GET"}),
    ("projects:facility-history", "facility", "view", {"GET"}),
    ("projects:facility-create", None, "edit", {"GET", "POST"}),
    ("projects:facility-edit", "facility", "edit", {"GET", "POST"}),
    ("projects:program-list", None, "view", {"GET"}),
    ("projects:plan-detail", "plan", "view", {"GET"}),
    ("projects:plan-history", "plan", "view", {"GET"}),
    ("projects:event-list", None, "view", {"GET"}),
    ("projects:event-create", None, "edit", {"GET", "POST"}),
    ("projects:event-edit", "event", "edit", {"GET", "POST"}),
    ("projects:event-history", "event", "view", {"GET"}),
    ("projects:nomination-list", None, "view", {"GET"}),
    ("projects:nomination-create", None, "edit", {"GET", "POST"}),
    ("projects:nomination-edit", "nomination", "edit", {"GET", "POST"}),
    ("projects:nomination-history", "nomination", "view", {"GET"}),
]


def url_of(name: str, key: str | None, objects: dict, pk: int | None = None) -> str:
    if key is None:
        return reverse(name)
    arg = pk if pk is not None else objects[key].pk
    return reverse(name, args=[arg])


def call(client, method: str, url: str):
    return client.get(url) if method == "GET" else client.post(url, {})


@pytest.mark.parametrize("name, key, rule, methods", VIEWS)
def test_anonymous_users_are_sent_to_sign_in(client, objects, name, key, rule, methods):
    url = url_of(name, key, objects)
    for method in ("GET", "POST"):
        response = call(client, method, url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("name, key, rule, methods", [v for v in VIEWS if v[2] == "edit"])
def test_viewer_gets_403_in_vietnamese_on_every_editing_view(viewer_client, objects, name, key, rule, methods):
    for method in methods:
        response = call(viewer_client, method, url_of(name, key, objects))
        assert response.status_code == 403
        assert "Không có quyền" in response.content.decode()


def test_a_user_without_any_role_cannot_edit_but_can_read(login, objects):
    client = login(f.UserFactory(username="khongvaitro"))
    assert client.get(reverse("projects:project-list")).status_code == 200
    assert client.get(reverse("projects:project-create")).status_code == 403


@pytest.mark.parametrize("name, key, rule, methods", [v for v in VIEWS if v[1] is not None])
def test_unknown_object_is_404(department_client, objects, name, key, rule, methods):
    method = "GET" if "GET" in methods else "POST"
    response = call(department_client, method, url_of(name, key, objects, pk=UNKNOWN))
    assert response.status_code == 404
    assert "Không tìm thấy" in response.content.decode()


@pytest.mark.parametrize("name, key, rule, methods", VIEWS)
def test_wrong_method_is_405(department_client, objects, name, key, rule, methods):
    url = url_of(name, key, objects)
    wrong = "POST" if "POST" not in methods else ("GET" if "GET" not in methods else None)
    if wrong is None:
        response = department_client.delete(url)
    else:
        response = call(department_client, wrong, url)
    assert response.status_code == 405


@pytest.mark.parametrize("name, key, rule, methods", [v for v in VIEWS if "GET" in v[3]])
def test_every_page_opens_for_the_role_that_may(entry_client, viewer_client, objects, name, key, rule, methods):
    client = entry_client if rule == "edit" else viewer_client
    response = client.get(url_of(name, key, objects))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html


# ——— Đề án ————————————————————————————————————————————————————————————————————————


def project_post(plan, facility, **values) -> dict:
    data = {
        "plan": plan.pk,
        "code": "DP-2024-99",
        "name": "Hỗ trợ máy sấy chè",
        "content": f.content("MMTB").pk,
        "funding_level": f.funding_level().pk,
        "support_form": SupportForm.NON_RECOVERABLE,
        "implementing_unit": "Trung tâm Khuyến công",
        "facilities": [facility.pk],
        "planned_budget": "1.836.337.000",
        "approved_budget": "",
        "counterpart_capital": "2.000.000.000",
        "start_date": "15/03/2024",
        "end_date": "30/09/2024",
        "output_quantity": "1",
        "output_unit": "máy",
    }
    data.update(values)
    return data


def test_data_entry_creates_a_project_with_money_written_the_vietnamese_way(entry_client, objects):
    response = entry_client.post(reverse("projects:project-create"), project_post(objects["plan"], objects["facility"]))
    project = Project.objects.get(code="DP-2024-99")
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:project-detail", args=[project.pk])
    assert project.planned_budget == 1_836_337_000
    assert project.counterpart_capital == 2_000_000_000
    assert project.status == Project.Status.PROPOSED
    assert project.start_date == datetime.date(2024, 3, 15)
    assert list(project.facilities.all()) == [objects["facility"]]
    detail = entry_client.get(response["Location"]).content.decode()
    assert "1.836.337.000 đồng" in detail


@pytest.mark.parametrize(
    "values, field, message",
    [
        ({"planned_budget": "1,5"}, "planned_budget", "không có phần lẻ"),
        ({"planned_budget": "abc"}, "planned_budget", "Số tiền không hợp lệ"),
        ({"planned_budget": "-5"}, "planned_budget", "Số tiền không được là số âm."),
        ({"start_date": "2024-13-40"}, "start_date", "dd/mm/yyyy"),
        ({"end_date": "01/01/2024"}, None, "Ngày kết thúc không được trước ngày bắt đầu"),
        ({"name": ""}, "name", "bắt buộc"),
        ({"support_form": SupportForm.RECOVERABLE, "facilities": []}, "facilities", "phải có cơ sở thụ hưởng"),
    ],
)
def test_project_form_refuses_bad_values_in_vietnamese(entry_client, objects, values, field, message):
    response = entry_client.post(
        reverse("projects:project-create"), project_post(objects["plan"], objects["facility"], **values)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Project.objects.filter(code="DP-2024-99").exists()


def test_project_code_repeated_in_a_plan_is_refused(entry_client, objects):
    data = project_post(objects["plan"], objects["facility"], code=objects["project"].code)
    response = entry_client.post(reverse("projects:project-create"), data)
    assert "Mã đề án này đã có trong kế hoạch năm." in response.content.decode()


def test_data_entry_cannot_change_the_approved_budget(entry_client, objects):
    project = objects["project"]
    data = project_post(objects["plan"], objects["facility"], code=project.code, approved_budget="999.000.000")
    response = entry_client.post(reverse("projects:project-edit", args=[project.pk]), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.approved_budget == 300_000_000
    assert project.planned_budget == 1_836_337_000


def test_department_changes_the_approved_budget_by_an_adjustment_decision_not_the_form(department_client, objects):
    project = objects["project"]
    data = project_post(objects["plan"], objects["facility"], code=project.code, approved_budget="1.800.000.000")
    department_client.post(reverse("projects:project-edit", args=[project.pk]), data)
    project.refresh_from_db()
    assert project.approved_budget == 300_000_000  # the form's field is shown, never taken
    url = reverse("projects:project-step", args=[project.pk, "dieu-chinh"])
    decision = {"number": "88/QĐ-SCT", "date": f"{datetime.date.today():%d/%m/%Y}", "amount": "1.800.000.000", "xac-nhan": "1"}
    department_client.post(url, decision)
    project.refresh_from_db()
    assert project.approved_budget == 1_800_000_000
    assert project.decisions.get().number == "88/QĐ-SCT"


def test_only_the_department_approves_a_project(entry_client, department_client, objects):
    project = f.ProjectFactory(plan=objects["plan"], status=Project.Status.PROPOSED, approved_budget=0)
    url = reverse("projects:project-step", args=[project.pk, "phe-duyet"])
    decision = {"number": "12/QĐ-SCT", "date": f"{datetime.date.today():%d/%m/%Y}", "amount": "280.000.000"}
    detail = entry_client.get(reverse("projects:project-detail", args=[project.pk])).content.decode()
    assert "Phê duyệt đề án" not in detail
    assert entry_client.get(url).status_code == 403
    assert entry_client.post(url, {**decision, "xac-nhan": "1"}).status_code == 403
    # The old one-click move is no way round the decision either.
    assert entry_client.post(reverse("projects:project-status", args=[project.pk]), {"status": "approved"}).status_code == 403
    department_client.post(reverse("projects:project-status", args=[project.pk]), {"status": "approved"})
    project.refresh_from_db()
    assert project.status == Project.Status.PROPOSED

    assert "Phê duyệt đề án" in department_client.get(reverse("projects:project-detail", args=[project.pk])).content.decode()
    first = department_client.post(url, decision)  # the confirmation: nothing written yet
    assert "Xác nhận phê duyệt đề án" in first.content.decode()
    project.refresh_from_db()
    assert (project.status, project.approved_budget) == (Project.Status.PROPOSED, 0)
    assert department_client.post(url, {**decision, "xac-nhan": "1"}).status_code == 302
    project.refresh_from_db()
    assert (project.status, project.approved_budget) == (Project.Status.APPROVED, 280_000_000)


def test_data_entry_starts_accepts_settles_and_completes_an_approved_project(entry_client, objects):
    project = objects["project"]
    today = f"{datetime.date.today():%d/%m/%Y}"

    def step(slug, **data):
        return entry_client.post(reverse("projects:project-step", args=[project.pk, slug]), data)

    step("bat-dau", date=today)
    step("hoan-thanh")  # not yet accepted nor settled: refused
    project.refresh_from_db()
    assert project.status == Project.Status.IN_PROGRESS
    step("nghiem-thu", number="05/BB-NT", date=today, result="passed")
    step("quyet-toan", date=today, amount="0")
    step("hoan-thanh")
    project.refresh_from_db()
    assert project.status == Project.Status.COMPLETED
    assert project.acceptance_date == project.settlement_date == datetime.date.today()


def test_cancelling_needs_a_reason_and_records_it_in_history(department_client, department, objects):
    project = objects["project"]
    url = reverse("projects:project-status", args=[project.pk])
    response = department_client.post(url, {"status": "cancelled", "reason": "  "}, follow=True)
    assert "Cần ghi lý do" in response.content.decode()
    project.refresh_from_db()
    assert project.status == Project.Status.APPROVED

    department_client.post(url, {"status": "cancelled", "reason": "Cơ sở rút hồ sơ"})
    project.refresh_from_db()
    assert (project.status, project.status_reason) == (Project.Status.CANCELLED, "Cơ sở rút hồ sơ")
    latest = project.history.latest()
    assert latest.history_user == department
    assert latest.history_change_reason == "Cơ sở rút hồ sơ"


def test_a_move_the_workflow_does_not_allow_is_refused(department_client, objects):
    project = objects["project"]  # approved
    response = department_client.post(
        reverse("projects:project-status", args=[project.pk]), {"status": "completed"}, follow=True
    )
    assert "Không thể chuyển đề án" in response.content.decode()
    project.refresh_from_db()
    assert project.status == Project.Status.APPROVED


@pytest.mark.parametrize("query", ["lam dong", "LÂM ĐỒNG", "lâm dong xanh", "che lam"])
def test_project_search_ignores_accents(viewer_client, objects, query):
    f.ProjectFactory(plan=objects["plan"], name="Hỗ trợ máy sấy cà phê Đắk Nông")
    objects["project"].name = "Hỗ trợ máy chè Lâm Đồng Xanh"
    objects["project"].save()
    html = viewer_client.get(reverse("projects:project-list"), {"q": query}).content.decode()
    assert objects["project"].code in html
    assert "Đắk Nông" not in html


def test_project_list_filters(viewer_client, objects):
    other_plan = f.AnnualPlanFactory(year=2022, program=objects["plan"].program)
    old = f.ProjectFactory(plan=other_plan, status=Project.Status.COMPLETED, content=f.content("KNCC"))
    url = reverse("projects:project-list")

    def codes(**params):
        return [p.code for p in viewer_client.get(url, params).context["page"].object_list]

    assert codes(year=2022) == [old.code]
    assert codes(status="completed") == [old.code]
    assert codes(content=f.content("KNCC").pk) == [old.code]
    assert codes(content=f.content("1.1").pk) == [objects["project"].code]  # a group means its lines
    assert codes(facility="che lam dong xanh") == [objects["project"].code]
    assert codes(facility_id=objects["facility"].pk) == [objects["project"].code]
    assert codes(district=f.unit("672").pk) == [objects["project"].code]
    assert codes(undisbursed="on") == [objects["project"].code]
    assert codes(sap_xep="nam") == [old.code, objects["project"].code]


def test_project_list_is_paginated(viewer_client, objects):
    for _ in range(55):
        f.ProjectFactory(plan=objects["plan"])
    first = viewer_client.get(reverse("projects:project-list"))
    second = viewer_client.get(reverse("projects:project-list"), {"page": 2})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 6
    assert "Trang sau" in first.content.decode()


def test_project_page_shows_disbursements_contracts_events_and_history(viewer_client, objects):
    project = objects["project"]
    f.DisbursementFactory(project=project, amount=150_000_000, document_number="UNC-77")
    contract = f.LoanContractFactory(project=project, facility=objects["facility"])
    html = viewer_client.get(reverse("projects:project-detail", args=[project.pk])).content.decode()
    assert "UNC-77" in html and "150.000.000 đồng" in html
    assert contract.number in html
    assert objects["event"].name in html
    assert "Thay đổi gần đây" in html
    assert "Ghi nhận giải ngân" not in html  # the viewer sees no form
    assert "Sửa đề án" not in html


def test_project_history_shows_who_changed_what_before_and_after(entry_client, data_entry, objects):
    project = objects["project"]
    data = project_post(objects["plan"], objects["facility"], code=project.code, planned_budget="450.000.000")
    entry_client.post(reverse("projects:project-edit", args=[project.pk]), data)
    f.DisbursementFactory(project=project, document_number="UNC-HIST")
    html = entry_client.get(reverse("projects:project-history", args=[project.pk])).content.decode()
    assert "nhaplieu" in html
    assert "Kinh phí kế hoạch" in html
    assert "300.000.000 đồng" in html and "450.000.000 đồng" in html  # before and after
    assert "Giải ngân UNC-HIST" in html


# ——— Giải ngân ————————————————————————————————————————————————————————————————————————


def test_data_entry_records_a_disbursement(entry_client, data_entry, objects):
    project = objects["project"]
    url = reverse("funding:disbursement-create", args=[project.pk])
    response = entry_client.post(url, {"date": "01/10/2024", "amount": "150.000.000", "document_number": "UNC-01"})
    assert response.status_code == 302
    disbursement = Disbursement.objects.get(project=project)
    assert (disbursement.amount, disbursement.date) == (150_000_000, datetime.date(2024, 10, 1))
    assert disbursement.history.latest().history_user == data_entry


@pytest.mark.parametrize(
    "values, message",
    [
        ({"amount": "0"}, "Số tiền phải từ 1 đồng trở lên"),
        ({"amount": "300.000.001"}, "vượt kinh phí được duyệt"),
        ({"date": "31/02/2024"}, "Ngày không hợp lệ"),
        ({"date": "31/12/2099"}, "Ngày giải ngân (31/12/2099) không được sau hôm nay"),
        ({"document_number": ""}, "bắt buộc"),
    ],
)
def test_disbursement_form_refuses_bad_values_on_the_project_page(entry_client, objects, values, message):
    data = {"date": "01/10/2024", "amount": "100.000.000", "document_number": "UNC-02", **values}
    response = entry_client.post(reverse("funding:disbursement-create", args=[objects["project"].pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Disbursement.objects.exists()


def test_the_same_document_number_twice_is_refused(entry_client, objects):
    f.DisbursementFactory(project=objects["project"], document_number="UNC-03", amount=1_000_000)
    f.DisbursementFactory(project=objects["project"], document_number="Ủy nhiệm chi 07", amount=1_000_000)
    for number in ("UNC-03", "unc-03", "ỦY NHIỆM CHI 07"):
        data = {"date": "01/10/2024", "amount": "1.000.000", "document_number": number}
        response = entry_client.post(reverse("funding:disbursement-create", args=[objects["project"].pk]), data)
        assert "cùng số" in response.content.decode(), number
    assert Disbursement.objects.count() == 2


def test_a_proposed_project_cannot_be_paid(entry_client, objects):
    project = f.ProjectFactory(plan=objects["plan"], status=Project.Status.PROPOSED)
    data = {"date": "01/10/2024", "amount": "1.000.000", "document_number": "UNC-04"}
    response = entry_client.post(reverse("funding:disbursement-create", args=[project.pk]), data)
    assert response.status_code == 400
    assert "chỉ giải ngân cho đề án đã duyệt" in response.content.decode()


# ——— Cơ sở ————————————————————————————————————————————————————————————————————————————


@pytest.mark.parametrize("query", ["lam dong", "Lâm Đồng", "che lam", "58"])
def test_facility_search_ignores_accents(viewer_client, objects, query):
    f.FacilityFactory(name="Hợp tác xã Dệt Đắk Nông", tax_code="")
    html = viewer_client.get(reverse("projects:facility-list"), {"q": query}).content.decode()
    assert "Công ty TNHH Chè Lâm Đồng Xanh" in html
    assert "Đắk Nông" not in html


def test_data_entry_registers_and_edits_a_facility(entry_client, objects):
    data = {"name": "Hợp tác xã  Mây tre đan Tân Hà", "kind": Facility.Kind.COOPERATIVE, "tax_code": "5801234567",
            "administrative_unit": f.unit("672").pk, "email": ""}
    response = entry_client.post(reverse("projects:facility-create"), data)
    facility = Facility.objects.get(tax_code="5801234567")
    assert response["Location"] == reverse("projects:facility-detail", args=[facility.pk])
    assert facility.name == "Hợp tác xã Mây tre đan Tân Hà"
    assert facility.search_text.startswith("hop tac xa may tre dan tan ha")
    entry_client.post(reverse("projects:facility-edit", args=[facility.pk]), {**data, "phone": "0263 3822 111"})
    facility.refresh_from_db()
    assert facility.phone == "0263 3822 111"
    history = entry_client.get(reverse("projects:facility-history", args=[facility.pk])).content.decode()
    assert "Điện thoại" in history and "0263 3822 111" in history


@pytest.mark.parametrize("tax_code, message", [("12345", "Mã số thuế gồm"), ("5800000001", "đã có trong danh sách")])
def test_facility_form_refuses_bad_tax_codes(entry_client, objects, tax_code, message):
    f.FacilityFactory(tax_code="5800000001")
    response = entry_client.post(
        reverse("projects:facility-create"), {"name": "Cơ sở mới", "kind": Facility.Kind.HOUSEHOLD, "tax_code": tax_code}
    )
    assert response.status_code == 200
    assert message in response.content.decode()


def test_facility_page_shows_every_support_and_its_debt(viewer_client, objects):
    facility = objects["facility"]
    older = f.ProjectFactory(plan=f.AnnualPlanFactory(year=2022), facilities=[facility], status=Project.Status.COMPLETED)
    contract = f.LoanContractFactory(facility=facility, principal=200_000_000, disbursed_on=datetime.date(2023, 6, 15))
    f.InstalmentFactory(contract=contract, due_date=datetime.date(2024, 6, 15), principal_due=50_000_000)
    f.RepaymentFactory(contract=contract, date=datetime.date(2024, 6, 10), amount=20_000_000)
    html = viewer_client.get(reverse("projects:facility-detail", args=[facility.pk])).content.decode()
    assert objects["project"].code in html and older.code in html
    assert contract.number in html
    assert "180.000.000 đồng" in html  # outstanding: 200 − 20 million
    assert "30.000.000 đồng" in html  # overdue: 50 due − 20 repaid
    assert objects["nomination"].product.name in html


# ——— Kế hoạch, sự kiện, bình chọn ————————————————————————————————————————————————————————


def test_plan_page_compares_planned_and_executed_per_content(viewer_client, objects):
    plan, project = objects["plan"], objects["project"]
    f.DisbursementFactory(project=project, amount=123_456_789)
    f.ProjectFactory(plan=plan, status=Project.Status.PROPOSED, planned_budget=999_000_000)  # not in the plan yet
    response = viewer_client.get(reverse("projects:plan-detail", args=[plan.pk]))
    rows = response.context["rows"]
    assert [(r["content__code"], r["planned"], r["planned_money"], r["executed"]) for r in rows] == [
        ("MMTB", 1, 300_000_000, 123_456_789)
    ]
    assert "123.456.789 đồng" in response.content.decode()


def test_program_list_shows_each_plan(viewer_client, objects):
    html = viewer_client.get(reverse("projects:program-list")).content.decode()
    assert objects["plan"].program.name in html
    assert "Kế hoạch 2024" in html


def test_data_entry_adds_an_event(entry_client, objects):
    data = {"project": objects["project"].pk, "kind": Event.Kind.CONFERENCE, "name": "Hội nghị kết nối 2024",
            "date": "20/09/2024", "place": "Đà Lạt", "participants": "40", "sale_contracts": "2", "memoranda": "9"}
    assert entry_client.post(reverse("projects:event-create"), data).status_code == 302
    event = Event.objects.get(name="Hội nghị kết nối 2024")
    assert (event.date, event.memoranda) == (datetime.date(2024, 9, 20), 9)
    html = entry_client.get(reverse("projects:event-list")).content.decode()
    assert "Hội nghị kết nối 2024" in html and "20/09/2024" in html


def test_data_entry_nominates_a_new_product_and_edits_it(entry_client, objects):
    data = {"facility": objects["facility"].pk, "product_name": "Trà ô long Cầu Đất", "level": f.award_level().pk,
            "year": "2024", "recognised": "on", "certificate_number": "15/GCN", "certificate_date": "01/11/2024"}
    assert entry_client.post(reverse("projects:nomination-create"), data).status_code == 302
    nomination = ProductNomination.objects.get(product__name="Trà ô long Cầu Đất")
    assert nomination.product.facility == objects["facility"]
    entry_client.post(reverse("projects:nomination-edit", args=[nomination.pk]), {**data, "certificate_number": "16/GCN"})
    nomination.refresh_from_db()
    assert nomination.certificate_number == "16/GCN"
    again = entry_client.post(reverse("projects:nomination-create"), data)
    assert "đã được đề cử ở cấp này trong năm" in again.content.decode()
    # The same name with other capitals, accented ones included, is the same product, on
    # SQLite as on PostgreSQL.
    shouted = entry_client.post(reverse("projects:nomination-create"), {**data, "product_name": "TRÀ Ô LONG  cầu đất"})
    assert "đã được đề cử ở cấp này trong năm" in shouted.content.decode()
    assert not Product.objects.filter(name__startswith="TRÀ").exists()
    # And typed without its accents, as on a keyboard without Vietnamese input.
    bare = entry_client.post(reverse("projects:nomination-create"), {**data, "product_name": "tra o long cau dat"})
    assert "đã được đề cử ở cấp này trong năm" in bare.content.decode()
    assert not Product.objects.filter(name="tra o long cau dat").exists()


def test_event_history_shows_who_changed_what_and_is_linked_from_the_list(entry_client, viewer_client, objects):
    event = objects["event"]
    data = {"project": event.project_id, "kind": event.kind, "name": event.name, "date": "20/09/2024",
            "place": event.place, "participants": "150", "sale_contracts": "8", "memoranda": "3"}
    assert entry_client.post(reverse("projects:event-edit", args=[event.pk]), data).status_code == 302
    latest = event.history.latest()
    assert (latest.history_type, latest.history_user.username) == ("~", "nhaplieu")
    url = reverse("projects:event-history", args=[event.pk])
    assert url in viewer_client.get(reverse("projects:event-list")).content.decode()  # viewers read it too
    assert url in entry_client.get(reverse("projects:event-edit", args=[event.pk])).content.decode()
    html = viewer_client.get(url).content.decode()
    assert "nhaplieu" in html and "Lượt doanh nghiệp tham gia" in html
    assert "120" in html and "150" in html  # before and after
    # The đề án's history names its events' changes too.
    project_history = viewer_client.get(reverse("projects:project-history", args=[event.project_id])).content.decode()
    assert f"Sự kiện “{event.name}”" in project_history


def test_nomination_history_shows_the_nomination_and_its_product(entry_client, viewer_client, objects):
    nomination = objects["nomination"]
    data = {"facility": nomination.product.facility_id, "product_name": nomination.product.name,
            "level": nomination.level_id, "year": "2024", "recognised": "on", "certificate_number": "99/GCN",
            "certificate_date": "01/11/2024"}
    assert entry_client.post(reverse("projects:nomination-edit", args=[nomination.pk]), data).status_code == 302
    product = nomination.product
    product.name = "Trà ô long Cầu Đất thượng hạng"
    product._change_reason = "Đổi tên sản phẩm"
    product.save()
    url = reverse("projects:nomination-history", args=[nomination.pk])
    assert url in viewer_client.get(reverse("projects:nomination-list")).content.decode()
    assert url in entry_client.get(reverse("projects:nomination-edit", args=[nomination.pk])).content.decode()
    html = viewer_client.get(url).content.decode()
    assert "Số giấy chứng nhận" in html and "99/GCN" in html and "nhaplieu" in html
    assert "Trà ô long Cầu Đất thượng hạng" in html and "Đổi tên sản phẩm" in html


# ——— Tổng quan ————————————————————————————————————————————————————————————————————————


def test_dashboard_shows_the_period_its_figures_and_to_do_lists(viewer_client, objects):
    project = objects["project"]
    f.DisbursementFactory(project=project, amount=150_000_000)
    waiting = f.ProjectFactory(plan=objects["plan"], status=Project.Status.APPROVED, code="DA-CHO")
    contract = f.LoanContractFactory(facility=objects["facility"])
    f.InstalmentFactory(contract=contract, due_date=datetime.date(2023, 12, 15), principal_due=40_000_000)
    f.ReportFactory()
    response = viewer_client.get(reverse("home"))
    board = response.context["board"]
    assert (board.year_from, board.year_to) == (2021, 2025)  # the latest programme
    year_2024 = next(y for y in board.years if y.year == 2024)
    assert (year_2024.planned, year_2024.executed) == (3, 150_000_000)  # with the contract's đề án
    assert waiting in board.undisbursed
    assert board.debts.overdue == 40_000_000
    assert [o.contract for o in board.overdue] == [contract]
    assert len(board.drafts) == 1
    html = response.content.decode()
    assert "<svg" in html and "150 triệu" in html


def test_dashboard_takes_a_year_range(viewer_client, objects):
    board = viewer_client.get(reverse("home"), {"tu": "2024", "den": "2023"}).context["board"]
    assert (board.year_from, board.year_to) == (2023, 2024)
    assert [y.year for y in board.years] == [2023, 2024]


def test_the_dashboard_says_what_it_changed_in_the_years_asked(viewer_client, objects):
    odd = viewer_client.get(reverse("home"), {"tu": "abc", "den": "2024"})
    assert "Năm “abc” không hợp lệ" in odd.content.decode()
    wide = viewer_client.get(reverse("home"), {"tu": "1990", "den": "2100"})
    board = wide.context["board"]
    assert (board.year_from, board.year_to) == (2024, 2038)  # from the first plan's year (2024 here)
    assert "Tổng quan xem tối đa 15 năm: đang hiện 2024–2038." in wide.content.decode()
    swapped = viewer_client.get(reverse("home"), {"tu": "2024", "den": "2023"})
    assert "Năm bắt đầu sau năm kết thúc: đang hiện 2023–2024." in swapped.content.decode()
    plain = viewer_client.get(reverse("home"), {"tu": "2023", "den": "2024"})
    assert plain.context["notices"] == []


def test_approving_without_an_approved_budget_is_refused_not_the_planned_one_copied(department_client, objects):
    project = f.ProjectFactory(plan=objects["plan"], status=Project.Status.PROPOSED, approved_budget=0)
    url = reverse("projects:project-step", args=[project.pk, "phe-duyet"])
    today = f"{datetime.date.today():%d/%m/%Y}"
    response = department_client.post(url, {"number": "7/QĐ-SCT", "date": today, "xac-nhan": "1"})
    assert "Cần ghi kinh phí được duyệt (đồng)." in response.content.decode()
    response = department_client.post(url, {"number": "7/QĐ-SCT", "date": today, "amount": "0", "xac-nhan": "1"})
    assert "phải có kinh phí được duyệt lớn hơn 0 đồng" in response.content.decode()
    project.refresh_from_db()
    assert (project.status, project.approved_budget) == (Project.Status.PROPOSED, 0)
    assert not project.decisions.exists()
