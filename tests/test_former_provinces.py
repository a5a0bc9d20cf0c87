"""The three former provinces (Lâm Đồng, Đắk Nông, Bình Thuận, merged on 1/7/2025) and 2026.

Report scope (projects.provinces.report_provinces) and header bodies (issuing_bodies), the
workbook's FORMER_PROVINCE column, the year choices reaching the current programme
(projects.periods), and render_report --from 2026 on the demonstration data.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from khuyencong.workbook import export_workbook, import_workbook
from khuyencong.workbook import sheets as S
from projects import periods, provinces
from projects.forms import PlanForm
from projects.models import AnnualPlan, FundingLevel, Project
from reporting.document import DocumentText, default_province, report_province
from reporting.figures import compute_figures
from tests import factories as f
from tests.pdf_reading import page_texts
from tests.workbook_helpers import xlsx

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

pytestmark = pytest.mark.django_db

D = datetime.date
DONE = Project.Status.COMPLETED


def _done(plan, code, amount, facility=None):
    project = f.ProjectFactory(
        plan=plan, code=code, status=DONE, planned_budget=amount, facilities=[facility] if facility else []
    )
    f.DisbursementFactory(project=project, amount=amount, funding_source=None)
    return project


@pytest.fixture
def three_provinces(db):
    """A local programme 2021–2025 for each former province, a 2024 plan each with đề án done."""
    local = f.funding_level(FundingLevel.LOCAL)
    made = {}
    for code, amounts in (("68", [100_000_000, 50_000_000]), ("67", [70_000_000]), ("60", [40_000_000, 30_000_000])):
        program = f.ProgramFactory(funding_level=local, province=f.unit(code), first_year=2021, last_year=2025)
        plan = f.AnnualPlanFactory(program=program, year=2024)
        made[code] = [_done(plan, f"{code}-{i}", amount) for i, amount in enumerate(amounts)]
    return made


def _executed(projects) -> int:
    return sum(d.amount for p in projects for d in p.disbursements.all())


def test_report_provinces_decides_the_scope():
    merged, lam_dong, dak_nong, binh_thuan = (f.unit(c) for c in ("68-2025", "68", "67", "60"))
    assert set(provinces.report_provinces(merged, 2021, 2025)) == {merged, lam_dong, dak_nong, binh_thuan}
    assert provinces.report_provinces(dak_nong, 2021, 2025) == [dak_nong]
    assert provinces.report_provinces(lam_dong, 2021, 2025) == [lam_dong]
    assert provinces.report_provinces(merged, 2026, 2026) == [merged]
    # The configured province "68" for 2026 stands for the province it became.
    assert provinces.report_provinces(lam_dong, 2026, 2026) == [merged]
    assert default_province(2026) == merged and default_province(2025) == lam_dong
    assert "chỉ tồn tại đến 30/06/2025" in provinces.report_scope_refusal(dak_nong, 2026, 2026)
    assert provinces.report_scope_refusal(dak_nong, 2021, 2025) is None


def test_figures_for_one_former_province_or_the_three_together(three_provinces):
    day = D(2025, 3, 15)

    def done(code):
        return compute_figures(province=f.unit(code), year_from=2024, year_to=2024, report_date=day).done

    for code, projects in three_provinces.items():
        assert (done(code).count, done(code).money) == (len(projects), _executed(projects))
    together = done("68-2025")
    everything = [p for projects in three_provinces.values() for p in projects]
    assert (together.count, together.money) == (len(everything), _executed(everything))


def test_the_header_names_the_issuing_body_of_the_report_date(settings):
    dak_nong = f.unit("67")
    before = provinces.issuing_bodies(dak_nong, D(2025, 3, 15))
    after = provinces.issuing_bodies(dak_nong, D(2025, 8, 1))
    assert before == ("UBND TỈNH ĐẮK NÔNG", "SỞ CÔNG THƯƠNG")
    assert after == (settings.ORGANISATION["parent_body"], settings.ORGANISATION["issuing_body"])
    text = DocumentText.for_report(None, year_from=2024, year_to=2024, report_date=D(2025, 3, 15), province=dak_nong)
    assert text.parent_body == "UBND TỈNH ĐẮK NÔNG"
    # Written where the former province's department sat, and sent to its own UBND.
    assert text.place == "Đắk Nông"
    assert text.addressees[-1] == "UBND tỉnh Đắk Nông."
    own = DocumentText.for_report(None, year_from=2024, year_to=2024, report_date=D(2025, 3, 15), province=f.unit("68"))
    assert own.parent_body == settings.ORGANISATION["parent_body"]
    assert own.place == settings.ORGANISATION["place_name"]
    later = DocumentText.for_report(None, year_from=2024, year_to=2024, report_date=D(2025, 8, 1), province=dak_nong)
    assert later.place == settings.ORGANISATION["place_name"]


def test_report_province_option_takes_a_code_or_a_name_and_refuses_in_vietnamese():
    assert report_province("Đắk Nông", 2021, 2025) == f.unit("67")
    assert report_province("60", 2024, 2024) == f.unit("60")
    assert report_province("", 2026, 2026) == f.unit("68-2025")
    with pytest.raises(ValueError, match="chỉ tồn tại đến"):
        report_province("Bình Thuận", 2026, 2026)
    with pytest.raises(CommandError, match="Không có tỉnh"):
        call_command("check_report", "--from", "2024", "--to", "2024", "--province", "Hà Giang", stdout=io.StringIO())


def test_render_report_for_a_former_province_names_its_body(three_provinces, tmp_path):
    out = tmp_path / "bc.html"
    call_command(
        "render_report", "--from", "2024", "--to", "2024", "--date", "2025-03-15", "--province", "Đắk Nông",
        "--format", "html", "--output", str(out), stdout=io.StringIO(),
    )
    html = out.read_text(encoding="utf-8")
    assert "UBND TỈNH ĐẮK NÔNG" in html


# -- the workbook ----------------------------------------------------------------------------------


def _dean(province_cell: str, code: str = "DN-01") -> bytes:
    """A workbook whose DeAn sheet holds one proposed đề án of 2024 naming ``province_cell``."""
    header = ["Năm", "Mã đề án", "Tên đề án", "Nguồn", "Mã nội dung", "Hình thức", "Kinh phí kế hoạch",
              "Trạng thái", S.FORMER_PROVINCE]
    row = [2024, code, "Hỗ trợ máy sấy cà phê", "Địa phương", "MMTB", "Không thu hồi", 90_000_000, "Đề xuất",
           province_cell]
    return xlsx({S.PROJECTS.name: [header, row]})


def _messages(result) -> list[str]:
    return [p.message for p in result.problems]


def test_import_puts_a_former_province_record_under_its_programme():
    local = f.funding_level(FundingLevel.LOCAL)
    f.ProgramFactory(funding_level=local, province=f.unit("68"), first_year=2021, last_year=2025)
    dak_nong = f.ProgramFactory(funding_level=local, province=f.unit("67"), first_year=2021, last_year=2025)
    result = import_workbook(_dean("Đắk Nông"))
    assert result.ok, result.problems
    project = Project.objects.get(code="DN-01")
    assert project.plan.program == dak_nong and project.plan.year == 2024
    # Exported and imported again: the same province, and nothing changes.
    exported = export_workbook()
    sheet = load_workbook(io.BytesIO(exported))[S.PROJECTS.name]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index(S.FORMER_PROVINCE) + 1).value == "Đắk Nông"
    again = import_workbook(exported)
    assert again.ok, again.problems
    assert Project.objects.get(code="DN-01").plan.program == dak_nong
    assert AnnualPlan.objects.filter(year=2024).count() == 1


def test_a_blank_former_province_is_the_deployments_province_of_the_year():
    local = f.funding_level(FundingLevel.LOCAL)
    own = f.ProgramFactory(funding_level=local, province=f.unit("68"), first_year=2021, last_year=2025)
    f.ProgramFactory(funding_level=local, province=f.unit("67"), first_year=2021, last_year=2025)
    result = import_workbook(_dean(""))
    assert result.ok, result.problems
    assert Project.objects.get(code="DN-01").plan.program == own


def test_import_without_the_former_province_programme_is_refused_in_vietnamese():
    f.ProgramFactory(funding_level=f.funding_level(FundingLevel.LOCAL), province=f.unit("68"), first_year=2021, last_year=2025)
    result = import_workbook(_dean("Bình Thuận"))
    assert not result.ok
    assert any("Chưa có chương trình khuyến công" in m and "Bình Thuận" in m for m in _messages(result))
    assert not Project.objects.exists() and not AnnualPlan.objects.exists()
    unknown = import_workbook(_dean("Hà Giang", code="X-01"))
    assert any("Không có tỉnh “Hà Giang”" in m for m in _messages(unknown))
    assert not Project.objects.exists()


# -- year choices ----------------------------------------------------------------------------------


def test_the_current_programme_is_the_one_containing_today():
    local = f.funding_level(FundingLevel.LOCAL)
    f.ProgramFactory(funding_level=local, first_year=2021, last_year=2025)
    assert periods.current_programme_years(D(2026, 11, 30)) == (2021, 2025)  # none contains 2026: the latest begun
    f.ProgramFactory(funding_level=local, province=f.unit("68-2025"), first_year=2026, last_year=2030)
    assert periods.current_programme_years(D(2026, 11, 30)) == (2026, 2030)
    assert periods.current_programme_years(D(2023, 5, 1)) == (2021, 2025)
    assert periods.programme_years(D(2026, 11, 30))[-1] == 2030


def test_the_dashboard_and_the_lists_reach_the_current_programme(viewer_client):
    local = f.funding_level(FundingLevel.LOCAL)
    f.ProgramFactory(funding_level=local, first_year=2021, last_year=2025)
    f.ProgramFactory(funding_level=local, province=f.unit("68-2025"), first_year=2026, last_year=2030)
    today = datetime.date.today()
    response = viewer_client.get(reverse("home"))
    board = response.context["board"]
    expected = periods.current_programme_years(today)
    assert (board.year_from, board.year_to) == expected
    assert 2030 in response.context["year_choices"]
    projects = viewer_client.get(reverse("projects:project-list")).content.decode()
    assert '<option value="2030">2030</option>' in projects


def test_a_clerk_without_a_programme_for_the_year_is_told_who_must_create_it():
    f.ProgramFactory(funding_level=f.funding_level(FundingLevel.LOCAL), first_year=2021, last_year=2025)
    program = f.ProgramFactory(funding_level=f.funding_level(FundingLevel.NATIONAL), first_year=2021, last_year=2025)
    clerk = get_user_model().objects.create_user("nl-test")
    form = PlanForm(data={"program": program.pk, "year": 2026}, user=clerk)
    assert not form.is_valid()
    assert "Chuyên viên Sở Công Thương" in " ".join(form.errors["year"])


# -- 2026 in the demonstration data ----------------------------------------------------------------


@pytest.mark.usefixtures("lam_dong")
class TestDemo2026:
    def test_render_report_2026_has_the_2026_projects(self, tmp_path):
        out = tmp_path / "bc-2026.pdf"
        call_command(
            "render_report", "--from", "2026", "--to", "2026", "--date", "2026-11-20", "--output", str(out),
            stdout=io.StringIO(),
        )
        text = " ".join(" ".join(page_texts(out)).split())
        done_2026 = Project.objects.filter(plan__year=2026, status=DONE)
        assert done_2026.exists()
        assert "năm 2026" in text
        figures = compute_figures(province=default_province(2026), year_from=2026, year_to=2026, report_date=D(2026, 11, 20))
        assert (figures.done.count, figures.done.money) == (done_2026.count(), _executed(done_2026))
        # The annex lists every đề án of the year done, by code.
        missing = [p.code for p in done_2026 if p.code not in text]
        assert not missing, missing

    def test_the_2021_2025_figures_do_not_see_2026(self):
        figures = compute_figures(province=default_province(2025), year_from=2021, year_to=2025, report_date=D(2025, 3, 15))
        in_period = Project.objects.filter(plan__year__range=(2021, 2025), status=DONE)
        assert figures.done.count == in_period.count()

    def test_a_clerk_finds_the_2026_plan(self):
        client = Client()
        client.force_login(get_user_model().objects.get(username="nhaplieu"))
        page = client.get(reverse("projects:project-list"), {"year": 2026})
        assert page.status_code == 200
        assert AnnualPlan.objects.filter(year=2026, program__province__code="68-2025").exists()


def test_the_report_form_and_the_draft_url_take_a_former_province(three_provinces, department_client, viewer_client):
    refused = department_client.post(
        reverse("reporting:report-create"),
        {"kind": "annual", "year_from": 2026, "year_to": 2026, "report_date": "20/11/2026", "province": "67",
         "place": "Lâm Đồng"},
    )
    assert refused.status_code == 200
    assert "chỉ tồn tại đến 30/06/2025" in refused.content.decode()
    created = department_client.post(
        reverse("reporting:report-create"),
        {"kind": "annual", "year_from": 2024, "year_to": 2024, "report_date": "15/03/2025", "province": "67",
         "place": "Gia Nghĩa"},
    )
    assert created.status_code == 302
    from reporting.models import Report

    assert Report.objects.get().province == f.unit("67")
    url = reverse("reporting:draft-document", kwargs={"year_from": 2024, "year_to": 2024})
    html = viewer_client.get(url, {"ngay": "2025-03-15", "tinh": "67"}).content.decode()
    assert "UBND TỈNH ĐẮK NÔNG" in html
    assert "?tinh=67" in html  # the figures' drill-down keeps the province
    assert viewer_client.get(url, {"tinh": "Hà Giang"}).status_code == 404


def test_the_report_model_refuses_a_former_province_after_the_merger():
    from django.core.exceptions import ValidationError

    report = f.ReportFactory.build(province=f.unit("60"), year_from=2026, year_to=2026, report_date=D(2026, 11, 20))
    with pytest.raises(ValidationError) as refused:
        report.full_clean()
    assert "chỉ tồn tại đến 30/06/2025" in " ".join(refused.value.message_dict["province"])
    fine = f.ReportFactory.build(province=f.unit("60"), year_from=2024, year_to=2024, report_date=D(2025, 3, 15))
    fine.full_clean()


def test_the_merged_province_follows_up_the_former_provinces_projects(three_provinces):
    """A 2024 đề án of former Đắk Nông followed up in 2026 is in the merged province's 2026
    report (its results are now the merged province's to follow); Bình Thuận's 2024 report,
    or Đắk Nông's of 2024, does not count a follow-up dated 2026."""
    from projects.models import ProjectResult

    def followed(code, year_from, year_to):
        figures = compute_figures(province=f.unit(code), year_from=year_from, year_to=year_to, report_date=D(2026, 11, 30))
        return [line.code for line in figures.after_support.lines], figures.after_support

    dak_nong_project = three_provinces["67"][0]
    before = followed("68-2025", 2026, 2026)[1]
    ProjectResult.objects.create(project=dak_nong_project, date=D(2026, 5, 4), jobs_created=7, capital_mobilised=300_000_000)

    codes, after = followed("68-2025", 2026, 2026)
    assert dak_nong_project.code in codes
    assert after.jobs_created == before.jobs_created + 7
    assert after.capital_mobilised == before.capital_mobilised + 300_000_000
    assert followed("67", 2024, 2024)[0] == []
    assert followed("60", 2024, 2024)[0] == []
