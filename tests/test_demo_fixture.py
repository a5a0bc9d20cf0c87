"""The demo fixture loads with plain ``loaddata`` on a freshly migrated database."""

import pytest
from django.core.management import call_command

from funding.models import Disbursement, LoanContract
from khuyencong.demo import FIXTURE
from projects.models import AdministrativeUnit, AnnualPlan, Facility, Program, Project

pytestmark = pytest.mark.django_db


def test_fixture_loads_with_loaddata():
    assert Project.objects.count() == 0  # other modules leave the database empty
    call_command("loaddata", str(FIXTURE), verbosity=0)
    # The 2021–2025 rows (and the 2014–2020 ones carried over) as before; the 2026 rows after.
    assert Project.objects.filter(plan__year__lte=2025).count() == 179
    assert Facility.objects.exclude(projects__plan__year__gte=2026).count() == 192
    assert LoanContract.objects.filter(project__plan__year__lte=2025).count() == 39
    assert Project.objects.filter(code="DP-2021-001", content__code="MHTD").exists()
    assert Project.objects.filter(code="DP-2021-001").get().facilities.count() == 1


def test_fixture_reaches_2026_in_the_merged_province():
    call_command("loaddata", str(FIXTURE), verbosity=0)
    merged = AdministrativeUnit.objects.get(code="68-2025")
    programmes = Program.objects.filter(first_year=2026, last_year=2030, province=merged)
    assert set(programmes.values_list("funding_level__code", flat=True)) == {"QG", "DP"}
    assert programmes.get(funding_level__code="QG").decision_number == "2646/QĐ-BCT"
    plan = AnnualPlan.objects.get(year=2026, program__funding_level__code="DP")
    assert plan.decision_number and plan.decision_date  # approved
    in_2026 = Project.objects.filter(plan__year=2026)
    statuses = set(in_2026.values_list("status", flat=True))
    assert {Project.Status.COMPLETED, Project.Status.IN_PROGRESS} <= statuses
    assert Disbursement.objects.filter(project__plan__year=2026).exists()
    contract = LoanContract.objects.get(project__plan__year=2026)
    assert contract.instalments.count() > 0
    assert sum(i.principal_due for i in contract.instalments.all()) == contract.principal
    addresses = list(Facility.objects.filter(projects__plan__year=2026).values_list("address", flat=True))
    assert any("Gia Nghĩa" in a or "Đắk Mil" in a for a in addresses)  # former Đắk Nông
    assert any("Phú Thủy" in a or "Hàm Thắng" in a or "Mũi Né" in a for a in addresses)  # former Bình Thuận
