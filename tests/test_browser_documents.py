"""Documents and draft contracts in a real browser (Playwright on Chromium): the Centre attaches
a PDF to a đề án and downloads it, the viewer is refused; a clerk drafts a contract with an
uneven schedule in the table (adds a row, removes one, watches the total), edits it and
disburses it. Screens saved under artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from funding.models import LoanContract
from khuyencong.documents.models import Attachment
from projects.models import Project, SupportForm
from tests import factories as f
from tests.test_browser import (  # noqa: F401 (fixtures)
    async_unsafe_allowed,
    chromium,
    initial_data_back_afterwards,
    open_as,
    people,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_centre_attaches_a_pdf_to_a_project_and_downloads_it_the_viewer_is_refused(
    open_as, live_server, people, tmp_path  # noqa: F811
):
    project = f.ProjectFactory(plan=people["plan"], code="DP-2024-07", status=Project.Status.APPROVED)
    paper = tmp_path / "Quyết định phê duyệt DP-2024-07.pdf"
    paper.write_bytes(PDF)

    page = open_as("nhaplieu")
    page.goto(live_server.url + reverse("projects:project-detail", args=[project.pk]))
    page.get_by_label("Loại tài liệu").select_option(label="Quyết định")
    page.get_by_label("Tên tài liệu").fill("Quyết định phê duyệt đề án")
    page.get_by_label("Tệp").set_input_files(str(paper))
    page.get_by_role("button", name="Tải lên").click()
    page.wait_for_load_state()
    assert "Đã đính kèm tài liệu “Quyết định phê duyệt đề án”" in page.content()
    attachment = Attachment.objects.get()
    shot(page, "tai-lieu-de-an")

    with page.expect_download() as info:
        page.get_by_role("link", name="Quyết định phê duyệt đề án").click()
    download = info.value
    assert download.suggested_filename == "Quyết định phê duyệt DP-2024-07.pdf"
    assert open(download.path(), "rb").read() == PDF

    # A renamed programme is refused on the page, and nothing is stored.
    fake = tmp_path / "setup.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 100)
    page.get_by_text("Đính kèm tài liệu", exact=True).click()
    page.get_by_label("Tệp").set_input_files(str(fake))
    page.get_by_role("button", name="Tải lên").click()
    page.wait_for_load_state()
    assert "không phải PDF, ảnh JPEG/PNG" in page.content()
    assert Attachment.objects.count() == 1
    shot(page, "tai-lieu-tu-choi")

    viewer = open_as("xem")
    viewer.goto(live_server.url + reverse("projects:project-detail", args=[project.pk]))
    assert "chỉ dành cho Sở Công Thương và Trung tâm Khuyến công" in viewer.content()
    assert viewer.get_by_role("link", name="Quyết định phê duyệt đề án").count() == 0
    shot(viewer, "tai-lieu-nguoi-xem")
    response = viewer.request.get(live_server.url + reverse("documents:download", args=[attachment.pk]))
    assert response.status == 404
    # (Not asked of /media/ here: the test live server serves MEDIA_ROOT itself, Django's
    # _MediaFilesHandler, which no real server has; tests/test_documents.py asks the portal.)


def rows(page):
    return page.locator("[data-schedule-row]")


def test_a_clerk_drafts_a_contract_with_an_uneven_schedule_edits_it_and_disburses_it(
    open_as, live_server, people  # noqa: F811
):
    facility = f.FacilityFactory(name="Hợp tác xã Chè Cầu Đất")
    project = f.ProjectFactory(
        plan=people["plan"], code="DP-2024-20", support_form=SupportForm.RECOVERABLE, status=Project.Status.APPROVED,
        approved_budget=300_000_000, planned_budget=300_000_000, facilities=[facility],
    )
    page = open_as("nhaplieu")
    page.goto(live_server.url + reverse("projects:project-detail", args=[project.pk]))
    page.get_by_role("link", name="Lập hợp đồng").click()
    page.wait_for_url(re.compile(r"/hop-dong/them/$"))
    principal = page.get_by_label("Số tiền hỗ trợ (đồng)")
    assert principal.input_value() == "300.000.000"  # what the đề án may still lend
    page.get_by_label("Số hợp đồng").fill("07/2025/HĐ-KC")
    page.get_by_label("Ngày ký").fill("05/03/2025")
    principal.fill("200.000.000")
    page.get_by_label("Thời hạn (tháng)").fill("24")
    page.get_by_label("Số kỳ trả").fill("3")

    total = page.locator("[data-schedule-total]")
    assert rows(page).count() == 2  # the blank rows
    rows(page).nth(0).locator("input").nth(0).fill("30/06/2025")
    rows(page).nth(0).locator("input").nth(1).fill("50.000.000")
    rows(page).nth(1).locator("input").nth(0).fill("31/12/2025")
    rows(page).nth(1).locator("input").nth(1).fill("90.000.000")
    assert total.inner_text() == "140.000.000 đồng — còn thiếu 60.000.000 đồng"
    page.get_by_role("button", name="Thêm kỳ").click()
    rows(page).nth(2).locator("input").nth(0).fill("30/06/2026")
    rows(page).nth(2).locator("input").nth(1).fill("80.000.000")
    assert total.inner_text() == "220.000.000 đồng — vượt 20.000.000 đồng"
    page.get_by_role("button", name="Thêm kỳ").click()
    rows(page).nth(3).locator("input").nth(0).fill("31/12/2026")
    rows(page).nth(3).locator("input").nth(1).fill("10.000.000")
    page.get_by_role("button", name="Xóa dòng 2").click()  # the 90 triệu row goes
    assert rows(page).count() == 3
    rows(page).nth(2).locator("input").nth(1).fill("70.000.000")
    assert total.inner_text() == "200.000.000 đồng — bằng số tiền hỗ trợ"
    assert [rows(page).nth(i).locator("[data-row-number]").inner_text() for i in range(3)] == ["1", "2", "3"]
    shot(page, "hop-dong-lich-tra-bang")
    page.get_by_role("button", name="Lập hợp đồng").click()
    page.wait_for_url(re.compile(r"/hop-dong/\d+/$"))
    contract = LoanContract.objects.get(number="07/2025/HĐ-KC")
    assert list(contract.instalments.values_list("principal_due", flat=True)) == [50_000_000, 80_000_000, 70_000_000]
    shot(page, "hop-dong-du-thao")

    # Edit: one row's amount moves to another.
    page.get_by_role("link", name="Sửa", exact=True).click()
    page.wait_for_url(re.compile(r"/sua/$"))
    assert total.inner_text() == "200.000.000 đồng — bằng số tiền hỗ trợ"
    rows(page).nth(1).locator("input").nth(1).fill("60.000.000")
    rows(page).nth(2).locator("input").nth(1).fill("90.000.000")
    page.get_by_role("button", name="Lưu hợp đồng").click()
    page.wait_for_url(re.compile(r"/hop-dong/\d+/$"))
    assert "Đã lưu hợp đồng 07/2025/HĐ-KC" in page.content()
    assert list(contract.instalments.values_list("principal_due", flat=True)) == [50_000_000, 60_000_000, 90_000_000]

    # Disburse: the planned schedule becomes the contract's; no more "Sửa".
    page.get_by_label("Ngày giải ngân").fill("20/03/2025")
    page.get_by_role("button", name="Ghi nhận giải ngân").click()
    page.wait_for_load_state()
    assert "Đã ghi nhận giải ngân hợp đồng 07/2025/HĐ-KC" in page.content()
    contract.refresh_from_db()
    assert contract.state == LoanContract.State.ACTIVE and contract.disbursed_on.isoformat() == "2025-03-20"
    assert page.get_by_role("link", name="Sửa", exact=True).count() == 0
    shot(page, "hop-dong-da-giai-ngan")
    page.goto(live_server.url + reverse("funding:contract-edit", args=[contract.pk]))
    assert "đã giải ngân ngày 20/03/2025: không sửa được" in page.content()
