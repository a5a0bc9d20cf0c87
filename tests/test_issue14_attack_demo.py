"""Issue 14 attacked, on the Lâm Đồng demo data (a module of its own: its data set is loaded in
a transaction kept open for the module, which the transactional tests of
tests/test_issue14_attack.py cannot share)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


# ——— The demo data's pages against the ledgers, summaries worked out on another day ————————————


@pytest.mark.parametrize("computed_days_ago", [0, 1, 200, 700])
def test_the_demo_pages_equal_the_ledgers_whenever_the_summaries_were_worked_out(lam_dong, monkeypatch, computed_days_ago):
    """Summaries worked out on an earlier day (a quiet week, a server that slept), read today and
    on later and earlier days: the overdue list, the portfolio and the contract list's bucket
    filters and debt sorts in SQL give what the ledgers give."""
    from funding import loans
    from funding import views as funding_views
    from funding.filters import BUCKET_KEYS, NOT_OVERDUE, OVERDUE_ANY, ContractFilter
    from funding.models import LoanContract

    today = timezone.localdate()
    then = today - datetime.timedelta(days=computed_days_ago)
    with monkeypatch.context() as patch:
        patch.setattr(loans.timezone, "localdate", lambda: then)
        loans.refresh_all_debts()
    everything = LoanContract.objects.all()
    for offset in (-400, -1, 0, 1, 30, 365, 3000):
        day = today + datetime.timedelta(days=offset)
        by_ledger = loans.overdue_contracts(everything, as_of=day)
        by_ledger.sort(key=lambda r: (-r.days_past_due, r.contract_number))
        assert loans.overdue_contracts(as_of=day) == by_ledger, offset
        assert loans.portfolio_summary(as_of=day) == loans.portfolio_summary(everything, as_of=day), offset
        for bucket in ["", OVERDUE_ANY, NOT_OVERDUE, *BUCKET_KEYS]:
            for sort in ["du-no", "-du-no", "qua-han", "-so-ngay", "so-ngay"]:
                filters = ContractFilter({"bucket": bucket, "sap_xep": sort}, queryset=everything.select_related(
                    "facility", "project__plan"), years=[2021, 2022, 2023, 2024, 2025])
                python = [c.pk for c, _ in funding_views._rows_with_statuses(filters, day)]
                if loans.summaries_usable(day):
                    assert [c.pk for c in funding_views._filtered_in_sql(filters, day)] == python, (offset, bucket, sort)
