"""The portal in a real browser: Playwright's sync API driving Debian's Chromium against
pytest-django's live server. Each main page is saved under artifacts/screenshots/.

Without /usr/bin/chromium these tests fail when CI is set and are skipped otherwise.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from funding.models import LoanContract
from khuyencong.core import roles
from projects.models import Event, Facility, ProductNomination, Project, SupportForm
from reporting.models import Report
from tests import factories as f
from tests.screens_helpers import user_in

CHROMIUM = "/usr/bin/chromium"
SKIPPED = "Browser test skipped"  # tests/conftest.py counts these in the summary
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
PASSWORD = "khuyencong-demo"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def reference_data() -> None:
    """The rows the data migration loads (activity contents, funding and award levels, units):
    the live server needs a transactional database, flushed after each test, which takes them."""
    import importlib

    from django.apps import apps

    from projects.models import FundingLevel

    if not FundingLevel.objects.exists():
        importlib.import_module("projects.migrations.0002_reference_data").load(apps, None)
        importlib.import_module("projects.migrations.0011_nd235_contents_and_support_caps").load(apps, None)
        # The units of the 2025 reform and the former provinces' communes (vietnamadminunits).
        importlib.import_module("projects.migrations.0013_load_admin_units").forwards(apps, None)


@pytest.fixture(scope="module", autouse=True)
def async_unsafe_allowed():
    """Playwright's sync API runs an event loop in this thread; Django's ORM then refuses to be
    called "from an async context" unless DJANGO_ALLOW_ASYNC_UNSAFE says it is safe (it is: one
    thread, one test). Set for this module only: `check --deploy` (tests/test_site.py) rightly
    refuses a process environment that carries it."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="module", autouse=True)
def initial_data_back_afterwards(django_db_setup, django_db_blocker):
    """Put the reference data back for the tests that run after this module and read it
    without a database of their own."""
    yield
    with django_db_blocker.unblock():
        reference_data()


@pytest.fixture(scope="module")
def chromium():
    executable = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not executable:
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing ({CHROMIUM}) and CI is set: the browser tests must run.")
        pytest.skip(f"{SKIPPED}: Chromium is not installed ({CHROMIUM}, or chromium on PATH); apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_as(chromium, live_server):
    contexts = []

    def open_as(username: str):
        context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(live_server.url + reverse("login"))
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(live_server.url + reverse("home"))
        return page

    yield open_as
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def people():
    reference_data()
    for role, name in ((roles.DATA_ENTRY, "nhaplieu"), (roles.DEPARTMENT, "chuyenvien"), (roles.VIEWER, "xem")):
        user = user_in(role, name)
        user.set_password(PASSWORD)
        user.save()
    plan = f.AnnualPlanFactory(year=2024)
    return {"plan": plan}


def approve(page, amount: str, number: str = "125/QĐ-SCT") -> None:
    """The Department approves the đề án open on ``page`` by its decision (projects.services
    take_step): number, date, the approved budget typed in, then confirmed."""
    page.get_by_role("link", name="Phê duyệt đề án").click()
    page.get_by_label("Số quyết định phê duyệt").fill(number)
    page.get_by_label("Ngày quyết định").fill(f"{datetime.date.today():%d/%m/%Y}")
    page.get_by_label("Kinh phí được duyệt (đồng)").fill(amount)
    page.get_by_role("button", name="Tiếp tục: xem lại trước khi ghi").click()
    page.get_by_role("button", name="Xác nhận phê duyệt đề án").click()
    page.wait_for_url(re.compile(r"/de-an/\d+/"))
    assert "đã ghi bước “phê duyệt”" in page.content()


def test_data_entry_creates_a_facility_and_a_project_records_a_disbursement_and_sees_it(
    open_as, live_server, people
):
    page = open_as("nhaplieu")
    shot(page, "01-tong-quan-truoc")

    # A new facility.
    page.get_by_role("link", name="Cơ sở", exact=True).click()
    page.get_by_role("link", name="Thêm cơ sở").click()
    page.get_by_label("Tên cơ sở").fill("Hợp tác xã Chè Cầu Đất Xanh")
    page.get_by_label("Loại hình").select_option(label="Hợp tác xã")
    page.get_by_label("Mã số thuế").fill("5809876543")
    page.get_by_label("Địa chỉ").fill("Thôn Cầu Đất, xã Xuân Trường")
    shot(page, "02-them-co-so")
    page.get_by_role("button", name="Thêm cơ sở").click()
    page.wait_for_url(re.compile(r"/co-so/\d+/$"))
    assert "Đã thêm cơ sở" in page.content()
    facility = Facility.objects.get(tax_code="5809876543")

    # The register finds it without accents.
    page.goto(live_server.url + reverse("projects:facility-list") + "?q=cau+dat")
    assert page.get_by_role("link", name="Hợp tác xã Chè Cầu Đất Xanh").is_visible()
    shot(page, "03-danh-sach-co-so")

    # A new đề án for it.
    f.FacilityFactory(name="Hợp tác xã Chè Cầu Đất An Phú")  # found by the same words, listed first
    f.FacilityFactory(name="Công ty TNHH Cà phê Cầu Đất")
    page.goto(live_server.url + reverse("projects:project-list"))
    page.get_by_role("link", name="Thêm đề án").click()
    page.get_by_label("Kế hoạch năm").select_option(str(people["plan"].pk))
    page.get_by_label("Mã đề án").fill("DP-2024-50")
    page.get_by_label("Tên đề án").fill("Hỗ trợ máy sấy chè cho Hợp tác xã Chè Cầu Đất Xanh")
    page.get_by_label("Nội dung hoạt động").select_option(str(f.content("MMTB").pk))
    page.get_by_label("Nguồn kinh phí").select_option(str(f.funding_level().pk))
    page.get_by_label("Hình thức hỗ trợ").select_option("non_recoverable")

    # The beneficiary is picked by typing part of its name without accents, then with the keyboard.
    picker = page.get_by_role("combobox", name="Cơ sở thụ hưởng")
    picker.press_sequentially("khong co co so nay")
    page.get_by_text("Không tìm thấy cơ sở nào khớp với “khong co co so nay”.").wait_for()
    picker.fill("")
    picker.press_sequentially("che cau dat")
    options = page.get_by_role("listbox", name="Cơ sở tìm được").get_by_role("option")
    options.nth(1).wait_for()
    assert options.all_inner_texts()[0].startswith("Hợp tác xã Chè Cầu Đất An Phú")
    assert options.count() == 2  # the coffee company is no "chè"
    assert picker.get_attribute("aria-expanded") == "true"
    picker.press("ArrowDown")
    picker.press("ArrowDown")
    assert picker.get_attribute("aria-activedescendant") == f"id_facilities_results-{facility.pk}"
    shot(page, "04-chon-co-so")
    picker.press("Enter")
    assert picker.get_attribute("aria-expanded") == "false" and picker.input_value() == ""
    assert page.get_by_role("button", name="Bỏ chọn Hợp tác xã Chè Cầu Đất Xanh").is_visible()
    # Escape closes the list without choosing.
    picker.press_sequentially("an phu")
    options.first.wait_for()
    picker.press("ArrowDown")
    picker.press("Escape")
    assert picker.get_attribute("aria-expanded") == "false"
    assert page.get_by_role("button", name=re.compile("Bỏ chọn")).count() == 1

    page.get_by_label("Kinh phí kế hoạch (đồng)").fill("1.836.337.000")
    page.get_by_label("Ngày bắt đầu").fill("15/03/2024")
    shot(page, "04-them-de-an")
    page.get_by_role("button", name="Thêm đề án").click()
    page.wait_for_url(re.compile(r"/de-an/\d+/$"))
    project = Project.objects.get(code="DP-2024-50")
    assert list(project.facilities.all()) == [facility]
    assert project.planned_budget == 1_836_337_000
    assert project.status == Project.Status.PROPOSED
    assert page.get_by_role("button", name="Phê duyệt đề án").count() == 0  # the Centre does not approve

    # The Department approves it.
    department = open_as("chuyenvien")
    department.goto(live_server.url + reverse("projects:project-detail", args=[project.pk]))
    approve(department, "1.836.337.000")
    project.refresh_from_db()
    assert project.status == Project.Status.APPROVED

    # The Centre records a disbursement on the đề án page.
    page.reload()
    page.get_by_label("Ngày giải ngân").fill("01/10/2024")
    page.get_by_label("Số tiền (đồng)").fill("150.000.000")
    page.get_by_label("Số chứng từ").fill("UNC-2024-001")
    page.get_by_role("button", name="Ghi nhận giải ngân").click()
    page.wait_for_load_state()
    assert "Đã ghi nhận giải ngân UNC-2024-001" in page.content()
    assert "150.000.000 đồng" in page.content()
    shot(page, "05-trang-de-an")

    # …and sees it on the dashboard, in 2024's row.
    page.get_by_role("link", name="Tổng quan").click()
    row = page.locator("tr", has=page.get_by_role("link", name="2024", exact=True))
    assert "150 triệu" in row.inner_text()
    assert page.locator("svg.chart").count() >= 3
    shot(page, "06-tong-quan-sau")

    page.goto(live_server.url + reverse("projects:project-history", args=[project.pk]))
    assert "UNC-2024-001" in page.content() and "chuyenvien" in page.content()
    shot(page, "07-lich-su-de-an")
    for name, url in (
        ("08-danh-sach-de-an", reverse("projects:project-list")),
        ("09-trang-co-so", reverse("projects:facility-detail", args=[facility.pk])),
        ("10-chuong-trinh", reverse("projects:program-list")),
        ("11-ke-hoach", reverse("projects:plan-detail", args=[people["plan"].pk])),
        ("12-su-kien", reverse("projects:event-list")),
        ("13-binh-chon", reverse("projects:nomination-list")),
    ):
        page.goto(live_server.url + url)
        shot(page, name)


def test_data_entry_picks_the_project_of_an_event_and_the_facility_of_a_nomination(open_as, live_server, people):
    """The event and nomination forms list no đề án and no facility: each is found by typing a
    few words without accents, then picked with the keyboard or the mouse; a new pick replaces
    the one before."""
    plan = people["plan"]
    from_page = f.ProjectFactory(plan=plan, code="DP-2024-03", name="Hỗ trợ máy sấy chè")
    f.ProjectFactory(plan=plan, code="DP-2024-11", name="Hội nghị kết nối cung cầu sản phẩm chè", content=f.content("KNCC"))
    wanted = f.ProjectFactory(
        plan=plan, code="DP-2024-12", name="Hội nghị kết nối cung cầu hàng CNNT tiêu biểu", content=f.content("KNCC")
    )
    f.FacilityFactory(name="Công ty TNHH Dâu tây Langbiang", tax_code="5801230001")
    grower = f.FacilityFactory(name="Hợp tác xã Dâu tây Đà Lạt", tax_code="5801230002")
    page = open_as("nhaplieu")

    # An event added from a đề án's page starts on that đề án…
    page.goto(live_server.url + reverse("projects:project-detail", args=[from_page.pk]))
    page.get_by_role("link", name="Thêm sự kiện").click()
    page.wait_for_url(re.compile(r"/su-kien/them/\?project=\d+$"))
    assert page.get_by_role("button", name="Bỏ chọn 2024 · DP-2024-03 — Hỗ trợ máy sấy chè").is_visible()
    # …and another is picked with the keyboard, in its place.
    picker = page.get_by_role("combobox", name="Đề án", exact=True)
    picker.press_sequentially("ket noi cung cau")
    options = page.get_by_role("listbox", name="Đề án tìm được").get_by_role("option")
    options.nth(1).wait_for()
    assert options.count() == 2
    assert options.all_inner_texts()[1].startswith("2024 · DP-2024-12 — Hội nghị kết nối cung cầu hàng CNNT tiêu biểu")
    assert "KNCC — Hội nghị kết nối cung cầu · Khuyến công địa phương" in options.all_inner_texts()[1]
    picker.press("ArrowDown")
    picker.press("ArrowDown")
    assert picker.get_attribute("aria-activedescendant") == f"id_project_results-{wanted.pk}"
    shot(page, "60-su-kien-chon-de-an")
    picker.press("Enter")
    assert picker.get_attribute("aria-expanded") == "false" and picker.input_value() == ""
    removes = page.get_by_role("button", name=re.compile("^Bỏ chọn"))
    assert removes.count() == 1
    assert removes.first.get_attribute("aria-label") == f"Bỏ chọn 2024 · DP-2024-12 — {wanted.name}"
    page.get_by_label("Loại sự kiện").select_option("conference")
    page.get_by_label("Tên sự kiện").fill("Hội nghị kết nối cung cầu Lâm Đồng 2024")
    page.get_by_label("Ngày", exact=True).fill("20/09/2024")
    page.get_by_label("Địa điểm").fill("Đà Lạt")
    shot(page, "61-them-su-kien")
    page.get_by_role("button", name="Thêm sự kiện").click()
    page.wait_for_url(re.compile(r"/su-kien/$"))
    assert Event.objects.get(name="Hội nghị kết nối cung cầu Lâm Đồng 2024").project == wanted

    # A nomination's facility, picked with the mouse.
    page.goto(live_server.url + reverse("projects:nomination-list"))
    page.get_by_role("link", name="Thêm đề cử").click()
    picker = page.get_by_role("combobox", name="Cơ sở", exact=True)
    picker.press_sequentially("dau tay")
    options = page.get_by_role("listbox", name="Cơ sở tìm được").get_by_role("option")
    options.nth(1).wait_for()
    assert options.count() == 2
    assert options.all_inner_texts()[1].startswith("Hợp tác xã Dâu tây Đà Lạt")
    assert "MST 5801230002 · Thành phố Đà Lạt" in options.all_inner_texts()[1]
    shot(page, "62-binh-chon-chon-co-so")
    options.nth(1).click()
    assert page.get_by_role("button", name="Bỏ chọn Hợp tác xã Dâu tây Đà Lạt").is_visible()
    assert picker.evaluate("element => element === document.activeElement")
    page.get_by_label("Tên sản phẩm").fill("Mứt dâu tây Đà Lạt")
    page.get_by_role("combobox", name="Cấp", exact=True).select_option(label="Tỉnh")
    page.get_by_role("spinbutton", name="Năm", exact=True).fill("2024")
    shot(page, "63-them-de-cu")
    page.get_by_role("button", name="Thêm đề cử").click()
    page.wait_for_url(re.compile(r"/binh-chon/$"))
    nomination = ProductNomination.objects.get(product__name="Mứt dâu tây Đà Lạt")
    assert nomination.product.facility == grower
    assert nomination.level.name == "Tỉnh"


def test_viewer_sees_no_edit_controls_and_gets_403_when_posting(open_as, live_server, people):
    project = f.ProjectFactory(plan=people["plan"], status=Project.Status.APPROVED)
    page = open_as("xem")
    page.goto(live_server.url + reverse("projects:project-detail", args=[project.pk]))
    assert page.get_by_role("link", name="Sửa đề án").count() == 0
    assert page.get_by_role("button", name="Ghi nhận giải ngân").count() == 0
    assert page.get_by_role("button", name=re.compile("Phê duyệt|Bắt đầu|Hủy")).count() == 0
    page.goto(live_server.url + reverse("projects:project-list"))
    assert page.get_by_role("link", name="Thêm đề án").count() == 0
    shot(page, "20-nguoi-xem-danh-sach")

    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        live_server.url + reverse("funding:disbursement-create", args=[project.pk]),
        form={"csrfmiddlewaretoken": token, "date": "01/10/2024", "amount": "1.000.000", "document_number": "X-1"},
        headers={"Referer": live_server.url + "/"},
    )
    assert response.status == 403
    assert "Không có quyền" in response.text()
    assert not project.disbursements.exists()

    page.goto(live_server.url + reverse("projects:project-create"))
    assert "Không có quyền" in page.content()
    shot(page, "21-nguoi-xem-403")


def test_department_approves_a_project_then_writes_issues_and_downloads_the_report(open_as, live_server, people):
    facility = f.FacilityFactory(name="Hợp tác xã Rau hoa Đà Lạt")
    project = f.ProjectFactory(
        plan=people["plan"], code="DP-2024-51", facilities=[facility], status=Project.Status.PROPOSED, approved_budget=0
    )
    page = open_as("chuyenvien")

    # The Department approves the đề án.
    page.goto(live_server.url + reverse("projects:project-detail", args=[project.pk]))
    shot(page, "30-de-an-cho-duyet")
    approve(page, "300.000.000")
    project.refresh_from_db()
    assert project.status == Project.Status.APPROVED and project.approved_budget == 300_000_000
    shot(page, "31-de-an-da-duyet")

    # …then drafts the annual report for 2024, the year of that plan.
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Báo cáo").click()
    page.get_by_role("link", name="Lập báo cáo mới").click()
    page.get_by_label("Loại báo cáo").select_option(label="Báo cáo năm")
    page.get_by_label("Từ năm").fill("2024")
    page.get_by_label("Đến năm").fill("2024")
    page.get_by_label("Ngày báo cáo").fill("15/01/2025")
    shot(page, "32-lap-bao-cao")
    page.get_by_role("button", name="Lập dự thảo").click()
    page.wait_for_url(re.compile(r"/bao-cao/\d+/sua/$"))
    report = Report.objects.get()
    assert (report.year_from, report.year_to, report.status) == (2024, 2024, Report.Status.DRAFT)
    page.get_by_label("Công tác chỉ đạo, quán triệt").fill(
        "# Quán triệt, triển khai\nSở Công Thương chỉ đạo Trung tâm Khuyến công triển khai kế hoạch.\n- Tập huấn"
    )
    # The live preview, rendered by the server as the document prints it: the heading numbered.
    preview = page.locator("#muc-directives .narrative-preview")
    preview.locator("h5").wait_for()
    assert preview.locator("h5").inner_text() == "1.1. Quán triệt, triển khai"
    assert preview.locator("li").inner_text() == "Tập huấn"
    preview.scroll_into_view_if_needed()
    # Every section written: an unfinished one stops the issuing (reporting/checks.py).
    page.get_by_label("Công tác phối hợp và phân công").fill("Phối hợp với các địa phương.")
    page.get_by_label("Tồn tại, hạn chế").fill("Nguồn kinh phí còn hạn chế.")
    page.get_by_label("Nguyên nhân").fill("Ngân sách địa phương còn khó khăn.")
    page.get_by_label("Phần II (lời đầu phần").fill("Tiếp tục hỗ trợ các cơ sở công nghiệp nông thôn.")
    page.get_by_label("đề xuất, kiến nghị").fill("Đề nghị Bộ Công Thương quan tâm bố trí kinh phí.")
    shot(page, "33-sua-du-thao")
    page.get_by_role("button", name="Lưu dự thảo").click()
    page.wait_for_url(live_server.url + reverse("reporting:report-detail", args=[report.pk]))
    assert "Dự thảo" in page.content()

    # The draft waits on the dashboard's to-do list, which leads back to it.
    page.get_by_role("link", name="Tổng quan").click()
    shot(page, "34-tong-quan-co-du-thao")
    page.locator("#h-drafts + ul").get_by_role("link", name=str(report)).click()
    page.wait_for_url(live_server.url + reverse("reporting:report-detail", args=[report.pk]))
    shot(page, "35-du-thao-bao-cao")

    # Issuing gives it its number and freezes its figures and files.
    page.get_by_role("link", name="Ban hành…").click()
    page.get_by_label("Số báo cáo").fill("125")
    page.get_by_label("Ngày ban hành").fill("15/01/2025")
    shot(page, "36-ban-hanh")
    page.get_by_role("button", name="Ban hành báo cáo").click()
    # Issuing renders the PDF, so it runs as a job: its page follows it and links to the report.
    page.get_by_role("link", name="Xem báo cáo").click(timeout=60_000)
    page.wait_for_url(live_server.url + reverse("reporting:report-detail", args=[report.pk]), timeout=30_000)
    assert "Đã ban hành" in page.locator(".pagehead").inner_text()
    assert "125/BC-SCT" in page.content()
    shot(page, "37-bao-cao-da-ban-hanh")
    report.refresh_from_db()
    assert report.status == Report.Status.ISSUED and report.issued_by.username == "chuyenvien"

    with page.expect_download() as download:
        page.get_by_role("link", name="Tải PDF").click()
    path = download.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename.endswith(".pdf")

    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Báo cáo").click()
    assert "Đã ban hành" in page.locator("table.list").inner_text()
    shot(page, "38-danh-sach-bao-cao")

    # A figure of the issued document leads to the records it counted, as kept at issue.
    page.goto(live_server.url + reverse("reporting:report-document", args=[report.pk]))
    page.locator("a.figure:visible").first.click()
    page.wait_for_url(re.compile(rf"/bao-cao/{report.pk}/so-lieu/[^/]+/$"))
    assert page.locator("h1").inner_text().endswith(" — năm 2024, tính đến 15/01/2025")
    assert "báo cáo số 125/BC-SCT" in page.locator(".pagehead").inner_text()
    shot(page, "39-so-lieu-bao-cao-da-ban-hanh")


def test_admin_widgets_work_under_the_content_security_policy(open_as, live_server, people):
    """The policy forbids inline script and style; Django's admin needs neither for its widgets
    (autocomplete, calendar, inline rows), so /quan-tri/ keeps the same policy as the portal.
    simple-history's history page and a changelist without actions carry one inline style each,
    cosmetic only: those are not visited here."""
    admin = f.UserFactory(username="quantri", is_staff=True, is_superuser=True)
    admin.set_password(PASSWORD)
    admin.save()
    project = f.ProjectFactory(plan=people["plan"], status=Project.Status.APPROVED, facilities=[f.FacilityFactory()])
    f.DisbursementFactory(project=project, funding_source=None)
    page = open_as("quantri")
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto(live_server.url + reverse("admin:projects_project_changelist"))
    assert page.locator("#result_list tbody tr").count() == 1
    shot(page, "40-quan-tri-danh-sach-de-an")

    page.goto(live_server.url + reverse("admin:projects_project_change", args=[project.pk]))
    shot(page, "41-quan-tri-sua-de-an")
    page.locator(".select2-selection").first.click()  # the plan's autocomplete asks the server
    page.locator(".select2-results__option").first.wait_for()
    page.keyboard.press("Escape")
    page.locator(".datetimeshortcuts a[id^=calendarlink]").first.click()
    assert page.locator(".calendarbox").first.is_visible()
    page.keyboard.press("Escape")
    # The inline's "add another row" script (disbursements are only read there; events are added).
    rows = page.locator("#events-group tr.form-row").count()
    page.locator("#events-group .add-row a").click()
    assert page.locator("#events-group tr.form-row").count() == rows + 1
    shot(page, "42-quan-tri-them-dong")
    assert not refused, refused


def test_checking_a_workbook_shows_that_the_portal_is_working(open_as, live_server, people):
    """A workbook of tens of thousands of rows takes the server half a minute to check: the
    button says so at once and the form cannot be sent twice. The real submission is held back
    by a listener added after busy.js's, so the busy state can be read without a race."""
    page = open_as("nhaplieu")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Nhập/xuất").click()
    page.get_by_label("Tệp .xlsx").set_input_files(
        {"name": "ke-hoach.xlsx", "mimeType": "application/octet-stream", "buffer": b"PK\x03\x04 not a workbook"}
    )
    page.evaluate("document.querySelector('form[data-busy-form]').addEventListener('submit', e => e.preventDefault())")
    page.get_by_role("button", name="Kiểm tra tệp").click()
    button = page.locator("form[data-busy-form] button[type=submit]")
    assert button.inner_text() == "Đang kiểm tra…" and button.get_attribute("aria-busy") == "true"
    assert "Chưa có gì được ghi." in page.get_by_role("status").first.inner_text()
    shot(page, "50-nhap-bang-tinh-dang-kiem-tra")


# --- labels, keyboard, width ("usable on a 1366×768 laptop and on a tablet; form fields with
# labels, usable from the keyboard") ---------------------------------------------------------

# For each visible control: its accessible name as a browser computes it for the simple cases
# the portal uses (a <label>, aria-label, aria-labelledby, a button's text).
UNNAMED_CONTROLS = """() => {
  const text = (el) => (el ? el.textContent.replace(/\\s+/g, " ").trim() : "");
  const unnamed = [];
  for (const el of document.querySelectorAll("input, select, textarea, button")) {
    if (el.type === "hidden" || el.closest("[hidden]") || !el.getClientRects().length) continue;
    const name = [...(el.labels || [])].map(text).join(" ")
      || el.getAttribute("aria-label")
      || (el.getAttribute("aria-labelledby") || "").split(/\\s+/).map((id) => text(document.getElementById(id))).join(" ").trim()
      || (el.tagName === "BUTTON" ? text(el) : "")
      || (["submit", "button"].includes(el.type) ? el.value : "");
    if (!name) unnamed.push(el.outerHTML.slice(0, 160));
  }
  return unnamed;
}"""

# The controls the Tab key stops on, in order, until it comes back round (or 200 stops).
TAB_STOPS = 200


@pytest.fixture
def records(people):
    facility = f.FacilityFactory(name="Hợp tác xã Chè Cầu Đất Xanh")
    project = f.ProjectFactory(plan=people["plan"], status=Project.Status.APPROVED, facilities=[facility])
    recoverable = f.ProjectFactory(
        plan=people["plan"], support_form=SupportForm.RECOVERABLE, status=Project.Status.COMPLETED, facilities=[facility]
    )
    contract = f.LoanContractFactory(project=recoverable, facility=facility, state=LoanContract.State.ACTIVE)
    f.InstalmentFactory(contract=contract, number=1, due_date=contract.disbursed_on.replace(year=2024))
    f.RepaymentFactory(contract=contract)
    return {"project": project, "facility": facility, "contract": contract, "plan": people["plan"]}


def _form_pages(records) -> list[tuple[str, str]]:
    return [
        ("de-an-them", reverse("projects:project-create")),
        ("de-an-sua", reverse("projects:project-edit", args=[records["project"].pk])),
        ("de-an-trang", reverse("projects:project-detail", args=[records["project"].pk])),
        ("de-an-danh-sach", reverse("projects:project-list")),
        ("co-so-them", reverse("projects:facility-create")),
        ("co-so-danh-sach", reverse("projects:facility-list")),
        ("su-kien-them", reverse("projects:event-create")),
        ("binh-chon-them", reverse("projects:nomination-create")),
        ("chuong-trinh-them", reverse("projects:program-create")),
        ("ke-hoach-sua", reverse("projects:plan-edit", args=[records["plan"].pk])),
        ("hop-dong-danh-sach", reverse("funding:contract-list")),
        ("hop-dong-trang", reverse("funding:contract-detail", args=[records["contract"].pk])),
        ("bao-cao-tao", reverse("reporting:report-create")),
        ("nhap-xuat", reverse("workbook:import")),
        ("doi-mat-khau", reverse("password_change")),
        ("tong-quan", reverse("home")),
    ]


def test_every_form_field_has_a_name_and_the_keyboard_reaches_it(open_as, live_server, records):
    page = open_as("chuyenvien")
    assert page.locator("html").get_attribute("lang") == "vi"
    for name, url in _form_pages(records):
        page.goto(live_server.url + url)
        # Open every collapsed action form (the contract page keeps them in <details>).
        page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        assert page.evaluate(UNNAMED_CONTROLS) == [], name
        assert page.locator("html").get_attribute("lang") == "vi", name

        fields = page.evaluate(
            """() => [...document.querySelectorAll("main input, main select, main textarea")]
                .filter((el) => el.type !== "hidden" && !el.disabled && el.getClientRects().length
                                && !el.closest("[hidden]") && el.tabIndex >= 0)
                .map((el) => el.id || el.name)"""
        )
        assert fields, name
        reached = set()
        page.locator("body").focus()
        for _ in range(TAB_STOPS):
            page.keyboard.press("Tab")
            focused = page.evaluate("() => document.activeElement && (document.activeElement.id || document.activeElement.name)")
            reached.add(focused)
            if reached >= set(fields):
                break
        assert set(fields) <= reached, (name, sorted(set(fields) - reached))


@pytest.mark.parametrize("width, height", [(1366, 768), (820, 1180), (768, 1024)])
def test_no_page_is_wider_than_the_screen(chromium, live_server, records, width, height):
    """Wide tables scroll inside their frame; the page itself never scrolls sideways. On the
    laptop the main menu stays on one line, even beside a long account name."""
    from django.contrib.auth.models import User

    User.objects.filter(username="chuyenvien").update(first_name="Chuyên viên phòng Quản lý công nghiệp, Sở Công Thương")
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Tên đăng nhập").fill("chuyenvien")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(live_server.url + reverse("home"))
    if width >= 1366:
        tops = page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link").evaluate_all(
            "(links) => links.map((a) => Math.round(a.getBoundingClientRect().top))"
        )
        assert len(tops) >= 8 and len(set(tops)) == 1, tops
    pages = _form_pages(records) + [
        ("hop-dong-qua-han", reverse("funding:overdue-list")),
        ("hop-dong-tong-hop", reverse("funding:portfolio")),
        ("co-so-trang", reverse("projects:facility-detail", args=[records["facility"].pk])),
        ("ke-hoach-trang", reverse("projects:plan-detail", args=[records["plan"].pk])),
        ("bao-cao-danh-sach", reverse("reporting:report-list")),
    ]
    try:
        for name, url in pages:
            page.goto(live_server.url + url)
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (name, width, overflow)
        if width == 820:
            shot(page, "70-may-tinh-bang-bao-cao")
    finally:
        context.close()


def test_a_refused_form_puts_the_cursor_in_the_first_field_to_correct(open_as, live_server, people):
    page = open_as("nhaplieu")
    page.goto(live_server.url + reverse("projects:facility-create"))
    page.get_by_label("Mã số thuế").fill("12345")
    page.get_by_role("button", name="Thêm cơ sở").click()
    page.wait_for_load_state()
    assert page.evaluate("() => document.activeElement.name") == "name"  # the first field refused
    assert "bắt buộc" in page.locator(".field.invalid").first.inner_text()


def test_data_entry_registers_a_facility_at_a_commune_picked_by_its_new_or_old_name(open_as, live_server, people):
    from projects.models import AdministrativeUnit, Facility

    lang_biang = AdministrativeUnit.objects.get(code="24769").successor  # Phường 7 Đà Lạt became it
    page = open_as("nhaplieu")
    page.goto(live_server.url + reverse("projects:facility-create"))
    page.get_by_label("Tên cơ sở").fill("Hợp tác xã Hoa Lang Biang")
    page.get_by_label("Loại hình").select_option(label="Hợp tác xã")
    page.get_by_label("Địa chỉ").fill("Số 12 đường Đan Kia")

    picker = page.get_by_role("combobox", name="Xã, phường, đặc khu")
    # The old commune's name, without accents, finds the commune it is part of now.
    picker.press_sequentially("phuong 7")
    options = page.get_by_role("listbox", name="Xã, phường tìm được").get_by_role("option")
    options.first.wait_for()
    texts = options.all_inner_texts()
    assert any(t.startswith("Phường Lang Biang - Đà Lạt (trước đây: ") for t in texts), texts
    assert not any(t.startswith("Phường 7") for t in texts)  # the old ward itself is not offered
    picker.fill("")
    picker.press_sequentially("lang biang")
    options.first.wait_for()
    assert options.count() == 1
    picker.press("ArrowDown")
    picker.press("Enter")
    chosen = page.locator("[data-picker-chosen]")
    assert "Phường Lang Biang - Đà Lạt" in chosen.inner_text()
    shot(page, "co-so-chon-xa-phuong")
    page.get_by_role("button", name="Thêm cơ sở").click()
    page.wait_for_url(re.compile(r"/co-so/\d+/$"))
    assert "Phường Lang Biang - Đà Lạt" in page.locator("main").inner_text()
    facility = Facility.objects.get(name="Hợp tác xã Hoa Lang Biang")
    assert facility.commune == lang_biang and facility.administrative_unit == lang_biang
