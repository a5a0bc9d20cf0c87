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
    from projects.models import ActivityContent, AdministrativeUnit, AwardLevel, FundingLevel

    nd45 = {"MHTD", "MMTB", "CGCN", "XLMT", "KNCC", "HCTL", "THNH", "BCSP", "LKCK", "DTBD", "TVHT", "TTTT", "KTGS"}
    lines = ActivityContent.objects.lines()
    assert set(lines.valid_in_year(2024).values_list("code", flat=True)) == nd45
    # NĐ 235/2025: every NĐ 45 line carries on (same report line), and three contents are new.
    nd235 = set(lines.valid_in_year(2026).values_list("code", flat=True))
    assert nd235 == {f"{code}-235" for code in nd45} | {"CDS", "SXBV", "NNCN"}
    assert {c.line for c in lines.filter(code__in=nd235)} == nd45 | {"CDS", "SXBV", "NNCN"}
    assert list(AwardLevel.objects.values_list("name", flat=True)) == ["Huyện", "Tỉnh", "Khu vực", "Quốc gia"]
    assert set(FundingLevel.objects.values_list("code", flat=True)) >= {FundingLevel.NATIONAL, FundingLevel.LOCAL}
    districts = AdministrativeUnit.objects.filter(level="district", parent__code="68")
    assert districts.count() == 12
    assert all(d.valid_to is not None for d in districts)  # the districts ended with the 2025 reform



MOVE_CHECK = """
import django
django.setup()
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

before = [("projects", "0005_shared_validators"), ("funding", "0003_loan_lifecycle")]
executor = MigrationExecutor(connection)
executor.migrate(before)
old = executor.loader.project_state(before).apps
level = old.get_model("funding", "FundingLevel").objects.create(code="HX", name="Cấp huyện thử", order=9)
province = old.get_model("projects", "AdministrativeUnit").objects.get(code="68")
program = old.get_model("projects", "Program").objects.create(
    name="Chương trình thử", funding_level=level, province=province, first_year=2021, last_year=2025
)
source = old.get_model("funding", "FundingSource").objects.create(name="Nguồn thử", level=level, allocated=5)

executor = MigrationExecutor(connection)
executor.migrate(executor.loader.graph.leaf_nodes())

from funding.models import FundingSource
from projects.models import FundingLevel, Program

moved = FundingLevel.objects.get(code="HX")
assert (moved.pk, moved.name, moved.order) == (level.pk, "Cấp huyện thử", 9)
assert Program.objects.get(pk=program.pk).funding_level == moved
assert FundingSource.objects.get(pk=source.pk).level == moved
assert list(moved.programs.all()) == [Program.objects.get(pk=program.pk)]
print("moved")
"""


def test_funding_level_moves_to_projects_with_its_rows_on_an_existing_database(tmp_path):
    """A database made before the move keeps its levels, and the programmes and funding sources
    pointing at them, through projects 0006 and funding 0004 (state only). In a process of its
    own on a throwaway SQLite file, so the test database is left as the migrations made it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'before.sqlite3'}", "SECRET_KEY": "test"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "khuyencong.settings")
    done = subprocess.run(
        [sys.executable, "-c", MOVE_CHECK], cwd=Path(__file__).resolve().parent.parent, env=env,
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("moved"), done.stderr[-3000:]
