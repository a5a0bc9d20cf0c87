"""Every page the dashboard links to opens without a server error, for each of the four demo
roles, on the Lâm Đồng data set (with a draft report, so that the to-do list has one)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from reporting import services
from reporting.models import Report

pytestmark = pytest.mark.django_db

# Not pages: signing out ends the session the next links need.
SKIPPED = {reverse("logout")}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith("/") and not href.startswith("//"):
            self.hrefs.append(href)


def internal_links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return list(dict.fromkeys(h for h in parser.hrefs if h.split("?")[0] not in SKIPPED))


@pytest.fixture(scope="module")
def dataset(lam_dong, django_db_blocker):
    """The data set (tests/conftest.py) and a draft report, for the whole module: the report is
    rolled back with the data set when the module ends."""
    with django_db_blocker.unblock():
        department = get_user_model().objects.get(username="chuyenvien")
        services.create_report(by=department, year_from=2021, year_to=2025)


def test_the_draft_reports_on_the_dashboard_link_to_their_pages(dataset):
    client = Client()
    client.force_login(get_user_model().objects.get(username="xem"))
    html = client.get(reverse("home")).content.decode()
    draft = Report.objects.get(status=Report.Status.DRAFT)
    assert f'href="{reverse("reporting:report-detail", args=[draft.pk])}"' in html


@pytest.mark.parametrize("username", ["quantri", "chuyenvien", "nhaplieu", "xem"])
def test_every_page_linked_from_the_dashboard_answers_for_each_role(dataset, username):
    client = Client(raise_request_exception=True)
    client.force_login(get_user_model().objects.get(username=username))
    home = client.get(reverse("home"))
    assert home.status_code == 200
    links = internal_links(home.content.decode())
    # The navigation, the year rows, the đề án waiting for money, the overdue contracts' facilities
    # and the draft report at least.
    assert len(links) >= 15, links
    failures = {}
    for url in links:
        response = client.get(url)
        if response.status_code >= 500:
            failures[url] = response.status_code
    assert not failures, failures
