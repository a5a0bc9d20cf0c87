"""The debt book (funding.loans.debt_book): the same statuses and due instalments as
``contract_statuses`` and ``due_within``, and a book brought up to date after changes equal to
one worked out from scratch, having worked out only the contracts that changed."""

from __future__ import annotations

import datetime

import pytest

from funding import loans, services
from funding.loans import contract_statuses, debt_book, due_within
from funding.models import Instalment, LoanContract
from tests.test_loans import D, disbursed_contract, make_contract, make_user, pay

AS_OF = D(2022, 4, 1)  # the default contract's instalments fall due on the 10th, Feb–May 2022


def _book_as_rows(book: loans.DebtBook) -> tuple[dict, list]:
    due = [(r.contract_id, r.number, r.due_date, r.due, r.paid) for r in book.due_soon()]
    return book.statuses, due


@pytest.fixture
def department(db):
    from khuyencong.core import roles

    return make_user(roles.DEPARTMENT)


@pytest.fixture
def ledgers_read(monkeypatch) -> list[int]:
    """The contracts whose ledgers are worked out from here on (a spy on loans._ledgers)."""
    read: list[int] = []
    real = loans._ledgers

    def counting(contracts, as_of, ids=None):
        read.extend(c.pk for c in contracts)
        return real(contracts, as_of, ids)

    monkeypatch.setattr(loans, "_ledgers", counting)
    return read


@pytest.fixture
def book_contracts(department) -> list[LoanContract]:
    contracts = [disbursed_contract(department, year=2021 + i % 3) for i in range(6)]
    pay(contracts[0], department, D(2022, 2, 10), 10_000_000)
    pay(contracts[1], department, D(2022, 3, 20), 25_000_000)  # covers April's instalment in part
    services.file_lawsuit(contract=contracts[2], filed_on=D(2022, 3, 1), court="TAND tỉnh Lâm Đồng", by=department)
    make_contract()  # a draft: not in the book
    return contracts


def test_the_book_agrees_with_contract_statuses_and_due_within(book_contracts):
    book = debt_book(as_of=AS_OF, days=30)
    paid_out = LoanContract.objects.exclude(state=LoanContract.State.DRAFT)
    assert book.statuses == {s.contract_id: s for s in contract_statuses(paid_out, as_of=AS_OF)}
    assert len(book.statuses) == 6
    expected = [(r.contract_id, r.instalment, r.due_date, r.due, r.paid) for r in due_within(as_of=AS_OF, days=30)]
    assert _book_as_rows(book)[1] == expected
    partly = next(r for r in book.due_soon() if r.contract_id == book_contracts[1].pk)
    assert (partly.due_date, partly.paid, partly.remaining) == (D(2022, 4, 10), 5_000_000, 5_000_000)
    late = book.late()
    assert [s.overdue for s in late] == sorted((s.overdue for s in late), reverse=True)
    assert book_contracts[1].pk not in {s.contract_id for s in late}  # March's instalment is paid


def test_an_unchanged_book_is_returned_as_it_is_for_the_stamps_queries(book_contracts, django_assert_num_queries):
    book = debt_book(as_of=AS_OF)
    with django_assert_num_queries(len(loans.LEDGER_MODELS)):
        assert debt_book(as_of=AS_OF, since=book) is book


def test_a_book_brought_up_to_date_equals_a_fresh_one_and_works_out_only_the_changed_contracts(
    book_contracts, department, ledgers_read
):
    old = debt_book(as_of=AS_OF)
    contracts = book_contracts
    pay(contracts[3], department, D(2022, 3, 15), 40_000_000)  # paid off
    services.file_lawsuit(contract=contracts[4], filed_on=D(2022, 3, 30), court="TAND TP Đà Lạt", by=department)
    services.write_off(contract=contracts[5], date=D(2022, 3, 31), reason="Cơ sở giải thể", by=department)
    new = disbursed_contract(department, on=D(2022, 3, 1), signed_on=D(2022, 2, 25))
    gone = make_contract()  # a draft disbursed and then deleted: in the history, not in the book
    services.disburse_contract(contract=gone, date=D(2022, 2, 1), by=department)
    # Its schedule protects it (Instalment.contract is PROTECT): removed by hand, as only a script could.
    gone.instalments.all().delete()
    gone.delete()

    ledgers_read.clear()
    updated = debt_book(as_of=AS_OF, since=old)
    assert sorted(ledgers_read) == sorted([contracts[3].pk, contracts[4].pk, contracts[5].pk, new.pk])
    fresh = debt_book(as_of=AS_OF)
    assert _book_as_rows(updated) == _book_as_rows(fresh)
    assert updated.stamp == fresh.stamp
    assert new.pk in updated.statuses and gone.pk not in updated.statuses
    assert updated.statuses[contracts[5].pk].balance == 0
    assert contracts[5].pk not in updated.due  # written off: nothing more falls due
    assert old.statuses[contracts[0].pk] is updated.statuses[contracts[0].pk]  # untouched: kept


def test_a_book_of_another_day_or_window_is_not_reused(book_contracts):
    old = debt_book(as_of=AS_OF)
    next_day = debt_book(as_of=AS_OF + datetime.timedelta(days=1), since=old)
    assert next_day is not old and len(next_day.statuses) == 6
    assert old.due and debt_book(as_of=AS_OF, days=5, since=old).due == {}  # April's falls due in 9 days


def test_due_within_reads_only_the_contracts_with_an_instalment_in_the_window(department, ledgers_read):
    """The due list costs what it shows: contracts whose instalments all fall outside the window
    are not worked out; a draft with a schedule owes nothing yet and is not listed."""
    inside = disbursed_contract(department)  # 10/04/2022 falls in 01/04–01/05
    later = disbursed_contract(department, on=D(2022, 3, 20), signed_on=D(2022, 3, 15))  # first due 20/04
    early = disbursed_contract(department, term=1, count=1)  # due 10/02/2022 only
    draft = make_contract()  # a schedule typed in (or imported) before the money went out
    Instalment.objects.create(contract=draft, schedule_version=1, number=1, due_date=D(2022, 4, 20), principal_due=40_000_000)
    ledgers_read.clear()  # the writes above worked out their contracts' summaries
    rows = due_within(as_of=AS_OF, days=30)
    assert early.pk not in ledgers_read
    assert {r.contract_id for r in rows} == {inside.pk, later.pk}


def test_a_draft_contract_is_not_in_the_portfolio_until_it_is_paid_out(department):
    """As the report counts (F16-F20): a signed contract lends nothing and supports no facility
    before its money goes out."""
    disbursed_contract(department)
    draft = make_contract(facility=None)
    before = loans.portfolio_summary(as_of=AS_OF).total
    assert (before.contracts, before.facilities, before.lent) == (1, 1, 40_000_000)
    services.disburse_contract(contract=draft, date=D(2022, 3, 1), by=department)
    assert loans.portfolio_summary(as_of=D(2022, 2, 28)).total.contracts == 1
    after = loans.portfolio_summary(as_of=AS_OF).total
    assert (after.contracts, after.facilities, after.lent) == (2, 2, 80_000_000)
