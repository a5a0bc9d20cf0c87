"""The home page: the programme at a glance, and what needs doing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from khuyencong.core import dataversion, formatting, roles
from khuyencong.core.access import require_role
from khuyencong.core.validators import FIRST_YEAR, LAST_YEAR
from khuyencong.dashboard import charts
from khuyencong.dashboard import figures as dashboard
from projects import services as project_services

MAX_YEARS = 15


def _year(value: str | None) -> int | None:
    return int(value) if value and value.isdecimal() and FIRST_YEAR <= int(value) <= LAST_YEAR else None


def _money_tick(amount: int) -> str:
    """An axis label: "2 tỷ", "1,5 tỷ", "500 triệu" (the report's three decimals would read as
    thousands on an axis)."""
    if not amount:
        return "0"
    if amount >= formatting.TY:
        tenths = round(amount * 10 / formatting.TY)
        whole, frac = divmod(tenths, 10)
        return f"{whole}{',' + str(frac) if frac else ''} tỷ"
    return f"{round(amount / formatting.TRIEU)} triệu"


def _board(year_from: int, year_to: int, bounds: dict, today) -> dict:
    """The dashboard's figures and their charts: the same for everyone on a day until a record
    changes, so kept together under the data version."""
    board = dashboard.build(year_from, year_to, bounds=bounds, today=today)
    labels = [str(y.year) for y in board.years]
    count_chart = charts.grouped_bars(
        labels,
        [
            charts.Series("Kế hoạch", "bar-plan", [y.planned for y in board.years]),
            charts.Series("Hoàn thành", "bar-done", [y.done for y in board.years]),
        ],
        formatting.group_thousands,
        left=40,
        min_top=4,
    )
    money_chart = charts.grouped_bars(
        labels,
        [
            charts.Series("Kế hoạch", "bar-plan", [y.planned_money for y in board.years]),
            charts.Series("Đã giải ngân", "bar-done", [y.executed for y in board.years]),
        ],
        _money_tick,
        left=72,
        value_format=formatting.money_exact,
    )
    rate_chart = charts.line(
        labels,
        [100 * y.executed / y.planned_money if y.planned_money else None for y in board.years],
        [f"{y.year}: {formatting.rate(y.executed, y.planned_money)}" for y in board.years],
    )
    content_chart = charts.horizontal_bars(
        [(f"{c.code} — {c.name}", c.executed) for c in board.contents], formatting.money_short, left=250
    )
    return {
        "board": board,
        "count_chart": count_chart,
        "money_chart": money_chart,
        "rate_chart": rate_chart,
        "content_chart": content_chart,
    }


@require_role(roles.can_view)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    # The figures are everyone's until a record changes (khuyencong.core.dataversion); the
    # queues below are this user's and read each time.
    version = request.data_version = dataversion.current()  # for {% datacache %} too
    bounds = dataversion.cached(f"dashboard-bounds:{today}", lambda: dashboard.period_bounds(today), version=version)
    # The programme containing today's year (projects.periods.current_programme_years).
    default_from = bounds["latest_first"] or today.year
    default_to = bounds["latest_last"] or today.year
    year_from = _year(request.GET.get("tu")) or default_from
    year_to = _year(request.GET.get("den")) or default_to
    # Whatever was changed from what was asked is said above the figures.
    notices = [
        f"Năm “{request.GET[key]}” không hợp lệ; đang dùng năm {year} của chương trình hiện hành."
        for key, year in (("tu", year_from), ("den", year_to))
        if request.GET.get(key) and _year(request.GET[key]) is None
    ]
    if year_to < year_from:
        year_from, year_to = year_to, year_from
        notices.append(f"Năm bắt đầu sau năm kết thúc: đang hiện {year_from}–{year_to}.")
    if year_to - year_from + 1 > MAX_YEARS:
        # Keep the years that hold plans, from the first one asked for.
        first_plan = max(year_from, bounds.get("plan_first") or bounds.get("first") or year_from)
        year_from, year_to = first_plan, min(year_to, first_plan + MAX_YEARS - 1)
        notices.append(f"Tổng quan xem tối đa {MAX_YEARS} năm: đang hiện {year_from}–{year_to}.")

    shown = dataversion.cached(
        f"dashboard:{year_from}:{year_to}:{today}", lambda: _board(year_from, year_to, bounds, today), version=version
    )
    board = shown["board"]
    return render(
        request,
        "home.html",
        {
            **shown,
            "year_choices": sorted(
                set(bounds["year_choices"]) | set(range(board.first_year, board.last_year + 1))
            ),
            "can_edit": roles.can_edit_records(request.user),
            "notices": notices,
            # The đề án waiting for this user's step (projects.services.queues_for).
            "queues": project_services.queues_for(request.user, limit=dashboard.TODO_LIMIT, today=today),
        },
    )
