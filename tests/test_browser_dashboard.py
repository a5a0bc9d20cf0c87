"""In a real browser: the dashboard opens on the current programme's years (the programme
containing today's year, projects.periods), and its year choices reach that programme's end.

The browser machinery (Chromium, the live server, signing in) is tests/test_browser.py's.
"""

from __future__ import annotations

import datetime

import pytest

from khuyencong.core import roles
from projects import periods
from projects.models import FundingLevel
from tests import factories as f
from tests.screens_helpers import user_in
from tests.test_browser import (  # noqa: F401 - fixtures
    PASSWORD,
    async_unsafe_allowed,
    chromium,
    initial_data_back_afterwards,
    open_as,
    reference_data,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_programmes():
    reference_data()
    user = user_in(roles.VIEWER, "xem")
    user.set_password(PASSWORD)
    user.save()
    local = f.funding_level(FundingLevel.LOCAL)
    old = f.ProgramFactory(funding_level=local, province=f.unit("68"), first_year=2021, last_year=2025)
    new = f.ProgramFactory(funding_level=local, province=f.unit("68-2025"), first_year=2026, last_year=2030)
    # A programme already drafted for after the current one: the dashboard still opens on the
    # programme containing today's year, not on the latest one.
    f.ProgramFactory(funding_level=local, province=f.unit("68-2025"), first_year=2031, last_year=2035)
    f.AnnualPlanFactory(program=old, year=2024)
    f.AnnualPlanFactory(program=new, year=2026)


def test_the_dashboard_opens_on_the_current_programmes_years(open_as, two_programmes):  # noqa: F811
    expected = periods.current_programme_years(datetime.date.today())
    if datetime.date.today().year in range(2026, 2031):
        assert expected == (2026, 2030)
    page = open_as("xem")
    shot(page, "80-tong-quan-chuong-trinh-hien-hanh")
    year_from = page.locator("select#tu").input_value()
    year_to = page.locator("select#den").input_value()
    assert (int(year_from), int(year_to)) == expected
    offered = page.locator("select#den option").all_inner_texts()
    assert "2030" in offered and "2021" in offered
    # Choosing the previous programme's years and applying them shows those years.
    page.locator("select#tu").select_option("2021")
    page.locator("select#den").select_option("2025")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url("**den=2025**")
    assert page.locator("select#tu").input_value() == "2021"
    assert page.get_by_role("heading", level=1).inner_text() == "Tổng quan 2021–2025"
