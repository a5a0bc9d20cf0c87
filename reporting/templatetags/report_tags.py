"""Tags of the report document: a computed figure links to the records behind it on screen.

A draft's figure links to the records as they are now; an issued report's (the document was
rendered with ``issued_report_pk`` in its context) to those kept when it was issued.
"""

from __future__ import annotations

import functools
import re

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html

from reporting.drilldown import figure_page

register = template.Library()


_PLACEHOLDER = "F00figure"
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]+")


def _figure_url(name: str, figure_id: str, **kwargs) -> str:
    """``reverse(name, figure=figure_id, **kwargs)``, reversed once per document rather than
    once per link (a draft has a hundred links; reverse() was a tenth of the page's time): the
    figure ids are URL-safe, so the id is put in place of a placeholder."""
    if not _SAFE_ID.fullmatch(figure_id):
        return reverse(name, kwargs={"figure": figure_id, **kwargs})
    return _url_pattern(name, get_script_prefix(), get_urlconf(), tuple(sorted(kwargs.items()))).replace(_PLACEHOLDER, figure_id)


@functools.lru_cache(maxsize=256)
def _url_pattern(name: str, _prefix: str, _urlconf, kwargs: tuple) -> str:
    return reverse(name, kwargs={"figure": _PLACEHOLDER, **dict(kwargs)})


def figure_html(text: str, figure_id: str, figures, *, links: bool, issued: int | None = None, scope: str = ""):
    """A figure as the document prints it: on screen a link to the records behind it (an issued
    report's, ``issued`` its pk, to those kept at issue), in the PDF and the Word file a plain span."""
    if not links:
        return format_html('<span class="figure">{}</span>', text)
    if issued:
        url = _figure_url("reporting:report-figure", figure_id, pk=issued)
    else:
        url = _figure_url(
            "reporting:figure-records",
            figure_id,
            year_from=figures.year_from,
            year_to=figures.year_to,
            report_date=figures.report_date.isoformat(),
        )
        if scope:  # a former province's draft keeps its province (reporting.scope.scope_query)
            url = f"{url}?{scope}"
    page = figure_page(figure_id)
    title = f"Xem các bản ghi: {page.title}" if page else "Xem các bản ghi"
    return format_html('<a class="figure" href="{}" title="{}">{}</a>', url, title, text)


class FigureNode(template.Node):
    def __init__(self, figure_id: template.base.FilterExpression, nodelist: template.NodeList):
        self.figure_id = figure_id
        self.nodelist = nodelist

    def render(self, context) -> str:
        return figure_html(
            self.nodelist.render(context),
            self.figure_id.resolve(context),
            context["figures"],
            links=bool(context.get("links")),
            issued=context.get("issued_report_pk"),
            scope=getattr(context.get("text"), "scope", ""),
        )


_FIGURE_LINK = re.compile(r'<a class="figure" href="[^"]*" title="[^"]*">(.*?)</a>', re.DOTALL)


def without_figure_links(html: str) -> str:
    """The document with its figure links made plain text again, as a downloaded file carries it:
    the links lead into the portal, which a file opened from disk cannot reach."""
    return _FIGURE_LINK.sub(r'<span class="figure">\1</span>', html)


@register.tag
def fig(parser, token):
    """{% fig "F02" %}{{ figures.done.money|money }}{% endfig %}: on screen a link to the records
    behind figure F02, in the PDF plain text."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% fig %} takes one argument: the figure id")
    nodelist = parser.parse(("endfig",))
    parser.delete_first_token()
    return FigureNode(parser.compile_filter(bits[1]), nodelist)
