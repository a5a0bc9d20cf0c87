"""The drill-down pages (reporting/drilldown.py): every figure's records add up to the figure, the
rows link to their records, F17 splits its facilities by standing, and an issued report's pages
show the records as they were at issue."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from khuyencong.core import roles
from projects.models import FundingLevel
from reporting.document import draft_figures
from reporting.drilldown import FIGURES, drilldown_rows
from reporting.figures import ReportFigures, Standing
from tests import factories as f
from tests.report_expectations import REPORT_DATE
from tests.test_report_records import user_in

pytestmark = pytest.mark.django_db

LOCAL, NATIONAL = FundingLevel.LOCAL, FundingLevel.NATIONAL


@pytest.fixture
def department(db):
    return user_in(roles.DEPARTMENT, "chuyenvien")


# --- Every page's total is its figure (the Lâm Đồng data set) ---------------------------------


def _section(page: dict, key: str) -> dict | None:
    return next((s for s in page["sections"] if s["key"] == key), None)


def _amount(section: dict | None, column: str) -> int:
    """A project section's total of ``column``; 0 for a section the page does not have."""
    if section is None:
        return 0
    keys = [c["key"] for c in section["columns"]]
    return section["totals"]["amounts"][keys.index(column)]


def _projects(page: dict) -> dict:
    """The page's totals over its project sections."""
    return page["totals"]


def _total(page: dict, column: str) -> int:
    keys = [c["key"] for c in page["columns"]]
    return page["totals"]["amounts"][keys.index(column)]


def _check_content_line(page: dict, line) -> None:
    assert _projects(page)["rows"] == line.projects
    assert _total(page, "executed") == line.money
    if "supports" in [c["key"] for c in page["columns"]]:
        assert _total(page, "supports") == line.supports
        for level, part in ((LOCAL, line.local), (NATIONAL, line.national)):
            assert (_amount(_section(page, level), "supports"), _amount(_section(page, level), "executed")) == (
                part.count,
                part.money,
            )
    if "outputs" in [c["key"] for c in page["columns"]]:
        assert _total(page, "outputs") == line.outputs


def _check_direct(page: dict, support) -> None:
    totals = _projects(page)
    assert (totals["rows"], totals["facilities"]) == (support.projects, support.facilities)
    assert (_total(page, "executed"), _total(page, "counterpart")) == (support.money, support.counterpart)
    assert _amount(_section(page, LOCAL), "executed") == support.local_money
    assert _amount(_section(page, NATIONAL), "executed") == support.national_money


def _check_sued(page: dict, figures: ReportFigures) -> None:
    section = page["sections"][0]
    repayment = figures.repayment
    assert section["totals"]["facilities"] == repayment.sued
    assert section["totals"]["outstanding"] == repayment.sued_outstanding  # F19
    assert len({row["facility_id"] for row in section["rows"]}) == repayment.sued
    assert {row["facility"] for row in section["rows"]} == set(repayment.sued_names)  # F30


def _check_standing(page: dict, figures: ReportFigures) -> None:
    counts = dict(figures.repayment.standing)
    keys = list(Standing.ORDER) if page["figure"] == "F17" else [page["figure"].removeprefix("F17-")]
    assert [s["key"] for s in page["sections"]] == keys
    for section in page["sections"]:
        assert section["totals"]["facilities"] == counts[section["key"]]
        assert len({row["facility_id"] for row in section["rows"]}) == counts[section["key"]]
    if page["figure"] == "F17":
        assert page["totals"]["facilities"] == figures.repayment.facilities == page["base"]
        assert _section(page, Standing.ON_TIME)["totals"]["facilities"] == figures.repayment.on_time
        assert page["totals"]["rows"] == len(figures.contracts)
        assert page["totals"]["outstanding"] == sum(c.outstanding for c in figures.contracts)


def _check_year(page: dict, figures: ReportFigures) -> None:
    year = next(y for y in figures.years if y.fig_id == page["figure"])
    totals = _projects(page)
    done = [row for s in page["sections"] for row in s["rows"] if row["amounts"][1] is not None]
    assert (len(done), totals["done"], totals["rows"]) == (year.done, year.done, year.planned)
    assert (_total(page, "executed"), _total(page, "planned")) == (year.executed, year.planned_money)
    for level, prefix in ((LOCAL, "local"), (NATIONAL, "national")):
        section = _section(page, level)
        assert (section["totals"]["rows"] if section else 0) == getattr(year, f"{prefix}_planned")
        assert _amount(section, "executed") == getattr(year, f"{prefix}_executed")
        assert _amount(section, "planned") == getattr(year, f"{prefix}_planned_money")


def _check(figure: str, page: dict, fig: ReportFigures) -> None:
    """The page of ``figure`` adds up to what ReportFigures says."""
    if figure.startswith("Y"):
        return _check_year(page, fig)
    if figure.startswith("F17"):
        return _check_standing(page, fig)
    if figure in ("F18", "F19", "F20", "F30"):
        _check_sued(page, fig)
        if figure == "F20" and fig.repayment.previous_year_from:
            assert page["previous"]["outstanding"] == fig.repayment.previous_sued_outstanding
        return None
    content_lines = {
        "F06": fig.demonstration, "F07": fig.machinery, "F09": fig.brand, "F11": fig.cleaner_production,
        "F12": fig.training, "F13": fig.media, "F14": fig.inspection,
    }  # fmt: skip
    if figure in content_lines:
        return _check_content_line(page, content_lines[figure])
    if figure in ("F16", "F21"):
        return _check_direct(page, fig.recoverable if figure == "F16" else fig.non_recoverable)
    totals = _projects(page)
    if figure in ("F01", "F02", "F05"):
        assert (totals["rows"], _total(page, "executed")) == (fig.done.count, fig.done.money)
        assert _amount(_section(page, LOCAL), "executed") == fig.levels.local.money  # F05's parts
        assert _amount(_section(page, NATIONAL), "executed") == fig.levels.national.money
    elif figure in ("F03", "F04", "F15"):
        level = fig.levels.local if figure == "F03" else fig.levels.national
        assert (totals["rows"], _total(page, "executed")) == (level.count, level.money)
        if figure == "F15":
            assert _total(page, "key") == fig.national_key
    elif figure == "F08":
        assert (_total(page, "events"), _total(page, "executed")) == (fig.conferences.events, fig.conferences.money)
    elif figure == "F24":
        outcomes = [_total(page, key) for key in ("events", "participants", "sale_contracts", "memoranda")]
        c = fig.conferences
        assert outcomes == [c.events, c.participants, c.sale_contracts, c.memoranda]
    elif figure == "F10":
        assert _total(page, "executed") == fig.voting.money
        nominated = _section(page, "nominated")["totals"]
        assert (nominated["rows"], nominated["products"]) == (fig.voting.facilities, fig.voting.products)
        assert nominated["recognised"] == sum(level.recognised for level in fig.voting.recognised)
    elif figure == "F22":
        assert _total(page, "executed") == fig.direct_money
        assert _amount(_section(page, LOCAL), "executed") == fig.direct_local_money
        assert _amount(_section(page, NATIONAL), "executed") == fig.direct_national_money
    elif figure == "F23":
        assert _total(page, "counterpart") == fig.counterpart
    else:
        raise AssertionError(f"no check for {figure}: add one")
    return None


@pytest.mark.parametrize("report_date", [REPORT_DATE, datetime.date(2026, 11, 30)])
def test_every_page_adds_up_to_its_figure(lam_dong, report_date):
    figures = draft_figures(year_from=2021, year_to=2025, report_date=report_date)
    pages = drilldown_rows(figures)
    assert set(pages) == set(figures.records)  # every figure a link can name has its page
    for figure, page in pages.items():
        _check(figure, page, figures)
    # The demo data set's figures are not empty: the checks above compared something.
    assert pages["F02"]["totals"]["amounts"] == [figures.done.money] and figures.done.money > 0
    assert figures.repayment.sued and sum(n for _, n in figures.repayment.standing) == figures.repayment.facilities
    assert figures.conferences.participants and figures.voting.products and figures.training.outputs


def test_the_annual_pages_add_up_too(lam_dong):
    figures = draft_figures(year_from=2024, year_to=2024, report_date=REPORT_DATE)
    for figure, page in drilldown_rows(figures).items():
        _check(figure, page, figures)


def test_every_figure_of_the_report_has_a_title_in_words():
    for figure, page in FIGURES.items():
        assert page.title and not re.search(r"\bF\d\d\b", page.title), figure
        assert page.amount


# --- The pages on screen ------------------------------------------------------------------------


def _draft_url(figure: str, report_date: str = "2026-11-30") -> str:
    return reverse(
        "reporting:figure-records", kwargs={"figure": figure, "year_from": 2021, "year_to": 2025, "report_date": report_date}
    )


def test_the_f17_page_separates_on_time_from_late_and_links_every_row(lam_dong, client):
    client.force_login(f.UserFactory())
    response = client.get(_draft_url("F17"))
    assert response.status_code == 200
    html = response.content.decode()
    title = re.search(r"<h1>(.*?)</h1>", html, re.S)[1]
    assert title == "Cơ sở được hỗ trợ có thu hồi và tình hình hoàn trả — giai đoạn 2021-2025, tính đến 30/11/2026"
    assert "F17" not in re.sub(r'(href|id|title)="[^"]*"', "", html)  # no internal code shown
    figures = draft_figures(year_from=2021, year_to=2025, report_date=datetime.date(2026, 11, 30))
    for name in Standing.ORDER:
        assert f'id="{name}"' in html
    for contract in figures.contracts:
        assert reverse("funding:contract-detail", args=[contract.id]) in html
        assert reverse("projects:facility-detail", args=[contract.facility_id]) in html
    assert f"{figures.repayment.facilities} cơ sở</strong>" in html


def test_the_f02_page_lists_the_money_of_each_project_and_its_total(lam_dong, client):
    client.force_login(f.UserFactory())
    html = client.get(_draft_url("F02", "2025-03-15")).content.decode()
    assert "<h1>Kinh phí thực hiện các đề án khuyến công hoàn thành — giai đoạn 2021-2025, tính đến 15/03/2025</h1>" in html
    assert "30,501 tỷ đồng</strong> (30.501.337.000 đồng)" in html  # the report's wording, and exact
    figures = draft_figures(year_from=2021, year_to=2025, report_date=REPORT_DATE)
    done = [line for line in figures.project_lines if line.done]
    assert len(done) == figures.done.count
    for line in done:
        assert reverse("projects:project-detail", args=[line.id]) in html
    assert "30.501.337.000</td>" in html  # the grand total row


def test_the_f19_page_shows_each_sued_contract_outstanding(lam_dong, client):
    client.force_login(f.UserFactory())
    html = client.get(_draft_url("F19", "2025-03-15")).content.decode()
    figures = draft_figures(year_from=2021, year_to=2025, report_date=REPORT_DATE)
    sued = [c for c in figures.contracts if c.facility in figures.repayment.sued_names]
    assert sued
    for contract in sued:
        assert f'{reverse("funding:contract-detail", args=[contract.id])}">{contract.number}</a>' in html
        assert f"{contract.outstanding:,}".replace(",", ".") in html
    assert "1,065 tỷ đồng</strong>" in html


def test_figure_pages_need_a_signed_in_user_and_a_known_figure(lam_dong, client):
    url = _draft_url("F01")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(f.UserFactory())
    for unknown in ("F99", "F31", "Y1999", "F17-nope", "x"):
        assert client.get(_draft_url(unknown)).status_code == 404, unknown
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("years", [(2025, 2021), (0, 0), (99999999999999999999, 99999999999999999999), (2000, 2020)])
def test_draft_pages_of_years_a_report_cannot_have_are_not_found(years, client):
    # They printed "năm 99999999999999999999" and "ĐẾN NĂM 100000000000000000000" before.
    client.force_login(f.UserFactory())
    year_from, year_to = years
    draft = reverse("reporting:draft-document", kwargs={"year_from": year_from, "year_to": year_to})
    records = reverse(
        "reporting:figure-records",
        kwargs={"figure": "F01", "year_from": year_from, "year_to": year_to, "report_date": "2025-03-15"},
    )
    assert client.get(draft).status_code == 404
    assert client.get(records).status_code == 404


def test_a_figure_of_a_period_with_no_data_says_so_rather_than_zero(client):
    # They printed "Tổng cộng 0 đề án; kinh phí thực hiện 0 triệu đồng (0 đồng)" and a table of
    # four groups of 0 cơ sở at 0%, their total 0%.
    client.force_login(f.UserFactory())
    nothing = {"F01": "Không có đề án nào trong năm 2019.", "F17": "Không có cơ sở nào có hợp đồng"}
    for figure, says in (nothing | {"F19": "Không có cơ sở nào bị khởi kiện trong năm 2019."}).items():
        url = reverse(
            "reporting:figure-records",
            kwargs={"figure": figure, "year_from": 2019, "year_to": 2019, "report_date": "2020-03-15"},
        )
        page = client.get(url).content.decode()
        assert says in page, figure
        assert "0 triệu đồng" not in page and "0%" not in page and "Tổng cộng <strong>0" not in page
