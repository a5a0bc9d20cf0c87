"""Tags of the report document: a computed figure links to the records behind it on screen."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


def figure_html(text: str, figure_id: str, figures, *, links: bool):
    """A figure as the document prints it: on screen a link to the records behind it, in the
    PDF and the Word file a plain span."""
    if not links:
        return format_html('<span class="figure">{}</span>', text)
    url = reverse(
        "reporting:figure-records",
        kwargs={
            "figure": figure_id,
            "year_from": figures.year_from,
            "year_to": figures.year_to,
            "report_date": figures.report_date.isoformat(),
        },
    )
    return format_html('<a class="figure" href="{}" title="{}">{}</a>', url, figure_id, text)


class FigureNode(template.Node):
    def __init__(self, figure_id: template.base.FilterExpression, nodelist: template.NodeList):
        self.figure_id = figure_id
        self.nodelist = nodelist

    def render(self, context) -> str:
        return figure_html(
            self.nodelist.render(context), self.figure_id.resolve(context), context["figures"], links=bool(context.get("links"))
        )


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
