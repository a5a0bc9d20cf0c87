"""The activity catalogue as versioned data (NĐ 45/2012 to 14/10/2025, NĐ 235/2025 from
15/10/2025), the one rule that a đề án uses the contents valid in its plan year, the report
mapping both lists to its sections, and the support caps that warn without refusing."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import include, path, reverse

from khuyencong.jobs.models import Job
from khuyencong.urls import urlpatterns as site_urls
from khuyencong.workbook import import_workbook
from projects.forms import ProjectForm
from projects.models import ActivityContent, Project, SupportCap, SupportForm, content_for, support_cap_warning
from reporting.annexes import annex_contents
from reporting.document import default_province
from reporting.figures import compute_figures

from . import factories as f
from .workbook_helpers import centre_workbook, xlsx

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

urlpatterns = list(site_urls)
if not any(getattr(p, "namespace", None) == "workbook" for p in site_urls):
    urlpatterns.append(path("nhap-xuat/", include("khuyencong.workbook_urls")))

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

ND45_LINES = {"MHTD", "MMTB", "CGCN", "XLMT", "KNCC", "HCTL", "THNH", "BCSP", "LKCK", "DTBD", "TVHT", "TTTT", "KTGS"}


@pytest.fixture
def objects():
    return {"plan": f.AnnualPlanFactory(year=2024), "facility": f.FacilityFactory()}


def plan_of(year: int):
    # From 2026 the programme is the merged province's (unit "68-2025"), the one its report covers.
    program = f.ProgramFactory(
        name="Chương trình khuyến công tỉnh Lâm Đồng giai đoạn 2026-2030", first_year=2026, last_year=2030,
        province=f.unit("68-2025"),
    ) if year >= 2026 else f.ProgramFactory()
    return f.AnnualPlanFactory(program=program, year=year, decision_date=datetime.date(year, 1, 15))


# ——— The catalogue and the one rule ————————————————————————————————————————————————————


def test_each_plan_year_gets_the_contents_in_force_on_one_of_its_days():
    lines = ActivityContent.objects.lines()
    assert set(lines.valid_in_year(2021).values_list("code", flat=True)) == ND45_LINES
    in_2026 = set(lines.valid_in_year(2026).values_list("code", flat=True))
    assert in_2026.isdisjoint(ND45_LINES) and {"MMTB-235", "CDS", "SXBV", "NNCN"} <= in_2026
    # 2025: NĐ 45 to 14/10, NĐ 235 from 15/10; both are in force on some day of the year.
    assert set(lines.valid_in_year(2025).values_list("code", flat=True)) == ND45_LINES | in_2026
    mmtb = ActivityContent.objects.get(code="MMTB")
    assert (mmtb.valid_to, mmtb.legal_basis) == (datetime.date(2025, 10, 14), "NĐ 45/2012/NĐ-CP, Điều 4")
    assert ActivityContent.objects.get(code="CDS").valid_from == datetime.date(2025, 10, 15)


def test_content_for_gives_the_successor_of_an_nd45_code():
    assert content_for("MMTB", 2024).code == "MMTB"
    assert content_for("MMTB", 2026).code == "MMTB-235"
    assert content_for("BCSP", 2027).code == "BCSP-235"
    assert content_for("MMTB-235", 2026).code == "MMTB-235"
    assert content_for("CDS", 2026).code == "CDS"
    assert content_for("CDS", 2024) is None  # digital transformation is new with NĐ 235


def test_project_clean_refuses_a_content_not_valid_in_its_plan_year():
    project = f.ProjectFactory.build(plan=plan_of(2026), content=f.content("MMTB"), funding_level=f.funding_level())
    with pytest.raises(ValidationError) as refused:
        project.full_clean()
    message = refused.value.message_dict["content"][0]
    assert "không áp dụng cho kế hoạch năm 2026" in message and "MMTB-235" in message
    project.content = f.content("MMTB-235")
    project.full_clean(exclude=["facilities"])  # the successor goes in


def test_project_form_offers_the_plan_years_contents_and_refuses_another(entry_client, objects):
    plan = plan_of(2026)
    project = f.ProjectFactory(plan=plan, content=f.content("MMTB-235"))
    offered = {c.code for c in ProjectForm(instance=project).fields["content"].queryset}
    assert "MMTB-235" in offered and not offered & ND45_LINES

    from tests.test_screens import project_post

    data = project_post(plan, objects["facility"], code="DP-2026-01", start_date="15/03/2026", end_date="30/09/2026")
    response = entry_client.post(reverse("projects:project-create"), data)
    assert response.status_code == 200 and not Project.objects.filter(code="DP-2026-01").exists()
    assert "không áp dụng cho kế hoạch năm 2026" in response.context["form"].errors["content"][0]


# ——— The report maps both lists to its sections ————————————————————————————————————————


def test_a_2026_project_under_an_nd235_content_lands_in_the_section_of_its_nd45_counterpart():
    plan = plan_of(2026)
    facility = f.FacilityFactory()
    machinery = f.ProjectFactory(
        plan=plan, content=f.content("MMTB-235"), status=Project.Status.COMPLETED, facilities=[facility]
    )
    f.DisbursementFactory(project=machinery, amount=250_000_000, date=datetime.date(2026, 6, 1))
    digital = f.ProjectFactory(
        plan=plan, content=content_for("CDS", 2026), status=Project.Status.COMPLETED, facilities=[f.FacilityFactory()],
        planned_budget=100_000_000, approved_budget=100_000_000,
    )
    f.DisbursementFactory(project=digital, amount=90_000_000, date=datetime.date(2026, 7, 1))
    training = f.ProjectFactory(
        plan=plan, content=content_for("DTBD", 2026), status=Project.Status.COMPLETED,
        support_form=SupportForm.INDIRECT, counterpart_capital=0, output_quantity=2,
        planned_budget=80_000_000, approved_budget=80_000_000,
    )
    f.DisbursementFactory(project=training, amount=80_000_000, date=datetime.date(2026, 8, 1))

    figures = compute_figures(
        province=default_province(2026), year_from=2026, year_to=2026, report_date=datetime.date(2026, 11, 30)
    )

    assert (figures.machinery.projects, figures.machinery.money) == (1, 250_000_000)  # F07, as MMTB would
    assert figures.records["F07"].projects == (machinery.pk,)
    assert (figures.training.projects, figures.training.outputs, figures.training.money) == (1, 2, 80_000_000)
    # Digital transformation is a new line of group 1.1: direct support (F21), no NĐ 45 line.
    assert set(figures.records["F21"].projects) == {machinery.pk, digital.pk}
    assert figures.done.money == 420_000_000
    annex = annex_contents(figures)
    names = [row.values[1] for row in annex.rows]
    assert ActivityContent.objects.get(code="CDS").name in names
    assert ActivityContent.objects.get(code="MMTB-235").name in names


def test_render_report_for_2026_with_nd235_contents(tmp_path: Path):
    plan = plan_of(2026)
    project = f.ProjectFactory(plan=plan, content=f.content("MMTB-235"), status=Project.Status.COMPLETED)
    f.DisbursementFactory(project=project, amount=200_000_000, date=datetime.date(2026, 5, 1))
    output = tmp_path / "bao-cao-2026.html"

    call_command("render_report", "--from", "2026", "--to", "2026", "--date", "2026-11-30", "--format", "html",
                 "--output", str(output))

    html = output.read_text(encoding="utf-8")
    assert "năm 2026" in html and ActivityContent.objects.get(code="MMTB-235").name in html


# ——— Support caps: a warning, never a refusal ——————————————————————————————————————————


def test_support_cap_warning_on_share_and_ceiling():
    project = f.ProjectFactory(plan=plan_of(2024), planned_budget=300_000_000, approved_budget=300_000_000,
                                 counterpart_capital=900_000_000)
    assert support_cap_warning(project) == ""  # 25% and 300 million: at the cap, not over
    project.approved_budget, project.counterpart_capital = 400_000_000, 100_000_000
    warning = support_cap_warning(project)
    assert "80,0% tổng chi phí" in warning and "quá tỷ lệ tối đa 50%" in warning
    assert "quá mức tối đa 300.000.000 đồng" in warning
    # A recoverable loan is not under the non-recoverable cap.
    project.support_form = SupportForm.RECOVERABLE
    assert support_cap_warning(project) == ""


def test_a_project_over_its_cap_is_saved_with_the_warning_on_the_form(entry_client, objects):
    from tests.test_screens import project_post

    data = project_post(objects["plan"], objects["facility"], planned_budget="450.000.000", counterpart_capital="300.000.000")
    response = entry_client.post(reverse("projects:project-create"), data, follow=True)

    project = Project.objects.get(code="DP-2024-99")  # saved
    assert project.planned_budget == 450_000_000
    page = response.content.decode()
    assert "Đã thêm đề án DP-2024-99." in page
    assert "Vượt mức hỗ trợ" in page and "quá tỷ lệ tối đa 50%" in page and "quá mức tối đa 300.000.000 đồng" in page


def test_a_project_over_its_cap_is_a_warning_in_the_import_preview_and_still_imports(entry_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sheets = centre_workbook()
    header = sheets["DeAn"][0]
    row = sheets["DeAn"][1]
    assert row[header.index("Mã nội dung")] == "MMTB"
    row[header.index("Kinh phí kế hoạch")] = "500.000.000"
    row[header.index("Vốn đối ứng")] = 100_000_000
    code = row[header.index("Mã đề án")]

    response = entry_client.post(
        reverse("workbook:import"), {"file": _upload(xlsx(sheets))}, follow=True
    )

    assert response.context["problems"] == [] and response.context["may_confirm"] is True
    warnings = response.context["warnings"]
    mine = [w for w in warnings if w[1] == 2]
    assert [(w[0], w[2]) for w in mine] == [("DeAn", "Kinh phí kế hoạch")]
    assert f"đề án “{code}”" in mine[0][3] and "quá mức tối đa 300.000.000 đồng" in mine[0][3]
    assert "Vượt mức hỗ trợ" in response.content.decode() and 'id="warnings"' in response.content.decode()
    assert not Project.objects.filter(code=code).exists()  # a dry run

    entry_client.post(reverse("workbook:confirm"), {"job": str(response.context["job"].pk)})

    assert Job.objects.get(kind="import").status == "done"
    assert Project.objects.get(code=code).planned_budget == 500_000_000


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("so-lieu.xlsx", data)


def test_the_import_refuses_a_content_of_another_plan_year_and_changes_nothing(settings, tmp_path):
    sheets = centre_workbook()
    header = sheets["DeAn"][0]
    sheets["DeAn"][1][header.index("Mã nội dung")] = "MMTB-235"  # a 2023 đề án
    before = Project.objects.count()

    result = import_workbook(xlsx(sheets))

    assert [(p.sheet, p.row, p.column) for p in result.problems] == [("DeAn", 2, "Mã nội dung")]
    assert "không áp dụng cho kế hoạch năm 2023" in result.problems[0].message
    assert not result.applied and Project.objects.count() == before


# ——— The caps screen ———————————————————————————————————————————————————————————————————


def test_the_department_edits_a_cap_with_history_and_data_entry_may_not(department_client, entry_client):
    cap = SupportCap.objects.get(content__code="MMTB-235")
    url = reverse("projects:cap-edit", args=[cap.pk])
    assert entry_client.get(url).status_code == 403
    listing = entry_client.get(reverse("projects:cap-list")).content.decode()
    assert "MMTB-235" in listing and "mức tham chiếu" in listing.lower()

    data = {
        "content": cap.content_id, "funding_level": "", "support_form": "non_recoverable", "share_percent": "40",
        "ceiling": "500.000.000", "legal_basis": "Nghị quyết HĐND tỉnh Lâm Đồng (thử)", "valid_from": "01/01/2026",
        "valid_to": "", "notes": "",
    }
    response = department_client.post(url, data)

    assert response.status_code == 302
    cap.refresh_from_db()
    assert (cap.share_percent, cap.ceiling) == (40, 500_000_000)
    assert (cap.history.first().share_percent, cap.history.first().history_user.username) == (40, "chuyenvien")
    history = department_client.get(reverse("projects:cap-history", args=[cap.pk])).content.decode()
    assert "500.000.000" in history

    data.update(share_percent="", ceiling="")
    refused = department_client.post(url, data)
    assert refused.status_code == 200 and "Cần ghi tỷ lệ tối đa hoặc mức tối đa" in refused.content.decode()


def test_the_national_2026_2030_programme_and_a_2026_plan_are_accepted(department_client):
    from projects.models import AnnualPlan, Program

    response = department_client.post(
        reverse("projects:program-create"),
        {
            "name": "Chương trình khuyến công quốc gia giai đoạn 2026-2030",
            "funding_level": f.funding_level("QG").pk,
            "province": f.unit("68-2025").pk,
            "first_year": "2026",
            "last_year": "2030",
            "decision_number": "2646/QĐ-BCT",
            "decision_date": "23/09/2025",
        },
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    program = Program.objects.get(decision_number="2646/QĐ-BCT")
    assert (program.first_year, program.last_year, program.decision_date) == (2026, 2030, datetime.date(2025, 9, 23))
    plan = AnnualPlan.objects.create(program=program, year=2026)
    plan.full_clean()


def test_a_plan_is_not_moved_to_a_year_its_projects_contents_do_not_reach(department_client):
    program = f.ProgramFactory(first_year=2021, last_year=2030)
    plan = f.AnnualPlanFactory(program=program, year=2024)
    f.ProjectFactory(plan=plan, code="DP-2024-07", content=f.content("MMTB"))
    data = {"program": program.pk, "year": "2026", "decision_number": plan.decision_number, "decision_date": "15/01/2024",
            "notes": ""}

    response = department_client.post(reverse("projects:plan-edit", args=[plan.pk]), data)

    assert response.status_code == 200
    assert "đề án DP-2024-07 dùng nội dung hoạt động không còn hiệu lực trong năm 2026" in response.content.decode()
    plan.refresh_from_db()
    assert plan.year == 2024
