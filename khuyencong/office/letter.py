"""The reminder letter to a facility (thư nhắc nợ): a draft công văn in the official layout of
Nghị định 30/2020/NĐ-CP, drawn as the report is (the report's stylesheet and fonts, WeasyPrint
fetching only the project's static files), for the staff to number, sign and send.

What it says is read from funding.loans on the day: the balance, the overdue amount and the
instalments falling due in the next DUE_DAYS days.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from funding.loans import ContractStatus, DueRow, contract_statuses, due_within
from funding.models import LoanContract
from khuyencong.office.reminders import DUE_DAYS
from projects import provinces
from reporting.document import DOCUMENT_CSS


@dataclass(frozen=True)
class Letter:
    contract: LoanContract
    day: datetime.date
    status: ContractStatus
    due: list[DueRow]
    parent_body: str
    issuing_body: str
    place: str

    @property
    def to_pay(self) -> int:
        """What the facility is asked to pay: the overdue amount and what falls due in the window."""
        return self.status.overdue + sum(row.remaining for row in self.due)

    @property
    def pay_by(self) -> datetime.date:
        return max([self.day + datetime.timedelta(days=15), *(row.due_date for row in self.due)])


def reminder_letter(contract: LoanContract, day: datetime.date) -> Letter:
    (status,) = contract_statuses([contract], as_of=day)
    try:
        province = provinces.configured_province()
    except provinces.AdministrativeUnit.DoesNotExist:
        province = None
    parent, issuing = provinces.issuing_bodies(province, day)
    return Letter(
        contract=contract,
        day=day,
        status=status,
        due=[] if status.is_written_off else due_within([contract], as_of=day, days=DUE_DAYS),
        parent_body=parent,
        issuing_body=issuing,
        place=provinces.place_name(province, day),
    )


def letter_html(letter: Letter) -> str:
    return render_to_string(
        "office/reminder_letter.html",
        {"letter": letter, "org": settings.ORGANISATION, "css_href": DOCUMENT_CSS, "days": DUE_DAYS},
    )


def letter_pdf(letter: Letter) -> bytes:
    # WeasyPrint (and reporting.pdf, which loads it) only when a letter is printed: imported
    # with the office views it was 2 s of every process's start-up.
    from weasyprint import HTML

    from reporting.pdf import STATIC_DIR, StaticOnlyFetcher

    source = HTML(string=letter_html(letter), base_url=STATIC_DIR.as_uri() + "/", url_fetcher=StaticOnlyFetcher())
    return source.write_pdf()
