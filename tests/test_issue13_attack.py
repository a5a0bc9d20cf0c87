"""What the attack on issue 13 ("the office's daily work") found, each pinned by a test that
failed before its fix: the reminder letter, attachments' names, …"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from funding.models import LoanContract
from khuyencong.core import roles
from tests import factories as f
from tests.screens_helpers import client_for, user_in

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the reminder letter --------------------------------------------------------------------------


def test_no_reminder_letter_for_a_contract_whose_money_is_not_out():
    """The contract page offers the letter only once the money is out; its URL typed by hand
    drew a letter asking a draft's facility to repay a debt it does not have."""
    draft = f.LoanContractFactory(state=LoanContract.State.DRAFT, disbursed_on=None)
    later = f.LoanContractFactory(disbursed_on=datetime.date(2025, 6, 1))
    client = client_for(user_in(roles.VIEWER, "xem"))
    for contract, day in ((draft, "10/03/2025"), (later, "10/03/2025")):
        response = client.get(reverse("office:reminder-letter", args=[contract.pk]), {"ngay": day})
        assert response.status_code == 302, contract
        assert response["Location"] == reverse("funding:contract-detail", args=[contract.pk])
        assert any("chưa giải ngân" in m for m in messages_of(response))
    response = client.get(reverse("office:reminder-letter", args=[later.pk]), {"ngay": "10/07/2025"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
