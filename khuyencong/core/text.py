"""Text helpers shared by every app."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from django.db import models

# Names, codes and receipt numbers repeat across rows and sheets (a workbook names each đề án in
# every one of its disbursements): the helpers below are pure, so each string is worked out once.
_CACHE = 65_536


@lru_cache(maxsize=_CACHE)
def fold_accents(text: str) -> str:
    """Lower-case text without Vietnamese accents: "Lâm Đồng" -> "lam dong" (typed in NFD or
    with a zero-width space too)."""
    text = clean_text(text).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@lru_cache(maxsize=_CACHE)
def clean_text(text: str) -> str:
    """Text as it is stored: Unicode composed (NFC: "Lâm" typed on a Mac arrives decomposed),
    invisible format characters (zero-width space and joiners, BOM, soft hyphen) removed, runs of
    white space collapsed to one space, no space at either end."""
    if text.isascii():  # already NFC, and no format character is ASCII: only the spaces to do
        return " ".join(text.split())
    text = unicodedata.normalize("NFC", text)
    if not text.isprintable():  # a format character (category Cf, the soft hyphen among them) is not printable
        text = "".join(c for c in text if unicodedata.category(c) != "Cf" and c != "\u00ad")
    return " ".join(text.split())


@lru_cache(maxsize=_CACHE)
def text_key(text: str) -> str:
    """What makes two names, receipt or document numbers typed by people the same entry:
    ``clean_text`` with the case folded for every letter ("Chè Ô Long" is "chè ô long"). In
    Python, because SQLite's case-insensitive lookups fold only ASCII letters and PostgreSQL's
    fold them all."""
    return clean_text(text).casefold()


def same_name(a: str, b: str) -> bool:
    """Whether two names typed by people are the same entry (``text_key``)."""
    return text_key(a) == text_key(b)


class CleanCharField(models.CharField):
    """A name people match on (facility, đề án, event, product…), stored as ``clean_text`` makes
    it, whichever way it comes in: a form or the admin (``to_python``, run by full_clean), a
    save() or a bulk insert (``pre_save``), a bulk update or a lookup (``get_prep_value``). So
    "Lâm Đồng" typed on a Mac (NFD) or pasted with a zero-width space is the name already there.
    """

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return clean_text(value) if isinstance(value, str) else value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = clean_text(value)
            setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return clean_text(value) if isinstance(value, str) else value
