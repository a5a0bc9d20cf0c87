"""The report as a Word file (.docx), made from the same HTML as the PDF, so that the specialist
can still edit a sentence of the document the portal computed.

One code path: ``docx_from_html`` walks the rendered document (reporting/document.py, PDF mode)
and reads each element's style as WeasyPrint computes it for print from document.css, so a
heading that prints bold and centred in the PDF is bold and centred in Word, whatever the
template's classes. What the walk knows of the document's vocabulary:

- block elements (p, h1–h5, div, li, td) become paragraphs, inline ones (span, strong, em, a,
  sup, br) runs, with the weight, slant, size, capitals, alignment, indent and spacing of
  their computed style; what print hides (``display: none``, ``screen-only``, ``fn-ref``) is
  left out;
- a table becomes a Word table: the header table (``masthead``) and the signer's block
  without borders, a table whose cells print borders (the annexes) with them, the header rows
  (thead) repeated on each page, colspan and rowspan merged, the widths of the print;
- a footnote (``float: footnote``, class ``footnote``) becomes a real Word footnote at its
  call: word/footnotes.xml with its separators, its relationship and content type, and a
  ``w:footnoteReference`` run; each ``fn-line`` is one paragraph of it;
- an annex (class ``annex``) starts a new section, landscape when it prints on the named
  landscape page (document.css ``@page annex``), its pages numbered on their own;
- a draft (an element of class ``draft-mark``) carries "DỰ THẢO" in the header of every
  section, and the mark itself stays where it is.

Pages are A4 with NĐ 30/2020's margins (as document.css), Times New Roman, numbers centred in
the top margin from the second page. The file's bytes depend only on the HTML.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from dataclasses import dataclass, field

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Mm, Pt
from docx.text.paragraph import Paragraph
from weasyprint import HTML
from weasyprint.css import get_all_computed_styles

from reporting.document import render_document
from reporting.pdf import STATIC_DIR, StaticOnlyFetcher

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT = "Times New Roman"
DRAFT_TEXT = "DỰ THẢO"

# Page geometry, as document.css prints it: (width, height, top, right, bottom, left) in mm.
PORTRAIT = (210, 297, 20, 15, 20, 30)
LANDSCAPE = (297, 210, 20, 15, 15, 20)
ANNEX_PAGE = "annex"  # document.css: the named landscape page of the wide annexes

ALIGN = {
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "end": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "start": WD_ALIGN_PARAGRAPH.LEFT,
}
SKIPPED_CLASSES = {"screen-only", "fn-ref"}
# Characters XML 1.0 forbids (C0 controls but tab and line breaks, U+FFFE/U+FFFF): a vertical
# tab pasted from Word into a section text would otherwise make the file impossible to write.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
INLINE_TAGS = {"span", "strong", "em", "b", "i", "a", "sup", "sub", "br", "u", "small"}
SPACES = re.compile(r"[ \t\r\n\f]+")
PX = 0.75  # points per CSS pixel


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _pt(dimension) -> float | None:
    """A computed length in points; None for percentages, "auto" and the like."""
    unit = getattr(dimension, "unit", None)
    if unit == "px":
        return dimension.value * PX
    return None


@dataclass
class _Piece:
    """A part of a paragraph's content: text in the style of an element, a line break, or a footnote."""

    text: str = ""
    element: object = None
    kind: str = "text"  # text, break, footnote


@dataclass
class _Box:
    """Where paragraphs and tables go: the document's body or a table cell, and its width."""

    container: object
    width: int  # EMU
    fresh: list = field(default_factory=list)  # a cell's first, empty paragraph, used once
    left: int = 0  # twentieths of a point: the left margins of the blocks that hold these

    def paragraph(self) -> Paragraph:
        if self.fresh:
            return self.fresh.pop()
        return self.container.add_paragraph()


class _Writer:
    def __init__(self, html: str) -> None:
        source = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=StaticOnlyFetcher())
        self.style_for = get_all_computed_styles(source)
        self.root = source.etree_element
        self.document = Document()
        self.footnotes = None
        self.next_footnote = 1
        self.draft = any("draft-mark" in _classes(e) for e in self.root.iter())
        self._ppr: dict[tuple, object] = {}
        self._rpr: dict[tuple, object] = {}
        self._set_up()

    # --- the document's frame --------------------------------------------------------------

    def _set_up(self) -> None:
        normal = self.document.styles["Normal"]
        normal.font.name, normal.font.size = FONT, Pt(14)
        fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attribute), FONT)
        normal.paragraph_format.space_after = Pt(0)
        section = self.document.sections[0]
        self._page(section, PORTRAIT)
        section.different_first_page_header_footer = True
        self._header(section.header, page_number=True)
        self._header(section.first_page_header, page_number=False)
        title = self.root.find(".//title")
        properties = self.document.core_properties
        properties.title = " ".join((title.text or "").split()) if title is not None else ""
        properties.author = properties.last_modified_by = "Cổng thông tin khuyến công"
        properties.revision = 1

    @staticmethod
    def _page(section, geometry) -> None:
        width, height, top, right, bottom, left = geometry
        section.orientation = WD_ORIENT.LANDSCAPE if width > height else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(width), Mm(height)
        section.top_margin, section.right_margin = Mm(top), Mm(right)
        section.bottom_margin, section.left_margin = Mm(bottom), Mm(left)
        section.header_distance = Mm(8)

    def _header(self, header, *, page_number: bool) -> None:
        header.is_linked_to_previous = False
        paragraphs = list(header.paragraphs)
        first = paragraphs[0] if paragraphs else header.add_paragraph()
        if self.draft:
            first.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            self._styled_run(first, DRAFT_TEXT, bold=True, size=13)
            first = header.add_paragraph()
        if page_number:
            first.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._field(first, "PAGE")

    @staticmethod
    def _styled_run(paragraph, text: str, *, bold: bool = False, size: float = 13):
        run = paragraph.add_run(text)
        run.bold, run.font.size, run.font.name = bold, Pt(size), FONT
        return run

    def _field(self, paragraph, instruction: str) -> None:
        for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"), ("end", None)):
            run = self._styled_run(paragraph, "", size=13)
            if kind:
                element = OxmlElement("w:fldChar")
                element.set(qn("w:fldCharType"), kind)
            else:
                element = OxmlElement("w:instrText" if text == instruction else "w:t")
                element.set(qn("xml:space"), "preserve")
                element.text = text
            run._r.append(element)

    def _annex_section(self, element) -> int:
        """A new section for an annex: landscape when it prints on a named page (@page annex),
        numbered from 1 with no number on its first page. Its width, for its tables."""
        section = self.document.add_section(WD_SECTION.NEW_PAGE)
        landscape = str(self.style_for(element)["page"] or "").strip() == ANNEX_PAGE
        self._page(section, LANDSCAPE if landscape else PORTRAIT)
        section.different_first_page_header_footer = True
        sectPr = section._sectPr
        number_type = sectPr.find(qn("w:pgNumType"))
        if number_type is None:
            number_type = OxmlElement("w:pgNumType")
            _insert(sectPr, number_type, before=("w:cols", "w:formProt", "w:vAlign", "w:titlePg", "w:docGrid"))
        number_type.set(qn("w:start"), "1")
        return section.page_width - section.left_margin - section.right_margin

    # --- what to write -----------------------------------------------------------------------

    def skipped(self, element) -> bool:
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "head", "title"):
            return True
        if "draft-watermark" in _classes(element):
            return True  # the print's diagonal mark: Word carries "DỰ THẢO" in every header instead
        if "draft-mark" in _classes(element):
            return False  # the mark stays, whatever the print does with it
        if _classes(element) & SKIPPED_CLASSES:
            return True
        style = self.style_for(element)
        return style is not None and style["display"] == ("none",)

    def is_footnote(self, element) -> bool:
        style = self.style_for(element)
        return "footnote" in _classes(element) or (style is not None and style["float"] == "footnote")

    def is_block(self, element) -> bool:
        if element.tag in ("table", "tr", "td", "th", "p", "li", "ul", "ol") or re.fullmatch(r"h[1-6]", element.tag):
            return True
        if element.tag in INLINE_TAGS or self.is_footnote(element):
            return False
        style = self.style_for(element)
        return style is None or style["display"][0] != "inline"

    def write(self) -> bytes:
        body = self.root.find("body")
        section = self.document.sections[0]
        self.blocks(body, _Box(self.document, section.page_width - section.left_margin - section.right_margin))
        buffer = io.BytesIO()
        self.document.save(buffer)
        return _fixed_zip(buffer.getvalue())

    def blocks(self, element, box: _Box) -> None:
        """``element``'s content into ``box``: runs of inline content as paragraphs in its
        style, block children each in its own way."""
        pending: list = []
        if element.text:
            pending.append(element.text)
        inner = self._inner(element, box)
        for child in element:
            if not self.skipped(child) and self.is_block(child):
                self.paragraph(element, pending, box)
                pending = []
                self.block(child, inner)
            elif not self.skipped(child):
                pending.append(child)
            if child.tail:
                pending.append(child.tail)
        self.paragraph(element, pending, box)

    def _inner(self, element, box: _Box) -> _Box:
        """The box for ``element``'s block children: narrower by its left margin ("Kính gửi:"
        and its addressees sit to the right)."""
        margin = self.style_for(element)["margin_left"]
        if getattr(margin, "unit", None) == "%":
            emu = int(box.width * margin.value / 100)
        else:
            emu = int((_pt(margin) or 0) * 12700)
        if emu <= 0 or element.tag in ("td", "th"):
            return box
        return _Box(box.container, box.width - emu, box.fresh, box.left + emu // 635)

    def block(self, element, box: _Box) -> None:
        classes = _classes(element)
        if "annex" in classes and box.container is self.document:
            box = _Box(self.document, self._annex_section(element))
        elif self.style_for(element)["break_before"] in ("page", "left", "right") and box.container is self.document:
            self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        if element.tag == "table":
            self.table(element, box)
        elif "draft-mark" in classes:
            paragraph = box.paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._styled_run(paragraph, " ".join("".join(element.itertext()).split()) or DRAFT_TEXT, bold=True, size=14)
        else:
            self.blocks(element, box)

    # --- paragraphs and runs -----------------------------------------------------------------

    def pieces(self, element, content: list) -> list[_Piece]:
        """The inline content (texts and inline elements) as pieces, in document order."""
        result: list[_Piece] = []

        def walk(node, style_node) -> None:
            if isinstance(node, str):
                result.append(_Piece(node, style_node))
                return
            if self.skipped(node):
                return
            if self.is_footnote(node):
                result.append(_Piece(element=node, kind="footnote"))
                return
            if node.tag == "br":
                result.append(_Piece(kind="break"))
                return
            if node.text:
                walk(node.text, node)
            for child in node:
                walk(child, node)
                if child.tail:
                    walk(child.tail, node)

        for item in content:
            walk(item, element)
        return result

    def paragraph(self, element, content: list, box: _Box, paragraph: Paragraph | None = None) -> Paragraph | None:
        pieces = self.pieces(element, content)
        _collapse(pieces)
        if not any(p.text or p.kind != "text" for p in pieces):
            if paragraph is None and self._is_rule(element):
                self._rule(box.paragraph(), element, box.width)
            elif paragraph is None and (height := _pt(self.style_for(element)["height"])):
                spacer = box.paragraph()  # an empty block that holds a space (the signature's)
                spacer.paragraph_format.space_after = Pt(height)
            return None
        paragraph = paragraph if paragraph is not None else box.paragraph()
        self.format_paragraph(paragraph, element, box.width, box.left)
        before = self.style_for(element, "before")
        if before and before.get("content") not in (None, "normal", "none"):
            marker = "".join(value for kind, value in before["content"] if kind == "string")
            if marker:
                self.run(paragraph, marker, element)
        for piece in pieces:
            if piece.kind == "break":
                paragraph.add_run().add_break()
            elif piece.kind == "footnote":
                self.footnote(paragraph, piece.element)
            elif piece.text:
                self.run(paragraph, piece.text, piece.element)
        return paragraph

    def format_paragraph(self, paragraph: Paragraph, element, width: int, left: int = 0) -> None:
        """The paragraph's properties from ``element``'s computed style (one pPr a style, copied);
        ``left``: the margins of the blocks around it, in twentieths of a point."""
        style = self.style_for(element)
        margins = [style[f"margin_{side}"] for side in ("top", "bottom", "left", "right")]
        indents = [
            int(width * m.value / 100 / 635) if getattr(m, "unit", None) == "%" else round((_pt(m) or 0) * 20)
            for m in margins[2:]
        ]  # twentieths of a point (635 EMU each)
        indents[0] += left
        line_height = style["line_height"]
        line = line_height if isinstance(line_height, int | float) else getattr(line_height, "value", None)
        key = (
            style["text_align_all"], _pt(style["text_indent"]), _pt(margins[0]), _pt(margins[1]), *indents,
            line if getattr(line_height, "unit", None) is None else None,
            style["break_after"] == "avoid", style["break_inside"] == "avoid",
        )  # fmt: skip
        properties = self._ppr.get(key)
        if properties is None:
            properties = self._ppr[key] = _paragraph_properties(*key)
        old = paragraph._p.pPr
        if old is not None:
            paragraph._p.remove(old)
        paragraph._p.insert(0, copy.deepcopy(properties))

    def run(self, paragraph: Paragraph, text: str, element) -> None:
        """A run of ``text`` in ``element``'s computed style (one rPr a style, copied)."""
        style = self.style_for(element)
        underline = "underline" in (style["text_decoration_line"] or ())
        key = (
            style["font_weight"] >= 600,
            style["font_style"] in ("italic", "oblique"),
            style["text_transform"] == "uppercase",
            round(style["font_size"] * PX * 2),
            underline or (style["display"][0] == "inline" and style["border_bottom_width"] > 0),
            element.tag == "sup" or style["vertical_align"] == "super",
        )
        properties = self._rpr.get(key)
        if properties is None:
            properties = self._rpr[key] = _run_properties(*key)
        run = OxmlElement("w:r")
        run.append(copy.deepcopy(properties))
        text_element = OxmlElement("w:t")
        text_element.set(qn("xml:space"), "preserve")
        text_element.text = _NOT_XML.sub("", text)
        run.append(text_element)
        paragraph._p.append(run)

    def _is_rule(self, element) -> bool:
        style = self.style_for(element)
        return style is not None and style["border_top_width"] > 0 and element.tag == "div"

    def _rule(self, paragraph: Paragraph, element, width: int) -> None:
        """An empty block that prints a line (the short rule under the issuing body): a
        paragraph with a top border, as wide as the block prints."""
        style = self.style_for(element)
        share = style["width"].value / 100 if getattr(style["width"], "unit", None) == "%" else 1
        side = Emu(int(width * (1 - share) / 2))
        borders = OxmlElement("w:pBdr")  # before the spacing and indents, as the schema orders them
        top = OxmlElement("w:top")
        for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
            top.set(qn(key), value)
        borders.append(top)
        paragraph._p.get_or_add_pPr().append(borders)
        paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = side
        paragraph.paragraph_format.space_after = Pt(6)
        paragraph.paragraph_format.line_spacing = Pt(2)

    # --- footnotes ---------------------------------------------------------------------------

    def footnote(self, paragraph: Paragraph, element) -> None:
        """A Word footnote at this point of ``paragraph``, holding ``element``'s lines."""
        if self.footnotes is None:
            self.footnotes = _footnotes_part(self.document)
        number = self.next_footnote
        self.next_footnote += 1
        reference = paragraph.add_run()
        reference.font.superscript = True
        mark = OxmlElement("w:footnoteReference")
        mark.set(qn("w:id"), str(number))
        reference._r.append(mark)

        note = OxmlElement("w:footnote")
        note.set(qn("w:id"), str(number))
        self.footnotes.element.append(note)
        lines = [child for child in element if "fn-line" in _classes(child) and not self.skipped(child)]
        holder = _Holder(note, self.footnotes)
        box = _Box(holder, 0)
        for index, line in enumerate(lines or [element]):
            target = holder.add_paragraph()
            if index == 0:
                ref = target.add_run()
                ref.font.superscript = True
                ref._r.append(OxmlElement("w:footnoteRef"))
                target.add_run(" ")
            self.paragraph(line, _content(line), box, target)
            target.paragraph_format.space_after = Pt(0)

    # --- tables ------------------------------------------------------------------------------

    def table(self, element, box: _Box) -> None:
        grid, header_rows, widths = _table_grid(self, element, box.width)
        columns = len(widths)
        if not grid or not columns:
            return
        table = box.container.add_table(rows=len(grid), cols=columns)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        bordered = any(self.style_for(cell)["border_top_width"] > 0 for row in grid for _c, cell, *_ in row)
        _borders(table, bordered)
        for column, column_width in zip(table.columns, widths, strict=True):
            column.width = column_width
        rows = table.rows
        cells = [list(row.cells) for row in rows]
        for r in range(len(grid)):
            for c in range(columns):
                cells[r][c].width = widths[c]
            if r < header_rows:
                _repeat_header(rows[r])
        for r, row in enumerate(grid):
            for c, cell_element, colspan, rowspan in row:
                cell = cells[r][c]
                if colspan > 1 or rowspan > 1:
                    cell = cell.merge(cells[r + rowspan - 1][c + colspan - 1])
                width = sum(widths[c : c + colspan])
                target = _Box(cell, width, fresh=[cell.paragraphs[0]])
                self.blocks(cell_element, target)
                if target.fresh:  # an empty cell keeps its paragraph, in the cell's style
                    self.format_paragraph(target.fresh[0], cell_element, width)
        if box.container is not self.document:
            return
        # Word needs a paragraph between two tables, and after the last one of a section.
        self.document.add_paragraph().paragraph_format.space_after = Pt(0)


@dataclass
class _Holder:
    """A footnote as a container of paragraphs (python-docx has none)."""

    element: object
    part: object

    def add_paragraph(self) -> Paragraph:
        p = OxmlElement("w:p")
        self.element.append(p)
        return Paragraph(p, self)


def _paragraph_properties(align, indent, before, after, left, right, line, keep_next, keep_together):
    """A w:pPr, its children in the schema's order."""
    xml = [f"<w:pPr {nsdecls('w')}>"]
    if keep_next:
        xml.append("<w:keepNext/>")
    if keep_together:
        xml.append("<w:keepLines/>")
    spacing = ""
    if before is not None:
        spacing += f' w:before="{round(before * 20)}"'
    if after is not None:
        spacing += f' w:after="{round(after * 20)}"'
    if line:
        spacing += f' w:line="{round(240 * line)}" w:lineRule="auto"'
    if spacing:
        xml.append(f"<w:spacing{spacing}/>")
    ind = "".join(f' w:{name}="{value}"' for name, value in (("left", left), ("right", right)) if value)
    if indent:
        ind += f' w:firstLine="{round(indent * 20)}"'
    if ind:
        xml.append(f"<w:ind{ind}/>")
    jc = {"center": "center", "right": "right", "end": "right", "justify": "both", "left": "left", "start": "left"}
    if align in jc:
        xml.append(f'<w:jc w:val="{jc[align]}"/>')
    xml.append("</w:pPr>")
    return parse_xml("".join(xml))


def _run_properties(bold, italic, caps, half_points, underline, superscript):
    """A w:rPr, its children in the schema's order."""
    xml = [f"<w:rPr {nsdecls('w')}>"]
    xml.append("<w:b/>" if bold else "")
    xml.append("<w:i/>" if italic else "")
    xml.append("<w:caps/>" if caps else "")
    xml.append(f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>')
    xml.append('<w:u w:val="single"/>' if underline else "")
    xml.append('<w:vertAlign w:val="superscript"/>' if superscript else "")
    xml.append("</w:rPr>")
    return parse_xml("".join(xml))


def _content(element) -> list:
    return ([element.text] if element.text else []) + [
        item for child in element for item in ([child] + ([child.tail] if child.tail else []))
    ]


def _collapse(pieces: list[_Piece]) -> None:
    """HTML's white space: runs of spaces as one, none at the start or end of a line."""
    at_start = True
    for piece in pieces:
        if piece.kind == "break":
            at_start = True
            continue
        if piece.kind != "text":
            at_start = False
            continue
        text = SPACES.sub(" ", piece.text)
        if at_start:
            text = text.lstrip(" ")
        piece.text = text
        if text:
            at_start = text.endswith(" ")
    for piece in reversed(pieces):
        if piece.kind == "text" and piece.text.strip() == "" and piece.text:
            piece.text = ""
            continue
        if piece.kind == "text" and piece.text:
            piece.text = piece.text.rstrip(" ")
        if piece.kind != "text" or piece.text:
            break


def _table_grid(writer: _Writer, element, width: int):
    """The table's cells placed on a grid: rows of (column, cell, colspan, rowspan); the number
    of header rows (thead); and each column's width in EMU (from the print's widths)."""
    rows, header_rows = [], 0
    for part in element:
        if not isinstance(part.tag, str) or writer.skipped(part):
            continue
        trs = [part] if part.tag == "tr" else [tr for tr in part if tr.tag == "tr"]
        if part.tag == "thead":
            header_rows += len(trs)
        rows.extend(tr for tr in trs if not writer.skipped(tr))
    taken: set[tuple[int, int]] = set()
    grid = []
    shares: dict[int, float] = {}
    for r, tr in enumerate(rows):
        placed, c = [], 0
        for cell in (x for x in tr if x.tag in ("td", "th") and not writer.skipped(x)):
            while (r, c) in taken:
                c += 1
            colspan, rowspan = int(cell.get("colspan") or 1), int(cell.get("rowspan") or 1)
            taken.update((r + i, c + j) for i in range(rowspan) for j in range(colspan))
            placed.append((c, cell, colspan, rowspan))
            cell_width = writer.style_for(cell)["width"]
            if colspan == 1 and getattr(cell_width, "unit", None) == "%":
                shares.setdefault(c, cell_width.value)
            c += colspan
        grid.append(placed)
    columns = max((c + 1 for r, c in taken), default=0)
    known = sum(shares.values())
    rest = (max(100 - known, 0) / (columns - len(shares))) if columns > len(shares) else 0
    total = known + rest * (columns - len(shares)) or 100
    widths = [Emu(int(width * shares.get(c, rest) / total)) for c in range(columns)]
    return grid, header_rows, widths


def _insert(parent, child, *, before: tuple[str, ...]) -> None:
    """``child`` into ``parent`` before the first of ``before`` it holds (the schema's order)."""
    for name in before:
        successor = parent.find(qn(name))
        if successor is not None:
            successor.addprevious(child)
            return
    parent.append(child)


def _borders(table, bordered: bool) -> None:
    """Thin black borders on every cell (the annexes), or none (the header, the signer's
    block); a table without borders has no cell margins either, as it prints."""
    properties = table._tbl.tblPr
    if bordered:
        borders = OxmlElement("w:tblBorders")
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            line = OxmlElement(f"w:{side}")
            for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "0"), ("w:color", "000000")):
                line.set(qn(key), value)
            borders.append(line)
        _insert(properties, borders, before=("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook"))
    margin = 57 if bordered else 0  # twentieths of a point: 1 mm
    margins = parse_xml(
        f'<w:tblCellMar {nsdecls("w")}><w:left w:w="{margin}" w:type="dxa"/><w:right w:w="{margin}" w:type="dxa"/></w:tblCellMar>'
    )
    _insert(properties, margins, before=("w:tblLook", "w:tblCaption", "w:tblDescription"))


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


FOOTNOTES_XML = (
    f"<w:footnotes {nsdecls('w', 'r')}>"
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
    "</w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>"
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
    'w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
    "</w:footnotes>"
)


def _footnotes_part(document) -> XmlPart:
    """word/footnotes.xml with Word's two separator footnotes, related to the document (the
    package writes its content-type override)."""
    part = XmlPart(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, parse_xml(FOOTNOTES_XML), document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)
    return part


def _fixed_zip(content: bytes) -> bytes:
    """The .docx with every member dated 1980-01-01, so the same HTML gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def docx_from_html(html: str) -> bytes:
    """The document's HTML (as reporting.document renders it for the PDF) as a .docx."""
    return _Writer(html).write()


def render_docx(figures, report=None) -> bytes:
    """The report's Word file: the PDF's HTML, written as a .docx."""
    return docx_from_html(render_document(figures, report, links=False, pdf=True))
