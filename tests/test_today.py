"""khuyencong.core.today: the local date, or the one an operation pinned (the workbook import
judges all its rows against one today)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from funding import rules
from khuyencong.core.today import one_day, today


def test_today_is_the_local_date_outside_a_pinned_block():
    assert today() == timezone.localdate()


def test_a_pinned_block_keeps_its_day_past_midnight(monkeypatch):
    first, second = datetime.date(2026, 3, 31), datetime.date(2026, 4, 1)
    monkeypatch.setattr(timezone, "localdate", lambda: first)
    with one_day() as day:
        assert day == first
        monkeypatch.setattr(timezone, "localdate", lambda: second)
        assert today() == first
        with one_day() as inner:  # nested: the outer block's day
            assert inner == first
        rules.not_after_today(first, "Ngày", "date")  # the rules ask the same today
        with pytest.raises(ValidationError, match=r"không được sau hôm nay \(31/03/2026\)"):
            rules.not_after_today(second, "Ngày", "date")
    assert today() == second
