"""Guessing passwords: the client address behind trusted proxies (the sign-in lockout cannot be
dodged by writing X-Forwarded-For), and the password-change form throttled like the sign-in."""

from __future__ import annotations

import datetime

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from khuyencong.models import PasswordChangeFailure
from khuyencong.security import client_ip
from tests import factories as f

PASSWORD = "dung-mat-khau-123"


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "client"),
    [
        (0, "203.0.113.7", "1.2.3.4", "203.0.113.7"),  # no proxy: the header is the client's own words
        (1, "127.0.0.1", "1.2.3.4, 198.51.100.20", "198.51.100.20"),  # what the proxy appended
        (2, "127.0.0.1", "1.2.3.4, 198.51.100.20, 10.0.0.2", "198.51.100.20"),
        (2, "127.0.0.1", "198.51.100.20", "127.0.0.1"),  # fewer entries than proxies
        (1, "127.0.0.1", None, "127.0.0.1"),
        (1, "203.0.113.7", "1.2.3.4", "203.0.113.7"),  # the server reached directly, not through the proxy
    ],
)
def test_the_client_is_the_nth_forwarded_address_from_a_trusted_proxy(settings, count, remote, forwarded, client):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request_from(remote, forwarded)) == client


def test_trusted_proxy_addresses_may_be_networks(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_ADDRESSES = ["10.0.0.0/24"]
    assert client_ip(request_from("10.0.0.5", "198.51.100.20")) == "198.51.100.20"
    assert client_ip(request_from("10.0.1.5", "198.51.100.20")) == "10.0.1.5"


def _wrong_sign_ins(client, n: int, *, remote: str, forwarded=lambda i: f"10.9.{i}.1") -> list[int]:
    return [
        client.post(
            reverse("login"),
            {"username": "nhaplieu", "password": "sai"},
            REMOTE_ADDR=remote,
            HTTP_X_FORWARDED_FOR=forwarded(i),
        ).status_code
        for i in range(n)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("count", [0, 1])
def test_a_rotating_forwarded_for_sent_straight_to_the_server_is_still_locked_out(client, settings, count):
    settings.TRUSTED_PROXY_COUNT = count
    f.UserFactory(username="nhaplieu", password=PASSWORD)

    codes = _wrong_sign_ins(client, 6, remote="203.0.113.7")

    assert codes[:4] == [200] * 4 and codes[4:] == [429, 429]
    right = client.post(reverse("login"), {"username": "nhaplieu", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7",
                        HTTP_X_FORWARDED_FOR="10.200.0.1")
    assert right.status_code == 429


@pytest.mark.django_db
def test_behind_the_proxy_the_lock_follows_the_address_the_proxy_saw(client, settings):
    """A client prepending made-up addresses is still the address the proxy appended; another
    client behind the same proxy is not locked with it."""
    settings.TRUSTED_PROXY_COUNT = 1
    f.UserFactory(username="nhaplieu", password=PASSWORD)

    codes = _wrong_sign_ins(client, 5, remote="127.0.0.1", forwarded=lambda i: f"10.9.{i}.1, 198.51.100.20")

    assert codes[-1] == 429
    other = client.post(reverse("login"), {"username": "nhaplieu", "password": PASSWORD}, REMOTE_ADDR="127.0.0.1",
                        HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert other.status_code == 302


# --- the password-change form -------------------------------------------------------------------


def _change(client, old: str, new: str = "mat-khau-moi-rat-dai-456"):
    return client.post(reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new})


@pytest.mark.django_db
def test_a_wrong_password_loop_on_the_password_change_form_is_stopped(client):
    user = f.UserFactory(username="nhaplieu", password=PASSWORD)
    client.force_login(user)

    codes = [_change(client, f"doan-{i}").status_code for i in range(8)]

    assert codes[:4] == [200] * 4 and set(codes[4:]) == {429}
    assert PasswordChangeFailure.objects.filter(user=user).count() == 5  # refused tries are not even checked
    # Not even the right password goes through during the cool-off, and the page says why.
    refused = _change(client, PASSWORD)
    assert refused.status_code == 429
    assert "Đã nhập sai mật khẩu hiện tại 5 lần trong 15 phút" in refused.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert "tạm khóa" in client.get(reverse("password_change")).content.decode()


@pytest.mark.django_db
def test_the_password_change_lock_is_per_user_and_ends_with_the_cool_off(client, settings):
    user = f.UserFactory(username="nhaplieu", password=PASSWORD)
    other = f.UserFactory(username="chuyenvien", password=PASSWORD)
    client.force_login(user)
    for i in range(5):
        _change(client, f"doan-{i}")
    assert _change(client, PASSWORD).status_code == 429

    client.force_login(other)
    assert _change(client, PASSWORD).status_code == 302

    # The cool-off over (the failures moved back in time), the right password goes through.
    PasswordChangeFailure.objects.filter(user=user).update(
        at=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    )
    client.force_login(user)
    assert _change(client, PASSWORD).status_code == 302
    assert not PasswordChangeFailure.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_other_mistakes_on_the_password_change_form_are_not_counted(client):
    user = f.UserFactory(username="nhaplieu", password=PASSWORD)
    client.force_login(user)
    for _ in range(6):
        response = client.post(
            reverse("password_change"), {"old_password": PASSWORD, "new_password1": "a1", "new_password2": "b2"}
        )
        assert response.status_code == 200
    assert not PasswordChangeFailure.objects.exists()
