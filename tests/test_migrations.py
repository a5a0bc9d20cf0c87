"""The models and their migrations agree: nothing is left for makemigrations to write."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:  # makemigrations --check exits 1 when a migration is missing
        pytest.fail(f"missing migrations (exit {exit_.code}):\n{out.getvalue()}")


@pytest.mark.django_db
def test_reference_data_comes_from_the_migrations():
    from funding.models import FundingLevel
    from projects.models import ActivityContent, AdministrativeUnit, AwardLevel

    codes = set(ActivityContent.objects.filter(parent__isnull=False).values_list("code", flat=True))
    assert codes == {"MHTD", "MMTB", "CGCN", "XLMT", "KNCC", "HCTL", "THNH", "BCSP", "LKCK", "DTBD", "TVHT", "TTTT", "KTGS"}
    assert list(AwardLevel.objects.values_list("name", flat=True)) == ["Huyện", "Tỉnh", "Khu vực", "Quốc gia"]
    assert set(FundingLevel.objects.values_list("code", flat=True)) >= {FundingLevel.NATIONAL, FundingLevel.LOCAL}
    districts = AdministrativeUnit.objects.filter(level="district", parent__code="68")
    assert districts.count() == 12
    assert all(d.valid_to is not None for d in districts)  # the districts ended with the 2025 reform
