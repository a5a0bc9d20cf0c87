"""Text helpers shared by every app."""

from __future__ import annotations

import unicodedata


def fold_accents(text: str) -> str:
    """Lower-case text without Vietnamese accents: "Lâm Đồng" -> "lam dong"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
