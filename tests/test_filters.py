"""The lists' filters (django-filter FilterSets) and their one accent-free search
(khuyencong.core.search): every list finds without accents, events included; a bad filter
value never gives a 500 and is named in a Vietnamese note, the other filters still applying."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from khuyencong.core import roles
from khuyencong.core.search import search, search_words
from khuyencong.workbook import import_workbook
from projects.models import Event, Facility, Project, refresh_search_text
from tests import factories as f

from .workbook_helpers import small_workbook, user_with, xlsx

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

pytestmark = pytest.mark.django_db

NOTE = "Đã bỏ qua điều kiện lọc không hợp lệ"


@pytest.fixture
def rows():
    """One đề án, facility, event, nomination and contract with accented words, and one of each
    without them, so that a search that finds must also leave something out."""
    plan = f.AnnualPlanFactory(year=2024)
    facility = f.FacilityFactory(name="Hợp tác xã Dệt thổ cẩm Đơn Dương", address="Lạc Dương")
    other_facility = f.FacilityFactory(name="Công ty Cà phê Cầu Đất", address="Xuân Trường")
    project = f.ProjectFactory(plan=plan, name="Máy dệt thổ cẩm cải tiến", facilities=[facility])
    other = f.ProjectFactory(plan=plan, name="Lò sấy cà phê", facilities=[other_facility])
    fair = f.EventFactory(project=project, kind=Event.Kind.FAIR, name="Hội chợ hàng thủ công Lâm Đồng", place="Bảo Lộc")
    conference = f.EventFactory(project=project, name="Hội nghị kết nối cung cầu", place="Đà Lạt")
    nomination = f.ProductNominationFactory(product__facility=facility, product__name="Khăn thổ cẩm")
    f.ProductNominationFactory(product__facility=other_facility, product__name="Cà phê Arabica", recognised=False)
    recoverable = f.ProjectFactory(plan=plan, support_form="recoverable", facilities=[facility, other_facility])
    contract = f.LoanContractFactory(project=recoverable, facility=facility, number="05/2024/HĐ-KC")
    f.LoanContractFactory(project=recoverable, facility=other_facility, number="06/2024/HĐ-KC")
    return {
        "project": project, "other": other, "facility": facility, "other_facility": other_facility,
        "fair": fair, "conference": conference, "nomination": nomination, "contract": contract,
    }


def listed(client, name: str, **params) -> list:
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    context = response.context
    if "rows" in context and name == "funding:contract-list":
        return [c for c, _ in context["rows"]]
    return list(context["page"].object_list)


# --- the one search -------------------------------------------------------------------------


def test_search_folds_the_words_typed_and_needs_every_one(rows):
    facilities = Facility.objects.all()
    for text in ("tho cam don duong", "THỔ CẨM Đơn Dương", "  dệt   đơn  "):
        assert list(search(facilities, text)) == [rows["facility"]]
    assert list(search(facilities, "tho cam xuan truong")) == []  # every word, not any
    assert set(search(facilities, "")) == set(facilities)
    assert search_words("Lâm  Đồng") == ["lam", "dong"]


def test_search_takes_several_columns_and_codes_as_typed(rows):
    from funding.models import LoanContract

    contracts = LoanContract.objects.all()
    by_number = search(contracts, "05/2024/HĐ", "facility__search_text", typed=("number",))
    assert list(by_number) == [rows["contract"]]
    by_facility = search(contracts, "don duong", "facility__search_text", typed=("number",))
    assert list(by_facility) == [rows["contract"]]


# (list, query without accents, the row key it must find alone)
ACCENT_FREE = [
    ("projects:project-list", "may det tho cam", "project"),
    ("projects:facility-list", "hop tac xa det", "facility"),
    ("projects:event-list", "hoi cho", "fair"),
    ("projects:event-list", "bao loc", "fair"),  # the place, too
    ("projects:event-list", "HỘI CHỢ", "fair"),
    ("projects:nomination-list", "don duong", "nomination"),
    ("funding:contract-list", "det tho cam", "contract"),
]


@pytest.mark.parametrize("name, query, key", ACCENT_FREE)
def test_every_list_searches_without_accents(viewer_client, rows, name, query, key):
    assert listed(viewer_client, name, q=query) == [rows[key]]


def test_project_list_finds_by_a_beneficiary_typed_without_accents(viewer_client, rows):
    found = listed(viewer_client, "projects:project-list", facility="ca phe cau dat")
    assert rows["other"] in found and rows["project"] not in found


def test_an_event_keeps_its_name_and_place_folded(rows):
    fair = rows["fair"]
    assert fair.search_text == "hoi cho hang thu cong lam dong bao loc"
    fair.place = "Đức Trọng"
    fair.save()
    fair.refresh_from_db()
    assert fair.search_text.endswith("duc trong")


def test_the_migration_fills_the_events_already_there(rows):
    Event.objects.update(search_text="")
    migration = importlib.import_module("projects.migrations.0009_event_search_text")
    migration.fill_search_text(apps, None)
    assert Event.objects.get(pk=rows["fair"].pk).search_text == "hoi cho hang thu cong lam dong bao loc"
    assert not Event.objects.filter(search_text="").exists()


def test_refresh_search_text_covers_events(rows):
    Event.objects.update(search_text="")
    assert refresh_search_text() == Event.objects.count()
    assert Event.objects.filter(search_text__contains="hoi cho").get() == rows["fair"]


def test_events_imported_from_a_workbook_are_found_without_accents(viewer_client):
    import_workbook(xlsx(small_workbook()), user=user_with(roles.DEPARTMENT))
    event = Event.objects.get(name="Hội nghị kết nối cung cầu Đà Lạt 2023")
    assert event.search_text == "hoi nghi ket noi cung cau da lat 2023 da lat"
    assert listed(viewer_client, "projects:event-list", q="ket noi da lat") == [event]


# --- bad values: never a 500, a Vietnamese note, the other filters still apply ---------------


# (list, bad parameters, the label the note names)
BAD_VALUES = [
    ("projects:project-list", {"year": "abc"}, "Năm kế hoạch"),
    ("projects:project-list", {"status": "bogus"}, "Trạng thái"),
    ("projects:project-list", {"content": "999999"}, "Nội dung"),
    ("projects:project-list", {"district": "abc"}, "Huyện của cơ sở (trước 7/2025)"),
    ("projects:project-list", {"facility_id": "abc"}, "Mã cơ sở"),
    # Past a 64-bit integer: the database driver raised OverflowError, a 500.
    ("projects:project-list", {"facility_id": "99999999999999999999"}, "Mã cơ sở"),
    ("projects:project-list", {"sap_xep": "drop table"}, "Sắp xếp"),
    ("projects:facility-list", {"kind": "bogus"}, "Loại hình"),
    ("projects:facility-list", {"district": "999999"}, "Huyện (trước 7/2025)"),
    ("projects:event-list", {"year": "abc"}, "Năm"),
    ("projects:event-list", {"year": "99999"}, "Năm"),
    ("projects:event-list", {"kind": "bogus"}, "Loại sự kiện"),
    ("projects:nomination-list", {"year": "2024.5"}, "Năm"),
    ("projects:nomination-list", {"level": "abc"}, "Cấp"),
    ("projects:nomination-list", {"recognised": "2"}, "Kết quả"),
    ("funding:contract-list", {"state": "bogus"}, "Tình trạng"),
    ("funding:contract-list", {"year": "abc"}, "Năm kế hoạch"),
    ("funding:contract-list", {"bucket": "tren-9999"}, "Tuổi nợ quá hạn"),
    ("funding:contract-list", {"facility": "abc"}, "Cơ sở"),
    ("funding:contract-list", {"sap_xep": "-bogus"}, "Sắp xếp"),
]


@pytest.mark.parametrize("name, params, label", BAD_VALUES)
def test_a_bad_filter_value_shows_the_list_unfiltered_with_a_note(viewer_client, rows, name, params, label):
    everything = listed(viewer_client, name)
    response = viewer_client.get(reverse(name), params)
    assert response.status_code == 200
    html = response.content.decode()
    value = next(iter(params.values()))
    assert NOTE in html and f"{label} “{value}”" in html
    assert sorted(r.pk for r in listed(viewer_client, name, **params)) == sorted(r.pk for r in everything)


def test_a_list_with_good_filters_has_no_note(viewer_client, rows):
    for name in ("projects:project-list", "projects:event-list", "funding:contract-list"):
        assert NOTE not in viewer_client.get(reverse(name), {"q": "tho cam"}).content.decode()


def test_the_good_filters_still_apply_beside_a_bad_one(viewer_client, rows):
    assert listed(viewer_client, "projects:event-list", kind=Event.Kind.FAIR, year="abc") == [rows["fair"]]
    found = listed(viewer_client, "projects:project-list", q="may det", status="bogus")
    assert found == [rows["project"]]
    contracts = listed(viewer_client, "funding:contract-list", q="05/2024", state="bogus")
    assert contracts == [rows["contract"]]


def test_an_unknown_sort_keeps_the_default_order(viewer_client, rows):
    default = listed(viewer_client, "projects:project-list")
    assert listed(viewer_client, "projects:project-list", sap_xep="bogus") == default
    assert [p.pk for p in default] == list(
        Project.objects.order_by("-plan__year", "code").values_list("pk", flat=True)
    )


@pytest.mark.parametrize("name", ["funding:due-list", "funding:overdue-list", "funding:portfolio"])
def test_the_debt_screens_say_a_bad_date_and_count_to_today(viewer_client, rows, name):
    response = viewer_client.get(reverse(name), {"ngay": "31/02/2024"})
    assert response.status_code == 200
    assert "Ngày “31/02/2024” không hợp lệ (dạng dd/mm/yyyy); đang tính đến hôm nay." in response.content.decode()
    assert response.context["as_of"] == timezone.localdate()
