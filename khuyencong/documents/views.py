"""Upload, download and removal of documents attached to records.

Refusals: a document the user may not see (``roles.can_see_documents``), a removed one, or one
that does not exist answers 404 alike, so a viewer learns nothing of a facility's papers; an
upload or removal by a role that may not write the record answers 403 (the record itself is
visible to every signed-in user). A refused file goes back to the record's page with the
Vietnamese reason and nothing stored.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from khuyencong.core import roles
from khuyencong.core.access import get_for_user, require_role
from khuyencong.documents import attachable, services
from khuyencong.documents.forms import AttachmentForm
from khuyencong.documents.models import Attachment


@require_role(roles.can_view)
@require_POST
def upload(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    entry = attachable.by_slug(slug)
    if entry is None:
        raise Http404
    record = get_for_user(request, entry.model, pk)
    if not roles.can_attach_documents(request.user, record):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attach(
                record=record, upload=form.cleaned_data["file"], kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"], by=request.user,
            )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(request, f"Đã đính kèm tài liệu “{attachment.title}”.")
            return redirect(entry.page(record) + "#tai-lieu")
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    # The refusal is shown at the top of the page: opened there, not scrolled to the list.
    return redirect(entry.page(record))


def _visible(request: HttpRequest, pk: int) -> Attachment:
    attachment = get_for_user(request, Attachment.objects.current().select_related("content_type"), pk)
    record = attachment.record
    if record is None or not roles.can_see_documents(request.user, record):
        raise Http404
    return attachment


@require_role(roles.can_view)
@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file, as an attachment (never shown inline), with the user's file name made safe."""
    attachment = _visible(request, pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=services.safe_original_name(attachment.original_name),
        content_type=attachment.mime_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_role(roles.can_view)
@require_POST
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = _visible(request, pk)
    record = attachment.record
    services.remove(attachment=attachment, by=request.user)  # PermissionDenied: 403
    messages.success(request, f"Đã gỡ tài liệu “{attachment.title}”; vẫn xem được trong lịch sử thay đổi.")
    return redirect(attachable.of(record).page(record) + "#tai-lieu")
