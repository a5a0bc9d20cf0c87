"""Property: the same money rows entered through the workflows (``funding.services``) and
through the workbook give the same database (compared by natural keys, not ids), and the
workbook refuses, with the same reasons, exactly what the workflows refuse."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funding import services
from khuyencong.core import roles
from khuyencong.workbook import import_workbook
from projects.models import Facility, Project, SupportForm

from . import factories as f
from .workbook_helpers import empty_database, small_workbook, snapshot, user_with, xlsx

pytestmark = pytest.mark.django_db

HEADERS = {name: rows[0] for name, rows in small_workbook().items()}
YEAR = 2024
# Some days after today, so that the rule refusing them is drawn too.
days = st.dates(min_value=datetime.date(2024, 1, 1), max_value=datetime.date.today() + datetime.timedelta(days=60))
millions = st.integers(1, 400).map(lambda n: n * 1_000_000)
STATUSES = {"Đề xuất": Project.Status.PROPOSED, "Đã duyệt": Project.Status.APPROVED}


@st.composite
def entries(draw):
    """Đề án (a grant or a loan, proposed or approved) with a facility each; disbursements of the
    grants; contracts of the loans, paid out, with repayments."""
    projects = []
    for n in range(draw(st.integers(1, 3))):
        projects.append(
            {
                "code": f"DA-{n}",
                "recoverable": draw(st.booleans()),
                "status": draw(st.sampled_from(list(STATUSES))),
                "budget": draw(millions),
                "tax": f"58{n:08d}",
            }
        )
    disbursements, contracts, repayments = [], [], []
    for project in projects:
        if not project["recoverable"]:
            for d in range(draw(st.integers(0, 3))):
                disbursements.append((project, draw(days), draw(millions), f"UNC-{d}"))
            continue
        for c in range(draw(st.integers(0, 2))):
            signed = draw(days)
            number = f"{project['code']}/{c}"
            contracts.append(
                (project, number, signed, draw(millions), signed + datetime.timedelta(days=draw(st.integers(0, 30))))
            )
            for r in range(draw(st.integers(0, 3))):
                repayments.append((number, draw(days), draw(millions), f"BL-{r}"))
    return projects, disbursements, contracts, repayments


def _plan():
    return f.AnnualPlanFactory(year=YEAR)


def _through_services(plan, user, projects, disbursements, contracts, repayments) -> list[str]:
    refused: list[str] = []
    made: dict[str, Project] = {}
    for p in projects:
        facility = Facility.objects.create(name=f"Cơ sở {p['tax']}", tax_code=p["tax"], kind=Facility.Kind.ENTERPRISE)
        project = Project(
            plan=plan,
            code=p["code"],
            name=f"Đề án {p['code']}",
            content=f.content("MMTB"),
            funding_level=plan.program.funding_level,
            support_form=SupportForm.RECOVERABLE if p["recoverable"] else SupportForm.NON_RECOVERABLE,
            planned_budget=p["budget"],
            # Approved, as the Department approves it: at the planned budget (Project.approved_budget_refusal).
            approved_budget=p["budget"] if p["status"] == "Đã duyệt" else 0,
            counterpart_capital=0,
            output_quantity=1,
            status=STATUSES[p["status"]],
        )
        project.save()
        project.facilities.add(facility)
        made[p["code"]] = project

    def attempt(run, **arguments) -> object | None:
        try:
            return run(**arguments, by=user)
        except ValidationError as error:
            refused.extend(error.messages)
            return None

    for p, day, amount, number in disbursements:
        attempt(services.record_disbursement, project=made[p["code"]], date=day, amount=amount, document_number=number)
    loans = {}
    for p, number, signed, principal, paid_out in contracts:
        project = made[p["code"]]
        contract = attempt(
            services.create_contract,
            project=project,
            facility=project.facilities.get(),
            number=number,
            signed_on=signed,
            principal=principal,
            term_months=12,
            grace_months=0,
            instalment_count=1,
        )
        if contract is not None and attempt(services.disburse_contract, contract=contract, date=paid_out):
            loans[number] = contract
    for number, day, amount, receipt in repayments:
        if number in loans:
            attempt(services.record_repayment, contract=loans[number], date=day, amount=amount, receipt_number=receipt)
    return refused


def _workbook(projects, disbursements, contracts, repayments) -> bytes:
    deany = [
        *["Năm", "Mã đề án", "Tên đề án", "Nguồn", "Mã nội dung", "Hình thức", "Cơ sở"],
        *["Kinh phí kế hoạch", "Trạng thái", "Kinh phí được duyệt"],
    ]
    sheets = {
        "CoSo": [["Mã số thuế", "Tên cơ sở", "Loại hình"]] + [[p["tax"], f"Cơ sở {p['tax']}", "Doanh nghiệp"] for p in projects],
        "DeAn": [deany]
        + [
            [
                YEAR,
                p["code"],
                f"Đề án {p['code']}",
                "Địa phương",
                "MMTB",
                "Có thu hồi" if p["recoverable"] else "Không thu hồi",
                p["tax"],
                p["budget"],
                p["status"],
                p["budget"] if p["status"] == "Đã duyệt" else "",
            ]
            for p in projects
        ],
        "GiaiNgan": [HEADERS["GiaiNgan"]] + [[YEAR, p["code"], day, amount, number] for p, day, amount, number in disbursements],
        "HopDong": [HEADERS["HopDong"]]
        + [
            [number, YEAR, p["code"], p["tax"], signed, principal, paid_out, 12, 0, 1]
            for p, number, signed, principal, paid_out in contracts
        ],
        "TraNo": [HEADERS["TraNo"]] + [[number, day, amount, receipt] for number, day, amount, receipt in repayments],
    }
    return xlsx(sheets)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(rows=entries())
def test_the_services_and_the_workbook_give_the_same_database(rows):
    empty_database(keep_plans=False)
    department = user_with(roles.DEPARTMENT)
    plan = _plan()
    refused = _through_services(plan, department, *rows)
    through_services = snapshot()

    empty_database(keep_plans=True)
    result = import_workbook(_workbook(*rows), user=department)

    problems = {p.message for p in result.problems}
    assert set(refused) == problems
    if not refused:
        assert result.applied
        assert snapshot() == through_services
