"""The ways into the database, each as a function that returns what the user reads, and the
state of the money tables: for tests that feed one case to every way and assert the same
reason and an unchanged database (a helper module, not a test file)."""

from __future__ import annotations

import html
import io
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from funding.models import Disbursement, Instalment, Lawsuit, LoanContract, Recovery, Repayment, Reschedule, WriteOff
from projects.models import Project

MONEY_MODELS = (Project, Disbursement, LoanContract, Instalment, Repayment, Lawsuit, WriteOff, Recovery, Reschedule)


def _page(response) -> str:
    """A page's text as read: entities decoded, so a message compares as written."""
    return html.unescape(response.content.decode())


def via_form(client: Client, url: str, data: dict) -> str:
    """A screen's form posted; the page shown after it (redirects followed)."""
    return _page(client.post(url, data, follow=True))


def via_web_import(client: Client, workbook: bytes) -> str:
    """The workbook uploaded on /nhap-xuat/: the dry run job's page, with every problem; and,
    when the page offers it, the confirmation too (so a clean file is really written)."""
    response = client.post(reverse("workbook:import"), {"file": SimpleUploadedFile("so-lieu.xlsx", workbook)}, follow=True)
    page = _page(response)
    if response.context and response.context.get("may_confirm"):
        job = response.context["job"]
        page += _page(client.post(reverse("workbook:confirm"), {"job": str(job.pk)}, follow=True))
    return page


def via_cli_import(workbook_path: str | Path, user) -> str:
    """``manage.py import_workbook FILE --user NAME``: what it printed, and its error."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_workbook", str(workbook_path), "--user", user.username, stdout=out, stderr=err)
    except CommandError as error:
        return f"{out.getvalue()}{err.getvalue()}{error}"
    return out.getvalue() + err.getvalue()


def via_admin(client: Client, url: str, data: dict) -> str:
    """A Django admin add or change form posted; the page shown after it."""
    return _page(client.post(url, data, follow=True))


def db_state() -> dict[str, tuple[int, list[dict], int]]:
    """Per money table: its row count, its rows (every column), and its history rows' count."""
    return {
        model.__name__: (
            model.objects.count(),
            list(model.objects.order_by("pk").values()),
            model.history.count(),
        )
        for model in MONEY_MODELS
    }
