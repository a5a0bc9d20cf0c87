"""The report the Department signs and sends: the checks before issuing (screen, job, service,
``check_report``, ``issue_report``), the signed PDF, the files an issued report keeps and the
package for the Ministry. On the Lâm Đồng data set, which is clean at its report date; each
test makes it unclean by changing a record."""

from __future__ import annotations

import datetime
import hashlib
import io
import json

import jsonschema
import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from funding.models import Disbursement, LoanContract
from khuyencong.core import jobs, roles
from projects.models import AnnualPlan, Facility, Project
from reporting import checks, outline, services
from reporting.models import Report, ReportSnapshot
from reporting.package import SCHEMA_PATH, schema_text
from tests import factories as f

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 15)  # the demo data's report date (settings.DEMO_REPORT_DATE)
LATER = datetime.date(2026, 11, 30)


@pytest.fixture
def department(lam_dong):
    user = f.UserFactory(username="banhanh")
    user.groups.add(Group.objects.get(name=roles.DEPARTMENT))
    return user


@pytest.fixture
def client_in(department) -> Client:
    client = Client()
    client.force_login(department)
    return client


def _draft(by, **fields) -> Report:
    texts = f.NARRATIVE_TEXTS | {slug: fields.pop(slug) for slug in list(fields) if slug in outline.text_slugs()}
    values = (
        {"year_from": 2024, "year_to": 2024, "report_date": DAY, "signer_name": "Nguyễn Văn An"}
        | {"section_texts": texts}
        | fields
    )
    return services.create_report(by=by, **values)


def _codes(findings) -> dict[str, str]:
    return {finding.code: finding.severity for finding in findings}


def _check(year_from=2021, year_to=2025, day=DAY, **kwargs):
    return checks.run_checks(province=f.unit("68"), year_from=year_from, year_to=year_to, report_date=day, **kwargs)


def _check_report(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("check_report", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def _a_project_done_2024() -> Project:
    return Project.objects.filter(plan__year=2024, status=Project.Status.COMPLETED).with_executed().filter(executed__gt=0).first()


# --- The checks ----------------------------------------------------------------------------------


def test_the_demo_data_is_clean_at_its_report_date(lam_dong):
    assert _check() == []
    code, out = _check_report("--from", "2021", "--to", "2025", "--date", "2025-03-15")
    assert code == 0
    assert "chưa có dự thảo báo cáo, chỉ kiểm tra dữ liệu" in out and "0 lỗi phải sửa, 0 cảnh báo" in out


def test_at_a_later_date_contracts_overdue_and_not_sued_are_a_warning(lam_dong):
    findings = _check(day=LATER)
    assert _codes(findings) == {checks.OVERDUE_UNPURSUED: checks.WARNING}
    (finding,) = findings
    overdue = LoanContract.objects.get(number="04/2021/HĐ-KC")
    assert f"/hop-dong/{overdue.pk}/" in {link.url for link in finding.links}
    assert "quá hạn trên 90 ngày tại ngày 30/11/2026 mà chưa khởi kiện" in finding.message
    # A warning does not block: check_report exits 0 and prints it.
    code, out = _check_report("--from", "2021", "--to", "2025", "--date", "2026-11-30")
    assert code == 0 and "[Cảnh báo, cần xác nhận]" in out and checks.OVERDUE_UNPURSUED in out


def test_a_note_of_what_is_done_about_a_debt_ends_its_warning(department, client_in):
    overdue = LoanContract.objects.get(number="04/2021/HĐ-KC")
    url = reverse("funding:contract-note", args=[overdue.pk])
    note = "Đã gửi văn bản đôn đốc lần 2; UBND xã đang hòa giải."
    response = client_in.post(url, {"note-collection_note": f"  {note}  "})
    assert response.status_code == 302
    overdue.refresh_from_db()
    assert overdue.collection_note == note
    assert overdue.history.first().history_user == department
    assert note in client_in.get(reverse("funding:contract-detail", args=[overdue.pk])).content.decode()
    (finding,) = _check(day=LATER)
    assert f"/hop-dong/{overdue.pk}/" not in {link.url for link in finding.links}
    assert finding.message.startswith("30 hợp đồng quá hạn trên 90 ngày")


def test_a_note_of_only_invisible_characters_does_not_end_the_warning(department, client_in):
    # A zero-width space passed for a note and silenced the check before issuing.
    overdue = LoanContract.objects.get(number="04/2021/HĐ-KC")
    client_in.post(reverse("funding:contract-note", args=[overdue.pk]), {"note-collection_note": "\u200b\ufeff"})
    (finding,) = _check(day=LATER)
    assert f"/hop-dong/{overdue.pk}/" in {link.url for link in finding.links}


def test_the_note_is_written_by_those_who_edit_contracts_only(department, client_in):
    overdue = LoanContract.objects.get(number="04/2021/HĐ-KC")
    url = reverse("funding:contract-note", args=[overdue.pk])
    assert Client().post(url, {"note-collection_note": "x"})["Location"].startswith(reverse("login"))
    viewer = f.UserFactory(username="xem-hd")
    viewer.groups.add(Group.objects.get(name=roles.VIEWER))
    other = Client()
    other.force_login(viewer)
    assert other.post(url, {"note-collection_note": "x"}).status_code == 403
    assert client_in.get(url).status_code == 405
    assert client_in.post(reverse("funding:contract-note", args=[10**9]), {"note-collection_note": "x"}).status_code == 404
    assert client_in.post(url, {"note-collection_note": "x" * 2001}).status_code == 400  # too long: the form says so
    overdue.refresh_from_db()
    assert overdue.collection_note == ""


def test_a_completed_project_with_no_money_paid_blocks(lam_dong):
    project = _a_project_done_2024()
    Disbursement.objects.filter(project=project).delete()
    (finding,) = _check()
    assert (finding.code, finding.severity) == (checks.DONE_UNPAID, checks.BLOCKING)
    assert [link.url for link in finding.links] == [reverse("projects:project-detail", args=[project.pk])]
    code, out = _check_report("--from", "2024", "--to", "2024", "--date", "2025-03-15")
    assert code == 1
    assert "[Phải sửa trước khi ban hành] 1 đề án đã hoàn thành nhưng chưa có khoản giải ngân nào" in out
    assert "Chưa ban hành được" in out and project.code in out


def test_money_paid_over_the_budget_blocks(lam_dong):
    project = _a_project_done_2024()
    Project.objects.filter(pk=project.pk).update(approved_budget=project.executed - 1)  # as an old import could leave it
    assert _codes(_check()) == {checks.PAID_OVER_BUDGET: checks.BLOCKING}


def test_a_plan_with_no_decision_blocks_its_approved_projects(lam_dong):
    plan = AnnualPlan.objects.filter(year=2022).first()
    AnnualPlan.objects.filter(pk=plan.pk).update(decision_number=" ")
    (finding,) = _check()
    assert (finding.code, finding.severity) == (checks.NO_DECISION, checks.BLOCKING)
    assert [link.url for link in finding.links] == [reverse("projects:plan-detail", args=[plan.pk])]
    assert _check(year_from=2023, year_to=2023) == []  # another period does not see it


def test_a_facility_with_no_commune_is_a_warning(lam_dong):
    facility = _a_project_done_2024().facilities.first()
    Facility.objects.filter(pk=facility.pk).update(administrative_unit=None)
    (finding,) = _check()
    assert (finding.code, finding.severity) == (checks.FACILITY_NO_UNIT, checks.WARNING)
    assert finding.links[0].label == facility.name


def test_an_unfinished_section_blocks(department):
    report = _draft(department, part3="", causes="  ")
    (finding,) = checks.report_checks(report)
    assert (finding.code, finding.severity) == (checks.UNFINISHED_SECTION, checks.BLOCKING)
    assert "2 phần chưa nhập nội dung" in finding.message and "“Nguyên nhân”" in finding.message and "Phần III" in finding.message
    assert finding.links[0].url == reverse("reporting:report-edit", args=[report.pk])


def test_check_report_reads_the_newest_draft_of_the_period(department):
    _draft(department, part2="")
    code, out = _check_report("--from", "2024", "--to", "2024", "--date", "2025-03-15")
    assert code == 1 and "Văn bản còn 1 phần chưa nhập nội dung: Phần II" in out
    assert "chưa có dự thảo" not in out
    _draft(department)  # a newer, finished draft
    assert _check_report("--from", "2024", "--to", "2024", "--date", "2025-03-15")[0] == 0


def test_placeholders_are_found_by_their_class_whatever_the_element():
    html = (
        '<section><p class="placeholder">(Chưa nhập nội dung nguyên nhân.)</p>'
        '<div class="narrative x placeholder" data-section="phan-iii">(Chưa nhập <em>kiến nghị</em>.)</div>'
        '<p class="placeholders-help">not one</p></section>'
    )
    assert checks.unfinished_sections(html) == ["nguyên nhân", "kiến nghị"]


# --- The service, the job and the screen obey them ----------------------------------------------


def test_the_service_refuses_a_blocking_finding_and_writes_nothing(department):
    report = _draft(department, part2="")
    with pytest.raises(services.ValidationError, match="Chưa ban hành được, còn lỗi phải sửa: Văn bản còn 1 phần"):
        services.issue_report(report=report, number="125", by=department, acknowledged=[checks.UNFINISHED_SECTION])
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT and report.number == "" and not ReportSnapshot.objects.exists()


def test_the_job_refuses_too(department):
    report = _draft(department, part2="")
    job = jobs.start(
        kind="issue",
        title="Ban hành",
        handler="reporting.services.issue_report_job",
        user=department,
        params={"report": report.pk, "number": "125", "date": DAY.isoformat(), "acknowledged": []},
    )
    job.refresh_from_db()
    assert job.status == "failed" and "Văn bản còn 1 phần chưa nhập nội dung" in job.message
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT


def test_the_issue_screen_lists_the_findings_and_refuses_while_one_blocks(department, client_in):
    report = _draft(department, limitations="")
    url = reverse("reporting:report-issue", args=[report.pk])
    page = client_in.get(url).content.decode()
    assert 'class="finding finding-blocking" data-code="phan-chua-nhap"' in page
    assert "Văn bản còn 1 phần chưa nhập nội dung: mục “Tồn tại, hạn chế”." in page
    assert 'disabled aria-describedby="issue-blocked"' in page  # the button says it cannot issue
    response = client_in.post(url, {"number": "125", "date": "15/03/2025"})
    assert response.status_code == 200
    assert "Chưa ban hành được, còn lỗi phải sửa" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT


def test_a_warning_must_be_acknowledged_on_the_screen_and_is_kept_in_history(department, client_in):
    facility = _a_project_done_2024().facilities.first()
    Facility.objects.filter(pk=facility.pk).update(administrative_unit=None)
    report = _draft(department)
    url = reverse("reporting:report-issue", args=[report.pk])
    page = client_in.get(url).content.decode()
    assert f'name="acknowledged" value="{checks.FACILITY_NO_UNIT}"' in page and facility.name in page
    assert "issue-blocked" not in page  # a warning does not disable issuing

    response = client_in.post(url, {"number": "125", "date": "15/03/2025"})
    assert response.status_code == 200 and "Còn cảnh báo chưa xác nhận: 1 cơ sở thụ hưởng chưa có xã" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT

    response = client_in.post(
        url, {"number": "125", "date": "15/03/2025", "acknowledged": [checks.FACILITY_NO_UNIT]}, follow=True
    )
    assert response.context["job"].status == "done"
    report.refresh_from_db()
    assert report.is_issued
    (kept,) = report.acknowledged_warnings
    assert (kept["code"], kept["by"]) == (checks.FACILITY_NO_UNIT, "banhanh") and "chưa có xã" in kept["message"]
    issuing = report.history.first()
    assert issuing.history_user == department and issuing.acknowledged_warnings == report.acknowledged_warnings
    detail = client_in.get(reverse("reporting:report-detail", args=[report.pk])).content.decode()
    assert "Cảnh báo đã xác nhận khi ban hành" in detail and "xác nhận bởi banhanh" in detail


# --- issue_report: the same rules, the files written --------------------------------------------


def test_issue_report_refuses_an_unfinished_report_with_a_message_and_exit_code(department, tmp_path):
    _draft(department, directives="", coordination="")
    with pytest.raises(CommandError, match="Văn bản còn 2 phần chưa nhập nội dung") as refused:
        call_command(
            "issue_report", "--from", "2024", "--to", "2024", "--date", "2025-03-15", "--number", "125",
            "--user", "banhanh", "--output-dir", str(tmp_path), stdout=io.StringIO(),
        )  # fmt: skip
    assert refused.value.returncode == 1
    assert list(tmp_path.iterdir()) == [] and not Report.objects.filter(status=Report.Status.ISSUED).exists()


def test_issue_report_answers_a_busy_database_in_vietnamese(department, tmp_path, monkeypatch):
    # Two issue_report at once on SQLite: the second waited for the first's lock past the
    # database's timeout and printed a traceback ("database is locked").
    _draft(department)

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "issue_report", locked)
    with pytest.raises(CommandError, match="Cơ sở dữ liệu đang bận") as refused:
        call_command(
            "issue_report", "--from", "2024", "--to", "2024", "--date", "2025-03-15", "--number", "125",
            "--user", "banhanh", "--output-dir", str(tmp_path), stdout=io.StringIO(),
        )  # fmt: skip
    assert refused.value.returncode == 1 and list(tmp_path.iterdir()) == []


def test_issue_report_refuses_a_user_who_may_not_issue(department, tmp_path):
    _draft(department)
    viewer = f.UserFactory(username="xem-bc")
    viewer.groups.add(Group.objects.get(name=roles.VIEWER))
    with pytest.raises(CommandError, match="Chỉ chuyên viên Sở Công Thương được ban hành báo cáo"):
        call_command(
            "issue_report", "--from", "2024", "--to", "2024", "--date", "2025-03-15", "--number", "125",
            "--user", "xem-bc", "--output-dir", str(tmp_path), stdout=io.StringIO(),
        )  # fmt: skip


def test_issue_report_needs_a_draft_of_the_period(department, tmp_path):
    with pytest.raises(CommandError, match="Không có dự thảo báo cáo kỳ 2023"):
        call_command(
            "issue_report", "--from", "2023", "--to", "2023", "--date", "2025-03-15", "--number", "125",
            "--user", "banhanh", "--output-dir", str(tmp_path), stdout=io.StringIO(),
        )  # fmt: skip


def test_issue_report_writes_the_files_that_stay_the_same_after_the_data_changes(department, tmp_path, client_in):
    report = _draft(department)
    out = io.StringIO()
    call_command(
        "issue_report", "--from", "2024", "--to", "2024", "--date", "2025-03-15", "--number", "125",
        "--user", "banhanh", "--output-dir", str(tmp_path), stdout=out,
    )  # fmt: skip
    report.refresh_from_db()
    assert report.is_issued and report.number == "125/BC-SCT" and report.issued_by == department
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == [f"bao-cao-125-BC-SCT-2024.{fmt}" for fmt in ("docx", "html", "json", "pdf", "xlsx")]
    assert "Đã ban hành báo cáo số 125/BC-SCT" in out.getvalue()
    snapshot = ReportSnapshot.objects.get(report=report)
    pdf = (tmp_path / "bao-cao-125-BC-SCT-2024.pdf").read_bytes()
    assert pdf == bytes(snapshot.pdf) and hashlib.sha256(pdf).hexdigest() == snapshot.pdf_sha256
    assert (tmp_path / "bao-cao-125-BC-SCT-2024.docx").read_bytes() == bytes(snapshot.docx)
    assert not snapshot.signed  # no certificate configured in the tests' settings

    def downloads() -> dict[str, bytes]:
        return {
            fmt: client_in.get(reverse("reporting:report-download", args=[report.pk, fmt])).content
            for fmt in ("html", "pdf", "xlsx", "docx", "json")
        }

    before = downloads()
    project = _a_project_done_2024()
    f.DisbursementFactory(project=project, amount=1_000_000, funding_source=None, date=datetime.date(2024, 12, 1))
    Report.objects.filter(pk=report.pk).update(signer_name="Người khác")
    after = downloads()
    assert after == before
    assert hashlib.sha256(after["pdf"]).hexdigest() == snapshot.pdf_sha256
    from docx import Document

    text = "".join(Document(io.BytesIO(after["docx"])).element.body.itertext())  # tables too: the signer's block
    assert "BÁO CÁO" in text and "NGUYỄN VĂN AN" in text


def test_issue_report_acknowledges_a_warning_by_its_code_then_a_later_change_is_found(department, tmp_path):
    facility = _a_project_done_2024().facilities.first()
    Facility.objects.filter(pk=facility.pk).update(administrative_unit=None)
    report = _draft(department)
    arguments = ["--from", "2024", "--to", "2024", "--date", "2025-03-15", "--number", "125", "--user", "banhanh"]
    with pytest.raises(CommandError, match="Còn cảnh báo chưa xác nhận: 1 cơ sở thụ hưởng chưa có xã") as refused:
        call_command("issue_report", *arguments, "--output-dir", str(tmp_path), stdout=io.StringIO())
    assert refused.value.returncode == 1
    call_command(
        "issue_report", *arguments, "--output-dir", str(tmp_path), "--acknowledge", checks.FACILITY_NO_UNIT, stdout=io.StringIO()
    )
    report.refresh_from_db()
    assert report.is_issued and [item["code"] for item in report.acknowledged_warnings] == [checks.FACILITY_NO_UNIT]

    # The figures of 2024 change after issue: a period report covering 2024 must explain it.
    assert checks.CHANGED_SINCE_ISSUED not in _codes(_check())
    project = _a_project_done_2024()
    f.DisbursementFactory(project=project, amount=1_000_000, funding_source=None, date=datetime.date(2024, 12, 1))
    changed = next(finding for finding in _check() if finding.code == checks.CHANGED_SINCE_ISSUED)
    assert changed.severity == checks.WARNING
    assert "năm 2024 so với báo cáo số 125/BC-SCT ngày 15/03/2025" in changed.message
    assert [link.url for link in changed.links] == [reverse("projects:project-detail", args=[project.pk])]
    assert checks.CHANGED_SINCE_ISSUED not in _codes(_check(year_from=2021, year_to=2023))  # years 125 does not cover


# --- The package for the Ministry ---------------------------------------------------------------


def test_the_schema_file_is_the_one_the_figures_make():
    # After a change to the figures: python manage.py shell -c "from reporting.package import write_schema; write_schema()"
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()


def test_the_package_holds_the_identity_the_figures_and_the_annex_rows_and_meets_its_schema(department, client_in):
    report = services.issue_report(report=_draft(department), number="125", by=department)
    snapshot = ReportSnapshot.objects.get(report=report)
    package = json.loads(client_in.get(reverse("reporting:report-download", args=[report.pk, "json"])).content)
    assert package == snapshot.package
    jsonschema.validate(package, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    identity = package["report"]
    assert identity | {"issued_at": None} == {
        "province_code": "68",
        "province_name": f.unit("68").name,
        "issuing_body": "SỞ CÔNG THƯƠNG",
        "number": "125/BC-SCT",
        "date": "2025-03-15",
        "kind": "annual",
        "title": report.display_title,
        "year_from": 2024,
        "year_to": 2024,
        "issued_at": None,
        "issued_by": "banhanh",
        "replaces": None,
        "pdf_sha256": snapshot.pdf_sha256,
        "pdf_signed": False,
    }
    assert datetime.datetime.fromisoformat(identity["issued_at"]) == report.issued_at.replace(microsecond=0)
    assert identity["issued_at"].endswith("+07:00")  # Vietnam's time, as the document's
    stored = snapshot.figures
    assert package["figures"]["done"] == stored["done"] and package["figures"]["repayment"] == stored["repayment"]
    for name in ("years", "contents", "project_lines", "contracts"):
        assert package["annexes"][name] == stored[name] and name not in package["figures"]
    assert len(package["annexes"]["project_lines"]) == Project.objects.filter(plan__year=2024).exclude(status="proposed").count()
    # A report issued before the package and the Word file were kept has none to download.
    ReportSnapshot.objects.filter(report=report).update(package={}, docx=b"")
    for fmt in ("json", "docx"):
        assert client_in.get(reverse("reporting:report-download", args=[report.pk, fmt])).status_code == 404
    # A package that breaks the schema is caught by it.
    broken = package | {"report": identity | {"pdf_sha256": "not-a-digest"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _unpaid_projects(n: int) -> None:
    plan = AnnualPlan.objects.filter(year=2024).first()
    for _ in range(n):
        facility = f.FacilityFactory(administrative_unit=None)
        f.ProjectFactory(plan=plan, status=Project.Status.COMPLETED, facilities=[facility])


# session, user, savepoints, the user's groups; the report with what it replaces; compute_figures'
# own (đề án added up by group, their distinct facilities (two), the listed đề án, facility
# pairs, events, nominations' totals, levels and list, award levels, contracts, their summaries
# that hold on the date and their ledgers,
# the previous programme's); the checks' đề án with their plans, facilities with no unit,
# issued reports' snapshots; the activity groups and the draft's text for the document.
ISSUE_PAGE_QUERIES = 39  # + the results after support (none here) and their provinces' lineage


def test_the_issue_page_reads_the_database_a_fixed_number_of_times(department, client_in):
    """Its checks too: one more finding's record adds no query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    report = _draft(department)
    url = reverse("reporting:report-issue", args=[report.pk])
    counts = []
    for rows in (1, 30):
        _unpaid_projects(rows)
        with CaptureQueriesContext(connection) as queries:
            page = client_in.get(url).content.decode()
        counts.append(len(queries))
        assert page.count('href="/de-an/') >= sum((1, 30)[: len(counts)])
    assert counts[0] == counts[1] == ISSUE_PAGE_QUERIES, counts
