"""What a QA pass found, each pinned: imported đề án found by search, a plan's year and programme
kept by the Department, report numbers and dates checked when issuing, one rule for years, tax
codes and phone numbers in the forms and the workbook, events only under a đề án carried out,
history without thousands in years, money formatted in the exported workbook, and the pickers'
hint."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from khuyencong.core import cells
from khuyencong.workbook import export_workbook, import_workbook
from projects.forms import FacilityForm, NominationForm
from projects.models import AnnualPlan, Event, Facility, Product, ProductNomination, Project
from reporting import services
from reporting.models import Report, ReportSnapshot
from tests import factories as f

from .workbook_helpers import small_workbook, xlsx

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

pytestmark = pytest.mark.django_db

COSO_HEADER = small_workbook()["CoSo"][0]
DEAN_HEADER = small_workbook()["DeAn"][0]


def _problems(result) -> list[tuple[str, str, str]]:
    return [(p.sheet, p.column, p.message) for p in result.problems]


# ——— 1. Imported đề án are found by search ———————————————————————————————————————————————


def _found(client, q: str) -> tuple[list[str], list[str]]:
    """The codes the đề án list and the đề án picker find for ``q``."""
    listed = [p.code for p in client.get(reverse("projects:project-list"), {"q": q}).context["page"].object_list]
    picked = [r["label"] for r in client.get(reverse("projects:project-search"), {"q": q}).json()["results"]]
    return listed, picked


def test_an_imported_project_is_found_by_code_and_name(viewer_client):
    assert import_workbook(xlsx(small_workbook())).ok

    project = Project.objects.get(code="QG-01")
    assert project.search_text == "qg-01 mo hinh trinh dien say nong san"
    for q in ("QG-01", "trinh dien say nong san"):
        listed, picked = _found(viewer_client, q)
        assert listed == ["QG-01"]
        assert picked == ["2024 · QG-01 — Mô hình trình diễn sấy nông sản"]


def test_a_project_renamed_by_import_is_found_by_its_new_name(viewer_client):
    assert import_workbook(xlsx(small_workbook())).ok
    sheets = small_workbook()
    sheets["DeAn"][4][2] = "Mô hình sấy cà phê Cầu Đất"  # QG-01, renamed

    result = import_workbook(xlsx(sheets))

    assert result.ok, result.problems
    assert result.counts["DeAn"].updated == 1
    assert _found(viewer_client, "say ca phe cau dat")[0] == ["QG-01"]
    assert _found(viewer_client, "nong san")[0] == []


# ——— 2. Only the Department moves a plan to another year or programme ————————————————————


@pytest.fixture
def plan_with_project():
    plan = f.AnnualPlanFactory(year=2024, decision_number="15/QĐ-SCT", decision_date=datetime.date(2024, 1, 15))
    other = f.ProgramFactory(funding_level=plan.program.funding_level, first_year=2021, last_year=2025)
    project = f.ProjectFactory(plan=plan)
    return plan, other, project


def _plan_post(program, year, **values) -> dict:
    return {"program": program.pk, "year": str(year), "decision_number": "", "decision_date": "", "notes": ""} | values


def test_data_entry_cannot_change_a_plans_year_or_programme(entry_client, plan_with_project):
    plan, other, project = plan_with_project
    url = reverse("projects:plan-edit", args=[plan.pk])
    form = entry_client.get(url).context["form"]
    assert form.fields["year"].disabled and form.fields["program"].disabled

    response = entry_client.post(url, _plan_post(other, 2025, notes="Ghi chú của Trung tâm"))

    assert response.status_code == 302  # the notes are theirs; the year and programme are ignored
    plan.refresh_from_db()
    assert (plan.program_id, plan.year, plan.notes) == (project.plan.program_id, 2024, "Ghi chú của Trung tâm")
    assert Project.objects.get(pk=project.pk).plan.year == 2024


def test_the_department_may_change_a_plans_year_and_programme(department_client, plan_with_project):
    plan, other, _ = plan_with_project
    response = department_client.post(
        reverse("projects:plan-edit", args=[plan.pk]),
        _plan_post(other, 2025, decision_number="15/QĐ-SCT", decision_date="15/01/2024"),
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.program_id, plan.year) == (other.pk, 2025)


def test_data_entry_still_chooses_the_year_and_programme_of_a_new_plan(entry_client, plan_with_project):
    _, other, _ = plan_with_project
    form = entry_client.get(reverse("projects:plan-create")).context["form"]
    assert not form.fields["year"].disabled and not form.fields["program"].disabled
    assert entry_client.post(reverse("projects:plan-create"), _plan_post(other, 2023)).status_code == 302
    assert AnnualPlan.objects.filter(program=other, year=2023).exists()


# ——— 3. Issuing: a number once a year, no date after today ————————————————————————————————


def _report(**fields) -> Report:
    return f.ReportFactory(year_from=2024, year_to=2024, kind=Report.Kind.ANNUAL, **fields)


def _issued(number: str, day: datetime.date) -> Report:
    return _report(status=Report.Status.ISSUED, number=number, issued_at=timezone.now(), report_date=day)


def _issue_page(client, report: Report, number: str, day: str):
    return client.post(reverse("reporting:report-issue", args=[report.pk]), {"number": number, "date": day})


@pytest.mark.parametrize("stored", ["125/BC-SCT", "125/bc-sct", " 125/BC-SCT ", "125"])
def test_a_number_already_issued_that_year_is_refused_next_to_the_field(department_client, stored):
    _issued(stored, datetime.date(2025, 1, 10))
    draft = _report()

    response = _issue_page(department_client, draft, "125/BC-SCT", "15/03/2025")

    assert response.status_code == 200
    assert response.context["form"].errors["number"] == ["Số báo cáo 125/BC-SCT đã dùng cho báo cáo ban hành ngày 10/01/2025."]
    draft.refresh_from_db()
    assert (draft.status, draft.number) == (Report.Status.DRAFT, "")
    assert not ReportSnapshot.objects.filter(report=draft).exists()
    with pytest.raises(ValidationError, match="đã dùng cho báo cáo ban hành ngày 10/01/2025"):
        services.issue_report(report=draft, number="125", date=datetime.date(2025, 3, 15), by=response.wsgi_request.user)


def test_the_same_number_in_another_year_is_not_refused():
    _issued("125/BC-SCT", datetime.date(2024, 3, 10))
    draft = _report(report_date=datetime.date(2025, 3, 15))
    services.check_issue(report=draft, number="125/BC-SCT", date=draft.report_date)  # no error


def test_an_issue_date_after_today_is_refused(department_client):
    draft = _report()
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)

    response = _issue_page(department_client, draft, "130", tomorrow.strftime("%d/%m/%Y"))

    assert response.status_code == 200
    assert response.context["form"].errors["date"] == [f"Ngày ban hành không được sau hôm nay ({today:%d/%m/%Y})."]
    draft.refresh_from_db()
    assert draft.status == Report.Status.DRAFT and draft.report_date == datetime.date(2025, 3, 15)
    with pytest.raises(ValidationError, match="không được sau hôm nay"):
        services.issue_report(report=draft, number="130", date=tomorrow, by=response.wsgi_request.user)
    assert not ReportSnapshot.objects.exists()


# ——— 4. One rule for years and tax codes: form, admin (model) and import ————————————————————


@pytest.fixture
def facility():
    return f.FacilityFactory(name="Công ty TNHH Chè Cầu Đất", tax_code="5800000001")


def _nomination_post(facility, year) -> dict:
    # The province level: valid in every year (the district level ended on 30/06/2025, a rule of its own).
    return {"facility": facility.pk, "product_name": "Trà ô long", "level": f.award_level("TINH").pk, "year": str(year),
            "recognised": "on", "certificate_number": "15/GCN", "certificate_date": "01/11/2024"}  # fmt: skip


def test_a_nomination_of_year_1800_is_refused_next_to_the_year(entry_client, facility):
    response = entry_client.post(reverse("projects:nomination-create"), _nomination_post(facility, 1800))

    assert response.status_code == 200
    assert response.context["form"].errors["year"] == ["Năm 1800 không hợp lệ: năm phải từ 1990 đến 2100."]
    assert not ProductNomination.objects.exists() and not Product.objects.exists()


@pytest.mark.parametrize("year, valid", [(1800, False), (1989, False), (1990, True), (2100, True), (2101, False)])
def test_the_form_and_the_import_agree_on_years(facility, year, valid):
    assert NominationForm(_nomination_post(facility, year)).is_valid() is valid
    try:
        cells.year(year)
    except cells.CellError as error:
        assert not valid
        assert str(error) == f"Năm {year} không hợp lệ: năm phải từ 1990 đến 2100."
    else:
        assert valid
    nomination = ProductNomination(product=f.ProductFactory(facility=facility), level=f.award_level("TINH"), year=year)
    if valid:
        nomination.full_clean()
    else:
        with pytest.raises(ValidationError, match=f"Năm {year} không hợp lệ"):
            nomination.full_clean()  # what the admin runs


def test_the_import_refuses_a_nomination_of_year_1800():
    sheets = small_workbook()
    sheets["BinhChon"][1][3] = 1800
    result = import_workbook(xlsx(sheets))
    assert ("BinhChon", "Năm", "Năm 1800 không hợp lệ: năm phải từ 1990 đến 2100.") in _problems(result)
    assert not result.applied and not Facility.objects.exists()


def _facility_row(tax: str = "", phone: str = "") -> list:
    return [tax, "Cơ sở Mây tre Tân Hà", "Hộ kinh doanh", "", "", "", "", phone, ""]


def test_the_import_refuses_a_tax_code_the_facility_form_refuses():
    result = import_workbook(xlsx({"CoSo": [COSO_HEADER, _facility_row(tax="12345")]}))

    assert _problems(result) == [
        ("CoSo", "Mã số thuế", "Mã số thuế “12345” không hợp lệ: Mã số thuế gồm 10 chữ số (có thể thêm -xxx cho chi "
         "nhánh), hoặc 12 chữ số.")
    ]  # fmt: skip
    assert not Facility.objects.exists()
    form = FacilityForm({"name": "Cơ sở", "kind": Facility.Kind.HOUSEHOLD, "tax_code": "12345"})
    assert form.errors["tax_code"] == ["Mã số thuế gồm 10 chữ số (có thể thêm -xxx cho chi nhánh), hoặc 12 chữ số."]


@pytest.mark.parametrize("tax", ["5800123456", "5800123456-001", "580012345678", "5800 123 456"])
def test_the_import_and_the_form_take_the_same_tax_codes(tax):
    form = FacilityForm({"name": "Cơ sở", "kind": Facility.Kind.HOUSEHOLD, "tax_code": tax})
    assert form.is_valid(), form.errors
    result = import_workbook(xlsx({"CoSo": [COSO_HEADER, _facility_row(tax=tax)]}))
    assert result.ok, result.problems
    assert Facility.objects.get().tax_code == form.cleaned_data["tax_code"] == tax.replace(" ", "")


# ——— 5. Events only under a đề án carried out ——————————————————————————————————————————————


def _event_post(project, name: str = "Hội nghị kết nối 2024") -> dict:
    return {"project": project.pk, "kind": Event.Kind.CONFERENCE, "name": name, "date": "20/09/2024",
            "place": "Đà Lạt", "participants": "40", "sale_contracts": "2", "memoranda": "9"}  # fmt: skip


@pytest.mark.parametrize(
    "status, label",
    [
        (Project.Status.PROPOSED, "Đề xuất"),
        (Project.Status.CANCELLED, "Đã hủy"),
        (Project.Status.NOT_CARRIED_OUT, "Không thực hiện"),
    ],
)
def test_an_event_for_a_project_not_carried_out_is_refused(entry_client, status, label):
    project = f.ProjectFactory(code="KN-01", status=status, status_reason="Không đủ kinh phí")

    response = entry_client.post(reverse("projects:event-create"), _event_post(project))

    assert response.status_code == 200
    assert response.context["form"].errors["project"] == [
        f"Đề án “KN-01” đang ở trạng thái “{label}”: chỉ ghi nhận sự kiện cho đề án đã duyệt, đang thực hiện hoặc hoàn thành."
    ]
    assert not Event.objects.exists()
    # The picker still lists it, with its status, so that the refusal is understood.
    results = entry_client.get(reverse("projects:project-search"), {"q": "KN-01"}).json()["results"]
    assert [r["id"] for r in results] == [project.pk] and label in results[0]["sub"]


def test_the_project_page_offers_events_only_for_a_project_carried_out(entry_client):
    add_event = reverse("projects:event-create") + "?project="
    approved = f.ProjectFactory(status=Project.Status.APPROVED)
    cancelled = f.ProjectFactory(status=Project.Status.CANCELLED, status_reason="Dừng")
    assert add_event in entry_client.get(reverse("projects:project-detail", args=[approved.pk])).content.decode()
    assert add_event not in entry_client.get(reverse("projects:project-detail", args=[cancelled.pk])).content.decode()


@pytest.mark.parametrize("status", [Project.Status.APPROVED, Project.Status.IN_PROGRESS, Project.Status.COMPLETED])
def test_an_event_for_a_project_carried_out_is_accepted(entry_client, status):
    project = f.ProjectFactory(status=status)
    assert entry_client.post(reverse("projects:event-create"), _event_post(project)).status_code == 302
    assert Event.objects.get().project == project


def test_an_event_may_be_corrected_after_its_project_stopped_but_not_moved_to_one(entry_client):
    event = f.EventFactory()
    Project.objects.filter(pk=event.project_id).update(status=Project.Status.CANCELLED, status_reason="Dừng")
    url = reverse("projects:event-edit", args=[event.pk])
    assert entry_client.post(url, _event_post(event.project, name="Tên đã sửa")).status_code == 302
    event.refresh_from_db()
    assert event.name == "Tên đã sửa"

    other = f.EventFactory()
    stopped = f.ProjectFactory(status=Project.Status.NOT_CARRIED_OUT, status_reason="Không đủ kinh phí")
    response = entry_client.post(reverse("projects:event-edit", args=[other.pk]), _event_post(stopped, name=other.name))
    assert response.status_code == 200 and "project" in response.context["form"].errors
    other.refresh_from_db()
    assert other.project_id != stopped.pk


# ——— 6. History: thousands grouped for money only —————————————————————————————————————————


def test_plan_history_prints_years_as_years(department_client, viewer_client):
    program = f.ProgramFactory(first_year=2021, last_year=2025)
    plan = f.AnnualPlanFactory(program=program, year=2023)
    department_client.post(reverse("projects:plan-edit", args=[plan.pk]), _plan_post(program, 2024))

    html = viewer_client.get(reverse("projects:plan-history", args=[plan.pk])).content.decode()

    assert "2023" in html and "2024" in html
    assert "2.023" not in html and "2.024" not in html


def test_project_history_groups_money_but_not_counts(entry_client, viewer_client):
    project = f.ProjectFactory(output_quantity=1)
    project.output_quantity, project.planned_budget = 1500, 1_836_337_000
    project.save()

    html = viewer_client.get(reverse("projects:project-history", args=[project.pk])).content.decode()

    assert "1.836.337.000 đồng" in html
    assert "1500" in html and "1.500" not in html


# ——— 7. The exported workbook formats money ———————————————————————————————————————————————


def test_exported_money_is_formatted_and_years_codes_and_tax_codes_are_not():
    facility = f.FacilityFactory(tax_code="0312345678")
    project = f.ProjectFactory(plan=f.AnnualPlanFactory(year=2024), facilities=[facility], planned_budget=1_836_337_000)
    f.DisbursementFactory(project=project, amount=300_000_000, document_number="UNC-1")

    workbook = load_workbook(io.BytesIO(export_workbook()))

    header = [c.value for c in workbook["DeAn"][1]]
    row = {name: cell for name, cell in zip(header, workbook["DeAn"][2], strict=True)}
    for column in ("Kinh phí kế hoạch", "Vốn đối ứng", "Kinh phí được duyệt"):
        assert (row[column].data_type, row[column].number_format) == ("n", "#,##0"), column
    assert row["Kinh phí kế hoạch"].value == 1_836_337_000
    assert (row["Năm"].value, row["Năm"].number_format) == (2024, "General")
    assert row["Số lượng"].number_format == "General"
    header = [c.value for c in workbook["GiaiNgan"][1]]
    row = {name: cell for name, cell in zip(header, workbook["GiaiNgan"][2], strict=True)}
    assert (row["Số tiền"].value, row["Số tiền"].number_format) == (300_000_000, "#,##0")
    assert row["Năm"].number_format == "General"
    tax = workbook["CoSo"][2][0]
    assert (tax.value, tax.data_type, tax.number_format) == ("0312345678", "s", "General")


# ——— 8. Phone numbers ————————————————————————————————————————————————————————————————————


PHONE_MESSAGE = "Số điện thoại chỉ gồm chữ số, dấu cách và các dấu + . - ( ), có từ 8 đến 15 chữ số (ví dụ 0263 3822 111)."


@pytest.mark.parametrize("phone", ["abc", "0263 abc 111", "1234567", "1234567890123456", "0263/3822111"])
def test_a_wrong_phone_is_refused_by_the_form_and_the_import(entry_client, phone):
    data = {"name": "Cơ sở Mây tre Tân Hà", "kind": Facility.Kind.HOUSEHOLD, "tax_code": "", "phone": phone}
    response = entry_client.post(reverse("projects:facility-create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == [PHONE_MESSAGE]

    result = import_workbook(xlsx({"CoSo": [COSO_HEADER, _facility_row(phone=phone)]}))
    assert _problems(result) == [("CoSo", "Điện thoại", f"Điện thoại “{phone}” không hợp lệ: {PHONE_MESSAGE}")]
    assert not Facility.objects.exists()


@pytest.mark.parametrize("phone", ["0263 3822 111", "+84 (263) 382.2111", "0912-345-678", "02633822111"])
def test_a_phone_as_people_write_it_is_accepted(entry_client, phone):
    data = {"name": "Cơ sở Mây tre Tân Hà", "kind": Facility.Kind.HOUSEHOLD, "tax_code": "", "phone": phone}
    assert entry_client.post(reverse("projects:facility-create"), data).status_code == 302
    assert Facility.objects.get().phone == phone
    Facility.objects.all().delete()
    assert import_workbook(xlsx({"CoSo": [COSO_HEADER, _facility_row(phone=phone)]})).ok
    assert Facility.objects.get().phone == phone


# ——— 9. The pickers' hint ————————————————————————————————————————————————————————————————


def test_the_pickers_hint_is_generic(entry_client):
    nomination = entry_client.get(reverse("projects:nomination-create")).content.decode()
    assert 'placeholder="Gõ tên không dấu hoặc mã số thuế"' in nomination
    assert "che cau dat" not in nomination
    event = entry_client.get(reverse("projects:event-create")).content.decode()
    assert 'placeholder="Gõ mã hoặc tên đề án không dấu"' in event


# --- refusals beside the field they are about ----------------------------------------------------


def test_a_constraints_refusal_is_shown_beside_its_field_not_only_at_the_top(entry_client, department):
    """Django reports a constraint over several fields as an error of the whole form; the
    person typing looks for it beside the value to change."""
    from funding import services as funding
    from tests.test_contract_screens import CONTRACT
    from tests.test_loans import D, disbursed_contract

    plan = f.AnnualPlanFactory(year=2024)
    facility = f.FacilityFactory(tax_code="5800000001")
    taken = f.ProjectFactory(plan=plan, code="DP-2024-01", facilities=[facility])
    data = {
        "name": "Cơ sở mới", "kind": "enterprise", "tax_code": "5800000001",
        "administrative_unit": facility.administrative_unit_id,
    }  # fmt: skip
    form = entry_client.post(reverse("projects:facility-create"), data).context["form"]
    assert "Mã số thuế này đã có trong danh sách cơ sở." in form.errors["tax_code"]
    assert not form.non_field_errors()

    contract = disbursed_contract(department)
    funding.record_repayment(contract=contract, date=D(2022, 2, 10), amount=1_000, receipt_number="BL-1", by=department)
    response = entry_client.post(
        reverse("funding:repayment-create", args=[contract.pk]),
        {"repay-date": "10/03/2022", "repay-amount": "1.000", "repay-receipt_number": "BL-1"},
    )
    assert response.context["forms"]["repayment"].errors["receipt_number"] == ["Hợp đồng này đã có biên lai cùng số."]

    recoverable = f.ProjectFactory(plan=plan, support_form="recoverable", approved_budget=300_000_000, facilities=[facility])
    create = reverse("funding:contract-create", args=[recoverable.pk])
    for changes, field in (({"grace_months": "36"}, "grace_months"), ({"principal": "300.000.001"}, "principal")):
        form = entry_client.post(create, {**CONTRACT, "facility": facility.pk, **changes}).context["form"]
        assert list(form.errors) == [field], changes
    assert taken.code in entry_client.get(reverse("projects:project-detail", args=[taken.pk])).content.decode()
