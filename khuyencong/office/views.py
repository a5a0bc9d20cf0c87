"""Search, help, notifications and the reminder letter."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from funding.models import LoanContract
from funding.views import as_of_date
from khuyencong.core import roles
from khuyencong.core.access import require_role
from khuyencong.office import help as help_pages
from khuyencong.office.letter import letter_pdf, reminder_letter
from khuyencong.office.models import Notification
from khuyencong.office.search import MIN_LENGTH, site_search, too_short

NOTIFICATIONS_SHOWN = 100


@require_role(roles.can_view)
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    groups = [] if too_short(query) else site_search(query)
    return render(
        request,
        "office/search.html",
        {"query": query, "site_query": query, "groups": groups, "min_length": MIN_LENGTH, "total": sum(g.count for g in groups)},
    )


@require_role(roles.can_view)
@require_GET
def help_index(request: HttpRequest) -> HttpResponse:
    return render(request, "office/help_index.html", {"pages": help_pages.help_index()})


@require_role(roles.can_view)
@require_GET
def help_detail(request: HttpRequest, name: str) -> HttpResponse:
    page = help_pages.help_page(name.replace(".", ":"))
    if page is None:
        raise Http404("Chưa có trợ giúp cho màn hình này.")
    return render(request, "office/help_page.html", {"page": page})


@require_role(roles.can_view)
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.filter(user=request.user)
    return render(
        request,
        "office/notifications.html",
        {"notifications": list(mine[:NOTIFICATIONS_SHOWN]), "unread": mine.unread().count(), "shown": NOTIFICATIONS_SHOWN},
    )


@require_role(roles.can_view)
@require_GET
def notification_count(request: HttpRequest) -> JsonResponse:
    """The bell's number, asked by static/js/notifications.js after the page has loaded."""
    return JsonResponse({"unread": Notification.objects.filter(user=request.user).unread().count()})


@require_role(roles.can_view)
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Opening a notification marks it read and goes where it points (one of the portal's pages)."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    target = notification.link if url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None) else ""
    return redirect(target or "office:notifications")


@require_role(roles.can_view)
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(user=request.user).unread().update(read_at=timezone.now())
    return redirect("office:notifications")


@require_role(roles.can_view)
@require_GET
def letter(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(LoanContract.objects.select_related("facility", "project__plan"), pk=pk)
    day, _ = as_of_date(request)
    drawn = reminder_letter(contract, day)
    if not drawn.status.disbursed:  # a draft, or a contract whose money went out after ``day``: no debt to remind of
        messages.error(request, f"Hợp đồng {contract.number} chưa giải ngân vào ngày {day:%d/%m/%Y}: chưa có khoản nợ để nhắc.")
        return redirect("funding:contract-detail", pk=contract.pk)
    response = HttpResponse(letter_pdf(drawn), content_type="application/pdf")
    safe_number = "".join(ch if ch.isalnum() else "-" for ch in contract.number)
    response["Content-Disposition"] = f'inline; filename="thu-nhac-no-{safe_number}-{day:%d-%m-%Y}.pdf"'
    return response
