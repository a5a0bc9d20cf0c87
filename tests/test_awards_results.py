"""Issue 12, items 4 and 5: award levels valid by their dates (one rule through the form, the
admin and the workbook), recognition certificates valid, expiring or expired (TT 26/2014:
31/12 of the third year after issue), and results after support of a completed đề án (one rule
through the form, the admin and the workbook; summed in the report's section, its annex and
the dashboard)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from khuyencong.core import roles
from khuyencong.workbook import export_workbook, import_workbook
from khuyencong.workbook import sheets as S
from projects.models import (
    CERTIFICATE_EXPIRING_MONTHS,
    AwardLevel,
    CertificateState,
    ProductNomination,
    Project,
    ProjectResult,
    certificate_state,
    certificate_valid_to,
)
from reporting import annexes, sentences
from reporting.figures import compute_figures

from . import factories as f
from .screens_helpers import client_for, user_in
from .workbook_helpers import xlsx

pytestmark = pytest.mark.django_db
D = datetime.date


def huyen() -> AwardLevel:
    return AwardLevel.objects.get(code="HUYEN")


# --- award levels valid by their dates ---------------------------------------------------------


def test_district_level_is_valid_in_2025_and_not_in_2026():
    assert huyen().valid_to == D(2025, 6, 30)
    assert huyen().year_refusal(2025) == ""
    refusal = huyen().year_refusal(2026)
    assert "Huyện" in refusal and "30/06/2025" in refusal and "2026" in refusal
    valid_2026 = set(AwardLevel.objects.valid_in_year(2026).values_list("code", flat=True))
    assert "HUYEN" not in valid_2026 and "TINH" in valid_2026
    assert "HUYEN" in set(AwardLevel.objects.valid_in_year(2025).values_list("code", flat=True))


def test_a_commune_level_is_data_offered_only_from_its_first_day():
    commune = AwardLevel.objects.create(code="XA", name="Xã", order=1, valid_from=D(2025, 7, 1))
    assert commune.is_valid_in_year(2025) and commune.is_valid_in_year(2026)
    assert not commune.is_valid_in_year(2024)
    assert "chỉ áp dụng từ 01/07/2025" in commune.year_refusal(2024)
    assert commune in AwardLevel.objects.valid_in_year(2026)
    assert commune not in AwardLevel.objects.valid_in_year(2024)


def _nomination_post(facility, level, year: int) -> dict:
    return {"facility": facility.pk, "product_name": "Cà phê Cầu Đất", "level": level.pk, "year": str(year),
            "recognised": "on", "certificate_number": "1/GCN", "certificate_date": f"01/11/{year}"}


def test_nomination_form_offers_and_accepts_only_levels_valid_in_its_year():
    client = client_for(user_in(roles.DATA_ENTRY, "nhaplieu"))
    facility = f.FacilityFactory()
    page = client.get(reverse("projects:nomination-create")).content.decode()
    today_year = datetime.date.today().year
    assert ('>Huyện</option>' in page) == huyen().is_valid_in_year(today_year)

    refused = client.post(reverse("projects:nomination-create"), _nomination_post(facility, huyen(), 2026))
    assert refused.status_code == 200
    html = refused.content.decode()
    assert huyen().year_refusal(2026) in html.replace("&ldquo;", "“").replace("&rdquo;", "”") or (
        "chỉ áp dụng đến 30/06/2025" in html
    )
    assert '>Huyện</option>' not in html  # the form for 2026 does not offer it
    assert not ProductNomination.objects.exists()

    ok = client.post(reverse("projects:nomination-create"), _nomination_post(facility, huyen(), 2025))
    assert ok.status_code == 302
    assert ProductNomination.objects.get().level == huyen()


def test_admin_refuses_a_level_out_of_its_dates_with_the_same_words(client):
    client.force_login(f.SuperuserFactory())
    product = f.ProductFactory()
    response = client.post(
        reverse("admin:projects_productnomination_add"),
        {"product": product.pk, "level": huyen().pk, "year": "2026", "certificate_number": "", "certificate_date": ""},
    )
    assert response.status_code == 200
    assert "chỉ áp dụng đến 30/06/2025: không chọn được cho năm 2026" in response.content.decode()
    assert not ProductNomination.objects.exists()


def _nominations_sheet(level: str, year: int, facility) -> dict:
    return {"BinhChon": [list(S.NOMINATIONS.all_columns),
                         ["Chè Ô long", facility.tax_code, level, year, "Công nhận", "5/GCN", D(year, 3, 1)]]}


def test_workbook_refuses_a_level_out_of_its_dates_with_the_same_words():
    facility = f.FacilityFactory()
    user = user_in(roles.DATA_ENTRY, "nhaplieu")
    result = import_workbook(xlsx(_nominations_sheet("Huyện", 2026, facility)), user=user, dry_run=True)
    assert not result.ok
    assert [(p.sheet, p.column, p.message) for p in result.problems] == [("BinhChon", "Cấp", huyen().year_refusal(2026))]
    assert not ProductNomination.objects.exists()
    assert import_workbook(xlsx(_nominations_sheet("Huyện", 2025, facility)), user=user).ok
    assert ProductNomination.objects.get().year == 2025


# --- certificates --------------------------------------------------------------------------


def test_certificate_is_valid_to_31_december_of_the_third_year_after_it():
    assert certificate_valid_to(D(2022, 5, 1)) == D(2025, 12, 31)
    assert certificate_valid_to(D(2022, 12, 31)) == D(2025, 12, 31)
    assert certificate_valid_to(D(2023, 1, 1)) == D(2026, 12, 31)


@pytest.mark.parametrize(
    ("issued", "today", "state"),
    [
        (D(2022, 5, 1), D(2025, 12, 31), CertificateState.EXPIRING),  # its last day
        (D(2022, 5, 1), D(2026, 1, 1), CertificateState.EXPIRED),  # the day after
        (D(2023, 1, 1), D(2026, 6, 30), CertificateState.VALID),  # ends 31/12/2026: more than 6 months on
        (D(2023, 1, 1), D(2026, 7, 1), CertificateState.EXPIRING),  # within 6 months
        (D(2023, 1, 1), D(2027, 1, 1), CertificateState.EXPIRED),
        (D(2025, 8, 15), D(2026, 11, 30), CertificateState.VALID),
    ],
)
def test_certificate_state_at_the_edges_in_python_and_in_the_database(issued, today, state):
    assert CERTIFICATE_EXPIRING_MONTHS == 6
    assert certificate_state(issued, today) == state
    nomination = f.ProductNominationFactory(certificate_date=issued, year=issued.year, level=AwardLevel.objects.get(code="TINH"))
    annotated = ProductNomination.objects.with_certificate_state(today).get(pk=nomination.pk)
    assert annotated.certificate_state == state
    assert list(ProductNomination.objects.certificate_state_is(state, today)) == [nomination]


def test_register_and_facility_page_show_the_state_and_the_register_filters_on_it():
    today = datetime.date.today()
    tinh = AwardLevel.objects.get(code="TINH")
    facility = f.FacilityFactory()
    expired = f.ProductNominationFactory(product__facility=facility, product__name="Chè cũ", level=tinh,
                                         year=today.year - 5, certificate_date=D(today.year - 5, 3, 1))
    valid = f.ProductNominationFactory(product__facility=facility, product__name="Chè mới", level=tinh,
                                       year=today.year, certificate_date=D(today.year, 1, 2))
    client = client_for(user_in(roles.VIEWER, "xem"))
    html = client.get(reverse("projects:nomination-list")).content.decode()
    assert "cert-expired" in html and "cert-valid" in html
    only_expired = client.get(reverse("projects:nomination-list"), {"certificate": "expired"}).content.decode()
    assert expired.product.name in only_expired and valid.product.name not in only_expired
    page = client.get(reverse("projects:facility-detail", args=[facility.pk])).content.decode()
    assert "Hết hiệu lực" in page and "Còn hiệu lực" in page


# --- results after support: the rule ----------------------------------------------------------


def _result_post(**values) -> dict:
    data = {"date": "15/03/2026", "capacity": "12 tấn/ngày", "productivity_increase": "12,5",
            "revenue": "2.500.000.000", "new_markets": "Hà Nội", "material_saved": "5%", "energy_saved": "8%",
            "jobs_created": "7", "capital_mobilised": "900.000.000", "note": ""}
    data.update(values)
    return data


def test_only_a_completed_project_takes_results_on_its_page():
    client = client_for(user_in(roles.DATA_ENTRY, "nhaplieu"))
    approved = f.ProjectFactory(status=Project.Status.APPROVED)
    refused = client.post(reverse("projects:result-create", args=[approved.pk]), _result_post())
    assert refused.status_code == 200
    assert approved.result_refusal() and "chỉ ghi kết quả sau hỗ trợ" in refused.content.decode()
    assert not ProjectResult.objects.exists()
    assert "Thêm kết quả sau hỗ trợ" not in client.get(reverse("projects:project-detail", args=[approved.pk])).content.decode()

    done = f.ProjectFactory(status=Project.Status.COMPLETED)
    assert client.post(reverse("projects:result-create", args=[done.pk]), _result_post()).status_code == 302
    result = ProjectResult.objects.get()
    assert (result.revenue, result.capital_mobilised, result.jobs_created) == (2_500_000_000, 900_000_000, 7)
    assert result.productivity_increase == Decimal("12.50")
    assert result.history.count() == 1 and result.history.get().history_user.username == "nhaplieu"
    page = client.get(reverse("projects:project-detail", args=[done.pk])).content.decode()
    assert "2.500.000.000" in page and "12 tấn/ngày" in page

    again = client.post(reverse("projects:result-create", args=[done.pk]), _result_post())
    assert "đã có kết quả theo dõi cùng ngày" in again.content.decode()
    edited = client.post(reverse("projects:result-edit", args=[result.pk]), _result_post(jobs_created="9"))
    assert edited.status_code == 302
    result.refresh_from_db()
    assert result.jobs_created == 9 and result.history.count() == 2
    viewer = client_for(user_in(roles.VIEWER, "xem"))
    assert viewer.post(reverse("projects:result-create", args=[done.pk]), _result_post(date="16/03/2026")).status_code == 403


def test_admin_refuses_a_result_on_a_project_not_completed(client):
    client.force_login(f.SuperuserFactory())
    approved = f.ProjectFactory(status=Project.Status.APPROVED)
    response = client.post(reverse("admin:projects_projectresult_add"),
                           {"project": approved.pk, "date": "2026-03-15", "revenue": "0", "jobs_created": "0",
                            "capital_mobilised": "0"})
    assert response.status_code == 200
    assert "chỉ ghi kết quả sau hỗ trợ cho đề án đã hoàn thành" in response.content.decode()
    assert not ProjectResult.objects.exists()


def _results_sheet(project, *rows) -> dict:
    return {"KetQua": [list(S.RESULTS.all_columns)] + [
        [project.plan.year, project.code, *row] for row in rows
    ]}


def test_workbook_results_all_or_nothing_with_the_same_refusal():
    user = user_in(roles.DATA_ENTRY, "nhaplieu")
    done = f.ProjectFactory(status=Project.Status.COMPLETED)
    approved = f.ProjectFactory(status=Project.Status.APPROVED)
    good = [D(2026, 3, 1), "5 tấn/ngày", "10,5", 1_000_000_000, "TP. HCM", "5%", "", 4, 300_000_000, ""]
    sheets = _results_sheet(done, good)
    sheets["KetQua"].append([approved.plan.year, approved.code, *good])
    result = import_workbook(xlsx(sheets), user=user, dry_run=True)
    assert [(p.sheet, p.column, p.message) for p in result.problems] == [("KetQua", "Mã đề án", approved.result_refusal())]
    assert not import_workbook(xlsx(sheets), user=user).ok
    assert not ProjectResult.objects.exists()  # the good row did not go in either

    bad = _results_sheet(done, [D(2026, 3, 1), "", "mười", "abc", "", "", "", 1, 0, ""])
    problems = {p.column for p in import_workbook(xlsx(bad), user=user, dry_run=True).problems}
    assert problems == {"Năng suất tăng (%)", "Doanh thu / giá trị gia tăng"}

    assert import_workbook(xlsx(_results_sheet(done, good)), user=user).ok
    stored = ProjectResult.objects.get()
    assert (stored.productivity_increase, stored.revenue, stored.jobs_created) == (Decimal("10.50"), 1_000_000_000, 4)
    assert stored.history.get().history_user == user
    again = import_workbook(xlsx(_results_sheet(done, good)), user=user)
    assert again.ok and again.counts["KetQua"].unchanged == 1


def test_export_carries_the_results():
    done = f.ProjectFactory(status=Project.Status.COMPLETED)
    ProjectResult.objects.create(project=done, date=D(2026, 4, 2), revenue=5_000_000, jobs_created=2,
                                 productivity_increase=Decimal("7.25"))
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(export_workbook()))["KetQua"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(S.RESULTS.all_columns)
    assert rows[1][:3] == (done.plan.year, done.code, datetime.datetime(2026, 4, 2))
    assert rows[1][4] == 7.25 and rows[1][5] == 5_000_000 and rows[1][9] == 2


# --- the report, the annex, the dashboard -----------------------------------------------------


def _province():
    from django.conf import settings

    from projects.models import AdministrativeUnit

    return AdministrativeUnit.objects.get(code=settings.ORGANISATION["province_code"])


def _figures(year: int):
    return compute_figures(province=_province(), year_from=year, year_to=year, report_date=D(year, 12, 31))


def _paragraph(figures) -> str:
    paragraphs = sentences.generated(figures, "Lâm Đồng")["after_support"]
    return paragraphs[0].text if paragraphs else ""


def test_report_section_and_annex_none_one_many():
    province = _province()
    plan = f.AnnualPlanFactory(year=2024, program__province=province)
    first = f.ProjectFactory(plan=plan, status=Project.Status.COMPLETED, code="DP-2024-01", name="Máy sấy chè")
    second = f.ProjectFactory(plan=plan, status=Project.Status.COMPLETED, code="DP-2024-02")
    # None: no section (the optional section is left out) and no annex VI.
    none = _figures(2026)
    assert none.after_support.projects == 0 and _paragraph(none) == ""
    assert [a.number for a in annexes.build_annexes(none)] == ["I", "II", "III", "IV", "V"]

    ProjectResult.objects.create(project=first, date=D(2026, 3, 1), jobs_created=5, capital_mobilised=700_000_000,
                                 revenue=1_000_000_000)
    one = _figures(2026)
    text = _paragraph(one)
    assert "đề án “Máy sấy chè” (DP-2024-01)" in text and "05 lao động" in text and "700 triệu đồng" in text

    ProjectResult.objects.create(project=first, date=D(2026, 9, 1), jobs_created=3, revenue=1_500_000_000)
    ProjectResult.objects.create(project=second, date=D(2026, 5, 1), jobs_created=0, capital_mobilised=0, revenue=0)
    ProjectResult.objects.create(project=second, date=D(2025, 5, 1), jobs_created=50)  # not in 2026
    many = _figures(2026)
    a = many.after_support
    stored = ProjectResult.objects.filter(date__year=2026)
    assert a.projects == stored.values("project").distinct().count() == 2
    assert a.follow_ups == stored.count() == 3
    assert a.jobs_created == sum(r.jobs_created for r in stored)
    assert a.capital_mobilised == sum(r.capital_mobilised for r in stored)
    assert a.revenue == 1_500_000_000  # the latest record of each đề án
    text = _paragraph(many)
    assert "02 đề án đã hoàn thành" in text and "03 lần theo dõi" in text

    annex = annexes.build_annexes(many)[-1]
    assert annex.number == "VI"
    items = [row for row in annex.rows if row.kind == annexes.RowKind.ITEM]
    assert [row.values[2] for row in items] == ["DP-2024-01", "DP-2024-02"]
    assert annex.total("Lao động mới") == a.jobs_created
    assert annex.total("Vốn huy động") == a.capital_mobilised
    assert annex.total("Doanh thu, giá trị gia tăng") == a.revenue
    import io

    from openpyxl import load_workbook

    assert "Phụ lục VI" in load_workbook(io.BytesIO(annexes.annex_workbook(many))).sheetnames

    # A đề án reopened no longer counts.
    Project.objects.filter(pk=second.pk).update(status=Project.Status.IN_PROGRESS)
    assert _figures(2026).after_support.projects == 1


def test_no_figures_but_followed_up_reads_so():
    plan = f.AnnualPlanFactory(year=2024, program__province=_province())
    done = f.ProjectFactory(plan=plan, status=Project.Status.COMPLETED)
    ProjectResult.objects.create(project=done, date=D(2026, 3, 1), capacity="3 tấn/ngày")
    assert "chưa ghi nhận số liệu" in _paragraph(_figures(2026))


def test_dashboard_shows_the_period_totals():
    plan = f.AnnualPlanFactory(year=2024, program__province=_province())
    done = f.ProjectFactory(plan=plan, status=Project.Status.COMPLETED)
    ProjectResult.objects.create(project=done, date=D(2026, 3, 1), jobs_created=11, capital_mobilised=2_000_000_000)
    client = client_for(user_in(roles.VIEWER, "xem"))
    html = client.get(reverse("home"), {"tu": 2026, "den": 2026}).content.decode()
    assert "11 lao động mới" in html and "1 đề án được theo dõi" in html
    html = client.get(reverse("home"), {"tu": 2024, "den": 2025}).content.decode()
    assert "0 lao động mới" in html


def test_demo_2026_document_pdf_and_word_carry_the_section_and_annex_vi(lam_dong):
    """From the demonstration data: follow-ups of 2021–2025 đề án made in 2026 give the 2026
    draft its section and its Phụ lục VI (screen, PDF, Word), with totals computed from the
    records; the 2021–2025 report has neither."""
    import io
    import zipfile

    from pypdf import PdfReader

    from reporting.document import draft_figures, render_document
    from reporting.pdf import render_pdf
    from reporting.word import render_docx

    province = _province()
    figures = draft_figures(province=province, year_from=2026, year_to=2026, report_date=D(2026, 11, 30))
    stored = ProjectResult.objects.followed_in(2026, 2026)
    assert figures.after_support.projects == stored.values("project").distinct().count() > 1
    assert figures.after_support.jobs_created == sum(r.jobs_created for r in stored)
    html = render_document(figures, links=False)
    assert "Kết quả sau hỗ trợ" in html and "PHỤ LỤC VI" in html
    assert sentences.n(figures.after_support.jobs_created) + " lao động" in html
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(figures))).pages)
    assert "PHỤ LỤC VI" in text
    with zipfile.ZipFile(io.BytesIO(render_docx(figures))) as docx:
        assert "PHỤ LỤC VI" in docx.read("word/document.xml").decode()

    period = draft_figures(province=province, year_from=2021, year_to=2025, report_date=D(2025, 3, 15))
    assert period.after_support.projects == 0
    assert "PHỤ LỤC VI" not in render_document(period, links=False)


def test_demo_has_certificates_near_expiry_at_its_fixed_date(lam_dong):
    day = D(2026, 11, 30)
    states = {s for s in ProductNomination.objects.with_certificate_state(day).values_list("certificate_state", flat=True)}
    assert {CertificateState.VALID, CertificateState.EXPIRING, CertificateState.EXPIRED} <= states
