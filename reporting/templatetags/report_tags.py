"""Tags of the report document: a computed figure links to the records behind it on screen."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


class FigureNode(template.Node):
    def __init__(self, figure_id: template.base.FilterExpression, nodelist: template.NodeList):
        self.figure_id = figure_id
        self.nodelist = nodelist

    def render(self, context) -> str:
        text = self.nodelist.render(context)
        figure_id = self.figure_id.resolve(context)
        figures = context["figures"]
        if not context.get("links"):
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
