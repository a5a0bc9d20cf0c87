"""The admin and deletion cannot make the records false (issue 10).

The ledger is read-only in the admin for the administrator too; whatever money, a contract or a
đề án refers to cannot be deleted, in the admin or through the ORM; accounts are deactivated,
never deleted, and the history keeps naming who acted.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.db.models import ProtectedError
from django.forms.models import model_to_dict
from django.urls import reverse

from funding import services
from funding.models import Disbursement, Instalment, LoanContract, Repayment
from khuyencong.core import roles
from projects.models import AnnualPlan, Facility, FundingLevel, Program, Project, SupportForm
from reporting.models import Report

from . import factories as f
from .screens_helpers import user_in

pytestmark = pytest.mark.django_db
User = get_user_model()


def disbursed_contract() -> LoanContract:
    contract = f.LoanContractFactory()
    f.InstalmentFactory(contract=contract, number=1, principal_due=100_000_000)
    f.InstalmentFactory(contract=contract, number=2, principal_due=100_000_000)
    return contract


def issued_report() -> Report:
    return f.ReportFactory(
        status=Report.Status.ISSUED, number="125/BC-SCT", issued_at=datetime.datetime(2025, 3, 15, tzinfo=datetime.UTC)
    )


# Each ledger record the admin shows, with how to make one.
LEDGER = [
    ("funding", "disbursement", f.DisbursementFactory),
    ("funding", "loancontract", disbursed_contract),
    ("funding", "instalment", f.InstalmentFactory),
    ("funding", "repayment", f.RepaymentFactory),
    ("funding", "lawsuit", f.LawsuitFactory),
    ("funding", "hearing", f.HearingFactory),
    ("funding", "reschedule", f.RescheduleFactory),
    ("funding", "writeoff", f.WriteOffFactory),
    ("funding", "recovery", f.RecoveryFactory),
    ("reporting", "report", issued_report),
]
LEDGER_IDS = [model for _, model, _ in LEDGER]
# The import-export admins: the ledger ones refuse their import page too.
IMPORTABLE = {"disbursement", "loancontract", "instalment", "repayment", "lawsuit"}


@pytest.fixture
def admin_client(client):
    client.force_login(f.SuperuserFactory())
    return client


def state(model) -> list[dict]:
    """Every row of the table, every column: what "unchanged" is compared on."""
    return list(model.objects.order_by("pk").values())


def form_data(obj) -> dict[str, object]:
    """The record's own values as a form would post them, with the money changed to 1 đồng."""
    data = {k: v for k, v in model_to_dict(obj).items() if v is not None and not isinstance(v, list)}
    for money in ("amount", "principal", "principal_due", "amount_awarded", "outstanding"):
        if money in data:
            data[money] = "1"
    data["title"] = "Sửa sau khi ban hành"
    return data


@pytest.mark.parametrize(("app", "model", "factory_cls"), LEDGER, ids=LEDGER_IDS)
def test_ledger_record_cannot_be_changed_or_deleted_in_the_admin(admin_client, app, model, factory_cls):
    obj = factory_cls()
    table = type(obj)
    before = state(table)
    change = reverse(f"admin:{app}_{model}_change", args=[obj.pk])
    page = admin_client.get(change)
    assert page.status_code == 200  # read, not written
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(change, form_data(obj)).status_code == 403
    assert admin_client.post(reverse(f"admin:{app}_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    admin_client.post(reverse(f"admin:{app}_{model}_changelist"), bulk)
    assert state(table) == before


@pytest.mark.parametrize(("app", "model", "factory_cls"), [m for m in LEDGER if m[1] != "report"], ids=LEDGER_IDS[:-1])
def test_ledger_record_cannot_be_added_in_the_admin(admin_client, app, model, factory_cls):
    obj = factory_cls()
    table = type(obj)
    before = state(table)
    add = reverse(f"admin:{app}_{model}_add")
    assert admin_client.get(add).status_code == 403
    assert admin_client.post(add, form_data(obj)).status_code == 403
    if model in IMPORTABLE:
        assert admin_client.get(reverse(f"admin:{app}_{model}_import")).status_code == 403
    assert state(table) == before


def test_ledger_changelists_offer_no_delete_action(admin_client):
    f.RepaymentFactory()
    response = admin_client.get(reverse("admin:funding_repayment_changelist"))
    assert "delete_selected" not in response.content.decode()


def test_instalment_of_a_draft_contract_is_not_changed_through_its_inline(admin_client):
    contract = f.LoanContractFactory(disbursed_on=None, state=LoanContract.State.DRAFT)
    instalment = f.InstalmentFactory(contract=contract, number=1, principal_due=200_000_000)
    before = state(Instalment)
    data = {
        "number": contract.number,
        "term_months": str(contract.term_months),
        "grace_months": str(contract.grace_months),
        "instalment_count": str(contract.instalment_count),
        "instalments-TOTAL_FORMS": "2",
        "instalments-INITIAL_FORMS": "1",
        "instalments-0-id": str(instalment.pk),
        "instalments-0-contract": str(contract.pk),
        "instalments-0-principal_due": "1",
        "instalments-1-schedule_version": "1",
        "instalments-1-number": "2",
        "instalments-1-due_date": "15/06/2025",
        "instalments-1-principal_due": "1",
    }
    for prefix in ("repayments", "lawsuits", "reschedules", "write_off", "recoveries"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    url = reverse("admin:funding_loancontract_change", args=[contract.pk])
    assert admin_client.post(url, data).status_code == 302  # the draft's own fields may change
    assert state(Instalment) == before


def test_disbursement_is_not_changed_through_the_project_inline(admin_client):
    disbursement = f.DisbursementFactory(amount=150_000_000)
    page = admin_client.get(reverse("admin:projects_project_change", args=[disbursement.project.pk]))
    assert 'name="disbursements-0-amount"' not in page.content.decode()


# --- deletes that would leave money, a contract or a đề án without what it refers to ----------


def assert_admin_refuses_delete(client, obj, message: str) -> None:
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert response.url == reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(message in text for text in shown), shown
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_facility_of_a_project_cannot_be_deleted(admin_client):
    facility = f.FacilityFactory(name="Hợp tác xã Chè Cầu Đất")
    project = f.ProjectFactory(code="DA-CHE", facilities=[facility])
    links = state(Project.facilities.through)
    with pytest.raises(ProtectedError):
        facility.delete()
    with pytest.raises(ProtectedError):
        Facility.objects.filter(pk=facility.pk).delete()
    assert_admin_refuses_delete(
        admin_client,
        facility,
        "Không xóa được cơ sở công nghiệp nông thôn “Hợp tác xã Chè Cầu Đất”: còn 1 bản ghi dựa vào nó "
        "(cơ sở thụ hưởng của đề án “Hợp tác xã Chè Cầu Đất — thụ hưởng đề án DA-CHE”)",
    )
    bulk = {"action": "delete_selected", "_selected_action": [facility.pk], "post": "yes"}
    admin_client.post(reverse("admin:projects_facility_changelist"), bulk)
    assert list(project.facilities.all()) == [facility]
    assert state(Project.facilities.through) == links


def test_project_with_a_disbursement_cannot_be_deleted(admin_client):
    disbursement = f.DisbursementFactory()
    project = disbursement.project
    with pytest.raises(ProtectedError):
        project.delete()
    assert_admin_refuses_delete(admin_client, project, f"Không xóa được đề án khuyến công “{project}”")
    assert Disbursement.objects.filter(pk=disbursement.pk, project=project).exists()


@pytest.mark.parametrize("related", ["contract", "event"])
def test_project_with_a_contract_or_event_cannot_be_deleted(related):
    project = f.ProjectFactory(support_form=SupportForm.RECOVERABLE)
    if related == "contract":
        f.LoanContractFactory(project=project, disbursed_on=None, state=LoanContract.State.DRAFT)
    else:
        f.EventFactory(project=project)
    with pytest.raises(ProtectedError):
        Project.objects.filter(pk=project.pk).delete()


def test_disbursed_contract_cannot_be_deleted_and_keeps_its_schedule(admin_client):
    contract = disbursed_contract()
    schedule = state(Instalment)
    with pytest.raises(ProtectedError):
        contract.delete()
    with pytest.raises(ProtectedError):
        LoanContract.objects.filter(pk=contract.pk).delete()
    response = admin_client.post(reverse("admin:funding_loancontract_delete", args=[contract.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert LoanContract.objects.filter(pk=contract.pk).exists()
    assert state(Instalment) == schedule


def test_draft_contract_without_a_schedule_may_be_deleted(admin_client):
    contract = f.LoanContractFactory(disbursed_on=None, state=LoanContract.State.DRAFT)
    response = admin_client.post(reverse("admin:funding_loancontract_delete", args=[contract.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not LoanContract.objects.filter(pk=contract.pk).exists()


def test_plan_programme_and_funding_in_use_cannot_be_deleted(admin_client):
    disbursement = f.DisbursementFactory(funding_source=f.FundingSourceFactory())
    plan = disbursement.project.plan
    for obj in (plan, plan.program, disbursement.funding_source, disbursement.project.funding_level):
        with pytest.raises(ProtectedError):
            obj.delete()
    assert_admin_refuses_delete(admin_client, plan, f"Không xóa được kế hoạch khuyến công năm “{plan}”")
    assert_admin_refuses_delete(admin_client, plan.program, "Không xóa được")
    assert AnnualPlan.objects.filter(pk=plan.pk).exists() and Program.objects.filter(pk=plan.program.pk).exists()
    assert FundingLevel.objects.filter(pk=disbursement.project.funding_level.pk).exists()


def test_project_with_only_beneficiaries_may_be_deleted_and_the_facility_stays():
    facility = f.FacilityFactory()
    project = f.ProjectFactory(status=Project.Status.PROPOSED, facilities=[facility])
    project.delete()
    assert Facility.objects.filter(pk=facility.pk).exists()
    assert not Project.facilities.through.objects.filter(facility=facility).exists()


# --- accounts ---------------------------------------------------------------------------------


def test_account_cannot_be_deleted_through_the_admin(admin_client):
    user = f.UserFactory(username="canbo")
    page = admin_client.get(reverse("admin:auth_user_change", args=[user.pk])).content.decode()
    assert reverse("admin:auth_user_delete", args=[user.pk]) not in page
    assert admin_client.post(reverse("admin:auth_user_delete", args=[user.pk]), {"post": "yes"}).status_code == 403
    changelist = admin_client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "delete_selected" not in changelist
    assert "Ngừng hoạt động các tài khoản đã chọn" in changelist
    admin_client.post(
        reverse("admin:auth_user_changelist"), {"action": "delete_selected", "_selected_action": [user.pk], "post": "yes"}
    )
    assert User.objects.filter(pk=user.pk).exists()


def test_deactivating_an_account_keeps_it(admin_client):
    user = f.UserFactory(username="canbo")
    response = admin_client.post(
        reverse("admin:auth_user_changelist"), {"action": "deactivate", "_selected_action": [user.pk]}, follow=True
    )
    assert "Đã ngừng hoạt động 1 tài khoản." in response.content.decode()
    user.refresh_from_db()
    assert user.is_active is False


def test_the_administrator_cannot_deactivate_their_own_account(admin_client):
    me = User.objects.get(username="quantri")
    response = admin_client.post(
        reverse("admin:auth_user_changelist"), {"action": "deactivate", "_selected_action": [me.pk]}, follow=True
    )
    assert "Không thể tự ngừng hoạt động tài khoản đang đăng nhập" in response.content.decode()
    me.refresh_from_db()
    assert me.is_active is True


def test_history_keeps_naming_who_acted_when_the_account_is_deleted_by_other_means():
    department = user_in(roles.DEPARTMENT, "phongqlcn")
    contract = f.LoanContractFactory()
    services.record_repayment(
        contract=contract, date=datetime.date(2024, 1, 15), amount=10_000_000, receipt_number="BL-01", by=department
    )
    with pytest.raises(ProtectedError):
        User.objects.filter(pk=department.pk).delete()
    with pytest.raises(ProtectedError):
        department.delete()
    row = Repayment.history.get(receipt_number="BL-01")
    assert row.history_user.username == "phongqlcn"


def test_an_account_that_never_acted_may_still_be_removed():
    user = f.UserFactory(username="nhamlan")
    User.objects.filter(pk=user.pk).delete()
    assert not User.objects.filter(pk=user.pk).exists()


def test_a_project_status_is_not_edited_in_the_admin(admin_client):
    # Found by QA: the admin moved a completed đề án with a disbursement back to "proposed",
    # past services.change_status and its allowed moves.
    disbursed = f.DisbursementFactory(project=f.ProjectFactory(status=Project.Status.COMPLETED, approved_budget=300_000_000))
    project = disbursed.project
    change = reverse("admin:projects_project_change", args=[project.pk])
    page = admin_client.get(change).content.decode()
    assert 'name="status"' not in page and 'name="status_reason"' not in page
    data = {k: v for k, v in model_to_dict(project).items() if v is not None and not isinstance(v, list)}
    data.update(status=Project.Status.PROPOSED, status_reason="hack", beneficiaries=[], _save="Lưu")
    for prefix in ("events", "disbursements"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    admin_client.post(change, data)
    project.refresh_from_db()
    assert (project.status, project.status_reason) == (Project.Status.COMPLETED, "")


@pytest.mark.parametrize(("app", "model", "factory_cls"), LEDGER, ids=LEDGER_IDS)
def test_a_ledger_record_is_not_reverted_to_an_old_version_in_the_admin(admin_client, app, model, factory_cls):
    # django-simple-history's "revert" page asked the old version (a draft, for an issued
    # report) whether it may be changed, and saved on a POST: an issued report went back to a
    # draft with another text, its snapshot still attached.
    if model == "report":  # a draft first, then issued: its first version is the draft
        obj = f.ReportFactory(section_texts={"part3": "Như đã ban hành."})
        obj.status, obj.number = Report.Status.ISSUED, "125/BC-SCT"
        obj.issued_at = datetime.datetime(2025, 3, 15, tzinfo=datetime.UTC)
        obj.save()
    else:
        obj = factory_cls()
    table = type(obj)
    before = state(table)
    version = obj.history.order_by("history_id").first()
    url = reverse(f"admin:{app}_{model}_simple_history", args=[obj.pk, version.history_id])
    page = admin_client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    data = form_data(version.instance) | {"section_texts": '{"part3": "Đã sửa"}', "paragraph_settings": "{}"}
    assert admin_client.post(url, data).status_code == 403
    assert state(table) == before
