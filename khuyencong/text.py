"""Text helpers shared by every app."""

from __future__ import annotations

import unicodedata


def fold_accents(text: str) -> str:
    """Lower-case text without Vietnamese accents: "Lâm Đồng" -> "lam dong"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def same_name(a: str, b: str) -> bool:
    """Whether two names typed by people are the same: spaces collapsed, Unicode composed, case
    folded for every letter ("Chè Ô Long" is "chè ô long"). In Python, because SQLite's
    case-insensitive lookups fold only ASCII letters and PostgreSQL's fold them all."""
    return _key(a) == _key(b)


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()
