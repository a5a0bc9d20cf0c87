"""Every refused money case, fed to every way in that can express it (the screen's form, the
workbook on the web and on the command line): the same Vietnamese reason on each, and the
database as it was. The admin is read-only for money records, so it has no column here."""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from funding import services
from funding.models import LoanContract
from khuyencong.core import roles
from projects.models import Project, SupportForm

from . import factories as f
from .parity import db_state, via_cli_import, via_form, via_web_import
from .screens_helpers import client_for
from .workbook_helpers import small_workbook, user_with, xlsx

pytestmark = pytest.mark.django_db

D = datetime.date
HEADERS = {name: rows[0] for name, rows in small_workbook().items()}
RECEIPT = "Biên lai 01"
CONTRACT_NUMBER = "01/2024/HĐ-TTKC"


@dataclass
class World:
    user: object
    grant: Project
    proposed: Project
    proposed_loan: Project
    contract: LoanContract
    tax_code: str


@pytest.fixture
def world() -> World:
    user = user_with(roles.DATA_ENTRY)
    facility = f.FacilityFactory()
    grant = f.ProjectFactory(code="DA-GRANT", planned_budget=200_000_000, approved_budget=200_000_000)
    proposed = f.ProjectFactory(code="DA-PROPOSED", plan=grant.plan, status=Project.Status.PROPOSED, approved_budget=0)
    loan = f.ProjectFactory(code="DA-LOAN", plan=grant.plan, support_form=SupportForm.RECOVERABLE, facilities=[facility])
    proposed_loan = f.ProjectFactory(
        code="DA-LOAN-DX",
        plan=grant.plan,
        support_form=SupportForm.RECOVERABLE,
        status=Project.Status.PROPOSED,
        approved_budget=0,
        facilities=[facility],
    )
    contract = services.create_contract(
        project=loan,
        facility=facility,
        number=CONTRACT_NUMBER,
        signed_on=D(2024, 3, 15),
        principal=120_000_000,
        term_months=36,
        grace_months=6,
        instalment_count=6,
        by=user,
    )
    services.disburse_contract(contract=contract, date=D(2024, 4, 1), by=user)
    services.record_repayment(contract=contract, date=D(2024, 9, 30), amount=20_000_000, receipt_number=RECEIPT, by=user)
    return World(user, grant, proposed, proposed_loan, contract, facility.tax_code)


def _today() -> str:
    return f"{timezone.localdate():%d/%m/%Y}"


@dataclass(frozen=True)
class Case:
    """One refused entry: the form's URL and data, the workbook's sheets, and the reason."""

    form: Callable[[World], tuple[str, dict]]
    sheets: Callable[[World], dict]
    reason: Callable[[World], str]


def _repay(receipt: str, day: str, amount: int) -> Case:
    return Case(
        form=lambda w: (
            reverse("funding:repayment-create", args=[w.contract.pk]),
            {"repay-date": day, "repay-amount": f"{amount}", "repay-receipt_number": receipt},
        ),
        sheets=lambda w: {"TraNo": [HEADERS["TraNo"], [CONTRACT_NUMBER, day, amount, receipt]]},
        reason=lambda w: "",
    )


def _disburse(project: str, day: str, amount: int) -> Case:
    return Case(
        form=lambda w: (
            reverse("funding:disbursement-create", args=[getattr(w, project).pk]),
            {"date": day, "amount": f"{amount}", "document_number": "UNC-9"},
        ),
        sheets=lambda w: {"GiaiNgan": [HEADERS["GiaiNgan"], [2024, getattr(w, project).code, day, amount, "UNC-9"]]},
        reason=lambda w: "",
    )


def _with_reason(case: Case, reason: Callable[[World], str]) -> Case:
    return Case(form=case.form, sheets=case.sheets, reason=reason)


def _sue(day: str) -> Case:
    return Case(
        form=lambda w: (
            reverse("funding:lawsuit-create", args=[w.contract.pk]),
            {"sue-filed_on": day, "sue-court": "Tòa án nhân dân huyện Đơn Dương", "sue-case_number": ""},
        ),
        sheets=lambda w: {
            "KhoiKien": [HEADERS["KhoiKien"], [CONTRACT_NUMBER, day, "Tòa án nhân dân huyện Đơn Dương", "", "", ""]]
        },
        reason=lambda w: f"Ngày khởi kiện ({day}) không được sau hôm nay ({_today()}).",
    )


def _contract_on_proposed() -> Case:
    return Case(
        form=lambda w: (
            reverse("funding:contract-create", args=[w.proposed_loan.pk]),
            {"number": "02/2024/HĐ-TTKC", "signed_on": "15/03/2024", "principal": "50.000.000"},
        ),
        sheets=lambda w: {
            "HopDong": [
                HEADERS["HopDong"],
                ["02/2024/HĐ-TTKC", 2024, "DA-LOAN-DX", w.tax_code, "15/03/2024", 50_000_000, "", 36, 6, 6],
            ]
        },
        reason=lambda w: "Đề án DA-LOAN-DX đang ở trạng thái “Đề xuất”: chỉ lập hợp đồng cho đề án đã duyệt.",
    )


SAME_RECEIPT = "Hợp đồng này đã có biên lai cùng số."
CASES = {
    "repayment of three times the outstanding principal": _with_reason(
        _repay("BL-02", "01/10/2024", 300_000_000),
        lambda w: "Số tiền trả (300.000.000 đồng) vượt dư nợ còn lại của hợp đồng (100.000.000 đồng).",
    ),
    "repayment dated 31/12/9999": _with_reason(
        _repay("BL-02", "31/12/9999", 1_000_000),
        lambda w: f"Ngày trả nợ (31/12/9999) không được sau hôm nay ({_today()}).",
    ),
    "disbursement of 100.000 tỷ on a đề án of 200 triệu": _with_reason(
        _disburse("grant", "01/10/2024", 100_000_000_000_000),
        lambda w: "Tổng giải ngân (100.000.000.000.000 đồng) vượt kinh phí được duyệt (200.000.000 đồng).",
    ),
    "disbursement dated 31/12/9999": _with_reason(
        _disburse("grant", "31/12/9999", 1_000_000),
        lambda w: f"Ngày giải ngân (31/12/9999) không được sau hôm nay ({_today()}).",
    ),
    "disbursement on a đề án only proposed": _with_reason(
        _disburse("proposed", "01/10/2024", 1_000_000),
        lambda w: "Đề án DA-PROPOSED đang ở trạng thái “Đề xuất”: chỉ giải ngân cho đề án đã duyệt.",
    ),
    "lawsuit dated 31/12/9999": _sue("31/12/9999"),
    "contract on a đề án only proposed": _contract_on_proposed(),
    "receipt differing by case": _with_reason(_repay("biên LAI 01", "01/10/2024", 5_000_000), lambda w: SAME_RECEIPT),
    "receipt differing by spacing": _with_reason(_repay("Biên   lai 01", "01/10/2024", 5_000_000), lambda w: SAME_RECEIPT),
    "receipt in NFD": _with_reason(
        _repay(unicodedata.normalize("NFD", RECEIPT), "01/10/2024", 5_000_000), lambda w: SAME_RECEIPT
    ),
    "receipt with a zero-width space": _with_reason(_repay("Biên lai\u200b 01", "01/10/2024", 5_000_000), lambda w: SAME_RECEIPT),
}


def _form(world: World, case: Case, tmp_path) -> str:
    url, data = case.form(world)
    if "contract-create" in url:
        data = {**data, "facility": world.contract.facility_id, "term_months": 36, "grace_months": 6, "instalment_count": 6}
    return via_form(client_for(world.user), url, data)


def _web(world: World, case: Case, tmp_path) -> str:
    return via_web_import(client_for(world.user), xlsx(case.sheets(world)))


def _cli(world: World, case: Case, tmp_path) -> str:
    path = tmp_path / "so-lieu.xlsx"
    path.write_bytes(xlsx(case.sheets(world)))
    return via_cli_import(path, world.user)


PATHS = {"form": _form, "web import": _web, "cli import": _cli}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", CASES)
def test_each_way_in_refuses_with_the_same_reason_and_writes_nothing(world, case, path, tmp_path):
    refused = CASES[case]
    before = db_state()

    shown = PATHS[path](world, refused, tmp_path)

    assert refused.reason(world) in shown
    assert db_state() == before


@pytest.mark.parametrize("path", ["web import", "cli import"])
def test_two_rows_that_each_fit_but_together_pass_the_budget_are_refused(world, path, tmp_path):
    header = HEADERS["GiaiNgan"]
    case = Case(
        form=lambda w: ("", {}),
        sheets=lambda w: {
            "GiaiNgan": [
                header,
                [2024, "DA-GRANT", "01/10/2024", 150_000_000, "UNC-1"],
                [2024, "DA-GRANT", "02/10/2024", 60_000_000, "UNC-2"],
            ]
        },
        reason=lambda w: "",
    )
    before = db_state()

    shown = PATHS[path](world, case, tmp_path)

    assert "Tổng giải ngân (210.000.000 đồng) vượt kinh phí được duyệt (200.000.000 đồng)." in shown
    assert db_state() == before


@pytest.mark.parametrize("path", ["web import", "cli import"])
def test_two_repayments_that_together_pass_the_outstanding_principal_are_refused(world, path, tmp_path):
    rows = [[CONTRACT_NUMBER, "01/10/2024", 60_000_000, "BL-2"], [CONTRACT_NUMBER, "02/10/2024", 60_000_000, "BL-3"]]
    case = Case(form=lambda w: ("", {}), sheets=lambda w: {"TraNo": [HEADERS["TraNo"], *rows]}, reason=lambda w: "")
    before = db_state()

    shown = PATHS[path](world, case, tmp_path)

    assert "Số tiền trả (60.000.000 đồng) vượt dư nợ còn lại của hợp đồng (40.000.000 đồng)." in shown
    assert db_state() == before
