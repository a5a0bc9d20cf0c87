"""Administrative units from the vietnamadminunits package (projects/admin_units.py), the one
validity rule for a facility's commune (form, workbook, admin), the mapping of facilities from
their pre-reform unit to a commune of the 2025 reform and the review list."""

from __future__ import annotations

import datetime
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.urls import reverse

from khuyencong.workbook import import_workbook
from khuyencong.workbook import sheets as S
from projects import admin_units
from projects.models import AdministrativeUnit, Facility, UnitSuccession

from . import factories as f
from .workbook_helpers import xlsx

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

pytestmark = pytest.mark.django_db

REFORM_END = datetime.date(2025, 6, 30)
REFORM_START = datetime.date(2025, 7, 1)
OLD_WARD = "24769"  # Phường 7, Thành phố Đà Lạt (before 1/7/2025)


def unit(code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code)


def current_commune(name: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.communes().valid_on(REFORM_START).get(name=name, parent__code="68-2025")


# ——— The units the migration loads ———————————————————————————————————————————————————


def test_the_34_provinces_and_lam_dongs_124_communes_by_kind():
    provinces = AdministrativeUnit.objects.filter(level="province").valid_on(datetime.date(2026, 11, 30))
    assert provinces.count() == 34
    assert Counter(provinces.values_list("kind", flat=True)) == {"tinh": 28, "thanh_pho_tw": 6}
    lam_dong = unit("68-2025")
    assert (lam_dong.official_code, lam_dong.valid_from, lam_dong.valid_to) == ("68", REFORM_START, None)
    communes = AdministrativeUnit.objects.communes().filter(parent=lam_dong)
    assert Counter(communes.values_list("kind", flat=True)) == {"xa": 103, "phuong": 20, "dac_khu": 1}
    assert communes.valid_on(REFORM_START).count() == 124
    assert not communes.valid_on(REFORM_END).exists()
    assert communes.get(kind="dac_khu").name == "Đặc khu Phú Quý"


def test_the_three_former_provinces_with_their_districts_communes_and_successors():
    for code, districts in (("68", 12), ("67", 8), ("60", 10)):
        province = unit(code)
        assert province.valid_to == REFORM_END and province.successor == unit("68-2025")
        assert province.children.filter(level="district").count() == districts
    old = AdministrativeUnit.objects.communes().filter(parent__parent__code__in=["68", "67", "60"])
    assert old.count() == 329
    assert not old.valid_on(REFORM_START).exists()
    # Every old commune has successors, exactly one of them the default (the old FK too).
    for commune in old.prefetch_related("succession_rows"):
        rows = list(commune.succession_rows.all())
        assert rows and sum(r.is_default for r in rows) == 1, commune
        assert commune.successor_id == next(r.successor_id for r in rows if r.is_default)
    # A commune split between two new ones records both (Xã Hòa Thắng, Bắc Bình, Bình Thuận).
    split = old.get(name="Xã Hòa Thắng")
    assert {(s.successor.name, s.is_default) for s in split.succession_rows.select_related("successor")} == {
        ("Xã Hòa Thắng", True),
        ("Xã Hồng Thái", False),
    }
    assert set(split.successors.values_list("name", flat=True)) == {"Xã Hòa Thắng", "Xã Hồng Thái"}
    # The GSO reused codes: the old ward keeps its code, the new one is "<code>-2025".
    assert unit(OLD_WARD).official_code == OLD_WARD and unit(OLD_WARD).successor.code.endswith("-2025")
    assert unit(OLD_WARD).successor.former_units.filter(code=OLD_WARD).exists()


def test_load_admin_units_is_idempotent_and_refreshes_what_changed():
    out = io.StringIO()
    call_command("load_admin_units", stdout=out)
    assert "0 đơn vị mới, 0 cập nhật" in out.getvalue()
    assert "103 xã, 20 phường, 1 đặc khu" in out.getvalue()
    # What a newer package would change (a name, a validity, a lost successor) is put right.
    commune = current_commune("Phường Lâm Viên - Đà Lạt")
    AdministrativeUnit.objects.filter(pk=commune.pk).update(name="Phường cũ", valid_from=None)
    UnitSuccession.objects.filter(predecessor=unit(OLD_WARD)).delete()
    counts = admin_units.load_units()
    assert (counts.created, counts.updated, counts.successions_created) == (0, 1, 1)
    commune.refresh_from_db()
    assert (commune.name, commune.valid_from, commune.search_text) == (
        "Phường Lâm Viên - Đà Lạt", REFORM_START, "phuong lam vien - da lat"
    )
    assert unit(OLD_WARD).successors.count() == 1


# ——— One rule: a commune in force on the facility's date ————————————————————————————


def test_valid_on_and_the_refusal_say_the_same():
    old, new = unit(OLD_WARD), unit(OLD_WARD).successor
    for day in (REFORM_END, REFORM_START, datetime.date(2026, 11, 30)):
        valid = set(AdministrativeUnit.objects.filter(pk__in=[old.pk, new.pk]).valid_on(day))
        assert {u for u in (old, new) if u.validity_refusal(day) is None} == valid
    assert "không còn hiệu lực vào ngày 01/07/2025" in old.validity_refusal(REFORM_START)
    assert f"nay thuộc {new.name}" in old.validity_refusal(REFORM_START)
    assert "chưa có hiệu lực vào ngày 30/06/2025" in new.validity_refusal(REFORM_END)


@pytest.fixture
def admin_client(client):
    client.force_login(f.SuperuserFactory())
    return client


def test_an_old_commune_is_refused_with_the_same_reason_by_form_workbook_and_admin(entry_client, admin_client):
    old = unit(OLD_WARD)
    reason = old.validity_refusal(Facility.unit_date())
    assert reason and "không còn hiệu lực vào ngày" in reason
    base = {"name": "Hợp tác xã Hoa Lang Biang", "kind": Facility.Kind.COOPERATIVE, "tax_code": "5809990001"}

    # The facility form.
    response = entry_client.post(reverse("projects:facility-create"), {**base, "commune": old.pk})
    assert response.status_code == 200 and reason in response.content.decode()

    # The workbook: the preview names the row and the reason; nothing is written.
    header = list(S.FACILITIES.all_columns)
    row = dict.fromkeys(header, "")
    row.update({"Mã số thuế": base["tax_code"], "Tên cơ sở": base["name"], "Loại hình": "Hợp tác xã",
                S.COMMUNE: old.name + ", " + old.parent.name})
    result = import_workbook(xlsx({"CoSo": [header, [row[c] for c in header]]}), dry_run=True)
    assert [(p.sheet, p.row, p.column, p.message) for p in result.problems] == [("CoSo", 2, S.COMMUNE, reason)]
    result = import_workbook(xlsx({"CoSo": [header, [row[c] for c in header]]}))
    assert not result.applied

    # The admin.
    response = admin_client.post(reverse("admin:projects_facility_add"), {**base, "commune": old.pk})
    assert response.status_code == 200 and reason in response.content.decode()

    assert not Facility.objects.filter(tax_code=base["tax_code"]).exists()

    # The commune that replaced it goes in everywhere.
    new = old.successor
    response = entry_client.post(reverse("projects:facility-create"), {**base, "commune": new.pk})
    assert response.status_code == 302
    facility = Facility.objects.get(tax_code=base["tax_code"])
    assert facility.commune == new and facility.administrative_unit == new  # its unit of support now


def test_a_facility_keeps_its_commune_when_edited_but_cannot_move_to_an_old_one(entry_client):
    new = unit(OLD_WARD).successor
    facility = f.FacilityFactory(commune=new)
    data = {"name": facility.name, "kind": facility.kind, "tax_code": facility.tax_code, "commune": new.pk,
            "phone": "0263 3822 111"}
    assert entry_client.post(reverse("projects:facility-edit", args=[facility.pk]), data).status_code == 302
    response = entry_client.post(reverse("projects:facility-edit", args=[facility.pk]), {**data, "commune": unit("672").pk})
    assert "không phải là xã, phường" in response.content.decode()
    facility.refresh_from_db()
    assert facility.commune == new and facility.phone == "0263 3822 111"


def test_the_commune_picker_offers_communes_in_force_found_by_new_or_old_name(viewer_client):
    url = reverse("projects:commune-search")
    by_new = viewer_client.get(url, {"q": "lang biang"}).json()["results"]
    assert [r["label"].split(" (")[0] for r in by_new] == ["Phường Lang Biang - Đà Lạt"]
    assert "(trước đây: " in by_new[0]["label"] and "Phường 7" in by_new[0]["label"]
    # The old commune's name finds the commune it is part of now, never the old one itself.
    by_old = viewer_client.get(url, {"q": "xuan tho"}).json()["results"]
    assert [r["id"] for r in by_old] == [unit("24805").successor_id]
    ids = {r["id"] for r in viewer_client.get(url, {"q": "phuong"}).json()["results"]}
    assert not AdministrativeUnit.objects.filter(pk__in=ids, valid_to__isnull=False).exists()


# ——— Facilities mapped to the new communes —————————————————————————————————————————


def test_mapping_from_an_old_commune_a_district_address_and_a_split_commune():
    data = admin_units.read_package(existing_districts=admin_units.existing_district_codes(AdministrativeUnit))
    lang_biang = unit(OLD_WARD).successor.code
    assert admin_units.map_unit([OLD_WARD], "commune", "", data).commune == lang_biang
    # From the district, by the old commune the address names (accents, spacing ignored).
    by_address = admin_units.map_unit(["672"], "district", "Số 5 đường Hùng Vương, phường 7", data)
    assert (by_address.commune, by_address.ambiguous) == (lang_biang, False)
    assert admin_units.map_unit(["672"], "district", "Số 5, Phường 10", data).commune != lang_biang
    assert admin_units.map_unit(["681"], "district", "thị trấn Mađaguôi", data).ambiguous is False
    # Đạ Tẻh was merged into Đạ Huoai in 2024: its communes are found under Đạ Huoai.
    assert admin_units.map_unit(["682", "681"], "district", "Thôn 3, xã Đạ Oai", data).ambiguous is False
    # No commune named: the district's default, with every candidate, to review.
    vague = admin_units.map_unit(["678"], "district", "Quốc lộ 20, huyện Đức Trọng", data)
    assert vague.ambiguous and vague.commune in vague.candidates and len(vague.candidates) > 1
    # A commune split between two: its default, to review.
    split = AdministrativeUnit.objects.get(name="Xã Hòa Thắng", valid_to=REFORM_END)
    mapped = admin_units.map_unit([split.code], "commune", "", data)
    assert mapped.ambiguous and mapped.commune == split.successor.code and len(mapped.candidates) == 2


def test_map_facilities_and_the_review_list(department_client, entry_client):
    clear = f.FacilityFactory(administrative_unit=unit("672"), address="Số 3 Phù Đổng Thiên Vương, phường 8")
    vague = f.FacilityFactory(administrative_unit=unit("678"), address="Quốc lộ 20")
    out = io.StringIO()
    call_command("map_facilities_to_communes", stdout=out)
    assert "Đã gắn 1 cơ sở; 1 cơ sở cần xem lại" in out.getvalue()
    clear.refresh_from_db()
    vague.refresh_from_db()
    assert clear.commune == current_commune("Phường Lâm Viên - Đà Lạt") and not clear.commune_needs_review
    assert clear.administrative_unit == unit("672")  # the pre-reform unit stays as history
    assert vague.commune_needs_review and vague.commune.code in vague.commune_candidates

    # The review list shows it with its candidates; data entry reads it but cannot decide.
    page = entry_client.get(reverse("projects:commune-review")).content.decode()
    assert vague.name in page and clear.name not in page and "<select" not in page
    pick = next(c for c in vague.commune_candidates if c != vague.commune.code)
    post = {"facility": vague.pk, "commune": unit(pick).pk}
    assert entry_client.post(reverse("projects:commune-review"), post).status_code == 403

    client = department_client
    assert client.post(reverse("projects:commune-review"), post).status_code == 302
    vague.refresh_from_db()
    assert vague.commune == unit(pick) and not vague.commune_needs_review and vague.commune_candidates == []
    assert vague.history.first().commune_id == unit(pick).pk
    row = f'href="{reverse("projects:facility-detail", args=[vague.pk])}"'
    assert row not in client.get(reverse("projects:commune-review")).content.decode()
    # An old commune is refused there too, with the rule's reason.
    response = client.post(reverse("projects:commune-review"), {"facility": vague.pk, "commune": unit(OLD_WARD).pk}, follow=True)
    assert "không còn hiệu lực vào ngày" in response.content.decode()
    vague.refresh_from_db()
    assert vague.commune == unit(pick)


def test_lists_filter_by_the_new_commune_and_by_the_old_district(viewer_client):
    lam_vien = current_commune("Phường Lâm Viên - Đà Lạt")
    here = f.FacilityFactory(name="Hợp tác xã Hoa Lâm Viên", administrative_unit=unit("672"), commune=lam_vien)
    there = f.FacilityFactory(name="Hợp tác xã Chè Bảo Lộc", administrative_unit=unit("673"))
    project = f.ProjectFactory(name="Đề án máy sấy hoa")
    project.facilities.set([here])
    other = f.ProjectFactory(name="Đề án máy vò chè")
    other.facilities.set([there])

    def names(url, params):
        page = viewer_client.get(reverse(url), params).content.decode()
        shown = (here.name, there.name) if url == "projects:facility-list" else (project.name, other.name)
        return {n for n in shown if n in page}

    assert names("projects:facility-list", {"commune": lam_vien.pk}) == {here.name}
    assert names("projects:facility-list", {"district": unit("673").pk}) == {there.name}
    assert names("projects:project-list", {"commune": lam_vien.pk}) == {project.name}
    assert names("projects:project-list", {"district": unit("673").pk}) == {other.name}
    # An old commune is no choice of the filter: named above the list and left out.
    page = viewer_client.get(reverse("projects:facility-list"), {"commune": unit(OLD_WARD).pk}).content.decode()
    assert "Đã bỏ qua điều kiện lọc không hợp lệ" in page


def test_the_admins_commune_autocomplete_offers_communes_in_force_only(admin_client):
    url = reverse("admin:autocomplete")
    params = {"app_label": "projects", "model_name": "facility", "field_name": "commune", "term": "Phường"}
    ids = {int(r["id"]) for r in admin_client.get(url, params).json()["results"]}
    offered = AdministrativeUnit.objects.filter(pk__in=ids).valid_on(Facility.unit_date()).communes()
    assert ids and set(offered.values_list("pk", flat=True)) == ids
    # The unit of the time of support still finds the old ones.
    params["field_name"] = "administrative_unit"
    ids = {int(r["id"]) for r in admin_client.get(url, {**params, "term": "Phường 7"}).json()["results"]}
    assert unit(OLD_WARD).pk in ids


def test_the_annex_names_the_district_before_the_reform_and_the_commune_after():
    from reporting.document import draft_figures

    lam_vien = current_commune("Phường Lâm Viên - Đà Lạt")
    facility = f.FacilityFactory(name="Hợp tác xã Hoa Lâm Viên", administrative_unit=unit("672"), commune=lam_vien)
    for year in (2024, 2026):
        # A 2026 plan is under the merged province's programme (unit "68-2025"), which its report covers.
        program = f.ProgramFactory(province=unit("68-2025"), first_year=2026, last_year=2030) if year == 2026 else None
        plan = f.AnnualPlanFactory(year=year, program=program) if program else f.AnnualPlanFactory(year=year)
        project = f.ProjectFactory(plan=plan, name=f"Đề án {year}")
        project.facilities.set([facility])

    def where(year):
        figures = draft_figures(year_from=year, year_to=year, report_date=datetime.date(2026, 11, 30))
        return [b.unit for line in figures.project_lines for b in line.beneficiaries]

    assert where(2024) == ["Thành phố Đà Lạt"]
    assert where(2026) == ["Phường Lâm Viên - Đà Lạt"]
