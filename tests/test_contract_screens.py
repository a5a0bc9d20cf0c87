"""The recoverable-contract screens (funding.views): who may open and do what, each screen's
happy path, the actions' refusals (the service's Vietnamese message, nothing stored), the
query counts of the lists and the portfolio, and the Excel exports."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from funding import services
from funding.models import Disbursement, Hearing, Instalment, Lawsuit, LoanContract, Recovery, Repayment, Reschedule, WriteOff
from projects.models import SupportForm
from tests import factories as f
from tests.list_reading import read_list
from tests.test_loans import D, disbursed_contract, make_contract
from tests.test_screens import project_post

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

pytestmark = pytest.mark.django_db

UNKNOWN = 987654
AS_OF = "15/03/2025"
State = LoanContract.State


@pytest.fixture
def objects(department):
    """A contract of 40 triệu in four instalments of 10 triệu due 10/02–10/05/2022, one paid,
    one reversed; and a second one, sued, with a hearing."""
    facility = f.FacilityFactory(name="Công ty TNHH Nam Ban Silk", tax_code="0312345678")
    contract = disbursed_contract(department, facility=facility)
    services.record_repayment(contract=contract, date=D(2022, 2, 10), amount=10_000_000, receipt_number="BL-01", by=department)
    wrong = services.record_repayment(
        contract=contract, date=D(2022, 3, 1), amount=5_000_000, receipt_number="BL-02", by=department
    )
    services.reverse_repayment(repayment=wrong, date=D(2022, 3, 2), reason="Ghi nhầm hợp đồng", by=department)
    sued = disbursed_contract(department, year=2021)
    lawsuit = services.file_lawsuit(contract=sued, filed_on=D(2022, 6, 1), court="Tòa án nhân dân huyện Lâm Hà", by=department)
    services.add_hearing(lawsuit=lawsuit, date=D(2022, 7, 1), note="Phiên hòa giải", by=department)
    for obj in (contract, sued):
        obj.refresh_from_db()
    return {"contract": contract, "sued": sued, "lawsuit": lawsuit, "repayment": wrong, "project": contract.project}


# (url name, object key for the URL or None, who may: view / edit / department, methods allowed)
VIEWS = [
    ("funding:contract-list", None, "view", {"GET"}),
    ("funding:contract-export", None, "view", {"GET"}),
    ("funding:due-list", None, "view", {"GET"}),
    ("funding:due-export", None, "view", {"GET"}),
    ("funding:overdue-list", None, "view", {"GET"}),
    ("funding:overdue-export", None, "view", {"GET"}),
    ("funding:portfolio", None, "view", {"GET"}),
    ("funding:contract-create", "project", "edit", {"GET", "POST"}),
    ("funding:contract-detail", "contract", "view", {"GET"}),
    ("funding:contract-disburse", "contract", "edit", {"POST"}),
    ("funding:contract-history", "contract", "view", {"GET"}),
    ("funding:repayment-create", "contract", "edit", {"POST"}),
    ("funding:repayment-reverse", "contract", "edit", {"POST"}),
    ("funding:lawsuit-create", "contract", "edit", {"POST"}),
    ("funding:recovery-create", "contract", "edit", {"POST"}),
    ("funding:hearing-create", "lawsuit", "edit", {"POST"}),
    ("funding:lawsuit-judgment", "lawsuit", "edit", {"POST"}),
    ("funding:lawsuit-close", "lawsuit", "edit", {"POST"}),
    ("funding:write-off", "contract", "department", {"POST"}),
    ("funding:reschedule", "contract", "department", {"POST"}),
]


def url_of(name: str, key: str | None, objects: dict, pk: int | None = None) -> str:
    if key is None:
        return reverse(name)
    return reverse(name, args=[pk if pk is not None else objects[key].pk])


def call(client, method: str, url: str):
    return client.get(url) if method == "GET" else client.post(url, {})


def counts() -> tuple:
    return (
        Repayment.objects.count(), Lawsuit.objects.count(), Hearing.objects.count(), WriteOff.objects.count(),
        Recovery.objects.count(), Reschedule.objects.count(), Instalment.objects.count(),
        list(LoanContract.objects.order_by("pk").values_list("state", flat=True)),
        Lawsuit.objects.filter(status=Lawsuit.Status.PENDING).count(),
    )  # fmt: skip


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, key, rule, methods", VIEWS)
def test_anonymous_users_are_sent_to_sign_in(client, objects, name, key, rule, methods):
    url = url_of(name, key, objects)
    for method in ("GET", "POST"):
        response = call(client, method, url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("name, key, rule, methods", [v for v in VIEWS if v[2] != "view"])
def test_viewer_gets_403_on_every_action_and_nothing_changes(viewer_client, objects, name, key, rule, methods):
    before = counts()
    response = viewer_client.post(url_of(name, key, objects), {"repay-date": "01/03/2022", "repay-amount": "1000"})
    assert response.status_code == 403
    assert "Không có quyền" in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize("name", ["funding:write-off", "funding:reschedule"])
def test_data_entry_cannot_write_off_or_reschedule(entry_client, objects, name):
    before = counts()
    data = {"writeoff-date": "01/06/2022", "writeoff-reason": "Giải thể", "reschedule-date": "01/06/2022",
            "reschedule-instalments": "01/07/2022 25.000.000", "reschedule-reason": "Thiên tai"}
    response = entry_client.post(reverse(name, args=[objects["contract"].pk]), data)
    assert response.status_code == 403
    assert counts() == before


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
    response = department_client.delete(url) if wrong is None else call(department_client, wrong, url)
    assert response.status_code == 405


@pytest.mark.parametrize("name, key, rule, methods", [v for v in VIEWS if "GET" in v[3] and v[2] == "view"])
def test_every_page_opens_for_a_viewer(viewer_client, objects, name, key, rule, methods):
    response = viewer_client.get(url_of(name, key, objects), {"ngay": AS_OF})
    assert response.status_code == 200


def test_the_main_navigation_links_to_the_contracts(viewer_client, objects):
    html = viewer_client.get(reverse("home")).content.decode()
    assert f'href="{reverse("funding:contract-list")}"' in html


# --- the contract page ---------------------------------------------------------------------------


def test_contract_page_shows_the_ledger_the_reversal_the_lawsuit_and_the_history(viewer_client, objects):
    contract = objects["contract"]
    response = viewer_client.get(reverse("funding:contract-detail", args=[contract.pk]), {"ngay": "15/03/2022"})
    html = response.content.decode()
    assert "Hợp đồng " + contract.number in html
    ledger = response.context["ledger"]
    # 10/02 paid on the day; 10/03 unpaid, 5 days late on 15/03 (the 5 triệu was reversed).
    assert [(a.number, a.paid, a.paid_on, a.days_late) for a in ledger[:2]] == [
        (1, 10_000_000, D(2022, 2, 10), 0), (2, 0, None, 5),
    ]  # fmt: skip
    assert response.context["status"].overdue == 10_000_000
    assert "bút toán đảo" in html and "đã bị đảo" in html
    assert "Ghi nhầm hợp đồng" in html  # the reversal's reason, in the history
    assert "10/02/2022" in html
    # A viewer sees no action.
    assert response.context["forms"] == {}
    assert 'method="post"' not in html.split("</header>", 1)[1].replace('action="/dang-xuat/"', "")

    sued = viewer_client.get(reverse("funding:contract-detail", args=[objects["sued"].pk]))
    html = sued.content.decode()
    assert "Tòa án nhân dân huyện Lâm Hà" in html and "Phiên hòa giải" in html and "Đang khởi kiện" in html


def test_data_entry_sees_the_record_actions_but_not_the_write_off(login, data_entry, department, objects):
    url = reverse("funding:contract-detail", args=[objects["contract"].pk])
    forms = login(data_entry).get(url).context["forms"]
    assert {"repayment", "reversal", "lawsuit"} <= set(forms) and "write_off" not in forms and "reschedule" not in forms
    forms = login(department).get(url).context["forms"]
    assert {"repayment", "reversal", "lawsuit", "write_off", "reschedule"} <= set(forms)
    sued = login(data_entry).get(reverse("funding:contract-detail", args=[objects["sued"].pk])).context
    assert "lawsuit" not in sued["forms"]  # one open lawsuit at a time
    assert set(sued["lawsuits"][0].forms) == {"hearing", "judgment", "close"}


def test_contract_history_page_names_who_changed_what(viewer_client, objects):
    response = viewer_client.get(reverse("funding:contract-history", args=[objects["contract"].pk]))
    html = response.content.decode()
    assert "chuyenvien" in html and "Ghi nhận trả nợ" in html and "BL-01" in html


# --- the actions -----------------------------------------------------------------------------


def test_a_repayment_is_recorded_from_the_form(entry_client, objects):
    contract = objects["contract"]
    url = reverse("funding:repayment-create", args=[contract.pk])
    response = entry_client.post(
        url + "?ngay=15/03/2025", {"repay-date": "10/03/2022", "repay-amount": "10.000.000", "repay-receipt_number": "BL-03"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("funding:contract-detail", args=[contract.pk]) + "?ngay=15%2F03%2F2025"
    repayment = Repayment.objects.get(contract=contract, receipt_number="BL-03")
    assert (repayment.amount, repayment.date) == (10_000_000, D(2022, 3, 10))
    assert repayment.history.first().history_user.username == "nhaplieu"
    page = entry_client.get(response["Location"]).content.decode()
    assert "Đã ghi nhận khoản trả nợ BL-03: 10.000.000 đồng." in page


def test_the_action_forms_start_on_the_day_the_page_is_looked_at_never_a_day_to_come(entry_client, objects):
    url = reverse("funding:contract-detail", args=[objects["contract"].pk])
    forms = entry_client.get(url, {"ngay": "15/03/2022"}).context["forms"]
    assert forms["repayment"]["date"].value() == D(2022, 3, 15)
    assert forms["lawsuit"]["filed_on"].value() == D(2022, 3, 15)
    later = entry_client.get(url, {"ngay": "01/01/2099"}).context["forms"]
    assert later["repayment"]["date"].value() == datetime.date.today()


def test_a_repayment_above_the_outstanding_principal_shows_the_services_message_and_stores_nothing(entry_client, objects):
    contract = objects["contract"]
    before = counts()
    response = entry_client.post(
        reverse("funding:repayment-create", args=[contract.pk]),
        {"repay-date": "10/03/2022", "repay-amount": "30.000.001", "repay-receipt_number": "BL-09"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Số tiền trả (30.000.001 đồng) vượt dư nợ còn lại của hợp đồng (30.000.000 đồng)." in html
    assert 'value="30.000.001"' in html  # the form comes back as typed, open
    assert counts() == before


def test_a_badly_typed_repayment_is_refused_by_the_form(entry_client, objects):
    before = counts()
    response = entry_client.post(
        reverse("funding:repayment-create", args=[objects["contract"].pk]),
        {"repay-date": "2022-13-40", "repay-amount": "10,5", "repay-receipt_number": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ngày không hợp lệ" in html and "không dùng dấu phẩy" in html
    assert counts() == before


def test_a_repayment_is_reversed_with_a_reason(entry_client, objects):
    contract = objects["contract"]
    first = Repayment.objects.get(contract=contract, receipt_number="BL-01")
    response = entry_client.post(
        reverse("funding:repayment-reverse", args=[contract.pk]),
        {"reverse-repayment": first.pk, "reverse-date": "11/02/2022", "reverse-reason": "Biên lai trùng"},
    )
    assert response.status_code == 302
    reversal = Repayment.objects.get(reversal_of=first)
    assert reversal.amount == 10_000_000 and reversal.receipt_number == "ĐẢO-BL-01"
    # A reversal already reversed is no longer offered.
    response = entry_client.post(
        reverse("funding:repayment-reverse", args=[contract.pk]),
        {"reverse-repayment": first.pk, "reverse-date": "11/02/2022", "reverse-reason": "Lần nữa"},
    )
    assert response.status_code == 400
    assert Repayment.objects.filter(reversal_of=first).count() == 1


def test_the_reversal_refused_by_the_service_changes_nothing(entry_client, objects):
    contract = objects["contract"]
    first = Repayment.objects.get(contract=contract, receipt_number="BL-01")
    before = counts()
    response = entry_client.post(
        reverse("funding:repayment-reverse", args=[contract.pk]),
        {"reverse-repayment": first.pk, "reverse-date": "01/02/2022", "reverse-reason": "Sai"},
    )
    assert response.status_code == 400
    assert "Ngày đảo không được trước ngày của khoản trả nợ (10/02/2022)." in response.content.decode()
    assert counts() == before


def test_a_lawsuit_is_filed_heard_judged_and_closed(entry_client, objects):
    contract = objects["contract"]
    response = entry_client.post(
        reverse("funding:lawsuit-create", args=[contract.pk]),
        {"sue-filed_on": "01/06/2022", "sue-court": "Tòa án nhân dân TP Đà Lạt", "sue-case_number": "12/2022/TLST"},
    )
    assert response.status_code == 302
    lawsuit = Lawsuit.objects.get(contract=contract)
    contract.refresh_from_db()
    assert contract.state == State.LITIGATION
    p = f"hearing-{lawsuit.pk}"
    assert entry_client.post(
        reverse("funding:hearing-create", args=[lawsuit.pk]), {f"{p}-date": "01/07/2022", f"{p}-note": "Hòa giải"}
    ).status_code == 302
    p = f"judgment-{lawsuit.pk}"
    response = entry_client.post(
        reverse("funding:lawsuit-judgment", args=[lawsuit.pk]),
        {f"{p}-judgment_date": "01/08/2022", f"{p}-judgment_number": "05/2022/KDTM-ST",
         f"{p}-amount_awarded": "30.000.000", f"{p}-enforcing": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    lawsuit.refresh_from_db()
    assert (lawsuit.status, lawsuit.amount_awarded, lawsuit.hearings.count()) == (Lawsuit.Status.ENFORCING, 30_000_000, 1)
    p = f"close-{lawsuit.pk}"
    response = entry_client.post(reverse("funding:lawsuit-close", args=[lawsuit.pk]), {f"{p}-closed_on": "01/05/2022"})
    assert response.status_code == 400  # before the filing date: the service's message
    assert "Ngày kết thúc không được trước ngày khởi kiện (01/06/2022)." in response.content.decode()
    response = entry_client.post(reverse("funding:lawsuit-close", args=[lawsuit.pk]), {f"{p}-closed_on": "01/09/2022"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.state == State.ACTIVE
    html = entry_client.get(reverse("funding:contract-detail", args=[contract.pk])).content.decode()
    assert "05/2022/KDTM-ST" in html and "30.000.000 đồng" in html and "Đã kết thúc" in html


def test_a_second_open_lawsuit_is_refused(entry_client, objects):
    before = counts()
    response = entry_client.post(
        reverse("funding:lawsuit-create", args=[objects["sued"].pk]),
        {"sue-filed_on": "01/08/2022", "sue-court": "Tòa án khác"},
    )
    assert response.status_code == 400
    assert "Hợp đồng đang có vụ khởi kiện chưa kết thúc." in response.content.decode()
    assert counts() == before


def test_department_writes_off_and_data_entry_records_a_recovery(login, data_entry, department, objects):
    contract = objects["contract"]
    response = login(department).post(
        reverse("funding:write-off", args=[contract.pk]),
        {"writeoff-date": "01/06/2022", "writeoff-reason": "Cơ sở giải thể", "writeoff-decision_number": "15/QĐ-SCT"},
    )
    assert response.status_code == 400  # not confirmed: nothing written off
    assert "Hãy đánh dấu xác nhận trước khi xóa nợ." in response.content.decode()
    assert not WriteOff.objects.exists()
    response = login(department).post(
        reverse("funding:write-off", args=[contract.pk]),
        {"writeoff-date": "01/06/2022", "writeoff-reason": "Cơ sở giải thể", "writeoff-decision_number": "15/QĐ-SCT",
         "writeoff-confirm": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    written = WriteOff.objects.get(contract=contract)
    assert (written.amount, written.by.username) == (30_000_000, "chuyenvien")
    entry = login(data_entry)
    # Over the amount written off: refused, nothing stored.
    response = entry.post(
        reverse("funding:recovery-create", args=[contract.pk]),
        {"recover-date": "01/07/2022", "recover-amount": "30.000.001", "recover-receipt_number": "TH-1"},
    )
    assert response.status_code == 400
    assert "không được vượt số tiền đã xóa nợ (30.000.000 đồng)" in response.content.decode()
    assert not Recovery.objects.exists()
    response = entry.post(
        reverse("funding:recovery-create", args=[contract.pk]),
        {"recover-date": "01/07/2022", "recover-amount": "4.000.000", "recover-receipt_number": "TH-1"},
    )
    assert response.status_code == 302
    assert Recovery.objects.get(contract=contract).amount == 4_000_000
    page = entry.get(reverse("funding:contract-detail", args=[contract.pk]))
    assert "repayment" not in page.context["forms"] and "recovery" in page.context["forms"]


def test_department_reschedules_from_lines_and_the_old_version_stays_readable(department_client, objects):
    contract = objects["contract"]
    response = department_client.post(
        reverse("funding:reschedule", args=[contract.pk]),
        {"reschedule-date": "05/03/2022", "reschedule-reason": "Thiên tai",
         "reschedule-instalments": "30/06/2022 15.000.000\n31/12/2022 15.000.000\n"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    assert Reschedule.objects.get(contract=contract).version == 2
    page = department_client.get(reverse("funding:contract-detail", args=[contract.pk]), {"ngay": "15/03/2022"})
    assert page.context["status"].schedule_version == 2
    assert [v["version"] for v in page.context["other_versions"]] == [1]
    assert "Lịch trả phiên bản 1" in page.content.decode()


def test_a_reschedule_that_does_not_sum_or_parse_is_refused(department_client, objects):
    contract = objects["contract"]
    url = reverse("funding:reschedule", args=[contract.pk])
    before = counts()
    response = department_client.post(
        url, {"reschedule-date": "05/03/2022", "reschedule-reason": "Thiên tai",
              "reschedule-instalments": "30/06/2022 10.000.000"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "phải bằng 30.000.000 đồng" in response.content.decode()
    response = department_client.post(
        url, {"reschedule-date": "05/03/2022", "reschedule-reason": "Thiên tai", "reschedule-instalments": "30/6 abc"}
    )
    assert response.status_code == 400
    assert "Dòng 1: ngày “30/6” không hợp lệ" in response.content.decode()
    assert counts() == before


# --- the lists, the portfolio, the exports -------------------------------------------------------


def test_contract_list_filters_and_searches_without_accents(viewer_client, objects):
    url = reverse("funding:contract-list")
    contract, sued = objects["contract"], objects["sued"]

    def numbers(**params) -> list[str]:
        response = viewer_client.get(url, {"ngay": "15/03/2022", **params})
        assert response.status_code == 200
        return [c.number for c, _ in response.context["rows"]]

    assert sorted(numbers()) == sorted([contract.number, sued.number])
    assert numbers(q="nam ban silk") == [contract.number]
    assert numbers(q="0312345678") == [contract.number]
    assert numbers(q=sued.number) == [sued.number]
    assert numbers(state=State.LITIGATION) == [sued.number]
    assert numbers(year=2021) == [sued.number]
    assert numbers(facility=contract.facility_id) == [contract.number]
    # On 15/03/2022 the first is 5 days late (1–30); the sued one's days stopped? No: its
    # lawsuit is filed later, so it is 33 days late on its February instalment.
    assert numbers(bucket="1-30") == [contract.number]
    assert numbers(bucket="31-90") == [sued.number]
    assert numbers(bucket="tren-360") == []
    assert sorted(numbers(bucket="qua-han")) == sorted([contract.number, sued.number])
    assert numbers(bucket="qua-han", sap_xep="-so-ngay") == [sued.number, contract.number]
    html = viewer_client.get(url, {"ngay": "15/03/2022"}).content.decode()
    assert "31–90 ngày" in html and "10.000.000" in html


def test_contract_list_paginates(viewer_client, department):
    for _ in range(51):
        make_contract()
    response = viewer_client.get(reverse("funding:contract-list"), {"page": 2})
    assert response.context["page"].paginator.count == 51
    assert len(response.context["rows"]) == 1


def test_contract_export_has_numbers_as_numbers_and_text_as_text(viewer_client, objects):
    response = viewer_client.get(reverse("funding:contract-export"), {"q": "nam ban", "ngay": "15/03/2022"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "hop-dong-thu-hoi-15-03-2022.xlsx" in response["Content-Disposition"]
    _, header, rows, _ = read_list(response.content)
    assert len(rows) == 1
    assert header[:3] == ["Số hợp đồng", "Cơ sở", "Mã số thuế"]
    values = rows[0]
    assert values["Số hợp đồng"] == objects["contract"].number
    assert values["Mã số thuế"] == "0312345678"  # text: the leading zero stays
    assert values["Số tiền hỗ trợ"] == 40_000_000 and isinstance(values["Số tiền hỗ trợ"], int)
    assert (values["Đã trả"], values["Dư nợ"], values["Nợ quá hạn"], values["Số ngày quá hạn"]) == (
        10_000_000, 30_000_000, 10_000_000, 5,
    )  # fmt: skip
    assert values["Nhóm tuổi nợ (ngày)"] == "1–30"
    assert values["Ngày ký"] == datetime.datetime(2022, 1, 5)
    assert values["Tình trạng"] == "Đang thu hồi"


def test_due_and_overdue_lists_and_their_exports(viewer_client, objects):
    due = viewer_client.get(reverse("funding:due-list"), {"ngay": "01/03/2022"})
    assert [(r.contract_number, r.due_date) for r in due.context["rows"]] == sorted(
        [(objects["contract"].number, D(2022, 3, 10)), (objects["sued"].number, D(2022, 3, 10))]
    )
    assert "10/03/2022" in due.content.decode()
    overdue = viewer_client.get(reverse("funding:overdue-list"), {"ngay": "15/03/2022"})
    assert [r.contract_number for r in overdue.context["rows"]] == [objects["sued"].number, objects["contract"].number]
    _, _, rows, _ = read_list(viewer_client.get(reverse("funding:overdue-export"), {"ngay": "15/03/2022"}).content)
    assert rows[0]["Số hợp đồng"] == objects["sued"].number
    assert rows[0]["Nợ quá hạn"] == 20_000_000  # overdue: two instalments of the sued one
    _, _, rows, _ = read_list(viewer_client.get(reverse("funding:due-export"), {"ngay": "01/03/2022"}).content)
    # On 01/03 the 5 triệu paid that day still counts (its reversal is dated 02/03).
    assert len(rows) == 2 and rows[0]["Còn phải trả"] == 5_000_000


def test_an_invalid_date_falls_back_to_today_with_a_message(viewer_client, objects):
    response = viewer_client.get(reverse("funding:portfolio"), {"ngay": "31/02/2025"})
    assert response.status_code == 200
    assert "Ngày “31/02/2025” không hợp lệ" in response.content.decode()


def test_portfolio_shows_the_figures_overall_and_per_year(viewer_client, objects):
    response = viewer_client.get(reverse("funding:portfolio"), {"ngay": "15/03/2022"})
    total = response.context["total"]
    assert (total.contracts, total.lent, total.repaid, total.outstanding) == (2, 80_000_000, 10_000_000, 70_000_000)
    assert [y["year"] for y in response.context["years"]] == [2021, 2022]
    html = response.content.decode()
    # PAR30: the sued contract (40 triệu, 33 days) over 70 triệu.
    assert "57,1%" in html
    assert "0/2 cơ sở" in html


# --- query counts --------------------------------------------------------------------------------


def make_contracts(n: int, by) -> None:
    for i in range(n):
        contract = disbursed_contract(by, year=2021 + i % 3)
        services.record_repayment(contract=contract, date=D(2022, 2, 10), amount=10_000_000, receipt_number=f"BL-{i}", by=by)
        if i % 5 == 0:
            services.file_lawsuit(contract=contract, filed_on=D(2022, 4, 1), court="Tòa án", by=by)


# session, user, savepoint + release (atomic request); the plan years of the year filter; the
# page count, the page of contracts with facility, đề án and plan; contract_statuses' six
# (instalments, reschedules, repayments, lawsuits, write-offs, recoveries) for that page only;
# the user's groups (the navigation asks roles.can_edit_records). The facility filter is a
# search picker: no choices to read (the chosen facility, when there is one, is one more).
# Remembering the list's filters (khuyencong.core.lists.remember_filters) when they change:
# savepoint, the session's update, release.
REMEMBER_QUERIES = 3
# On a day before the debt summaries were worked out (they are worked out today), the page's
# statuses come from the ledgers after one query finding no summary that holds. The data
# version the list is cached under is read first ({% datacache %}).
CONTRACT_LIST_QUERIES = 16 + REMEMBER_QUERIES
# The same without the count and the page, plus whether the summaries hold (they do not) and
# every filtered contract in one query: the bucket filter needs every status before paginating.
CONTRACT_LIST_BY_BUCKET_QUERIES = 16 + REMEMBER_QUERIES


@pytest.mark.parametrize("rows", [1, 30])
def test_contract_list_query_count_does_not_grow(login, department, viewer, django_assert_num_queries, rows):
    make_contracts(rows, department)
    client = login(viewer)
    with django_assert_num_queries(CONTRACT_LIST_QUERIES):
        response = client.get(reverse("funding:contract-list"), {"q": "co so", "ngay": AS_OF})
    assert response.context["page"].paginator.count == rows
    with django_assert_num_queries(CONTRACT_LIST_BY_BUCKET_QUERIES):
        response = client.get(reverse("funding:contract-list"), {"bucket": "qua-han", "sap_xep": "-so-ngay", "ngay": AS_OF})
    assert response.context["page"].paginator.count == rows


# session, user, savepoint + release; the data version the portfolio is cached under
# (khuyencong.core.dataversion; the tests' cache keeps nothing); portfolio_summary's seven (the contracts with facility,
# đề án and plan; then the six of contract_statuses); the user's groups (the navigation).
# On a day before the debt summaries were worked out, whether they hold (one) and the summaries
# of the contracts (none hold) come first.
PORTFOLIO_QUERIES = 15 + REMEMBER_QUERIES
# The same for each list: the contracts with their relations, and the six (the overdue list
# asks first whether the summaries hold, and reads the data version its list is cached under).
DUE_QUERIES = 12 + REMEMBER_QUERIES
OVERDUE_QUERIES = 14 + REMEMBER_QUERIES


@pytest.mark.parametrize("rows", [1, 30])
def test_portfolio_and_lists_query_count_does_not_grow(login, department, viewer, django_assert_num_queries, rows):
    make_contracts(rows, department)
    client = login(viewer)
    with django_assert_num_queries(PORTFOLIO_QUERIES):
        response = client.get(reverse("funding:portfolio"), {"ngay": AS_OF})
    assert response.context["total"].contracts == rows
    with django_assert_num_queries(DUE_QUERIES):
        client.get(reverse("funding:due-list"), {"ngay": "01/03/2022"})
    with django_assert_num_queries(OVERDUE_QUERIES):
        response = client.get(reverse("funding:overdue-list"), {"ngay": AS_OF})
    assert len(response.context["rows"]) == rows


def test_the_dashboard_counts_debts_as_the_portfolio_does(department_client, department, objects):
    """A written-off contract leaves the dashboard's outstanding and overdue, as it leaves the
    portfolio's; a sued one stays overdue."""
    from funding import loans

    services.write_off(contract=objects["contract"], date=D(2022, 8, 1), reason="Cơ sở giải thể", by=department)
    debts = department_client.get(reverse("home")).context["board"].debts
    summary = loans.portfolio_summary(as_of=datetime.date.today()).total
    assert (debts.outstanding, debts.overdue) == (summary.outstanding, summary.overdue)
    assert debts.overdue_contracts == 1  # the sued contract; the written-off one owes the book nothing


def test_a_contract_sued_before_its_instalment_fell_due_is_on_the_overdue_list(viewer_client, department, objects):
    """The overdue list counts what the totals count: money due and unpaid. A lawsuit filed
    before the instalment fell due pauses the days, so the row has no bucket, says why, and
    the list's total agrees with the portfolio's."""
    from funding import loans

    early = disbursed_contract(department, term=1, count=1)  # due 10/02/2022
    services.file_lawsuit(contract=early, filed_on=D(2022, 2, 1), court="Tòa án nhân dân huyện Lâm Hà", by=department)
    response = viewer_client.get(reverse("funding:overdue-list"), {"ngay": "15/03/2022"})
    row = next(r for r in response.context["rows"] if r.contract_id == early.pk)
    assert (row.overdue, row.days_past_due, row.bucket, row.in_litigation) == (40_000_000, 0, None, True)
    assert response.context["unaged"] == 1
    html = response.content.decode()
    assert "tạm dừng khi khởi kiện" in html and "Chưa tính ngày quá hạn" in html
    summary = loans.portfolio_summary(as_of=D(2022, 3, 15)).total
    assert response.context["totals"]["overdue"] == summary.overdue
    _, _, rows, _ = read_list(viewer_client.get(reverse("funding:overdue-export"), {"ngay": "15/03/2022"}).content)
    exported = next(r for r in rows if r["Số hợp đồng"] == early.number)
    assert list(exported.values())[9:] == [0, "tạm dừng khi khởi kiện", "x"]


def test_the_due_and_overdue_lists_show_fifty_rows_a_page_with_totals_over_all(login, department, viewer):
    make_contracts(53, department)
    client = login(viewer)
    first = client.get(reverse("funding:overdue-list"), {"ngay": AS_OF})
    second = client.get(reverse("funding:overdue-list"), {"ngay": AS_OF, "page": 2})
    assert (len(first.context["page"]), len(second.context["page"])) == (50, 3)
    assert first.context["totals"] == second.context["totals"]
    assert first.context["totals"]["overdue"] == sum(r.overdue for r in first.context["rows"])
    shown = [r.contract_id for r in first.context["page"]] + [r.contract_id for r in second.context["page"]]
    assert sorted(shown) == sorted(r.contract_id for r in first.context["rows"])
    html = second.content.decode()
    assert "53 hợp đồng, trang 2/2" in html and "Cộng (cả 53 hợp đồng)" in html
    due = client.get(reverse("funding:due-list"), {"ngay": "01/03/2022", "page": 2})
    assert len(due.context["page"]) == 3 and "ngay=01%2F03%2F2022" in due.content.decode()  # the pager keeps the date


# --- a contract from its đề án: create, then disburse ---------------------------------------------


@pytest.fixture
def recoverable(department):
    """An approved recoverable đề án of 300 triệu with two facilities and no contract yet."""
    facilities = [f.FacilityFactory(name="Hợp tác xã Chè Cầu Đất"), f.FacilityFactory(name="Công ty TNHH Dâu tây Đà Lạt")]
    return f.ProjectFactory(
        support_form=SupportForm.RECOVERABLE, approved_budget=300_000_000, planned_budget=300_000_000, facilities=facilities
    )


CONTRACT = {
    "number": "05/2025/HĐ-KC", "signed_on": "05/03/2025", "principal": "200.000.000",
    "term_months": "36", "grace_months": "6", "instalment_count": "6",
}  # fmt: skip


def test_data_entry_creates_a_contract_from_the_project_page_and_disburses_it(entry_client, data_entry, recoverable):
    page = entry_client.get(reverse("projects:project-detail", args=[recoverable.pk])).content.decode()
    create = reverse("funding:contract-create", args=[recoverable.pk])
    assert f'href="{create}"' in page and "Lập hợp đồng" in page
    form = entry_client.get(create)
    assert list(form.context["form"].fields["facility"].queryset) == sorted(recoverable.facilities.all(), key=lambda x: x.name)
    facility = recoverable.facilities.get(name="Hợp tác xã Chè Cầu Đất")
    response = entry_client.post(create, {**CONTRACT, "facility": facility.pk})
    contract = LoanContract.objects.get(number="05/2025/HĐ-KC")
    assert response["Location"] == reverse("funding:contract-detail", args=[contract.pk])
    assert (contract.state, contract.principal, contract.facility) == ("draft", 200_000_000, facility)
    assert contract.disbursed_on is None
    assert contract.history.get().history_user == data_entry

    detail = entry_client.get(response["Location"])
    assert "Ghi nhận giải ngân" in detail.content.decode() and "repayment" not in detail.context["forms"]
    disburse = reverse("funding:contract-disburse", args=[contract.pk])
    done = entry_client.post(disburse, {"disburse-date": "15/03/2025", "disburse-document_number": "UNC-2025-05"})
    assert done.status_code == 302
    contract.refresh_from_db()
    assert (contract.state, contract.disbursed_on) == ("active", D(2025, 3, 15))
    instalments = list(contract.instalments.order_by("number").values_list("due_date", "principal_due"))
    # Six instalments every five months after six months of grace; the last takes the remainder.
    assert instalments[0] == (D(2026, 2, 15), 33_333_333) and instalments[-1] == (D(2028, 3, 15), 33_333_335)
    assert Disbursement.objects.get(project=recoverable).amount == 200_000_000
    assert contract.history.first().history_user == data_entry
    assert "Đã ghi nhận giải ngân hợp đồng 05/2025/HĐ-KC ngày 15/03/2025" in entry_client.get(done["Location"]).content.decode()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"principal": "300.000.001"}, "vượt kinh phí của đề án (300.000.000 đồng)"),
        ({"number": " 09/2024/hđ-kc "}, "Đã có hợp đồng số 09/2024/hđ-kc."),
        ({"grace_months": "36"}, "Thời gian ân hạn phải ngắn hơn thời hạn hợp đồng."),
        ({"principal": "1,5 tỷ"}, "Số tiền"),
        ({"signed_on": "31/02/2025"}, "Ngày"),
    ],
)
def test_a_bad_contract_is_refused_in_vietnamese_and_nothing_is_stored(entry_client, recoverable, changes, message):
    facility = recoverable.facilities.first()
    f.LoanContractFactory(number="09/2024/HĐ-KC")  # another đề án's contract
    before = LoanContract.objects.count()
    response = entry_client.post(
        reverse("funding:contract-create", args=[recoverable.pk]), {**CONTRACT, "facility": facility.pk, **changes}
    )
    assert response.status_code == 400
    assert message in response.content.decode(), response.context["form"].errors
    assert LoanContract.objects.count() == before


def test_a_facility_not_of_the_project_and_a_project_without_contracts_are_refused(entry_client, recoverable):
    stranger = f.FacilityFactory()
    create = reverse("funding:contract-create", args=[recoverable.pk])
    response = entry_client.post(create, {**CONTRACT, "facility": stranger.pk})
    assert response.status_code == 400 and not LoanContract.objects.exists()
    grant = f.ProjectFactory(support_form=SupportForm.NON_RECOVERABLE)
    refused = entry_client.get(reverse("funding:contract-create", args=[grant.pk]))
    assert refused["Location"] == reverse("projects:project-detail", args=[grant.pk])
    assert "hỗ trợ không thu hồi: không lập hợp đồng thu hồi" in entry_client.get(refused["Location"]).content.decode()
    assert "Lập hợp đồng" not in entry_client.get(refused["Location"]).content.decode()


def test_a_schedule_that_does_not_divide_is_refused_until_one_is_typed(entry_client, department, recoverable):
    contract = services.create_contract(
        project=recoverable, facility=recoverable.facilities.first(), number="07/2025/HĐ-KC", signed_on=D(2025, 3, 1),
        principal=100_000_000, term_months=12, grace_months=0, instalment_count=5, by=department,
    )  # fmt: skip
    disburse = reverse("funding:contract-disburse", args=[contract.pk])
    refused = entry_client.post(disburse, {"disburse-date": "15/03/2025"})
    assert refused.status_code == 400 and "Hãy nhập lịch trả cụ thể" in refused.content.decode()
    contract.refresh_from_db()
    assert (contract.state, contract.instalments.count()) == ("draft", 0)
    typed = "15/09/2025 40.000.000\n15/03/2026 60.000.000"
    assert entry_client.post(disburse, {"disburse-date": "15/03/2025", "disburse-instalments": typed}).status_code == 302
    assert list(contract.instalments.values_list("due_date", "principal_due")) == [
        (D(2025, 9, 15), 40_000_000), (D(2026, 3, 15), 60_000_000),
    ]  # fmt: skip


def test_only_those_who_edit_see_the_button_to_create_a_contract(viewer_client, entry_client, recoverable):
    url = reverse("projects:project-detail", args=[recoverable.pk])
    create = reverse("funding:contract-create", args=[recoverable.pk])
    assert create in entry_client.get(url).content.decode()
    assert create not in viewer_client.get(url).content.decode()
    assert viewer_client.get(create).status_code == 403


def test_after_a_refused_action_the_date_box_still_shows_the_contract_page(entry_client, objects):
    """The refused form is shown at the action's POST-only address; the 'Xem' of the date box
    must go back to the contract's own page, not to that address (405)."""
    contract = objects["contract"]
    refused = entry_client.post(reverse("funding:repayment-create", args=[contract.pk]), {"repay-amount": "0"})
    assert refused.status_code == 400
    page = reverse("funding:contract-detail", args=[contract.pk])
    assert f'<form class="period" method="get" action="{page}"' in refused.content.decode()


@pytest.mark.parametrize("ngay", ["31/12/9999", "01/01/1900"])
def test_a_date_outside_the_programme_decades_falls_back_to_today(viewer_client, objects, ngay):
    for name in ("funding:due-list", "funding:due-export", "funding:overdue-list", "funding:portfolio"):
        response = viewer_client.get(reverse(name), {"ngay": ngay})
        assert response.status_code == 200, name
    assert "nằm ngoài các năm 1990–2100" in viewer_client.get(reverse("funding:due-list"), {"ngay": ngay}).content.decode()


def test_a_schedule_pasted_from_excel_with_tabs_is_read():
    from funding.forms import parse_schedule_lines

    assert parse_schedule_lines("30/06/2026\t100.000.000\r\n 31/12/2026  \t 50.000.000 ") == [
        (D(2026, 6, 30), 100_000_000), (D(2026, 12, 31), 50_000_000),
    ]  # fmt: skip


def test_years_in_the_excel_lists_read_2021_not_2_021(viewer_client, objects):
    for name, params in (("funding:contract-export", {}), ("funding:overdue-export", {"ngay": "15/03/2022"})):
        sheet = load_workbook(io.BytesIO(viewer_client.get(reverse(name), params).content)).active
        at = next(row for row in range(1, 10) if sheet.cell(row=row, column=1).value == "STT")
        header = [c.value for c in sheet[at]]
        year = sheet.cell(row=at + 1, column=header.index("Năm") + 1)
        assert (year.value in (2021, 2022), year.number_format) == (True, "0"), name
        money = sheet.cell(row=at + 1, column=header.index("Số tiền hỗ trợ") + 1)
        assert money.number_format == "#,##0"
        facility = sheet.cell(row=at + 1, column=header.index("Cơ sở") + 1)
        assert sheet.column_dimensions[facility.column_letter].width >= len(facility.value)


def test_the_services_refusals_show_beside_the_field_they_are_about(entry_client, department, objects, recoverable):
    contract = objects["contract"]
    url = reverse("funding:repayment-create", args=[contract.pk])
    future = entry_client.post(url, {"repay-date": "31/12/2099", "repay-amount": "1.000", "repay-receipt_number": "BL-9"})
    assert list(future.context["forms"]["repayment"].errors) == ["date"]
    too_much = entry_client.post(url, {"repay-date": "10/03/2022", "repay-amount": "30.000.001", "repay-receipt_number": "BL-9"})
    assert list(too_much.context["forms"]["repayment"].errors) == ["amount"]
    draft = services.create_contract(
        project=recoverable, facility=recoverable.facilities.first(), number="08/2025/HĐ-KC", signed_on=D(2025, 3, 1),
        principal=100_000_000, term_months=12, grace_months=0, instalment_count=5, by=department,
    )  # fmt: skip
    odd = entry_client.post(reverse("funding:contract-disburse", args=[draft.pk]), {"disburse-date": "15/03/2025"})
    assert list(odd.context["forms"]["disburse"].errors) == ["instalments"]
    assert "Hãy nhập lịch trả cụ thể" in odd.context["forms"]["disburse"].errors["instalments"][0]


def test_a_facility_with_a_contract_stays_among_its_projects_facilities(entry_client, department, recoverable):
    first, second = recoverable.facilities.order_by("name")
    services.create_contract(
        project=recoverable, facility=first, number="10/2025/HĐ-KC", signed_on=D(2025, 3, 1),
        principal=100_000_000, term_months=12, grace_months=0, instalment_count=12, by=department,
    )  # fmt: skip
    data = project_post(recoverable.plan, second, code=recoverable.code, support_form=SupportForm.RECOVERABLE)
    response = entry_client.post(reverse("projects:project-edit", args=[recoverable.pk]), data)
    assert response.status_code == 200
    assert f"Không bỏ được {first.name}" in response.context["form"].errors["facilities"][0]
    assert set(recoverable.facilities.all()) == {first, second}


def test_history_names_the_person_who_decided_not_their_login(login, department, objects):
    department.first_name, department.last_name = "Trần Thị", "Hoa"
    department.save()
    contract = objects["contract"]
    services.write_off(contract=contract, date=D(2022, 6, 1), reason="Cơ sở giải thể", by=department)
    html = login(department).get(reverse("funding:contract-history", args=[contract.pk])).content.decode()
    assert '<strong>Người quyết định:</strong> <span class="after">Trần Thị Hoa</span>' in html


def test_a_draft_contract_is_neither_on_time_nor_late(entry_client, department, recoverable):
    draft = services.create_contract(
        project=recoverable, facility=recoverable.facilities.first(), number="11/2025/HĐ-KC", signed_on=D(2025, 3, 1),
        principal=100_000_000, term_months=12, grace_months=0, instalment_count=12, by=department,
    )  # fmt: skip
    html = entry_client.get(reverse("funding:contract-detail", args=[draft.pk])).content.decode()
    assert "<dt>Trả đúng hạn</dt><dd>—</dd>" in html
