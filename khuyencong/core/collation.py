"""Vietnamese alphabetical order, the same on PostgreSQL and SQLite.

A database's default order is by code point or by an English locale: "Chè" came before
"Cà phê", "Đá" after "Z". Vietnamese orders letters a ă â b c d đ e ê … o ô ơ … u ư …, and
tones only decide between words that are otherwise the same (ngang, huyền, hỏi, ngã, sắc,
nặng: ICU's and CLDR's order), then lower case before upper case.

``vietnamese(expr)`` is what every list orders its names by. On PostgreSQL it is ICU's
collation "vi-x-icu", which ships with every ICU-enabled server (``pg_collation``); SQLite
knows no locales, so ``register_sqlite_collation`` gives each new SQLite connection a collation
of the same name comparing ``vietnamese_key``s. The Python key also sorts rows the lists
compute in Python (the due and overdue lists), so the three orders agree.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import Expression, F
from django.db.models.functions import Collate

POSTGRES_COLLATION = "vi-x-icu"
SQLITE_COLLATION = "vietnamese"

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
# The marks that make another letter (ă â ê ô ơ ư) and the tone marks, in tone order.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _clusters(text: str):
    """Each base character of ``text`` (decomposed) with the combining marks that follow it."""
    base, marks = None, []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and base is not None:
            marks.append(char)
            continue
        if base is not None:
            yield base, marks
        base, marks = char, []
    if base is not None:
        yield base, marks


def vietnamese_key(text: str | None) -> tuple:
    """The sort key of ``text`` in Vietnamese order: letters first (by the Vietnamese alphabet;
    spaces and punctuation before digits before letters), then tones, then case."""
    primary: list[tuple[int, int]] = []
    tones: list[int] = []
    cases: list[int] = []
    for base, marks in _clusters(text or ""):
        lower = base.lower()
        letter = unicodedata.normalize("NFC", lower + "".join(m for m in marks if m in _LETTER_MARKS))
        if letter in _RANK:
            primary.append((3, _RANK[letter]))
        elif lower.isdigit():
            primary.append((2, int(lower) if lower.isascii() else ord(lower)))
        elif lower.isalpha():
            primary.append((3, len(ALPHABET) + ord(lower)))
        else:
            primary.append((1 if not lower.isspace() else 0, ord(lower)))
        tones.append(max((_TONES.get(m, 0) for m in marks), default=0))
        cases.append(0 if base == lower else 1)
    return (primary, tones, cases)


def _compare(left: str | None, right: str | None) -> int:
    a, b = vietnamese_key(left), vietnamese_key(right)
    return (a > b) - (a < b)


def register_sqlite_collation(sender: Any, connection: Any, **kwargs: Any) -> None:
    """The connection_created receiver: SQLite connections learn the Vietnamese collation."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(SQLITE_COLLATION, _compare)


class Vietnamese(Collate):
    """``Collate(expr, …)`` with the Vietnamese collation of the connection's database."""

    def __init__(self, expression: Any) -> None:
        super().__init__(expression, POSTGRES_COLLATION)

    def as_sqlite(self, compiler, connection, **extra_context):
        extra_context.setdefault("collation", connection.ops.quote_name(SQLITE_COLLATION))
        return super().as_sql(compiler, connection, **extra_context)


def vietnamese(expression: str | Expression) -> Vietnamese:
    """``expression`` (a field name or an expression) ordered in Vietnamese."""
    return Vietnamese(F(expression) if isinstance(expression, str) else expression)
