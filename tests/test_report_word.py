"""The report as a Word file: it opens with python-docx, holds every seed figure of the period
report (the PDF's expectations), its footnotes are real Word footnotes, its annexes are
landscape sections, a draft says DỰ THẢO in every section's header."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Mm
from lxml import etree

from reporting.document import draft_figures, render_document
from reporting.word import docx_from_html
from tests.report_expectations import REPORT_DATE
from tests.test_report_document import _period_expectations

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def period_docx(lam_dong, tmp_path_factory, django_db_blocker):
    out = tmp_path_factory.mktemp("word") / "bao-cao-2021-2025.docx"
    with django_db_blocker.unblock():
        call_command(
            "render_report", "--from", "2021", "--to", "2025", "--date", REPORT_DATE.isoformat(),
            "--format", "docx", "--output", str(out),
        )  # fmt: skip
    return out


def _mm(*lengths) -> tuple[int, ...]:
    """Lengths in whole millimetres (Word keeps them in twentieths of a point)."""
    return tuple(round(length / Mm(1)) for length in lengths)


def _paragraph_texts(element) -> list[str]:
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in element.iter(f"{W}p")]


def _part(path, name: str):
    return etree.fromstring(zipfile.ZipFile(path).read(name))


def _text(path) -> str:
    """The body's and the footnotes' text, whitespace collapsed, as the PDF tests read the PDF."""
    texts = _paragraph_texts(_part(path, "word/document.xml")) + _paragraph_texts(_part(path, "word/footnotes.xml"))
    return re.sub(r"/ ", "/", " ".join(" ".join(texts).split()))


@pytest.mark.django_db
def test_the_word_file_opens_and_holds_every_seed_figure(period_docx):
    document = Document(str(period_docx))
    assert document.paragraphs and document.tables
    text = _text(period_docx)
    figures = draft_figures(year_from=2021, year_to=2025, report_date=REPORT_DATE)
    missing = [expected for expected in _period_expectations(figures) if expected not in text]
    assert not missing


def test_the_footnotes_are_word_footnotes_called_from_the_body(period_docx):
    package = zipfile.ZipFile(period_docx)
    assert "word/footnotes.xml" in package.namelist()
    types = package.read("[Content_Types].xml").decode()
    assert 'PartName="/word/footnotes.xml"' in types and "wordprocessingml.footnotes+xml" in types
    assert "relationships/footnotes" in package.read("word/_rels/document.xml.rels").decode()
    notes = _part(period_docx, "word/footnotes.xml").findall(f"{W}footnote")
    assert [n.get(f"{W}type") for n in notes[:2]] == ["separator", "continuationSeparator"]
    real = {n.get(f"{W}id"): " ".join(_paragraph_texts(n)) for n in notes[2:]}
    calls = [r.get(f"{W}id") for r in _part(period_docx, "word/document.xml").iter(f"{W}footnoteReference")]
    assert calls == list(real) == ["1", "2"]
    assert "Năm 2021 triển khai thực hiện hoàn thành 37/38 đề án" in real["1"]  # footnote 1: each year
    assert real["2"].strip().startswith("Gồm: Công ty cổ phần Phú Lộc Sơn")  # footnote 2: the sued
    assert all(n.find(f".//{W}footnoteRef") is not None for n in notes[2:])


def test_the_page_is_nd30s_a4_in_times_new_roman(period_docx):
    document = Document(str(period_docx))
    first = document.sections[0]
    assert _mm(first.page_width, first.page_height) == (210, 297)
    assert _mm(first.top_margin, first.bottom_margin, first.left_margin, first.right_margin) == (20, 20, 30, 15)
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert first.different_first_page_header_footer  # no page number on the first page
    assert "PAGE" in "".join(t.text or "" for t in first.header._element.iter(f"{W}instrText"))
    masthead = document.tables[0]
    assert len(masthead.columns) == 2 and masthead._tbl.tblPr.find(f"{W}tblBorders") is None
    assert "SỞ CÔNG THƯƠNG" in masthead.cell(0, 0).text and "Độc lập - Tự do - Hạnh phúc" in masthead.cell(0, 1).text


def test_the_annexes_are_sections_of_their_own_landscape_where_wide(period_docx):
    document = Document(str(period_docx))
    sections = document.sections
    assert len(sections) == 6  # the report and Phụ lục I–V
    orientation = [s.orientation for s in sections]
    assert orientation == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT,
                           WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE]  # fmt: skip
    assert all(s.page_width > s.page_height for s in sections if s.orientation == WD_ORIENT.LANDSCAPE)
    body = _paragraph_texts(_part(period_docx, "word/document.xml"))
    for number in ("I", "II", "III", "IV", "V"):
        assert f"PHỤ LỤC {number}" in body
    annex_i = next(t for t in document.tables if "Tên đề án" in [c.text for c in t.rows[0].cells])
    assert annex_i._tbl.tblPr.find(f"{W}tblBorders") is not None
    assert annex_i.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None  # repeated on every page


def test_a_draft_says_du_thao_in_every_sections_header():
    html = (
        '<!doctype html><html><head><link rel="stylesheet" href="reporting/document.css"></head>'
        '<body class="pdf"><article class="document"><p class="draft-mark">DỰ THẢO</p><p>Nội dung.</p>'
        '<div class="annex annex-landscape"><p class="annex-number">PHỤ LỤC I</p></div></article></body></html>'
    )
    document = Document(io.BytesIO(docx_from_html(html)))
    assert len(document.sections) == 2
    for section in document.sections:
        for header in (section.header, section.first_page_header):
            assert "DỰ THẢO" in " ".join(p.text for p in header.paragraphs)
    assert document.paragraphs[0].text == "DỰ THẢO"  # the mark stays in the text too
    assert document.sections[1].orientation == WD_ORIENT.LANDSCAPE


def test_an_issued_text_has_no_draft_mark_and_the_same_html_gives_the_same_bytes(lam_dong):
    html = render_document(draft_figures(year_from=2024, year_to=2024, report_date=REPORT_DATE), links=False, pdf=True)
    first = docx_from_html(html)
    assert first == docx_from_html(html)
    if "draft-mark" not in html:
        assert "DỰ THẢO" not in " ".join(p.text for p in Document(io.BytesIO(first)).sections[0].header.paragraphs)


def test_the_report_screen_offers_the_word_file(lam_dong, department_client, department):
    from reporting import services

    report = services.create_report(by=department, year_from=2024, year_to=2024, report_date=REPORT_DATE)
    detail = department_client.get(reverse("reporting:report-detail", args=[report.pk])).content.decode()
    url = reverse("reporting:report-download", args=[report.pk, "docx"])
    assert url in detail and "Tải Word" in detail
    response = department_client.get(url)
    assert response.status_code == 200 and response["Content-Type"].endswith("wordprocessingml.document")
    assert response["Content-Disposition"].endswith('.docx"')
    assert _mm(Document(io.BytesIO(response.content)).sections[0].page_width) == (210,)


def test_control_characters_pasted_into_a_section_are_left_out_of_the_word_file():
    # Word's manual line break pastes as a vertical tab; XML 1.0 has no place for it (nor for
    # the other C0 controls), and writing it made the draft's download a server error.
    html = (
        '<!doctype html><html><head><link rel="stylesheet" href="reporting/document.css"></head>'
        '<body class="pdf"><article class="document"><p>Dòng một\x0bdòng hai\x0cba, thoát\x1b, lỗi\x01.</p>'
        "</article></body></html>"
    )
    document = Document(io.BytesIO(docx_from_html(html)))
    assert document.paragraphs[0].text == "Dòng mộtdòng hai ba, thoát, lỗi."  # a form feed is HTML whitespace
