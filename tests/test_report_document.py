"""The report document: HTML and PDF from the figures, the render_report command, the links.

The PDF is read back in Python (pypdf, tests/pdf_reading.py): its text, pages and embedded fonts.
"""

from __future__ import annotations

import datetime
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from fontTools.ttLib import TTFont

from khuyencong.core import formatting as fmt
from reporting.document import draft_figures, render_document
from reporting.models import Report
from reporting.narrative import lines, narrative_html
from reporting.pdf import STATIC_DIR, RefusedURL, StaticOnlyFetcher, html_to_pdf
from tests import factories as f
from tests import pdf_reading
from tests.report_expectations import REPORT_DATE

# Every test here, marked or not, reads the test database: a module-scoped data set is only
# created in it when the session holds a django_db test, and would otherwise go to the
# developer's own database (pytest -k picking one test).
pytestmark = pytest.mark.django_db

DRAFT_MARK = "DỰ THẢO"
_MARGIN_LINE = re.compile(rf"(\d+)?\s*({DRAFT_MARK}\s*)*")
FONTS = sorted((STATIC_DIR / "fonts").glob("LiberationSerif-*.ttf"))


def _pdf_text(path: Path) -> str:
    """The PDF's text without the page numbers and a draft's marks on every page ("DỰ THẢO" in
    the margin and across the page), whitespace collapsed, so that a figure broken over two
    lines or two pages still reads whole."""
    text = "\n".join(pdf_reading.page_texts(path))
    text = "\n".join(line for line in text.splitlines() if not _MARGIN_LINE.fullmatch(line.strip().lstrip("\f").strip()))
    text = " ".join(text.split())
    return re.sub(r"/ ", "/", text)


class _Text(HTMLParser):
    """The text a reader sees in the HTML (not the <head>)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("head", "style", "script"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("head", "style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _visible_text(document: str) -> str:
    parser = _Text()
    parser.feed(document)
    return "".join(parser.parts)


# --- Without the data set ----------------------------------------------------------------


def test_narrative_html_is_escaped_then_sanitised():
    out = narrative_html('<script>alert(1)</script>\n**đậm** <img src=x onerror="alert(2)">')
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "<strong>đậm</strong>" in out


def test_narrative_keeps_the_documents_own_numbering():
    out = narrative_html("1. Công tác chỉ đạo\n2.1. Xây dựng văn bản\n- Quyết định số 48/2019/QĐ-UBND")
    assert "<ol" not in out
    assert "<p>1. Công tác chỉ đạo</p>" in out and "<p>2.1. Xây dựng văn bản</p>" in out
    assert "<li>" in out


@pytest.mark.parametrize(
    "typed", ["### Mục tiêu năm 2026", "> Theo Quyết định số 48", "---", "`Ghi chú`", "[xem](http://vi-du.vn)", "Kết quả\n==="]
)
def test_narrative_text_that_markdown_would_take_for_markup_stays_as_typed(typed):
    """The document has no quotes, rules, code or links of its own making, and headings only
    as "# " and "## " (numbered: tests/test_narrative_outline.py): what the staff type with
    those characters is kept, characters included, in a paragraph."""
    out = narrative_html(typed)
    for line in typed.splitlines():
        assert f"<p>{html.escape(line, quote=False)}</p>" in out, out


def test_a_line_of_zero_width_characters_is_no_item_of_a_list():
    # Pasted into "Kính gửi", it printed an item "-" with nothing after it.
    assert lines("Bộ Công Thương;\n\u200b\n \ufeff\u200d \n\u200bUBND tỉnh Lâm Đồng.") == [
        "Bộ Công Thương;",
        "UBND tỉnh Lâm Đồng.",
    ]


@pytest.mark.django_db
def test_script_typed_in_a_narrative_is_shown_as_text():
    report = f.ReportFactory(
        section_texts={"limitations": "<script>alert(1)</script>", "part3": "<b>in đậm?</b>"}, year_from=2024, year_to=2024
    )
    figures = draft_figures(year_from=2024, year_to=2024, report_date=report.report_date)
    document = render_document(figures, report)
    assert "<script>" not in document and "<b>" not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert "<script>alert(1)</script>" in _visible_text(document)


@pytest.mark.django_db
def test_a_reversed_year_range_is_refused(tmp_path):
    out = tmp_path / "bc.pdf"
    with pytest.raises(CommandError, match="năm kết thúc"):
        call_command("render_report", "--from", "2025", "--to", "2021", "--format", "pdf", "--output", str(out))
    assert not out.exists()


@pytest.mark.django_db
def test_a_bad_date_is_refused(tmp_path):
    out = tmp_path / "bc.html"
    with pytest.raises(CommandError, match="Ngày báo cáo không hợp lệ"):
        call_command(
            "render_report",
            "--from",
            "2024",
            "--to",
            "2024",
            "--date",
            "15/03/2025",
            "--format",
            "html",
            "--output",
            str(out),
        )
    assert not out.exists()


@pytest.mark.django_db
def test_a_year_without_data_renders_zeros_and_says_so(tmp_path):
    out = tmp_path / "bc.html"
    call_command("render_report", "--from", "2030", "--to", "2030", "--format", "html", "--output", str(out))
    text = " ".join(_visible_text(out.read_text()).split())
    assert "Năm 2030 chưa có dữ liệu đề án khuyến công" in text
    # Nothing is counted as "00 đề án" or "0 triệu đồng" (until issue 11 it was).
    assert "00 " not in text and "0 triệu" not in text and "(0%)" not in text


def test_the_pdf_fetches_only_the_projects_static_files(tmp_path):
    fetcher = StaticOnlyFetcher()
    response = fetcher.fetch((STATIC_DIR / "fonts" / "LiberationSerif-Regular.ttf").as_uri())
    response.close()
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    for url in (
        "file:///etc/passwd",
        secret.as_uri(),
        (STATIC_DIR / ".." / "manage.py").as_uri(),
        "http://example.com/x.css",
        "https://169.254.169.254/latest/meta-data/",
        "data:text/css,body{}",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def test_a_pdf_with_a_foreign_image_still_renders_without_it():
    pdf = html_to_pdf('<p>Xin chào</p><img src="http://example.com/x.png"><img src="file:///etc/passwd">')
    assert pdf.startswith(b"%PDF")


def test_the_shipped_fonts_are_liberation_serif_with_their_licence():
    assert [p.name for p in FONTS] == [
        "LiberationSerif-Bold.ttf",
        "LiberationSerif-BoldItalic.ttf",
        "LiberationSerif-Italic.ttf",
        "LiberationSerif-Regular.ttf",
    ]
    assert "SIL Open Font License" in (STATIC_DIR / "fonts" / "LICENSE-LiberationSerif.txt").read_text()


# --- With the Lâm Đồng data set ----------------------------------------------------------


@pytest.fixture(scope="module")
def period_pdf(lam_dong, tmp_path_factory, django_db_blocker):
    out = tmp_path_factory.mktemp("bc") / "bao-cao-2021-2025.pdf"
    with django_db_blocker.unblock():
        call_command(
            "render_report",
            "--from",
            "2021",
            "--to",
            "2025",
            "--date",
            REPORT_DATE.isoformat(),
            "--format",
            "pdf",
            "--output",
            str(out),
        )
    return out


def _period_expectations(figures) -> list[str]:
    """F01–F30 as the PDF must print them. Literal strings are the spec's (report-figures.md);
    F16's and F23's counterpart, which the spec words "gần 50 tỷ", "gần 70 tỷ", are formatted
    from the figures."""
    return [
        "đã triển khai thực hiện 168 đề án, với tổng kinh phí là 30,501 tỷ đồng",  # F01, F02
        "khuyến công địa phương triển khai thực hiện 166 đề án, kinh phí là 29,901 tỷ đồng (chiếm tỷ lệ 98%",  # F03, F05
        "khuyến công quốc gia triển khai thực hiện 02 đề án, kinh phí là 600 triệu đồng (chiếm tỷ lệ 2%",  # F04, F05
        "02 mô hình trình diễn kỹ thuật cho 02 cơ sở với tổng kinh phí là 378 triệu đồng từ nguồn kinh phí "
        "khuyến công địa phương",  # F06
        "máy móc thiết bị tiên tiến cho 62 cơ sở với tổng kinh phí 5,943 tỷ đồng, trong đó khuyến công địa phương "
        "60 cơ sở, kinh phí là 5,343 tỷ đồng, khuyến công quốc gia hỗ trợ 02 cơ sở, kinh phí là 600 triệu đồng",  # F07
        "15 đợt hội nghị kết nối cung cầu tiêu thụ hàng hóa trong nước với kinh phí là 1,563 tỷ đồng",  # F08
        "Hỗ trợ cho 18 cơ sở xây dựng, đăng ký thương hiệu, nhãn hiệu, kinh phí là 450 triệu đồng",  # F09
        "220 sản phẩm của 138 cơ sở CNNT; kết quả có 186 sản phẩm được công nhận và cấp giấy chứng nhận SPCNNTTB cấp "
        "huyện, 57 sản phẩm được công nhận và cấp giấy chứng nhận SPCNNTTB cấp tỉnh, 24 sản phẩm được công nhận và "
        "cấp giấy chứng nhận SPCNNTTB cấp khu vực, 15 sản phẩm được công nhận và cấp giấy chứng nhận SPCNNTTB cấp "
        "quốc gia. Tổng kinh phí tổ chức bình chọn là 669 triệu đồng",  # F10
        "02 mô hình thí điểm áp dụng sản xuất sạch hơn cho 02 cơ sở, kinh phí 378 triệu đồng",  # F11
        "Tổ chức 01 lớp",  # F12
        "05 chương trình truyền hình, kinh phí 175 triệu đồng",  # F13
        "kinh phí là 523 triệu đồng",  # F14
        "thực hiện 02 đề án khuyến công quốc gia với tổng kinh phí 600 triệu đồng. Tuy nhiên, không có đề án khuyến "
        "công quốc gia điểm",  # F15
        "thực hiện được 36 đề án cho 35 cơ sở, với kinh phí hỗ trợ là 20,800 tỷ đồng và thu hút được "
        f"{fmt.money(figures.recoverable.counterpart)}",  # F16
        "Trong 35 cơ sở được hỗ trợ, có 32 cơ sở thực hiện việc hoàn trả kinh phí khuyến công đúng thời gian quy định "
        "theo hợp đồng, chiếm tỷ lệ 91%",  # F17
        "03 cơ sở vi phạm hợp đồng phải khởi kiện ra tòa, chiếm tỷ lệ 9%",  # F18
        "còn đang nợ chương trình khuyến công là 1,065 tỷ đồng, tăng 6,4 lần so với giai đoạn 2014-2020",  # F19, F20
        "64 đề án hỗ trợ trực tiếp cho 61 cơ sở sản xuất công nghiệp, với kinh phí của ngân sách là 6,321 tỷ đồng và "
        "thu hút được 16,759 tỷ đồng",  # F21
        "là 27,121 tỷ đồng; trong đó: Ngân sách địa phương là 26,521 tỷ đồng và ngân sách trung ương là 600 triệu đồng",  # F22
        f"đã thu hút được {fmt.money(figures.counterpart)} từ nguồn vốn của doanh nghiệp",  # F23
        "15 hội nghị kết nối cung cầu tiêu thụ sản phẩm trong nước, với 304 lượt doanh nghiệp tham gia, qua đó đã "
        "thu được 07 hợp đồng mua bán và 341 biên bản hợp tác",  # F24
        "Năm 2021 triển khai thực hiện hoàn thành 37/38 đề án với tổng kinh phí thực hiện 9,391 tỷ đồng/10,020 tỷ "
        "đồng (đạt 97,4% kế hoạch đề án và đạt 93,7% kinh phí). Trong đó, khuyến công địa phương thực hiện 36/37 đề "
        "án với kinh phí 9,091 tỷ đồng; khuyến công quốc gia thực hiện 1/1 đề án với kinh phí 300 triệu đồng.",  # F25
        "Năm 2022 triển khai thực hiện hoàn thành 35/35 đề án với tổng kinh phí thực hiện 8,987 tỷ đồng/8,990 tỷ đồng "
        "(đạt 100% kế hoạch đề án và đạt 99,9% kinh phí)",  # F26
        "Năm 2023 triển khai thực hiện hoàn thành 52/52 đề án với tổng kinh phí thực hiện 8,342 tỷ đồng/9,920 tỷ đồng "
        "(đạt 100% kế hoạch đề án và đạt 84,1% kinh phí). Trong đó, khuyến công địa phương thực hiện 51/51 đề án với "
        "kinh phí 8,042 tỷ đồng; khuyến công quốc gia thực hiện 1/1 đề án với kinh phí 300 triệu đồng.",  # F27
        "Năm 2024 triển khai thực hiện hoàn thành 15/22 đề án với tổng kinh phí thực hiện 1,836 tỷ đồng/5,014 tỷ đồng "
        "(đạt 68,2% kế hoạch đề án và đạt 36,6% kinh phí). Trong đó, khuyến công địa phương thực hiện 15/22 đề án "
        "với kinh phí 1.836.337.000 đồng; không có đề án khuyến công quốc gia.",  # F28 (the seed: "Khuyến công quốc gia 0 đề án")
        "Năm 2025 ước triển khai thực hiện 29/29 đề án với tổng kinh phí thực hiện 1,945 tỷ đồng/1,945 tỷ đồng (đạt "
        "100% kế hoạch đề án và đạt 100% kinh phí)",  # F29
        "Gồm: Công ty cổ phần Phú Lộc Sơn, Công ty TNHH Phan Quốc Đạt, Công ty TNHH Nam Ban Silk.",  # F30
    ]


@pytest.mark.django_db
def test_the_period_pdf_prints_every_figure(period_pdf):
    text = _pdf_text(period_pdf)
    figures = draft_figures(year_from=2021, year_to=2025, report_date=REPORT_DATE)
    missing = [expected for expected in _period_expectations(figures) if expected not in text]
    assert not missing


def test_the_pdf_embeds_only_liberation_serif(period_pdf):
    """The body's faces (from WeasyPrint) and the annexes' (from ReportLab, reporting/annex_pdf.py)
    are embedded apart, each subset under its own name: four faces of one family in all."""
    fonts = pdf_reading.fonts(period_pdf)
    faces = set()
    for name, embedded in fonts.items():
        face = re.fullmatch(r"[A-Z]{6}\+Liberation-?Serif(?:-(Bold))?(?:-?(Italic))?", name)
        assert face, name
        assert embedded, name
        faces.add(face.groups())
    assert len(faces) == 4, fonts  # regular, bold, italic, bold italic


def _body_pages(pdf: Path) -> int:
    """The number of pages before the annexes."""
    texts = pdf_reading.page_texts(pdf)
    return next((n for n, text in enumerate(texts) if "PHỤ LỤC I\n" in text or text.startswith("PHỤ LỤC")), len(texts))


def test_the_pdf_is_a4_with_page_numbers_from_page_two(period_pdf):
    sizes = pdf_reading.page_sizes(period_pdf)
    body = _body_pages(period_pdf)
    assert 2 <= body < len(sizes)
    assert {(round(w, 2), round(h, 2)) for w, h in sizes[:body]} == {(595.28, 841.89)}  # A4: 210 × 297 mm
    assert {(round(w, 2), round(h, 2)) for w, h in sizes[body:]} == {(595.28, 841.89), (841.89, 595.28)}
    # A draft: its mark stands in the top margin of every page, beside the page number.
    first = [
        line for line in pdf_reading.layout_text(period_pdf, 0).strip().splitlines() if line.strip() and DRAFT_MARK not in line
    ]
    second = pdf_reading.layout_text(period_pdf, 1).strip().splitlines()
    assert first[0].split()[0] == "UBND"
    assert second[0].split()[0] == "2" and DRAFT_MARK in second[0]


# Each footnote as the PDF's text reads: its call (the words before it and its number) and the
# start of its text at the foot of the page.
_FOOTNOTES = (
    (
        re.compile(r"(tổng kinh phí khuyến công\)|nguồn kinh phí khuyến công (địa phương|quốc gia))1\."),
        re.compile(r"Năm \d{4} (ước )?triển khai thực hiện"),
    ),
    (re.compile(r"chiếm tỷ lệ [\d,]+%2\."), re.compile(r"Gồm: Công ty")),
)
_NARRATIVE = (
    "Sở Công Thương đã tham mưu UBND tỉnh ban hành các văn bản chỉ đạo, hướng dẫn triển khai chương trình "
    "khuyến công trên địa bàn tỉnh, phối hợp với các sở ngành và địa phương thực hiện kiểm tra giám sát các đề "
    "án, kịp thời tháo gỡ khó khăn vướng mắc cho cơ sở công nghiệp nông thôn."
).split()


def _footnote_pages(pdf: Path) -> list[tuple[list[int], list[int]]]:
    """For each footnote the PDF calls: the pages (from 1) of its call and of its text."""
    pages = [" ".join(page.split()) for page in pdf_reading.page_texts(pdf)]
    found = [
        ([n for n, page in enumerate(pages, 1) if call.search(page)], [n for n, page in enumerate(pages, 1) if note.search(page)])
        for call, note in _FOOTNOTES
    ]
    return [(calls, notes) for calls, notes in found if calls or notes]


def test_each_footnote_is_at_the_foot_of_the_page_of_its_call(period_pdf):
    # The paragraph of footnote 2 and the next one fall across a page break here.
    pages = _footnote_pages(period_pdf)
    assert len(pages) == 2
    for calls, notes in pages:
        assert len(calls) == 1 and notes == calls, pages


def test_the_signature_never_stands_alone_on_the_last_page(period_pdf):
    """The demo report's signature does not fit under the closing sentence on page 4: the
    sentence goes to the last page with it."""
    last = " ".join(pdf_reading.page_texts(period_pdf)[_body_pages(period_pdf) - 1].split())
    assert "Nơi nhận:" in last and "Trên đây là báo cáo" in last


def test_the_annexes_follow_the_signature_each_numbered_on_its_own(period_pdf):
    """Phụ lục I–V after the report's last page; I, II and V (wide tables) on landscape pages;
    each annex's pages numbered from 1, with no number on its first page (NĐ 30/2020)."""
    texts = pdf_reading.page_texts(period_pdf)
    sizes = pdf_reading.page_sizes(period_pdf)
    starts = {}
    for number in ("I", "II", "III", "IV", "V"):
        # A draft's watermark, under the text, is drawn first: the annex's text follows it.
        starts[number] = next(
            n for n, text in enumerate(texts) if text.removeprefix(DRAFT_MARK).lstrip().startswith(f"PHỤ LỤC {number}\n")
        )
    assert list(starts.values()) == sorted(starts.values()) and starts["I"] == _body_pages(period_pdf)
    for number, landscape in (("I", True), ("II", True), ("III", False), ("IV", False), ("V", True)):
        width, height = sizes[starts[number]]
        assert (width > height) == landscape, number
        assert "Kèm theo Báo cáo số" in texts[starts[number]]
    # A draft: its mark stands in the top margin of every page of the annexes too.
    top = pdf_reading.layout_text(period_pdf, starts["I"] + 1).strip().splitlines()[0]
    assert top.split()[0] == "2" and DRAFT_MARK in top
    first = pdf_reading.layout_text(period_pdf, starts["I"]).strip().splitlines()[0]
    assert DRAFT_MARK in first and not any(word.isdigit() for word in first.split())  # no number on the first page
    assert "Tổng cộng: 176 đề án, 168 hoàn thành" in " ".join(" ".join(texts[starts["I"] : starts["II"]]).split())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("year_from", "year_to", "preamble_words", "footnotes"),
    [
        (2024, 2024, 0, 1),  # the call on page 1, its paragraph near the foot
        (2021, 2025, 669, 2),  # a long preamble: a heading at the foot of footnote 1's page
    ],
)
def test_footnotes_stay_with_their_calls_wherever_the_page_breaks(
    lam_dong, tmp_path, year_from, year_to, preamble_words, footnotes
):
    figures = draft_figures(year_from=year_from, year_to=year_to, report_date=REPORT_DATE)
    preamble = " ".join((_NARRATIVE * (preamble_words // len(_NARRATIVE) + 1))[:preamble_words])
    report = Report(year_from=year_from, year_to=year_to, report_date=REPORT_DATE, section_texts={"preamble": preamble})
    out = tmp_path / "bc.pdf"
    out.write_bytes(html_to_pdf(render_document(figures, report, links=False, pdf=True)))
    pages = _footnote_pages(out)
    assert len(pages) == footnotes
    for calls, notes in pages:
        assert len(calls) == 1 and notes == calls, pages


@pytest.mark.django_db
def test_every_character_of_the_document_is_in_the_embedded_font(lam_dong):
    figures = draft_figures(year_from=2021, year_to=2025, report_date=REPORT_DATE)
    report = f.ReportFactory(
        year_from=2021,
        year_to=2025,
        section_texts={"limitations": "Tỷ lệ giải ngân giảm; ưu tiên “chuyển đổi số”… ẮẰẲẴẶ ỀỂỄỆ ỠỢ ỮỰ ỲỴỶỸ đĐ"},
    )
    text = _visible_text(render_document(figures, report, links=False, pdf=True))
    characters = {c for c in text if not c.isspace()}
    for path in FONTS:
        cmap = TTFont(path)["cmap"].getBestCmap()
        missing = sorted(c for c in characters if ord(c) not in cmap)
        assert not missing, (path.name, missing)


@pytest.mark.django_db
def test_the_annual_report_2024_prints_the_2024_figures(lam_dong):
    figures = draft_figures(year_from=2024, year_to=2024, report_date=REPORT_DATE)
    text = " ".join(_visible_text(render_document(figures, links=False)).split())
    assert "Tình hình thực hiện Chương trình khuyến công năm 2024" in text
    assert "Cụ thể, trong năm đã triển khai thực hiện 15 đề án, với tổng kinh phí là 1,836 tỷ đồng" in text
    assert "Năm 2024 triển khai thực hiện hoàn thành 15/22 đề án" in text
    assert "1.836.337.000 đồng" in text
    assert "Năm 2021" not in text


@pytest.mark.django_db
def test_on_screen_each_figure_links_to_its_records(lam_dong, client):
    user = f.UserFactory()
    client.force_login(user)
    response = client.get(
        reverse("reporting:draft-document", kwargs={"year_from": 2021, "year_to": 2025}), {"ngay": "2025-03-15"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    url = reverse(
        "reporting:figure-records",
        kwargs={"figure": "F18", "year_from": 2021, "year_to": 2025, "report_date": "2025-03-15"},
    )
    assert f'<a class="figure" href="{url}"' in page
    records = client.get(url)
    assert records.status_code == 200
    assert "Công ty TNHH Nam Ban Silk" in records.content.decode()


@pytest.mark.django_db
def test_figure_records_need_a_signed_in_user(lam_dong, client):
    url = reverse(
        "reporting:figure-records",
        kwargs={"figure": "F01", "year_from": 2021, "year_to": 2025, "report_date": "2025-03-15"},
    )
    assert client.get(url).status_code == 302
    client.force_login(f.UserFactory())
    assert client.get(url.replace("F01", "F99")).status_code == 404
    assert client.post(url).status_code == 405


def test_html_escape_helper_sanity():
    # The helper that reads the document's text unescapes entities, as a browser shows them.
    assert _visible_text("<p>&lt;b&gt;</p>") == html.unescape("&lt;b&gt;")


def test_date_default_is_today(tmp_path, db):
    out = tmp_path / "bc.html"
    call_command("render_report", "--from", "2030", "--to", "2030", "--format", "html", "--output", str(out))
    assert fmt.date_long(datetime.date.today()) in out.read_text()
