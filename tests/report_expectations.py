"""What the report must print for the Lâm Đồng data set, read from tests/data/report-figures.md
(a copy of the design card shared/design/report-figures.md, kept in the repository).

Tests may hold expected values; the application may not. Where the spec's tables give a value
column, it is parsed here rather than copied.
"""

from __future__ import annotations

import datetime
import re
from functools import cache
from pathlib import Path

SPEC = Path(__file__).resolve().parent / "data" / "report-figures.md"
REPORT_DATE = datetime.date(2025, 3, 15)


def _table_rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if re.match(r"^\| F\d\d \|", line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


@cache
def _rows() -> list[list[str]]:
    return _table_rows(SPEC.read_text(encoding="utf-8"))


def expected_body_values() -> dict[str, str]:
    """F01–F24: the "value" column (third) of the body tables."""
    return {row[0]: row[2] for row in _rows() if int(row[0][1:]) <= 24}


def expected_year_rows() -> dict[int, dict[str, str]]:
    """F25–F29: year, đề án done / planned, money, local, national."""
    result = {}
    for row in _rows():
        if 25 <= int(row[0][1:]) <= 29:
            result[int(row[1])] = {"done": row[2], "money": row[3], "local": row[4], "national": row[5]}
    return result


def province():
    from reporting.document import default_province

    return default_province()


def ensure_reference_data() -> None:
    """Put the reference rows of the data migration (the province, contents, levels) back when a
    transactional test run before flushed them: for tests that run outside the test transaction
    (races on PostgreSQL), which would otherwise find no province."""
    from importlib import import_module

    from django.apps import apps

    from projects.models import AdministrativeUnit

    if not AdministrativeUnit.objects.exists():
        import_module("projects.migrations.0002_reference_data").load(apps, None)
        import_module("projects.migrations.0011_nd235_contents_and_support_caps").load(apps, None)
        import_module("projects.migrations.0013_load_admin_units").forwards(apps, None)


def reset_to_reference_data() -> None:
    """Empty the test database and put the reference rows of the data migration back, so a
    module that loaded the data set leaves the database as the migrations made it."""
    from importlib import import_module

    from django.apps import apps
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    import_module("projects.migrations.0002_reference_data").load(apps, None)
    import_module("projects.migrations.0011_nd235_contents_and_support_caps").load(apps, None)
    import_module("projects.migrations.0013_load_admin_units").forwards(apps, None)
