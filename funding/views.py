"""Staff screens for money paid out. Recoverable contracts get theirs with funding.services."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from funding.forms import DisbursementForm
from khuyencong import roles
from khuyencong.access import get_for_user, require_role
from projects.models import Project
from projects.views import project_detail_context


@require_role(roles.can_record_disbursements)
@require_POST
def disbursement_create(request: HttpRequest, project_pk: int) -> HttpResponse:
    """Record a disbursement from the form on the đề án page; errors show on that page."""
    project = get_for_user(
        request,
        Project.objects.select_related("plan__program", "content__parent", "funding_level"),
        project_pk,
        rule=roles.can_record_disbursements,
    )
    form = DisbursementForm(request.POST, project=project)
    if form.is_valid():
        disbursement = form.save()
        messages.success(
            request, f"Đã ghi nhận giải ngân {disbursement.document_number} cho đề án {project.code}."
        )
        return redirect("projects:project-detail", pk=project.pk)
    context = project_detail_context(request, project, disbursement_form=form)
    return render(request, "projects/project_detail.html", context, status=400)
