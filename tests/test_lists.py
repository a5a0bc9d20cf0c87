"""The lists' shared habits (khuyencong.core.lists): every list exports to Excel as the office
files it, sorts by its column headers, remembers its filters, and orders names in Vietnamese
on SQLite and PostgreSQL alike (run also with DATABASE_URL naming a PostgreSQL database)."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from khuyencong.core.collation import vietnamese_key
from projects.models import Project
from tests.list_reading import read_list

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

# Every list of the portal: its screen, its export, and the query a user would have on screen.
LISTS = [
    ("projects:project-list", "projects:project-export", {}),
    ("projects:facility-list", "projects:facility-export", {}),
    ("projects:event-list", "projects:event-export", {}),
    ("projects:nomination-list", "projects:nomination-export", {}),
    ("projects:program-list", "projects:program-export", {}),
    ("funding:contract-list", "funding:contract-export", {"ngay": "31/12/2025"}),
    ("funding:due-list", "funding:due-export", {"ngay": "01/03/2025"}),
    ("funding:overdue-list", "funding:overdue-export", {"ngay": "31/12/2025"}),
    ("funding:portfolio", "funding:portfolio-export", {"ngay": "31/12/2025"}),
]
NAMES = ["Cà phê", "Chăn nuôi", "Chè", "Dệt", "Đá"]  # in Vietnamese order


@pytest.fixture(scope="module")
def demo(lam_dong):
    return lam_dong


@pytest.fixture
def xem(demo) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username="xem"))
    return client


# --- the exports -------------------------------------------------------------------------------


@pytest.mark.parametrize(("list_name", "export_name", "params"), LISTS)
def test_every_list_exports_a_sheet_the_office_can_file_and_print(xem, list_name, export_name, params):
    page = xem.get(reverse(list_name), params)
    assert page.status_code == 200
    assert reverse(export_name) in page.content.decode() and "Xuất Excel" in page.content.decode()
    response = xem.get(reverse(export_name), params)
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    sheet: Worksheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value and sheet["A1"].font.bold
    assert sheet["A2"].value.startswith("Lọc: ")
    assert sheet["A3"].value == f"Ngày xuất: {timezone.localdate():%d/%m/%Y}"
    assert sheet["A4"].value == "STT" and sheet["A4"].font.bold
    _, header, rows, totals = read_list(response.content)
    assert rows, f"{export_name}: no row on the demo data"
    assert [sheet.cell(row=5 + i, column=1).value for i in range(len(rows))] == list(range(1, len(rows) + 1))
    last = 4 + len(rows) + 1
    assert sheet.cell(row=last, column=2).font.bold
    assert any(isinstance(v, str) and v.startswith("Tổng cộng") for v in totals.values())
    money = [i for i, title in enumerate(header, start=2) if sheet.cell(row=5, column=i).number_format == "#,##0"
             and title not in ("Số ngày quá hạn", "Số ngày còn lại", "Kỳ", "Số cơ sở", "Cơ sở trả đúng hạn")]  # fmt: skip
    assert money or export_name == "projects:nomination-export", export_name  # a nomination has no money
    for column in money:
        title = header[column - 2]
        if totals[title] is not None:
            assert totals[title] == sum(r[title] or 0 for r in rows), (export_name, title)
    assert sheet.freeze_panes == "A5"
    assert sheet.auto_filter.ref == f"A4:{sheet.cell(row=4, column=len(header) + 1).column_letter}{last - 1}"
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == "$4:$4"
    counted = page.context.get("page")
    if counted is not None:  # every row, not one page
        assert len(rows) == counted.paginator.count


def test_the_export_follows_the_lists_filters_and_order_and_says_them(xem):
    params = {"year": "2023", "sap_xep": "-kinh-phi"}
    shown = [p.code for p in xem.get(reverse("projects:project-list"), params).context["page"].object_list]
    response = xem.get(reverse("projects:project-export"), params)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "Năm kế hoạch: 2023" in sheet["A2"].value and "kinh phí kế hoạch, giảm dần" in sheet["A2"].value
    _, _, rows, totals = read_list(response.content)
    assert {r["Năm"] for r in rows} == {2023}
    budgets = [r["Kinh phí kế hoạch (đồng)"] for r in rows]
    assert budgets == sorted(budgets, reverse=True)
    assert [r["Mã đề án"] for r in rows][: len(shown)] == shown
    planned = sum(Project.objects.filter(plan__year=2023).values_list("planned_budget", flat=True))
    assert totals["Kinh phí kế hoạch (đồng)"] == planned


def test_the_export_line_of_filters_names_a_choice_by_its_label(xem):
    response = xem.get(reverse("projects:project-export"), {"status": Project.Status.COMPLETED})
    line = load_workbook(io.BytesIO(response.content)).active["A2"].value
    assert f"Trạng thái: {Project.Status.COMPLETED.label}" in line
    bare = load_workbook(io.BytesIO(xem.get(reverse("projects:facility-export")).content)).active["A2"].value
    assert bare == "Lọc: không (toàn bộ danh sách)"


# --- sort by a column --------------------------------------------------------------------------


def test_a_column_header_sorts_and_says_so(xem):
    html = xem.get(reverse("projects:project-list"), {"year": "2024"}).content.decode()
    header = re.search(r'<th scope="col"[^>]*aria-sort="none"><a class="sort" href="\?([^"]*)"[^>]*>Tên đề án', html)
    assert header and "sap_xep=ten" in header.group(1) and "year=2024" in header.group(1)
    html = xem.get(reverse("projects:project-list"), {"year": "2024", "sap_xep": "ten"}).content.decode()
    assert re.search(r'aria-sort="ascending"><a class="sort" href="\?[^"]*sap_xep=-ten[^"]*"[^>]*>Tên đề án<span class="arrow"'
                     r' aria-hidden="true">▲', html)  # fmt: skip
    html = xem.get(reverse("projects:project-list"), {"sap_xep": "-ten"}).content.decode()
    assert 'aria-sort="descending"' in html and "▼" in html
    names = [p.name for p in xem.get(reverse("projects:project-list"), {"sap_xep": "-ten"}).context["page"].object_list]
    assert names == sorted(names, key=vietnamese_key, reverse=True)


def test_pages_keep_the_order_and_the_filters(xem):
    html = xem.get(reverse("projects:facility-list"), {"q": "co", "sap_xep": "-ho-tro"}).content.decode()
    pages = re.findall(r'<nav class="pager".*?</nav>', html, re.S)
    assert pages, "the demo's facilities fill more than one page"
    links = re.findall(r'href="\?([^"]+)"', pages[0])
    assert links and all("sap_xep=-ho-tro" in link and "q=co" in link for link in links)


@pytest.mark.parametrize("value", ["drop table", "-", "--ten", "ten;", "x" * 300])
@pytest.mark.parametrize("list_name", ["projects:project-list", "projects:facility-list", "projects:event-list",
                                       "projects:nomination-list", "funding:contract-list", "funding:due-list",
                                       "funding:overdue-list"])  # fmt: skip
def test_an_unknown_order_is_ignored(xem, list_name, value):
    response = xem.get(reverse(list_name), {"sap_xep": value})
    assert response.status_code == 200
    export = xem.get(reverse(list_name.replace("-list", "-export")), {"sap_xep": value})
    assert export.status_code == 200


def test_the_due_and_overdue_lists_sort_in_python_by_the_same_keys(xem):
    rows = xem.get(reverse("funding:overdue-list"), {"ngay": "31/12/2025", "sap_xep": "-qua-han"}).context["rows"]
    assert [r.overdue for r in rows] == sorted((r.overdue for r in rows), reverse=True)
    rows = xem.get(reverse("funding:overdue-list"), {"ngay": "31/12/2025", "sap_xep": "co-so"}).context["rows"]
    assert [r.facility_name for r in rows] == sorted((r.facility_name for r in rows), key=vietnamese_key)


# --- remembered filters ------------------------------------------------------------------------


def test_a_list_remembers_its_filters_until_they_are_cleared(xem):
    url = reverse("projects:project-list")
    xem.get(url, {"year": "2023", "sap_xep": "ten", "page": "2"})
    back = xem.get(url)
    assert back.status_code == 302 and back["Location"] == f"{url}?year=2023&sap_xep=ten"  # not the page
    assert xem.get(reverse("projects:facility-list")).status_code == 200  # each list its own
    html = xem.get(back["Location"]).content.decode()
    assert f'href="{url}?xoa-loc=1">Xóa bộ lọc' in html
    cleared = xem.get(url, {"xoa-loc": "1"})
    assert cleared.status_code == 302 and cleared["Location"] == url
    assert xem.get(url).status_code == 200


def test_remembered_filters_belong_to_their_user(demo, xem):
    xem.get(reverse("funding:contract-list"), {"state": "active"})
    other = Client()
    other.force_login(get_user_model().objects.get(username="chuyenvien"))
    assert other.get(reverse("funding:contract-list")).status_code == 200
    assert xem.get(reverse("funding:contract-list"))["Location"].endswith("?state=active")


def test_the_file_name_carries_the_day_of_the_debt_figures(xem):
    response = xem.get(reverse("funding:overdue-export"), {"ngay": "31/12/2025"})
    assert response["Content-Disposition"].endswith('qua-han-31-12-2025.xlsx"')
    today = timezone.localdate()
    response = xem.get(reverse("projects:event-export"))
    assert response["Content-Disposition"].endswith(f'su-kien-{today:%d-%m-%Y}.xlsx"')
    assert isinstance(today, datetime.date)


def test_a_debt_list_remembers_its_date_and_offers_to_forget_it(xem):
    url = reverse("funding:overdue-list")
    html = xem.get(url, {"ngay": "31/12/2025"}).content.decode()
    assert 'href="?xoa-loc=1">Xóa bộ lọc' in html
    assert xem.get(url)["Location"] == f"{url}?ngay=31%2F12%2F2025"
    assert xem.get(url, {"xoa-loc": "1"})["Location"] == url
    assert "Xóa bộ lọc" not in xem.get(url).content.decode()


def test_the_line_of_filters_keeps_what_was_typed_as_text(xem):
    response = xem.get(reverse("projects:facility-export"), {"q": '=HYPERLINK("http://x","y")'})
    line = load_workbook(io.BytesIO(response.content)).active["A2"]
    assert line.data_type == "s" and line.value == 'Lọc: Tìm tên, mã số thuế, địa chỉ: =HYPERLINK("http://x","y")'
