"""One rule, every way in: the đề án, facility, event and product rules refuse the same input with
the same Vietnamese reason on the staff screens, the workbook import on the web (/nhap-xuat/) and
on the command line, and the Django admin (/quan-tri/), and a refusal changes nothing.

The paths are small helpers here; the funding side has its own (tests/parity.py) and the two
are to be folded together.
"""

from __future__ import annotations

import datetime
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from khuyencong.core import cells, roles
from khuyencong.core.formatting import money_exact
from khuyencong.core.text import clean_text
from khuyencong.workbook import import_workbook
from projects.models import APPROVED_BUDGET_MESSAGE, Event, Facility, Product, ProductNomination, Project

from . import factories as f
from .workbook_helpers import small_workbook, user_with, xlsx

pytestmark = pytest.mark.django_db

YEAR = 2024


# -- the database, to compare before and after ---------------------------------------------------


def database() -> dict[str, list[dict[str, Any]]]:
    """Every row of the projects and funding apps, history included, in key order."""
    state = {}
    for label in ("projects", "funding"):
        for model in apps.get_app_config(label).get_models():
            state[model._meta.label] = list(model._default_manager.order_by("pk").values())
    return state


# -- the paths -----------------------------------------------------------------------------------


def department() -> Any:
    return user_with(roles.DEPARTMENT, username="chuyenvien")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def by_form(url: str, data: dict[str, Any]) -> str:
    """A staff screen's form POST by the Department; the page it answers with."""
    response = signed_in(department()).post(url, data)
    assert response.status_code == 200, "the form should be shown again, not saved"
    return response.content.decode()


def by_web_import(sheets: dict[str, list[list[Any]]]) -> str:
    """The workbook uploaded at /nhap-xuat/ by the Department: the dry run lists the problems."""
    upload = SimpleUploadedFile("so-lieu.xlsx", xlsx(sheets))
    response = signed_in(department()).post(reverse("workbook:import"), {"file": upload}, follow=True)
    assert response.context["may_confirm"] is False, "a file with problems cannot be confirmed"
    return response.content.decode()


def by_cli_import(sheets: dict[str, list[list[Any]]], tmp_path: Path) -> str:
    """``manage.py import_workbook FILE --user chuyenvien``: what it writes to stderr."""
    department()
    path = tmp_path / "so-lieu.xlsx"
    path.write_bytes(xlsx(sheets))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_workbook", str(path), "--user", "chuyenvien", stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def by_admin(url: str, data: dict[str, Any]) -> str:
    """The Django admin's add or change page, posted by the administrator (quantri)."""
    response = signed_in(f.SuperuserFactory()).post(url, data)
    assert response.status_code == 200, "the admin should show the form again, not save"
    return response.content.decode()


def inline_management(*prefixes: str) -> dict[str, str]:
    data = {}
    for prefix in prefixes:
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data


def project_fields(project: Project, **values: Any) -> dict[str, Any]:
    """The fields the đề án form and the admin's đề án page post, as they stand, with ``values``."""
    data = {
        "plan": project.plan_id,
        "code": project.code,
        "name": project.name,
        "content": project.content_id,
        "funding_level": project.funding_level_id,
        "support_form": project.support_form,
        "implementing_unit": project.implementing_unit,
        "planned_budget": str(project.planned_budget),
        "approved_budget": str(project.approved_budget),
        "counterpart_capital": str(project.counterpart_capital),
        "status": project.status,
        "output_quantity": "1",
    }
    data.update(values)
    return data


def event_fields(project: Project) -> dict[str, Any]:
    return {
        "project": project.pk,
        "kind": Event.Kind.CONFERENCE,
        "name": "Hội nghị kết nối cung cầu Đà Lạt",
        "date": "20/09/2024",
        "place": "Đà Lạt",
        "participants": "120",
        "sale_contracts": "8",
        "memoranda": "15",
    }


# -- the refused cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One refused input, as each path can express it. ``setup`` makes what it refers to and
    returns it; each path builder turns that into the path's input (None: the path cannot say it)."""

    message: str
    setup: Callable[[], Any]
    form: Callable[[Any], tuple[str, dict]] | None = None
    workbook: Callable[[Any], dict] | None = None
    admin: Callable[[Any], tuple[str, dict]] | None = None


def approved_project() -> Project:
    return f.ProjectFactory(plan__year=YEAR, code="DP-2024-01", status=Project.Status.APPROVED)


def proposed_project() -> Project:
    return f.ProjectFactory(
        plan__year=YEAR, code="DP-2024-02", status=Project.Status.PROPOSED, approved_budget=0,
        content=f.content("KNCC"),
    )


PAID = 189_000_000


def paid_project() -> Project:
    project = approved_project()
    f.DisbursementFactory(project=project, amount=PAID, funding_source=None)
    return project


def adjustment(**fields: str) -> dict[str, str]:
    """An adjustment decision of the Department, confirmed."""
    return {"number": "90/QĐ-SCT", "date": f"{datetime.date.today():%d/%m/%Y}", "xac-nhan": "1", **fields}


DEAN = ["Năm", "Mã đề án", "Tên đề án", "Nguồn", "Mã nội dung", "Hình thức", "Kinh phí kế hoạch", "Trạng thái"]
SUKIEN = ["Năm", "Mã đề án", "Tên sự kiện", "Ngày", "Địa điểm", "Lượt doanh nghiệp"]
TOO_MUCH = "1.000.000.000.000.001"  # one đồng over cells.MAX_MONEY

CASES = {
    # An approved đề án whose approved budget is taken back to 0: no contract could be signed
    # under it while its page shows the planned budget.
    "approved-without-approved-budget": Case(
        message=APPROVED_BUDGET_MESSAGE,
        setup=approved_project,
        # The approved budget changes on the screens only by an adjustment decision.
        form=lambda p: (reverse("projects:project-step", args=[p.pk, "dieu-chinh"]), adjustment(amount="0")),
        workbook=lambda p: {"DeAn": [["Năm", "Mã đề án", "Kinh phí được duyệt"], [YEAR, p.code, 0]]},
        admin=lambda p: (
            reverse("admin:projects_project_change", args=[p.pk]),
            {**project_fields(p, approved_budget="0"), **inline_management("disbursements", "events")},
        ),
    ),
    # A new đề án entered approved with no approved budget.
    "new-approved-without-approved-budget": Case(
        message=APPROVED_BUDGET_MESSAGE,
        setup=lambda: f.AnnualPlanFactory(year=YEAR),
        workbook=lambda plan: {
            "DeAn": [
                [*DEAN, "Kinh phí được duyệt"],
                [YEAR, "DP-2024-09", "Hỗ trợ máy sấy chè", "Địa phương", "MMTB", "Không thu hồi", 300_000_000, "Đã duyệt", 0],
            ]
        },
        # The admin cannot say it: a đề án's status is read-only there (services.change_status).
    ),
    # An approved budget lowered below the money already paid out.
    "budget-below-paid": Case(
        message=f"Kinh phí của đề án ({money_exact(1)}) không được thấp hơn số đã giải ngân ({money_exact(PAID)}).",
        setup=paid_project,
        form=lambda p: (reverse("projects:project-step", args=[p.pk, "dieu-chinh"]), adjustment(amount="1")),
        workbook=lambda p: {"DeAn": [["Năm", "Mã đề án", "Kinh phí được duyệt"], [YEAR, p.code, 1]]},
        admin=lambda p: (
            reverse("admin:projects_project_change", args=[p.pk]),
            {**project_fields(p, approved_budget="1"), **inline_management("disbursements", "events")},
        ),
    ),
    # An event under a đề án that is only proposed.
    "event-on-proposed-project": Case(
        message="Đề án “DP-2024-02” đang ở trạng thái “Đề xuất”: chỉ ghi nhận sự kiện cho đề án đã duyệt, "
        "đang thực hiện hoặc hoàn thành.",
        setup=proposed_project,
        form=lambda p: (reverse("projects:event-create"), event_fields(p)),
        workbook=lambda p: {"SuKien": [SUKIEN, [YEAR, p.code, "Hội nghị kết nối cung cầu Đà Lạt", "20/09/2024", "Đà Lạt", 120]]},
        admin=lambda p: (reverse("admin:projects_event_add"), event_fields(p)),
    ),
    # A planned budget beyond the one money limit.
    "money-over-the-limit": Case(
        message=cells.MONEY_TOO_LARGE,
        setup=approved_project,
        form=lambda p: (reverse("projects:project-edit", args=[p.pk]), project_fields(p, planned_budget=TOO_MUCH)),
        workbook=lambda p: {"DeAn": [["Năm", "Mã đề án", "Kinh phí kế hoạch"], [YEAR, p.code, TOO_MUCH]]},
        admin=lambda p: (
            reverse("admin:projects_project_change", args=[p.pk]),
            {**project_fields(p, planned_budget=str(cells.MAX_MONEY + 1)), **inline_management("disbursements", "events")},
        ),
    ),
}

PATHS = ["form", "web-import", "cli-import", "admin"]


def run(path: str, case: Case, subject: Any, tmp_path: Path) -> str | None:
    """What the path shows the user for the case; None when the path cannot express it."""
    if path == "form" and case.form:
        return by_form(*case.form(subject))
    if path == "web-import" and case.workbook:
        return by_web_import(case.workbook(subject))
    if path == "cli-import" and case.workbook:
        return by_cli_import(case.workbook(subject), tmp_path)
    if path == "admin" and case.admin:
        return by_admin(*case.admin(subject))
    return None


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", list(CASES))
def test_every_path_refuses_with_the_same_reason_and_changes_nothing(name, path, tmp_path):
    case = CASES[name]
    subject = case.setup()
    department()  # the accounts exist before, so that "before" and "after" differ only by the attempt
    f.SuperuserFactory()
    before = database()

    shown = run(path, case, subject, tmp_path)

    if shown is None:
        pytest.skip(f"the {path} path cannot express “{name}”")
    assert case.message in shown
    assert database() == before


def test_the_databases_check_matches_the_payable_states():
    # The constraint spells the statuses out (a migration cannot serialise a frozenset in order).
    check = next(c for c in Project._meta.constraints if c.name == "project_approved_budget_when_payable")
    statuses = next(child for child in check.condition.children[0].children if child[0] == "status__in")[1]
    assert set(statuses) == set(Project.PAYABLE)


def test_the_database_refuses_what_the_rule_refuses():
    from django.db import IntegrityError, transaction

    project = approved_project()
    project.approved_budget = 0
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(approved_budget=0)
    assert project.approved_budget_refusal() == APPROVED_BUDGET_MESSAGE


def test_a_payable_project_without_any_planned_money_may_keep_an_approved_budget_of_0():
    # Paid for by another body (the demo's DP-2023-047): coherent, the page shows 0 everywhere.
    project = f.ProjectFactory(planned_budget=0, approved_budget=0, status=Project.Status.COMPLETED)
    project.full_clean()


def test_approving_takes_the_approved_budget_entered_never_the_planned_one():
    from projects import services

    project = proposed_project()
    with pytest.raises(ValidationError):
        services.change_status(project=project, status=Project.Status.APPROVED, by=department())
    services.take_step(
        project=project, kind="approval", by=department(), number="3/QĐ-SCT", date=datetime.date.today(), amount=250_000_000
    )
    project.refresh_from_db()
    assert (project.status, project.approved_budget) == (Project.Status.APPROVED, 250_000_000)


# -- names stored clean on every path ------------------------------------------------------------

NAME = "Công ty TNHH Chè Lâm Đồng"
TYPED = "  " + unicodedata.normalize("NFD", "Công ty TNHH Chè Lâm\u200b Đồng") + " "  # a Mac, a paste


def facility_row(name: str) -> dict[str, list[list[Any]]]:
    return {"CoSo": [["Mã số thuế", "Tên cơ sở", "Loại hình"], ["", name, "Doanh nghiệp"]]}


@pytest.mark.parametrize("path", ["web-import", "cli-import", "import"])
def test_an_import_matches_a_facility_named_in_nfd_or_with_a_zero_width_space(path, tmp_path):
    existing = f.FacilityFactory(name=NAME, tax_code="")
    user = department()
    data = xlsx(facility_row(TYPED))
    if path == "import":
        assert import_workbook(data, user=user).ok
    elif path == "web-import":
        client = signed_in(user)
        job = client.post(reverse("workbook:import"), {"file": SimpleUploadedFile("a.xlsx", data)}, follow=True).context["job"]
        assert client.post(reverse("workbook:confirm"), {"job": str(job.pk)}).status_code == 302
    else:
        (tmp_path / "a.xlsx").write_bytes(data)
        call_command("import_workbook", str(tmp_path / "a.xlsx"), "--user", "chuyenvien", stdout=io.StringIO())
    assert list(Facility.objects.values_list("pk", "name")) == [(existing.pk, NAME)]


@pytest.mark.parametrize("path", ["form", "admin"])
def test_the_screens_store_a_name_typed_in_nfd_or_with_a_zero_width_space_clean(path):
    data = {"name": TYPED, "kind": Facility.Kind.ENTERPRISE, "tax_code": "", "address": "", "email": ""}
    if path == "form":
        response = signed_in(department()).post(reverse("projects:facility-create"), data)
    else:
        response = signed_in(f.SuperuserFactory()).post(reverse("admin:projects_facility_add"), data)
    assert response.status_code == 302
    assert Facility.objects.get().name == NAME == clean_text(TYPED)


def test_an_import_matches_a_product_by_its_name_however_it_is_typed():
    facility = f.FacilityFactory(name=NAME, tax_code="5800000001")
    product = f.ProductFactory(facility=facility, name="Chè Ô long Cầu Đất")
    sheets = {
        "BinhChon": [
            ["Tên sản phẩm", "Cơ sở", "Cấp", "Năm", "Kết quả"],
            [unicodedata.normalize("NFD", "chè ô long\u200b cầu đất"), "5800000001", "Tỉnh", 2024, "Công nhận"],
        ]
    }
    assert import_workbook(xlsx(sheets), user=department()).ok
    assert list(Product.objects.values_list("pk", flat=True)) == [product.pk]
    assert ProductNomination.objects.get().product == product


def test_a_bulk_update_stores_names_clean():
    facility = f.FacilityFactory(name=NAME)
    facility.name = TYPED
    Facility.objects.bulk_update([facility], ["name"])
    assert Facility.objects.get().name == NAME


# -- every imported record has its history, naming who imported it -------------------------------


@pytest.mark.parametrize("path", ["import", "cli-import"])
def test_every_record_an_import_creates_has_a_history_row_naming_the_user(path, tmp_path):
    user = department()
    data = xlsx(small_workbook())
    if path == "import":
        result = import_workbook(data, user=user)
        assert result.ok, result.problems
    else:
        (tmp_path / "a.xlsx").write_bytes(data)
        call_command("import_workbook", str(tmp_path / "a.xlsx"), "--user", "chuyenvien", stdout=io.StringIO())
    for model in (Facility, Project, Event, Product, ProductNomination):
        records = set(model.objects.values_list("pk", flat=True))
        assert records, model
        recorded = set(model.history.filter(history_user=user, history_type="+").values_list("id", flat=True))
        assert recorded == records, model


# -- the admin's per-table import (django-import-export) -----------------------------------------


def test_the_admins_table_import_refuses_an_event_on_a_proposed_project_with_the_same_reason():
    import tablib

    from projects.resources import EventResource

    project = proposed_project()
    before = database()
    dataset = tablib.Dataset(headers=SUKIEN)
    dataset.append([YEAR, project.code, "Hội nghị kết nối cung cầu Đà Lạt", "20/09/2024", "Đà Lạt", 120])

    result = EventResource().import_data(dataset, dry_run=False, use_transactions=True)

    assert result.has_validation_errors()
    reasons = [m for row in result.invalid_rows for messages in row.error_dict.values() for m in messages]
    assert CASES["event-on-proposed-project"].message in reasons
    assert database() == before


def test_the_admins_table_import_reads_money_with_the_one_parser():
    from khuyencong.core.widgets import MoneyWidget

    with pytest.raises(ValueError, match=cells.MONEY_TOO_LARGE):
        MoneyWidget().clean(TOO_MUCH)
    assert MoneyWidget().clean("1 836 337 000 đồng") == 1_836_337_000
