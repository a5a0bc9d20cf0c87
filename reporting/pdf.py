"""The report as PDF: the document's HTML through WeasyPrint (as Hypha's utils/pdfs.py does).

WeasyPrint fetches only the project's own static files (the stylesheet and the Liberation
Serif fonts); any other URL in the HTML, typed by a user or not, is refused.

Footnotes (``float: footnote``) must print at the foot of the page of their call. WeasyPrint 70
moves a footnote to the page after its call in two cases:

- its footnote area "overflows" by a rounding error when the last footnote ends at its very
  bottom: document.css gives ``@footnote`` a 1 px bottom padding, so there is no such tie;
- to fit the second line of a paragraph at the foot of a page (not to leave one line alone
  there, the ``orphans`` rule) it takes the footnotes already placed on that page off to the
  next one (``_linebox_layout`` in weasyprint/layout/block.py), whatever the ``orphans``,
  ``widows`` or ``footnote-policy``. So the document is laid out, the page of each call and
  of each footnote is read from the layout, and for a footnote that went to the next page the
  paragraph that pushed it out (the one split at the foot of the call's page, or that begins
  the next page) is marked to go whole to the next page (class ``fn-keep``, see document.css),
  as the orphans rule would have it without the footnote; then the document is laid out again.

The marks depend only on the HTML, so the same HTML always gives the same PDF.

The annexes (elements of class ``annex``, after the signature) are not WeasyPrint's: it takes
~8 s to lay out the ~40 pages of a period's annex tables. They are read out of the HTML as data
(``split_annexes``) and drawn by reporting/annex_pdf.py (ReportLab), each numbered on its own,
as NĐ 30/2020 asks of an annex of several pages; their pages go after the body's (pypdf), whose
metadata the file keeps. The signer block is in the body, so its page is the same in the whole.
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
from django.conf import settings
from pypdf import PdfReader, PdfWriter
from weasyprint import HTML
from weasyprint.formatting_structure.boxes import FootnoteAreaBox, LineBox
from weasyprint.urls import URLFetcher

from reporting.annex_pdf import AnnexTable, annex_table, annexes_pdf
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


KEEP_CLASS = "fn-keep"
MAX_LAYOUTS = 6  # one, plus one more for each paragraph kept whole


def _document(html: str, kept: frozenset[int]):
    """WeasyPrint's laid-out document for ``html``, with the elements at the positions ``kept``
    (in document order) marked to go whole to the next page; and the document's elements."""
    source = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=StaticOnlyFetcher())
    elements = list(source.etree_element.iter())
    for position in kept:
        element = elements[position]
        element.set("class", f"{element.get('class', '')} {KEEP_CLASS}".strip())
    return source.render(), elements


def footnote_pages(document) -> list[tuple[int, int | None]]:
    """(page of the call, page of the footnote's text), numbered from 1, for each footnote of a
    laid-out WeasyPrint document, in the order of the calls."""
    calls: dict[int, int] = {}
    notes: dict[int, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for box in page._page_box.children:
            if isinstance(box, FootnoteAreaBox):
                for note in box.children:
                    notes.setdefault(id(note.element), number)
            else:
                for child in box.descendants():
                    if child.footnote is not None and child.element_tag.endswith("::footnote-call"):
                        calls.setdefault(id(child.element), number)
    return [(page, notes.get(key)) for key, page in calls.items()]


def _lines_elements(page) -> list:
    """The elements whose lines the body of ``page`` holds (paragraphs, headings, table cells),
    in the order of the page."""
    return [
        box.element
        for box in page._page_box.children[0].descendants()
        if any(isinstance(child, LineBox) for child in getattr(box, "children", ()))
    ]


def _stray_footnotes(document) -> int:
    return sum(call_page != note_page for call_page, note_page in footnote_pages(document))


def _suspects(document) -> list:
    """For the first footnote printed on the page after its call: the paragraph that begins that
    page and the one that ends the page of the call (one paragraph when it is split there)."""
    for call_page, note_page in footnote_pages(document):
        if note_page == call_page + 1:
            return [*_lines_elements(document.pages[call_page])[:1], *_lines_elements(document.pages[call_page - 1])[-1:]]
    return []


def layout(html: str):
    """The laid-out WeasyPrint document of ``html``, every footnote on the page of its call
    where WeasyPrint allows it."""
    kept: frozenset[int] = frozenset()
    document, elements = _document(html, kept)
    try:
        stray = _stray_footnotes(document)
    except AttributeError:  # a WeasyPrint whose layout objects are not those of version 70
        return document
    best, fewest = document, stray
    for _ in range(MAX_LAYOUTS - 1):
        if not stray:
            break
        positions = {id(element): position for position, element in enumerate(elements)}
        suspects = [positions[id(element)] for element in _suspects(document) if id(element) in positions]
        suspects = [position for position in suspects if position not in kept]
        if not suspects:
            break
        kept |= {suspects[0]}
        document, elements = _document(html, kept)
        stray = _stray_footnotes(document)
        if stray < fewest:
            best, fewest = document, stray
    return best


ANNEX_XPATH = '//*[contains(concat(" ", normalize-space(@class), " "), " annex ")]'


def split_annexes(html: str) -> tuple[str, list[AnnexTable]]:
    """The document without its annexes (for WeasyPrint), and its annexes as data, to be drawn
    by reporting/annex_pdf.py."""
    tree = lxml.html.document_fromstring(html)
    annexes = tree.xpath(ANNEX_XPATH)
    if not annexes:
        return html, []
    body = tree.find("body")
    draft = body is not None and "draft" in (body.get("class") or "").split()
    tables = [annex_table(annex, draft=draft) for annex in annexes]
    for annex in annexes:
        annex.getparent().remove(annex)
    return lxml.html.tostring(tree, encoding="unicode", doctype="<!doctype html>"), tables


def with_annexes(body_pdf: bytes, annexes: list[AnnexTable]) -> bytes:
    """The body's PDF (its metadata kept) with each annex's pages after its own."""
    if not annexes:
        return body_pdf
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(body_pdf)))
    writer.append(PdfReader(io.BytesIO(annexes_pdf(annexes))))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def html_to_pdf(html: str) -> bytes:
    body, annexes = split_annexes(html)
    return with_annexes(layout(body).write_pdf(), annexes)


SIGNER_CLASS = "signer"  # the signer block (title, space for the signature, name)
PX_TO_PT = 0.75  # WeasyPrint lays out in CSS pixels, 96 to the inch; PDF points are 72


def signature_place(document):
    """Where the organisation's visible signature goes in a laid-out document: over the left
    third of the signer block's signature space (reporting/signing.py), on its page; None when
    the document has no signer block."""
    from reporting.signing import STAMP_HEIGHT, STAMP_WIDTH, Place

    for index, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is None or SIGNER_CLASS not in (element.get("class") or "").split():
                continue
            left, top = box.border_box_x() * PX_TO_PT, box.border_box_y() * PX_TO_PT
            width, height = box.border_width() * PX_TO_PT, box.border_height() * PX_TO_PT
            page_height = page.height * PX_TO_PT
            centre_x, middle_y = left + width / 2, page_height - (top + height / 2)
            x1 = max(centre_x - STAMP_WIDTH * 2 / 3, 0)
            y1 = middle_y - STAMP_HEIGHT / 2
            return Place(index, (round(x1, 1), round(y1, 1), round(x1 + STAMP_WIDTH, 1), round(y1 + STAMP_HEIGHT, 1)))
    return None


def issued_pdf(html: str) -> bytes:
    """The issued report's PDF, signed with the organisation's certificate when one is
    configured (reporting/signing.py)."""
    from reporting.signing import sign_pdf

    body, annexes = split_annexes(html)
    document = layout(body)
    try:
        place = signature_place(document)  # on a page of the body, which comes first
    except AttributeError:  # a WeasyPrint whose layout objects are not those of version 70
        place = None
    return sign_pdf(with_annexes(document.write_pdf(), annexes), place)


def render_pdf(figures: ReportFigures, report: Report | None = None) -> bytes:
    """The report's PDF: the same template as the screen view, figures as plain text."""
    return html_to_pdf(render_document(figures, report, links=False, pdf=True))
