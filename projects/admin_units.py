"""Administrative units from the `vietnamadminunits` package, and facilities mapped to the
communes of the 2025 reform.

One loader (``load_units``) writes the units: the 34 provinces in force from 1/7/2025, every
commune of the deployment's province, and the provinces, districts and communes of the former
provinces it was made of (ended 30/6/2025), each with its successors. The data migration, the
``load_admin_units`` command and ``seed_demo`` all call it; it takes the model classes so that
a migration can pass its historical ones.

Codes (``AdministrativeUnit.code``, this portal's key): a pre-reform unit keeps its GSO code
("68", "672", "24769"); a unit in force from 1/7/2025 is "<GSO code>-2025" ("68-2025",
"24823-2025"), because the GSO reused the old codes for the new units. ``official_code`` is
the GSO code itself.

Only the package's data files are read (its SQLite dataset and converter_2025.json), never its
converter, which imports shapely and geocodes online.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.db import transaction

from khuyencong.core.text import fold_accents

PACKAGE = "vietnamadminunits"
REFORM_START = date(2025, 7, 1)
LEGACY_END = date(2025, 6, 30)
NEW_SUFFIX = "-2025"

PROVINCE_KINDS = {"tỉnh": "tinh", "thành phố": "thanh_pho_tw"}
DISTRICT_KINDS = {"huyện": "huyen", "thị xã": "thi_xa", "thành phố": "thanh_pho", "quận": "quan"}
WARD_KINDS = {"xã": "xa", "phường": "phuong", "thị trấn": "thi_tran", "đặc khu": "dac_khu"}


def _kind(table: dict[str, str], type_or_name: str) -> str:
    text = (type_or_name or "").strip().lower()
    for prefix in sorted(table, key=len, reverse=True):
        if text.startswith(prefix):
            return table[prefix]
    return ""


def new_code(official_code: str) -> str:
    return f"{official_code}{NEW_SUFFIX}"


def folded(text: str) -> str:
    return fold_accents(text or "").lower()


# ---------------------------------------------------------------------------------------------
# What the package says


@dataclass
class Wanted:
    code: str
    official_code: str
    name: str
    level: str
    kind: str
    parent: str | None
    valid_from: date | None
    valid_to: date | None
    successor: str | None = None  # the default successor's code


@dataclass
class PackageUnits:
    version: str
    units: dict[str, Wanted] = field(default_factory=dict)  # by code, parents before children
    successions: dict[str, dict[str, bool]] = field(default_factory=dict)  # old code → {new code: default}
    # For the address matching: old district code → [(folded short name, commune code)]
    legacy_communes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def _data_file(name: str) -> Path:
    """A data file of the installed package, found without importing it (its ``__init__``
    imports the parser, which needs shapely)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"Chưa cài gói {PACKAGE} (xem pyproject.toml).")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / name


def _dataset_rows() -> tuple[list[tuple], list[tuple]]:
    """The package's units after the reform and before it (its SQLite dataset, read-only)."""
    db = sqlite3.connect(f"file:{_data_file('dataset.db')}?mode=ro", uri=True)
    try:
        new_rows = db.execute(
            "SELECT provinceCode, province, provinceKey, wardCode, ward, wardType, wardKey FROM admin_units"
        ).fetchall()
        legacy_rows = db.execute(
            "SELECT provinceCode, province, provinceKey, districtCode, district, districtType, districtKey,"
            " wardCode, ward, wardType, wardKey, wardShort FROM admin_units_legacy"
        ).fetchall()
    finally:
        db.close()
    return new_rows, legacy_rows


def read_package(province_code: str | None = None, existing_districts: dict[tuple[str, str], str] | None = None) -> PackageUnits:
    """The units the portal keeps, from the installed package. ``province_code`` is the
    deployment's province (settings.ORGANISATION["province_code"], its GSO code before the
    reform); ``existing_districts`` maps (province code, district name) to a code the portal
    already uses for that district (the reference rows), so those rows are kept."""
    province_code = province_code or settings.ORGANISATION["province_code"]
    existing_districts = existing_districts or {}
    out = PackageUnits(version=metadata.version(PACKAGE))
    new_rows, legacy_rows = _dataset_rows()
    converter = json.loads(_data_file("converter_2025.json").read_text(encoding="utf-8"))

    legacy_province_key = {r[0]: r[2] for r in legacy_rows}
    own_key = legacy_province_key[province_code]
    new_key = next(k for k, olds in converter["DICT_PROVINCE"].items() if own_key in olds)
    former_keys = set(converter["DICT_PROVINCE"][new_key])

    provinces = {}
    for gso, name, key, *_ in new_rows:
        provinces.setdefault(key, (gso, name))
    new_gso = provinces[new_key][0]
    for gso, name in sorted(provinces.values()):
        code = new_code(gso)
        out.units[code] = Wanted(code, gso, name, "province", _kind(PROVINCE_KINDS, name), None, REFORM_START, None)
    new_province = new_code(new_gso)

    # The former provinces, their districts and communes.
    ward_code_by_key: dict[str, str] = {}
    districts_seen: dict[str, str] = {}
    communes: list[Wanted] = []
    for pgso, pname, pkey, dgso, dname, dtype, dkey, wgso, wname, wtype, wkey, _wshort in legacy_rows:
        if pkey not in former_keys:
            continue
        if pgso not in out.units:
            out.units[pgso] = Wanted(
                pgso, pgso, pname, "province", _kind(PROVINCE_KINDS, pname), None, None, LEGACY_END, new_province
            )
            out.successions[pgso] = {new_province: True}
        dcode = existing_districts.get((pgso, folded(dname)), dgso)
        if dgso not in districts_seen:
            districts_seen[dgso] = dcode
            out.units[dcode] = Wanted(
                dcode, dgso, dname, "district", _kind(DISTRICT_KINDS, dtype or dname), pgso, None, LEGACY_END
            )
        communes.append(Wanted(wgso, wgso, wname, "commune", _kind(WARD_KINDS, wtype or wname), dcode, None, LEGACY_END))
        ward_code_by_key[f"{pkey}_{dkey}_{wkey}"] = wgso
        out.legacy_communes.setdefault(dcode, []).append((compact(wname), wgso))

    # The communes of the deployment's province after the reform.
    new_ward_code: dict[str, str] = {}
    for _gso, _name, key, wgso, wname, wtype, wkey in new_rows:
        if key != new_key:
            continue
        code = new_code(wgso)
        new_ward_code[wkey] = code
        kind = _kind(WARD_KINDS, wtype or wname)
        out.units[code] = Wanted(code, wgso, wname, "commune", kind, new_province, REFORM_START, None)
    for unit in communes:
        out.units[unit.code] = unit

    _add_successions(out, converter, new_key, ward_code_by_key, new_ward_code, communes)
    return out


def existing_district_codes(Unit) -> dict[tuple[str, str], str]:
    """(province code, folded name) → code of the districts the portal already has (its
    reference rows: "681" is the Đạ Huoai the package codes 682)."""
    return {
        (u.parent.code, folded(u.name)): u.code
        for u in Unit.objects.filter(level="district", parent__isnull=False).select_related("parent")
    }


def _add_successions(out: PackageUnits, converter: dict, new_key: str, ward_code_by_key: dict[str, str],
                     new_ward_code: dict[str, str], communes: list[Wanted]) -> None:
    """Each old commune's successors (whole, then split between several with one default) and
    each old district's (the communes its communes went to)."""
    # Successors: whole communes, then the communes split between several.
    for new_key_ward, olds in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].get(new_key, {}).items():
        for old in olds:
            if old in ward_code_by_key:
                out.successions.setdefault(ward_code_by_key[old], {})[new_ward_code[new_key_ward]] = True
    for old, news in converter["DICT_PROVINCE_WARD_DIVIDED"].get(new_key, {}).items():
        if old not in ward_code_by_key:
            continue
        out.successions[ward_code_by_key[old]] = {new_ward_code[n["newWardKey"]]: bool(n["isDefaultNewWard"]) for n in news}
    received: dict[str, Counter] = defaultdict(Counter)
    for unit in communes:
        targets = out.successions.get(unit.code, {})
        unit.successor = next((c for c, default in targets.items() if default), None)
        for target in targets:
            received[unit.parent][target] += 1
    # A district's successors are the communes its communes went to; its default (what a record
    # naming only the district is put in until someone looks) the one that took most of them.
    for district, counter in received.items():
        top = max(sorted(counter), key=lambda code: counter[code])
        out.successions[district] = {code: code == top for code in sorted(counter)}


# ---------------------------------------------------------------------------------------------
# Writing them


@dataclass
class LoadCounts:
    version: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    successions_created: int = 0
    successions_removed: int = 0

    def summary(self) -> str:
        return (
            f"vietnamadminunits {self.version}: {self.created} đơn vị mới, {self.updated} cập nhật, "
            f"{self.unchanged} không đổi; quan hệ kế thừa: {self.successions_created} thêm hoặc sửa, "
            f"{self.successions_removed} bỏ."
        )


FIELDS = ("official_code", "name", "level", "kind", "parent_id", "valid_from", "valid_to", "search_text")


def load_units(Unit=None, Succession=None, province_code: str | None = None) -> LoadCounts:
    """Create or refresh the units and their successions from the installed package, in bulk.
    Idempotent: a second run changes nothing. Names of the portal's own pre-reform provinces
    ("Tỉnh Lâm Đồng (trước 01/7/2025)") are kept."""
    if Unit is None:
        from projects.models import AdministrativeUnit as Unit
        from projects.models import UnitSuccession as Succession
    existing = {u.code: u for u in Unit.objects.all()}
    data = read_package(province_code, existing_district_codes(Unit))
    counts = LoadCounts(version=data.version)
    with transaction.atomic():
        for level in ("province", "district", "commune"):
            batch = [w for w in data.units.values() if w.level == level]
            creates, updates = [], []
            for wanted in batch:
                parent_id = existing[wanted.parent].pk if wanted.parent else None
                unit = existing.get(wanted.code)
                name = wanted.name
                if unit is not None and level == "province" and wanted.valid_to is not None:
                    name = unit.name  # keep the portal's label of a former province
                values = {
                    "official_code": wanted.official_code,
                    "name": name,
                    "level": wanted.level,
                    "kind": wanted.kind,
                    "parent_id": parent_id,
                    "valid_from": wanted.valid_from,
                    "valid_to": wanted.valid_to,
                    "search_text": folded(name),
                }
                if unit is None:
                    creates.append(Unit(code=wanted.code, **values))
                elif any(getattr(unit, k) != v for k, v in values.items()):
                    for k, v in values.items():
                        setattr(unit, k, v)
                    updates.append(unit)
                else:
                    counts.unchanged += 1
            Unit.objects.bulk_create(creates, batch_size=500)
            Unit.objects.bulk_update(updates, FIELDS, batch_size=500)
            counts.created += len(creates)
            counts.updated += len(updates)
            if creates:
                existing.update({u.code: u for u in Unit.objects.filter(code__in=[c.code for c in creates])})

        # The default successor (the old FK) and every successor (the through rows).
        successor_updates = []
        for wanted in data.units.values():
            if wanted.successor is None:
                continue
            unit = existing[wanted.code]
            target = existing[wanted.successor].pk
            if unit.successor_id != target:
                unit.successor_id = target
                successor_updates.append(unit)
        Unit.objects.bulk_update(successor_updates, ["successor_id"], batch_size=500)
        counts.updated += len({u.pk for u in successor_updates})

        _write_successions(Succession, data, existing, counts)
    return counts


def _write_successions(Succession, data: PackageUnits, existing: dict, counts: LoadCounts) -> None:
    """The through rows of the units the package covers: missing ones created, stale ones
    removed, a changed default updated."""
    scope = [existing[code].pk for code in data.successions]
    current = {
        (s.predecessor_id, s.successor_id): s for s in Succession.objects.filter(predecessor_id__in=scope)
    }
    wanted_rows = {
        (existing[old].pk, existing[new].pk): default
        for old, targets in data.successions.items()
        for new, default in targets.items()
    }
    stale = [s.pk for key, s in current.items() if key not in wanted_rows]
    Succession.objects.filter(pk__in=stale).delete()
    counts.successions_removed = len(stale)
    new_rows, changed = [], []
    for (old, new), default in wanted_rows.items():
        row = current.get((old, new))
        if row is None:
            new_rows.append(Succession(predecessor_id=old, successor_id=new, is_default=default))
        elif row.is_default != default:
            row.is_default = default
            changed.append(row)
    Succession.objects.bulk_create(new_rows, batch_size=500)
    Succession.objects.bulk_update(changed, ["is_default"], batch_size=500)
    counts.successions_created = len(new_rows) + len(changed)


def ensure_units() -> LoadCounts | None:
    """Load the units when the database has none of the reform's communes yet (a flushed test
    database, a fresh install before ``load_admin_units``)."""
    from projects.models import AdministrativeUnit

    if AdministrativeUnit.objects.filter(level="commune", valid_from__isnull=False).exists():
        return None
    return load_units()


# ---------------------------------------------------------------------------------------------
# Facilities → the communes of the reform


@dataclass
class Mapping:
    commune: str | None  # the code of the commune chosen (the default when several)
    candidates: list[str]  # every commune it may be, when more than one
    ambiguous: bool
    former_commune: str | None = None  # the old commune the address named, if any


def compact(text: str) -> str:
    """"Thị trấn Ma Đa Guôi" → "thitranmadaguoi": folded, letters and digits only, so that
    "thị trấn Mađaguôi" and "xã Đưng K'Nớ" find "Thị trấn Ma Đa Guôi" and "Xã Đưng KNớ"."""
    return re.sub(r"[^a-z0-9]", "", folded(text))


def old_commune_in_address(address: str, district_codes: list[str], legacy: dict[str, list[tuple[str, str]]]) -> str | None:
    """The old commune of the districts that the address names with its kind ("thôn 3, xã Tân
    Hà" → Xã Tân Hà), accents, spaces and signs ignored; the longest name wins, and a name
    followed by a digit does not count ("Phường 1" is not in "phường 10"). None when none
    matches or two communes match equally."""
    text = compact(address)
    found = []
    for district in district_codes:
        for full, code in legacy.get(district, []):
            start = text.find(full)
            while start >= 0:
                after = text[start + len(full) : start + len(full) + 1]
                if not after.isdigit():
                    found.append((len(full), code))
                    break
                start = text.find(full, start + 1)
    if not found:
        return None
    found.sort(reverse=True)
    if len(found) > 1 and found[0][0] == found[1][0] and found[0][1] != found[1][1]:
        return None
    return found[0][1]


def map_unit(unit_codes: list[str], level: str, address: str, data: PackageUnits) -> Mapping:
    """Where a facility recorded at ``unit_codes[0]`` (pre-reform; then the districts it was
    merged into before the reform, if any) lies after the reform."""
    old_commune = None
    if level == "commune":
        old_commune = unit_codes[0]
    elif level == "district":
        old_commune = old_commune_in_address(address, unit_codes, data.legacy_communes)
    if old_commune is not None:
        targets = data.successions.get(old_commune, {})
        default = next((c for c, d in targets.items() if d), None)
        if len(targets) == 1:
            return Mapping(default, [], False, old_commune)
        return Mapping(default, sorted(targets), True, old_commune)
    if level == "district":
        targets: dict[str, bool] = {}
        for code in unit_codes:  # the district, then the one it was merged into before the reform
            for target, default in data.successions.get(code, {}).items():
                targets[target] = targets.get(target, False) or (default and not any(targets.values()))
        default = next((c for c, d in targets.items() if d), None)
        if len(targets) == 1:
            return Mapping(default, [], False)
        return Mapping(default, sorted(targets), True)
    return Mapping(None, [], True)


@dataclass
class FacilityMapCounts:
    mapped: int = 0
    ambiguous: int = 0
    unchanged: int = 0


def map_facilities(user=None, reason: str = "Gắn cơ sở với xã, phường sau sắp xếp 01/7/2025") -> FacilityMapCounts:
    """Give each facility without a commune of the reform the commune its old unit became:
    from an old commune by the package's mapping (a split commune: its default one, flagged for
    review), from a district by the old commune its address names, else flagged for review with
    the district's communes as candidates. Saved one by one, so each change is in history."""
    from projects.models import AdministrativeUnit, Facility

    data = read_package(existing_districts=existing_district_codes(AdministrativeUnit))
    by_code = {u.code: u for u in AdministrativeUnit.objects.all()}
    by_code_pk = {u.pk: u for u in by_code.values()}
    counts = FacilityMapCounts()
    facilities = Facility.objects.filter(
        commune__isnull=True, commune_needs_review=False, administrative_unit__isnull=False
    ).select_related(
        "administrative_unit"
    )
    with transaction.atomic():
        for facility in facilities:
            unit = facility.administrative_unit
            if unit.valid_to is None or unit.valid_to >= REFORM_START:
                if unit.level == "commune":  # already a commune in force
                    facility.commune = unit
                    facility._change_reason = reason
                    facility.save()
                    counts.mapped += 1
                else:
                    counts.unchanged += 1
                continue
            chain = [unit.code]
            while unit.successor_id and by_code_pk[unit.successor_id].level == unit.level and len(chain) < 5:  # Đạ Tẻh → Đạ Huoai
                unit = by_code_pk[unit.successor_id]
                chain.append(unit.code)
            result = map_unit(chain, unit.level, facility.address, data)
            facility.commune = by_code.get(result.commune) if result.commune else None
            facility.commune_needs_review = result.ambiguous
            facility.commune_candidates = result.candidates if result.ambiguous else []
            facility._change_reason = reason
            facility.save()
            if result.ambiguous:
                counts.ambiguous += 1
            else:
                counts.mapped += 1
    return counts


def needs_review():
    """The facilities whose commune the mapping could not decide alone (the review list)."""
    from projects.models import Facility

    return Facility.objects.filter(commune_needs_review=True)


def current_province():
    """The deployment's province as it is since 1/7/2025 (the successor of
    settings.ORGANISATION["province_code"], or that unit itself if it has none)."""
    from projects.models import AdministrativeUnit

    unit = AdministrativeUnit.objects.select_related("successor").get(code=settings.ORGANISATION["province_code"])
    return unit.successor or unit


def kind_counts(province_code: str) -> Counter:
    from projects.models import AdministrativeUnit

    return Counter(
        AdministrativeUnit.objects.filter(parent__code=province_code, level="commune").values_list("kind", flat=True)
    )


def candidates_by_facility(facilities) -> dict[int, list]:
    from projects.models import AdministrativeUnit

    codes = {c for f in facilities for c in f.commune_candidates}
    units = {u.code: u for u in AdministrativeUnit.objects.filter(code__in=codes)}
    out = defaultdict(list)
    for f in facilities:
        out[f.pk] = [units[c] for c in f.commune_candidates if c in units]
    return out
