"""The demo fixture loads with plain ``loaddata`` on a freshly migrated database."""

import pytest
from django.core.management import call_command

from funding.models import LoanContract
from khuyencong.demo import FIXTURE
from projects.models import Facility, Project

pytestmark = pytest.mark.django_db


def test_fixture_loads_with_loaddata():
    assert Project.objects.count() == 0  # other modules leave the database empty
    call_command("loaddata", str(FIXTURE), verbosity=0)
    assert Project.objects.count() == 179
    assert Facility.objects.count() == 192
    assert LoanContract.objects.count() == 39
    assert Project.objects.filter(code="DP-2021-001", content__code="MHTD").exists()
