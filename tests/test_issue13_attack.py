"""What the attack on issue 13 ("the office's daily work") found, each pinned by a test that
failed before its fix: the reminder letter, attachments' names, …"""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from funding.models import Disbursement, LoanContract
from khuyencong.core import roles
from khuyencong.documents.models import Attachment
from khuyencong.office import help as help_pages
from khuyencong.workbook import sheets as S
from khuyencong.workbook.importer import _choice
from khuyencong.workbook.template import template_workbook
from projects.models import Project
from tests import factories as f
from tests.screens_helpers import client_for, user_in
from tests.test_workbook_template import list_values, validations_by_column

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the reminder letter --------------------------------------------------------------------------


def test_no_reminder_letter_for_a_contract_whose_money_is_not_out():
    """The contract page offers the letter only once the money is out; its URL typed by hand
    drew a letter asking a draft's facility to repay a debt it does not have."""
    draft = f.LoanContractFactory(state=LoanContract.State.DRAFT, disbursed_on=None)
    later = f.LoanContractFactory(disbursed_on=datetime.date(2025, 6, 1))
    client = client_for(user_in(roles.VIEWER, "xem"))
    for contract, day in ((draft, "10/03/2025"), (later, "10/03/2025")):
        response = client.get(reverse("office:reminder-letter", args=[contract.pk]), {"ngay": day})
        assert response.status_code == 302, contract
        assert response["Location"] == reverse("funding:contract-detail", args=[contract.pk])
        assert any("chưa giải ngân" in m for m in messages_of(response))
    response = client.get(reverse("office:reminder-letter", args=[later.pk]), {"ngay": "10/07/2025"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


# --- documents --------------------------------------------------------------------------------


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(client, project, name: str, content: bytes, title: str = ""):
    return client.post(
        reverse("documents:upload", args=["de-an", project.pk]),
        {"file": SimpleUploadedFile(name, content), "kind": Attachment.Kind.OTHER, "title": title},
    )


def test_a_long_file_name_without_a_title_is_attached_under_its_name_cut_to_the_title_length(media):
    """A Vietnamese document's name runs long; with Tên tài liệu left empty the title is the
    name, and a name over 200 characters was refused with “tối đa 200 kí tự (hiện có 255)”,
    naming no field."""
    project = f.ProjectFactory()
    name = "Quyết định phê duyệt đề án hỗ trợ ứng dụng máy móc thiết bị " * 4 + ".pdf"
    assert 200 < len(name) <= 255
    response = upload(client_for(user_in(roles.DATA_ENTRY, "nhaplieu")), project, name, PDF)
    assert response.status_code == 302
    stored = Attachment.objects.get()
    assert stored.original_name == name.strip()
    assert stored.title == name[:200] and len(stored.title) == 200


def docx_with_macro_in_other_case() -> bytes:
    """A macro-enabled document whose media types are written in another case (the same types:
    they compare without regard to case), its VBA project under another name."""
    types = (
        '<Types><Override PartName="/word/document.xml" '
        'ContentType="application/vnd.MS-word.document.MACROENABLED.main+xml"/>'
        '<Override PartName="/word/x.bin" ContentType="application/vnd.ms-office.VBAPROJECT"/>'
        '<Default Extension="xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.document.main+xml"/></Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("word/document.xml", "<w:document/>")
        z.writestr("word/x.bin", b"\xd0\xcf\x11\xe0 macro")
    return buffer.getvalue()


def test_a_docx_whose_macro_types_are_written_in_another_case_is_refused(media):
    project = f.ProjectFactory()
    response = upload(client_for(user_in(roles.DATA_ENTRY, "nhaplieu")), project, "bien-ban.docx",
                      docx_with_macro_in_other_case())  # fmt: skip
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert any("không nhận tệp này" in m for m in messages_of(response))


# --- help for the new screens -----------------------------------------------------------------


NEW_SCREENS = {
    ("projects:project-step", (1, "phe-duyet")): "Các bước của đề án",
    ("workbook:log-list", ()): "Nhật ký nhập dữ liệu",
    ("workbook:log-detail", (1,)): "Nhật ký nhập dữ liệu",
    ("funding:contract-create", (1,)): "dự thảo",
    ("funding:contract-edit", (1,)): "dự thảo",
    ("funding:disbursement-create", (1,)): "Giải ngân",
}


def test_the_new_screens_of_issue_13_have_their_help():
    """The step pages, the import log and the contract draft form came without a help page,
    so their header's Trợ giúp led nowhere; the đề án's page still told of status changes."""
    for (view_name, _), title in NEW_SCREENS.items():
        assert help_pages.has_help(view_name), view_name
        assert title in help_pages.help_page(view_name).title, view_name
    detail = help_pages.help_page("projects:project-detail")
    assert "Tiến trình đề án" in detail.html and "Tài liệu đính kèm" in detail.html
    client = client_for(user_in(roles.DATA_ENTRY, "nhaplieu"))
    response = client.get(reverse("office:help", args=["projects.project-step"]))
    assert response.status_code == 200 and "Kinh phí được duyệt" in response.content.decode()


# --- the workbook template and the disbursement's kind --------------------------------------------


def test_the_template_offers_the_disbursements_kind_as_a_drop_down_the_import_reads():
    """“Loại chi” (Thanh toán / Tạm ứng) came with the steps after the template's drop-downs; the
    check that every coded column has one missed it (the junk row's đề án failed first)."""
    template = load_workbook(io.BytesIO(template_workbook()))
    by_column = validations_by_column(template[S.DISBURSEMENTS.name])
    assert "Loại chi" in by_column
    values = list_values(template, by_column["Loại chi"])
    assert values == [str(label) for label in Disbursement.Kind.labels]
    read = _choice(Disbursement.Kind, "Loại chi")
    assert {read(value) for value in values} == set(Disbursement.Kind.values)


# --- list exports -------------------------------------------------------------------------------


def test_a_list_exports_header_is_as_tall_as_its_longest_wrapped_title():
    """The header wraps its titles within the column; without a height the row stayed one line
    high and “Kỳ quá hạn sớm nhất” ran over the first row in LibreOffice and Excel."""
    from khuyencong.core import excel

    rows = iter([["Số hợp đồng", "Kỳ quá hạn sớm nhất của hợp đồng"], ["01/2024/HĐ-KC", "01/02/2025"]])
    book = load_workbook(io.BytesIO(excel.xlsx_bytes([excel.list_sheet("Hợp đồng có nợ quá hạn", rows, filters="",
                                                                       day=datetime.date(2025, 3, 10))])))  # fmt: skip
    sheet = book.active
    header_row = next(row[0].row for row in sheet.iter_rows() if row[0].value == "STT")
    title = next(c for c in sheet[header_row] if c.value == "Kỳ quá hạn sớm nhất của hợp đồng")
    width = sheet.column_dimensions[title.column_letter].width
    assert width < len(title.value)  # it wraps
    assert sheet.row_dimensions[header_row].height >= 2 * excel.LINE_HEIGHT


# --- the steps ----------------------------------------------------------------------------------


def test_an_adjustment_cannot_bring_the_approved_budget_below_the_settlement():
    """The settlement is checked against the approved budget when it is recorded; an adjustment
    afterwards could lower the budget under it (only what was paid was compared), leaving a
    đề án settled above its budget."""
    from projects import services
    from tests.test_lifecycle import TODAY, YESTERDAY, centre, under_way
    from tests.test_parity_projects import department

    project = under_way(approved_budget=250_000_000)
    entry, dept = centre(), department()
    services.take_step(project=project, kind="acceptance", by=entry, number="05/BB-NT", date=YESTERDAY, result="passed")
    services.take_step(project=project, kind="settlement", by=entry, date=TODAY, amount=200_000_000)  # paid: 189 million
    with pytest.raises(ValidationError) as caught:
        services.take_step(project=project, kind="adjustment", by=dept, number="9/QĐ-SCT", date=TODAY, amount=195_000_000)
    assert "quyết toán" in " ".join(caught.value.messages)
    project.refresh_from_db()
    assert project.approved_budget == 250_000_000
    services.take_step(project=project, kind="adjustment", by=dept, number="9/QĐ-SCT", date=TODAY, amount=200_000_000)
    project.refresh_from_db()
    assert project.approved_budget == 200_000_000


# --- the search box -------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["ab\x00cd", "%_%_" * 100, "a" * 5000])
def test_the_search_box_answers_any_text(query):
    """A NUL character (PostgreSQL refuses it in a query), LIKE's wildcards and a very long text
    get an answer page, not an error."""
    f.ProjectFactory(name="Hỗ trợ máy sấy cà phê")
    client = client_for(user_in(roles.VIEWER, "xem"))
    response = client.get(reverse("office:search"), {"q": query})
    assert response.status_code == 200
    assert "Hỗ trợ máy sấy cà phê" not in response.content.decode()


def test_the_project_export_keeps_the_dashboards_queue_and_says_it():
    """“Xem tất cả” from a dashboard queue opens /de-an/?cho=…; its Xuất Excel has the same rows."""
    from tests.list_reading import read_list

    waiting = f.ProjectFactory(status=Project.Status.PROPOSED, code="DX-CHO-1")
    f.ProjectFactory(status=Project.Status.IN_PROGRESS, code="DX-KHAC-1")
    client = client_for(user_in(roles.DEPARTMENT, "chuyenvien"))
    listed = client.get(reverse("projects:project-list"), {"cho": "phe-duyet"})
    assert [p.code for p in listed.context["page"].object_list] == [waiting.code]
    response = client.get(reverse("projects:project-export"), {"cho": "phe-duyet"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "Chờ xử lý: Đề án chờ duyệt" in sheet["A2"].value
    _, _, rows, _ = read_list(response.content)
    assert [r["Mã đề án"] for r in rows] == [waiting.code]
