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

from projects.models import ActivityContent, AdministrativeUnit
from reporting.figures import ReportFigures, compute_figures
from reporting.models import Report
from reporting.narrative import lines, narrative_html

DOCUMENT_CSS = "reporting/document.css"


def default_province() -> AdministrativeUnit:
    """The province the portal reports on (settings.ORGANISATION["province_code"])."""
    return AdministrativeUnit.objects.get(code=settings.ORGANISATION["province_code"])


def period_label(year_from: int, year_to: int) -> str:
    """ "giai đoạn 2021-2025" or "năm 2024"."""
    return f"năm {year_from}" if year_from == year_to else f"giai đoạn {year_from}-{year_to}"


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
    preamble: str
    directives: str
    coordination: str
    limitations: str
    causes: str
    proposals: str
    recommendations: str
    recipients: list[str]
    signer_title: str
    signer_name: str
    is_draft: bool

    @classmethod
    def for_report(cls, report: Report | None, *, year_from: int, year_to: int, report_date: datetime.date):
        org = settings.ORGANISATION
        place = (report.place if report else "") or org["place_name"]
        period = period_label(year_from, year_to)
        title = (report.title if report else "") or f"Tình hình thực hiện Chương trình khuyến công {period}"
        addressees = lines(report.addressees) if report else []
        recipients = lines(report.recipients) if report else []
        return cls(
            parent_body=org["parent_body"],
            issuing_body=org["issuing_body"],
            number=report.number if report else "",
            place=place,
            date=report.report_date if report else report_date,
            title=title,
            addressees=addressees or ["Bộ Công Thương;", f"UBND tỉnh {place}."],
            preamble=(report.preamble if report else "")
            or f"{org['issuing_body'].title()} báo cáo {_lower_first(title)}, cụ thể như sau:",
            directives=report.directives if report else "",
            coordination=report.coordination if report else "",
            limitations=report.limitations if report else "",
            causes=report.causes if report else "",
            proposals=report.proposals if report else "",
            recommendations=report.recommendations if report else "",
            recipients=recipients or ["Như trên;", "Lưu: VT."],
            signer_title=(report.signer_title if report else "") or "GIÁM ĐỐC",
            signer_name=report.signer_name if report else "",
            is_draft=not (report and report.is_issued),
        )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _number_parts(number: str) -> tuple[str, str]:
    """ "125/BC-SCT" -> ("125", "/BC-SCT"); an unnumbered draft leaves the number blank."""
    if "/" in number:
        head, tail = number.split("/", 1)
        return head.strip(), "/" + tail.strip()
    return number.strip(), "/BC-SCT"


def document_context(figures: ReportFigures, text: DocumentText, *, links: bool, pdf: bool = False) -> dict:
    groups = dict(ActivityContent.objects.filter(parent__isnull=True).values_list("code", "name"))
    number, number_suffix = _number_parts(text.number)
    period = period_label(figures.year_from, figures.year_to)
    previous = figures.repayment
    return {
        "figures": figures,
        "text": text,
        "links": links,
        "pdf": pdf,
        "css_href": DOCUMENT_CSS if pdf else static(DOCUMENT_CSS),
        "groups": {code.replace(".", "_"): name.rstrip(".") for code, name in groups.items()},
        "number": number,
        "number_suffix": number_suffix,
        "period": period,
        "period_cap": period[:1].upper() + period[1:],
        "next_period": (
            f"năm {figures.year_to + 1}"
            if figures.is_annual
            else f"giai đoạn {figures.year_to + 1}-{figures.year_to + figures.year_count}"
        ),
        "previous_period": (
            period_label(previous.previous_year_from, previous.previous_year_to) if previous.previous_year_from else ""
        ),
        "narrative": {
            name: narrative_html(getattr(text, name))
            for name in (
                "preamble",
                "directives",
                "coordination",
                "limitations",
                "causes",
                "proposals",
                "recommendations",
            )
        },
        "closing_title": _lower_first(text.title),
        "closing_addressee": text.addressees[0].rstrip(";.,") if text.addressees else "",
        "estimated_from": figures.report_date.year,  # a year not over at the report date is an estimate
    }


def render_document(figures: ReportFigures, report: Report | None = None, *, links: bool = True, pdf: bool = False) -> str:
    """The report as one HTML page."""
    text = DocumentText.for_report(report, year_from=figures.year_from, year_to=figures.year_to, report_date=figures.report_date)
    return render_to_string("reporting/document.html", document_context(figures, text, links=links, pdf=pdf))


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


def draft_figures(*, year_from: int, year_to: int, report_date: datetime.date, province=None) -> ReportFigures:
    return compute_figures(province=province or default_province(), year_from=year_from, year_to=year_to, report_date=report_date)
