"""Vietnamese formatting of money, shares, rates and dates: the one place every app uses.

The rules are those of shared/design/report-figures.md. Django's ``vi`` locale sets no
thousands grouping, so nothing here goes through ``django.utils.formats``. All arithmetic is
on integers: money is whole đồng and never passes through a float.
"""

from __future__ import annotations

import datetime

TY = 1_000_000_000
TRIEU = 1_000_000


def _div_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def _require_money(amount: object) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"money must be whole đồng as an int, not {type(amount).__name__}")
    return amount


def group_thousands(value: int) -> str:
    """1836337000 -> "1.836.337.000"."""
    sign = "-" if value < 0 else ""
    return sign + f"{abs(value):,}".replace(",", ".")


def money_exact(amount: int) -> str:
    """The exact amount: "1.836.337.000 đồng"."""
    return f"{group_thousands(_require_money(amount))} đồng"


def money(amount: int) -> str:
    """Money as the report writes it: "30,501 tỷ đồng", "600 triệu đồng", "378,5 triệu đồng".

    From 1 tỷ up: tỷ with exactly three decimals, rounded half up at the million. Below: triệu
    with only the decimals that are not zero (to the thousand đồng).
    """
    amount = _require_money(amount)
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    millions = _div_half_up(amount, TRIEU)
    if millions >= 1000:
        whole, frac = divmod(millions, 1000)
        return f"{sign}{group_thousands(whole)},{frac:03d} tỷ đồng"
    thousands = _div_half_up(amount, 1000)
    whole, frac = divmod(thousands, 1000)
    if whole >= 1000:  # 999.999.600 đồng rounds up to 1 tỷ
        return money(1000 * TRIEU if not sign else -1000 * TRIEU)
    decimals = f"{frac:03d}".rstrip("0")
    return f"{sign}{whole}{',' + decimals if decimals else ''} triệu đồng"


def money_precise(amount: int) -> str:
    """money(), unless rounding would hide đồng: then the exact amount, as the seed writes
    footnote 1's "1.836.337.000 đồng" beside amounts in whole millions."""
    amount = _require_money(amount)
    lost = amount % TRIEU if abs(amount) >= TY else amount % 1000
    return money_exact(amount) if lost else money(amount)


def money_short(amount: int) -> str:
    """Money without the word đồng, for tables: "30,501 tỷ", "600 triệu"."""
    return money(amount).removesuffix(" đồng")


def share(part: int, whole: int) -> str:
    """A share of a whole in whole per cent, rounded half up: "98%"."""
    if whole <= 0:
        return "0%"
    return f"{_div_half_up(100 * part, whole)}%"


def rate(done: int, planned: int) -> str:
    """A rate of achievement with one decimal: "97,4%", "100%".

    Rounded half up, except that a rate below 100 never shows as 100 and a rate above 0
    never as 0 (8,987 of 8,990 is 99,9%).
    """
    if planned <= 0:
        return "—"
    if done == planned:
        return "100%"
    if done == 0:
        return "0%"
    tenths = _div_half_up(1000 * done, planned)
    if done < planned:
        tenths = min(tenths, 999)
    tenths = max(tenths, 1)
    whole, frac = divmod(tenths, 10)
    return f"{group_thousands(whole)},{frac}%"


def ratio(numerator: int, denominator: int) -> str:
    """How many times one amount is another, one decimal: "6,4"."""
    if denominator <= 0:
        return "—"
    tenths = _div_half_up(10 * numerator, denominator)
    whole, frac = divmod(tenths, 10)
    return f"{group_thousands(whole)},{frac}"


def count(value: int, width: int = 2) -> str:
    """A count as the seed writes small ones: "02", "05", "62", "168"."""
    return f"{value:0{width}d}"


def date_short(value: datetime.date | None) -> str:
    """dd/mm/yyyy."""
    return value.strftime("%d/%m/%Y") if value else ""


def date_long(value: datetime.date | None) -> str:
    """As documents write a date: "ngày 20 tháng 11 năm 2020" (day and month unpadded, but
    days and months below 3 padded as the national rules ask: "ngày 05 tháng 02")."""
    if not value:
        return ""
    day = f"{value.day:02d}" if value.day < 10 else str(value.day)
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"ngày {day} tháng {month} năm {value.year}"


def shares(parts: list[int] | tuple[int, ...]) -> list[str]:
    """Shares of a whole made of ``parts`` in whole per cent that add up to 100%: the
    largest-remainder split (each part rounded down, the points left go to the largest
    remainders, ties to the first). An empty whole gives "0%" each."""
    whole = sum(parts)
    if whole <= 0:
        return ["0%" for _ in parts]
    floors = [100 * part // whole for part in parts]
    remainders = sorted(range(len(parts)), key=lambda i: (-(100 * parts[i] % whole), i))
    for i in remainders[: 100 - sum(floors)]:
        floors[i] += 1
    return [f"{value}%" for value in floors]
