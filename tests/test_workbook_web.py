"""The web import at nhap-xuat/: upload → dry run → confirm, for data entry and department staff."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path, reverse
from openpyxl import load_workbook

from khuyencong.core import roles
from khuyencong.urls import urlpatterns as site_urls
from projects.models import Facility, Project

from . import factories as f
from .workbook_helpers import centre_workbook, sheet_names, small_workbook, xlsx

# The site's URLs, with the workbook's at nhap-xuat/ unless the site already includes them.
urlpatterns = list(site_urls)
if not any(getattr(p, "namespace", None) == "workbook" for p in site_urls):
    urlpatterns.append(path("nhap-xuat/", include("khuyencong.workbook_urls")))

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def user_with(role: str):
    user = f.UserFactory()
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def entry_client(client):
    client.force_login(user_with(roles.DATA_ENTRY))
    return client


def upload(client, data: bytes, name: str = "so-lieu.xlsx"):
    return client.post(reverse("workbook:import"), {"file": SimpleUploadedFile(name, data)})


def test_anonymous_is_sent_to_sign_in(client):
    for name in ("workbook:import", "workbook:template", "workbook:export"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_viewer_gets_403_on_import(client):
    client.force_login(user_with(roles.VIEWER))
    assert client.get(reverse("workbook:import")).status_code == 403
    assert upload(client, xlsx(small_workbook())).status_code == 403
    assert client.post(reverse("workbook:confirm"), {"token": "x"}).status_code == 403
    assert client.get(reverse("workbook:template")).status_code == 403
    assert Facility.objects.count() == 0


def test_viewer_may_export(client):
    client.force_login(user_with(roles.VIEWER))
    assert client.get(reverse("workbook:export")).status_code == 200


@pytest.mark.parametrize("role", [roles.DATA_ENTRY, roles.DEPARTMENT])
def test_import_page_answers_for_staff(client, role):
    client.force_login(user_with(role))
    response = client.get(reverse("workbook:import"))
    assert response.status_code == 200
    assert "Tải mẫu bảng tính trống" in response.content.decode()


def test_wrong_methods_are_refused(entry_client):
    assert entry_client.get(reverse("workbook:confirm")).status_code == 405
    assert entry_client.post(reverse("workbook:template")).status_code == 405
    assert entry_client.delete(reverse("workbook:import")).status_code == 405


def test_preview_shows_counts_then_confirm_imports(entry_client, media):
    response = upload(entry_client, xlsx(centre_workbook()))

    assert response.status_code == 200
    result = response.context["result"]
    assert result.ok and result.counts["DeAn"].created == 4
    page = response.content.decode()
    assert "Xác nhận nhập dữ liệu" in page and 'id="counts"' in page
    assert Project.objects.count() == 0  # a dry run only
    token = response.context["token"]
    stored = list((media / "nhap-xuat").iterdir())
    assert [p.name for p in stored] == [f"{token}.xlsx"]

    response = entry_client.post(reverse("workbook:confirm"), {"token": token})

    assert response.status_code == 302
    assert Project.objects.count() == 4
    assert Project.history.filter(history_user=response.wsgi_request.user).count() == 4
    assert not list((media / "nhap-xuat").iterdir())  # the stored file is gone
    # The same token cannot import twice.
    again = entry_client.post(reverse("workbook:confirm"), {"token": token}, follow=True)
    assert "Không tìm thấy tệp đã kiểm tra" in again.content.decode()


def test_preview_lists_every_bad_row_and_cannot_be_confirmed(entry_client, media):
    header = small_workbook()["GiaiNgan"][0]
    sheets = centre_workbook(GiaiNgan=[header, [2023, "DP-02", "15/09/2023", "1,5 tỷ", "UNC-002"]])
    sheets["DeAn"][2][4] = "XYZ"

    response = upload(entry_client, xlsx(sheets))

    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["token"] is None
    assert "Xác nhận nhập dữ liệu" not in page
    assert {(p.sheet, p.row, p.column) for p in response.context["result"].problems} == {
        ("GiaiNgan", 2, "Số tiền"),
        ("DeAn", 3, "Mã nội dung"),
    }
    assert "1,5 tỷ" in page and "Mã nội dung “XYZ”" in page
    assert not (media / "nhap-xuat").exists() or not list((media / "nhap-xuat").iterdir())
    response = entry_client.post(reverse("workbook:confirm"), {"token": "khong-co"})
    assert response.status_code == 302
    assert Facility.objects.count() == 0


def test_confirm_refuses_a_file_that_became_bad_after_the_preview(entry_client):
    response = upload(entry_client, xlsx(centre_workbook()))
    token = response.context["token"]
    # Another facility of the same name: the name in DeAn no longer says which one.
    f.FacilityFactory(name="Hộ kinh doanh Dệt thổ cẩm Ka Đơn", tax_code="")
    f.FacilityFactory(name="Hộ kinh doanh Dệt thổ cẩm Ka Đơn", tax_code="")

    response = entry_client.post(reverse("workbook:confirm"), {"token": token}, follow=True)

    # The import ran as a job (at once, with the tests' immediate backend): its page says it failed.
    job = response.context["job"]
    assert job.status == "failed"
    assert response.context["problems"]
    assert "Không thành công; không có dữ liệu nào được ghi." in response.content.decode()
    assert Project.objects.count() == 0


def test_a_token_from_another_session_is_refused(entry_client):
    token = upload(entry_client, xlsx(centre_workbook())).context["token"]
    other = entry_client.__class__()  # a second browser, with its own session
    other.force_login(user_with(roles.DATA_ENTRY))
    response = other.post(reverse("workbook:confirm"), {"token": token})
    assert response.status_code == 302
    assert Project.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"Ma so thue,Ten\n1,2\n", "so-lieu.xlsx", "không phải là bảng tính Excel"),
        (b"%PDF-1.7", "bao-cao.xlsx", "không phải là bảng tính Excel"),
    ],
)
def test_a_renamed_file_is_refused(entry_client, data, name, message):
    response = upload(entry_client, data, name)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_oversized_file_is_refused(entry_client, settings):
    settings.IMPORT_MAX_BYTES = 1024
    response = upload(entry_client, xlsx(small_workbook()))
    assert response.status_code == 400
    assert "lớn hơn giới hạn" in response.content.decode()


def test_no_file_is_refused(entry_client):
    assert entry_client.post(reverse("workbook:import"), {}).status_code == 400


def test_template_download(entry_client):
    response = entry_client.get(reverse("workbook:template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(response.content)).sheetnames == sheet_names()


def test_export_download_holds_the_data(entry_client):
    f.ProjectFactory(code="DA-EXPORT")
    response = entry_client.get(reverse("workbook:export"))
    workbook = load_workbook(io.BytesIO(response.content))
    assert [r[1] for r in workbook["DeAn"].iter_rows(min_row=2, values_only=True)] == ["DA-EXPORT"]


def test_old_uploads_are_swept(entry_client, media):
    import os

    folder = media / "nhap-xuat"
    folder.mkdir()
    stale = Path(folder / "cu.xlsx")
    stale.write_bytes(b"x")
    os.utime(stale, (0, 0))
    upload(entry_client, xlsx(small_workbook()))
    assert not stale.exists()
