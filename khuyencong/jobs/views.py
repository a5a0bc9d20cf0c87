"""A job's page (progress, then the result) and its progress as JSON for the page's poll."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from khuyencong.core import roles
from khuyencong.core.formatting import group_thousands
from khuyencong.core.jobs import progress_of
from khuyencong.jobs.models import Job
from khuyencong.workbook import sheets as S
from khuyencong.workbook.jobs import PREVIEW, confirm_refusal

POLL_SECONDS = 2


def _job_for(request: HttpRequest, pk) -> Job:
    """The job ``pk`` if it is the user's own: another user's job (and its result) is not found."""
    job = Job.objects.filter(pk=pk).first()
    if job is None or (job.user_id != request.user.pk and not request.user.is_superuser):
        raise Http404("Không tìm thấy công việc.")
    return job


def _progress(job: Job) -> dict:
    live = progress_of(job)
    done, total = live["done"], live["total"]
    text = live["phase"] or job.get_status_display()
    if total:
        text += f": {group_thousands(done)} / {group_thousands(total)} dòng"
    return {"phase": live["phase"], "done": done, "total": total, "text": text}


@login_required
@require_GET
def job_status(request: HttpRequest, pk) -> JsonResponse:
    job = _job_for(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "finished": job.finished,
            **_progress(job),
            "url": reverse("jobs:job", args=[job.pk]),
        }
    )


def _counts(result: dict) -> list[tuple[S.Sheet, dict]]:
    counts = result.get("counts") or {}
    return [(sheet, counts[sheet.name]) for sheet in S.SHEETS if sheet.name in counts]


def _may_confirm(request: HttpRequest, job: Job) -> bool:
    """A clean preview offers its import to the user who uploaded it, while that user may import."""
    return (
        job.kind == PREVIEW
        and job.user_id == request.user.pk
        and roles.can_edit_records(request.user)
        and not confirm_refusal(job)
    )


@login_required
@require_GET
def job_page(request: HttpRequest, pk) -> HttpResponse:
    job = _job_for(request, pk)
    result = job.result or {}
    return render(
        request,
        "jobs/job.html",
        {
            "job": job,
            "progress": _progress(job),
            "poll_seconds": POLL_SECONDS,
            "counts": _counts(result),
            "problems": result.get("problems") or [],
            "warnings": result.get("warnings") or [],
            "may_confirm": _may_confirm(request, job),
        },
    )
