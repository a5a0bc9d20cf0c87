"""The database refuses what must never be stored, whatever path the row takes (ORM, import, shell).

Each bad row is saved inside ``transaction.atomic()``; the IntegrityError rolls it back, and the
table's row count shows nothing was stored.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction

from funding.models import LoanContract
from projects.models import Project

from . import factories as f

pytestmark = pytest.mark.django_db


def assert_refused(factory_cls, **values) -> None:
    model = factory_cls._meta.model
    before = model.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        factory_cls.create(**values)
    assert model.objects.count() == before


# --- negative money --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory_cls", "field"),
    [
        (f.ProjectFactory, "planned_budget"),
        (f.ProjectFactory, "approved_budget"),
        (f.ProjectFactory, "counterpart_capital"),
        (f.FundingSourceFactory, "allocated"),
        (f.LawsuitFactory, "amount_awarded"),
    ],
)
def test_negative_money_is_refused(factory_cls, field):
    assert_refused(factory_cls, **{field: -1})


@pytest.mark.parametrize(
    ("factory_cls", "field"),
    [
        (f.ProjectFactory, "planned_budget"),
        (f.FundingSourceFactory, "allocated"),
        (f.LawsuitFactory, "amount_awarded"),
    ],
)
def test_zero_money_is_allowed_where_only_negatives_are_refused(factory_cls, field):
    factory_cls.create(**{field: 0})


def test_updating_a_project_to_a_negative_budget_is_refused_and_the_old_value_kept():
    project = f.ProjectFactory(planned_budget=300_000_000)
    project.planned_budget = -1
    with pytest.raises(IntegrityError), transaction.atomic():
        project.save()
    project.refresh_from_db()
    assert project.planned_budget == 300_000_000


# --- amounts that must be positive -------------------------------------------------------------


@pytest.mark.parametrize("amount", [0, -5])
@pytest.mark.parametrize(
    ("factory_cls", "field"),
    [
        (f.DisbursementFactory, "amount"),
        (f.RepaymentFactory, "amount"),
        (f.InstalmentFactory, "principal_due"),
        (f.LoanContractFactory, "principal"),
    ],
)
def test_non_positive_amount_is_refused(factory_cls, field, amount):
    assert_refused(factory_cls, **{field: amount})


def test_contract_with_no_instalments_is_refused():
    assert_refused(f.LoanContractFactory, instalment_count=0)


# --- dates and years in order ------------------------------------------------------------------


def test_project_ending_before_it_starts_is_refused():
    assert_refused(f.ProjectFactory, start_date=datetime.date(2024, 5, 1), end_date=datetime.date(2024, 4, 30))


def test_project_ending_the_day_it_starts_is_allowed():
    f.ProjectFactory(start_date=datetime.date(2024, 5, 1), end_date=datetime.date(2024, 5, 1))


def test_program_ending_before_it_starts_is_refused():
    assert_refused(f.ProgramFactory, first_year=2025, last_year=2021)


def test_report_ending_before_it_starts_is_refused():
    assert_refused(f.ReportFactory, year_from=2024, year_to=2023)


def test_lawsuit_closed_before_it_was_filed_is_refused():
    assert_refused(f.LawsuitFactory, filed_on=datetime.date(2024, 3, 1), closed_on=datetime.date(2024, 2, 28))


def test_administrative_unit_ending_before_it_begins_is_refused():
    assert_refused(f.AdministrativeUnitFactory, valid_from=datetime.date(2025, 7, 1), valid_to=datetime.date(2025, 6, 30))


def test_contract_disbursed_before_it_was_signed_is_refused():
    assert_refused(f.LoanContractFactory, signed_on=datetime.date(2023, 6, 1), disbursed_on=datetime.date(2023, 5, 31))


@pytest.mark.parametrize(("term", "grace"), [(12, 12), (12, 13)])
def test_contract_grace_as_long_as_its_term_is_refused(term, grace):
    assert_refused(f.LoanContractFactory, term_months=term, grace_months=grace)


# --- uniqueness ----------------------------------------------------------------------------------


def test_project_code_repeated_in_a_plan_is_refused():
    first = f.ProjectFactory(code="KC-01")
    assert_refused(f.ProjectFactory, plan=first.plan, code="KC-01")


def test_project_code_may_repeat_in_another_plan():
    f.ProjectFactory(code="KC-01")
    f.ProjectFactory(code="KC-01")
    assert Project.objects.filter(code="KC-01").count() == 2


def test_facility_tax_code_repeated_is_refused():
    f.FacilityFactory(tax_code="5800123456")
    assert_refused(f.FacilityFactory, tax_code="5800123456")


def test_two_facilities_without_tax_code_are_allowed():
    f.FacilityFactory(tax_code="")
    f.FacilityFactory(tax_code="")
    assert f.FacilityFactory._meta.model.objects.filter(tax_code="").count() == 2


def test_plan_repeated_for_a_program_and_year_is_refused():
    plan = f.AnnualPlanFactory(year=2024)
    assert_refused(f.AnnualPlanFactory, program=plan.program, year=2024)


def test_event_name_repeated_in_a_project_is_refused():
    event = f.EventFactory(name="Hội nghị kết nối cung cầu 2024")
    assert_refused(f.EventFactory, project=event.project, name="Hội nghị kết nối cung cầu 2024")


def test_product_name_repeated_for_a_facility_is_refused():
    product = f.ProductFactory(name="Trà Ô long")
    assert_refused(f.ProductFactory, facility=product.facility, name="Trà Ô long")


def test_nomination_repeated_at_a_level_in_a_year_is_refused():
    nomination = f.ProductNominationFactory(year=2024)
    assert_refused(f.ProductNominationFactory, product=nomination.product, level=nomination.level, year=2024)


def test_funding_source_repeated_is_refused():
    source = f.FundingSourceFactory(name="Dự toán 2024", year=2024)
    assert_refused(f.FundingSourceFactory, level=source.level, name="Dự toán 2024", year=2024)


def test_disbursement_document_repeated_in_a_project_is_refused():
    disbursement = f.DisbursementFactory(document_number="UNC-01")
    assert_refused(f.DisbursementFactory, project=disbursement.project, document_number="UNC-01")


def test_contract_number_repeated_is_refused():
    f.LoanContractFactory(number="01/HĐ-TTKC")
    assert_refused(f.LoanContractFactory, number="01/HĐ-TTKC")


def test_instalment_repeated_in_a_schedule_is_refused():
    instalment = f.InstalmentFactory(number=1)
    assert_refused(f.InstalmentFactory, contract=instalment.contract, number=1)


def test_repayment_receipt_repeated_in_a_contract_is_refused():
    repayment = f.RepaymentFactory(receipt_number="BL-01")
    assert_refused(f.RepaymentFactory, contract=repayment.contract, receipt_number="BL-01")


def test_lawsuit_filed_twice_the_same_day_is_refused():
    lawsuit = f.LawsuitFactory()
    assert_refused(f.LawsuitFactory, contract=lawsuit.contract, filed_on=lawsuit.filed_on)


# --- states that need their particulars -------------------------------------------------------


@pytest.mark.parametrize("status", [Project.Status.CANCELLED, Project.Status.NOT_CARRIED_OUT])
def test_project_cancelled_without_a_reason_is_refused(status):
    assert_refused(f.ProjectFactory, status=status, status_reason="")


def test_project_cancelled_with_a_reason_is_allowed():
    f.ProjectFactory(status=Project.Status.CANCELLED, status_reason="Cơ sở rút hồ sơ.")


def test_issued_report_without_number_is_refused():
    assert_refused(f.ReportFactory, status="issued", number="", issued_at=datetime.datetime(2025, 3, 15, tzinfo=datetime.UTC))


def test_a_valid_contract_is_stored():
    f.LoanContractFactory()
    assert LoanContract.objects.count() == 1


# --- the loan lifecycle: reschedules, write-offs, recoveries ----------------------------------


@pytest.mark.parametrize(
    ("factory_cls", "field"),
    [(f.WriteOffFactory, "amount"), (f.RecoveryFactory, "amount"), (f.RescheduleFactory, "outstanding")],
)
@pytest.mark.parametrize("amount", [0, -1])
def test_non_positive_lifecycle_amount_is_refused(factory_cls, field, amount):
    assert_refused(factory_cls, **{field: amount})


@pytest.mark.parametrize("factory_cls", [f.WriteOffFactory, f.RescheduleFactory])
def test_write_off_or_reschedule_without_reason_is_refused(factory_cls):
    assert_refused(factory_cls, reason="")


def test_reschedule_to_the_first_version_is_refused():
    assert_refused(f.RescheduleFactory, version=1)


def test_second_write_off_of_a_contract_is_refused():
    write_off = f.WriteOffFactory()
    assert_refused(f.WriteOffFactory, contract=write_off.contract)
