"""Reports as records: create, edit, issue (frozen figures and files), replace, download, the
Excel annexes, and who may do what."""

from __future__ import annotations

import datetime
import hashlib
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from khuyencong.core import roles
from projects.models import FundingLevel, Project, SupportForm
from reporting import checks, outline, services
from reporting.annexes import annex_workbook, rate_value
from reporting.document import draft_figures
from reporting.drilldown import SNAPSHOT_KEY, drilldown_rows
from reporting.models import Report, ReportSnapshot
from tests import factories as f

DONE = Project.Status.COMPLETED
REPORT_DATE = datetime.date(2025, 3, 15)
HYPERLINK = '=HYPERLINK("http://x")'


@pytest.fixture
def year_2024(db):
    """2024: one machinery đề án done with 300 triệu paid out, one recoverable contract."""
    program = f.ProgramFactory(funding_level=f.funding_level(FundingLevel.LOCAL), first_year=2021, last_year=2025)
    plan = f.AnnualPlanFactory(program=program, year=2024)
    facility = f.FacilityFactory(name="Công ty TNHH Chè Cầu Đất")
    project = f.ProjectFactory(
        plan=plan, code="M1", status=DONE, facilities=[facility], planned_budget=400_000_000, approved_budget=400_000_000
    )
    f.DisbursementFactory(project=project, amount=300_000_000, funding_source=None)
    loan_facility = f.FacilityFactory(name=HYPERLINK)
    loan = f.ProjectFactory(plan=plan, code="R1", status=DONE, support_form=SupportForm.RECOVERABLE, facilities=[loan_facility])
    f.DisbursementFactory(project=loan, amount=200_000_000, funding_source=None)
    contract = f.LoanContractFactory(project=loan, facility=loan_facility, principal=200_000_000)
    f.InstalmentFactory(contract=contract, number=1, due_date=datetime.date(2024, 6, 15), principal_due=50_000_000)
    f.RepaymentFactory(contract=contract, date=datetime.date(2024, 6, 10), amount=50_000_000)
    return {"plan": plan, "project": project, "contract": contract, "facility": loan_facility}


def user_in(role: str, username: str):
    user = f.UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def department(db):
    return user_in(roles.DEPARTMENT, "chuyenvien")


def _draft(by, **fields) -> Report:
    texts = f.NARRATIVE_TEXTS | {slug: fields.pop(slug) for slug in list(fields) if slug in outline.text_slugs()}
    values = (
        {"year_from": 2024, "year_to": 2024, "report_date": REPORT_DATE, "signer_name": "Nguyễn Văn An"}
        | {"section_texts": texts}
        | fields
    )
    return services.create_report(by=by, **values)


def _issued(by, number="125", **fields) -> Report:
    return services.issue_report(report=_draft(by, **fields), number=number, by=by)


def _bytes(value) -> bytes:
    return bytes(value) if isinstance(value, memoryview) else value


# --- Issuing freezes the report ------------------------------------------------------------


def test_issuing_stores_the_figures_and_the_three_files(year_2024, department):
    report = _issued(department)

    report.refresh_from_db()
    assert (report.status, report.number, report.issued_by) == (Report.Status.ISSUED, "125/BC-SCT", department)
    assert report.issued_at is not None
    snapshot = ReportSnapshot.objects.get(report=report)
    assert snapshot.figures["done"] == {"count": 2, "money": 500_000_000}
    assert snapshot.figures["report_date"] == "2025-03-15"
    assert [c["facility"] for c in snapshot.figures["contracts"]] == [HYPERLINK]
    assert _bytes(snapshot.pdf).startswith(b"%PDF")
    assert snapshot.pdf_sha256 == hashlib.sha256(_bytes(snapshot.pdf)).hexdigest()
    assert load_workbook(io.BytesIO(_bytes(snapshot.xlsx))).sheetnames == [
        "Phụ lục I", "Phụ lục II", "Phụ lục III", "Phụ lục IV", "Phụ lục V",
    ]  # fmt: skip
    assert "125" in snapshot.html and "500 triệu đồng" in snapshot.html
    assert "Dự thảo" not in snapshot.html  # issued: no draft banner
    # Its figures link to the records kept at issue, never to today's (tests/test_report_drilldown_issued.py).
    links = re.findall(r'<a class="figure" href="([^"]*)"', snapshot.html)
    assert links and all(link.startswith(f"/bao-cao/{report.pk}/so-lieu/") for link in links)
    assert report.history.first().history_user == department


def test_an_issued_report_never_changes_when_the_data_does(year_2024, department, client):
    report = _issued(department)
    client.force_login(department)
    before = {
        fmt: client.get(reverse("reporting:report-download", args=[report.pk, fmt])).content for fmt in ("html", "pdf", "xlsx")
    }
    page_before = client.get(reverse("reporting:report-document", args=[report.pk])).content
    figures_before = ReportSnapshot.objects.get(report=report).figures

    f.DisbursementFactory(project=year_2024["project"], amount=150_000_000, funding_source=None)  # 300 → 450 triệu

    after = {
        fmt: client.get(reverse("reporting:report-download", args=[report.pk, fmt])).content for fmt in ("html", "pdf", "xlsx")
    }
    assert after == before
    assert client.get(reverse("reporting:report-document", args=[report.pk])).content == page_before
    assert ReportSnapshot.objects.get(report=report).figures == figures_before
    assert "650 triệu đồng" not in page_before.decode()
    # A new draft of the same year shows the new figure.
    draft = _draft(department)
    preview = client.get(reverse("reporting:report-document", args=[draft.pk])).content.decode()
    assert "650 triệu đồng" in preview and 'class="draft-mark' in preview and "DỰ THẢO" in preview
    assert 'class="draft-mark' not in page_before.decode()
    assert draft_figures(year_from=2024, year_to=2024, report_date=REPORT_DATE).done.money == 650_000_000


def test_the_stored_figures_are_those_computed_at_issue(year_2024, department):
    report = _issued(department)
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    figures = draft_figures(year_from=2024, year_to=2024, report_date=REPORT_DATE)
    stored = ReportSnapshot.objects.get(report=report).figures
    assert stored.pop(SNAPSHOT_KEY) == drilldown_rows(figures)  # the drill-down pages, kept beside them
    assert stored == json.loads(json.dumps(services.figures_json(figures), cls=DjangoJSONEncoder))


def test_issuing_twice_is_refused_and_changes_nothing(year_2024, department, client):
    report = _issued(department)
    snapshot = ReportSnapshot.objects.get(report=report)
    with pytest.raises(ValidationError, match="đã được ban hành"):
        services.issue_report(report=report, number="126", by=department)

    client.force_login(department)
    response = client.post(reverse("reporting:report-issue", args=[report.pk]), {"number": "126", "date": "15/03/2025"})
    assert response.status_code == 302
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert any("đã được ban hành" in m for m in messages)
    report.refresh_from_db()
    assert report.number == "125/BC-SCT"
    assert ReportSnapshot.objects.get(report=report).pdf_sha256 == snapshot.pdf_sha256


def test_a_number_already_used_that_year_is_refused(year_2024, department):
    _issued(department, number="125")
    other = _draft(department)
    with pytest.raises(ValidationError, match="Số báo cáo 125/BC-SCT đã dùng cho báo cáo ban hành ngày 15/03/2025"):
        services.issue_report(report=other, number="125/BC-SCT", by=department)
    other.refresh_from_db()
    assert other.status == Report.Status.DRAFT and not ReportSnapshot.objects.filter(report=other).exists()


@pytest.mark.parametrize("number", ["", "abc", "12/QĐ-UBND", "-5", "0", "000/BC-SCT"])
def test_a_malformed_number_is_refused(number):
    with pytest.raises(ValidationError, match="BC-SCT"):
        services.normalise_number(number)


def test_a_number_is_written_as_the_documents_do():
    assert services.normalise_number(" 125 / bc-sct ") == "125/BC-SCT"
    assert services.normalise_number("07") == "7/BC-SCT"


def test_a_date_before_the_reports_last_year_is_refused(year_2024, department):
    # A report on 2024 dated 2001 went through: the form and the service only refused the future.
    report = _draft(department)
    with pytest.raises(ValidationError, match="không được trước năm 2024"):
        services.issue_report(report=report, number="125", by=department, date=datetime.date(2023, 12, 31))
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT and report.report_date == REPORT_DATE


def test_a_failure_while_issuing_leaves_a_draft(year_2024, department, monkeypatch):
    report = _draft(department)

    def broken(figures, **options):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "annex_workbook", broken)
    with pytest.raises(RuntimeError):
        services.issue_report(report=report, number="125", by=department)
    report.refresh_from_db()
    assert (report.status, report.number, report.issued_at) == (Report.Status.DRAFT, "", None)
    assert not ReportSnapshot.objects.exists()


def test_editing_an_issued_report_is_refused_and_changes_nothing(year_2024, department, client):
    report = _issued(department, directives="Chỉ đạo ban đầu.")
    with pytest.raises(ValidationError, match="đã ban hành"):
        services.update_report(report=report, by=department, section_texts={"directives": "Sửa sau khi ban hành."})

    client.force_login(department)
    response = client.post(
        reverse("reporting:report-edit", args=[report.pk]),
        {"kind": "annual", "year_from": 2024, "year_to": 2024, "report_date": "15/03/2025", "text_directives": "Sửa lén."},
    )
    assert response.status_code == 302
    assert any("không thể sửa" in str(m) for m in client.get(response["Location"]).context["messages"])
    report.refresh_from_db()
    assert report.section_texts == f.NARRATIVE_TEXTS | {"directives": "Chỉ đạo ban đầu."}
    assert client.get(reverse("reporting:report-edit", args=[report.pk])).status_code == 302


def test_a_replacement_chain_stays_readable(year_2024, department, client):
    old = _issued(department, number="125")
    client.force_login(department)
    response = client.post(reverse("reporting:report-replace", args=[old.pk]))
    new = Report.objects.get(replaces=old)
    assert response["Location"] == reverse("reporting:report-edit", args=[new.pk])
    assert (new.status, new.signer_name, new.year_from) == (Report.Status.DRAFT, "Nguyễn Văn An", 2024)
    with pytest.raises(ValidationError, match="đã có báo cáo thay thế"):
        services.create_replacement(report=old, by=department)

    f.DisbursementFactory(project=year_2024["project"], amount=100_000_000, funding_source=None)
    # 2024's figures changed since 125 was issued: a warning the correction acknowledges.
    with pytest.raises(ValidationError, match="Số liệu đã thay đổi sau khi ban hành: năm 2024 so với báo cáo số 125/BC-SCT"):
        services.issue_report(report=new, number="140", by=department)
    services.issue_report(report=new, number="140", by=department, acknowledged=[checks.CHANGED_SINCE_ISSUED])
    new.refresh_from_db()
    assert [item["code"] for item in new.acknowledged_warnings] == [checks.CHANGED_SINCE_ISSUED]
    assert new.history.first().acknowledged_warnings[0]["by"] == department.username

    old_page = client.get(reverse("reporting:report-detail", args=[old.pk])).content.decode()
    assert "đã được thay thế bởi" in old_page and "140/BC-SCT" in old_page
    new_page = client.get(reverse("reporting:report-detail", args=[new.pk])).content.decode()
    assert "thay thế" in new_page and "125/BC-SCT" in new_page
    assert "500 triệu đồng" in client.get(reverse("reporting:report-document", args=[old.pk])).content.decode()
    assert "600 triệu đồng" in client.get(reverse("reporting:report-document", args=[new.pk])).content.decode()
    listing = client.get(reverse("reporting:report-list")).content.decode()
    assert "Đã được thay thế bởi" in listing


def test_a_draft_cannot_be_replaced(year_2024, department):
    with pytest.raises(ValidationError, match="Chỉ thay thế"):
        services.create_replacement(report=_draft(department), by=department)


# --- Input -----------------------------------------------------------------------------------


def test_a_reversed_year_range_is_a_form_error(department, client):
    client.force_login(department)
    response = client.post(
        reverse("reporting:report-create"),
        {"kind": "period", "year_from": 2025, "year_to": 2021, "report_date": "15/03/2025", "place": "Lâm Đồng"},
    )
    assert response.status_code == 200
    assert "Năm kết thúc (2021) không được trước năm bắt đầu (2025)." in response.content.decode()
    assert not Report.objects.exists()


def test_a_nul_character_pasted_into_a_field_is_refused_in_vietnamese(department, client):
    # Django's Vietnamese catalogue left "Null characters are not allowed." in English.
    client.force_login(department)
    response = client.post(
        reverse("reporting:report-create"),
        {"kind": "annual", "year_from": 2024, "year_to": 2024, "report_date": "15/03/2025", "addressees": "Bộ\x00"},
    )
    assert response.status_code == 200
    assert "Nội dung có ký tự rỗng (NUL) không hợp lệ" in response.content.decode()
    assert not Report.objects.exists()


def test_an_annual_report_covers_one_year(department, client):
    client.force_login(department)
    response = client.post(
        reverse("reporting:report-create"),
        {"kind": "annual", "year_from": 2021, "year_to": 2025, "report_date": "15/03/2025", "place": "Lâm Đồng"},
    )
    assert response.status_code == 200 and "Báo cáo năm chỉ gồm một năm" in response.content.decode()
    assert not Report.objects.exists()


def test_creating_gives_sensible_defaults(department, client):
    client.force_login(department)
    form = client.get(reverse("reporting:report-create")).context["form"]
    assert "Bộ Công Thương" in form.initial["addressees"] and "UBND tỉnh Lâm Đồng" in form.initial["addressees"]
    response = client.post(
        reverse("reporting:report-create"),
        {"kind": "period", "year_from": 2021, "year_to": 2025, "report_date": "15/03/2025", "place": "Lâm Đồng",
         "addressees": form.initial["addressees"], "signer_title": "GIÁM ĐỐC"},
    )  # fmt: skip
    report = Report.objects.get()
    assert response["Location"] == reverse("reporting:report-edit", args=[report.pk])
    assert (report.province.code, report.year_from, report.year_to, report.status) == ("68", 2021, 2025, "draft")


def test_script_in_a_narrative_is_shown_as_text(year_2024, department, client):
    report = _draft(department)
    client.force_login(department)
    data = {
        "kind": "annual", "year_from": 2024, "year_to": 2024, "report_date": "15/03/2025", "place": "Lâm Đồng",
    } | f.NARRATIVE_FORM | {
        "text_directives": '<script>alert("x")</script>\n**Tăng cường** chỉ đạo <b onclick="x()">đậm</b>',
    }  # fmt: skip
    assert client.post(reverse("reporting:report-edit", args=[report.pk]), data).status_code == 302
    document = client.get(reverse("reporting:report-document", args=[report.pk])).content.decode()
    assert "<script" not in document and "<b onclick" not in document
    assert "&lt;script&gt;alert" in document and "&lt;b onclick" in document and "<strong>Tăng cường</strong>" in document
    issued = services.issue_report(report=report, number="9", by=department)
    assert "&lt;script&gt;alert" in ReportSnapshot.objects.get(report=issued).html


def test_a_year_without_data_renders_zeros_and_says_so(department, client):
    # A past year with no đề án (a future one can no longer be issued: its date would be before it).
    report = _draft(department, year_from=2020, year_to=2020)
    client.force_login(department)
    document = client.get(reverse("reporting:report-document", args=[report.pk])).content.decode()
    assert "chưa có dữ liệu" in document
    issued = services.issue_report(report=report, number="3", by=department)
    assert ReportSnapshot.objects.get(report=issued).figures["has_data"] is False


# --- The Excel annexes -------------------------------------------------------------------------


def test_the_annex_cells_are_numbers_dates_and_text(year_2024):
    figures = draft_figures(year_from=2024, year_to=2024, report_date=REPORT_DATE)
    book = load_workbook(io.BytesIO(annex_workbook(figures)))

    years = book["Phụ lục II"]  # headings on rows 1–3 (no reference line here), the header on row 4
    assert [c.value for c in years[4]][:4] == ["STT", "Năm", "Số đề án: Kế hoạch", "Số đề án: Thực hiện"]
    assert years["A4"].font.b and years.freeze_panes == "A5"
    row = years[5]
    assert (row[0].value, row[1].value, row[2].value, row[3].value) == (1, "2024", 2, 2)
    assert (row[5].value, row[5].data_type, row[5].number_format) == (500_000_000, "n", "#,##0")
    assert (row[9].data_type, row[9].number_format) == ("n", "0.0%")

    projects = book["Phụ lục I"]
    names = {r[2].value: r for r in projects.iter_rows(min_row=5)}
    assert names["R1"][7].value.startswith(HYPERLINK) and names["R1"][7].data_type == "s"
    assert (names["M1"][11].value, names["M1"][11].data_type) == (300_000_000, "n")
    assert names["M1"][6].value == "Không thu hồi" and names["M1"][12].value == "Hoàn thành"

    contracts = book["Phụ lục V"]
    row = contracts[5]
    assert (row[2].value, row[2].data_type) == (HYPERLINK, "s")
    assert row[3].is_date and row[3].number_format == "dd/mm/yyyy"
    assert [c.value for c in row[4:7]] == [200_000_000, 50_000_000, 150_000_000]
    assert all(c.data_type == "n" and c.number_format == "#,##0" for c in row[4:7])

    contents = book["Phụ lục III"]
    assert [c.value for c in contents[6]][1:3] == [f.content("MMTB").name, 2]


def test_no_formula_survives_in_any_annex_cell(year_2024):
    book = load_workbook(io.BytesIO(annex_workbook(draft_figures(year_from=2024, year_to=2024, report_date=REPORT_DATE))))
    assert not [c.coordinate for sheet in book for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_rates_round_as_the_document_does():
    assert rate_value(8_987, 8_990) == 0.999  # never 100% below the plan
    assert rate_value(1, 10_000) == 0.001  # never 0% above nothing
    assert (rate_value(38, 38), rate_value(0, 5), rate_value(3, 0)) == (1.0, 0.0, None)
    assert rate_value(37, 38) == 0.974


def test_render_report_writes_the_annexes(year_2024, tmp_path):
    out = tmp_path / "phu-luc.xlsx"
    call_command(
        "render_report", "--from", "2024", "--to", "2024", "--date", "2025-03-15", "--format", "xlsx", "--output", str(out)
    )
    assert load_workbook(out)["Phụ lục II"]["F6"].value == 500_000_000  # under the reference line


def test_the_annexes_need_no_query_of_their_own(year_2024, django_assert_num_queries):
    figures = draft_figures(year_from=2024, year_to=2024, report_date=REPORT_DATE)
    with django_assert_num_queries(0):
        annex_workbook(figures)


# --- The list's queries ----------------------------------------------------------------------


def test_the_report_list_query_count_does_not_grow(department, client):
    client.force_login(department)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("reporting:report-list")).status_code == 200
        # ATOMIC_REQUESTS wraps the view in a savepoint: not a query of the list.
        return len([q for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))])

    first = f.ReportFactory()
    one = count()
    issued = f.ReportFactory(
        status=Report.Status.ISSUED,
        number="1/BC-SCT",
        issued_at=datetime.datetime(2025, 3, 15, tzinfo=datetime.UTC),
        issued_by=department,
    )
    f.ReportFactory(replaces=issued)
    for _ in range(17):
        f.ReportFactory(replaces=first)
    assert Report.objects.count() == 20
    # session; user; the reports (issued_by and replaces joined); what replaced them (one
    # prefetch); the user's roles (may they create a report?)
    assert count() == one == 5


# --- Who may do what ---------------------------------------------------------------------------


@pytest.fixture
def issued_and_draft(year_2024, department):
    return {"issued": _issued(department), "draft": _draft(department)}


def _url(name: str, objects: dict, which: str = "draft", fmt: str | None = None) -> str:
    if name in ("report-list", "report-create"):
        return reverse(f"reporting:{name}")
    args = [objects[which].pk] + ([fmt] if fmt else [])
    return reverse(f"reporting:{name}", args=args)


ALL = ["report-list", "report-create", "report-detail", "report-edit", "report-document", "report-issue", "report-replace"]


@pytest.mark.parametrize("name", ALL)
def test_anonymous_users_are_sent_to_sign_in(issued_and_draft, client, name):
    for method in ("get", "post"):
        response = getattr(client, method)(_url(name, issued_and_draft))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    response = client.get(_url("report-download", issued_and_draft, "issued", "pdf"))
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [roles.VIEWER, roles.DATA_ENTRY])
@pytest.mark.parametrize(
    "name,which", [("report-create", "draft"), ("report-edit", "draft"), ("report-issue", "draft"), ("report-replace", "issued")]
)
def test_viewers_and_data_entry_may_not_write(issued_and_draft, role, name, which):
    client = client_for(user_in(role, "u"))
    before = Report.objects.count(), ReportSnapshot.objects.count()
    assert client.post(_url(name, issued_and_draft, which), {"number": "77", "date": "15/03/2025"}).status_code == 403
    if name != "report-replace":
        assert client.get(_url(name, issued_and_draft, which)).status_code == 403
    assert (Report.objects.count(), ReportSnapshot.objects.count()) == before
    assert Report.objects.get(pk=issued_and_draft["draft"].pk).status == Report.Status.DRAFT


@pytest.mark.parametrize("role", [roles.VIEWER, roles.DATA_ENTRY])
def test_viewers_read_everything_and_download_issued_reports(issued_and_draft, role):
    client = client_for(user_in(role, "u"))
    for name in ("report-list",):
        assert client.get(_url(name, issued_and_draft)).status_code == 200
    for which in ("issued", "draft"):
        assert client.get(_url("report-detail", issued_and_draft, which)).status_code == 200
        assert client.get(_url("report-document", issued_and_draft, which)).status_code == 200
    for fmt in ("html", "pdf", "xlsx", "docx"):
        response = client.get(_url("report-download", issued_and_draft, "issued", fmt))
        assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    issued_word = client.get(_url("report-download", issued_and_draft, "issued", "docx")).content
    masthead = Document(io.BytesIO(issued_word)).tables[0].cell(0, 0)
    issuing = [r for p in masthead.paragraphs for r in p.runs if "CÔNG THƯƠNG" in r.text.upper()]
    assert issuing and issuing[0].bold  # styled by the print's stylesheet, as the PDF
    assert client.get(_url("report-download", issued_and_draft, "draft", "xlsx")).status_code == 403
    detail = client.get(_url("report-detail", issued_and_draft, "draft")).content.decode()
    assert "Sửa dự thảo" not in detail and "Ban hành…" not in detail


@pytest.mark.parametrize("name", ["report-detail", "report-edit", "report-document", "report-issue", "report-replace"])
def test_an_unknown_report_is_404(department, client, name):
    client.force_login(department)
    method = client.post if name == "report-replace" else client.get
    assert method(reverse(f"reporting:{name}", args=[987654])).status_code == 404
    assert client.get(reverse("reporting:report-download", args=[987654, "pdf"])).status_code == 404


def test_an_unknown_format_is_404(issued_and_draft, department, client):
    client.force_login(department)
    assert client.get(_url("report-download", issued_and_draft, "issued", "odt")).status_code == 404
    # The package for the Ministry is an issued report's only.
    assert client.get(_url("report-download", issued_and_draft, "draft", "json")).status_code == 404


@pytest.mark.parametrize(
    "name,method",
    [
        ("report-list", "post"),
        ("report-detail", "post"),
        ("report-document", "post"),
        ("report-download", "post"),
        ("report-replace", "get"),
        ("report-create", "put"),
        ("report-edit", "delete"),
        ("report-issue", "put"),
    ],
)
def test_wrong_methods_are_405(issued_and_draft, department, client, name, method):
    client.force_login(department)
    which = "issued" if name == "report-replace" else "draft"
    url = _url(name, issued_and_draft, which, "pdf" if name == "report-download" else None)
    assert getattr(client, method)(url).status_code == 405


def test_department_staff_go_the_whole_way(year_2024, department, client):
    client.force_login(department)
    assert client.get(reverse("reporting:report-list")).status_code == 200
    response = client.post(
        reverse("reporting:report-create"),
        {"kind": "annual", "year_from": 2024, "year_to": 2024, "report_date": "15/03/2025", "place": "Lâm Đồng"},
    )
    report = Report.objects.get()
    edit = reverse("reporting:report-edit", args=[report.pk])
    assert response["Location"] == edit and client.get(edit).status_code == 200
    data = {"kind": "annual", "year_from": 2024, "year_to": 2024, "report_date": "15/03/2025", "place": "Lâm Đồng",
            "signer_name": "Trần Văn B"} | f.NARRATIVE_FORM | {"text_limitations": "Nguồn vốn còn hạn chế."}  # fmt: skip
    assert client.post(edit, data).status_code == 302
    assert "Nguồn vốn còn hạn chế." in client.get(reverse("reporting:report-document", args=[report.pk])).content.decode()
    draft_pdf = client.get(reverse("reporting:report-download", args=[report.pk, "pdf"]))
    assert (
        draft_pdf.status_code == 200 and draft_pdf.content.startswith(b"%PDF") and "du-thao" in draft_pdf["Content-Disposition"]
    )
    issue = reverse("reporting:report-issue", args=[report.pk])
    page = client.get(issue).content.decode()
    assert 'data-busy-label="Đang tạo PDF…"' in page and "js/busy.js" in page
    response = client.post(issue, {"number": "125/BC-SCT", "date": "15/03/2025"}, follow=True)
    # Issued by a job (at once, with the tests' immediate backend); its page links to the report.
    assert response.context["job"].status == "done"
    assert reverse("reporting:report-detail", args=[report.pk]) in response.content.decode()
    report.refresh_from_db()
    assert report.is_issued and report.number == "125/BC-SCT"
    pdf = client.get(reverse("reporting:report-download", args=[report.pk, "pdf"]))
    assert pdf.content == _bytes(ReportSnapshot.objects.get(report=report).pdf)
    assert 'filename="bao-cao-125-BC-SCT-2024.pdf"' in pdf["Content-Disposition"]


def test_an_issue_form_error_is_shown(year_2024, department, client):
    report = _draft(department)
    client.force_login(department)
    response = client.post(reverse("reporting:report-issue", args=[report.pk]), {"number": "abc", "date": "15/03/2025"})
    assert response.status_code == 200 and "Số báo cáo phải có dạng" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT


def test_the_services_check_the_role_too(year_2024, department):
    viewer = user_in(roles.VIEWER, "xem")
    report = _draft(department)
    with pytest.raises(PermissionDenied):
        services.issue_report(report=report, number="1", by=viewer)
    with pytest.raises(PermissionDenied):
        services.update_report(report=report, by=viewer, directives="x")
    with pytest.raises(PermissionDenied):
        services.create_report(by=viewer, year_from=2024, year_to=2024)


def test_the_downloaded_html_is_one_file_and_the_page_on_screen_keeps_the_policy(issued_and_draft, department, client):
    """A file opened from disk cannot reach the server's stylesheet: the download carries it.
    The same report on screen links it, since the Content-Security-Policy refuses inline styles."""
    client.force_login(department)
    for which in ("issued", "draft"):
        download = client.get(_url("report-download", issued_and_draft, which, "html")).content.decode()
        assert '<link rel="stylesheet"' not in download and "<style>" in download and "@page" in download, which
        assert "BÁO CÁO" in download
        page = client.get(_url("report-document", issued_and_draft, which))
        html = page.content.decode()
        assert '<link rel="stylesheet"' in html and "<style>" not in html
        assert "style-src 'self'" in page["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("31/12/2020", "Ngày báo cáo không được trước kỳ báo cáo (từ 01/01/2021)."),
        ("01/01/2999", "Ngày báo cáo phải trong các năm đến 2100."),
    ],
)
def test_a_report_dated_outside_its_years_is_refused_and_nothing_is_saved(department, client, day, reason):
    client.force_login(department)
    response = client.post(
        reverse("reporting:report-create"), {"kind": "period", "year_from": 2021, "year_to": 2025, "report_date": day}
    )
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not Report.objects.exists()
