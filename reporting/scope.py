"""A report's province scope: which province a report is made for (the portal's own, or one
former province before the merger of 1/7/2025), and what its header names. The rules are
projects.provinces; here they meet the report's settings and URLs. No import of the document
modules, so that the template tags can use it."""

from __future__ import annotations

import datetime

from django.conf import settings

from projects import provinces
from projects.models import AdministrativeUnit


def default_province(year_to: int | None = None) -> AdministrativeUnit:
    """The province the portal reports on (settings.ORGANISATION["province_code"]); for a
    period whose last year began after that province ended, the province it became (the
    former Lâm Đồng "68" for 2021-2025, the merged Lâm Đồng "68-2025" for 2026)."""
    configured = provinces.configured_province()
    return configured if year_to is None else provinces.province_on(configured, datetime.date(year_to, 1, 1))


def document_scope(province_id: int | None, *, year_to: int, day: datetime.date) -> tuple[str, str, str, str]:
    """What a document of ``province_id`` dated ``day`` shows of its scope: the header's parent
    and issuing bodies (projects.provinces.issuing_bodies), the query string its figure links
    carry to keep the province (scope_query) and the place it is written at
    (projects.provinces.place_name). One query, for the unit itself."""
    org = settings.ORGANISATION
    if province_id is None:
        return org["parent_body"], org["issuing_body"], "", org["place_name"]
    unit = AdministrativeUnit.objects.get(pk=province_id)
    parent, issuing = provinces.issuing_bodies(unit, day)
    return parent, issuing, scope_query(unit, year_to), provinces.place_name(unit, day)


def report_province(value: str | None, year_from: int, year_to: int) -> AdministrativeUnit:
    """The province a report is made for, from a code ("67") or a name ("Đắk Nông"), or the
    portal's own for the period when ``value`` is blank. Raises ValueError (a Vietnamese
    message) for an unknown province or one that cannot be reported on for those years
    (projects.provinces.report_scope_refusal)."""
    if not (value or "").strip():
        return default_province(year_to)
    value = value.strip()
    unit = AdministrativeUnit.objects.filter(code=value, level=AdministrativeUnit.Level.PROVINCE).first()
    if unit is None:
        unit = provinces.province_named(value, datetime.date(year_from, 1, 1))
    if unit is None:
        raise ValueError(f"Không có tỉnh “{value}”: nhập mã đơn vị hành chính (ví dụ 67) hoặc tên tỉnh (ví dụ Đắk Nông).")
    refusal = provinces.report_scope_refusal(unit, year_from, year_to)
    if refusal:
        raise ValueError(refusal)
    return unit


def scope_query(unit: AdministrativeUnit, year_to: int) -> str:
    """The query string that keeps a draft's province in its URLs: "" for the portal's own
    province of the period (default_province: the configured one while it was valid, the
    current one it became after), "tinh=67" for another (a former province, or the merged
    province over a period before it existed: the three together)."""
    start = datetime.date(year_to, 1, 1)
    valid = (unit.valid_from or start) <= start and (unit.valid_to is None or unit.valid_to >= start)
    own = unit.code == settings.ORGANISATION["province_code"] or unit.valid_to is None
    return "" if valid and own else f"tinh={unit.code}"
