"""Help per screen: one short Markdown page per named screen, templates/help/<namespace>/<name>.md
(``home.md`` for the dashboard), found from the URL name of the page it helps with
(``request.resolver_match.view_name``). The first line, "# Title", is the page's title.

The text is the project's own, but it goes through the same Markdown and nh3 sanitising as the
report's narrative, so a help file cannot put a script or a foreign link on a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import markdown
import nh3
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

HELP_DIR = Path(settings.BASE_DIR) / "templates" / "help"

# Screens that share a page of help: a form's edit view is its create view's.
ALIASES = {
    "projects:project-edit": "projects:project-create",
    "projects:facility-edit": "projects:facility-create",
    "projects:program-edit": "projects:program-create",
    "projects:plan-edit": "projects:plan-create",
    "projects:event-edit": "projects:event-create",
    "projects:nomination-edit": "projects:nomination-create",
    "projects:cap-edit": "projects:cap-create",
    "reporting:report-edit": "reporting:report-create",
    "workbook:confirm": "workbook:import",
    "workbook:log-detail": "workbook:log-list",
    "funding:contract-edit": "funding:contract-create",
}

ALLOWED_TAGS = {"h2", "h3", "p", "ul", "ol", "li", "strong", "em", "a", "code"}


@dataclass(frozen=True)
class HelpPage:
    view_name: str
    title: str
    html: SafeString

    @property
    def slug(self) -> str:
        """The page's part of its URL: "projects.project-list"."""
        return self.view_name.replace(":", ".")


def help_file(view_name: str) -> Path:
    view_name = ALIASES.get(view_name, view_name)
    namespace, _, name = view_name.rpartition(":")
    return HELP_DIR / namespace / f"{name}.md" if namespace else HELP_DIR / f"{name}.md"


def has_help(view_name: str | None) -> bool:
    return bool(view_name) and help_file(view_name).is_file()


def _render(text: str) -> SafeString:
    html = markdown.Markdown(output_format="html").convert(text)
    # Only links within the portal ("/de-an/"): no scheme is allowed.
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}}, url_schemes=set()))  # noqa: S308


def help_page(view_name: str) -> HelpPage | None:
    path = help_file(view_name)
    if not path.is_file():
        return None
    title, _, body = path.read_text(encoding="utf-8").partition("\n")
    return HelpPage(ALIASES.get(view_name, view_name), title.lstrip("# ").strip(), _render(body))


def help_index() -> list[HelpPage]:
    """Every help page, by title."""
    pages = []
    for path in sorted(HELP_DIR.rglob("*.md")):
        relative = path.relative_to(HELP_DIR).with_suffix("")
        view_name = ":".join(relative.parts)
        page = help_page(view_name)
        if page is not None:
            pages.append(page)
    return pages
