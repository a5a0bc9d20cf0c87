"""Request helpers for the security settings (django-axes)."""

from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address as the reverse proxy forwards it (BEHIND_PROXY=True).

    The proxy appends the address it saw to X-Forwarded-For, so the last entry is the one a
    client cannot forge; REMOTE_ADDR (the proxy) when the header is missing.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-1] if hops else request.META.get("REMOTE_ADDR", "")
