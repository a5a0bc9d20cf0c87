"""The frame of the portal: sign-in, the home page, production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_home_sends_anonymous_users_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_sign_in_page_is_vietnamese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html


@pytest.mark.django_db
def test_a_user_signs_in_and_sees_home(client):
    User.objects.create_user("nhaplieu", password="mat-khau-dai-123")
    response = client.post(reverse("login"), {"username": "nhaplieu", "password": "mat-khau-dai-123"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Tổng quan" in response.content.decode()


@pytest.mark.django_db
def test_wrong_password_is_refused_in_vietnamese(client):
    User.objects.create_user("nhaplieu", password="mat-khau-dai-123")
    response = client.post(reverse("login"), {"username": "nhaplieu", "password": "sai"})
    assert response.status_code == 200
    assert "tên đăng nhập" in response.content.decode().lower()


def _env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value.strip('"')
    return values


def test_check_deploy_is_clean_with_the_production_values_of_env_example():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "KHUYENCONG_TESTING", "DATABASE_URL"}}
    env.update(_env_example())
    env["DJANGO_SETTINGS_MODULE"] = "khuyencong.settings"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "KHUYENCONG_TESTING", "SECRET_KEY"}}
    env["DJANGO_SETTINGS_MODULE"] = "khuyencong.settings"
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_wsgi_application_loads_with_the_production_values_and_freezes_what_it_loaded():
    """What gunicorn imports: the application answers, and the objects of start-up are out of
    the garbage collector's walks (khuyencong/wsgi.py)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "KHUYENCONG_TESTING", "DATABASE_URL"}}
    env.update(_env_example())
    code = "import gc, khuyencong.wsgi as w; print(callable(w.application), gc.get_freeze_count() > 10_000)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.split() == ["True", "True"], result.stderr


@pytest.mark.django_db
def test_the_favicon_is_served_without_signing_in_and_linked_from_every_page(client):
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/favicon.ico"
    assert Path(finders.find("favicon.ico")).read_bytes()[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get(reverse("login")).content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in page and 'href="/static/favicon.ico"' in page
