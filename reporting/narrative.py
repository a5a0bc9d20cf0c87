"""The narrative sections the staff write, made into safe HTML for the report document.

Staff paste from Word, where every line is a paragraph, so every line break starts a paragraph
(a blank line does too). A small Markdown subset is understood: **bold**, *italic*, lists
with "- ", and headings: a line "# Quan điểm" is a heading of the section the text is in,
"## Nguyên nhân khách quan" one level below, numbered as the seed numbers them under that
section ("1.", "2.1.", "a)": reporting/outline.py says which). Anything else typed as HTML is
escaped before Markdown sees it and comes out as text; nh3 then keeps only the tags below, as a
second guard.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

from khuyencong.core.text import clean_text

ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "br", "h3", "h4", "h5"}
_HEADING = re.compile(r"^(#{1,2})[ \t]+(\S.*)$")
_LETTERS = "abcdđeghiklmnopqrstuvxy"
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


@dataclass
class Headings:
    """How the headings of one section's free text are numbered and tagged; it counts, so the
    text added after a generated paragraph and the section's own text number on from each other."""

    styles: tuple[str, ...] = ("decimal", "letter")
    parent_number: str = ""  # "2." for the sub-decimal "2.1."
    level: int = 4  # the tag of "# " (h4); "## " is one below, down to h5
    counters: list[int] = field(default_factory=lambda: [0, 0])

    def next(self, depth: int) -> tuple[str, str]:
        """(tag, number) of the next heading at ``depth`` (0 for "# ", 1 for "## ")."""
        self.counters[depth] += 1
        for deeper in range(depth + 1, len(self.counters)):
            self.counters[deeper] = 0
        style = self.styles[min(depth, len(self.styles) - 1)]
        value = self.counters[depth]
        if style == "roman":
            number = f"{_ROMAN[(value - 1) % len(_ROMAN)]}."
        elif style == "letter":
            number = f"{_LETTERS[(value - 1) % len(_LETTERS)]})"
        elif style == "sub_decimal":
            number = f"{self.parent_number}{value}."
        else:
            number = f"{value}."
        return f"h{min(self.level + depth, 5)}", number


# "1. Công tác chỉ đạo", "2.1. Xây dựng": the document's own numbering, not a Markdown list.
_NUMBERED_HEADING = re.compile(r"^(\s*\d+(?:\.\d+)*)\.(\s)", re.MULTILINE)
_LINE_BREAK = re.compile(r"\s*\n\s*")


def narrative_html(text: str, headings: Headings | None = None) -> SafeString:
    """Safe HTML paragraphs and headings for a narrative text; empty text gives an empty string."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return mark_safe("")
    headings = headings or Headings()
    parts, chunk = [], []
    for line in text.split("\n"):
        match = _HEADING.match(line.strip())
        if not match:
            chunk.append(line)
            continue
        parts.append(_paragraphs("\n".join(chunk)))
        chunk = []
        tag, number = headings.next(len(match.group(1)) - 1)
        parts.append(f"<{tag}>{number} {html.escape(match.group(2).strip(), quote=False)}</{tag}>")
    parts.append(_paragraphs("\n".join(chunk)))
    rendered = "".join(parts)
    return mark_safe(nh3.clean(rendered, tags=ALLOWED_TAGS, attributes={}, url_schemes=set()))  # noqa: S308


def _paragraphs(text: str) -> str:
    """Paragraphs and lists of text with no heading in it (Markdown, before nh3)."""
    text = text.strip()
    if not text:
        return ""
    text = html.escape(text, quote=False)
    text = _NUMBERED_HEADING.sub(r"\1\\.\2", text)
    text = _LINE_BREAK.sub("\n\n", text)
    return _markdown().convert(text)


# What Markdown would make of ordinary text that the document has no place for: underlined
# headings (and "###" and deeper, which the lines above leave to it), "> " quotes, "---"
# rules, indented and `code`, links. nh3 would strip
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
    """The non-empty lines of a list typed one item a line (addressees, recipients); a line of
    spaces and zero-width characters is empty, not an item "-" with nothing after it."""
    items = (clean_text(line) for line in (text or "").splitlines())
    return [item for item in items if item]
