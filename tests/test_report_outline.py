"""The report as the Department sends it (issue 11, parts 1–3): the seed's outline, sentences
that read right on the demo data, the frame of an official document, the edit screen with its
preview, and the migration of the seven old text boxes."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from khuyencong.core import formatting as fmt
from khuyencong.core import roles
from reporting import outline, sentences, services
from reporting.document import draft_figures, render_document
from reporting.drilldown import figure_page
from reporting.models import Report
from tests import factories as f
from tests.report_expectations import REPORT_DATE
from tests.test_report_document import _visible_text

pytestmark = pytest.mark.django_db

LATE_DATE = datetime.date(2026, 11, 30)
_ZERO = re.compile(r"(?<![\d.,/])00 |\(0%\)|(?<![\d.,/])0 (triệu|tỷ|đề án|cơ sở)")


def _text(figures, report=None) -> str:
    return " ".join(_visible_text(render_document(figures, report, links=False, pdf=True)).split())


def user_in(role: str, username: str):
    user = f.UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def department(db):
    return user_in(roles.DEPARTMENT, "chuyenvien")


# --- On the demo data --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year_from", "year_to", "date"), [(2024, 2024, REPORT_DATE), (2021, 2025, LATE_DATE), (2021, 2025, REPORT_DATE)]
)
def test_the_demo_reports_read_correctly(lam_dong, year_from, year_to, date):
    figures = draft_figures(year_from=year_from, year_to=year_to, report_date=date)
    text = _text(figures)
    assert not _ZERO.search(text), _ZERO.search(text)
    assert "Tuy nhiên, không có đề án điểm" not in text
    if not figures.national.count:
        assert "Tuy nhiên" not in text and "không có đề án khuyến công quốc gia." in text
    # Every facility of F17's base is in the repayment sentence, once, and the shares add up.
    rep = figures.repayment
    sentence = text.split("cơ sở được hỗ trợ", 1)[1].split(". ", 1)[0]
    counts = [(name, count) for name, count in sentences.standing_counts(figures) if count]
    assert sum(count for _, count in counts) == rep.facilities
    if len(counts) > 1:
        found = re.findall(r"(\d+) cơ sở [^;]*?, chiếm tỷ lệ (\d+)%", sentence)
        assert [int(c) for c, _ in found] == [count for _, count in counts]
        assert sum(int(share) for _, share in found) == 100


def test_at_30_11_2026_the_period_report_accounts_for_all_35_facilities(lam_dong):
    figures = draft_figures(year_from=2021, year_to=2025, report_date=LATE_DATE)
    text = _text(figures)
    counts = dict(sentences.standing_counts(figures))
    assert sum(counts.values()) == figures.repayment.facilities == 35
    shares = fmt.shares([count for count in counts.values() if count])
    phrase = "; ".join(
        f"{fmt.count(count)} cơ sở {sentences._STANDING_WORDS[name]}, chiếm tỷ lệ {share}"
        for (name, count), share in zip([(n, c) for n, c in counts.items() if c], shares, strict=True)
    )
    assert f"Trong 35 cơ sở được hỗ trợ, có {phrase}" in text


def test_the_period_report_prints_the_seeds_outline(lam_dong):
    figures = draft_figures(year_from=2021, year_to=2025, report_date=REPORT_DATE)
    text = _text(figures)
    headings = [
        "PHẦN I",
        "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH THỰC HIỆN",
        "II. KẾT QUẢ THỰC HIỆN CHƯƠNG TRÌNH",
        "1. Kết quả thực hiện",
        "1.1. Hỗ trợ xây dựng mô hình trình diễn kỹ thuật",
        "1.6. Nâng cao năng lực",
        "2. Đề án khuyến công quốc gia điểm (nếu có)",
        "3. Kết quả huy động các nguồn lực thực hiện",
        "4. Tồn tại, hạn chế",
        "5. Nguyên nhân",
        "PHẦN II",
        "GIẢI PHÁP THỰC HIỆN CHƯƠNG TRÌNH GIAI ĐOẠN 2026-2030, ĐỊNH HƯỚNG ĐẾN NĂM 2045",
        "PHẦN III",
        "ĐỀ XUẤT, KIẾN NGHỊ",
    ]
    positions = [text.find(h) for h in headings]
    assert -1 not in positions, [h for h, p in zip(headings, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    # Lines 1.3 and 1.4 as strong as the seed's, from the figures.
    assert "Tổ chức 01 lớp bồi dưỡng nghiệp vụ khuyến công cho cán bộ khuyến công và doanh nghiệp" in text
    assert "xúc tiến thương mại (15 hội nghị kết nối cung cầu, 1,563 tỷ đồng)" in text


def test_an_annual_report_proposes_for_the_next_year(lam_dong):
    text = _text(draft_figures(year_from=2024, year_to=2024, report_date=REPORT_DATE))
    assert "THỰC HIỆN CHƯƠNG TRÌNH NĂM 2025" in text and "ĐỊNH HƯỚNG" not in text


# --- The stored narrative ------------------------------------------------------------------------


def test_sections_hidden_paragraphs_and_added_text(lam_dong):
    figures = draft_figures(year_from=2021, year_to=2025, report_date=REPORT_DATE)
    report = f.ReportFactory(
        year_from=2021,
        year_to=2025,
        section_texts={
            "policies": "# Xây dựng văn bản quy phạm\n- Quyết định số 48/2019/QĐ-UBND\n## Kế hoạch\nNội dung *nghiêng*.",
            "causes": "# Nguyên nhân khách quan\nDịch bệnh.\n# Nguyên nhân chủ quan\nThiếu cán bộ.",
            "part3": "# Kính đề nghị Chính phủ:\nSớm ban hành Nghị định.",
            "p2_objectives": "# Mục tiêu tổng quát\nHỗ trợ.",
        },
        paragraph_settings={
            "key.national": {"hidden": True, "after": ""},
            "results.linkage": {"hidden": False, "after": "Chuỗi liên kết tập trung vào chế biến nông sản."},
        },
    )
    html = render_document(figures, report, links=False, pdf=True)
    text = " ".join(_visible_text(html).split())
    assert "<h5>2.1. Xây dựng văn bản quy phạm</h5>" in html and "<h5>a) Kế hoạch</h5>" in html
    assert "<li>Quyết định số 48/2019/QĐ-UBND</li>" in html and "<em>nghiêng</em>" in html
    assert "<h5>a) Nguyên nhân khách quan</h5>" in html and "<h5>b) Nguyên nhân chủ quan</h5>" in html
    assert "<h4>1. Kính đề nghị Chính phủ:</h4>" in html
    # Part II: only its written Roman section prints, numbered I.; the headings under it 1.
    assert "<h3>I. MỤC TIÊU CỦA CHƯƠNG TRÌNH</h3>" in html and "<h4>1. Mục tiêu tổng quát</h4>" in html
    assert "QUAN ĐIỂM, CĂN CỨ" not in html
    # Hidden, and its section then has nothing: a placeholder the issue checks find.
    assert "Tuy nhiên, không có đề án khuyến công quốc gia điểm" not in text
    assert 'class="placeholder" data-section="key_projects"' in html
    assert "hỗ trợ tiêu thụ sản phẩm của các cụm, chuỗi liên kết. Chuỗi liên kết tập trung vào chế biến nông sản." in text
    # The sections still to write, and only those, are placeholders.
    placeholders = set(re.findall(r'class="placeholder" data-section="([a-z0-9_]+)"', html))
    assert placeholders == {"directives", "coordination", "limitations", "key_projects"}


def test_the_stored_narrative_names_only_the_outline():
    report = f.ReportFactory.build(section_texts={"nowhere": "x"}, paragraph_settings={"results.nothing": {"hidden": True}})
    with pytest.raises(ValidationError) as error:
        report.clean()
    assert "nowhere" in str(error.value) and "results.nothing" in str(error.value)
    with pytest.raises(ValidationError):
        f.ReportFactory.build(section_texts={"causes": 5}).clean()


def test_every_generated_paragraph_has_its_place_in_the_outline(lam_dong):
    figures = draft_figures(year_from=2021, year_to=2025, report_date=REPORT_DATE)
    keys = outline.paragraph_keys()
    placed = {s.slug: {k for k, _ in s.paragraphs} for s in outline.walk()}
    for slug, paragraphs in sentences.generated(figures, "Lâm Đồng").items():
        assert {p.key for p in paragraphs} <= placed[slug] <= set(keys)


# --- The frame ---------------------------------------------------------------------------------


def test_the_number_prints_without_gaps_and_blank_on_a_draft(lam_dong):
    figures = draft_figures(year_from=2024, year_to=2024, report_date=REPORT_DATE)
    issued = f.ReportFactory.build(number="412/BC-SCT", status=Report.Status.ISSUED, year_from=2024, year_to=2024)
    html = render_document(figures, issued, links=False, pdf=True)
    assert '<div class="doc-number">Số: 412/BC-SCT</div>' in html
    assert "draft-mark" not in html and "DỰ THẢO" not in html
    draft = render_document(figures, f.ReportFactory.build(year_from=2024, year_to=2024), links=False, pdf=True)
    assert re.search(r'Số:<span class="number-blank">(&nbsp;)+</span>/BC-SCT', draft)
    assert draft.count('class="draft-mark') == 2 and "DỰ THẢO" in draft  # the watermark and the line


def test_the_signer_block_and_the_lists_are_the_reports(lam_dong):
    figures = draft_figures(year_from=2024, year_to=2024, report_date=REPORT_DATE)
    report = f.ReportFactory.build(
        year_from=2024,
        year_to=2024,
        signer_authority="KT. Giám đốc",
        signer_title="Phó Giám đốc",
        signer_name="Nguyễn Văn An",
        addressees="Bộ Công Thương;\nUBND tỉnh Lâm Đồng.",
        recipients="Như trên;\nCục Công Thương địa phương;\nLưu: VT.",
    )
    html = render_document(figures, report, links=False, pdf=True)
    assert re.search(
        r'<div class="signer-authority">KT. GIÁM ĐỐC</div>\s*<div class="signer-title">PHÓ GIÁM ĐỐC</div>'
        r'\s*<div class="signer-space"></div>\s*<div class="signer-name">NGUYỄN VĂN AN</div>',
        html,
    )
    assert "<li>- Cục Công Thương địa phương;</li>" in html and "<li>UBND tỉnh Lâm Đồng.</li>" in html


def test_a_new_report_takes_the_organisations_signer(department, settings):
    settings.ORGANISATION = {
        **settings.ORGANISATION,
        "signer_authority": "KT. GIÁM ĐỐC",
        "signer_title": "PHÓ GIÁM ĐỐC",
        "signer_name": "Trần Thị B",
    }
    report = services.create_report(by=department, year_from=2024, year_to=2024, report_date=REPORT_DATE)
    assert (report.signer_authority, report.signer_title, report.signer_name) == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Trần Thị B")
    assert report.recipients.splitlines()[0] == "Như trên;"


# --- The edit screen -----------------------------------------------------------------------------


def _form_data(**extra) -> dict:
    return {"kind": "annual", "year_from": 2024, "year_to": 2024, "report_date": "15/03/2025", "place": "Lâm Đồng"} | extra


def test_the_edit_screen_stores_sections_and_paragraph_settings(department, client):
    report = services.create_report(by=department, year_from=2024, year_to=2024, report_date=REPORT_DATE)
    client.force_login(department)
    edit = reverse("reporting:report-edit", args=[report.pk])
    page = client.get(edit).content.decode()
    assert 'name="text_directives"' in page and 'name="hide_key__national"' in page and 'name="after_results__linkage"' in page
    assert "reporting/narrative-preview.js" in page and "<script>" not in page
    data = _form_data(
        text_causes="# Khách quan\nDịch bệnh.",
        hide_key__national="on",
        after_results__linkage="Thêm.",
        signer_authority="KT. GIÁM ĐỐC",
        signer_title="PHÓ GIÁM ĐỐC",
    )
    assert client.post(edit, data).status_code == 302
    report.refresh_from_db()
    assert report.section_texts == {"causes": "# Khách quan\nDịch bệnh."}
    assert report.paragraph_settings == {
        "key.national": {"hidden": True, "after": ""},
        "results.linkage": {"hidden": False, "after": "Thêm."},
    }
    assert report.signer_authority == "KT. GIÁM ĐỐC"
    # Kept in history with who changed it.
    last = report.history.first()
    assert last.history_user == department and last.section_texts == report.section_texts
    # The form shows what is stored.
    page = client.get(edit).content.decode()
    assert "# Khách quan" in page and re.search(r'name="hide_key__national"[^>]*checked', page)


def test_the_preview_renders_what_the_document_prints(department, client):
    report = services.create_report(by=department, year_from=2024, year_to=2024, report_date=REPORT_DATE)
    url = reverse("reporting:narrative-preview", args=[report.pk])
    assert client.post(url, {"section": "causes", "text": "x"}).status_code == 302  # anonymous: to the login
    client.force_login(user_in(roles.VIEWER, "xem"))
    assert client.post(url, {"section": "causes", "text": "x"}).status_code == 403
    client.force_login(department)
    assert client.get(url).status_code == 405
    assert client.post(url, {"section": "nowhere", "text": "x"}).status_code == 400
    assert client.post(reverse("reporting:narrative-preview", args=[999_999]), {"section": "causes"}).status_code == 404
    response = client.post(url, {"section": "directives", "text": "# Quán triệt\n<script>x()</script> **đậm**"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith("<h5>1.1. Quán triệt</h5>")
    assert "&lt;script&gt;" in html and "<script" not in html and "<strong>đậm</strong>" in html


def test_the_draft_document_view_query_count_does_not_grow_with_the_narrative(lam_dong, department, client):
    """The outline's texts are fields of the report row: writing every section adds no query
    (on the demo data, whose previous programme the figures read too)."""
    report = services.create_report(by=department, year_from=2024, year_to=2024, report_date=REPORT_DATE)
    client.force_login(department)
    url = reverse("reporting:report-document", args=[report.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len([q for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))])

    empty = count()
    services.update_report(
        report=report,
        by=department,
        section_texts={slug: f"# Mục\nNội dung {slug}." for slug in outline.text_slugs()},
        paragraph_settings={key: {"hidden": False, "after": "Thêm."} for key in outline.paragraph_keys()},
    )
    assert count() == empty == DOCUMENT_VIEW_QUERIES


# Session, user and roles, the report, the figures' fixed queries (reporting/figures.py: the
# đề án added up by group and their distinct facilities, the listed đề án; the nominations'
# totals, levels and list; whether the debt summaries hold on the report's date, for the period
# and the previous programme), the activity groups' names for the headings: as many
# with every section written as with none.
DOCUMENT_VIEW_QUERIES = 33  # + the results after support (none here) and their provinces' lineage


# --- The migration of the seven text boxes -----------------------------------------------------

MIGRATION_CHECK = """
import django
django.setup()
import datetime
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

before = [("reporting", "0004_report_number_unique_per_year")]
executor = MigrationExecutor(connection)
executor.migrate(before)
old = executor.loader.project_state(before).apps
province = old.get_model("projects", "AdministrativeUnit").objects.get(code="68")
Report = old.get_model("reporting", "Report")
report = Report.objects.create(
    province=province, year_from=2021, year_to=2025, report_date=datetime.date(2025, 3, 15),
    preamble="Thực hiện Văn bản số 1463.", directives="Chỉ đạo.", coordination="Phối hợp.", limitations="Hạn chế.",
    causes="", proposals="Mục tiêu 2026-2030.", recommendations="Kiến nghị.",
)
old.get_model("reporting", "HistoricalReport").objects.create(
    id=report.pk, province=province, year_from=2021, year_to=2025, report_date=datetime.date(2025, 3, 15),
    directives="Bản cũ.", history_date=datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC), history_type="+",
    kind="period", status="draft", created_at=datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC),
)

executor = MigrationExecutor(connection)
executor.migrate(executor.loader.graph.leaf_nodes())
from reporting.models import Report
moved = Report.objects.get(pk=report.pk)
assert moved.section_texts == {
    "preamble": "Thực hiện Văn bản số 1463.", "directives": "Chỉ đạo.", "coordination": "Phối hợp.",
    "limitations": "Hạn chế.", "part2": "Mục tiêu 2026-2030.", "part3": "Kiến nghị.",
}, moved.section_texts
assert moved.history.earliest().section_texts == {"directives": "Bản cũ."}

executor = MigrationExecutor(connection)
executor.migrate(before)
back = executor.loader.project_state(before).apps.get_model("reporting", "Report").objects.get(pk=report.pk)
assert (back.preamble, back.directives, back.proposals, back.recommendations, back.causes) == (
    "Thực hiện Văn bản số 1463.", "Chỉ đạo.", "Mục tiêu 2026-2030.", "Kiến nghị.", ""
)
print("carried")
"""


def test_the_seven_text_boxes_are_carried_into_the_outline_and_back(tmp_path):
    """On a throwaway SQLite file, in a process of its own (as tests/test_migrations.py does)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'before.sqlite3'}", "SECRET_KEY": "test"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "khuyencong.settings")
    done = subprocess.run(
        [sys.executable, "-c", MIGRATION_CHECK],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("carried"), done.stderr[-3000:]


def test_part_two_written_whole_in_its_own_box_takes_roman_headings(lam_dong):
    figures = draft_figures(year_from=2021, year_to=2025, report_date=REPORT_DATE)
    report = f.ReportFactory.build(
        year_from=2021, year_to=2025, section_texts={"part2": "# QUAN ĐIỂM\n## Quan điểm\nBám sát.\n# MỤC TIÊU\nHỗ trợ."}
    )
    html = render_document(figures, report, links=False, pdf=True)
    assert "<h3>I. QUAN ĐIỂM</h3><h4>1. Quan điểm</h4><p>Bám sát.</p><h3>II. MỤC TIÊU</h3>" in html
    assert 'data-section="part2"' not in html


def test_each_standing_links_to_its_own_facilities(lam_dong, client, department):
    client.force_login(department)
    response = client.get(
        reverse("reporting:draft-document", kwargs={"year_from": 2021, "year_to": 2025}), {"ngay": LATE_DATE.isoformat()}
    )
    page = response.content.decode()
    figures = draft_figures(year_from=2021, year_to=2025, report_date=LATE_DATE)
    for name, count in sentences.standing_counts(figures):
        if not count:
            continue
        figure = "F18" if name == "sued" else f"F17-{name}"
        url = reverse(
            "reporting:figure-records",
            kwargs={"figure": figure, "year_from": 2021, "year_to": 2025, "report_date": LATE_DATE.isoformat()},
        )
        title = f"Xem các bản ghi: {figure_page(figure).title}"
        assert f'<a class="figure" href="{url}" title="{title}">{fmt.count(count)}</a>' in page
        assert client.get(url).context["page"]["totals"]["facilities"] == count


def test_the_edit_screen_query_count_does_not_grow_with_the_narrative(lam_dong, department, client):
    report = services.create_report(by=department, year_from=2021, year_to=2025, report_date=REPORT_DATE)
    client.force_login(department)
    url = reverse("reporting:report-edit", args=[report.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len([q for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))])

    empty = count()
    services.update_report(
        report=report,
        by=department,
        section_texts={slug: "Nội dung." for slug in outline.text_slugs()},
        paragraph_settings={key: {"hidden": True, "after": "Thêm."} for key in outline.paragraph_keys()},
    )
    assert count() == empty == EDIT_VIEW_QUERIES


# Session, user and roles, the report (and what it replaces, and its province, joined), the
# figures' fixed queries for the paragraphs shown beside their switches, the page's own (menu,
# messages).
EDIT_VIEW_QUERIES = 33  # + the results after support (none here) and their provinces' lineage
