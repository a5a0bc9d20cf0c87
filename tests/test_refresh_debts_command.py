"""``manage.py refresh_debts``: every contract's summary worked out again after a release, so
the day's first visitor does not wait for the ledgers; it equals what the ledgers give."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from funding import loans
from funding.models import ContractDebt, LoanContract
from tests.test_contract_screens import make_contracts

pytest_plugins = ["tests.screens_helpers"]
pytestmark = pytest.mark.django_db


def test_refresh_debts_rebuilds_every_summary_as_the_ledgers_give_it(department):
    make_contracts(3, department)
    today = timezone.localdate()
    kept = list(ContractDebt.objects.order_by("pk").values())  # as the writers left them
    assert len(kept) == 3
    ContractDebt.objects.all().delete()  # as after a migration that adds or changes them
    assert sorted(loans.stale_debts(today)) == sorted(LoanContract.objects.values_list("pk", flat=True))
    version = loans.ledger_version()

    out = io.StringIO()
    call_command("refresh_debts", stdout=out)

    assert "Đã tính lại dư nợ của 3 hợp đồng" in out.getvalue()
    assert loans.stale_debts(today) == []
    assert loans.ledger_version() == version + 1
    assert list(ContractDebt.objects.order_by("pk").values()) == kept
