"""The lists in a real browser: on a 768-pixel tablet each list keeps its key columns (which
record, its name, its money, its overdue or status) on screen and the dashboard's charts keep
their text readable; printed from Chromium, every list fits A4 landscape with its last column
on the first page; a column header sorts.

The browser machinery (Chromium, the live server, signing in) is tests/test_browser.py's.
"""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.urls import reverse
from pypdf import PdfReader

from projects.models import Event
from tests import factories as f
from tests.test_browser import (  # noqa: F401 - fixtures
    PASSWORD,
    SHOTS,
    async_unsafe_allowed,
    chromium,
    initial_data_back_afterwards,
    people,
    records,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each list, and the column headers that must stay on a tablet's screen. The last one is the
# table's last column, which a printed page must hold too.
KEY_COLUMNS = {
    "projects:project-list": ["Mã", "Tên đề án", "Trạng thái", "Kinh phí kế hoạch (đồng)", "Đã giải ngân (đồng)"],
    "projects:facility-list": ["Tên cơ sở", "Mã số thuế", "Xã, phường", "Số lượt hỗ trợ"],
    "projects:event-list": ["Ngày", "Sự kiện", "Lượt DN", "Hợp đồng"],
    "projects:nomination-list": ["Năm", "Sản phẩm", "Cấp", "Kết quả"],
    "projects:program-list": ["Năm", "Kinh phí kế hoạch", "Đã giải ngân", "Tỷ lệ giải ngân"],
    "funding:contract-list": ["Số hợp đồng", "Cơ sở", "Dư nợ", "Nợ quá hạn", "Tình trạng"],
    "funding:due-list": ["Ngày đến hạn", "Hợp đồng", "Cơ sở", "Phải trả", "Còn phải trả"],
    "funding:overdue-list": ["Hợp đồng", "Cơ sở", "Dư nợ", "Nợ quá hạn", "Số ngày quá hạn"],
    "funding:portfolio": ["Số ngày quá hạn", "Số hợp đồng", "Dư nợ của các hợp đồng", "Trong đó nợ quá hạn"],
}
# The last column of each list's first table, printed.
LAST_COLUMN = {
    "projects:project-list": "Đã giải ngân",
    "projects:facility-list": "Số lượt hỗ trợ",
    "projects:event-list": "Biên bản",
    "projects:nomination-list": "Hiệu lực",
    "projects:program-list": "Tỷ lệ giải ngân",
    "funding:contract-list": "Tình trạng",
    "funding:due-list": "Còn phải trả",
    "funding:overdue-list": "Nhóm tuổi nợ",
    "funding:portfolio": "Xóa nợ / thu hồi",
}


@pytest.fixture
def lists(records):  # noqa: F811
    """A row on every list: an event, a nomination, an instalment due in ten days."""
    today = datetime.date.today()
    f.EventFactory(project=records["project"], name="Hội chợ hàng công nghiệp nông thôn tiêu biểu", kind=Event.Kind.FAIR)
    f.ProductNominationFactory(product=f.ProductFactory(facility=records["facility"], name="Chè ô long Cầu Đất"))
    f.InstalmentFactory(contract=records["contract"], number=2, due_date=today - datetime.timedelta(days=40))
    f.InstalmentFactory(contract=records["contract"], number=3, due_date=today + datetime.timedelta(days=10))
    return records


def _signed_in(chromium, live_server, width: int, height: int):  # noqa: F811
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Tên đăng nhập").fill("xem")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(live_server.url + reverse("home"))
    return context, page


HEADERS = """(titles) => titles.map((title) => {
  const th = [...document.querySelectorAll('table.list thead th')]
    .find((h) => h.textContent.replace(/[▲▼]/g, '').trim() === title);
  if (!th) { return [title, null]; }
  const box = th.getBoundingClientRect();
  return [title, box.width > 0 ? Math.round(box.right) : -1];
})"""


def test_at_768_pixels_every_list_keeps_its_key_columns_on_screen(chromium, live_server, lists):  # noqa: F811
    context, page = _signed_in(chromium, live_server, 768, 1024)
    try:
        for name, titles in KEY_COLUMNS.items():
            page.goto(live_server.url + reverse(name))
            width = page.evaluate("() => window.innerWidth")
            for title, right in page.evaluate(HEADERS, titles):
                assert right is not None and 0 < right <= width, (name, title, right, width)
            assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0, name
        shot(page, "90-ty-le-768-tong-hop")
        assert not page.get_by_role("button", name="Hiện thêm cột").is_visible()  # the portfolio hides no column
        # The hidden columns come back with "Hiện thêm cột" (the table then scrolls in its frame).
        page.goto(live_server.url + reverse("funding:contract-list"))
        shot(page, "91-ty-le-768-hop-dong")
        assert not page.get_by_role("columnheader", name="Đã trả").is_visible()
        page.get_by_role("button", name="Hiện thêm cột").click()
        assert page.get_by_role("columnheader", name="Đã trả").is_visible()
        assert page.get_by_role("button", name="Ẩn bớt cột").get_attribute("aria-pressed") == "true"
        assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    finally:
        context.close()


CHART_TEXT = """() => [...document.querySelectorAll('svg.chart text')].map((t) =>
  parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""


@pytest.mark.parametrize(("width", "height"), [(768, 1024), (820, 1180), (1366, 768)])
def test_the_dashboards_chart_text_stays_readable(chromium, live_server, lists, width, height):  # noqa: F811
    context, page = _signed_in(chromium, live_server, width, height)
    try:
        sizes = page.evaluate(CHART_TEXT)
        assert sizes, "no chart text on the dashboard"
        assert min(sizes) >= 11, (width, min(sizes))
        assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
        if width == 768:
            shot(page, "92-ty-le-768-bieu-do")
    finally:
        context.close()


def test_every_list_prints_on_a4_landscape_with_its_last_column(chromium, live_server, lists, tmp_path):  # noqa: F811
    context, page = _signed_in(chromium, live_server, 1366, 768)
    try:
        for name, last in LAST_COLUMN.items():
            page.goto(live_server.url + reverse(name))
            pdf = tmp_path / f"{name.replace(':', '-')}.pdf"
            page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
            first = PdfReader(str(pdf)).pages[0]
            width, height = float(first.mediabox.width), float(first.mediabox.height)
            assert (round(width), round(height)) == (842, 595), (name, width, height)  # A4 landscape, in points
            text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"], capture_output=True,
                                  text=True, check=True).stdout  # fmt: skip
            assert " ".join(last.split()) in " ".join(text.split()), (name, last)
            assert "Xuất Excel" not in text and "Đăng xuất" not in text, name  # the screen's buttons stay off paper
            if name in ("funding:contract-list", "projects:project-list"):  # to look at: artifacts/screenshots/
                SHOTS.mkdir(parents=True, exist_ok=True)
                subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                                str(SHOTS / f"93-ban-in-{name.split(':')[1]}")], check=True)  # fmt: skip
    finally:
        context.close()


def test_a_column_header_sorts_the_list_and_says_so(chromium, live_server, lists):  # noqa: F811
    f.FacilityFactory(name="Đá mỹ nghệ Tân Phú")
    f.FacilityFactory(name="Cà phê Cầu Đất")
    context, page = _signed_in(chromium, live_server, 1366, 768)
    try:
        page.goto(live_server.url + reverse("projects:facility-list"))
        assert not page.get_by_role("button", name="Hiện thêm cột").is_visible()  # a laptop shows every column
        header = page.locator("th", has_text="Tên cơ sở")
        assert header.get_attribute("aria-sort") == "ascending"
        ordered = ["Cà phê Cầu Đất", "Đá mỹ nghệ Tân Phú", "Hợp tác xã Chè Cầu Đất Xanh"]  # Đ after D, before H
        assert page.locator("table.list tbody tr td:first-child a").all_inner_texts() == ordered
        header.get_by_role("link").click()
        page.wait_for_url("**sap_xep=-ten**")
        assert page.locator("th", has_text="Tên cơ sở").get_attribute("aria-sort") == "descending"
        assert page.locator("table.list tbody tr td:first-child a").all_inner_texts() == ordered[::-1]
        # Coming back to the bare list brings the order back; "Xóa bộ lọc" forgets it.
        page.goto(live_server.url + reverse("projects:facility-list"))
        assert "sap_xep=-ten" in page.url
        page.get_by_role("link", name="Xóa bộ lọc").click()
        page.wait_for_url(live_server.url + reverse("projects:facility-list"))
        assert page.locator("th", has_text="Tên cơ sở").get_attribute("aria-sort") == "ascending"
    finally:
        context.close()
