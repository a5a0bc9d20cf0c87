"""The admin's per-table import and export (django-import-export) speak the workbook's columns."""

from __future__ import annotations

import pytest
import tablib

from funding.models import Disbursement
from funding.resources import (
    DisbursementResource,
    InstalmentResource,
    LawsuitResource,
    LoanContractResource,
    RepaymentResource,
)
from khuyencong.core import roles
from khuyencong.core.widgets import RoleImportExportMixin
from khuyencong.workbook import import_workbook
from khuyencong.workbook import sheets as S
from projects.resources import EventResource, FacilityResource, ProductNominationResource, ProjectResource

from . import factories as f
from .workbook_helpers import small_workbook, xlsx

pytestmark = pytest.mark.django_db

RESOURCES = [
    (FacilityResource, S.FACILITIES),
    (ProjectResource, S.PROJECTS),
    (EventResource, S.EVENTS),
    (ProductNominationResource, S.NOMINATIONS),
    (DisbursementResource, S.DISBURSEMENTS),
    (LoanContractResource, S.CONTRACTS),
    (InstalmentResource, S.INSTALMENTS),
    (RepaymentResource, S.REPAYMENTS),
    (LawsuitResource, S.LAWSUITS),
]


@pytest.mark.parametrize(("resource", "sheet"), RESOURCES, ids=[s.name for _, s in RESOURCES])
def test_resources_export_with_the_workbook_columns(resource, sheet):
    import_workbook(xlsx(small_workbook()))
    dataset = resource().export()
    assert set(dataset.headers) <= set(sheet.all_columns)
    assert set(sheet.keys) <= set(dataset.headers)


def test_disbursement_resource_imports_a_row_by_year_and_code():
    import_workbook(xlsx(small_workbook()))
    dataset = tablib.Dataset(headers=["Năm", "Mã đề án", "Ngày", "Số tiền", "Số chứng từ"])
    dataset.append([2024, "QG-01", "01/12/2024", "50.000.000", "UNC-099"])

    result = DisbursementResource().import_data(dataset, dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    assert Disbursement.objects.get(document_number="UNC-099").amount == 50_000_000


def test_admin_import_is_for_the_administrator_only(rf):
    mixin = RoleImportExportMixin()
    for role, may_import in (
        (roles.ADMINISTRATOR, True), (roles.DATA_ENTRY, False), (roles.DEPARTMENT, False), (roles.VIEWER, False)
    ):
        from django.contrib.auth.models import Group

        user = f.UserFactory(is_staff=True)
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        request = rf.get("/")
        request.user = user
        assert mixin.has_import_permission(request) is may_import
        assert mixin.has_export_permission(request)
