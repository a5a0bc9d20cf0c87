"""The report as PDF: the document's HTML through WeasyPrint (as Hypha's utils/pdfs.py does).

WeasyPrint fetches only the project's own static files (the stylesheet and the Liberation
Serif fonts); any other URL in the HTML, typed by a user or not, is refused.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from reporting.document import render_document
from reporting.figures import ReportFigures
from reporting.models import Report

STATIC_DIR = (Path(settings.BASE_DIR) / "static").resolve()


class RefusedURL(ValueError):
    pass


def static_path(url: str) -> Path:
    """The file of the project's static directory that ``url`` names; RefusedURL otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise RefusedURL(f"refused to fetch {url!r}: only the project's static files are served")
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(STATIC_DIR) or not path.is_file():
        raise RefusedURL(f"refused to fetch {url!r}: not a file of the project's static directory")
    return path


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's fetcher, limited to the project's static files (no network, no other file)."""

    def __init__(self):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        return super().fetch(static_path(url).as_uri(), headers)


def html_to_pdf(html: str) -> bytes:
    return HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=StaticOnlyFetcher()).write_pdf()


def render_pdf(figures: ReportFigures, report: Report | None = None) -> bytes:
    """The report's PDF: the same template as the screen view, figures as plain text."""
    return html_to_pdf(render_document(figures, report, links=False, pdf=True))
