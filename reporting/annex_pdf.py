"""The annexes' pages of the report's PDF (Phụ lục I–V), drawn with ReportLab.

WeasyPrint lays out the ~40 pages of dense tables of a period's annexes in ~8 s; issue 11 asks
the period's PDF in 3 s. So the PDF takes its body from WeasyPrint (reporting/pdf.py) and its
annexes from here, in ~1 s, with the look of document.css's annex rules: Liberation Serif, the
heading lines centred, a bordered 9 pt table whose header repeats on every page, wide annexes
on landscape pages (``@page annex``), each annex's pages numbered from 1 with no number on its
first, and a draft's marks (the top-right "DỰ THẢO" and the diagonal watermark) on every page.

The tables are read from the document's HTML (``annex_table``, called by reporting.pdf's
``split_annexes``, since the PDF is made from that HTML alone): the elements that
templates/reporting/_annexes.html prints from reporting.annexes (``Annex.header``,
``Annex.share``, ``Annex.cells``, whose texts ``display`` formats), so the PDF, the screen and
the Word file (which walks the same HTML) print the same cells, formatted in one place.

ReportLab's ``invariant`` mode leaves the time and random identifiers out of the file: the same
HTML gives the same bytes (an issued report's files never change).

At 50× the data a period's annexes are ~24.700 rows on ~1.660 pages. One ReportLab Table per
annex was measured again at every page break (~460 s of CPU); ``AnnexRows`` measures each row
once and draws each page as its own small Table, and body text goes in as strings already
broken into lines (``_lines``) instead of Paragraphs: ~28 s of CPU at 50× (issue 14), the same
pixels. What is left is ReportLab's text output itself (encoding each string for the font
subset), proportional to the pages.
"""

from __future__ import annotations

import bisect
import io
import itertools
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)
from reportlab.platypus.paragraph import split as paragraph_split
from reportlab.platypus.paragraph import strip as paragraph_strip
from reportlab.rl_config import spaceShrinkage as SPACE_SHRINKAGE

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
FONTS = {
    "LiberationSerif": "LiberationSerif-Regular.ttf",
    "LiberationSerif-Bold": "LiberationSerif-Bold.ttf",
    "LiberationSerif-Italic": "LiberationSerif-Italic.ttf",
    "LiberationSerif-BoldItalic": "LiberationSerif-BoldItalic.ttf",
}
REGULAR, BOLD, ITALIC = "LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic"

# document.css: @page annex (landscape) and the body's @page (portrait); top right bottom left.
LANDSCAPE_MARGINS = (20 * mm, 15 * mm, 15 * mm, 20 * mm)
PORTRAIT_MARGINS = (20 * mm, 15 * mm, 20 * mm, 30 * mm)
HEADER_PADDING = 4 * mm  # the page number and the draft mark stand 4 mm above the text
DRAFT_MARK = "DỰ THẢO"
DRAFT_RED = colors.Color(176 / 255, 0, 0)

# Streams compressed only, not also written in ASCII85 (a quarter larger, and slow in ReportLab's
# pure-Python encoder). The portal draws no other PDF with ReportLab.
rl_config.useA85 = 0

TABLE_FONT_SIZE = 9
TABLE_LEADING = 9 * 1.15
PADDING_X, PADDING_Y = 3, 1.5  # a cell's padding left and right, top and bottom


@cache
def register_fonts() -> None:
    for name, file in FONTS.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic="LiberationSerif-BoldItalic")


# --- the annexes as the HTML prints them ------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    kind: str = ""  # the cell's class: "num", "label", a column kind ("year", "date", "text")
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class AnnexTable:
    heading: str  # "PHỤ LỤC I"
    title: str
    reference: str
    unit: str
    empty_text: str  # set when the annex lists nothing (and has no table)
    landscape: bool
    shares: tuple[float, ...]  # each column's share of the table's width, in percent
    header: tuple[tuple[Cell, ...], ...]
    rows: tuple[tuple[str, tuple[Cell, ...]], ...]  # (row kind, cells)
    draft: bool = False  # the marks of a draft on every page


def _text(element) -> str:
    """An element's text, its <br> as line breaks (the template's ``linebreaksbr``)."""
    parts = [element.text or ""]
    for child in element:
        parts.append("\n" if child.tag == "br" else _text(child))
        parts.append(child.tail or "")
    return "".join(parts).strip()


def _paragraph(annex, name: str) -> str:
    found = annex.xpath(f'.//p[contains(concat(" ", normalize-space(@class), " "), " {name} ")]')
    return _text(found[0]) if found else ""


def _cell(element) -> Cell:
    return Cell(_text(element), element.get("class") or "", int(element.get("colspan", 1)), int(element.get("rowspan", 1)))


def _shares(table, columns: int) -> tuple[float, ...]:
    shares = []
    for col in table.xpath("./colgroup/col"):
        style = (col.get("style") or "").replace(" ", "")
        shares.append(float(style.removeprefix("width:").removesuffix("%")) if style.startswith("width:") else 0.0)
    if len(shares) != columns or not all(shares):
        return (100 / columns,) * columns
    return tuple(shares)


def annex_table(annex, *, draft: bool = False) -> AnnexTable:
    """One annex's element of the document (``div.annex``) as data."""
    tables = annex.xpath('.//table[contains(concat(" ", normalize-space(@class), " "), " annex-table ")]')
    header: tuple = ()
    rows: tuple = ()
    shares: tuple = ()
    if tables:
        table = tables[0]
        header = tuple(tuple(_cell(th) for th in tr.xpath("./th")) for tr in table.xpath("./thead/tr"))
        rows = tuple((tr.get("class") or "", tuple(_cell(td) for td in tr.xpath("./td"))) for tr in table.xpath("./tbody/tr"))
        shares = _shares(table, sum(cell.colspan for cell in header[-1]) + sum(c.colspan for c in header[0] if c.rowspan > 1))
    return AnnexTable(
        heading=_paragraph(annex, "annex-number"),
        title=_paragraph(annex, "annex-title"),
        reference=_paragraph(annex, "annex-reference"),
        unit=_paragraph(annex, "annex-unit"),
        empty_text=_paragraph(annex, "annex-empty"),
        landscape="annex-landscape" in (annex.get("class") or "").split(),
        shares=shares,
        header=header,
        rows=rows,
        draft=draft,
    )


# --- the page: number, draft marks ------------------------------------------------------------


class AnnexStart(Flowable):
    """Marks the page an annex begins on: its pages are numbered from it."""

    def __init__(self, first_pages: list[int]):
        super().__init__()
        self.first_pages = first_pages

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab's names)
        return 0, 0

    def draw(self) -> None:
        self.first_pages.append(self.canv.getPageNumber())


def _page_marks(draft: bool, size: tuple[float, float], margins: tuple[float, float, float, float], first_pages: list[int]):
    """What a page prints in its top margin, drawn after its text (a reader's text comes in
    the order drawn: the annex's first page begins with its heading): the page number within
    its annex from the annex's second page on, a draft's "DỰ THẢO" at the right."""
    top, right, _bottom, left = margins

    width, height = size

    def mark(canvas, doc) -> None:
        canvas.saveState()
        number = canvas.getPageNumber() - first_pages[-1] + 1
        if number > 1:
            canvas.setFont(REGULAR, 13)
            canvas.drawCentredString(left + (width - left - right) / 2, height - top + HEADER_PADDING, str(number))
        if draft:
            canvas.setFillColor(DRAFT_RED)
            canvas.setFont(BOLD, 11)
            canvas.drawRightString(width - right, height - top + HEADER_PADDING, DRAFT_MARK)
        canvas.restoreState()

    return mark


def _page_background(draft: bool, size: tuple[float, float], margins: tuple[float, float, float, float]):
    """A draft's watermark, under the page's text."""
    top, _right, _bottom, left = margins

    def background(canvas, doc) -> None:
        if draft:
            _watermark(canvas, left, size[1] - top)

    return background


def _watermark(canvas, left: float, top: float) -> None:
    """document.css's .draft-watermark: 96 pt bold, light red, turned 45° up to the right,
    where WeasyPrint puts it (centred ~75 mm right of the text's left edge, ~145 mm under
    its top: measured on the body's pages)."""
    canvas.saveState()
    canvas.setFillColor(DRAFT_RED)
    canvas.setFillAlpha(0.12)
    canvas.setFont(BOLD, 96)
    canvas.translate(left + 75 * mm, top - 145 * mm)
    canvas.rotate(45)
    canvas.drawCentredString(0, -34, DRAFT_MARK)
    canvas.restoreState()


# --- the flowables ----------------------------------------------------------------------------


@cache
def _style(font: str, size: float, alignment: int, leading: float | None = None) -> ParagraphStyle:
    return ParagraphStyle(
        f"{font}-{size}-{alignment}", fontName=font, fontSize=size, leading=leading or size * 1.25, alignment=alignment
    )


class CellParagraph(Paragraph):
    """A table cell's paragraph, its lines broken once for its column's width: ReportLab's
    table measures every row left again at each page it breaks (ten times the work)."""

    _wrapped: tuple[float, tuple[float, float]] | None = None

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab's names)
        if self._wrapped is None or self._wrapped[0] != availWidth:
            self._wrapped = (availWidth, super().wrap(availWidth, availHeight))
        return self._wrapped[1]


def _para(text: str, style: ParagraphStyle, kind: type[Paragraph] = Paragraph) -> Paragraph:
    # ReportLab folds every space but the no-break one: an em space (the blanks of a draft's
    # number and date) is four of those, as wide in Liberation Serif.
    return kind(escape(text).replace("\n", "<br/>").replace("\u2003", "\xa0" * 4), style)


def _alignment(cell: Cell, first: bool) -> int:
    """document.css: numbers to the right, years and dates centred, the first column (STT)
    centred, a label that spans columns to the left, text to the left."""
    if cell.kind == "label":
        return TA_LEFT
    if first or cell.kind in ("year", "date"):
        return TA_CENTER
    return TA_RIGHT if cell.kind == "num" else TA_LEFT


ALIGN_NAMES = {TA_LEFT: "LEFT", TA_CENTER: "CENTER", TA_RIGHT: "RIGHT"}


def _body_cell(cell: Cell, alignment: int, font: str, width: float):
    """A body cell: a number as is (one line, never wrapped: white-space: nowrap); a text as
    its lines, broken as a Paragraph breaks them, for the table to draw as plain strings (a
    tenth of a Paragraph's cost, and where Paragraph would put them: ReportLab sets a
    paragraph's first baseline a font size under its top, as the table does a string's);
    a Paragraph where its rules go beyond simple words (see ``_lines``)."""
    if cell.kind == "num":
        return cell.text
    text = cell.text.replace("\u2003", "\xa0" * 4)
    lines = _lines(text, font, width - 2 * PADDING_X)
    if lines is not None:
        return lines
    return _para(cell.text, _style(font, TABLE_FONT_SIZE, alignment, TABLE_LEADING), CellParagraph)


@cache
def _word_widths(font: str) -> dict[str, float]:
    """The widths of the words met so far in the table's font: the same few hundred words
    (the contents, forms, statuses, district names) come back in every row."""
    return {}


def _word_width(word: str, font: str, widths: dict[str, float]) -> float:
    widths[word] = width = stringWidth(word, font, TABLE_FONT_SIZE)
    return width


def _lines(text: str, font: str, width: float) -> str | None:
    """``text`` broken into lines as ReportLab's Paragraph.breakLines breaks a plain text
    (its words, split where Paragraph splits, a line filled while the next word fits in the
    width plus a twentieth of each space, its ``spaceShrinkage``), joined by newlines; None
    when Paragraph would do more than that: an empty or multi-line text, a word wider than
    the column (split), a line that only fits by shrinking its spaces (drawn with a
    negative word spacing)."""
    if not text or "\n" in text:
        return None
    words = paragraph_split(paragraph_strip(text))
    if not words:
        return None
    widths = _word_widths(font)
    space = _word_width(" ", font, widths)
    shrink = SPACE_SHRINKAGE * space
    lines, line, current = [], [], -space
    for word in words:
        word_width = widths.get(word) or _word_width(word, font, widths)
        if word_width > width:
            return None
        new = current + space + word_width
        if new <= width + shrink * len(line) or not line:
            if new > width + 1e-8:
                return None
            line.append(word)
            current = new
        else:
            lines.append(" ".join(line))
            line, current = [word], word_width
    lines.append(" ".join(line))
    return "\n".join(lines)


def _spans(rows: list[list[Cell]]) -> tuple[list[list], list[tuple]]:
    """The cells placed on the grid (None where a span covers), and ReportLab's SPAN commands."""
    grid: list[list] = [[] for _ in rows]
    covered: set[tuple[int, int]] = set()
    spans = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in covered:
                grid[r].append(None)
                c += 1
            grid[r].append(cell)
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    if dr or dc:
                        covered.add((r + dr, c + dc))
            if cell.rowspan > 1 or cell.colspan > 1:
                spans.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
            c += 1
    for r, row in enumerate(grid):
        while (r, len(row)) in covered:
            row.append(None)
    return grid, spans


class AnnexRows(Flowable):
    """An annex's table from its row ``start`` on, drawn one page's Table at a time.

    A single ReportLab Table of thousands of rows is measured again, whole, each time it breaks
    across a page, and its style commands are applied again to every row left: the time grows
    with the square of the rows (~460 s for the ~1.800 pages of a period at 50× the data). Here
    every row's height is measured once (``AnnexBody``), a page takes the rows that fit by a
    binary search in their running heights, and each page is its own small Table (the header
    repeated, the same columns, styles and heights), so the work grows with the rows."""

    def __init__(self, body: AnnexBody, start: int = 0):
        super().__init__()
        self.body, self.start = body, start

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab's names)
        body = self.body
        return body.width, body.header_height + body.tops[-1] - body.tops[self.start]

    def split(self, availWidth, availHeight):  # noqa: N803 (ReportLab's names)
        end = self.body.fitting(self.start, availHeight)
        if end <= self.start:  # not one row fits under the header: the next page (as Table does)
            return []
        return [self.body.page(self.start, end), AnnexRows(self.body, end)]

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802, N803 (ReportLab's names)
        table = self.body.page(self.start, len(self.body.rows))
        table.wrapOn(canvas, self.body.width, self.body.header_height + self.body.tops[-1])
        table.drawOn(canvas, x, y, _sW)


class AnnexBody:
    """An annex's cells, styles and row heights, built once; ``page`` makes the Table of a
    slice of its rows under the header."""

    def __init__(self, annex: AnnexTable, width: float):
        header_grid, self.header_spans = _spans([list(row) for row in annex.header])
        header_style = _style(BOLD, TABLE_FONT_SIZE, TA_CENTER, TABLE_LEADING)
        self.header = [[_para(cell.text, header_style, CellParagraph) if cell else "" for cell in row] for row in header_grid]
        self.widths = [width * share / sum(annex.shares) for share in annex.shares]
        self.width = sum(self.widths)
        self.base = [
            ("FONT", (0, 0), (-1, -1), REGULAR, TABLE_FONT_SIZE, TABLE_LEADING),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("VALIGN", (0, 0), (-1, len(self.header) - 1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), PADDING_X),
            ("RIGHTPADDING", (0, 0), (-1, -1), PADDING_X),
            ("TOPPADDING", (0, 0), (-1, -1), PADDING_Y),
            ("BOTTOMPADDING", (0, 0), (-1, -1), PADDING_Y),
            *self.header_spans,
        ]
        header_table = Table(self.header, colWidths=self.widths, style=TableStyle(self.base))
        header_table.wrap(self.width, 1e9)
        self.header_heights = list(header_table._rowHeights)
        self.header_height = sum(self.header_heights)
        # Per row: its cells, its commands (row 0 standing for the row), its height.
        self.rows: list[list] = []
        self.commands: list[list[tuple]] = []
        self.heights: list[float] = []
        for kind, cells in annex.rows:
            bold = kind != "item"
            font = BOLD if bold else REGULAR
            row, commands, height, c = [], [], 0.0, 0
            for index, cell in enumerate(cells):
                alignment = _alignment(cell, index == 0)
                cell_width = sum(self.widths[c : c + cell.colspan])
                value = _body_cell(cell, alignment, font, cell_width)
                row.append(value)
                if isinstance(value, str) and alignment != TA_LEFT:  # the table's default: left
                    commands.append(("ALIGN", (c, 0), (c + cell.colspan - 1, 0), ALIGN_NAMES[alignment]))
                if cell.colspan > 1:
                    row.extend([""] * (cell.colspan - 1))
                    commands.append(("SPAN", (c, 0), (c + cell.colspan - 1, 0)))
                c += cell.colspan
                if isinstance(value, str):  # Table's rule for a text cell: its lines times the leading
                    h = TABLE_LEADING * (value.count("\n") + 1)
                else:
                    h = value.wrap(cell_width - 2 * PADDING_X, 1e9)[1]
                height = max(height, h + 2 * PADDING_Y)
            if bold:
                commands.append(("FONT", (0, 0), (-1, 0), BOLD, TABLE_FONT_SIZE, TABLE_LEADING))
            self.rows.append(row)
            self.commands.append(commands)
            self.heights.append(height)
        self.tops = [0.0, *itertools.accumulate(self.heights)]  # the rows' running heights

    def fitting(self, start: int, available: float) -> int:
        """The end of the rows from ``start`` that fit in ``available`` under the header (the
        test of Table's split: a row fits while the heights so far plus its own do not pass)."""
        return bisect.bisect_right(self.tops, available - self.header_height + self.tops[start] + 1e-9, lo=start) - 1

    def page(self, start: int, end: int) -> Table:
        offset = len(self.header) - start
        commands = list(self.base)
        for r in range(start, end):
            for command in self.commands[r]:
                name, (c0, _), (c1, _), *rest = command
                commands.append((name, (c0, r + offset), (c1, r + offset), *rest))
        return Table(
            self.header + self.rows[start:end],
            colWidths=self.widths,
            rowHeights=self.header_heights + self.heights[start:end],
            style=TableStyle(commands),
        )


def _flowables(annex: AnnexTable, width: float) -> list:
    flowables = [
        _para(annex.heading, _style(BOLD, 14, TA_CENTER)),
        _para(annex.title, _style(BOLD, 13, TA_CENTER)),
        _para(annex.reference, _style(ITALIC, 13, TA_CENTER)),
    ]
    if annex.empty_text or not annex.rows:
        empty = ParagraphStyle("empty", parent=_style(REGULAR, 14, TA_LEFT), spaceBefore=8, spaceAfter=8)
        return [*flowables, _para(annex.empty_text, empty)]
    if annex.unit:
        unit = ParagraphStyle("unit", parent=_style(ITALIC, 11, TA_RIGHT), spaceBefore=4, spaceAfter=2)
        flowables.append(_para(annex.unit, unit))
    return [*flowables, AnnexRows(AnnexBody(annex, width))]


def _template(annex: AnnexTable, first_pages: list[int]) -> PageTemplate:
    margins = LANDSCAPE_MARGINS if annex.landscape else PORTRAIT_MARGINS
    top, right, bottom, left = margins
    size = landscape(A4) if annex.landscape else A4
    frame = Frame(left, bottom, size[0] - left - right, size[1] - top - bottom, 0, 0, 0, 0)
    return PageTemplate(
        _orientation(annex),
        [frame],
        onPage=_page_background(annex.draft, size, margins),
        onPageEnd=_page_marks(annex.draft, size, margins, first_pages),
        pagesize=size,
    )


def _orientation(annex: AnnexTable) -> str:
    return "landscape" if annex.landscape else "portrait"


def annexes_pdf(annexes: list[AnnexTable]) -> bytes:
    """The annexes' pages as one PDF (the fonts embedded once), each annex from a new page,
    landscape or portrait, its pages numbered from 1."""
    register_fonts()
    first_pages: list[int] = []
    templates: dict[str, PageTemplate] = {}
    for annex in annexes:  # the first annex's template first: the document begins with it
        templates.setdefault(_orientation(annex), _template(annex, first_pages))
    out = io.BytesIO()
    doc = BaseDocTemplate(out, title=annexes[0].heading, invariant=1, initialFontName=REGULAR)
    doc.addPageTemplates(list(templates.values()))
    story: list = []
    for annex in annexes:
        template = templates[_orientation(annex)]
        if story:
            story += [NextPageTemplate(template.id), PageBreak()]
        story += [AnnexStart(first_pages), *_flowables(annex, template.frames[0]._width)]
    doc.build(story)
    return out.getvalue()
