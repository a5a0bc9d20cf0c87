"""In a real browser: the header's search box is reached with the keyboard and finds without
accents; the bell shows the unread count (static/js/notifications.js, under the CSP); the help
link opens the help of the screen shown.

The browser machinery (Chromium, the live server, signing in) is tests/test_browser.py's.
"""

from __future__ import annotations

import datetime

import pytest

from funding.models import Instalment
from khuyencong.core import roles
from khuyencong.office.reminders import send_reminders
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
def office():
    reference_data()
    user = user_in(roles.DATA_ENTRY, "nhaplieu")
    user.set_password(PASSWORD)
    user.save()
    facility = f.FacilityFactory(name="Hợp tác xã Cà phê Cầu Đất")
    contract = f.LoanContractFactory(facility=facility, number="12/2024/HĐ-KC")
    Instalment.objects.create(contract=contract, schedule_version=1, number=1, due_date=datetime.date(2025, 2, 1),
                              principal_due=33_000_000)  # fmt: skip
    f.ProductFactory(name="Cà phê Arabica rang xay", facility=facility)
    send_reminders(datetime.date(2025, 3, 10))
    return {"contract": contract}


def test_search_from_the_keyboard_the_bell_and_the_help(open_as, live_server, office):  # noqa: F811
    page = open_as("nhaplieu")
    # The bell: one overdue contract told.
    bell = page.locator("a.bell")
    bell.locator(".bell-count").wait_for(state="visible")
    assert bell.locator(".bell-count").inner_text() == "1"
    assert bell.get_attribute("aria-label") == "Thông báo: 1 chưa đọc"

    # The search box by its label, typed and sent with the keyboard.
    box = page.get_by_label("Tìm đề án, cơ sở, hợp đồng, sản phẩm")
    box.focus()
    page.keyboard.type("ca phe cau dat")
    page.keyboard.press("Enter")
    page.wait_for_url("**/tim-kiem/?q=ca+phe+cau+dat")
    assert page.get_by_role("link", name="Cơ sở (1)").is_visible()
    assert page.get_by_role("link", name="Sản phẩm (1)").is_visible()
    assert page.get_by_role("link", name="Hợp đồng 12/2024/HĐ-KC").is_visible()
    shot(page, "assist-01-tim-kiem")

    # Help of the screen shown.
    page.get_by_role("link", name="Trợ giúp").click()
    assert page.get_by_role("heading", name="Trợ giúp: Tìm kiếm").is_visible()
    shot(page, "assist-02-tro-giup")

    # The notifications, then the contract it points to, with its letter.
    page.locator("a.bell").click()
    assert page.get_by_role("link", name="Quá hạn: hợp đồng 12/2024/HĐ-KC — Hợp tác xã Cà phê Cầu Đất").is_visible()
    shot(page, "assist-03-thong-bao")
    page.get_by_role("link", name="Quá hạn: hợp đồng 12/2024/HĐ-KC — Hợp tác xã Cà phê Cầu Đất").click()
    assert page.get_by_role("link", name="Thư nhắc nợ (PDF)").is_visible()
    shot(page, "assist-04-hop-dong")
