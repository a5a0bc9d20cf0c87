"""In a real browser: the clerk uploads a workbook whose đề án row is wrong and reads which
disbursement row waits for it; then uploads a good one, confirms, follows a link from the result
to a đề án it created, and finds both runs in the import log.

The browser machinery (Chromium, the live server, signing in) is tests/test_browser.py's.
"""

from __future__ import annotations

import pytest

from khuyencong.models import ImportLog
from projects.models import Project
from tests.test_browser import (  # noqa: F401 - fixtures
    async_unsafe_allowed,
    chromium,
    initial_data_back_afterwards,
    open_as,
    people,
    reference_data,
    shot,
)
from tests.test_workbook_log import DEPENDENT, bad_first_project
from tests.workbook_helpers import centre_workbook, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upload(page, live_server, data: bytes, name: str) -> None:
    page.goto(live_server.url + "/nhap-xuat/")
    page.get_by_label("Tệp .xlsx").set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}]
    )
    page.get_by_role("button", name="Kiểm tra tệp").click()
    page.wait_for_url("**/cong-viec/**")


def test_the_clerk_reads_why_a_row_is_skipped_then_follows_the_import_to_its_records(
    open_as, live_server, people, settings, tmp_path  # noqa: F811
):
    settings.MEDIA_ROOT = tmp_path
    page = open_as("chuyenvien")

    upload(page, live_server, bad_first_project(), "sai-de-an.xlsx")
    skipped = page.locator("#skipped")
    assert DEPENDENT in skipped.inner_text()
    shot(page, "workbook-preview-skipped-rows")

    upload(page, live_server, xlsx(centre_workbook()), "quy-3.xlsx")
    page.get_by_role("button", name="Xác nhận nhập dữ liệu").click()
    page.wait_for_selector("#h-records")
    shot(page, "workbook-import-result-links")
    project = Project.objects.get(code="DP-02")
    page.get_by_role("link", name=f"DP-02 — {project.name}").click()
    page.wait_for_url(f"**/de-an/{project.pk}/")

    page.goto(live_server.url + "/nhap-xuat/nhat-ky/")
    rows = page.locator("#import-logs tbody tr")
    assert rows.count() == ImportLog.objects.count() == 3  # two checks, one import
    shot(page, "workbook-import-log")
    page.locator("#import-logs tbody tr").first.get_by_role("link").click()
    page.wait_for_selector("text=Tải tệp đã dùng")
    assert ImportLog.objects.filter(applied=True).get().sha256 in page.content()
    shot(page, "workbook-import-log-detail")
