"""Which province a record or a report belongs to, across the 1 July 2025 merger.

From 1/7/2025 Lâm Đồng (unit "68-2025") is the province formed from the former Lâm Đồng
("68"), Đắk Nông ("67") and Bình Thuận ("60"): each former province has ``valid_to`` 30/6/2025
and ``successor`` the new one. The deployment's province is settings.ORGANISATION
["province_code"] followed along its successors to the unit valid on a given day.

One function per question:

- ``province_on(unit, day)``: the unit that stands for ``unit`` on ``day`` (its successor
  once it has ended).
- ``deployment_province(year)``: the deployment's province for records of ``year`` (the
  unit valid on 1 January of that year: "68" for 2025, "68-2025" for 2026).
- ``former_province(name, year)``: a former province named in the workbook.
- ``report_provinces(province, year_from, year_to)``: the provinces a report covers.
- ``report_scope_refusal(province, year_from, year_to)``: why a report cannot be made for
  that province and period, or None.
- ``issuing_bodies(province, day)``: the parent and issuing body a report's header names.
"""

from __future__ import annotations

import datetime

from django.conf import settings

from khuyencong.core.text import fold_accents
from projects.models import AdministrativeUnit

MAX_HOPS = 10  # successors chain: a guard against a cycle typed into the admin


def _start(year: int) -> datetime.date:
    return datetime.date(year, 1, 1)


def _end(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


def province_on(unit: AdministrativeUnit, day: datetime.date) -> AdministrativeUnit:
    """``unit`` itself while it is valid on ``day``, else its successor (followed on)."""
    for _ in range(MAX_HOPS):
        if unit.valid_to is None or unit.valid_to >= day or unit.successor_id is None:
            return unit
        unit = unit.successor
    return unit


def configured_province() -> AdministrativeUnit:
    """The unit of settings.ORGANISATION["province_code"] (raises DoesNotExist if missing)."""
    return AdministrativeUnit.objects.get(code=settings.ORGANISATION["province_code"])


def deployment_province(year: int) -> AdministrativeUnit:
    """The deployment's province for the records (programmes, plans) of ``year``: the unit
    valid on 1 January of the year."""
    return province_on(configured_province(), _start(year))


def deployment_chain() -> set[int]:
    """The pks of the configured province and of the units it became (the portal's own)."""
    unit = configured_province()
    chain = {unit.pk}
    for _ in range(MAX_HOPS):
        if unit.successor_id is None:
            break
        unit = unit.successor
        chain.add(unit.pk)
    return chain


def is_deployment_province(unit: AdministrativeUnit) -> bool:
    """The configured province or one of the units it became (the portal's own province)."""
    return unit.pk in deployment_chain()


def predecessors(unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    """The provinces ``unit`` was formed from (directly), by code."""
    return list(unit.predecessors.filter(level=unit.level).order_by("code"))


def lineage(unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    """``unit`` and every province it was formed from, followed back: the provinces whose
    past đề án are now ``unit``'s to follow up (results after support of a 2021–2025 đề án of
    former Đắk Nông are the merged Lâm Đồng's in 2026)."""
    # One query: the units of the same level and what each became, walked back in Python.
    rows = list(AdministrativeUnit.objects.filter(level=unit.level, successor__isnull=False))
    found, todo = {unit.pk: unit}, [unit.pk]
    while todo:
        successor = todo.pop()
        for row in rows:
            if row.successor_id == successor and row.pk not in found:
                found[row.pk] = row
                todo.append(row.pk)
    return list(found.values())


def former_provinces(year: int) -> list[AdministrativeUnit]:
    """The provinces a record of ``year`` may belong to: the deployment's province of that
    year and, before the merger, the other provinces merged into the same new one."""
    own = deployment_province(year)
    current = province_on(own, datetime.date.max)
    if current.pk == own.pk:
        return [own]
    return [own] + [p for p in predecessors(current) if p.pk != own.pk and (p.valid_to is None or p.valid_to >= _start(year))]


def place_name(province: AdministrativeUnit | None, day: datetime.date) -> str:
    """Where a report of ``province`` dated ``day`` is written ("Đắk Nông, ngày …"): the
    portal's own place (settings.ORGANISATION) for its province, as ``issuing_bodies`` decides;
    a former province's name while it existed."""
    org = settings.ORGANISATION
    if province is None:
        return org["place_name"]
    unit = province_on(province, day)
    if unit.code == org["province_code"] or unit.valid_to is None:
        return org["place_name"]
    return short_name(unit)


def short_name(unit: AdministrativeUnit) -> str:
    """ "Tỉnh Lâm Đồng (trước 01/7/2025)" -> "Lâm Đồng"."""
    name = unit.name.split(" (")[0]
    for prefix in ("Tỉnh ", "Thành phố "):
        name = name.removeprefix(prefix)
    return name


def former_province(name: str, year: int) -> AdministrativeUnit | None:
    """The former province ``name`` ("Đắk Nông", "Tỉnh Đắk Nông", "dak nong") for a record of
    ``year``, or None when no such province existed in that year."""
    wanted = fold_accents(name).lower().strip()
    wanted = wanted.removeprefix("tinh ").strip()
    for unit in former_provinces(year):
        if fold_accents(short_name(unit)).lower() == wanted:
            return unit
    return None


def province_named(name: str, day: datetime.date) -> AdministrativeUnit | None:
    """The province called ``name`` ("Đắk Nông", "tinh dak nong"), the one valid on ``day``
    when several units share the name (the former and the merged Lâm Đồng)."""
    wanted = fold_accents(name).lower().strip().removeprefix("tinh ").strip()
    found = [
        u
        for u in AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.PROVINCE).order_by("code")
        if fold_accents(short_name(u)).lower() == wanted
    ]
    valid = [u for u in found if (u.valid_from or day) <= day <= (u.valid_to or day)]
    return (valid or found or [None])[0]


def report_provinces(province: AdministrativeUnit, year_from: int, year_to: int) -> list[AdministrativeUnit]:
    """The provinces whose programmes a report of ``province`` over the years covers.

    A province formed by a merger, for a period that began before it existed, covers itself
    and the provinces it was formed from (the three together); a former province covers
    itself; a province that had already ended when the period began stands for its successor.
    """
    province = province_on(province, _start(year_from))
    covered = [province]
    if province.valid_from and province.valid_from > _start(year_from):
        covered += predecessors(province)
    return covered


def report_scope_refusal(province: AdministrativeUnit, year_from: int, year_to: int) -> str | None:
    """Why a report of ``province`` over the years cannot be made, or None: a former
    province can be reported on only for years when it still existed."""
    if province.valid_to and province.valid_to < _start(year_from) and not is_deployment_province(province):
        return (
            f"{province.name} chỉ tồn tại đến {province.valid_to:%d/%m/%Y}; "
            f"báo cáo từ năm {year_from} lập cho {province_on(province, _start(year_from)).name}."
        )
    if province.valid_from and province.valid_from > _end(year_to):
        return f"{province.name} có từ {province.valid_from:%d/%m/%Y}; không lập báo cáo cho kỳ trước đó."
    return None


def issuing_bodies(province: AdministrativeUnit | None, day: datetime.date) -> tuple[str, str]:
    """The report header's (parent body, issuing body) for ``province`` on ``day``: the
    portal's own (settings.ORGANISATION) for its province; a former province's own UBND while
    it existed ("UBND TỈNH ĐẮK NÔNG" / "SỞ CÔNG THƯƠNG"), its successor's after."""
    org = settings.ORGANISATION
    if province is None:
        return org["parent_body"], org["issuing_body"]
    unit = province_on(province, day)
    # The portal's own province: the configured one, or the current province it became (a
    # unit still in force; a report is only made for the portal's province or its former ones).
    if unit.code == org["province_code"] or unit.valid_to is None:
        return org["parent_body"], org["issuing_body"]
    return f"UBND {unit.name.split(' (')[0].upper()}", org["issuing_body"]
