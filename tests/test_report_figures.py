"""The report's figures (reporting.figures): small made-up data first, then the Lâm Đồng data set.

The data-set tests compare every figure, formatted, with the values that
tests/data/report-figures.md (the design card's list) gives (read from that file where its tables allow it).
"""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from funding.models import LoanContract
from khuyencong.core import formatting as fmt
from projects.models import AnnualPlan, FundingLevel, Project, SupportForm
from reporting.figures import compute_figures
from tests import factories as f
from tests.report_expectations import (
    REPORT_DATE,
    expected_body_values,
    expected_year_rows,
    province,
)

# Every test here, marked or not, reads the test database: a module-scoped data set is only
# created in it when the session holds a django_db test, and would otherwise go to the
# developer's own database (pytest -k picking one test).
pytestmark = pytest.mark.django_db

DONE = Project.Status.COMPLETED


def _project(plan, code, *, content="MMTB", executed=0, facilities=(), status=DONE, **kwargs):
    project = f.ProjectFactory(plan=plan, content=f.content(content), status=status, facilities=list(facilities), **kwargs)
    if executed:
        f.DisbursementFactory(project=project, amount=executed, funding_source=None)
    return project


@pytest.fixture
def small_period(db):
    """2024: four local đề án done, one approved and not done, one only proposed; one national.

    Facility A gets two supports (local and national machinery); facility C a recoverable
    contract, repaid late and sued.
    """
    local = f.ProgramFactory(funding_level=f.funding_level(FundingLevel.LOCAL), first_year=2021, last_year=2025)
    national = f.ProgramFactory(funding_level=f.funding_level(FundingLevel.NATIONAL), first_year=2021, last_year=2025)
    plan = f.AnnualPlanFactory(program=local, year=2024)
    national_plan = f.AnnualPlanFactory(program=national, year=2024)
    a, b, c, d = (f.FacilityFactory(name=name) for name in ("Cơ sở A", "Cơ sở B", "Công ty TNHH Ánh Dương", "Cơ sở D"))
    _project(plan, "M1", executed=300_000_000, facilities=[a], planned_budget=300_000_000, counterpart_capital=700_000_000)
    _project(
        plan,
        "D1",
        content="MHTD",
        executed=189_000_000,
        facilities=[b],
        is_cleaner_production=True,
        planned_budget=200_000_000,
        counterpart_capital=100_000_000,
    )
    conference = _project(
        plan, "K1", content="KNCC", executed=100_000_000, support_form=SupportForm.INDIRECT, planned_budget=100_000_000
    )
    f.EventFactory(project=conference, participants=20, sale_contracts=1, memoranda=5)
    f.EventFactory(project=conference, participants=30, sale_contracts=2, memoranda=6)
    loan = _project(
        plan,
        "R1",
        executed=500_337_000,
        facilities=[c],
        support_form=SupportForm.RECOVERABLE,
        planned_budget=500_000_000,
        counterpart_capital=1_000_000_000,
    )
    contract = f.LoanContractFactory(
        project=loan,
        facility=c,
        principal=500_000_000,
        signed_on=datetime.date(2024, 3, 1),
        disbursed_on=datetime.date(2024, 3, 10),
    )
    f.InstalmentFactory(contract=contract, number=1, due_date=datetime.date(2024, 9, 10), principal_due=100_000_000)
    f.InstalmentFactory(contract=contract, number=2, due_date=datetime.date(2025, 3, 10), principal_due=100_000_000)
    f.RepaymentFactory(contract=contract, date=datetime.date(2024, 10, 1), amount=100_000_000)  # late
    f.LawsuitFactory(contract=contract, filed_on=datetime.date(2025, 1, 5))
    _project(plan, "T1", content="THNH", status=Project.Status.APPROVED, planned_budget=50_000_000, facilities=[d])
    _project(plan, "P1", status=Project.Status.PROPOSED, planned_budget=999_000_000)
    _project(
        national_plan,
        "QG1",
        executed=300_000_000,
        facilities=[a],
        funding_level=f.funding_level(FundingLevel.NATIONAL),
        planned_budget=300_000_000,
        counterpart_capital=200_000_000,
    )
    return {"plan": plan, "contract": contract, "facilities": (a, b, c, d)}


def _compute(year_from=2024, year_to=2024, report_date=datetime.date(2025, 3, 15)):
    return compute_figures(province=f.unit("68"), year_from=year_from, year_to=year_to, report_date=report_date)


def test_done_and_planned_follow_the_plans(small_period):
    figures = _compute()
    assert figures.has_data
    assert (figures.done.count, figures.done.money) == (5, 1_389_337_000)
    assert (figures.levels.local.count, figures.levels.local.money) == (4, 1_089_337_000)
    assert (figures.levels.national.count, figures.levels.national.money) == (1, 300_000_000)
    (year,) = figures.years
    # The proposed đề án is not in the plan: 6 planned, 5 done.
    assert (year.done, year.planned) == (5, 6)
    assert year.planned_money == 300_000_000 + 200_000_000 + 100_000_000 + 500_000_000 + 50_000_000 + 300_000_000
    assert (year.local_done, year.local_planned, year.national_done, year.national_planned) == (4, 5, 1, 1)


def test_content_lines_count_supports_per_project(small_period):
    figures = _compute()
    assert (figures.machinery.supports, figures.machinery.money) == (2, 600_000_000)
    assert (figures.machinery.local.count, figures.machinery.national.count) == (1, 1)
    assert (figures.demonstration.projects, figures.demonstration.supports) == (1, 1)
    assert figures.cleaner_production.money == 189_000_000
    assert (figures.conferences.events, figures.conferences.participants, figures.conferences.memoranda) == (2, 50, 11)
    assert figures.brand.projects == 0  # approved, not done


def test_direct_support_counts_distinct_facilities(small_period):
    figures = _compute()
    # Machinery (A twice) + demonstration (B): 3 đề án, 2 distinct facilities.
    assert (figures.non_recoverable.projects, figures.non_recoverable.facilities) == (3, 2)
    assert figures.non_recoverable.money == 789_000_000
    assert figures.non_recoverable.counterpart == 1_000_000_000
    assert (figures.recoverable.projects, figures.recoverable.facilities, figures.recoverable.money) == (1, 1, 500_337_000)
    assert figures.direct_money == 1_289_337_000
    assert figures.direct_national_money == 300_000_000


def test_repayment_comes_from_contract_statuses(small_period):
    figures = _compute()
    repayment = figures.repayment
    assert (repayment.facilities, repayment.on_time, repayment.sued) == (1, 0, 1)
    assert repayment.sued_names == ("Công ty TNHH Ánh Dương",)
    assert repayment.sued_outstanding == 400_000_000
    # Before the lawsuit was filed, nobody was sued.
    assert _compute(report_date=datetime.date(2024, 12, 31)).repayment.sued == 0


def test_growth_against_the_previous_year(small_period):
    previous_plan = f.AnnualPlanFactory(program=small_period["plan"].program, year=2023)
    old = _project(previous_plan, "R0", support_form=SupportForm.RECOVERABLE, executed=100_000_000)
    facility = small_period["facilities"][2]
    contract = f.LoanContractFactory(
        project=old,
        facility=facility,
        principal=100_000_000,
        signed_on=datetime.date(2023, 3, 1),
        disbursed_on=datetime.date(2023, 3, 2),
    )
    f.LawsuitFactory(contract=contract, filed_on=datetime.date(2023, 11, 1))
    figures = _compute()
    assert figures.repayment.previous_sued_outstanding == 100_000_000
    assert fmt.ratio(*figures.repayment.growth) == "4,0"


def test_no_previous_data_gives_no_growth(small_period):
    assert _compute().repayment.growth is None


def test_an_empty_year_has_no_data(small_period):
    figures = _compute(2019, 2019)
    assert not figures.has_data
    assert figures.done.count == 0 and figures.years[0].planned == 0


def test_another_province_is_not_counted(small_period):
    figures = compute_figures(province=f.unit("67"), year_from=2024, year_to=2024, report_date=datetime.date(2025, 3, 15))
    assert not figures.has_data


def _grow(plan: AnnualPlan, n: int) -> None:
    """n more đề án with facilities, disbursements and recoverable contracts."""
    for i in range(n):
        facility = f.FacilityFactory()
        project = _project(plan, f"X{i}", executed=10_000_000, facilities=[facility], support_form=SupportForm.RECOVERABLE)
        contract = f.LoanContractFactory(project=project, facility=facility, principal=10_000_000)
        f.InstalmentFactory(contract=contract, number=1)
        f.RepaymentFactory(contract=contract)
        event_project = _project(plan, f"E{i}", content="KNCC", executed=1_000_000)
        f.EventFactory(project=event_project)


def test_query_count_does_not_grow_with_the_data(small_period, django_assert_num_queries):
    province = f.unit("68")

    def compute(year_from, year_to):
        return compute_figures(province=province, year_from=year_from, year_to=year_to, report_date=datetime.date(2025, 3, 15))

    # đề án added up by group; their distinct facilities (by content; F16's and F21's); the
    # listed đề án (with executed); facility pairs; events; nominations (their totals, recognitions by
    # level, and the list for annex IV); recoverable contracts;
    # contract_statuses' summaries that hold on the date (none: worked out today) and six
    # (instalments, reschedules, repayments, lawsuits, write-offs, recoveries); the previous
    # year's contracts (none here, so no statuses for them).
    # And the results after support (none here, so not their đề án's facilities), with the
    # provinces they may come from (projects.provinces.lineage).
    with django_assert_num_queries(20):
        compute(2024, 2024)
    # The same, and the programme before 2021 (none here).
    with django_assert_num_queries(20):
        compute(2021, 2025)
    _grow(small_period["plan"], 15)
    with django_assert_num_queries(20):
        compute(2024, 2024)
    with django_assert_num_queries(20):
        compute(2021, 2025)


def test_a_reversed_range_is_refused(db):
    with pytest.raises(ValueError):
        _compute(2025, 2021)


@pytest.mark.django_db
def test_contract_states_other_than_draft_count(small_period):
    small_period["contract"].state = LoanContract.State.DRAFT
    small_period["contract"].save()
    assert _compute().repayment.facilities == 0


# --- The Lâm Đồng data set ---------------------------------------------------------------



def _period_figures():
    return compute_figures(province=province(), year_from=2021, year_to=2025, report_date=REPORT_DATE)


def formatted_body(figures) -> dict[str, str]:
    """Each figure of the body as report-figures.md's "value" column writes it."""
    r = figures.repayment
    voting = figures.voting
    levels = {a.level_code: a.recognised for a in voting.recognised}
    m = fmt.money_short
    line = figures.machinery
    return {
        "F01": str(figures.done.count),
        "F02": m(figures.done.money),
        "F03": f"{figures.levels.local.count} / {m(figures.levels.local.money)}",
        "F04": f"{fmt.count(figures.levels.national.count)} / {m(figures.levels.national.money)}",
        "F05": f"{fmt.share(figures.levels.local.money, figures.done.money)} / "
        f"{fmt.share(figures.levels.national.money, figures.done.money)}",
        "F06": f"{fmt.count(figures.demonstration.projects)} models, {fmt.count(figures.demonstration.supports)} "
        f"facilities, {m(figures.demonstration.money)} (local)"
        if not figures.demonstration.national.money
        else "national money",
        "F07": f"{line.supports} facilities, {m(line.money)}; local {line.local.count} / {m(line.local.money)}; "
        f"national {fmt.count(line.national.count)} / {m(line.national.money)}",
        "F08": f"{figures.conferences.events} conferences, {m(figures.conferences.money)}",
        "F09": f"{figures.brand.supports} facilities, {m(figures.brand.money)}",
        "F10": f"{voting.products} products of {voting.facilities} facilities nominated; certificates: district "
        f"{levels.get('HUYEN', 0)}, province {levels.get('TINH', 0)}, regional {levels.get('KHUVUC', 0)}, national "
        f"{levels.get('QUOCGIA', 0)}; cost {m(voting.money)}",
        "F11": f"{fmt.count(figures.cleaner_production.projects)} models, "
        f"{fmt.count(figures.cleaner_production.supports)} facilities, {m(figures.cleaner_production.money)}",
        "F12": f"{fmt.count(figures.training.outputs)} class",
        "F13": f"{fmt.count(figures.media.outputs)} programmes, {m(figures.media.money)}",
        "F14": m(figures.inspection.money),
        "F15": f'{fmt.count(figures.national.count)} đề án, {m(figures.national.money)}; no "đề án điểm"'
        if not figures.national_key
        else "key",
        "F16": f"{figures.recoverable.projects} đề án for {figures.recoverable.facilities} facilities",
        "F17": f"{r.on_time} of {r.facilities} facilities, {fmt.share(r.on_time, r.facilities)}",
        "F18": f"{fmt.count(r.sued)} facilities, {fmt.share(r.sued, r.facilities)}",
        "F19": m(r.sued_outstanding),
        "F21": f"{figures.non_recoverable.projects} đề án for {figures.non_recoverable.facilities} facilities, "
        f"{m(figures.non_recoverable.money)}; counterpart {m(figures.non_recoverable.counterpart)}",
        "F22": f"{m(figures.direct_money)}; local {m(figures.direct_local_money)}, central {m(figures.direct_national_money)}",
        "F24": f"{figures.conferences.events} conferences, {figures.conferences.participants} enterprise participations, "
        f"{figures.conferences.sale_contracts} sale contracts, {figures.conferences.memoranda} cooperation memoranda",
    }


@pytest.mark.django_db
def test_the_period_figures_are_those_of_the_spec(lam_dong):
    got = formatted_body(_period_figures())
    expected = expected_body_values()
    for figure, text in got.items():
        assert expected[figure].startswith(text) or expected[figure] == text, (figure, text, expected[figure])


@pytest.mark.django_db
def test_the_period_figures_the_spec_words_in_prose(lam_dong):
    figures = _period_figures()
    r = figures.repayment
    # F15, F16, F20, F23, F30: the spec's cells carry prose, so their values are written out here.
    assert (fmt.count(figures.national.count), fmt.money(figures.national.money), figures.national_key) == (
        "02",
        "600 triệu đồng",
        0,
    )
    assert fmt.money(figures.recoverable.money) == "20,800 tỷ đồng"
    assert fmt.ratio(*r.growth) == "6,4"
    assert r.sued_names == ("Công ty cổ phần Phú Lộc Sơn", "Công ty TNHH Phan Quốc Đạt", "Công ty TNHH Nam Ban Silk")
    assert fmt.money(figures.done.money) == "30,501 tỷ đồng"
    # F06 and F11 are the same two đề án; F21 = F06 + F07.
    assert figures.non_recoverable.money == figures.demonstration.money + figures.machinery.money


@pytest.mark.django_db
def test_the_years_are_those_of_footnote_1(lam_dong):
    figures = _period_figures()
    rows = expected_year_rows()
    for year in figures.years:
        row = rows[year.year]
        assert row["done"] == f"{year.done}/{year.planned} ({fmt.rate(year.done, year.planned)})", year.year
        money = f"{fmt.money_short(year.executed).removesuffix(' tỷ')} / {fmt.money_short(year.planned_money)}"
        assert row["money"].startswith(money), (year.year, money, row["money"])
        assert f"({fmt.rate(year.executed, year.planned_money)})" in row["money"], year.year
        assert row["local"].startswith(f"{year.local_done}/{year.local_planned}"), year.year
        national = f"{year.national_done}/{year.national_planned}, {fmt.money_short(year.national_executed)}"
        assert row["national"] == (national if year.national_planned else "0"), year.year
    year_2024 = next(y for y in figures.years if y.year == 2024)
    assert fmt.money_precise(year_2024.local_executed) == "1.836.337.000 đồng"


@pytest.mark.django_db
def test_the_annual_report_2024_prints_the_2024_figures(lam_dong):
    figures = compute_figures(province=province(), year_from=2024, year_to=2024, report_date=REPORT_DATE)
    (year,) = figures.years
    assert (figures.done.count, year.done, year.planned) == (15, 15, 22)
    assert fmt.money(figures.done.money) == "1,836 tỷ đồng"
    assert fmt.rate(year.executed, year.planned_money) == "36,6%"


@pytest.mark.django_db
def test_the_query_count_is_the_same_at_ten_times_the_data(lam_dong, django_assert_num_queries):
    unit = province()

    def compute():
        return compute_figures(province=unit, year_from=2021, year_to=2025, report_date=REPORT_DATE)

    # đề án added up by group; their distinct facilities (by content; F16's and F21's); the
    # listed đề án (with executed); facility pairs; conference events; nominations; recoverable
    # contracts; contract_statuses' summaries that hold (none) and six (instalments,
    # reschedules, repayments, lawsuits, write-offs, recoveries); the programme ending in 2020;
    # its contracts; their summaries and six; the results after support and the provinces
    # they may come from.
    with django_assert_num_queries(28):
        before = compute()
    call_command("scale_demo", factor=10, verbosity=0)
    with django_assert_num_queries(28):
        after = compute()
    assert after.done.count >= 10 * before.done.count


def test_money_precise_shows_the_dong_rounding_would_hide():
    assert fmt.money_precise(1_836_337_000) == "1.836.337.000 đồng"
    assert fmt.money_precise(9_091_000_000) == "9,091 tỷ đồng"
    assert fmt.money_precise(378_500_000) == "378,5 triệu đồng"
    assert fmt.money_precise(378_500_100) == "378.500.100 đồng"
