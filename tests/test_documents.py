"""Documents attached to records: what may be stored (judged by content), who sees and downloads
them, and that nothing is ever served from MEDIA_URL."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from funding.models import LoanContract
from khuyencong.core import roles
from khuyencong.documents.models import Attachment
from tests import factories as f
from tests.screens_helpers import client_for, user_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def docx_bytes(macro: bool = False) -> bytes:
    main = "application/vnd.ms-word.document.macroEnabled.main+xml" if macro else (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", f'<Types><Override PartName="/word/document.xml" ContentType="{main}"/></Types>')
        z.writestr("word/document.xml", "<w:document/>")
        if macro:
            z.writestr("word/vbaProject.bin", b"\x00")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def people():
    return {
        "centre": user_in(roles.DATA_ENTRY, "nhaplieu"),
        "department": user_in(roles.DEPARTMENT, "chuyenvien"),
        "viewer": user_in(roles.VIEWER, "xem"),
    }


def stored_files(media) -> list[Path]:
    root = Path(media)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(client, slug: str, pk: int, name: str, content: bytes, kind: str = "decision", title: str = ""):
    return client.post(
        reverse("documents:upload", args=[slug, pk]),
        {"kind": kind, "title": title, "file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        follow=True,
    )


def test_the_centre_attaches_a_pdf_to_a_project_stored_under_a_random_name(people, media):
    project = f.ProjectFactory()
    client = client_for(people["centre"])
    response = upload(client, "de-an", project.pk, "Quyết định phê duyệt.pdf", PDF, title="QĐ phê duyệt đề án")
    assert "Đã đính kèm tài liệu “QĐ phê duyệt đề án”" in response.content.decode()
    attachment = Attachment.objects.get()
    assert attachment.record == project
    assert (attachment.original_name, attachment.mime_type, attachment.size) == (
        "Quyết định phê duyệt.pdf", "application/pdf", len(PDF)
    )
    assert attachment.uploaded_by == people["centre"]
    # Stored under a random name, never the user's.
    assert "Quy" not in attachment.file.name and attachment.file.name.endswith(".pdf")
    assert [p.read_bytes() for p in stored_files(media)] == [PDF]
    # Listed on the page with its download link, and in the đề án's history.
    page = client.get(reverse("projects:project-detail", args=[project.pk])).content.decode()
    assert reverse("documents:download", args=[attachment.pk]) in page
    history = client.get(reverse("projects:project-history", args=[project.pk])).content.decode()
    assert "Tài liệu “QĐ phê duyệt đề án”" in history and "Đính kèm tài liệu" in history


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("setup.pdf", EXE, "không phải PDF, ảnh JPEG/PNG"),
        ("trang.pdf", HTML, "không phải PDF, ảnh JPEG/PNG"),
        ("hinh.png", SVG, "không phải PDF, ảnh JPEG/PNG"),
        ("macro.docx", docx_bytes(macro=True), "không phải PDF, ảnh JPEG/PNG"),
        ("not-office.docx", b"PK\x03\x04" + b"\x00" * 60, "không phải PDF, ảnh JPEG/PNG"),
        ("anh.pdf", PNG, "phần đuôi tên không khớp"),
        ("rong.pdf", b"", "Tệp rỗng"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_is_stored(people, media, name, content, expected):
    project = f.ProjectFactory()
    response = upload(client_for(people["centre"]), "de-an", project.pk, name, content)
    assert expected in response.content.decode()
    assert not Attachment.objects.exists() and not Attachment.history.exists()
    assert stored_files(media) == []


def test_word_and_excel_files_are_recognised_by_their_parts(people, media):
    contract = f.LoanContractFactory()
    client = client_for(people["centre"])
    upload(client, "hop-dong", contract.pk, "hop-dong.docx", docx_bytes())
    upload(client, "hop-dong", contract.pk, "lich-tra.xlsx", xlsx_bytes())
    assert sorted(Attachment.objects.values_list("mime_type", flat=True)) == [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ]
    # An Excel workbook renamed .docx is refused: its content is Excel.
    response = upload(client, "hop-dong", contract.pk, "gia.docx", xlsx_bytes())
    assert "có nội dung Excel (.xlsx)" in response.content.decode()
    assert Attachment.objects.count() == 2


def test_an_oversized_file_is_refused_with_the_limit_in_megabytes(people, media, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    project = f.ProjectFactory()
    response = upload(client_for(people["centre"]), "de-an", project.pk, "lon.pdf", PDF + b"0" * (1024 * 1024))
    assert "Tệp quá lớn: mỗi tệp đính kèm tối đa 1 MB (1.048.576 byte)." in response.content.decode()
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_the_default_limit_is_20_mb_and_a_20_mb_upload_passes_the_request_limits(people, media, settings):
    assert settings.ATTACHMENT_MAX_BYTES == 20 * 1024 * 1024
    project = f.ProjectFactory()
    big = PDF + b"0" * (20 * 1024 * 1024 - len(PDF))
    upload(client_for(people["centre"]), "de-an", project.pk, "du-20mb.pdf", big)
    assert Attachment.objects.get().size == 20 * 1024 * 1024


def download(client, attachment):
    return client.get(reverse("documents:download", args=[attachment.pk]))


@pytest.fixture
def papers(people):
    """One document on each kind of record, uploaded by who may."""
    project = f.ProjectFactory()
    contract = f.LoanContractFactory(state=LoanContract.State.ACTIVE)
    lawsuit = f.LawsuitFactory(contract=contract)
    report = f.ReportFactory()
    centre, department = client_for(people["centre"]), client_for(people["department"])
    upload(centre, "de-an", project.pk, "de-an.pdf", PDF)
    upload(centre, "hop-dong", contract.pk, "hop-dong.pdf", PDF)
    upload(centre, "vu-kien", lawsuit.pk, "ban-an.pdf", PDF)
    upload(department, "bao-cao", report.pk, "bao-cao.pdf", PDF)
    by_model = {a.content_type.model: a for a in Attachment.objects.select_related("content_type")}
    assert set(by_model) == {"project", "loancontract", "lawsuit", "report"}
    return by_model


def test_the_centre_and_the_department_download_every_document_as_an_attachment(people, papers):
    for who in ("centre", "department"):
        client = client_for(people[who])
        for attachment in papers.values():
            response = download(client, attachment)
            assert response.status_code == 200
            assert b"".join(response.streaming_content) == PDF
            assert response["Content-Type"] == "application/pdf"
            assert response["Content-Disposition"] == f'attachment; filename="{attachment.original_name}"'
            assert response["X-Content-Type-Options"] == "nosniff"


def test_the_viewer_gets_a_reports_documents_only(people, papers):
    client = client_for(people["viewer"])
    assert download(client, papers["report"]).status_code == 200
    for model in ("project", "loancontract", "lawsuit"):
        assert download(client, papers[model]).status_code == 404
    page = client.get(reverse("projects:project-detail", args=[papers["project"].object_id])).content.decode()
    assert "chỉ dành cho Sở Công Thương và Trung tâm Khuyến công" in page
    assert reverse("documents:download", args=[papers["project"].pk]) not in page
    history = client.get(reverse("projects:project-history", args=[papers["project"].object_id])).content.decode()
    assert "de-an.pdf" not in history


def test_who_may_not_write_the_record_may_not_attach_403(people, media):
    project, report = f.ProjectFactory(), f.ReportFactory()
    assert upload(client_for(people["viewer"]), "de-an", project.pk, "a.pdf", PDF).status_code == 403
    assert upload(client_for(people["centre"]), "bao-cao", report.pk, "a.pdf", PDF).status_code == 403  # reports: the Department
    assert upload(client_for(people["centre"]), "khong-co", project.pk, "a.pdf", PDF).status_code == 404
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_a_removed_document_is_kept_in_the_history_and_no_longer_downloaded(people, papers):
    attachment = papers["project"]
    assert client_for(people["viewer"]).post(reverse("documents:remove", args=[attachment.pk])).status_code == 404
    client = client_for(people["centre"])
    client.post(reverse("documents:remove", args=[attachment.pk]))
    attachment.refresh_from_db()
    assert attachment.removed_by == people["centre"] and attachment.removed_at is not None
    assert download(client, attachment).status_code == 404
    history = client.get(reverse("projects:project-history", args=[attachment.object_id])).content.decode()
    assert "Gỡ tài liệu “" in history


def test_the_contract_history_shows_its_documents_and_its_lawsuits(people, papers):
    contract_id = papers["loancontract"].object_id
    history = client_for(people["centre"]).get(reverse("funding:contract-history", args=[contract_id])).content.decode()
    assert "hop-dong.pdf" in history and "ban-an.pdf" in history


def test_nothing_is_served_from_media_url(people, papers, client, settings):
    """MEDIA_URL has no URL pattern: the stored file's path answers 404 to anyone."""
    attachment = papers["project"]
    client.force_login(people["department"])
    assert client.get("/" + settings.MEDIA_URL + attachment.file.name).status_code == 404
    assert client.get(attachment.file.url).status_code == 404


def test_an_unsafe_file_name_is_made_safe_in_the_download(people, media):
    project = f.ProjectFactory()
    client = client_for(people["centre"])
    response = upload(client, "de-an", project.pk, 'ke*hoach?\x01<2025>.pdf', PDF)
    assert "Đã đính kèm" in response.content.decode()
    attachment = Attachment.objects.get()
    assert attachment.original_name == "kehoach2025.pdf"
    assert download(client, attachment)["Content-Disposition"] == 'attachment; filename="kehoach2025.pdf"'


def test_the_admin_lists_documents_and_cannot_add_or_change_them(people, papers):
    admin = f.SuperuserFactory()
    client = client_for(admin)
    assert client.get(reverse("admin:documents_attachment_changelist")).status_code == 200
    assert client.get(reverse("admin:documents_attachment_add")).status_code == 403
    attachment = papers["project"]
    response = client.post(
        reverse("admin:documents_attachment_change", args=[attachment.pk]), {"title": "đổi tên", "kind": "other"}
    )
    assert response.status_code == 403
    attachment.refresh_from_db()
    assert attachment.title != "đổi tên"
    response = client.post(reverse("admin:documents_attachment_delete", args=[attachment.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Attachment.objects.filter(pk=attachment.pk).exists()
