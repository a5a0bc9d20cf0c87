"""send_reminders run twice at once (cron and a person at the console, or two servers' crons):
each user is told each thing once, by one e-mail, and neither run fails."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection

from funding.models import Instalment
from khuyencong.core import roles
from khuyencong.office.models import Notification
from khuyencong.office.reminders import send_reminders
from tests import factories as f
from tests.screens_helpers import user_in

from .report_expectations import ensure_reference_data

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Hai giao dịch song song cần PostgreSQL (SQLite khóa cả tệp, không có khóa dòng): đặt DATABASE_URL.",
    ),
]

DAY = datetime.date(2025, 3, 10)


@pytest.fixture(autouse=True)
def _reference_rows():
    ensure_reference_data()


def test_two_runs_at_once_tell_each_thing_once_and_neither_fails():
    staff = user_in(roles.DATA_ENTRY, "nhaplieu")
    staff.email = "nhaplieu@example.vn"
    staff.save()
    for n in range(3):
        contract = f.LoanContractFactory()
        Instalment.objects.create(contract=contract, schedule_version=1, number=1,
                                  due_date=DAY + datetime.timedelta(days=5 + n), principal_due=10_000_000)  # fmt: skip
    runs = 4
    barrier = threading.Barrier(runs, timeout=20)
    results: list[object] = [None] * runs

    def run(n: int) -> None:
        try:
            barrier.wait()
            results[n] = send_reminders(DAY, users=[staff])
        except Exception as error:  # noqa: BLE001 - a failed run is the finding
            results[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Notification.objects.filter(user=staff).count() == 3
    assert sum(r.notifications for r in results) == 3
    assert len(mail.outbox) == 1
