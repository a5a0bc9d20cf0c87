"""The draft report on screen (reporting.views.draft_document): its figures are computed
without the annexes' record lines (compute_figures(annexes=False)), and it names annexes I,
IV, V and VI without printing their tables, so that the page does not grow with the data.
The figures it prints are the files' figures, to the đồng."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from django.urls import reverse

from reporting.document import default_province
from reporting.figures import compute_figures
from tests.test_report_drilldown_issued import _grow, department, year_2024  # noqa: F401 - fixtures

# Only what lists records differs: the annexes' lines, F10's facilities, the figures' records
# (the links' pages compute their own).
ANNEX_ONLY = ("project_lines", "contracts", "recognised_products", "records")


def _figures_data(figures) -> dict:
    data = dataclasses.asdict(figures)
    for key in ANNEX_ONLY:
        data.pop(key)
    data["voting"].pop("by_facility")
    return data


@pytest.mark.django_db
@pytest.mark.usefixtures("lam_dong")
@pytest.mark.parametrize(("year_from", "year_to"), [(2021, 2025), (2024, 2024), (2025, 2025)])
def test_the_draft_on_screen_prints_the_files_figures(year_from, year_to):
    province = default_province(year_to)
    as_of = datetime.date(2025, 3, 15)
    full = compute_figures(province=province, year_from=year_from, year_to=year_to, report_date=as_of)
    draft = compute_figures(province=province, year_from=year_from, year_to=year_to, report_date=as_of, annexes=False)
    assert _figures_data(draft) == _figures_data(full)
    # The body names F12's đề án (reporting.sentences.training): their lines are kept.
    assert draft.records["F12"] == full.records["F12"]
    assert [line.name for line in draft.project_lines] == [
        line.name for line in full.project_lines if line.id in set(full.records["F12"].projects)
    ]


# The session, the user and the user's groups; the provinces of the period; the figures (the
# đề án added up by group; their distinct facilities, by content and F16's and F21's; F12's đề
# án; their facility pairs; the conference events; the nominations' totals and levels; the
# recoverable contracts, whether their debt summaries hold on the report's date, and
# contract_statuses' records — for the period and for the previous programme's end; the results
# after support and the provinces they may come from); the document's scope and the page's
# header; and first the data version the page is cached under (khuyencong.core.dataversion; the
# tests' cache keeps nothing, so the page is computed every time). The same with 30 more đề án
# and contracts.
DRAFT_PAGE_QUERIES = 34


@pytest.mark.parametrize("grow", [0, 30])
def test_the_draft_page_reads_a_fixed_number_of_queries(year_2024, department, client, django_assert_num_queries, grow):  # noqa: F811
    _grow(year_2024["plan"], grow)
    client.force_login(department)
    url = reverse("reporting:draft-document", kwargs={"year_from": 2024, "year_to": 2024}) + "?ngay=2025-03-15"
    with django_assert_num_queries(DRAFT_PAGE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    # Annex I is named, its table left to the files; annex II (a row a year) is printed.
    assert 'id="phu-luc-I"' in html and 'id="phu-luc-II"' in html
    assert "Bảng của phụ lục này có trong các tệp PDF, Word và Excel của báo cáo." in html
    assert "M1" not in html.split('id="phu-luc-I"')[1].split('id="phu-luc-II"')[0]
    assert html.count('<table class="annex-table">') == 2  # II and III
