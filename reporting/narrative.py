"""The narrative sections the staff write, made into safe HTML for the report document.

Staff paste from Word, where every line is a paragraph, so every line break starts a paragraph
(a blank line does too). A small Markdown subset is understood: **bold**, *italic*, lists
with "- ". Anything else typed as HTML is escaped before Markdown sees it and comes out as
text; nh3 then keeps only the tags below, as a second guard.
"""

from __future__ import annotations

import html
import re

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "br"}

# "1. Công tác chỉ đạo", "2.1. Xây dựng": the document's own numbering, not a Markdown list.
_NUMBERED_HEADING = re.compile(r"^(\s*\d+(?:\.\d+)*)\.(\s)", re.MULTILINE)
_LINE_BREAK = re.compile(r"\s*\n\s*")


def narrative_html(text: str) -> SafeString:
    """Safe HTML paragraphs for a narrative text; empty text gives an empty string."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return mark_safe("")
    text = html.escape(text, quote=False)
    text = _NUMBERED_HEADING.sub(r"\1\\.\2", text)
    text = _LINE_BREAK.sub("\n\n", text)
    rendered = _markdown().convert(text)
    return mark_safe(nh3.clean(rendered, tags=ALLOWED_TAGS, attributes={}, url_schemes=set()))  # noqa: S308


# What Markdown would make of ordinary text that the document has no place for: "# " and
# underlined headings, "> " quotes, "---" rules, indented and `code`, links. nh3 would strip
# their tags and take the characters typed with them; without these rules the text stays as
# typed, in a paragraph.
_UNUSED_BLOCKS = ("code", "hashheader", "setextheader", "hr", "quote", "reference")
_UNUSED_INLINE = (
    "backtick", "reference", "link", "image_link", "image_reference", "short_reference", "short_image_ref",
    "autolink", "automail",
)  # fmt: skip


def _markdown() -> markdown.Markdown:
    """A Markdown of paragraphs, lists, bold and italic only (a new one a call: they keep state)."""
    md = markdown.Markdown(output_format="html")
    for name in _UNUSED_BLOCKS:
        md.parser.blockprocessors.deregister(name)
    for name in _UNUSED_INLINE:
        md.inlinePatterns.deregister(name)
    return md


def lines(text: str) -> list[str]:
    """The non-empty lines of a list typed one item a line (addressees, recipients)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
