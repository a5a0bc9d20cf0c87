"""factory-boy factories for the domain objects.

Reference rows (activity contents, funding and award levels, Lâm Đồng's units) come from the
data migration and are fetched by code, not created.
"""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model

from funding.models import (
    Disbursement,
    FundingSource,
    Hearing,
    Instalment,
    Lawsuit,
    LoanContract,
    Recovery,
    Repayment,
    Reschedule,
    WriteOff,
)
from projects.models import (
    ActivityContent,
    AdministrativeUnit,
    AnnualPlan,
    AwardLevel,
    Event,
    Facility,
    FundingLevel,
    Product,
    ProductNomination,
    Program,
    Project,
    SupportForm,
)
from projects.provinces import deployment_province
from reporting.models import Report


def funding_level(code: str = FundingLevel.LOCAL) -> FundingLevel:
    return FundingLevel.objects.get(code=code)


def content(code: str = "MMTB") -> ActivityContent:
    return ActivityContent.objects.get(code=code)


def unit(code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code)


def award_level(code: str = "HUYEN") -> AwardLevel:
    return AwardLevel.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"nguoidung{n}")
    password = factory.django.Password("mat-khau-thu-nghiem")


class SuperuserFactory(UserFactory):
    username = "quantri"
    is_staff = True
    is_superuser = True


class AdministrativeUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"Xã Thử Nghiệm {n}")
    level = AdministrativeUnit.Level.COMMUNE
    parent = factory.LazyFunction(lambda: unit("672"))


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Chương trình khuyến công địa phương {n}")
    funding_level = factory.LazyFunction(funding_level)
    # The province the Department belonged to when the programme began: former Lâm Đồng ("68")
    # up to 2025, the merged one ("68-2025") from 2026 (projects.provinces.deployment_province).
    province = factory.LazyAttribute(lambda o: deployment_province(o.first_year))
    first_year = 2021
    last_year = 2025
    decision_number = "212/QĐ-UBND"
    decision_date = datetime.date(2021, 1, 27)


class AnnualPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualPlan

    program = factory.SubFactory(ProgramFactory)
    year = 2024
    decision_number = factory.Sequence(lambda n: f"{n}/QĐ-SCT")
    decision_date = datetime.date(2024, 1, 15)


class ActivityContentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityContent

    code = factory.Sequence(lambda n: f"ND{n}")
    name = factory.Sequence(lambda n: f"Nội dung thử nghiệm {n}")
    parent = factory.LazyFunction(lambda: content("1.1"))
    order = 9000


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    name = factory.Sequence(lambda n: f"Công ty TNHH Chè Lâm Đồng số {n}")
    kind = Facility.Kind.ENTERPRISE
    tax_code = factory.Sequence(lambda n: f"58{n:08d}")
    address = "Phường 1, Thành phố Đà Lạt"
    administrative_unit = factory.LazyFunction(lambda: unit("672"))
    representative = "Nguyễn Văn An"


def _done_day(project) -> datetime.date:
    """A day a completed đề án of its plan year was accepted and settled: in its year, by today."""
    return min(datetime.date(project.plan.year, 11, 1), datetime.date.today())


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    plan = factory.SubFactory(AnnualPlanFactory)
    code = factory.Sequence(lambda n: f"DA-{n:04d}")
    name = factory.Sequence(lambda n: f"Hỗ trợ ứng dụng máy móc thiết bị tiên tiến {n}")
    content = factory.LazyFunction(content)
    funding_level = factory.LazyFunction(funding_level)
    support_form = SupportForm.NON_RECOVERABLE
    implementing_unit = "Trung tâm Khuyến công"
    planned_budget = 300_000_000
    approved_budget = 300_000_000
    counterpart_capital = 900_000_000
    status = Project.Status.APPROVED
    # A completed đề án has been accepted and settled (Project.lifecycle_refusal).
    acceptance_date = factory.LazyAttribute(lambda p: _done_day(p) if p.status == Project.Status.COMPLETED else None)
    settlement_date = factory.LazyAttribute(lambda p: _done_day(p) if p.status == Project.Status.COMPLETED else None)

    @factory.post_generation
    def facilities(self, create, extracted, **kwargs):
        if create and extracted:
            self.facilities.set(extracted)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    project = factory.SubFactory(ProjectFactory, content=factory.LazyFunction(lambda: content("KNCC")))
    kind = Event.Kind.CONFERENCE
    name = factory.Sequence(lambda n: f"Hội nghị kết nối cung cầu {n}")
    date = datetime.date(2024, 9, 20)
    place = "Đà Lạt"
    participants = 120
    sale_contracts = 8
    memoranda = 15


class AwardLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AwardLevel

    code = factory.Sequence(lambda n: f"CAP{n}")
    name = factory.Sequence(lambda n: f"Cấp thử nghiệm {n}")
    order = 90


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Trà Ô long {n}")
    facility = factory.SubFactory(FacilityFactory)


class ProductNominationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductNomination

    product = factory.SubFactory(ProductFactory)
    level = factory.LazyFunction(award_level)
    year = 2024
    recognised = True
    certificate_number = factory.Sequence(lambda n: f"{n}/GCN")
    certificate_date = datetime.date(2024, 11, 1)


class FundingLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingLevel

    code = factory.Sequence(lambda n: f"L{n}")
    name = factory.Sequence(lambda n: f"Khuyến công cấp thử nghiệm {n}")
    order = 90


class FundingSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingSource

    name = factory.Sequence(lambda n: f"Dự toán khuyến công {n}")
    level = factory.LazyFunction(funding_level)
    year = 2024
    decision_number = factory.Sequence(lambda n: f"{n}/QĐ-UBND")
    allocated = 5_000_000_000


class DisbursementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Disbursement

    project = factory.SubFactory(ProjectFactory)
    date = datetime.date(2024, 10, 1)
    amount = 150_000_000
    funding_source = factory.SubFactory(FundingSourceFactory)
    document_number = factory.Sequence(lambda n: f"UNC-{n:04d}")


class LoanContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LoanContract

    project = factory.SubFactory(ProjectFactory, support_form=SupportForm.RECOVERABLE)
    facility = factory.SubFactory(FacilityFactory)
    number = factory.Sequence(lambda n: f"{n:03d}/HĐ-TTKC")
    signed_on = datetime.date(2023, 6, 1)
    principal = 200_000_000
    disbursed_on = datetime.date(2023, 6, 15)
    term_months = 36
    grace_months = 6
    instalment_count = 6
    state = LoanContract.State.ACTIVE


class InstalmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instalment

    contract = factory.SubFactory(LoanContractFactory)
    schedule_version = 1
    number = factory.Sequence(lambda n: n + 1)
    due_date = datetime.date(2024, 6, 15)
    principal_due = 33_000_000


class RepaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Repayment

    contract = factory.SubFactory(LoanContractFactory)
    date = datetime.date(2024, 6, 10)
    amount = 33_000_000
    receipt_number = factory.Sequence(lambda n: f"BL-{n:04d}")


class LawsuitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lawsuit

    contract = factory.SubFactory(LoanContractFactory, state=LoanContract.State.LITIGATION)
    filed_on = factory.Sequence(lambda n: datetime.date(2024, 1, 1) + datetime.timedelta(days=n))
    court = "Tòa án nhân dân thành phố Đà Lạt"
    case_number = factory.Sequence(lambda n: f"{n}/2024/TLST-KDTM")
    status = Lawsuit.Status.PENDING


class HearingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hearing

    lawsuit = factory.SubFactory(LawsuitFactory)
    date = datetime.date(2024, 4, 10)
    note = "Phiên hòa giải"


class RescheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reschedule

    contract = factory.SubFactory(LoanContractFactory)
    version = 2
    date = datetime.date(2024, 7, 1)
    outstanding = 120_000_000
    reason = "Cơ sở bị thiệt hại do thiên tai."
    by = factory.SubFactory(UserFactory)


class WriteOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WriteOff

    contract = factory.SubFactory(LoanContractFactory, state=LoanContract.State.WRITTEN_OFF)
    date = datetime.date(2024, 12, 20)
    amount = 80_000_000
    reason = "Cơ sở đã giải thể, không còn tài sản."
    decision_number = factory.Sequence(lambda n: f"{n}/QĐ-SCT")
    by = factory.SubFactory(UserFactory)


class RecoveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recovery

    contract = factory.SubFactory(LoanContractFactory, state=LoanContract.State.WRITTEN_OFF)
    date = datetime.date(2025, 2, 1)
    amount = 5_000_000
    receipt_number = factory.Sequence(lambda n: f"TH-{n:04d}")


# Every narrative section of a report written: a draft the checks before issuing
# (reporting.checks) do not stop for an unfinished section.
NARRATIVE_TEXTS = {
    "directives": "Sở Công Thương chỉ đạo Trung tâm Khuyến công triển khai kế hoạch.",
    "coordination": "Phối hợp với các địa phương.",
    "limitations": "Nguồn kinh phí còn hạn chế.",
    "causes": "Ngân sách địa phương còn khó khăn.",
    "part2": "Tiếp tục hỗ trợ các cơ sở công nghiệp nông thôn.",
    "part3": "Đề nghị Bộ Công Thương quan tâm bố trí kinh phí.",
}
# As the services and the model take it, and as the edit screen posts it (reporting.forms).
NARRATIVE = {"section_texts": NARRATIVE_TEXTS}
NARRATIVE_FORM = {f"text_{slug}": text for slug, text in NARRATIVE_TEXTS.items()}


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    province = factory.LazyFunction(lambda: unit("68"))
    kind = Report.Kind.PERIOD
    year_from = 2021
    year_to = 2024
    title = "Báo cáo kết quả thực hiện hoạt động khuyến công"
    place = "Lâm Đồng"
    report_date = datetime.date(2025, 3, 15)
    signer_title = "Giám đốc"
    signer_name = "Trần Văn B"
    section_texts = factory.LazyFunction(lambda: dict(NARRATIVE_TEXTS))
