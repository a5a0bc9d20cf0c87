"""The contract list's facility filter in a real browser: a search picker, not a drop-down of
every facility (issue 14). Chromium through Playwright, as tests/test_browser.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from funding.models import LoanContract
from tests import factories as f
from tests.test_browser import (  # noqa: F401  (the fixtures)
    async_unsafe_allowed,
    chromium,
    initial_data_back_afterwards,
    open_as,
    people,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_contract_list_is_filtered_by_a_facility_found_by_typing(open_as, people, live_server):  # noqa: F811
    wanted = f.LoanContractFactory(
        facility=f.FacilityFactory(name="Hợp tác xã Chè Cầu Đất"), number="01/2024/HĐ-KC", state=LoanContract.State.ACTIVE
    )
    other = f.LoanContractFactory(
        facility=f.FacilityFactory(name="Công ty Cà phê Lâm Hà"), number="02/2024/HĐ-KC", state=LoanContract.State.ACTIVE
    )
    page = open_as("xem")
    page.goto(live_server.url + reverse("funding:contract-list"))
    assert page.locator("select[name=facility]").count() == 0
    picker = page.get_by_role("combobox", name="Cơ sở")
    picker.press_sequentially("cau dat")
    page.get_by_role("option", name="Hợp tác xã Chè Cầu Đất").wait_for()
    picker.press("ArrowDown")
    picker.press("Enter")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**facility=*")
    table = page.locator("table.contracts")
    assert wanted.number in table.inner_text() and other.number not in table.inner_text()
    # The choice stays shown, and removing it lists every contract again.
    page.get_by_role("button", name="Bỏ chọn Hợp tác xã Chè Cầu Đất").click()
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_load_state()
    assert other.number in page.locator("table.contracts").inner_text()
    shot(page, "contract-list-facility-picker")
