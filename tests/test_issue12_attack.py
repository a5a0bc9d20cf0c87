"""Regression tests for what an attack on issue 12's screens and imports found: malformed ids
on the commune review list, and results after support dated in the future or before the đề
án's plan year (the one rule Project.result_refusal, through the form and the workbook)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from khuyencong.core import roles
from khuyencong.workbook import import_workbook
from khuyencong.workbook import sheets as S
from projects.models import Facility, Project, ProjectResult

from . import factories as f
from .screens_helpers import client_for, user_in
from .workbook_helpers import xlsx

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures
pytestmark = pytest.mark.django_db
D = datetime.date


def test_review_list_refuses_malformed_ids_without_500(department_client):
    facility = f.FacilityFactory()
    before = Facility.objects.get(pk=facility.pk).commune_id
    url = reverse("projects:commune-review")
    assert department_client.post(url, {"facility": "abc", "commune": "1"}).status_code == 404
    response = department_client.post(url, {"facility": facility.pk, "commune": "abc"}, follow=True)
    assert response.status_code == 200
    assert f"Chưa chọn xã, phường cho cơ sở {facility.name}" in response.content.decode()
    assert Facility.objects.get(pk=facility.pk).commune_id == before


def _post(date: str) -> dict:
    return {"date": date, "capacity": "", "productivity_increase": "", "revenue": "0", "new_markets": "",
            "material_saved": "", "energy_saved": "", "jobs_created": "1", "capital_mobilised": "0", "note": ""}


def test_result_refused_in_the_future_or_before_the_plan_year():
    client = client_for(user_in(roles.DATA_ENTRY, "nhaplieu"))
    done = f.ProjectFactory(status=Project.Status.COMPLETED)
    year = done.plan.year
    url = reverse("projects:result-create", args=[done.pk])
    future = client.post(url, _post("01/10/3000"))
    assert future.status_code == 200 and "chưa đến" in future.content.decode()
    early = client.post(url, _post(f"31/12/{year - 1}"))
    assert early.status_code == 200 and f"trước năm kế hoạch {year}" in early.content.decode()
    assert not ProjectResult.objects.exists()
    assert done.result_refusal(timezone.localdate()) == ""
    assert client.post(url, _post(timezone.localdate().strftime("%d/%m/%Y"))).status_code == 302


def test_workbook_result_in_the_future_refused_with_the_same_reason():
    user = user_in(roles.DATA_ENTRY, "nhaplieu")
    done = f.ProjectFactory(status=Project.Status.COMPLETED)
    future = D(3000, 1, 1)
    row = [done.plan.year, done.code, future, "", "", 0, "", "", "", 1, 0, ""]
    result = import_workbook(xlsx({"KetQua": [list(S.RESULTS.all_columns), row]}), user=user)
    assert not result.ok
    assert [(p.column, p.message) for p in result.problems] == [("Ngày theo dõi", done.result_refusal(future))]
    assert not ProjectResult.objects.exists()


@pytest.mark.parametrize("path", ["screen", "admin"])
def test_a_cap_share_over_100_is_a_message_not_a_500(path, department_client, client):
    from projects.models import SupportCap

    cap = SupportCap.objects.get(content__code="MMTB-235")
    if path == "screen":
        data = {"content": cap.content_id, "funding_level": "", "support_form": "non_recoverable", "share_percent": "150",
                "ceiling": "", "legal_basis": "Thử", "valid_from": "01/01/2026", "valid_to": "", "notes": ""}
        response = department_client.post(reverse("projects:cap-edit", args=[cap.pk]), data)
    else:
        client.force_login(f.SuperuserFactory())
        data = {"content": cap.content_id, "funding_level": "", "support_form": "non_recoverable", "share_percent": "150",
                "ceiling": "", "legal_basis": "Thử", "valid_from": "2026-01-01", "valid_to": "", "notes": ""}
        response = client.post(reverse("admin:projects_supportcap_change", args=[cap.pk]), data)
    assert response.status_code == 200
    assert "Tỷ lệ hỗ trợ không được quá 100 phần trăm." in response.content.decode()
    assert SupportCap.objects.get(pk=cap.pk).share_percent == cap.share_percent


def test_a_2026_programme_of_a_former_province_is_refused(department_client, client):
    """Its plans would fall outside every report (the 2026 report covers the merged province)."""
    from projects.models import AdministrativeUnit, Program

    former = AdministrativeUnit.objects.get(code="68")
    data = {"name": "Chương trình khuyến công tỉnh Lâm Đồng giai đoạn 2026–2030", "funding_level": f.funding_level().pk,
            "province": former.pk, "first_year": "2026", "last_year": "2030", "decision_number": "", "decision_date": ""}
    response = department_client.post(reverse("projects:program-create"), data)
    assert response.status_code == 200
    assert "chỉ tồn tại đến 30/06/2025; chương trình từ năm 2026 thuộc Tỉnh Lâm Đồng." in response.content.decode()
    client.force_login(f.SuperuserFactory())
    admin = client.post(reverse("admin:projects_program_add"), {**data, "decision_date": ""})
    assert admin.status_code == 200 and "chỉ tồn tại đến 30/06/2025" in admin.content.decode()
    assert not Program.objects.filter(first_year=2026).exists()
    # The 2021–2025 programme of the former province and the merged province's 2026 one go in.
    earlier = {**data, "first_year": "2021", "last_year": "2025"}
    assert department_client.post(reverse("projects:program-create"), earlier).status_code == 302
    merged = AdministrativeUnit.objects.get(code="68-2025")
    assert department_client.post(reverse("projects:program-create"), {**data, "province": merged.pk}).status_code == 302
