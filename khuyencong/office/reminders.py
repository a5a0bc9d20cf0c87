"""Reminders of recoverable-support debts: what ``send_reminders`` tells whom, once.

What is reminded, on a day D (funding.loans is the one definition of "due" and "overdue"):

- **falling due**: each instalment not fully paid that falls due from D to D + 30 days
  (``funding.loans.due_within``, the "Đến hạn 30 ngày" list). Told once per instalment, when it
  first enters the window (its key holds the contract, the instalment and its due date, so a
  reschedule that moves the date is told again).
- **newly overdue**: each contract with money due and unpaid on D (``overdue_contracts``, the
  "Quá hạn" list) whose current overdue episode (the due date of its oldest unpaid instalment)
  has not been told. A contract that catches up and falls behind again is a new episode. Keyed
  by episode rather than by "since the previous run", a day the command did not run loses
  nothing: the next run tells what was missed.

So running the command twice a day (or again a week later) sends nothing twice: each user has
at most one ``Notification`` per key (a unique constraint), and the e-mail lists only the
notifications created by that run.

Who is told: ``reminder_recipients`` decides, in one place. A contract has no owner of its own:
the Centre's data-entry staff follow the debts, so every active user of that role is told.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from funding.loans import due_within, overdue_contracts
from khuyencong.core import roles
from khuyencong.core.formatting import date_short, money_exact
from khuyencong.office.models import Notification

DUE_DAYS = 30


@dataclass(frozen=True)
class Reminder:
    key: str
    title: str
    body: str
    link: str
    letter: str


def reminder_recipients() -> list:
    """The users told of every reminder: the active users of the Centre's data-entry role."""
    return list(
        get_user_model().objects.filter(is_active=True, groups__name=roles.DATA_ENTRY).distinct().order_by("username")
    )


def _letter_url(contract_id: int, day: datetime.date) -> str:
    return f"{reverse('office:reminder-letter', args=[contract_id])}?ngay={day:%d/%m/%Y}"


def reminders_on(day: datetime.date) -> list[Reminder]:
    """What there is to remind of on ``day``: the instalments falling due in DUE_DAYS days and
    the contracts overdue, each with the key that makes it told once."""
    found = []
    for row in overdue_contracts(as_of=day):
        found.append(
            Reminder(
                key=f"qua-han:{row.contract_id}:{row.oldest_unpaid_due:%Y-%m-%d}",
                title=f"Quá hạn: hợp đồng {row.contract_number} — {row.facility_name}",
                body=(
                    f"Nợ quá hạn {money_exact(row.overdue)} từ ngày {date_short(row.oldest_unpaid_due)}"
                    f" ({row.days_past_due} ngày); dư nợ {money_exact(row.outstanding)}."
                ),
                link=reverse("funding:contract-detail", args=[row.contract_id]),
                letter=_letter_url(row.contract_id, day),
            )
        )
    for row in due_within(as_of=day, days=DUE_DAYS):
        found.append(
            Reminder(
                key=f"den-han:{row.contract_id}:{row.instalment}:{row.due_date:%Y-%m-%d}",
                title=f"Đến hạn trả ngày {date_short(row.due_date)}: hợp đồng {row.contract_number} — {row.facility_name}",
                body=f"Kỳ {row.instalment}: còn phải trả {money_exact(row.remaining)} (còn {row.days_left} ngày).",
                link=reverse("funding:contract-detail", args=[row.contract_id]),
                letter=_letter_url(row.contract_id, day),
            )
        )
    return found


@dataclass(frozen=True)
class Outcome:
    notifications: int
    emails: int


def _mail_text(user, new: list[Notification], day: datetime.date) -> str:
    base = settings.PORTAL_URL.rstrip("/")
    lines = [
        f"Kính gửi {user.get_full_name() or user.username},",
        "",
        f"Cổng thông tin khuyến công nhắc việc thu hồi kinh phí hỗ trợ ngày {date_short(day)}:",
        "",
    ]
    for n in new:
        lines += [f"- {n.title}", f"  {n.body}", f"  Xem hợp đồng: {base}{n.link}"]
        lines += [f"  Dự thảo thư nhắc nợ: {base}{n.letter}", ""]
    lines.append(f"Xem mọi thông báo: {base}{reverse('office:notifications')}")
    return "\n".join(lines)


def send_reminders(day: datetime.date, users: Iterable | None = None) -> Outcome:
    """Tell each recipient what they have not yet been told on ``day``: notifications in the
    portal and one e-mail listing them (to those with an address)."""
    reminders = reminders_on(day)
    created = emails = 0
    for user in reminder_recipients() if users is None else users:
        with transaction.atomic():
            # The user's row locked first: a second run at the same time (two crons, or one by
            # hand) waits here, then reads what this one told and tells nothing twice.
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            told = set(Notification.objects.filter(user=user, key__in=[r.key for r in reminders]).values_list("key", flat=True))
            new = [
                Notification(user=user, key=r.key, title=r.title, body=r.body, link=r.link, letter=r.letter)
                for r in reminders
                if r.key not in told
            ]
            Notification.objects.bulk_create(new)
        created += len(new)
        if new and user.email:
            send_mail(
                f"[Khuyến công] {len(new)} việc thu hồi nợ cần theo dõi ngày {date_short(day)}",
                _mail_text(user, new, day),
                None,
                [user.email],
            )
            emails += 1
    return Outcome(created, emails)
