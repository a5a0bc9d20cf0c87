"""The pager's page numbers (templates/snippets/pager.html), row links, and the part of a list
page cached under the data version."""

from __future__ import annotations

import hashlib

from django import template
from django.core.paginator import Page, Paginator
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from khuyencong.core import dataversion

register = template.Library()


@register.filter
def page_window(page: Page) -> list[int | None]:
    """The page numbers the pager links: the first, the last and two each side of the current
    one, None for a gap ("…"). Worked out in Python from the page number: the template looped over
    every page of the list (191 for the đề án at 50× the data), testing each."""
    return [
        None if n == Paginator.ELLIPSIS else n
        for n in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]


# A number no row's id reaches, reversed once in place of the id.
_SENTINEL = 987_654_321_987_654_321
_prefixes: dict[tuple, tuple[str, str]] = {}


def id_url(name: str, pk) -> str:
    """``reverse(name, args=[pk])`` for a URL whose one argument is an integer id, from the
    URL reversed once per process with a stand-in id: the text around the id does not change.
    The lists link every row (a contract list's row three times); Django's ``{% url %}``
    resolves the pattern again for each, four times the cost of writing the id in.

    Keyed by the URL conf and the script prefix in force, so a test's ROOT_URLCONF or a
    deployment under a sub-path gets its own. Holds URL patterns only, never data."""
    key = (name, get_urlconf(), get_script_prefix())
    parts = _prefixes.get(key)
    if parts is None:
        before, _, after = reverse(name, args=[_SENTINEL]).partition(str(_SENTINEL))
        parts = _prefixes[key] = (before, after)
    return f"{parts[0]}{int(pk)}{parts[1]}"


register.simple_tag(id_url, name="id_url")


class DataCacheNode(template.Node):
    def __init__(self, nodelist, name, vary_on):
        self.nodelist, self.name, self.vary_on = nodelist, name, vary_on

    def render(self, context) -> str:
        request = context.get("request")
        version = getattr(request, "data_version", None)
        if version is None:  # the view did not read it first, or its transaction has written
            return self.nodelist.render(context)
        vary = [self.name.resolve(context), request.get_full_path(), timezone.localdate().isoformat()]
        vary += [str(v.resolve(context)) for v in self.vary_on]
        key = "fragment:" + hashlib.sha256("\x1f".join(vary).encode()).hexdigest()
        return dataversion.cached(key, lambda: self.nodelist.render(context), version=version)


@register.tag
def datacache(parser, token):
    """``{% datacache "name" var … %}…{% enddatacache %}``: the enclosed part rendered once per
    data version, URL (path and query), day and the values named, and served from the shared
    cache to everyone after (khuyencong.core.dataversion). Only in a view decorated with
    ``dataversion.reads_version``, which reads the version before any data; elsewhere rendered
    each time. What differs between users must be outside it or among the values."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("datacache needs a name")
    nodelist = parser.parse(("enddatacache",))
    parser.delete_first_token()
    return DataCacheNode(nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(b) for b in bits[2:]])
