"""The web import at nhap-xuat/: upload → dry run (a job) → confirm → import (a job), for data
entry and department staff. The tests' queue is the immediate backend: a job has run when the
request that queued it returns (tests/test_jobs.py runs the same path through the database
queue and its worker)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path, reverse
from openpyxl import load_workbook

from khuyencong.core import roles
from khuyencong.jobs.models import Job
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


def upload(client, data: bytes, name: str = "so-lieu.xlsx", **kwargs):
    return client.post(reverse("workbook:import"), {"file": SimpleUploadedFile(name, data)}, **kwargs)


def preview(client, data: bytes):
    """The upload, then the preview job's page it leads to."""
    response = upload(client, data, follow=True)
    assert response.status_code == 200 and response.context["job"].kind == "preview"
    return response


def confirm(client, job, **kwargs):
    return client.post(reverse("workbook:confirm"), {"job": str(job.pk)}, **kwargs)


def stored(media) -> list[str]:
    folder = media / "nhap-xuat"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_anonymous_is_sent_to_sign_in(client):
    for name in ("workbook:import", "workbook:template", "workbook:export"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_viewer_gets_403_on_import(client):
    client.force_login(user_with(roles.VIEWER))
    assert client.get(reverse("workbook:import")).status_code == 403
    assert upload(client, xlsx(small_workbook())).status_code == 403
    assert client.post(reverse("workbook:confirm"), {"job": "x"}).status_code == 403
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

    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:job", args=[job.pk])
    assert (job.kind, job.status, job.result["counts"]["DeAn"]["created"]) == ("preview", "done", 4)
    response = entry_client.get(response["Location"])
    page = response.content.decode()
    assert "Tệp hợp lệ" in page and "Xác nhận nhập dữ liệu" in page and 'id="counts"' in page
    assert response.context["may_confirm"] is True
    assert Project.objects.count() == 0  # a dry run only
    assert stored(media) == [f"{job.params['token']}.xlsx"]

    response = confirm(entry_client, job)

    imported = Job.objects.get(kind="import")
    assert response.status_code == 302 and response["Location"] == reverse("jobs:job", args=[imported.pk])
    assert imported.status == "done" and imported.params["preview"] == str(job.pk)
    assert Project.objects.count() == 4
    assert Project.history.filter(history_user=response.wsgi_request.user).count() == 4
    assert stored(media) == []  # the stored file is gone
    # The preview now links to its import and offers no second one.
    page = entry_client.get(reverse("jobs:job", args=[job.pk])).content.decode()
    assert reverse("jobs:job", args=[imported.pk]) in page and "Xác nhận nhập dữ liệu" not in page
    again = confirm(entry_client, job, follow=True)
    assert "Tệp này đã được xác nhận nhập; không nhập lại được." in again.content.decode()
    assert Job.objects.filter(kind="import").count() == 1


def test_preview_lists_every_bad_row_and_cannot_be_confirmed(entry_client, media):
    header = small_workbook()["GiaiNgan"][0]
    sheets = centre_workbook(GiaiNgan=[header, [2023, "DP-02", "15/09/2023", "1,5 tỷ", "UNC-002"]])
    sheets["DeAn"][2][4] = "XYZ"

    response = preview(entry_client, xlsx(sheets))

    page = response.content.decode()
    assert response.context["may_confirm"] is False
    assert "Xác nhận nhập dữ liệu" not in page and "Tệp có 2 lỗi nên không thể nhập" in page
    assert {tuple(p[:3]) for p in response.context["problems"]} == {("GiaiNgan", 2, "Số tiền"), ("DeAn", 3, "Mã nội dung")}
    assert "1,5 tỷ" in page and "Mã nội dung “XYZ”" in page
    assert stored(media) == []  # a file that cannot be confirmed is not kept

    response = confirm(entry_client, response.context["job"], follow=True)

    assert "Tệp có lỗi nên không thể nhập" in response.content.decode()
    assert not Job.objects.filter(kind="import").exists()
    assert Facility.objects.count() == 0


def test_confirm_refuses_a_preview_with_problems_even_if_its_file_is_still_there(entry_client, media):
    """The refusal is decided by the preview's result, not by the file's absence."""
    sheets = centre_workbook()
    sheets["DeAn"][2][4] = "XYZ"
    job = preview(entry_client, xlsx(sheets)).context["job"]
    (media / "nhap-xuat" / f"{job.params['token']}.xlsx").write_bytes(xlsx(centre_workbook()))

    response = confirm(entry_client, job, follow=True)

    assert "Tệp có lỗi nên không thể nhập" in response.content.decode()
    assert (Job.objects.filter(kind="import").count(), Project.objects.count()) == (0, 0)


def test_confirm_refuses_a_preview_still_waiting(entry_client):
    user = entry_client.get(reverse("workbook:import")).wsgi_request.user
    job = Job.objects.create(kind="preview", title="Kiểm tra tệp a.xlsx", handler="x.y", user=user, params={"token": "t"})

    response = confirm(entry_client, job, follow=True)

    assert "Tệp chưa kiểm tra xong" in response.content.decode()
    assert not Job.objects.filter(kind="import").exists()


def test_confirm_refuses_a_file_that_became_bad_after_the_preview(entry_client):
    job = preview(entry_client, xlsx(centre_workbook())).context["job"]
    # Another facility of the same name: the name in DeAn no longer says which one.
    f.FacilityFactory(name="Hộ kinh doanh Dệt thổ cẩm Ka Đơn", tax_code="")
    f.FacilityFactory(name="Hộ kinh doanh Dệt thổ cẩm Ka Đơn", tax_code="")

    response = confirm(entry_client, job, follow=True)

    # The import job checks every row again: its page says it failed, with the problems.
    job = response.context["job"]
    assert (job.kind, job.status) == ("import", "failed")
    assert response.context["problems"]
    assert "Không thành công; không có dữ liệu nào được ghi." in response.content.decode()
    assert Project.objects.count() == 0


def test_another_users_preview_can_be_neither_seen_nor_confirmed(entry_client, media):
    job = preview(entry_client, xlsx(centre_workbook())).context["job"]
    other = entry_client.__class__()  # a second browser, another data-entry user
    other.force_login(user_with(roles.DATA_ENTRY))

    assert other.get(reverse("jobs:job", args=[job.pk])).status_code == 404
    response = confirm(other, job, follow=True)

    assert "Không tìm thấy tệp đã kiểm tra" in response.content.decode()
    assert (Job.objects.filter(kind="import").count(), Project.objects.count()) == (0, 0)
    assert stored(media) == [f"{job.params['token']}.xlsx"]  # still the uploader's to confirm


def test_a_superuser_sees_a_preview_but_cannot_confirm_it_for_its_uploader(entry_client):
    job = preview(entry_client, xlsx(centre_workbook())).context["job"]
    admin = entry_client.__class__()
    admin.force_login(f.SuperuserFactory())

    response = admin.get(reverse("jobs:job", args=[job.pk]))

    assert response.status_code == 200 and response.context["may_confirm"] is False
    assert "Xác nhận nhập dữ liệu" not in response.content.decode()
    assert confirm(admin, job).status_code == 302 and not Job.objects.filter(kind="import").exists()


def test_a_confirm_without_a_job_is_refused(entry_client):
    for value in ("", "khong-co", "00000000-0000-0000-0000-000000000000"):
        response = entry_client.post(reverse("workbook:confirm"), {"job": value})
        assert response.status_code == 302 and response["Location"] == reverse("workbook:import")
    assert Job.objects.count() == 0


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
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["Hướng dẫn", *sheet_names(), "Danh mục"]


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
