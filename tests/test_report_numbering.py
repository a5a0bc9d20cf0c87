"""An issued report's number is unique in its year: the constraint, and two drafts issued in
parallel with the same number (PostgreSQL, two connections): the second is refused."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from khuyencong.core import roles
from reporting import services
from reporting.models import Report, ReportNumbering, ReportSnapshot

from . import factories as f
from .report_expectations import ensure_reference_data
from .test_report_records import user_in

DAY = datetime.date(2025, 3, 15)


def _draft(by) -> Report:
    return services.create_report(
        by=by, year_from=2024, year_to=2024, report_date=DAY, signer_name="Nguyễn Văn An", **f.NARRATIVE
    )


def test_two_issued_reports_of_a_year_cannot_share_a_number(db):
    f.ReportFactory(status=Report.Status.ISSUED, number="125/BC-SCT", issued_at=timezone.now(), report_date=DAY)
    last_year = DAY.replace(year=2024)  # the same number in another year is another report's
    f.ReportFactory(status=Report.Status.ISSUED, number="125/BC-SCT", issued_at=timezone.now(), report_date=last_year)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.ReportFactory(
            status=Report.Status.ISSUED, number="125/BC-SCT", issued_at=timezone.now(), report_date=datetime.date(2025, 7, 1)
        )
    # Drafts carry no number that counts.
    f.ReportFactory(status=Report.Status.DRAFT, number="125/BC-SCT", report_date=DAY)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: two transactions in parallel on two connections (SQLite writes one at a time)",
)
def test_two_drafts_issued_at_once_with_one_number_the_second_is_refused(django_db_setup, django_db_blocker):
    # Committed for real, so that the threads' own connections see the drafts; removed after.
    with django_db_blocker.unblock():
        ensure_reference_data()
        department = user_in(roles.DEPARTMENT, "chuyenvien-dua")
        drafts = [_draft(department), _draft(department)]
        try:
            outcomes = _issue_in_parallel(drafts, department)
            refused = [o for o in outcomes.values() if isinstance(o, ValidationError)]
            issued = [o for o in outcomes.values() if isinstance(o, Report)]
            assert len(issued) == 1 and len(refused) == 1, outcomes
            assert refused[0].message_dict == {"number": ["Số báo cáo 125/BC-SCT đã dùng cho báo cáo ban hành ngày 15/03/2025."]}
            assert Report.objects.filter(status=Report.Status.ISSUED, number="125/BC-SCT").count() == 1
        finally:
            ReportSnapshot.objects.filter(report__in=drafts).delete()
            Report.history.filter(id__in=[d.pk for d in drafts]).delete()
            Report.objects.filter(pk__in=[d.pk for d in drafts]).delete()
            ReportNumbering.objects.all().delete()
            department.delete()


def _issue_in_parallel(drafts: list[Report], by) -> dict[int, object]:
    barrier = threading.Barrier(len(drafts))
    outcomes: dict[int, object] = {}

    def issue(report: Report) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[report.pk] = services.issue_report(report=report, number="125", by=by)
        except ValidationError as error:
            outcomes[report.pk] = error
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=issue, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes
