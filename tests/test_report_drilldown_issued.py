"""The drill-down pages of an issued report (reporting/drilldown.py): the records as they were at
issue, whatever changes after; the pages' queries. Small made-up data: the Lâm Đồng data set
is in tests/test_report_drilldown.py."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from funding.models import LoanContract
from khuyencong.core import roles
from projects.models import FundingLevel, Project, SupportForm
from reporting import services
from reporting.document import draft_figures
from reporting.drilldown import SNAPSHOT_KEY, build_page
from reporting.models import ReportSnapshot
from tests import factories as f
from tests.report_expectations import REPORT_DATE
from tests.test_report_records import user_in

pytestmark = pytest.mark.django_db

LOCAL, NATIONAL = FundingLevel.LOCAL, FundingLevel.NATIONAL


@pytest.fixture
def department(db):
    return user_in(roles.DEPARTMENT, "chuyenvien")


# --- An issued report's pages: the records as at issue ------------------------------------------


@pytest.fixture
def year_2024(db):
    """2024: a machinery đề án done (300 triệu paid), and a recoverable one whose contract's
    first instalment is repaid on time."""
    program = f.ProgramFactory(funding_level=f.funding_level(LOCAL), first_year=2021, last_year=2025)
    plan = f.AnnualPlanFactory(program=program, year=2024)
    facility = f.FacilityFactory(name="Công ty TNHH Chè Cầu Đất")
    project = f.ProjectFactory(
        plan=plan, code="M1", status=Project.Status.COMPLETED, facilities=[facility], planned_budget=400_000_000
    )
    f.DisbursementFactory(project=project, amount=300_000_000, funding_source=None)
    loan_facility = f.FacilityFactory(name="Hợp tác xã Dệt Nam Ban")
    loan = f.ProjectFactory(
        plan=plan, code="R1", status=Project.Status.COMPLETED, support_form=SupportForm.RECOVERABLE, facilities=[loan_facility]
    )
    f.DisbursementFactory(project=loan, amount=200_000_000, funding_source=None)
    contract = f.LoanContractFactory(
        project=loan, facility=loan_facility, principal=200_000_000, disbursed_on=datetime.date(2024, 1, 10)
    )
    f.InstalmentFactory(contract=contract, number=1, due_date=datetime.date(2024, 6, 15), principal_due=50_000_000)
    f.RepaymentFactory(contract=contract, date=datetime.date(2024, 6, 10), amount=50_000_000)
    return {"plan": plan, "project": project, "contract": contract, "facility": loan_facility}


def _issue(by, **fields):
    values = (
        {"year_from": 2024, "year_to": 2024, "report_date": REPORT_DATE, "signer_name": "Nguyễn Văn An"} | f.NARRATIVE | fields
    )
    return services.issue_report(report=services.create_report(by=by, **values), number="125", by=by)


def _figure(report, figure: str) -> str:
    return reverse("reporting:report-figure", kwargs={"pk": report.pk, "figure": figure})


def _main(response) -> str:
    """The page's own content (the menu's sign-out form carries a new CSRF token each time)."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_an_issued_report_links_to_the_records_as_they_were_at_issue(year_2024, department, client):
    report = _issue(department)
    client.force_login(department)
    document = client.get(reverse("reporting:report-document", args=[report.pk])).content.decode()
    assert f'<a class="figure" href="{_figure(report, "F02")}"' in document
    assert 'href="/bao-cao/so-lieu/' not in document  # no link to today's records
    before = {figure: _main(client.get(_figure(report, figure))) for figure in ("F02", "F17", "F19")}
    assert "300.000.000" in before["F02"] and "500 triệu đồng</strong>" in before["F02"]
    assert "150.000.000" in before["F17"]  # outstanding: 200 − 50 triệu

    # The data change after issue: more money paid out, a repayment, a lawsuit.
    f.DisbursementFactory(project=year_2024["project"], amount=150_000_000, funding_source=None)
    f.RepaymentFactory(contract=year_2024["contract"], date=datetime.date(2025, 1, 10), amount=40_000_000)
    f.LawsuitFactory(contract=year_2024["contract"], filed_on=datetime.date(2025, 2, 1))

    for figure, html in before.items():
        assert _main(client.get(_figure(report, figure))) == html, figure
    draft = services.create_report(by=department, year_from=2024, year_to=2024, report_date=REPORT_DATE)
    now = client.get(_figure(draft, "F02")).content.decode()
    assert "450.000.000" in now and "650 triệu đồng</strong>" in now
    assert "110.000.000" in client.get(_figure(draft, "F19")).content.decode()  # sued now, 150 − 40 triệu
    assert "Hợp tác xã Dệt Nam Ban" not in before["F19"]  # not sued at issue


def test_the_snapshot_keeps_every_page(year_2024, department):
    report = _issue(department)
    kept = ReportSnapshot.objects.get(report=report).figures[SNAPSHOT_KEY]
    figures = draft_figures(year_from=2024, year_to=2024, report_date=REPORT_DATE)
    assert set(kept) == set(figures.records)
    assert kept["F02"] == build_page(figures, "F02")


def test_an_issued_report_download_carries_no_links(year_2024, department, client):
    report = _issue(department)
    client.force_login(department)
    html = client.get(reverse("reporting:report-download", args=[report.pk, "html"])).content.decode()
    assert '<a class="figure"' not in html and '<span class="figure">' in html and "500 triệu đồng" in html


def test_issued_figure_pages_refuse_what_is_not_there(year_2024, department, client):
    report = _issue(department)
    assert client.get(_figure(report, "F02")).status_code == 302  # anonymous: sign in first
    client.force_login(user_in("viewer", "xem"))
    assert client.get(_figure(report, "F02")).status_code == 200
    assert client.get(_figure(report, "F99")).status_code == 404
    assert client.get(_figure(report, "Y2023")).status_code == 404  # not a year of this report
    assert client.get(reverse("reporting:report-figure", kwargs={"pk": 987654, "figure": "F02"})).status_code == 404
    assert client.post(_figure(report, "F02")).status_code == 405
    # A report issued before the pages were kept: a clear 404, not an error.
    snapshot = ReportSnapshot.objects.get(report=report)
    snapshot.figures.pop(SNAPSHOT_KEY)
    snapshot.save()
    assert client.get(_figure(report, "F02")).status_code == 404


# --- Queries -----------------------------------------------------------------------------------


def _grow(plan, n: int) -> None:
    """``n`` more done đề án, each with a facility and a recoverable contract repaid late."""
    for i in range(n):
        facility = f.FacilityFactory()
        project = f.ProjectFactory(
            plan=plan,
            code=f"G{i}",
            status=Project.Status.COMPLETED,
            support_form=SupportForm.RECOVERABLE,
            facilities=[facility],
        )
        f.DisbursementFactory(project=project, amount=10_000_000 + i, funding_source=None)
        contract = f.LoanContractFactory(
            project=project, facility=facility, principal=10_000_000, state=LoanContract.State.ACTIVE
        )
        f.InstalmentFactory(contract=contract, number=1, due_date=datetime.date(2024, 6, 15), principal_due=5_000_000)
        f.RepaymentFactory(contract=contract, date=datetime.date(2024, 7, 1), amount=5_000_000)


# savepoint + release (atomic request), session, user; the province (settings' code);
# compute_figures' 18 (đề án added up by group; their distinct facilities, two; the listed đề
# án with executed; facility pairs; conference events; nominations'
# totals, levels and list;
# recoverable contracts and contract_statuses' summaries that hold on the date (none) and six;
# the previous year's contracts); the user's groups (the menu).
DRAFT_FIGURE_QUERIES = 26  # + the results after support (none here) and their provinces' lineage
# savepoint + release, session, user; the report (issued_by and replaces joined) and what
# replaced it (prefetch); the one figure's page from the snapshot; the user's groups.
ISSUED_FIGURE_QUERIES = 8


@pytest.mark.parametrize("grow", [0, 30])
@pytest.mark.parametrize("figure", ["F02", "F10", "F17", "F19", "Y2024"])
def test_figure_pages_read_a_fixed_number_of_queries(
    year_2024,
    department,
    client,
    django_assert_num_queries,
    figure,
    grow,
):
    report = _issue(department)
    _grow(year_2024["plan"], grow)
    client.force_login(department)
    draft = reverse(
        "reporting:figure-records", kwargs={"figure": figure, "year_from": 2024, "year_to": 2024, "report_date": "2025-03-15"}
    )
    with django_assert_num_queries(DRAFT_FIGURE_QUERIES):
        assert client.get(draft).status_code == 200
    with django_assert_num_queries(ISSUED_FIGURE_QUERIES):
        assert client.get(_figure(report, figure)).status_code == 200
