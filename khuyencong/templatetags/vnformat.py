"""Template filters for money, rates and dates; each calls khuyencong.core.formatting."""

from __future__ import annotations

from django import template

from khuyencong.core import formatting

register = template.Library()


@register.filter
def money(amount: int) -> str:
    return formatting.money(amount)


@register.filter
def money_short(amount: int) -> str:
    return formatting.money_short(amount)


@register.filter
def money_exact(amount: int) -> str:
    return formatting.money_exact(amount)


@register.filter
def thousands(value: int) -> str:
    return formatting.group_thousands(value)


@register.filter
def count2(value: int) -> str:
    return formatting.count(value)


@register.filter
def date_short(value) -> str:
    return formatting.date_short(value)


@register.filter
def date_long(value) -> str:
    return formatting.date_long(value)


@register.filter
def share(part: int, whole: int) -> str:
    return formatting.share(part, whole)


@register.filter
def rate(done: int, planned: int) -> str:
    return formatting.rate(done, planned)


@register.filter
def money_precise(amount: int) -> str:
    return formatting.money_precise(amount)


@register.filter
def ratio(numerator: int, denominator: int) -> str:
    return formatting.ratio(numerator, denominator)
