"""Two entries at once, each in its own transaction on its own connection, both having read
before either writes: the row lock the workflow takes (the đề án when disbursing, the contract
when repaying) makes the second see the first, and refuse."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from funding import services
from funding.models import Disbursement, Repayment
from khuyencong.core import roles
from projects.models import Project, SupportForm

from . import factories as f
from .report_expectations import ensure_reference_data
from .workbook_helpers import user_with

pytestmark = [
    # Committed for real, so that each thread's connection sees the rows. Not serialized_rollback:
    # restoring the serialized content types clashed with those a transactional test before had
    # made again after its flush; the reference rows are put back by _reference_rows instead.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Hai giao dịch song song cần PostgreSQL (SQLite khóa cả tệp, không có khóa dòng): đặt DATABASE_URL.",
    ),
]

D = datetime.date


@pytest.fixture(autouse=True)
def _reference_rows():
    ensure_reference_data()


def _race(project_id: int, entries: list[Callable[[], object]]) -> list[object]:
    """Run each entry in its own thread and transaction; every thread first reads the đề án (as
    a screen does before its form is posted), and none writes before all have read. Returns what
    each returned or raised."""
    barrier = threading.Barrier(len(entries), timeout=10)
    results: list[object] = [None] * len(entries)

    def run(n: int) -> None:
        try:
            with transaction.atomic():
                Project.objects.get(pk=project_id)
                barrier.wait()
                results[n] = entries[n]()
        except Exception as error:  # noqa: BLE001 - the refusal is the result
            results[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(entries))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _refused_once(results: list[object], reason: str) -> None:
    refusals = [r for r in results if isinstance(r, ValidationError)]
    assert len(refusals) == 1, results
    assert reason in " ".join(refusals[0].messages)


def test_two_disbursements_together_over_the_budget_the_second_is_refused():
    user = user_with(roles.DATA_ENTRY)
    project = f.ProjectFactory(planned_budget=900_000_000, approved_budget=900_000_000)

    def disburse(number: str):
        return lambda: services.record_disbursement(
            project=project, date=D(2024, 10, 1), amount=550_000_000, document_number=number, by=user
        )

    results = _race(project.pk, [disburse("UNC-1"), disburse("UNC-2")])

    _refused_once(results, "vượt kinh phí được duyệt (900.000.000 đồng)")
    assert Disbursement.objects.filter(project=project).count() == 1


def test_two_repayments_together_over_the_outstanding_principal_the_second_is_refused():
    user = user_with(roles.DATA_ENTRY)
    facility = f.FacilityFactory()
    project = f.ProjectFactory(support_form=SupportForm.RECOVERABLE, facilities=[facility])
    contract = services.create_contract(
        project=project,
        facility=facility,
        number="01/2024/HĐ-TTKC",
        signed_on=D(2024, 3, 15),
        principal=100_000_000,
        term_months=36,
        grace_months=6,
        instalment_count=6,
        by=user,
    )
    services.disburse_contract(contract=contract, date=D(2024, 4, 1), by=user)

    def repay(receipt: str):
        return lambda: services.record_repayment(
            contract=contract, date=D(2024, 10, 1), amount=60_000_000, receipt_number=receipt, by=user
        )

    results = _race(project.pk, [repay("BL-1"), repay("BL-2")])

    _refused_once(results, "vượt dư nợ còn lại của hợp đồng (40.000.000 đồng)")
    assert Repayment.objects.filter(contract=contract).count() == 1


def test_an_import_and_a_screen_together_over_the_budget_the_second_is_refused():
    from khuyencong.workbook import import_workbook

    from .workbook_helpers import small_workbook, xlsx

    user = user_with(roles.DATA_ENTRY)
    project = f.ProjectFactory(planned_budget=900_000_000, approved_budget=900_000_000)
    header = small_workbook()["GiaiNgan"][0]
    workbook = xlsx({"GiaiNgan": [header, [project.plan.year, project.code, "01/10/2024", 550_000_000, "UNC-1"]]})

    def screen():
        return services.record_disbursement(
            project=project, date=D(2024, 10, 1), amount=550_000_000, document_number="UNC-2", by=user
        )

    def workbook_import():
        result = import_workbook(workbook, user=user)
        if not result.ok:  # the import's refusal is its list of problems
            raise ValidationError([problem.message for problem in result.problems])
        return result

    results = _race(project.pk, [workbook_import, screen])

    _refused_once(results, "vượt kinh phí được duyệt (900.000.000 đồng)")
    assert Disbursement.objects.filter(project=project).count() == 1
