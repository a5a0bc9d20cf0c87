"""Issue 14 attacked: the debt summaries, the facility picker, the workbook reader and the bulk
writer, through the ways in a user or a file can take. Each test pins a hole found and closed."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests import factories as f

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

pytestmark = pytest.mark.django_db

# Values a tampered URL or a remembered filter may carry as a facility's id: digits Python's
# str.isdigit() accepts but int() refuses ("²"), other scripts' digits, overflow, SQL-ish text.
HOSTILE_IDS = ["²", "¹²", "٣", "99999999999999999999", "9223372036854775808", "-1", "1e3", "1 OR 1=1", "1;--", " 7 ", "0x10"]


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_the_contract_list_names_a_bad_facility_id_instead_of_failing(viewer_client, value):
    f.FacilityFactory()
    for name in ("funding:contract-list", "funding:contract-export"):
        response = viewer_client.get(reverse(name), {"facility": value})
        assert response.status_code == 200, (name, value)


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_the_picker_renders_only_what_a_database_id_can_be(value):
    from projects.forms import FacilityPicker, picked_id
    from projects.models import Facility

    facility = f.FacilityFactory()
    picker = FacilityPicker()
    picker.choices = forms_choices(Facility)
    picker.get_context("facility", [value, str(facility.pk)], {})  # no error
    assert picked_id(value) == (7 if value == " 7 " else None)


def forms_choices(model):
    from django.forms.models import ModelChoiceField, ModelChoiceIterator

    return ModelChoiceIterator(ModelChoiceField(model.objects.all()))


# ——— Concurrency on PostgreSQL ————————————————————————————————————————————————————————————


def _in_thread(target):
    """Run ``target`` in a thread with its own connection; its exception, re-raised here."""
    import threading

    from django.db import connections

    errors: list[BaseException] = []

    def run():
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two transactions at once need PostgreSQL")
def test_a_page_bringing_summaries_up_to_date_does_not_wait_for_a_writer():
    """A new day makes summaries stale; the first page read refreshes them, passing over those a
    writer holds (skip_locked). The placeholder INSERT … ON CONFLICT it made first for every
    contract waited for any writer's uncommitted upsert of the same row (a unique-index check
    against an in-progress tuple): a debt page hung for as long as a workbook import ran."""
    import threading

    from django.db import transaction

    from funding import loans
    from funding.models import ContractDebt
    from tests.test_browser import reference_data

    reference_data()
    today = timezone.localdate()
    held, stale = f.LoanContractFactory(), f.LoanContractFactory()
    for contract in (held, stale):
        f.InstalmentFactory(contract=contract, number=1, due_date=today - datetime.timedelta(days=10))
    loans.refresh_all_debts()
    ContractDebt.objects.update(computed_on=today - datetime.timedelta(days=1), changes_on=today)  # yesterday's
    written, release = threading.Event(), threading.Event()

    def writer():
        with transaction.atomic():
            loans.ledger_changed([held.pk])  # its summary upserted, uncommitted
            written.set()
            release.wait(timeout=30)

    thread, errors = _in_thread(writer)
    assert written.wait(timeout=30)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '3s'")  # a wait would fail the test, not hang it
            assert not loans.summaries_usable(today)  # the held one: the page reads the ledgers
        assert ContractDebt.objects.get(pk=stale.pk).computed_on == today
    finally:
        release.set()
        thread.join(timeout=30)
    assert not errors
    assert loans.summaries_usable(today)


# ——— The summaries against the ledger, by ways in that bypass the services ———————————————————


def test_loaddata_into_a_database_with_summaries_leaves_none_wrong(tmp_path):
    """``loaddata`` saves raw (its signals say so): the summary cannot be worked out mid-fixture
    (the rows it needs may come later), but it must not go on holding with the old figures,
    nor the dashboard's cache under the old version."""
    from django.core import serializers
    from django.core.management import call_command

    from funding import loans
    from funding.models import Repayment

    contract = f.LoanContractFactory()
    f.InstalmentFactory(contract=contract, number=1, due_date=datetime.date(2024, 6, 15))
    today = timezone.localdate()
    before = loans.ledger_version()
    assert loans.contract_statuses([contract], as_of=today)[0].repaid == 0
    payment = Repayment(contract=contract, date=datetime.date(2024, 6, 10), amount=33_000_000, receipt_number="BL-X")
    fixture = tmp_path / "repayment.json"
    fixture.write_text(serializers.serialize("json", [payment]), encoding="utf-8")
    call_command("loaddata", str(fixture), verbosity=0)
    assert loans.ledger_version() > before
    assert loans.contract_statuses([contract], as_of=today) == [loans._ledgers([contract], today)[0].status]
    assert loans.contract_statuses([contract], as_of=today)[0].repaid == 33_000_000


# ——— Production settings ——————————————————————————————————————————————————————————————————


@pytest.mark.parametrize(
    "engine, cache_url",
    [
        ("django.contrib.sessions.backends.cache", "locmemcache://"),
        ("django.contrib.sessions.backends.cached_db", "dummycache://"),
        ("django.contrib.sessions.backends.signed_cookies", "locmemcache://"),
    ],
)
def test_production_settings_refuse_sessions_one_worker_or_one_browser_keeps(engine, cache_url):
    import os
    import subprocess
    import sys

    from tests.test_site import ROOT, _env_example

    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "KHUYENCONG_TESTING", "DATABASE_URL"}}
    env.update(_env_example())
    env.update(SESSION_ENGINE=engine, CACHE_URL=cache_url, DJANGO_SETTINGS_MODULE="khuyencong.settings")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SESSION_ENGINE" in result.stderr


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two transactions at once need PostgreSQL")
def test_two_repayments_at_once_and_a_page_leave_the_summary_equal_to_the_ledger():
    """Two clerks record a repayment on one contract at the same moment while a page brings the
    day's summaries up to date: no deadlock, and the stored summary is the ledger's."""
    import threading

    from funding import loans, services
    from funding.models import ContractDebt, LedgerVersion
    from tests.test_browser import reference_data

    reference_data()
    today = timezone.localdate()
    from khuyencong.core import roles
    from tests.screens_helpers import user_in

    clerks = [user_in(roles.DATA_ENTRY, "nhaplieu1"), user_in(roles.DATA_ENTRY, "nhaplieu2")]
    contract = f.LoanContractFactory()
    others = [f.LoanContractFactory() for _ in range(3)]
    for c in (contract, *others):
        f.InstalmentFactory(contract=c, number=1, due_date=today - datetime.timedelta(days=10))
    LedgerVersion.objects.get_or_create(pk=1)
    loans.refresh_all_debts()
    ContractDebt.objects.update(computed_on=today - datetime.timedelta(days=1), changes_on=today)
    version = loans.ledger_version()
    start = threading.Barrier(3)

    def pay(receipt, clerk):
        def run():
            start.wait(timeout=30)
            with transaction_atomic():
                services.record_repayment(contract=contract, date=today, amount=1_000_000, receipt_number=receipt,
                                          by=clerk)
        return run

    def page():
        start.wait(timeout=30)
        with transaction_atomic():
            loans.summaries_usable(today)
            loans.contract_statuses([contract, *others], as_of=today)

    threads = [_in_thread(pay("BL-1", clerks[0])), _in_thread(pay("BL-2", clerks[1])), _in_thread(page)]
    for thread, _ in threads:
        thread.join(timeout=60)
    assert not [e for _, errors in threads for e in errors]
    assert loans.ledger_version() == version + 2
    for c in (contract, *others):
        debt = ContractDebt.objects.get(pk=c.pk)
        assert debt.computed_on == today
        assert loans.contract_statuses([c], as_of=today) == [loans._ledgers([c], today)[0].status]
    assert ContractDebt.objects.get(pk=contract.pk).repaid == 2_000_000


def transaction_atomic():
    from django.db import transaction

    return transaction.atomic()



# ——— One rule for a reversal's date: the screens and the workbook ——————————————————————————


def test_the_workbook_refuses_a_reversal_dated_before_its_repayment_as_the_screen_does():
    from khuyencong.workbook import import_workbook
    from tests.workbook_helpers import small_workbook, xlsx

    sheets = small_workbook()
    sheets["TraNo"] = [
        ["Số hợp đồng", "Ngày trả", "Số tiền", "Số biên lai", "Đảo biên lai"],
        ["01/2024/HĐ-TTKC", "30/09/2024", 20_000_000, "BL-0001", ""],
        ["01/2024/HĐ-TTKC", "29/09/2024", 20_000_000, "ĐẢO-BL-0001", "BL-0001"],
    ]
    result = import_workbook(xlsx(sheets))
    assert not result.applied
    assert any("Ngày đảo không được trước ngày của khoản trả nợ (30/09/2024)" in p.message for p in result.problems)
    sheets["TraNo"][2][1] = "30/09/2024"  # the same day: allowed
    assert import_workbook(xlsx(sheets)).applied


# ——— The workbook reader: a value calamine would type otherwise ——————————————————————————————


def test_an_iso_date_cell_reaches_the_importer_as_openpyxl_gives_it(monkeypatch):
    """A cell t="d" holding a date alone: calamine made it a datetime, openpyxl a date."""
    import io
    import zipfile

    from openpyxl import Workbook

    from khuyencong.workbook import reader as R
    from tests.test_workbook_readers import both, typed

    workbook = Workbook()
    workbook.active.title = "GiaiNgan"
    workbook.active.append(["Năm", "Mã đề án", "Ngày", "Số tiền", "Số chứng từ", "Loại chi"])
    workbook.active.append([2024, "QG-01", "x", 1, "a", "b"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    edited = io.BytesIO()
    with zipfile.ZipFile(edited, "w") as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = R.re.sub(rb'<c r="C2"[^>]*>.*?</c>', b'<c r="C2" t="d"><v>2024-10-02</v></c>', data, count=1)
            archive.writestr(info, data)
    fast, slow, _ = both(edited.getvalue(), monkeypatch)
    assert fast.sheets["GiaiNgan"].rows[0][1]["Ngày"] == datetime.date(2024, 10, 2)
    assert typed(fast) == typed(slow)


@pytest.mark.parametrize("value", ["²", "¹²"])
def test_other_pages_reading_a_number_from_the_address_take_only_decimal_digits(entry_client, value):
    """str.isdigit() is true of "²", which int() refuses: a 500 on these pages before."""
    assert entry_client.get(reverse("home"), {"tu": value, "den": value}).status_code == 200
    assert entry_client.get(reverse("projects:plan-create"), {"chuong-trinh": value}).status_code == 200
    assert entry_client.get(reverse("projects:event-create"), {"project": value}).status_code == 200
