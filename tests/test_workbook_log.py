"""What an import leaves behind and explains: rows skipped because a row they depend on failed
(said per row, on the preview and by the command), links to the records it wrote, and the
import log (who, when, which file, kept with its hash) for web and command alike."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from khuyencong.core import roles
from khuyencong.jobs.models import Job
from khuyencong.models import ImportLog
from khuyencong.workbook import import_workbook
from projects.models import Facility, Project

from .workbook_helpers import centre_workbook, small_workbook, user_with, xlsx

pytestmark = pytest.mark.django_db

DEPENDENT = "Bỏ qua dòng 2 (Giải ngân): đề án “DP-01” năm 2023 ở dòng 2 sheet DeAn có lỗi."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def bad_first_project() -> bytes:
    """small_workbook with DP-01 (DeAn row 2) naming a content that does not exist: its
    disbursement (GiaiNgan row 2) can only be skipped."""
    sheets = small_workbook()
    header = sheets["DeAn"][0]
    sheets["DeAn"][1][header.index("Mã nội dung")] = "KHONG-CO"
    return xlsx(sheets)


def upload(client, data: bytes, name: str = "so-lieu.xlsx"):
    response = client.post(reverse("workbook:import"), {"file": SimpleUploadedFile(name, data)}, follow=True)
    assert response.status_code == 200
    return response


def test_a_row_whose_project_failed_is_skipped_with_the_row_it_waits_for():
    result = import_workbook(bad_first_project(), dry_run=True)

    assert [(p.sheet, p.row, p.column) for p in result.problems] == [("DeAn", 2, "Mã nội dung")]
    assert [p.message for p in result.skipped] == [DEPENDENT]
    assert result.counts["GiaiNgan"].skipped == 1
    assert result.counts["GiaiNgan"].created == 2  # the other đề án's disbursements would go in


def test_a_chain_of_skips_names_each_link():
    """A contract whose đề án failed is skipped; its repayment and lawsuit then wait for the
    contract, which was skipped rather than wrong."""
    sheets = small_workbook()
    header = sheets["DeAn"][0]
    sheets["DeAn"][3][header.index("Mã nội dung")] = "KHONG-CO"  # DP-03, row 4: the loan's đề án
    result = import_workbook(xlsx(sheets), dry_run=True)

    notes = [p.message for p in result.skipped]
    assert "Bỏ qua dòng 2 (Hợp đồng hỗ trợ có thu hồi): đề án “DP-03” năm 2024 ở dòng 4 sheet DeAn có lỗi." in notes
    assert "Bỏ qua dòng 2 (Trả nợ): hợp đồng số “01/2024/HĐ-TTKC” ở dòng 2 sheet HopDong bị bỏ qua." in notes
    assert "Bỏ qua dòng 2 (Khởi kiện): hợp đồng số “01/2024/HĐ-TTKC” ở dòng 2 sheet HopDong bị bỏ qua." in notes


def test_the_web_preview_says_which_row_a_skipped_row_waits_for(client):
    client.force_login(user_with(roles.DEPARTMENT))
    page = upload(client, bad_first_project()).content.decode()
    assert DEPENDENT in page
    assert 'id="skipped"' in page


def test_the_command_says_which_row_a_skipped_row_waits_for(tmp_path):
    user_with(roles.DEPARTMENT, username="chuyenvien")
    path = tmp_path / "so-lieu.xlsx"
    path.write_bytes(bad_first_project())
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_workbook", str(path), "--user", "chuyenvien", "--dry-run", stdout=io.StringIO(), stderr=err)
    assert DEPENDENT in err.getvalue()


def test_the_web_import_is_logged_with_its_file_hash_and_counts_and_links_to_what_it_made(client):
    user = user_with(roles.DATA_ENTRY)
    client.force_login(user)
    data = xlsx(centre_workbook())
    upload(client, data, name="Số liệu quý 3.xlsx")
    preview = Job.objects.get(kind="preview")
    response = client.post(reverse("workbook:confirm"), {"job": str(preview.pk)}, follow=True)
    page = response.content.decode()

    dry, applied = ImportLog.objects.order_by("at", "pk")
    digest = hashlib.sha256(data).hexdigest()
    assert (dry.dry_run, dry.applied, applied.dry_run, applied.applied) == (True, False, False, True)
    for entry in (dry, applied):
        assert (entry.user, entry.source, entry.filename, entry.sha256) == (user, "web", "Số liệu quý 3.xlsx", digest)
        assert entry.counts["DeAn"]["created"] == 4 and entry.counts["DeAn"]["errors"] == 0
        assert "Số liệu" not in entry.file.name  # kept under a random name
    assert dry.file.name == applied.file.name  # one copy of one content
    # The result page links to every đề án and facility the import made.
    for project in Project.objects.all():
        assert reverse("projects:project-detail", args=[project.pk]) in page
    for facility in Facility.objects.all():
        assert reverse("projects:facility-detail", args=[facility.pk]) in page
    assert reverse("workbook:log-detail", args=[applied.pk]) in page
    detail = client.get(reverse("workbook:log-detail", args=[applied.pk])).content.decode()
    assert digest in detail and reverse("projects:project-detail", args=[Project.objects.first().pk]) in detail


def test_the_same_file_twice_shows_twice_with_one_hash_and_the_preview_says_so(client):
    client.force_login(user_with(roles.DATA_ENTRY))
    data = xlsx(centre_workbook())
    upload(client, data)
    client.post(reverse("workbook:confirm"), {"job": str(Job.objects.get(kind="preview").pk)})

    page = upload(client, data).content.decode()

    assert "Tệp này đã được nhập lúc" in page
    assert ImportLog.objects.filter(sha256=hashlib.sha256(data).hexdigest()).count() == 3
    listing = client.get(reverse("workbook:log-list")).content.decode()
    assert listing.count(f"{hashlib.sha256(data).hexdigest()[:12]}…") == 3


def test_the_command_writes_the_log_too(tmp_path):
    user = user_with(roles.DATA_ENTRY, username="nhaplieu")
    data = xlsx(centre_workbook())
    path = tmp_path / "quy-3.xlsx"
    path.write_bytes(data)
    call_command("import_workbook", str(path), "--user", "nhaplieu", "--dry-run", stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_workbook", str(path), "--user", "nhaplieu", stdout=out)

    dry, applied = ImportLog.objects.order_by("at", "pk")
    assert {(e.source, e.user, e.filename, e.sha256) for e in (dry, applied)} == {
        ("command", user, "quy-3.xlsx", hashlib.sha256(data).hexdigest())
    }
    assert (dry.applied, applied.applied) == (False, True)
    assert applied.counts["CoSo"]["created"] == 2 and applied.records["DeAn"]["created_total"] == 4
    # The same file again: said on the dry run.
    again = io.StringIO()
    call_command("import_workbook", str(path), "--user", "nhaplieu", "--dry-run", stdout=again)
    assert "Tệp này đã được nhập lúc" in again.getvalue()


def test_the_kept_file_is_downloaded_by_the_centre_and_refused_to_a_viewer(client, tmp_path):
    user_with(roles.DATA_ENTRY, username="nhaplieu")
    data = xlsx(centre_workbook())
    path = tmp_path / "quy-3.xlsx"
    path.write_bytes(data)
    call_command("import_workbook", str(path), "--user", "nhaplieu", stdout=io.StringIO())
    entry = ImportLog.objects.get()
    url = reverse("workbook:log-file", args=[entry.pk])

    client.force_login(user_with(roles.DEPARTMENT))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;") and "quy-3.xlsx" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == data

    client.force_login(user_with(roles.VIEWER))
    for name, args in (("workbook:log-file", [entry.pk]), ("workbook:log-detail", [entry.pk]), ("workbook:log-list", [])):
        assert client.get(reverse(name, args=args)).status_code == 403


def test_the_log_list_reads_a_constant_number_of_queries(client, django_assert_max_num_queries):
    user = user_with(roles.DATA_ENTRY)
    client.force_login(user)
    for index in range(30):
        ImportLog.objects.create(user=user_with(roles.DATA_ENTRY), source="web", filename=f"{index}.xlsx", sha256="0" * 64)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("workbook:log-list"))
    assert response.status_code == 200 and "29.xlsx" in response.content.decode()


def test_the_log_detail_reads_a_constant_number_of_queries(client, django_assert_max_num_queries, tmp_path):
    user_with(roles.DATA_ENTRY, username="nhaplieu")
    path = tmp_path / "quy-3.xlsx"
    path.write_bytes(xlsx(centre_workbook()))
    for _ in range(3):  # the same file three times: the page lists the other two
        call_command("import_workbook", str(path), "--user", "nhaplieu", stdout=io.StringIO())
    client.force_login(user_with(roles.DEPARTMENT))
    entry = ImportLog.objects.first()
    with django_assert_max_num_queries(8):
        response = client.get(reverse("workbook:log-detail", args=[entry.pk]))
    assert response.status_code == 200 and response.content.decode().count("(đã nhập)") == 2
