"""In a real browser, as the roles: the Department approves a đề án from its dashboard queue by
a decision (number, date, the approved budget typed in, a confirmation showing the amounts);
the Centre starts it, pays an advance, records the acceptance (nghiệm thu), takes it from its
own queue to the settlement (quyết toán) and completes it; the đề án's page shows each step
with who recorded it and when.

The browser machinery (Chromium, the live server, signing in) is tests/test_browser.py's.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from funding.models import Disbursement
from projects.models import Project
from tests import factories as f
from tests.test_browser import (  # noqa: F401 - fixtures
    async_unsafe_allowed,
    chromium,
    initial_data_back_afterwards,
    open_as,
    people,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = f"{datetime.date.today():%d/%m/%Y}"


def take(page, step: str, fields: dict[str, str], *, select: dict[str, str] | None = None) -> None:
    """Open ``step`` on the đề án page, fill its paper, record it, and land back on the page."""
    page.get_by_role("link", name=step, exact=True).first.click()
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    for label, value in (select or {}).items():
        page.get_by_label(label).select_option(label=value)
    page.get_by_role("button", name="Ghi", exact=True).click()
    page.wait_for_url(re.compile(r"/de-an/\d+/"))


def test_the_roles_walk_a_project_from_approval_to_completion(open_as, live_server, people):  # noqa: F811
    project = f.ProjectFactory(
        plan=people["plan"], code="DP-2024-70", name="Hỗ trợ máy sấy cà phê cho Hợp tác xã Cầu Đất",
        status=Project.Status.PROPOSED, planned_budget=300_000_000, approved_budget=0,
    )

    # The Department finds it waiting on its dashboard and approves it from there.
    department = open_as("chuyenvien")
    queue = department.get_by_role("region", name=re.compile("Đề án chờ duyệt"))
    assert "(1)" in queue.inner_text() and "DP-2024-70" in queue.inner_text()
    shot(department, "lifecycle-01-so-cho-duyet")
    queue.get_by_role("link", name="Phê duyệt").click()
    department.get_by_label("Số quyết định phê duyệt").fill("125/QĐ-SCT")
    department.get_by_label("Ngày quyết định").fill(TODAY)
    department.get_by_label("Kinh phí được duyệt (đồng)").fill("280.000.000")
    shot(department, "lifecycle-02-phe-duyet")
    department.get_by_role("button", name="Tiếp tục: xem lại trước khi ghi").click()
    confirm = department.get_by_role("form", name=re.compile("Xác nhận"))
    assert "280.000.000" in confirm.inner_text() and "125/QĐ-SCT" in confirm.inner_text()
    project.refresh_from_db()
    assert project.status == Project.Status.PROPOSED  # nothing written before the confirmation
    shot(department, "lifecycle-03-xac-nhan")
    department.get_by_role("button", name="Xác nhận phê duyệt đề án").click()
    department.wait_for_url(re.compile(r"/de-an/\d+/"))
    project.refresh_from_db()
    assert (project.status, project.approved_budget) == (Project.Status.APPROVED, 280_000_000)

    # The Centre starts it and pays an advance.
    centre = open_as("nhaplieu")
    centre.goto(live_server.url + reverse("projects:project-detail", args=[project.pk]))
    assert centre.get_by_role("link", name="Phê duyệt đề án").count() == 0
    take(centre, "Bắt đầu thực hiện", {"Ngày bắt đầu thực hiện": TODAY})
    centre.get_by_label("Ngày giải ngân").fill(TODAY)
    centre.get_by_label("Số tiền (đồng)").fill("100.000.000")
    centre.get_by_label("Số chứng từ").fill("UNC-TU-01")
    centre.get_by_label("Loại chi").select_option(label="Tạm ứng")
    centre.get_by_role("button", name="Ghi nhận giải ngân").click()
    centre.wait_for_url(re.compile(r"/de-an/\d+/"))
    assert Disbursement.objects.get(document_number="UNC-TU-01").kind == Disbursement.Kind.ADVANCE
    money = centre.get_by_role("region", name="Kinh phí")
    assert re.search(r"Tạm ứng chưa quyết toán\s*100\.000\.000", money.inner_text())

    # Completion is not offered before acceptance and settlement.
    assert centre.get_by_role("link", name="Đánh dấu hoàn thành").count() == 0
    take(
        centre, "Ghi nghiệm thu", {"Số biên bản nghiệm thu": "05/BB-NT", "Ngày nghiệm thu": TODAY},
        select={"Kết quả nghiệm thu": "Đạt"},
    )

    # The Centre's dashboard lists it as waiting for settlement; it settles from there.
    centre.goto(live_server.url + reverse("home"))
    waiting = centre.get_by_role("region", name=re.compile("Chờ quyết toán"))
    assert "DP-2024-70" in waiting.inner_text()
    shot(centre, "lifecycle-04-tt-cho-quyet-toan")
    waiting.get_by_role("link", name="Ghi quyết toán").click()
    centre.get_by_label("Ngày quyết toán").fill(TODAY)
    centre.get_by_label("Số tiền quyết toán (đồng)").fill("100.000.000")
    centre.get_by_role("button", name="Ghi", exact=True).click()
    centre.wait_for_url(re.compile(r"/de-an/\d+/"))
    take(centre, "Đánh dấu hoàn thành", {})
    project.refresh_from_db()
    assert project.status == Project.Status.COMPLETED
    assert project.acceptance_date == project.settlement_date == datetime.date.today()

    # The page's timeline: each step, its paper, who recorded it and when.
    timeline = centre.get_by_role("region", name="Tiến trình đề án")
    steps = timeline.get_by_role("listitem")
    texts = steps.all_inner_texts()
    assert [t.splitlines()[0].split(" —")[0].split(":")[0].strip() for t in texts] == [
        "Phê duyệt", "Bắt đầu thực hiện", "Nghiệm thu", "Quyết toán", "Hoàn thành"
    ]
    assert "QĐ 125/QĐ-SCT" in texts[0] and "Ghi bởi" in texts[0]
    assert "Biên bản 05/BB-NT" in texts[2] and "kết quả: đạt" in texts[2]
    assert all("Ghi bởi" in t and re.search(r"lúc \d\d:\d\d \d\d/\d\d/\d{4}", t) for t in texts)
    assert re.search(r"Tạm ứng chưa quyết toán\s*0", centre.get_by_role("region", name="Kinh phí").inner_text())
    shot(centre, "lifecycle-05-tien-trinh")
