"""The Lâm Đồng data set gives every figure of report-figures.md (F01–F30).

Each figure is computed here with plain ORM queries over the loaded data set, independently
of the application's report code, and compared exactly (in đồng and counts) with the value in
report-figures.md, and with the way the report prints it (khuyencong.core.formatting).
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum

from funding.models import Disbursement, Instalment, Lawsuit, LoanContract, Repayment
from khuyencong.core import roles
from khuyencong.core.formatting import count, money, rate, ratio, share
from projects.models import Event, ProductNomination, Project

pytestmark = pytest.mark.django_db

REPORT_DATE = datetime.date.fromisoformat(settings.DEMO_REPORT_DATE)
PREVIOUS_PERIOD_END = datetime.date(2020, 12, 31)
GROUP_1_1 = ["MHTD", "MMTB", "CGCN", "XLMT"]
T = 1_000_000


# --- helpers ---------------------------------------------------------------------------
def executed(projects) -> int:
    return Disbursement.objects.filter(project__in=projects).aggregate(s=Sum("amount"))["s"] or 0


def planned(projects) -> int:
    return projects.aggregate(s=Sum("planned_budget"))["s"] or 0


def counterpart(projects) -> int:
    return projects.aggregate(s=Sum("counterpart_capital"))["s"] or 0


def in_period(first=2021, last=2025):
    return Project.objects.filter(plan__year__gte=first, plan__year__lte=last)


def done(first=2021, last=2025):
    return in_period(first, last).filter(status=Project.Status.COMPLETED)


def local(qs):
    return qs.filter(funding_level__code="DP")


def national(qs):
    return qs.filter(funding_level__code="QG")


def support_pairs(projects) -> int:
    """(đề án, facility) pairs: a facility helped by two đề án counts twice."""
    return Project.facilities.through.objects.filter(project__in=projects).count()


def distinct_facilities(projects) -> int:
    return Project.facilities.through.objects.filter(project__in=projects).values("facility").distinct().count()


def recoverable():
    return done().filter(support_form="recoverable")


def direct_non_recoverable():
    return done().filter(support_form="non_recoverable", content__code__in=GROUP_1_1).exclude(facilities=None)


def recoverable_contracts():
    return LoanContract.objects.filter(project__in=recoverable())


def on_time(facility_id) -> bool:
    """F17: for every instalment due on or before the report date, the repayments made on or
    before its due date cover all principal due up to and including it."""
    for contract in recoverable_contracts().filter(facility_id=facility_id):
        version = contract.instalments.order_by("-schedule_version").values_list("schedule_version", flat=True)[:1]
        schedule = Instalment.objects.filter(contract=contract, schedule_version__in=list(version)).order_by("number")
        due_so_far = 0
        for instalment in schedule:
            if instalment.due_date > REPORT_DATE:
                break
            due_so_far += instalment.principal_due
            paid = Repayment.objects.filter(contract=contract, date__lte=instalment.due_date).aggregate(
                s=Sum("amount"))["s"] or 0
            if paid < due_so_far:
                return False
    return True


def sued_facilities(contracts, day):
    return set(Lawsuit.objects.filter(contract__in=contracts, filed_on__lte=day).values_list(
        "contract__facility_id", flat=True))


def outstanding(contracts, day) -> int:
    lent = contracts.aggregate(s=Sum("principal"))["s"] or 0
    back = Repayment.objects.filter(contract__in=contracts, date__lte=day).aggregate(s=Sum("amount"))["s"] or 0
    return lent - back


# --- Part I.II.1 -------------------------------------------------------------------------
def test_f01_done(lam_dong):
    assert done().count() == 168
    assert count(done().count()) == "168"


def test_f02_executed(lam_dong):
    assert executed(done()) == 30_501_337_000
    assert money(executed(done())) == "30,501 tỷ đồng"


def test_f03_local(lam_dong):
    assert local(done()).count() == 166
    assert executed(local(done())) == 29_901_337_000
    assert money(executed(local(done()))) == "29,901 tỷ đồng"


def test_f04_national(lam_dong):
    assert national(done()).count() == 2
    assert executed(national(done())) == 600 * T
    assert (count(national(done()).count()), money(executed(national(done())))) == ("02", "600 triệu đồng")


def test_f05_shares(lam_dong):
    whole = executed(done())
    assert share(executed(local(done())), whole) == "98%"
    assert share(executed(national(done())), whole) == "2%"


def test_f06_demonstration_models(lam_dong):
    models = done().filter(content__code="MHTD")
    assert (models.count(), support_pairs(models), executed(models)) == (2, 2, 378 * T)
    assert local(models).count() == 2
    assert money(executed(models)) == "378 triệu đồng"


def test_f07_machinery(lam_dong):
    machinery = done().filter(content__code="MMTB", support_form="non_recoverable")
    assert (support_pairs(machinery), executed(machinery)) == (62, 5_943 * T)
    assert (support_pairs(local(machinery)), executed(local(machinery))) == (60, 5_343 * T)
    assert (support_pairs(national(machinery)), executed(national(machinery))) == (2, 600 * T)
    assert [money(executed(q)) for q in (machinery, local(machinery), national(machinery))] == [
        "5,943 tỷ đồng", "5,343 tỷ đồng", "600 triệu đồng"]


def test_f08_conferences(lam_dong):
    conferences = done().filter(content__code="KNCC")
    assert Event.objects.filter(project__in=conferences, kind=Event.Kind.CONFERENCE).count() == 15
    assert executed(conferences) == 1_563 * T
    assert money(executed(conferences)) == "1,563 tỷ đồng"


def test_f09_brands(lam_dong):
    brands = done().filter(content__code="THNH")
    assert (support_pairs(brands), executed(brands)) == (18, 450 * T)
    assert money(executed(brands)) == "450 triệu đồng"


def test_f10_typical_products(lam_dong):
    nominations = ProductNomination.objects.filter(year__gte=2021, year__lte=2025)
    assert nominations.values("product").distinct().count() == 220
    assert nominations.values("product__facility").distinct().count() == 138
    recognised = nominations.filter(recognised=True)
    by_level = {code: recognised.filter(level__code=code).count() for code in ("HUYEN", "TINH", "KHUVUC", "QUOCGIA")}
    assert by_level == {"HUYEN": 186, "TINH": 57, "KHUVUC": 24, "QUOCGIA": 15}
    assert not recognised.filter(certificate_number="").exists()
    assert nominations.filter(recognised=False).exists()
    cost = executed(done().filter(content__code="BCSP"))
    assert cost == 669 * T
    assert money(cost) == "669 triệu đồng"


def test_f11_cleaner_production(lam_dong):
    pilots = done().filter(is_cleaner_production=True)
    assert (pilots.count(), support_pairs(pilots), executed(pilots)) == (2, 2, 378 * T)
    assert set(pilots) == set(done().filter(content__code="MHTD"))  # F06 = F11
    assert money(executed(pilots)) == "378 triệu đồng"


def test_f12_training_class(lam_dong):
    classes = done().filter(content__code="DTBD").aggregate(s=Sum("output_quantity"))["s"]
    assert classes == 1
    assert count(classes) == "01"


def test_f13_television(lam_dong):
    programmes = done().filter(content__code="TTTT")
    assert programmes.aggregate(s=Sum("output_quantity"))["s"] == 5
    assert executed(programmes) == 175 * T
    assert money(executed(programmes)) == "175 triệu đồng"


def test_f14_inspection(lam_dong):
    assert executed(done().filter(content__code="KTGS")) == 523 * T
    assert money(executed(done().filter(content__code="KTGS"))) == "523 triệu đồng"


def test_f15_national_projects(lam_dong):
    projects = national(done())
    assert (projects.count(), executed(projects)) == (2, 600 * T)
    assert not projects.filter(is_key=True).exists()
    assert money(executed(projects)) == "600 triệu đồng"


# --- Part I.II.3 -------------------------------------------------------------------------
def test_f16_recoverable(lam_dong):
    projects = recoverable()
    facilities = set(recoverable_contracts().values_list("facility_id", flat=True))
    assert (projects.count(), len(facilities), executed(projects)) == (36, 35, 20_800_337_000)
    assert counterpart(projects) == 49_870 * T
    assert money(executed(projects)) == "20,800 tỷ đồng"
    assert money(counterpart(projects)) == "49,870 tỷ đồng"
    # One facility and one contract per đề án; the contract's principal is its one disbursement.
    for project in projects:
        assert project.facilities.count() == 1
        contract = project.contracts.get()
        assert contract.facility == project.facilities.get()
        disbursement = project.disbursements.get()
        assert (disbursement.amount, disbursement.date) == (contract.principal, contract.disbursed_on)


def test_f17_repaid_on_time(lam_dong):
    facilities = set(recoverable_contracts().values_list("facility_id", flat=True))
    punctual = {f for f in facilities if on_time(f)}
    assert (len(punctual), len(facilities)) == (32, 35)
    assert share(len(punctual), len(facilities)) == "91%"
    assert not Repayment.objects.filter(date__gt=REPORT_DATE).exists()


def test_f18_sued(lam_dong):
    facilities = set(recoverable_contracts().values_list("facility_id", flat=True))
    sued = sued_facilities(recoverable_contracts(), REPORT_DATE)
    assert len(sued) == 3
    assert share(len(sued), len(facilities)) == "9%"
    assert not any(on_time(f) for f in sued)
    assert set(recoverable_contracts().filter(facility_id__in=sued).values_list("state", flat=True)) == {"litigation"}


def test_f19_outstanding_of_the_sued(lam_dong):
    sued = sued_facilities(recoverable_contracts(), REPORT_DATE)
    debt = outstanding(recoverable_contracts().filter(facility_id__in=sued), REPORT_DATE)
    assert debt == 1_065 * T
    assert money(debt) == "1,065 tỷ đồng"


def test_f20_growth_against_the_previous_period(lam_dong):
    previous = LoanContract.objects.filter(project__in=done(2014, 2020).filter(support_form="recoverable"))
    sued = sued_facilities(previous, PREVIOUS_PERIOD_END)
    before = outstanding(previous.filter(facility_id__in=sued), PREVIOUS_PERIOD_END)
    assert before == 167 * T
    now = outstanding(recoverable_contracts().filter(
        facility_id__in=sued_facilities(recoverable_contracts(), REPORT_DATE)), REPORT_DATE)
    assert ratio(now, before) == "6,4"
    # The previous period's facilities are not among the 35 of 2021–2025.
    assert not sued & set(recoverable_contracts().values_list("facility_id", flat=True))


def test_f21_direct_non_recoverable(lam_dong):
    projects = direct_non_recoverable()
    assert (projects.count(), distinct_facilities(projects), executed(projects)) == (64, 61, 6_321 * T)
    assert counterpart(projects) == 16_759 * T
    assert (money(executed(projects)), money(counterpart(projects))) == ("6,321 tỷ đồng", "16,759 tỷ đồng")
    assert all(p.facilities.count() == 1 for p in projects)


def test_f22_direct_support_total(lam_dong):
    both = recoverable() | direct_non_recoverable()
    assert executed(both) == 27_121_337_000
    assert executed(local(both)) == 26_521_337_000
    assert executed(national(both)) == 600 * T
    assert [money(executed(q)) for q in (both, local(both), national(both))] == [
        "27,121 tỷ đồng", "26,521 tỷ đồng", "600 triệu đồng"]


def test_f23_capital_attracted(lam_dong):
    total = counterpart(recoverable()) + counterpart(direct_non_recoverable())
    assert total == 66_629 * T
    assert money(total) == "66,629 tỷ đồng"


def test_f24_conference_outcomes(lam_dong):
    events = Event.objects.filter(project__in=done().filter(content__code="KNCC"), kind=Event.Kind.CONFERENCE)
    sums = events.aggregate(p=Sum("participants"), c=Sum("sale_contracts"), m=Sum("memoranda"))
    assert (events.count(), sums["p"], sums["c"], sums["m"]) == (15, 304, 7, 341)
    assert events.values("project").distinct().count() == 15


# --- Footnote 1: each year ----------------------------------------------------------------
YEARS = {
    # year: (done, planned, executed, planned money, local done/planned, local executed, national done/planned,
    #        national executed, printed: count rate, money rate, executed, planned)
    2021: (37, 38, 9_391 * T, 10_020 * T, (36, 37), 9_091 * T, (1, 1), 300 * T,
           "97,4%", "93,7%", "9,391 tỷ đồng", "10,020 tỷ đồng"),
    2022: (35, 35, 8_987 * T, 8_990 * T, (35, 35), 8_987 * T, (0, 0), 0,
           "100%", "99,9%", "8,987 tỷ đồng", "8,990 tỷ đồng"),
    2023: (52, 52, 8_342 * T, 9_920 * T, (51, 51), 8_042 * T, (1, 1), 300 * T,
           "100%", "84,1%", "8,342 tỷ đồng", "9,920 tỷ đồng"),
    2024: (15, 22, 1_836_337_000, 5_014 * T, (15, 22), 1_836_337_000, (0, 0), 0,
           "68,2%", "36,6%", "1,836 tỷ đồng", "5,014 tỷ đồng"),
    2025: (29, 29, 1_945 * T, 1_945 * T, (29, 29), 1_945 * T, (0, 0), 0,
           "100%", "100%", "1,945 tỷ đồng", "1,945 tỷ đồng"),
}


def check_year(year):
    (n_done, n_planned, ex, pl, local_counts, local_ex, national_counts, national_ex,
     count_rate, money_rate, ex_text, pl_text) = YEARS[year]
    plan = in_period(year, year)
    achieved = done(year, year)
    assert (achieved.count(), plan.count()) == (n_done, n_planned)
    assert (executed(achieved), planned(plan)) == (ex, pl)
    assert (local(achieved).count(), local(plan).count()) == local_counts
    assert executed(local(achieved)) == local_ex
    assert (national(achieved).count(), national(plan).count()) == national_counts
    assert executed(national(achieved)) == national_ex
    assert (rate(n_done, n_planned), rate(ex, pl)) == (count_rate, money_rate)
    assert (money(ex), money(pl)) == (ex_text, pl_text)
    # Đề án not done are not carried out, with a reason, and paid nothing.
    missed = plan.exclude(status=Project.Status.COMPLETED)
    assert set(missed.values_list("status", flat=True)) <= {"not_carried_out"}
    assert not missed.filter(status_reason="").exists()
    assert executed(missed) == 0


def test_f25_2021(lam_dong):
    check_year(2021)
    assert planned(in_period(2021, 2021).exclude(status="completed")) == 629 * T


def test_f26_2022(lam_dong):
    check_year(2022)


def test_f27_2023(lam_dong):
    check_year(2023)


def test_f28_2024(lam_dong):
    check_year(2024)
    from khuyencong.core.formatting import money_exact

    assert money_exact(executed(done(2024, 2024))) == "1.836.337.000 đồng"
    assert planned(done(2024, 2024)) == 1_837 * T
    assert planned(in_period(2024, 2024).exclude(status="completed")) == 3_177 * T


def test_f29_2025(lam_dong):
    check_year(2025)
    assert not Disbursement.objects.filter(project__plan__year=2025, date__gte=REPORT_DATE).exists()


def test_footnote_years_add_up_to_the_body(lam_dong):
    assert sum(YEARS[y][2] for y in YEARS) == executed(done())


# --- Footnote 2 ---------------------------------------------------------------------------
def test_f30_sued_facilities_by_name(lam_dong):
    sued = sued_facilities(recoverable_contracts(), REPORT_DATE)
    names = set(apps.get_model("projects", "Facility").objects.filter(pk__in=sued).values_list("name", flat=True))
    assert names == {"Công ty cổ phần Phú Lộc Sơn", "Công ty TNHH Phan Quốc Đạt", "Công ty TNHH Nam Ban Silk"}


# --- The installation ---------------------------------------------------------------------
def _snapshot():
    """Row counts of every table of the apps (history tables included), and the values of the
    main demo tables."""
    counts = {}
    for app in ("projects", "funding", "reporting", "auth"):
        for model in apps.get_app_config(app).get_models():
            counts[model._meta.label] = model._default_manager.count()
    values = {
        label: list(apps.get_model(label).objects.order_by("pk").values_list())
        for label in ("projects.Facility", "projects.Project", "funding.Disbursement", "funding.LoanContract",
                      "funding.Repayment", "projects.ProductNomination")
    }
    m2m = list(Project.facilities.through.objects.order_by("pk").values_list())
    users = list(get_user_model().objects.order_by("pk").values_list())
    return counts, values, m2m, users


def test_seed_demo_twice_changes_nothing(lam_dong):
    before = _snapshot()
    assert before[0]["projects.HistoricalProject"] > 0  # the first load wrote history
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert before == _snapshot()
    assert "0 bản ghi mới, 0 bản ghi được khôi phục" in out.getvalue()


def test_seed_demo_puts_back_a_changed_row(lam_dong):
    project = Project.objects.get(code="DP-2021-001", plan__year=2021)
    name = project.name
    Project.objects.filter(pk=project.pk).update(name="sửa nhầm")
    history = project.history.count()
    call_command("seed_demo", stdout=io.StringIO())
    project.refresh_from_db()
    assert project.name == name
    assert project.history.count() == history + 1


def test_demo_users_and_groups(lam_dong):
    User = get_user_model()
    expected = {
        "quantri": (roles.ADMINISTRATOR, True, True),
        "chuyenvien": (roles.DEPARTMENT, False, False),
        "nhaplieu": (roles.DATA_ENTRY, False, False),
        "xem": (roles.VIEWER, False, False),
    }
    for username, (group, is_staff, is_superuser) in expected.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert (user.is_staff, user.is_superuser, user.is_active) == (is_staff, is_superuser, True)
        assert user.check_password("khuyencong-demo")
    # The staff work on the portal's screens (roles.py); in the admin, which would bypass the
    # workflows, only the administrator changes anything.
    department = User.objects.get(username="chuyenvien")
    entry = User.objects.get(username="nhaplieu")
    for user in (department, entry):
        assert user.has_perm("projects.view_project") and user.has_perm("funding.view_loancontract")
        assert not user.has_perm("projects.change_project") and not user.has_perm("funding.change_loancontract")
    assert User.objects.get(username="quantri").has_perm("funding.change_loancontract")
    viewer = User.objects.get(username="xem")
    assert viewer.has_perm("projects.view_project") and not viewer.has_perm("projects.change_project")
    assert roles.can_edit_records(entry) and roles.can_issue_reports(department) and not roles.can_edit_records(viewer)


def test_scale_demo_keeps_the_proportions(lam_dong):
    call_command("scale_demo", "--factor", "3", stdout=io.StringIO())
    assert done().count() == 3 * 168
    assert executed(done()) == 3 * 30_501_337_000
    facilities = set(recoverable_contracts().values_list("facility_id", flat=True))
    assert len(facilities) == 3 * 35
    assert sum(on_time(f) for f in facilities) == 3 * 32
    assert direct_non_recoverable().count() == 3 * 64
    assert distinct_facilities(direct_non_recoverable()) == 3 * 61
    call_command("scale_demo", "--factor", "3", stdout=io.StringIO())  # nothing more
    assert done().count() == 3 * 168


def test_the_staff_cannot_change_records_behind_the_workflows_in_the_admin(lam_dong):
    """Approving a đề án or writing a contract off goes through the portal's workflows; the
    admin is the administrator's, and even there a contract's state is not typed in."""
    from django.test import Client

    from funding.models import LoanContract
    from projects.models import Project

    project, contract = Project.objects.first(), LoanContract.objects.first()
    for username in ("nhaplieu", "chuyenvien"):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        response = client.get(f"/quan-tri/projects/project/{project.pk}/change/")
        assert response.status_code == 302 and response["Location"].startswith("/quan-tri/login/"), username
    admin = Client()
    admin.force_login(get_user_model().objects.get(username="quantri"))
    page = admin.get(f"/quan-tri/funding/loancontract/{contract.pk}/change/").content.decode()
    assert 'name="state"' not in page and contract.get_state_display() in page


def test_a_disbursed_contracts_terms_and_ledger_are_read_only_in_the_admin(lam_dong):
    from django.test import Client

    from funding.models import LoanContract

    contract = LoanContract.objects.exclude(disbursed_on=None).first()
    admin = Client()
    admin.force_login(get_user_model().objects.get(username="quantri"))
    url = f"/quan-tri/funding/loancontract/{contract.pk}/change/"
    page = admin.get(url).content.decode()
    for field in ("principal", "disbursed_on", "term_months", "instalments-0-principal_due", "repayments-0-amount"):
        assert f'name="{field}"' not in page, field
    admin.post(url, {"principal": "7000000", "number": contract.number})
    contract.refresh_from_db()
    assert contract.principal != 7_000_000
    # A draft's terms can still be corrected there; its money, schedule and repayments are the
    # services' (create_contract checks the budget), so they are only read (test_admin_lockdown.py).
    draft = LoanContract.objects.create(
        project=contract.project, facility=contract.facility, number="NHAP-01", signed_on=contract.signed_on,
        principal=1_000_000, term_months=12, instalment_count=12,
    )  # fmt: skip
    page = admin.get(f"/quan-tri/funding/loancontract/{draft.pk}/change/").content.decode()
    assert 'name="term_months"' in page and 'name="instalments-TOTAL_FORMS"' in page
    assert 'name="principal"' not in page and 'name="instalments-__prefix__-principal_due"' not in page


@pytest.mark.parametrize("as_of", [REPORT_DATE, datetime.date(2023, 1, 1), datetime.date(2026, 11, 30)])
def test_every_facility_of_f17_has_one_standing(lam_dong, as_of):
    """The recoverable-support paragraph accounts for F17's whole base: on time, paid late,
    overdue and not sued, sued, each facility in exactly one."""
    from reporting.document import draft_figures
    from reporting.figures import Standing

    repayment = draft_figures(year_from=2021, year_to=2025, report_date=as_of).repayment
    standing = dict(repayment.standing)
    assert list(standing) == list(Standing.ORDER)
    assert sum(standing.values()) == repayment.facilities == 35
    assert standing[Standing.SUED] == repayment.sued
    if as_of == REPORT_DATE:
        assert standing == {Standing.ON_TIME: 32, Standing.PAID_LATE: 0, Standing.OVERDUE: 0, Standing.SUED: 3}
