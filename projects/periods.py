"""The programme years the screens offer: one place for "which years", so that every year
choice (dashboard, lists, filters) reaches the current programme's last year."""

from __future__ import annotations

import datetime

from projects.models import Program

Row = tuple[int, int, str]  # first year, last year, funding level code


def programme_rows() -> list[Row]:
    """Every programme's years and level (one query)."""
    return list(Program.objects.values_list("first_year", "last_year", "funding_level__code"))


def current_programme_years(today: datetime.date, rows: list[Row] | None = None) -> tuple[int, int] | None:
    """The years of the programme containing ``today``'s year (the provincial one before the
    national one when both do); without one, the latest programme that has begun, then the
    first one still to come; None when there is no programme at all."""
    rows = programme_rows() if rows is None else rows
    year = today.year
    if not rows:
        return None
    containing = [p for p in rows if p[0] <= year <= p[1]]
    if containing:
        first, last, _ = min(containing, key=lambda p: (p[2] != "DP", -p[0], -p[1]))
        return first, last
    begun = [p for p in rows if p[0] <= year]
    if begun:
        first, last, _ = max(begun, key=lambda p: (p[1], p[0]))
        return first, last
    first, last, _ = min(rows, key=lambda p: (p[0], p[1]))
    return first, last


def programme_years(today: datetime.date, rows: list[Row] | None = None) -> list[int]:
    """Every year a choice offers: from the first programme's first year to the last year of
    the latest programme, and at least to ``today``'s year. A plan's year lies in its
    programme's years (PlanForm, the import), so the programmes alone give the span."""
    rows = programme_rows() if rows is None else rows
    first = min((p[0] for p in rows), default=today.year)
    last = max([p[1] for p in rows] + [today.year])
    return list(range(first, last + 1))
