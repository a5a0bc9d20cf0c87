"""The header's help link. (The bell's count is fetched by static/js/notifications.js, so that
no page pays a query for it.)"""

from __future__ import annotations

from django import template
from django.urls import reverse

from khuyencong.office import help as help_pages

register = template.Library()


@register.simple_tag(takes_context=True)
def help_url(context) -> str:
    """The help of the screen shown (by its URL name), or the help index when it has none."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    if help_pages.has_help(view_name):
        name = help_pages.ALIASES.get(view_name, view_name)
        return reverse("office:help", args=[name.replace(":", ".")])
    return reverse("office:help-index")
