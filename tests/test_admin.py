"""The admin at /quan-tri/: every page answers, changelists keep a fixed query count, bad input is
refused in Vietnamese and nothing is stored."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funding.models import Disbursement
from projects.models import Facility, Project, SupportForm
from reporting.models import Report

from . import factories as f

pytestmark = pytest.mark.django_db

# One factory for every model the admin shows.
MODELS = [
    ("projects", "administrativeunit", f.AdministrativeUnitFactory),
    ("projects", "program", f.ProgramFactory),
    ("projects", "annualplan", f.AnnualPlanFactory),
    ("projects", "activitycontent", f.ActivityContentFactory),
    ("projects", "facility", f.FacilityFactory),
    ("projects", "project", f.ProjectFactory),
    ("projects", "event", f.EventFactory),
    ("projects", "awardlevel", f.AwardLevelFactory),
    ("projects", "product", f.ProductFactory),
    ("projects", "productnomination", f.ProductNominationFactory),
    ("projects", "fundinglevel", f.FundingLevelFactory),
    ("funding", "fundingsource", f.FundingSourceFactory),
    ("funding", "disbursement", f.DisbursementFactory),
    ("funding", "loancontract", f.LoanContractFactory),
    ("funding", "instalment", f.InstalmentFactory),
    ("funding", "repayment", f.RepaymentFactory),
    ("funding", "lawsuit", f.LawsuitFactory),
    ("funding", "hearing", f.HearingFactory),
    ("funding", "reschedule", f.RescheduleFactory),
    ("funding", "writeoff", f.WriteOffFactory),
    ("funding", "recovery", f.RecoveryFactory),
    ("reporting", "report", f.ReportFactory),
]
IDS = [name for _, name, _ in MODELS]
# The ledger, entered through funding.services only (tests/test_admin_lockdown.py).
NO_ADD_PAGE = {
    "disbursement", "loancontract", "instalment", "repayment", "lawsuit", "hearing", "reschedule", "writeoff", "recovery"
}  # fmt: skip


@pytest.fixture
def admin_client(client):
    client.force_login(f.SuperuserFactory())
    return client


def changelist_queries(client, url: str) -> tuple[int, int]:
    """The number of queries the changelist runs, and how many rows it counts."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.context["cl"].result_count


@pytest.mark.parametrize(("app", "model", "factory_cls"), MODELS, ids=IDS)
def test_changelist_and_add_page_answer(admin_client, app, model, factory_cls):
    factory_cls()
    assert admin_client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
    expected = 403 if model in NO_ADD_PAGE else 200
    assert admin_client.get(reverse(f"admin:{app}_{model}_add")).status_code == expected


@pytest.mark.parametrize(("app", "model", "factory_cls"), MODELS, ids=IDS)
def test_change_page_answers(admin_client, app, model, factory_cls):
    obj = factory_cls()
    assert admin_client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk])).status_code == 200


@pytest.mark.parametrize(("app", "model", "factory_cls"), MODELS, ids=IDS)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, app, model, factory_cls):
    url = reverse(f"admin:{app}_{model}_changelist")
    factory_cls()
    admin_client.get(url)  # warm the per-process caches (content types, permissions)
    queries_at_1, rows_at_1 = changelist_queries(admin_client, url)
    factory_cls.create_batch(49)
    queries_at_50, rows_at_50 = changelist_queries(admin_client, url)
    assert rows_at_50 == rows_at_1 + 49
    assert queries_at_50 == queries_at_1


def test_project_changelist_shows_money_grouped_and_executed_sum(admin_client):
    project = f.ProjectFactory(planned_budget=1_836_337_000)
    f.DisbursementFactory(project=project, amount=150_000_000)
    f.DisbursementFactory(project=project, amount=50_000_000)
    html = admin_client.get(reverse("admin:projects_project_changelist")).content.decode()
    assert "1.836.337.000" in html
    assert "200.000.000" in html


@pytest.mark.parametrize("term", ["lam dong", "LÂM ĐỒNG", "Lâm Đồng", "lâm"])
def test_facility_search_ignores_accents(admin_client, term):
    f.FacilityFactory(name="Hợp tác xã Chè Lâm Đồng")
    f.FacilityFactory(name="Công ty Cà phê Di Linh")
    response = admin_client.get(reverse("admin:projects_facility_changelist"), {"q": term})
    names = [facility.name for facility in response.context["cl"].result_list]
    assert names == ["Hợp tác xã Chè Lâm Đồng"]


def test_facility_autocomplete_ignores_accents(admin_client):
    f.FacilityFactory(name="Hợp tác xã Chè Lâm Đồng")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "che lam", "app_label": "projects", "model_name": "project", "field_name": "facilities"},
    )
    assert [row["text"] for row in response.json()["results"]] == ["Hợp tác xã Chè Lâm Đồng"]


def test_history_page_names_who_changed_a_project(admin_client):
    project = f.ProjectFactory()
    data = project_form(project.plan, code=project.code, planned_budget=350_000_000)
    response = admin_client.post(reverse("admin:projects_project_change", args=[project.pk]), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.planned_budget == 350_000_000
    assert project.history.first().history_user.username == "quantri"
    assert admin_client.get(reverse("admin:projects_project_history", args=[project.pk])).status_code == 200


def test_issued_report_is_read_only(admin_client):
    report = f.ReportFactory(
        status=Report.Status.ISSUED, number="125/BC-SCT", issued_at=datetime.datetime(2025, 3, 15, tzinfo=datetime.UTC)
    )
    url = reverse("admin:reporting_report_change", args=[report.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(url, {"title": "Sửa sau khi ban hành"}).status_code == 403
    report.refresh_from_db()
    assert report.title == "Báo cáo kết quả thực hiện hoạt động khuyến công"
    assert admin_client.post(reverse("admin:reporting_report_delete", args=[report.pk]), {"post": "yes"}).status_code == 403


def test_draft_report_can_be_changed(admin_client):
    report = f.ReportFactory()
    page = admin_client.get(reverse("admin:reporting_report_change", args=[report.pk]))
    assert 'name="_save"' in page.content.decode()


# --- bad input through the add forms -----------------------------------------------------------


def management(prefix: str) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def project_form(plan, **values) -> dict[str, object]:
    data = {
        "plan": plan.pk,
        "code": "KC-01",
        "name": "Hỗ trợ máy sấy chè",
        "content": f.content().pk,
        "funding_level": f.funding_level().pk,
        "support_form": SupportForm.NON_RECOVERABLE,
        "planned_budget": "300000000",
        "approved_budget": "300000000",
        "counterpart_capital": "0",
        "status": Project.Status.APPROVED,
        "output_quantity": "1",
        **management("disbursements"),
        **management("events"),
    }
    data.update(values)
    return data


def assert_refused_in_vietnamese(response, message: str) -> None:
    assert response.status_code == 200  # the form again, not a redirect
    assert response.context["adminform"].form.errors or any(
        any(inline.formset.errors) for inline in response.context["inline_admin_formsets"]
    )
    assert message in response.content.decode()


def test_negative_planned_budget_is_refused(admin_client):
    plan = f.AnnualPlanFactory()
    response = admin_client.post(reverse("admin:projects_project_add"), project_form(plan, planned_budget="-1"))
    assert_refused_in_vietnamese(response, "Kinh phí kế hoạch không được là số âm.")
    assert Project.objects.count() == 0


def test_project_code_repeated_in_a_plan_is_refused(admin_client):
    existing = f.ProjectFactory(code="KC-01")
    response = admin_client.post(reverse("admin:projects_project_add"), project_form(existing.plan, code="KC-01"))
    assert_refused_in_vietnamese(response, "Mã đề án này đã có trong kế hoạch năm.")
    assert Project.objects.count() == 1


def test_a_project_added_in_the_admin_is_proposed_whatever_status_is_posted(admin_client):
    # A status moves only through services.change_status, on the đề án's page.
    plan = f.AnnualPlanFactory()
    data = project_form(plan, status=Project.Status.CANCELLED, status_reason="")
    admin_client.post(reverse("admin:projects_project_add"), data)
    assert Project.objects.get().status == Project.Status.PROPOSED


def test_a_valid_project_is_stored(admin_client):
    plan = f.AnnualPlanFactory()
    response = admin_client.post(reverse("admin:projects_project_add"), project_form(plan))
    assert response.status_code == 302
    assert Project.objects.get().planned_budget == 300_000_000


def test_a_disbursement_typed_in_the_project_inline_is_not_stored(admin_client):
    plan = f.AnnualPlanFactory()
    data = project_form(plan)
    data.update(
        {
            "disbursements-TOTAL_FORMS": "1",
            "disbursements-0-date": "01/10/2024",
            "disbursements-0-amount": "50000000",
            "disbursements-0-document_number": "UNC-01",
        }
    )
    response = admin_client.post(reverse("admin:projects_project_add"), data)
    assert response.status_code == 302  # the đề án is stored; the inline only shows money
    assert Project.objects.count() == 1
    assert Disbursement.objects.count() == 0


def test_project_beneficiaries_are_saved_and_kept_in_its_history(admin_client):
    project = f.ProjectFactory()
    first, second = f.FacilityFactory(), f.FacilityFactory()
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = project_form(project.plan, code=project.code, beneficiaries=[first.pk, second.pk])
    assert admin_client.post(url, data).status_code == 302
    assert set(project.facilities.all()) == {first, second}
    assert {row.facility for row in project.history.first().facilities.all()} == {first, second}
    page = admin_client.get(url).content.decode()
    assert f'<option value="{first.pk}" selected>' in page


def test_repeated_tax_code_is_refused(admin_client):
    f.FacilityFactory(tax_code="5800123456")
    data = {"name": "Hộ kinh doanh Dệt thổ cẩm", "kind": Facility.Kind.HOUSEHOLD, "tax_code": "5800123456"}
    response = admin_client.post(reverse("admin:projects_facility_add"), data)
    assert_refused_in_vietnamese(response, "Mã số thuế này đã có trong danh sách cơ sở.")
    assert Facility.objects.count() == 1


def test_facility_without_tax_code_is_stored_beside_another(admin_client):
    f.FacilityFactory(tax_code="")
    data = {"name": "Hộ kinh doanh Dệt thổ cẩm", "kind": Facility.Kind.HOUSEHOLD, "tax_code": ""}
    response = admin_client.post(reverse("admin:projects_facility_add"), data)
    assert response.status_code == 302
    assert Facility.objects.count() == 2


def contract_form(contract, **values) -> dict[str, object]:
    """The fields a draft contract's admin page lets one change, and its (read-only) inlines."""
    data = {
        "number": contract.number,
        "term_months": str(contract.term_months),
        "grace_months": str(contract.grace_months),
        "instalment_count": str(contract.instalment_count),
        **management("instalments"),
        **management("repayments"),
        **management("lawsuits"),
        **management("reschedules"),
        **management("write_off"),
        **management("recoveries"),
    }
    data.update(values)
    return data


def test_draft_contract_grace_as_long_as_its_term_is_refused(admin_client):
    contract = f.LoanContractFactory(disbursed_on=None, state="draft", term_months=24, grace_months=6)
    url = reverse("admin:funding_loancontract_change", args=[contract.pk])
    response = admin_client.post(url, contract_form(contract, term_months="12", grace_months="12"))
    assert_refused_in_vietnamese(response, "Thời gian ân hạn phải ngắn hơn thời hạn hợp đồng.")
    contract.refresh_from_db()
    assert (contract.term_months, contract.grace_months) == (24, 6)


def test_draft_contract_terms_may_be_corrected(admin_client):
    contract = f.LoanContractFactory(disbursed_on=None, state="draft", term_months=24, grace_months=6, instalment_count=6)
    url = reverse("admin:funding_loancontract_change", args=[contract.pk])
    assert admin_client.post(url, contract_form(contract, instalment_count="9")).status_code == 302
    contract.refresh_from_db()
    assert contract.instalment_count == 9
    assert contract.history.first().history_user.username == "quantri"


def test_repayment_cannot_be_deleted_through_the_admin(admin_client):
    repayment = f.RepaymentFactory()
    response = admin_client.post(reverse("admin:funding_repayment_delete", args=[repayment.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert repayment.contract.repayments.count() == 1
