"""Running work on the task queue on behalf of a user, with its progress on screen.

The queue is django-tasks (Django's own Tasks API, backported: on Django 6 the import becomes
``django.tasks`` and nothing else changes), with its database backend by default
(settings.TASKS). A job is a ``jobs.Job`` record naming a handler, "module.function", that is
called with the job and a ``progress(phase, done, total)`` callable and returns
``(ok, result)``; ``result`` is kept as JSON on the record and shown on the job's page.

The record is reached through the app registry, not imported, so that the domain apps may start
jobs while importing nothing of ``khuyencong`` but this package.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
PROGRESS_SECONDS = 24 * 3600


def _job_model():
    return apps.get_model("jobs", "Job")


def _cache_key(job_id) -> str:
    return f"job-progress:{job_id}"


def start(*, kind: str, title: str, handler: str, user, params: dict[str, Any], back_url: str = ""):
    """Record a job for ``user`` and put it on the queue; returns the record (its page is
    ``jobs:job``). With the immediate backend (the tests) the job has run when this returns."""
    job = _job_model().objects.create(kind=kind, title=title[:300], handler=handler, user=user, params=params, back_url=back_url)
    return enqueue(job)


def enqueue(job):
    """Put a recorded job on the queue (for callers that create the record themselves, inside
    a transaction of their own); returns it as it now stands."""
    run_job.enqueue(str(job.pk))
    job.refresh_from_db()
    return job


def progress_of(job) -> dict[str, Any]:
    """How far ``job`` is: its phase and rows done of the total, live while it runs."""
    live = caches["jobs"].get(_cache_key(job.pk)) if not job.finished else None
    if live:
        return live
    return {"phase": job.message if not job.finished else "", "done": job.done, "total": job.total}


def _reporter(job) -> Progress:
    cache = caches["jobs"]

    def report(phase: str, done: int, total: int) -> None:
        cache.set(_cache_key(job.pk), {"phase": phase, "done": done, "total": total}, PROGRESS_SECONDS)

    return report


def _refusal(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "Không có quyền thực hiện việc này."


@task()
def run_job(job_id: str) -> str:
    """Run the job's handler once; whatever happens, the record ends done or failed."""
    Job = _job_model()
    job = Job.objects.select_related("user").get(pk=job_id)
    if job.status != Job.Status.QUEUED:
        return job.status  # a job is run once, even if the queue hands it out again
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
    report = _reporter(job)
    report("Bắt đầu", 0, 0)
    handler = import_string(job.handler)
    try:
        # A savepoint, so that a failure leaves the connection usable for recording it (the
        # immediate backend runs the job inside the request's transaction).
        with transaction.atomic():
            ok, result = handler(job, report)
        message = ""
    except (ValidationError, PermissionDenied) as error:
        ok, result, message = False, {}, _refusal(error)
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.handler)
        ok, result = False, {}
        message = "Có lỗi không mong muốn khi chạy công việc; không có dữ liệu nào được ghi. Hãy báo cho quản trị viên."
    final = caches["jobs"].get(_cache_key(job.pk)) or {}
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE if ok else Job.Status.FAILED,
        result=result,
        message=message,
        done=final.get("done", 0),
        total=final.get("total", 0),
        finished_at=timezone.now(),
    )
    caches["jobs"].delete(_cache_key(job.pk))
    return Job.Status.DONE if ok else Job.Status.FAILED
