"""The report document: figures and narrative rendered by one template to HTML.

The screen view and the PDF (reporting/pdf.py) are the same HTML; only the links differ: on
screen each computed figure links to the records behind it, in the PDF it is plain text.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static

from reporting import sentences
from reporting.body import DocumentBody
from reporting.figures import ReportFigures, compute_figures
from reporting.models import Report
from reporting.narrative import lines
from reporting.scope import default_province, document_scope, report_province  # noqa: F401 - used from here

DOCUMENT_CSS = "reporting/document.css"


def period_label(year_from: int, year_to: int) -> str:
    """ "giai đoạn 2021-2025" or "năm 2024"."""
    return sentences.period_label(year_from, year_to)


@dataclass(frozen=True)
class DocumentText:
    """What the staff write around the figures; a draft without a Report record gets defaults."""

    parent_body: str
    issuing_body: str
    number: str
    place: str
    date: datetime.date
    title: str
    addressees: list[str]
    recipients: list[str]
    signer_authority: str
    signer_title: str
    signer_name: str
    is_draft: bool
    report: Report | None = None
    scope: str = ""  # "tinh=67": a former province's draft keeps its province in its links

    @classmethod
    def for_report(
        cls, report: Report | None, *, year_from: int, year_to: int, report_date: datetime.date, province=None
    ):
        org = settings.ORGANISATION
        province_id = report.province_id if report is not None and report.province_id else getattr(province, "pk", province)
        parent_body, issuing_body, scope, default_place = document_scope(
            province_id, year_to=year_to, day=report.report_date if report else report_date
        )
        place = (report.place if report else "") or default_place
        period = period_label(year_from, year_to)
        title = (report.title if report else "") or f"Tình hình thực hiện Chương trình khuyến công {period}"
        addressees = lines(report.addressees) if report else []
        recipients = lines(report.recipients) if report else []
        signer_title = (report.signer_title if report else "") or org["signer_title"]
        return cls(
            parent_body=parent_body,
            issuing_body=issuing_body,
            number=report.number if report else "",
            place=place,
            date=report.report_date if report else report_date,
            title=title,
            addressees=addressees or ["Bộ Công Thương;", f"UBND tỉnh {place}."],
            recipients=recipients or lines(org["recipients"]),
            # A report that names its signer's title names its authority too (none: the head signs).
            signer_authority=report.signer_authority if report and report.signer_title else org["signer_authority"],
            signer_title=signer_title,
            signer_name=(report.signer_name if report else "") or org["signer_name"],
            is_draft=not (report and report.is_issued),
            report=report,
            scope=scope,
        )

    def section_text(self, slug: str) -> str:
        return self.report.section_text(slug) if self.report else ""

    def paragraph_hidden(self, key: str) -> bool:
        return self.report.paragraph_hidden(key) if self.report else False

    def paragraph_after(self, key: str) -> str:
        return self.report.paragraph_after(key) if self.report else ""


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _number_parts(number: str) -> tuple[str, str]:
    """ "125/BC-SCT" -> ("125", "/BC-SCT"); an unnumbered draft leaves the number blank."""
    if "/" in number:
        head, tail = number.split("/", 1)
        return head.strip(), "/" + tail.strip()
    return number.strip(), "/BC-SCT"


def document_context(
    figures: ReportFigures, text: DocumentText, *, links: bool, pdf: bool = False, issued: int | None = None
) -> dict:
    number, number_suffix = _number_parts(text.number)
    period = period_label(figures.year_from, figures.year_to)
    body = DocumentBody(figures, text, links=links, issued=issued)
    return {
        "figures": figures,
        "text": text,
        "links": links,
        "pdf": pdf,
        "css_href": DOCUMENT_CSS if pdf else static(DOCUMENT_CSS),
        "number": number,
        "number_suffix": number_suffix,
        "period": period,
        "period_cap": period[:1].upper() + period[1:],
        "preamble": body.preamble(),
        "parts": body.blocks(),
        "footnotes": body.notes,
        "closing_title": _lower_first(text.title),
        "closing_addressee": text.addressees[0].rstrip(";.,") if text.addressees else "",
    }


def render_document(
    figures: ReportFigures, report: Report | None = None, *, links: bool = True, pdf: bool = False, annex_tables: bool = True
) -> str:
    """The report as one HTML page. Without ``annex_tables`` (the draft on screen, its figures
    computed without the annexes' lines) the annexes that list records (I, IV, V, VI) print
    their heading and title and say where their table is; II and III, a row a year and a row
    a content, print in full."""
    text = DocumentText.for_report(
        report,
        year_from=figures.year_from,
        year_to=figures.year_to,
        report_date=figures.report_date,
        province=figures.province_id,
    )
    # An issued report's figures link to the records kept at issue (report_tags.figure_html).
    issued = report.pk if report is not None and report.is_issued else None
    context = document_context(figures, text, links=links, pdf=pdf, issued=issued)
    context["issued_report_pk"] = issued
    context["annex_tables"] = annex_tables
    return render_to_string("reporting/document.html", context)


_STYLESHEET_LINK = re.compile(r'<link rel="stylesheet" href="[^"]*' + re.escape(DOCUMENT_CSS) + '">')


def standalone_html(html: str) -> str:
    """The document as one file, for download: its stylesheet written into it, since a file
    opened from disk cannot reach the server's. The fonts stay on the server; the stylesheet
    falls back to Times New Roman, whose metrics Liberation Serif shares. Only files sent as
    attachments are made so: the portal's Content-Security-Policy refuses inline styles."""
    css = (Path(settings.BASE_DIR) / "static" / DOCUMENT_CSS).read_text(encoding="utf-8")
    return _STYLESHEET_LINK.sub(lambda _: f"<style>\n{css}</style>", html, count=1)


def print_html(html: str) -> str:
    """A document rendered for the screen, with the stylesheet linked as the PDF's is (a path
    in the static directory), for an issued report kept as its screen HTML."""
    return _STYLESHEET_LINK.sub(f'<link rel="stylesheet" href="{DOCUMENT_CSS}">', html, count=1)


def draft_figures(
    *, year_from: int, year_to: int, report_date: datetime.date, province=None, annexes: bool = True
) -> ReportFigures:
    """The figures of a draft from current data; ``annexes=False`` for the document on screen
    (reporting.figures.compute_figures)."""
    province = province or default_province(year_to)
    return compute_figures(
        province=province, year_from=year_from, year_to=year_to, report_date=report_date, annexes=annexes
    )
