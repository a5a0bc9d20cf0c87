"""The body of the report as printed: the outline (reporting/outline.py) filled with the
generated paragraphs (reporting/sentences.py) and the staff's text, numbered, as blocks of safe
HTML that templates/reporting/document.html lays out.

One code path for the screen, the PDF and the Word file: the figures in a paragraph are links
to their records on screen (``links``), plain spans otherwise; footnotes are numbered in the
order they are called.

What each block's HTML may hold (the Word converter walks it): p, div, span, ul/ol/li,
strong/em, br, a, h2–h5, with the classes footnote, fn-ref, fn-line, placeholder, screen-only.
A section the staff still have to write prints ``<p class="placeholder" data-section="slug">``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from projects.models import ActivityContent
from reporting import outline, sentences
from reporting.figures import ReportFigures
from reporting.narrative import Headings, narrative_html
from reporting.templatetags.report_tags import figure_html


class Narrative(Protocol):
    """What the body reads of the document's text (reporting.document.DocumentText)."""

    place: str
    title: str

    def section_text(self, slug: str) -> str: ...

    def paragraph_hidden(self, key: str) -> bool: ...

    def paragraph_after(self, key: str) -> str: ...


_TAG = {"part": "h2", "roman": "h3", "decimal": "h4", "sub_decimal": "h5"}


def next_period(figures: ReportFigures) -> tuple[str, str]:
    """The period Part II proposes for and its horizon: ("giai đoạn 2026-2030", "năm 2045") after
    2021-2025, the horizon three periods on from the next one's end; ("năm 2025", "") after an
    annual report."""
    if figures.is_annual:
        return f"năm {figures.year_to + 1}", ""
    start, end = figures.year_to + 1, figures.year_to + figures.year_count
    return f"giai đoạn {start}-{end}", f"năm {end + 3 * figures.year_count}"


@dataclass
class Block:
    """One section as printed."""

    slug: str
    number: str  # "PHẦN I", "I.", "1.", "1.1."
    heading: str
    tag: str
    run_in: SafeString = mark_safe("")  # the paragraph that follows a run-in heading on its line
    body: list[SafeString] = field(default_factory=list)
    children: list[Block] = field(default_factory=list)

    @property
    def is_part(self) -> bool:
        return self.tag == "h2"

    @property
    def heading_html(self) -> SafeString:
        if self.is_part:
            return format_html('<h2 class="part">{}<br>{}</h2>', self.number, self.heading)
        if self.run_in:
            return format_html(
                '<{} class="run-in">{} {}: <span>{}</span></{}>', self.tag, self.number, self.heading, self.run_in, self.tag
            )
        return format_html("<{}>{} {}</{}>", self.tag, self.number, self.heading, self.tag)


class DocumentBody:
    """The blocks of one document; ``notes`` collects its footnotes, numbered as they come."""

    def __init__(self, figures: ReportFigures, text: Narrative, *, links: bool, issued: int | None = None) -> None:
        self.figures = figures
        self.text = text
        self.links = links
        self.issued = issued  # an issued report's pk: its figures link to the records kept at issue
        self.notes: list[SafeString] = []  # each footnote's lines, for the screen's list
        self.generated = sentences.generated(figures, text.place)
        self.headings = self._headings()

    def _headings(self) -> dict[str, str]:
        groups = dict(ActivityContent.objects.filter(parent__isnull=True).values_list("code", "name"))
        period, horizon = next_period(self.figures)
        values = {f"group_{code.replace('.', '_')}": name.rstrip(".") for code, name in groups.items()}
        values["next_period"] = period.upper()
        values["horizon"] = f", ĐỊNH HƯỚNG ĐẾN {horizon.upper()}" if horizon else ""
        return values

    # --- content ------------------------------------------------------------------------------

    def _paragraphs(self, section: outline.Section) -> list[sentences.Paragraph]:
        return self.generated.get(section.slug, [])

    def has_content(self, section: outline.Section) -> bool:
        """Whether anything prints in the section: a generated paragraph shown, text added after
        one, its own text, or a child with content."""
        for paragraph in self._paragraphs(section):
            if not self.text.paragraph_hidden(paragraph.key) or self.text.paragraph_after(paragraph.key).strip():
                return True
        if section.free_text and self.text.section_text(section.slug).strip():
            return True
        return any(self.has_content(child) for child in section.children)

    def preamble(self) -> SafeString:
        typed = self.text.section_text(outline.PREAMBLE.slug)
        if typed.strip():
            return narrative_html(typed, Headings(level=4))
        org = settings.ORGANISATION
        return format_html(
            "<p>{} báo cáo {}, cụ thể như sau:</p>",
            org["issuing_body"].title(),
            self.text.title[:1].lower() + self.text.title[1:],
        )

    def blocks(self) -> list[Block]:
        return self._children(outline.OUTLINE, parent_number="", parent_numbering="")

    def _children(self, sections, *, parent_number: str, parent_numbering: str) -> list[Block]:
        shown = [s for s in sections if not (s.optional and not self.has_content(s))]
        return [self._block(s, outline.number(s, i, parent_number)) for i, s in enumerate(shown, 1)]

    def _block(self, section: outline.Section, number: str) -> Block:
        heading = section.heading.format(**self.headings)
        block = Block(section.slug, number, heading, _TAG[section.numbering])
        headings = outline.headings_for(section, number)
        paragraphs = self._paragraphs(section)
        for i, paragraph in enumerate(paragraphs):
            if not self.text.paragraph_hidden(paragraph.key):
                inner = self.runs_html(paragraph)
                if section.run_in and i == 0:
                    block.run_in = inner
                else:
                    block.body.append(format_html("<p>{}</p>", inner))
            after = narrative_html(self.text.paragraph_after(paragraph.key), headings)
            if after:
                block.body.append(format_html('<div class="narrative">{}</div>', after))
        if section.free_text:
            typed = narrative_html(self.text.section_text(section.slug), headings)
            if typed:
                block.body.append(format_html('<div class="narrative">{}</div>', typed))
        block.children = self._children(section.children, parent_number=number, parent_numbering=section.numbering)
        if not self.has_content(section):
            block.body.append(self._empty(section, paragraphs, number))
        return block

    def _empty(self, section: outline.Section, paragraphs: list[sentences.Paragraph], number: str) -> SafeString:
        """A section of the fixed outline the data has nothing for says so in one line; a section
        the staff have to write (or whose every paragraph they hid) is a placeholder."""
        if section.always and not paragraphs and not any(self._paragraphs(c) for c in section.children):
            period = sentences.period_label(self.figures.year_from, self.figures.year_to)
            return format_html("<p>{} không có đề án hoàn thành thuộc nội dung này.</p>", period[:1].upper() + period[1:])
        if any(not child.optional for child in section.children):
            return mark_safe("")  # the children that must be written show their own placeholders
        if section.numbering == "part":  # "(Chưa nhập nội dung Phần III.)"
            what = "Phần " + number.removeprefix("PHẦN ")
        else:
            what = f"mục “{section.heading.format(**self.headings)}”"
        return format_html('<p class="placeholder" data-section="{}">(Chưa nhập nội dung {}.)</p>', section.slug, what)

    # --- runs ---------------------------------------------------------------------------------

    def runs_html(self, paragraph: sentences.Paragraph) -> SafeString:
        parts = []
        for piece in paragraph.pieces:
            if isinstance(piece, sentences.Note):
                parts.append(self._note_html(piece))
            else:
                parts.append(self._run_html(piece))
        return mark_safe("".join(parts))

    def _run_html(self, run: sentences.Run) -> SafeString:
        if run.figure:
            return figure_html(
                run.text, run.figure, self.figures, links=self.links, issued=self.issued,
                scope=getattr(self.text, "scope", ""),
            )
        return conditional_escape(run.text)

    def _note_html(self, note: sentences.Note) -> SafeString:
        lines = [mark_safe("".join(self._run_html(run) for run in line)) for line in note.lines]
        self.notes.append(mark_safe("".join(format_html("<p>{}</p>", line) for line in lines)))
        number = len(self.notes)
        inner = mark_safe("".join(format_html('<span class="fn-line">{}</span>', line) for line in lines))
        return format_html('<span class="fn-ref screen-only">{}</span><span class="footnote">{}</span>', number, inner)
