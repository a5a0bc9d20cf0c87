"""The demonstration data set after the 2025 reform: every facility of the 2021–2025 programme
has a commune of the reform, the ones the mapping could not decide are on the review list, and
seeding again changes nothing."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from khuyencong.demo import fixture_pks
from projects.models import Facility

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

pytestmark = pytest.mark.django_db

REFORM_START = datetime.date(2025, 7, 1)


def test_every_demo_facility_has_a_post_reform_commune_and_the_doubtful_ones_are_on_the_review_list(
    lam_dong, department_client
):
    demo = Facility.objects.filter(pk__in=fixture_pks()["projects.facility"]).select_related(
        "commune__parent", "administrative_unit"
    )
    supported = set(demo.filter(projects__plan__year__range=(2021, 2025)).distinct())
    assert len(supported) > 100
    for facility in demo:
        assert facility.commune is not None, facility
        assert facility.commune.parent.code == "68-2025" and facility.commune.is_valid_on(REFORM_START), facility
        if facility in supported:
            # The unit of the time of support stays: a district of former Lâm Đồng.
            assert facility.administrative_unit.valid_to is not None, facility
        elif facility.administrative_unit.valid_to is None:  # registered in 2026: at its commune from the start
            assert facility.administrative_unit == facility.commune, facility
    doubtful = list(demo.filter(commune_needs_review=True))
    assert doubtful and len(doubtful) < demo.count() // 10  # most mapped by their address
    page = department_client.get(reverse("projects:commune-review")).content.decode()
    listed = {f.pk for f in demo if reverse("projects:facility-detail", args=[f.pk]) + '"' in page}
    assert listed == {f.pk for f in doubtful}
    for facility in doubtful:
        assert facility.commune.code in facility.commune_candidates


def test_seeding_again_loads_no_unit_and_changes_nothing(lam_dong):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "0 đơn vị mới, 0 cập nhật" in text and "0 bản ghi mới, 0 bản ghi được khôi phục" in text
    assert "Cơ sở gắn với xã, phường mới" not in text  # nothing left to map
