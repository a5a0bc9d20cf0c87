"""How views ask the role rules: one decorator for a whole view, one helper for an object.

Every rule itself lives in khuyencong.core.roles; this module only turns a refusal into the right
response (sign-in for an anonymous user, 403 for a signed-in one without the role, 404 for an
object that does not exist or that the user may not see).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse

from khuyencong.core import roles

M = TypeVar("M", bound=models.Model)
View = Callable[..., HttpResponse]


def require_role(rule: Callable[[roles.User], bool]) -> Callable[[View], View]:
    """Sign-in first (anonymous users are sent to it), then ``rule(user)`` or 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not rule(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def get_for_user(
    request: HttpRequest,
    queryset: models.QuerySet[M] | type[M],
    pk: int,
    *,
    rule: Callable[[roles.User], bool] = roles.can_view,
) -> M:
    """The object ``pk`` for the signed-in user: 404 when it does not exist or the user may not
    see it, 403 when the user sees it but ``rule`` refuses the action."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    if not roles.can_view(request.user):
        raise Http404
    try:
        obj = queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        # A malformed id from a form or URL ("abc") is a record that does not exist, not a 500.
        raise Http404 from exc
    if not rule(request.user):
        raise PermissionDenied
    return obj
