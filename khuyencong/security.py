"""Who is asking, and how often they may guess: the client address behind trusted reverse
proxies (django-axes' sign-in lockout is per user name and address), and the throttle of the
password-change form, which takes the same limit and cool-off as the sign-in.
"""

from __future__ import annotations

import datetime
import ipaddress

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from khuyencong.models import PasswordChangeFailure


def _is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in settings.TRUSTED_PROXY_ADDRESSES)


def client_ip(request: HttpRequest) -> str:
    """The client's address, with TRUSTED_PROXY_COUNT reverse proxies in front of the server.

    Each proxy appends the address it saw to X-Forwarded-For, so with N proxies the Nth entry
    from the right is the client as the outermost proxy saw it; entries further left are the
    client's own words. With 0 (the default), or when the request did not come from a trusted
    proxy (TRUSTED_PROXY_ADDRESSES: the server reached directly), or when the header has fewer
    than N entries, the header is ignored and REMOTE_ADDR is the client.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0 or not _is_trusted_proxy(remote):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-count] if len(hops) >= count else remote


# --- the password-change form -------------------------------------------------------------------


def password_change_locked_until(user) -> datetime.datetime | None:
    """When the user may try the current password again, or None when not locked: after
    AXES_FAILURE_LIMIT wrong ones within AXES_COOLOFF_TIME, until the cool-off has run from the
    last of them."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = list(
        PasswordChangeFailure.objects.filter(user=user, at__gte=since)
        .order_by("-at")
        .values_list("at", flat=True)[: settings.AXES_FAILURE_LIMIT]
    )
    if len(recent) < settings.AXES_FAILURE_LIMIT:
        return None
    return recent[0] + settings.AXES_COOLOFF_TIME


def locked_message(until: datetime.datetime) -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"Đã nhập sai mật khẩu hiện tại {settings.AXES_FAILURE_LIMIT} lần trong {minutes} phút, nên việc đổi mật "
        f"khẩu tạm khóa đến {timezone.localtime(until):%H:%M}. Nếu quên mật khẩu, hãy liên hệ quản trị hệ thống."
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, throttled per user like the sign-in: while locked, the current
    password is not even checked."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        until = password_change_locked_until(request.user)
        if until is not None:
            return self.render_to_response(self.get_context_data(locked=locked_message(until)), status=429)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "locked" not in context and self.request.method == "GET":
            until = password_change_locked_until(self.request.user)
            if until is not None:
                context["locked"] = locked_message(until)
        return context

    def form_invalid(self, form) -> HttpResponse:
        if form.has_error("old_password"):
            PasswordChangeFailure.objects.create(user=self.request.user, ip_address=client_ip(self.request) or None)
            until = password_change_locked_until(self.request.user)
            if until is not None:
                return self.render_to_response(self.get_context_data(form=form, locked=locked_message(until)), status=429)
        return super().form_invalid(form)

    def form_valid(self, form) -> HttpResponse:
        PasswordChangeFailure.objects.filter(user=self.request.user).delete()
        return super().form_valid(form)
