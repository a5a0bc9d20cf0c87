"""The programme years the screens offer: one place for "which years", so that every year
choice (dashboard, lists, filters) reaches the current programme's last year."""

from __future__ import annotations

import datetime

from django.db.models import Max, Min

from projects.models import AnnualPlan, Program


def current_programme_years(today: datetime.date) -> tuple[int, int] | None:
    """The years of the programme containing ``today``'s year (the provincial one before the
    national one when both do); without one, the latest programme that has begun, then the
    first one still to come; None when there is no programme at all."""
    year = today.year
    programmes = list(Program.objects.values_list("first_year", "last_year", "funding_level__code"))
    if not programmes:
        return None
    containing = [p for p in programmes if p[0] <= year <= p[1]]
    if containing:
        first, last, _ = min(containing, key=lambda p: (p[2] != "DP", -p[0], -p[1]))
        return first, last
    begun = [p for p in programmes if p[0] <= year]
    if begun:
        first, last, _ = max(begun, key=lambda p: (p[1], p[0]))
        return first, last
    first, last, _ = min(programmes, key=lambda p: (p[0], p[1]))
    return first, last


def programme_years(today: datetime.date) -> list[int]:
    """Every year a choice offers: from the first programme or plan year to the last year of
    the latest programme, and at least to ``today``'s year."""
    bounds = Program.objects.aggregate(first=Min("first_year"), last=Max("last_year"))
    plans = AnnualPlan.objects.aggregate(first=Min("year"), last=Max("year"))
    firsts = [v for v in (bounds["first"], plans["first"]) if v]
    lasts = [v for v in (bounds["last"], plans["last"], today.year) if v]
    first = min(firsts) if firsts else today.year
    return list(range(first, max(lasts) + 1))
