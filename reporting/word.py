"""The report as a Word file (.docx).

A minimal stand-in, replaced by the Word converter on merge: it writes the text of the
document's block elements (headings, paragraphs, list items, table cells) as paragraphs with
python-docx, so that issuing keeps a .docx from the first day. The real converter (NĐ 30/2020
layout, footnotes, annexes in landscape sections) keeps the same function.
"""

from __future__ import annotations

import io
from html.parser import HTMLParser

from docx import Document

_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "div", "caption"}
_SKIPPED = {"style", "script", "head", "title"}


class _Paragraphs(HTMLParser):
    """The text of the HTML's block elements, one string per block, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._text: list[str] = []
        self._skipping = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        if text:
            self.paragraphs.append(text)
        self._text = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag in _BLOCKS or tag == "br":
            self._flush()

    def handle_endtag(self, tag) -> None:
        if tag in _SKIPPED:
            self._skipping = max(self._skipping - 1, 0)
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data) -> None:
        if not self._skipping:
            self._text.append(data)


def docx_from_html(html: str) -> bytes:
    """The document's HTML as a .docx: its text, one paragraph per block."""
    parser = _Paragraphs()
    parser.feed(html)
    parser.close()
    parser._flush()
    document = Document()
    for text in parser.paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
