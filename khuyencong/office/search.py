"""The header's search box: đề án, facilities, contracts and products in one answer.

Each kind is searched as its own list's search box searches it (khuyencong.core.search: every
word, without accents, in the row's folded column), so "xem tất cả" on a group opens that list
filtered by the same words. Products have no folded column: their names (a few hundred a
province) are folded here, in Python, in one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from funding.models import LoanContract
from khuyencong.core.search import search, search_words
from khuyencong.core.text import fold_accents
from projects.models import Facility, Product, Project

MIN_LENGTH = 2  # characters (without spaces): fewer finds half the database
PER_GROUP = 10


@dataclass
class Hit:
    label: str
    url: str
    detail: str = ""


@dataclass
class Group:
    kind: str  # the heading: "Đề án", "Cơ sở"…
    key: str  # the anchor on the results page
    count: int
    hits: list[Hit] = field(default_factory=list)
    all_url: str = ""  # the list, filtered by the same words; "" when the group is complete


def too_short(query: str) -> bool:
    return len("".join(search_words(query))) < MIN_LENGTH


def _list_url(name: str, query: str) -> str:
    return f"{reverse(name)}?{urlencode({'q': query})}"


def _group(kind: str, key: str, queryset: QuerySet, describe, list_name: str, query: str) -> Group:
    count = queryset.count()
    hits = [describe(row) for row in queryset[:PER_GROUP]]  # read even when none: a constant count
    return Group(kind, key, count, hits, _list_url(list_name, query) if count > PER_GROUP else "")


def _projects(query: str) -> Group:
    rows = search(Project.objects.select_related("plan"), query).order_by("-plan__year", "code")
    return _group(
        "Đề án", "de-an", rows,
        lambda p: Hit(f"{p.code} — {p.name}", reverse("projects:project-detail", args=[p.pk]),
                      f"Kế hoạch năm {p.plan.year} · {p.get_status_display()}"),
        "projects:project-list", query,
    )  # fmt: skip


def _facilities(query: str) -> Group:
    rows = search(Facility.objects.all(), query).order_by("name", "pk")
    return _group(
        "Cơ sở", "co-so", rows,
        lambda f: Hit(f.name, reverse("projects:facility-detail", args=[f.pk]),
                      " · ".join(x for x in (f.tax_code and f"MST {f.tax_code}", f.address) if x)),
        "projects:facility-list", query,
    )  # fmt: skip


def _contracts(query: str) -> Group:
    # As the contract list searches: the number as typed, the facility without accents.
    rows = search(LoanContract.objects.select_related("facility"), query, "facility__search_text", typed=("number",))
    return _group(
        "Hợp đồng hỗ trợ có thu hồi", "hop-dong", rows.order_by("-signed_on", "number"),
        lambda c: Hit(f"Hợp đồng {c.number}", reverse("funding:contract-detail", args=[c.pk]),
                      f"{c.facility.name} · ký ngày {c.signed_on:%d/%m/%Y} · {c.get_state_display()}"),
        "funding:contract-list", query,
    )  # fmt: skip


def _products(query: str) -> Group:
    """Products whose name and facility hold every word (accent-free); one query."""
    words = search_words(query)
    rows = Product.objects.values_list("pk", "name", "facility_id", "facility__name", "facility__search_text")
    found = [
        (name, facility_id, facility_name)
        for _, name, facility_id, facility_name, facility_text in rows.order_by("name", "pk")
        if all(word in f"{fold_accents(name)} {facility_text}" for word in words)
    ]
    hits = [
        Hit(name, f"{reverse('projects:facility-detail', args=[facility_id])}#h-nom", facility_name)
        for name, facility_id, facility_name in found[:PER_GROUP]
    ]
    return Group("Sản phẩm", "san-pham", len(found), hits,
                 _list_url("projects:nomination-list", query) if len(found) > PER_GROUP else "")  # fmt: skip


def site_search(query: str) -> list[Group]:
    """Every kind's matches of ``query`` (at most PER_GROUP each, with the count), in a fixed
    number of queries: two per kind, one for the products."""
    return [_projects(query), _facilities(query), _contracts(query), _products(query)]
