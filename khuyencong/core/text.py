"""Text helpers shared by every app."""

from __future__ import annotations

import unicodedata


def fold_accents(text: str) -> str:
    """Lower-case text without Vietnamese accents: "Lâm Đồng" -> "lam dong"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def clean_text(text: str) -> str:
    """Text as it is stored: Unicode composed (NFC: "Lâm" typed on a Mac arrives decomposed),
    invisible format characters (zero-width space and joiners, BOM, soft hyphen) removed, runs of
    white space collapsed to one space, no space at either end."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf" and c != "\u00ad")
    return " ".join(text.split())


def text_key(text: str) -> str:
    """What makes two names, receipt or document numbers typed by people the same entry:
    ``clean_text`` with the case folded for every letter ("Chè Ô Long" is "chè ô long"). In
    Python, because SQLite's case-insensitive lookups fold only ASCII letters and PostgreSQL's
    fold them all."""
    return clean_text(text).casefold()


def same_name(a: str, b: str) -> bool:
    """Whether two names typed by people are the same entry (``text_key``)."""
    return text_key(a) == text_key(b)
