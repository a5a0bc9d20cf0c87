"""Nothing of the portal can be read without signing in; sign-in is throttled; every page
carries a Content-Security-Policy and no template needs inline script or style."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from tests import factories as f

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

ROOT = Path(__file__).resolve().parent.parent

# Pages anyone may open: signing in and out, and the admin's own sign-in.
PUBLIC = {
    "favicon",
    "login",
    "logout",
    "admin:login",
    "admin:logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "admin:password_reset",
    "admin:view_on_site",
}


def walk(patterns, namespace: str = "") -> list[tuple[str, URLPattern]]:
    """Every named URL pattern of the project, with its namespaced name."""
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            found += walk(entry.url_patterns, f"{namespace}{ns}:" if ns else namespace)
        elif entry.name:
            found.append((namespace + entry.name, entry))
    return found


def parameters(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.regex.groupindex)


def fill(name: str, param: str, objects: dict) -> object:
    """A value for a URL parameter that names an existing object where it can."""
    if name.startswith("jobs:"):
        return "00000000-0000-0000-0000-000000000001"  # jobs are named by UUID
    if param in {"pk", "project_pk", "object_id"}:
        for key in ("nomination", "event", "plan", "facility", "project"):
            if key in name:
                return objects[key].pk
        if param == "project_pk":
            return objects["project"].pk
        return objects["project"].pk
    values = {
        "year_from": 2021,
        "year_to": 2025,
        "report_date": "2025-03-15",
        "figure": "F01",
        "app_label": "projects",
        "model_name": "project",
        "content_type_id": 1,
        "object_id": 1,
        "uidb64": "MQ",
        "token": "x",
        "url": "x",
        "path": "x",
    }
    return values.get(param, 1)


@pytest.fixture
def objects():
    facility = f.FacilityFactory()
    project = f.ProjectFactory(facilities=[facility])
    return {
        "project": project,
        "facility": facility,
        "plan": project.plan,
        "event": f.EventFactory(project=project),
        "nomination": f.ProductNominationFactory(product__facility=facility),
        "report": f.ReportFactory(),
    }


def all_urls(objects: dict) -> list[tuple[str, str]]:
    urls = []
    for name, pattern in walk(get_resolver().url_patterns):
        kwargs = {p: fill(name, p, objects) for p in parameters(pattern)}
        positional = pattern.pattern.regex.groups - len(kwargs)  # simple-history's admin views
        try:
            urls.append((name, reverse(name, args=[1] * positional) if positional else reverse(name, kwargs=kwargs)))
        except NoReverseMatch:
            urls.append((name, None))
    return urls


@pytest.mark.django_db
def test_every_url_of_the_project_is_walked(objects):
    urls = all_urls(objects)
    names = {name for name, _ in urls}
    assert {"home", "projects:project-list", "funding:disbursement-create", "admin:index"} <= names
    unreversed = [name for name, url in urls if url is None]
    assert not unreversed, f"these URL patterns could not be filled: {unreversed}"


@pytest.mark.django_db
def test_no_page_can_be_read_without_signing_in(client, objects):
    checked = 0
    for name, url in all_urls(objects):
        if name in PUBLIC or url is None:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (301, 302), f"{method.upper()} {url} ({name}) answered {response.status_code}"
            login = reverse("admin:login") if name.startswith("admin:") else reverse(settings.LOGIN_URL)
            assert response["Location"].startswith(login), f"{url} ({name}) redirects to {response['Location']}"
            checked += 1
    assert checked > 40


@pytest.mark.django_db
def test_sign_in_page_is_public(client):
    assert client.get(reverse("login")).status_code == 200


# ——— Sign-in throttling (django-axes) ——————————————————————————————————————————————————


@pytest.mark.django_db
def test_five_failures_lock_the_user_out_from_that_address_in_vietnamese(client):
    f.UserFactory(username="nhaplieu", password="dung-mat-khau-123")
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "nhaplieu", "password": "sai"})
        assert response.status_code == 200
    locked = client.post(reverse("login"), {"username": "nhaplieu", "password": "sai"})
    assert locked.status_code == 429
    assert "Tạm khóa đăng nhập" in locked.content.decode()
    # Even the right password is refused during the cool-off.
    right = client.post(reverse("login"), {"username": "nhaplieu", "password": "dung-mat-khau-123"})
    assert right.status_code == 429


@pytest.mark.django_db
def test_the_lock_is_per_user_and_address(client):
    f.UserFactory(username="nhaplieu", password="dung-mat-khau-123")
    f.UserFactory(username="chuyenvien", password="dung-mat-khau-456")
    for _ in range(5):
        client.post(reverse("login"), {"username": "nhaplieu", "password": "sai"})
    # Another user from the same address, and the same user from another address, still sign in.
    other_user = client.post(reverse("login"), {"username": "chuyenvien", "password": "dung-mat-khau-456"})
    assert other_user.status_code == 302
    client.logout()
    other_address = client.post(
        reverse("login"), {"username": "nhaplieu", "password": "dung-mat-khau-123"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other_address.status_code == 302


def test_axes_settings_are_those_asked_for():
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


# ——— Content-Security-Policy —————————————————————————————————————————————————————————————


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/dang-nhap/", "/"])
def test_every_page_carries_a_strict_content_security_policy(login, data_entry, url):
    response = login(data_entry).get(url)
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_no_template_of_the_screens_has_inline_script_or_style():
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if (
            re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
            or re.search(r"<style\b|\sstyle=\"", text)
            or re.search(r"\son[a-z]+=\"", text)
        ):
            offenders.append(str(template.relative_to(ROOT)))
    # The report document is rendered for print and PDF with its own stylesheet; not a screen.
    offenders = [o for o in offenders if not o.startswith("templates/reporting/")]
    assert not offenders


@pytest.mark.django_db
def test_error_pages_are_vietnamese(client, data_entry):
    client.force_login(data_entry)
    assert "Không tìm thấy trang" in client.get("/khong-co-trang-nay/").content.decode()
    from django.template.loader import render_to_string

    assert "Đã xảy ra lỗi" in render_to_string("500.html")
    assert "Không có quyền" in render_to_string("403.html")


@pytest.mark.django_db
def test_a_request_too_large_and_a_stale_form_are_answered_in_vietnamese(data_entry):
    # Django's own pages said "Bad Request (400)" and "CSRF verification failed" in English:
    # a section text of several megabytes, a form sent after signing in again in another tab.
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(data_entry)
    stale = client.post("/de-an/", {"q": "x"})
    assert stale.status_code == 403 and "Phiên làm việc đã hết hạn" in stale.content.decode()
    client = Client()  # no token check here (a browser's would pass): the body is read
    body = "username=" + "a" * 3_000_000
    too_large = client.generic("POST", "/dang-nhap/", body, content_type="application/x-www-form-urlencoded")
    assert too_large.status_code == 400 and "Yêu cầu không hợp lệ" in too_large.content.decode()
