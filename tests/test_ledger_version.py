"""The freshness version of the debts (funding.loans.ledger_version), which the dashboard's cache
keys on instead of the newest history id of each ledger table.

On PostgreSQL a history id is taken when a row is written, not when it commits: a write that
started first and commits last hides behind the later-numbered one, and a cache keyed by the
newest id misses it. The version is an UPDATE … SET n = n + 1 in each writer's transaction:
its row lock makes a second writer wait for the first to commit, so a value read after any
commit is one no reader saw before it.
"""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.utils import timezone

from funding import loans
from funding.models import ContractDebt, LedgerVersion, Repayment
from khuyencong.dashboard import figures
from tests import factories as f
from tests.test_browser import reference_data

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_ledger_write_bumps_the_version_once_in_its_transaction():
    reference_data()  # a transactional test's database is flushed: the migrations' rows again
    contract = f.LoanContractFactory()
    before = loans.ledger_version()
    with transaction.atomic(), loans.ledger_writes():
        f.RepaymentFactory(contract=contract, date=timezone.localdate())
        f.RepaymentFactory(contract=contract, date=timezone.localdate())
        assert loans.ledger_version() == before  # deferred to the end of the block
    assert loans.ledger_version() == before + 1
    try:
        with transaction.atomic(), loans.ledger_writes():
            f.RepaymentFactory(contract=contract)
            raise RuntimeError
    except RuntimeError:
        pass
    assert loans.ledger_version() == before + 1  # rolled back with the write
    assert ContractDebt.objects.get(pk=contract.pk).repaid == 66_000_000


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once need PostgreSQL")
def test_a_write_committed_after_a_later_started_one_is_not_missed(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "version"}}
    cache.clear()
    reference_data()
    today = timezone.localdate()
    first, second = f.LoanContractFactory(), f.LoanContractFactory()
    for contract in (first, second):
        f.InstalmentFactory(contract=contract, number=1, due_date=today - datetime.timedelta(days=10))
    LedgerVersion.objects.get_or_create(pk=1)
    written, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def pay_and_wait():  # the first writer: its history ids are the smaller; it commits last
        try:
            with transaction.atomic(), loans.ledger_writes():
                Repayment.objects.create(contract=first, date=today, amount=1_000, receipt_number="BL-A")
                written.set()
                release.wait(timeout=30)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    a = threading.Thread(target=pay_and_wait)
    a.start()
    assert written.wait(timeout=30)
    with transaction.atomic(), loans.ledger_writes():  # the second writer starts later, commits first
        Repayment.objects.create(contract=second, date=today, amount=1_000, receipt_number="BL-B")
    stamp_seen = loans.ledger_stamp()
    seen = figures._debts(today)[0]  # cached under the version after B
    release.set()
    a.join(timeout=30)
    assert not errors and not a.is_alive()
    # The newest history ids are B's whether A has committed or not: a cache keyed by them
    # would go on showing the debts without A's repayment.
    assert loans.ledger_stamp() == stamp_seen
    # The version moved with A's commit: the next visit works the debts out again.
    after = figures._debts(today)[0]
    assert after.outstanding == seen.outstanding - 1_000
    cache.clear()
    assert figures._debts(today)[0] == after
