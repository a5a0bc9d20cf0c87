"""A contract as the clerk drafts it: the principal pre-filled from what the đề án may still
lend, the schedule as a table (any amounts, checked row by row by the one service check), the
draft editable until it is disbursed, every change in its history."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from funding import services
from funding.forms import SCHEDULE_AMOUNT, SCHEDULE_DUE
from funding.models import Instalment, LoanContract
from projects.models import SupportForm
from tests import factories as f

pytest_plugins = ["tests.screens_helpers"]

pytestmark = pytest.mark.django_db

D = datetime.date
TERMS = {
    "number": "07/2025/HĐ-KC", "signed_on": "05/03/2025", "principal": "200.000.000",
    "term_months": "24", "grace_months": "0", "instalment_count": "3",
}  # fmt: skip


@pytest.fixture
def recoverable():
    facility = f.FacilityFactory(name="Hợp tác xã Chè Cầu Đất")
    return f.ProjectFactory(
        support_form=SupportForm.RECOVERABLE, approved_budget=300_000_000, planned_budget=300_000_000, facilities=[facility]
    )


def post(rows: list[tuple[str, str]], **terms) -> dict:
    return {**TERMS, **terms, SCHEDULE_DUE: [d for d, _ in rows], SCHEDULE_AMOUNT: [a for _, a in rows]}


UNEVEN = [("30/06/2025", "50.000.000"), ("31/12/2025", "70.000.000"), ("", ""), ("30/06/2026", "80.000.000")]


def test_the_principal_starts_at_what_the_project_may_still_lend(entry_client, recoverable, department):
    create = reverse("funding:contract-create", args=[recoverable.pk])
    form = entry_client.get(create).context["form"]
    assert form.initial["principal"] == 300_000_000
    services.create_contract(
        project=recoverable, facility=recoverable.facilities.get(), number="01", signed_on=D(2025, 1, 2),
        principal=120_000_000, term_months=12, grace_months=0, instalment_count=2, by=department,
    )
    page = entry_client.get(create)
    assert page.context["form"].initial["principal"] == 180_000_000
    assert 'value="180.000.000"' in page.content.decode()


def test_an_uneven_schedule_typed_in_the_table_is_saved_as_the_planned_schedule(entry_client, recoverable):
    facility = recoverable.facilities.get()
    response = entry_client.post(
        reverse("funding:contract-create", args=[recoverable.pk]), post(UNEVEN, facility=facility.pk)
    )
    contract = LoanContract.objects.get(number="07/2025/HĐ-KC")
    assert response["Location"] == reverse("funding:contract-detail", args=[contract.pk])
    rows = list(contract.instalments.values_list("number", "due_date", "principal_due"))
    assert rows == [(1, D(2025, 6, 30), 50_000_000), (2, D(2025, 12, 31), 70_000_000), (3, D(2026, 6, 30), 80_000_000)]
    assert contract.state == LoanContract.State.DRAFT
    # Disbursed later: the planned schedule stays, as version 1.
    services.disburse_contract(contract=contract, date=D(2025, 3, 20), by=f.UserFactory(is_superuser=True))
    assert list(contract.instalments.values_list("principal_due", flat=True)) == [50_000_000, 70_000_000, 80_000_000]


@pytest.mark.parametrize(
    ("rows", "row_message"),
    [
        ([("30/06/2025", "50.000.000"), ("31/13/2025", "150.000.000")], "Ngày “31/13/2025” không hợp lệ"),
        ([("30/06/2025", "50.000.000"), ("31/12/2025", "150.000.000,5")], "không có phần lẻ"),
        ([("31/12/2025", "50.000.000"), ("30/06/2025", "150.000.000")], "phải sau ngày đến hạn của kỳ trước"),
        ([("30/06/2025", "50.000.000"), ("31/12/2027", "150.000.000")], "quá thời hạn hợp đồng (đến 05/03/2027)"),
        ([("01/03/2025", "50.000.000"), ("31/12/2025", "150.000.000")], "phải sau ngày 05/03/2025"),
    ],
)
def test_a_bad_row_is_named_beside_it_and_nothing_is_stored(entry_client, recoverable, rows, row_message):
    response = entry_client.post(
        reverse("funding:contract-create", args=[recoverable.pk]), post(rows, facility=recoverable.facilities.get().pk)
    )
    assert response.status_code == 400
    errors = [e for row in response.context["form"].rows for e in row.errors]
    assert any(row_message in e for e in errors), errors
    assert not LoanContract.objects.exists() and not Instalment.objects.exists()


def test_a_schedule_that_does_not_add_up_says_by_how_much(entry_client, recoverable):
    rows = [("30/06/2025", "50.000.000"), ("31/12/2025", "100.000.000")]
    response = entry_client.post(
        reverse("funding:contract-create", args=[recoverable.pk]), post(rows, facility=recoverable.facilities.get().pk)
    )
    assert response.status_code == 400
    assert "tổng các kỳ (150.000.000 đồng) phải bằng 200.000.000 đồng" in response.content.decode()
    assert not LoanContract.objects.exists()


def test_the_equal_button_fills_the_table_from_the_rule_and_saves_nothing(entry_client, recoverable):
    response = entry_client.post(
        reverse("funding:contract-create", args=[recoverable.pk]),
        {**post([]), "facility": recoverable.facilities.get().pk, "chia_deu": "1"},
    )
    assert response.status_code == 200
    filled = [(r.due, r.amount) for r in response.context["form"].rows if not r.blank]
    assert filled == [("05/11/2025", "66.666.666"), ("05/07/2026", "66.666.666"), ("05/03/2027", "66.666.668")]
    assert not LoanContract.objects.exists()
    uneven = entry_client.post(
        reverse("funding:contract-create", args=[recoverable.pk]),
        {**post([], instalment_count="5"), "facility": recoverable.facilities.get().pk, "chia_deu": "1"},
    )
    assert "không chia hết cho số kỳ trả (5)" in uneven.content.decode()


@pytest.fixture
def draft(entry_client, recoverable) -> LoanContract:
    create = reverse("funding:contract-create", args=[recoverable.pk])
    entry_client.post(create, post(UNEVEN, facility=recoverable.facilities.get().pk))
    return LoanContract.objects.get()


def test_a_draft_is_edited_and_every_change_is_in_its_history(entry_client, draft, data_entry):
    edit = reverse("funding:contract-edit", args=[draft.pk])
    detail = entry_client.get(reverse("funding:contract-detail", args=[draft.pk])).content.decode()
    assert f'href="{edit}"' in detail
    form = entry_client.get(edit).context["form"]
    assert [(r.due, r.amount) for r in form.rows if not r.blank] == [
        ("30/06/2025", "50.000.000"), ("31/12/2025", "70.000.000"), ("30/06/2026", "80.000.000")
    ]
    rows = [
        ("30/06/2025", "50.000.000"), ("31/12/2025", "50.000.000"), ("30/06/2026", "50.000.000"), ("31/12/2026", "100.000.000")
    ]
    response = entry_client.post(edit, post(rows, principal="250.000.000", facility=draft.facility_id))
    assert response["Location"] == reverse("funding:contract-detail", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.principal == 250_000_000
    assert list(draft.instalments.values_list("principal_due", flat=True)) == [50_000_000, 50_000_000, 50_000_000, 100_000_000]
    assert draft.history.first().history_user == data_entry
    assert draft.history.first().history_change_reason == "Sửa hợp đồng dự thảo"
    # Only the rows that changed got a history row: kỳ 1 was kept as it was.
    assert Instalment.history.filter(number=1).count() == 1
    history = entry_client.get(reverse("funding:contract-history", args=[draft.pk])).content.decode()
    assert "Sửa lịch trả dự kiến" in history and "250.000.000" in history


def test_the_edit_respects_the_budget_counting_the_other_contracts_only(entry_client, draft):
    edit = reverse("funding:contract-edit", args=[draft.pk])
    too_much = entry_client.post(edit, post([], principal="300.000.001", facility=draft.facility_id))
    assert too_much.status_code == 400
    assert "vượt kinh phí của đề án (300.000.000 đồng)" in too_much.content.decode()
    ok = entry_client.post(edit, post([], principal="300.000.000", facility=draft.facility_id))
    assert ok.status_code == 302
    draft.refresh_from_db()
    assert draft.principal == 300_000_000 and not draft.instalments.exists()  # empty table: equal at disbursement


def test_a_disbursed_contract_is_no_longer_editable_on_any_path(entry_client, draft, data_entry):
    services.disburse_contract(contract=draft, date=D(2025, 3, 20), by=data_entry)
    edit = reverse("funding:contract-edit", args=[draft.pk])
    detail = entry_client.get(reverse("funding:contract-detail", args=[draft.pk])).content.decode()
    assert f'href="{edit}"' not in detail
    refused = entry_client.post(edit, post([], principal="100.000.000", facility=draft.facility_id), follow=True)
    assert "đã giải ngân ngày 20/03/2025: không sửa được số tiền" in refused.content.decode()
    draft.refresh_from_db()
    assert draft.principal == 200_000_000
    # The service, called directly, refuses with the same words.
    with pytest.raises(Exception, match="không sửa được số tiền"):
        services.update_contract(
            contract=draft, facility=draft.facility, number=draft.number, signed_on=draft.signed_on, principal=1,
            term_months=24, grace_months=0, instalment_count=3, by=data_entry,
        )
    # The admin: a disbursed contract is read only.
    request = RequestFactory().get("/")
    request.user = f.SuperuserFactory()
    assert not site._registry[LoanContract].has_change_permission(request, draft)


def test_a_planned_schedule_that_no_longer_fits_the_disbursement_day_is_refused(entry_client, draft):
    response = entry_client.post(
        reverse("funding:contract-disburse", args=[draft.pk]), {"disburse-date": "01/07/2025"}
    )
    assert response.status_code == 400
    assert "Lịch trả dự kiến của hợp đồng không hợp với ngày giải ngân này" in response.content.decode()
    draft.refresh_from_db()
    assert draft.is_draft


def test_a_drafts_planned_schedule_is_nobodys_debt(entry_client, draft):
    """Dates planned on a draft pass without the money being out: nothing is due or late."""
    from funding.loans import allocate, contract_statuses, overdue_contracts

    later = D(2026, 11, 1)  # every planned date is past
    status = contract_statuses([draft], as_of=later)[0]
    assert (status.principal_due, status.overdue, status.days_past_due) == (0, 0, 0)
    assert overdue_contracts(as_of=later) == []
    assert [a.days_late for a in allocate(draft, as_of=later)] == [0, 0, 0]
    page = entry_client.get(reverse("funding:contract-detail", args=[draft.pk]) + "?ngay=01/11/2026").content.decode()
    assert "Lịch trả dự kiến (chưa giải ngân)" in page


def test_an_edit_of_the_schedule_alone_writes_no_empty_contract_row(entry_client, draft):
    before = draft.history.count()
    rows = [("30/06/2025", "50.000.000"), ("31/12/2025", "60.000.000"), ("30/06/2026", "90.000.000")]
    response = entry_client.post(reverse("funding:contract-edit", args=[draft.pk]), post(rows, facility=draft.facility_id))
    assert response.status_code == 302
    assert draft.history.count() == before
    assert list(draft.instalments.values_list("principal_due", flat=True)) == [50_000_000, 60_000_000, 90_000_000]


def _with_principal(data: bytes, number: str, principal: int) -> bytes:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    sheet = book["HopDong"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("Số hợp đồng")].value == number:
            row[header.index("Số tiền hỗ trợ")].value = principal
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_workbook_import_asks_the_same_rule(department, data_entry):
    from khuyencong.workbook import export_workbook, import_workbook

    facility = f.FacilityFactory()
    project = f.ProjectFactory(support_form=SupportForm.RECOVERABLE, facilities=[facility])
    paid = f.LoanContractFactory(project=project, facility=facility, number="HĐ-01", principal=100_000_000)
    draft = f.LoanContractFactory(
        project=project, facility=facility, number="HĐ-02", principal=100_000_000, disbursed_on=None,
        state=LoanContract.State.DRAFT,
    )
    data = export_workbook()
    assert import_workbook(_with_principal(data, "HĐ-02", 90_000_000), user=data_entry).applied
    draft.refresh_from_db()
    assert draft.principal == 90_000_000
    result = import_workbook(_with_principal(data, "HĐ-01", 90_000_000), user=data_entry)
    assert not result.applied
    assert any(paid.edit_refusal() == p.message for p in result.problems), [p.message for p in result.problems]
    paid.refresh_from_db()
    assert paid.principal == 100_000_000
