"""The words the staff use: no figure code ("F17"), no finance jargon ("PAR30") and no "cho
vay" (the Centre gives recoverable support, "hỗ trợ có thu hồi", it does not lend) on any screen.

Every GET page of the URL conf is fetched as each of the four roles on the Lâm Đồng demo: the
named routes without arguments, and those with an id with the first record of their model.
Checked is what a person reads or hears: the text between the tags, and the aria-label and
title attributes. A figure code may stand in a title attribute (a tooltip) for the Department's
staff only, who know the report's figures by them.

Left out: downloads (PDF, Excel, JSON) and the report's own document (the BC-SCT text as the
seed writes it, with its figures' wording; reporting/sentences.py), which is a document, not a
screen.
"""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Min
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from funding.models import Lawsuit, LoanContract
from khuyencong.core import roles
from khuyencong.office.help import help_index
from projects.models import AnnualPlan, Event, Facility, ProductNomination, Program, Project, ProjectResult, SupportCap
from projects.services import STEPS
from reporting.models import Report
from reporting.scope import default_province
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

FORBIDDEN = re.compile(r"\bF\d{1,2}\b|PAR\s?30|cho vay", re.IGNORECASE)

# The model whose first record fills the id of a route, by the route's name.
MODELS = {
    "projects:project-": Project,
    "projects:result-create": Project,
    "projects:result-edit": ProjectResult,
    "projects:facility-": Facility,
    "projects:program-": Program,
    "projects:cap-": SupportCap,
    "projects:plan-": AnnualPlan,
    "projects:event-": Event,
    "projects:nomination-": ProductNomination,
    "funding:disbursement-create": Project,
    "funding:contract-create": Project,
    "funding:hearing-create": Lawsuit,
    "funding:lawsuit-": Lawsuit,
    "funding:": LoanContract,
    "reporting:": Report,
}
# Not screens: the report's document (the official text), downloads, the admin, sign-out.
LEFT_OUT = {
    "reporting:report-document", "reporting:draft-document", "reporting:narrative-preview", "reporting:report-download",
    "office:reminder-letter", "office:notification-open", "favicon", "logout",
}  # fmt: skip


def _routes(patterns, namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace or namespace
            yield from _routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), list(pattern.pattern.converters)


def _model(name: str):
    for prefix, model in MODELS.items():
        if name.startswith(prefix):
            return model
    return None


def _one_per_status() -> list[Project]:
    """The first đề án of each status: the steps' pages answer only where a step may be taken."""
    firsts = Project.objects.values("status").annotate(first=Min("pk")).values_list("first", flat=True)
    return list(Project.objects.filter(pk__in=firsts))


def screen_urls() -> list[str]:
    urls = []
    for name, params in _routes(get_resolver().url_patterns):
        if name in LEFT_OUT or name.endswith("-export") or name in ("workbook:template", "workbook:export"):
            continue
        if not params:
            urls.append(reverse(name))
        elif params == ["pk"] and _model(name) is not None:
            record = _model(name).objects.order_by("pk").first()
            if record is not None:
                urls.append(reverse(name, args=[record.pk]))
        elif name == "reporting:report-figure":
            report = Report.objects.order_by("pk").first()
            urls += [reverse(name, args=[report.pk, figure]) for figure in ("F01", "F17", "F18")]
        elif name == "reporting:figure-records":
            urls += [reverse(name, args=[figure, 2021, 2025, "2025-03-15"]) for figure in ("F01", "F10", "F17", "F30")]
        elif name == "projects:project-step":  # every step, on a đề án at each stage that has one
            urls += [reverse(name, args=[project.pk, step.slug]) for project in _one_per_status() for step in STEPS.values()]
        elif name == "office:help":
            urls += [reverse(name, args=[page.slug]) for page in help_index()]
    return urls


def readable_text(page: str, *, titles: bool) -> str:
    """What a reader sees or hears of an HTML page: its text, and its aria-labels (and its
    titles, when ``titles``); scripts, styles and the other attributes left out."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    said = re.findall(r'\baria-label="([^"]*)"', page)
    if titles:
        said += re.findall(r'\btitle="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *said]))


@pytest.fixture(scope="module")
def demo(lam_dong, django_db_blocker):
    """The demo data set, with a draft report so that the report's pages have a record."""
    with django_db_blocker.unblock():
        if not Report.objects.exists():
            Report.objects.create(
                year_from=2021, year_to=2025, report_date=datetime.date(2025, 3, 15), province=default_province(2025)
            )
        if not Project.objects.filter(status=Project.Status.PROPOSED).exists():  # the approval's pages
            ProjectFactory(status=Project.Status.PROPOSED, plan=AnnualPlan.objects.order_by("-year").first())


USERS = {roles.ADMINISTRATOR: "quantri", roles.DEPARTMENT: "chuyenvien", roles.DATA_ENTRY: "nhaplieu", roles.VIEWER: "xem"}


@pytest.mark.parametrize("role", list(USERS))
def test_no_screen_shows_figure_codes_or_lending_words(demo, role):
    client = Client()
    client.force_login(get_user_model().objects.get(username=USERS[role]))
    found = []
    for url in screen_urls():
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        text = readable_text(response.content.decode(), titles=role != roles.DEPARTMENT)
        for match in FORBIDDEN.finditer(text):
            context = " ".join(text[max(match.start() - 60, 0) : match.end() + 40].split())
            found.append(f"{url}: “{context}”")
    assert found == []
