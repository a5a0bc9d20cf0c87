"""Background jobs: the job page and its JSON, a workbook checked and then imported through the
database queue and run by the worker command, and import progress."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from khuyencong.core import roles
from khuyencong.jobs.models import Job
from khuyencong.workbook import import_workbook
from projects.models import Facility, Project

from . import factories as f
from .workbook_helpers import centre_workbook, xlsx

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def worker(db, monkeypatch):
    """`manage.py db_worker --batch`, run inside the test's transaction: the command closes
    "old" connections between tasks, which would close the test's own, so that is left out."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    return lambda: call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)


def _benchmark():
    """benchmarks/import.py (its name is a keyword, so it is loaded from its path)."""
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "import.py"
    spec = importlib.util.spec_from_file_location("benchmark_import", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def user_with(role: str):
    user = f.UserFactory()
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _queued_job(user) -> Job:
    return Job.objects.create(kind="import", title="Nhập tệp a.xlsx", handler="x.y", user=user, params={})


def test_the_job_page_needs_sign_in(client, db):
    job = _queued_job(user_with(roles.DATA_ENTRY))
    for name in ("jobs:job", "jobs:status"):
        response = client.get(reverse(name, args=[job.pk]))
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_another_users_job_is_not_found(client, db):
    job = _queued_job(user_with(roles.DATA_ENTRY))
    client.force_login(user_with(roles.DEPARTMENT))
    assert client.get(reverse("jobs:job", args=[job.pk])).status_code == 404
    assert client.get(reverse("jobs:status", args=["00000000-0000-0000-0000-000000000000"])).status_code == 404


def test_the_job_page_refuses_other_methods(client, db):
    user = user_with(roles.DATA_ENTRY)
    job = _queued_job(user)
    client.force_login(user)
    assert client.post(reverse("jobs:job", args=[job.pk])).status_code == 405
    assert client.post(reverse("jobs:status", args=[job.pk])).status_code == 405


def test_a_waiting_job_polls_with_javascript_and_refreshes_without(client, db):
    user = user_with(roles.DATA_ENTRY)
    job = _queued_job(user)
    client.force_login(user)
    page = client.get(reverse("jobs:job", args=[job.pk])).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert "js/job.js" in page and reverse("jobs:status", args=[job.pk]) in page
    assert "Tải lại trang" in page
    status = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert status["status"] == "queued" and status["finished"] is False and status["text"] == "Đang chờ"


def _upload(client, data: bytes, name: str = "so-lieu.xlsx"):
    return client.post(reverse("workbook:import"), {"file": SimpleUploadedFile(name, data)})


def test_a_workbook_goes_through_the_queue_from_upload_to_import(client, worker, media, settings):
    """Upload → the preview job waits → the worker checks it → the page offers the confirm →
    the import job waits → the worker writes it: both steps off the web request."""
    settings.TASKS = DB_QUEUE
    user = user_with(roles.DATA_ENTRY)
    client.force_login(user)

    response = _upload(client, xlsx(centre_workbook()))

    preview = Job.objects.get()
    assert response["Location"] == reverse("jobs:job", args=[preview.pk])
    assert (preview.kind, preview.status, preview.user) == ("preview", "queued", user)
    page = client.get(response["Location"])
    assert page.context["may_confirm"] is False and "http-equiv" in page.content.decode()  # still waiting
    worker()
    preview.refresh_from_db()
    assert preview.status == "done", preview.message
    status = client.get(reverse("jobs:status", args=[preview.pk])).json()
    assert status["finished"] is True and status["done"] == status["total"] == preview.result["rows"] > 0
    page = client.get(reverse("jobs:job", args=[preview.pk]))
    assert page.context["may_confirm"] is True and "Xác nhận nhập dữ liệu" in page.content.decode()
    assert Project.objects.count() == 0

    response = client.post(reverse("workbook:confirm"), {"job": str(preview.pk)})

    job = Job.objects.get(kind="import")
    assert response["Location"] == reverse("jobs:job", args=[job.pk])
    assert (job.status, job.user, Project.objects.count()) == ("queued", user, 0)
    worker()
    job.refresh_from_db()
    assert job.status == "done", job.message
    assert Project.objects.count() == 4
    assert Project.history.filter(history_user=user).count() == 4
    status = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert status["finished"] is True and status["done"] == status["total"] == job.result["rows"]
    page = client.get(reverse("jobs:job", args=[job.pk])).content.decode()
    assert 'id="counts"' in page and "Hoàn thành" in page and "http-equiv" not in page
    assert not list((media / "nhap-xuat").iterdir())  # the job removed the stored file


def test_a_preview_with_problems_shows_them_and_offers_no_confirm(client, worker, media, settings):
    settings.TASKS = DB_QUEUE
    client.force_login(user_with(roles.DATA_ENTRY))
    sheets = centre_workbook()
    sheets["DeAn"][2][4] = "XYZ"
    _upload(client, xlsx(sheets))
    worker()

    preview = Job.objects.get()
    page = client.get(reverse("jobs:job", args=[preview.pk]))

    assert preview.status == "done" and page.context["may_confirm"] is False
    assert [p[:3] for p in page.context["problems"]] == [["DeAn", 3, "Mã nội dung"]]
    text = page.content.decode()
    assert "Tệp có 1 lỗi nên không thể nhập" in text and "Mã nội dung “XYZ”" in text
    assert "Xác nhận nhập dữ liệu" not in text
    response = client.post(reverse("workbook:confirm"), {"job": str(preview.pk)}, follow=True)
    assert "Tệp có lỗi nên không thể nhập" in response.content.decode()
    assert Job.objects.count() == 1 and Project.objects.count() == 0
    assert not list((media / "nhap-xuat").iterdir())


def test_a_viewer_cannot_see_another_users_preview(client, worker, media, settings):
    settings.TASKS = DB_QUEUE
    client.force_login(user_with(roles.DATA_ENTRY))
    _upload(client, xlsx(centre_workbook()))
    worker()
    preview = Job.objects.get()
    viewer = client.__class__()
    viewer.force_login(user_with(roles.VIEWER))

    assert viewer.get(reverse("jobs:job", args=[preview.pk])).status_code == 404
    assert viewer.get(reverse("jobs:status", args=[preview.pk])).status_code == 404
    assert viewer.post(reverse("workbook:confirm"), {"job": str(preview.pk)}).status_code == 403
    assert Job.objects.count() == 1


@pytest.mark.parametrize("step", ["preview", "import"])
def test_the_job_applies_the_users_role_when_it_runs(client, worker, media, settings, step):
    settings.TASKS = DB_QUEUE
    user = user_with(roles.DATA_ENTRY)
    client.force_login(user)
    _upload(client, xlsx(centre_workbook()))
    if step == "import":
        worker()
        client.post(reverse("workbook:confirm"), {"job": str(Job.objects.get().pk)})
    user.groups.clear()  # the role is taken away while the job waits

    worker()

    job = Job.objects.get(kind=step)
    assert job.status == "failed"
    assert job.message == "Người dùng không còn quyền nhập liệu nên không nhập được tệp."
    assert Facility.objects.count() == 0
    assert not list((media / "nhap-xuat").iterdir())


def test_a_preview_never_confirmed_is_swept_by_the_next_preview(client, worker, media, settings):
    settings.TASKS = DB_QUEUE
    client.force_login(user_with(roles.DATA_ENTRY))
    _upload(client, xlsx(centre_workbook()))
    worker()
    (abandoned,) = (media / "nhap-xuat").iterdir()
    os.utime(abandoned, (0, 0))  # a day and more ago

    _upload(client, xlsx(centre_workbook()))
    assert abandoned.exists()  # the web request leaves the sweep to the worker
    worker()

    assert not abandoned.exists() and len(list((media / "nhap-xuat").iterdir())) == 1
    page = client.get(reverse("jobs:job", args=[Job.objects.order_by("created_at").first().pk]))
    response = client.post(reverse("workbook:confirm"), {"job": str(page.context["job"].pk)}, follow=True)
    assert "Không tìm thấy tệp đã kiểm tra; hãy tải tệp lên lại." in response.content.decode()


def test_import_progress_counts_the_rows_checked(db):
    calls = []
    data, rows = _benchmark().build(0.1)
    result = import_workbook(data, user=user_with(roles.DEPARTMENT), progress=lambda *a: calls.append(a))
    assert result.applied, result.problems[:3]
    checked = [(done, total) for phase, done, total in calls if phase == "Đang kiểm tra"]
    assert checked and all(total == rows for _, total in checked)
    assert [done for done, _ in checked] == sorted(done for done, _ in checked)
    assert any(phase.startswith("Đang ghi") for phase, _, _ in calls)


@pytest.mark.slow
def test_a_large_workbook_is_confirmed_on_the_web_through_the_queue(client, worker, media, settings):
    """The 100.000-row case at a tenth of the size, to keep the suite within minutes
    (benchmarks/import.py --via-job --rows 100000 runs the whole of it); the same path: upload,
    the dry run as a job with its progress, confirm, the import job, the result."""
    settings.TASKS = DB_QUEUE
    data, rows = _benchmark().build(0.2)
    user = user_with(roles.DEPARTMENT)
    client.force_login(user)
    _upload(client, data, "lon.xlsx")
    worker()
    preview = Job.objects.get()
    assert preview.status == "done" and not preview.result["problems"], (preview.message, preview.result.get("problems", [])[:3])
    assert preview.done == preview.total == rows
    client.post(reverse("workbook:confirm"), {"job": str(preview.pk)})

    worker()

    job = Job.objects.get(kind="import")
    assert job.status == "done", job.message
    assert job.done == job.total == rows > 10_000
    assert Project.objects.count() == 2000
