"""Reading and writing one cell of the Centre's workbook: amounts, dates, counts, text, flags.

Every parser takes the raw value openpyxl gives (str, int, float, datetime, None) and returns
the Python value, or raises ``CellError`` with the reason in Vietnamese. Money is whole đồng:
a number cell, or text grouped with dots ("1.836.337.000"); never a float with decimals and
never words ("1,5 tỷ").
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError
from openpyxl.utils.datetime import from_excel

from khuyencong.core.formatting import group_thousands
from khuyencong.core.text import clean_text
from khuyencong.core.validators import validate_year


class CellError(ValueError):
    """A value that cannot be read; the message is shown to the user as is. ``code`` says which
    rule refused it (the forms pass it on as the ValidationError's code)."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


_DIGITS = re.compile(r"\d+")
# Thousands grouped by dots or spaces ("1.836.337.000", "1 836 337 000"), as people type money.
_GROUPED = re.compile(r"\d{1,3}(?:[. ]\d{3})+")
_NEGATIVE = re.compile(r"-\s*\d.*")
_FRACTION = re.compile(r"\d[\d. ]*,\d+")
_DATE_TEXT = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

# The one upper limit on an amount of money, on every way in (forms, workbook, admin import):
# a million tỷ đồng, far above any khuyến công sum, below a float's exact integers and far below
# what a 64-bit column holds (whose limit Django would otherwise quote, ungrouped).
MAX_MONEY = 10**15
MAX_COUNT = MAX_MONEY  # counts (people, contracts, years) are read by the same rule

MONEY_TOO_LARGE = f"Số tiền quá lớn: tối đa {group_thousands(MAX_MONEY)} đồng; kiểm tra lại số chữ số."
MONEY_INVALID = (
    "Số tiền không hợp lệ (“{raw}”): nhập số đồng, có thể dùng dấu chấm phân cách hàng nghìn "
    "(ví dụ 1.836.337.000); không ghi chữ như “tỷ”, “triệu”."
)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any, *, max_length: int | None = None) -> str:
    """A cell as text; numbers typed into text columns (tax codes, phone numbers) come back whole."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise CellError("Cần một đoạn chữ, không phải giá trị TRUE/FALSE.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        value = value.strftime("%d/%m/%Y")
    result = " ".join(str(value).split()) if not isinstance(value, str) else value.strip()
    if max_length is not None and len(result) > max_length:
        raise CellError(f"Dài quá {max_length} ký tự ({len(result)} ký tự).")
    return result


def name(value: Any, *, max_length: int) -> str:
    """A name people match on (a facility, đề án, event, product): text as stored, by
    ``clean_text`` (NFC, no invisible characters, single spaces)."""
    result = clean_text(text(value))
    if len(result) > max_length:
        raise CellError(f"Dài quá {max_length} ký tự ({len(result)} ký tự).")
    return result


def _whole(value: Any, what: str, invalid: str) -> int:
    """A whole number from a number cell, digits, or digits grouped by thousands; not negative."""
    if isinstance(value, bool):
        raise CellError(f"{what} phải là số, không phải giá trị TRUE/FALSE.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"{what} phải là số nguyên, không có phần lẻ: {value}.", code="fraction")
        number = int(value)
    elif isinstance(value, str):
        raw = " ".join(value.replace("\u00a0", " ").split())
        if _DIGITS.fullmatch(raw) or _GROUPED.fullmatch(raw):
            number = int(re.sub(r"[. ]", "", raw))
        elif _NEGATIVE.fullmatch(raw):
            raise CellError(f"{what} không được là số âm.", code="negative")
        elif _FRACTION.fullmatch(raw):
            raise CellError(f"{what} phải là số nguyên, không có phần lẻ (không dùng dấu phẩy): “{raw}”.", code="fraction")
        else:
            raise CellError(invalid.format(raw=raw))
    else:
        raise CellError(f"{what} phải là số.")
    if number < 0:
        raise CellError(f"{what} không được là số âm.", code="negative")
    return number


def whole_number(value: Any, *, what: str = "Số") -> int:
    """A non-negative whole number (a count, a year): a number cell, or digits with thousands
    grouped ("1.200")."""
    number = _whole(
        value,
        what,
        f"{what} “{{raw}}” không đọc được: hãy ghi số nguyên, có thể tách hàng nghìn bằng dấu chấm; "
        "không ghi chữ hay số thập phân.",
    )
    if number > MAX_COUNT:
        raise CellError(f"{what} quá lớn ({group_thousands(number)}).", code="max_value")
    return number


def money(value: Any) -> int:
    """The one reader of an amount of money, in whole đồng, for every way in: the forms'
    MoneyField (khuyencong.core.forms), the workbook's cells and the admin's import widgets.

    A number cell, or text such as "1.836.337.000", "1 836 337 000", "1836337000 đồng"; never
    negative, never with decimals, never words ("1,5 tỷ"), at most MAX_MONEY.
    """
    if isinstance(value, str):
        value = value.strip().removesuffix("đồng").removesuffix("đ").strip()
    number = _whole(value, "Số tiền", MONEY_INVALID)
    if number > MAX_MONEY:
        raise CellError(MONEY_TOO_LARGE, code="max_value")
    return number


def validate_money(value: int | None) -> None:
    """The money limit as a model field validator, so that the admin (which reads a plain number)
    refuses with the parser's message."""
    if value is not None and value > MAX_MONEY:
        raise ValidationError(MONEY_TOO_LARGE, code="max_value")


amount = money  # the workbook's name for it


def date(value: Any) -> datetime.date:
    """An Excel date, or text dd/mm/yyyy (yyyy-mm-dd also read)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise CellError("Cần một ngày (dd/mm/yyyy).")
    if isinstance(value, int | float):
        # A date cell that lost its format: Excel's serial day number.
        if not 1 <= value < 2958466:
            raise CellError(f"“{value}” không phải là ngày.")
        result = from_excel(value)
        return result.date() if isinstance(result, datetime.datetime) else result
    if isinstance(value, str):
        raw = value.strip()
        match = _DATE_TEXT.fullmatch(raw)
        if match:
            day, month, year = (int(part) for part in match.groups())
        elif match := _ISO_DATE.fullmatch(raw):
            year, month, day = (int(part) for part in match.groups())
        else:
            raise CellError(f"Ngày “{raw}” không đọc được: hãy ghi theo dạng dd/mm/yyyy (ví dụ 20/11/2020).")
        try:
            return datetime.date(year, month, day)
        except ValueError:
            raise CellError(f"Ngày “{raw}” không có trong lịch.") from None
    raise CellError("Cần một ngày (dd/mm/yyyy).")


def year(value: Any) -> int:
    """A year, by the rule of the models' year fields (khuyencong.core.validators.validate_year)."""
    number = whole_number(value, what="Năm")
    try:
        validate_year(number)
    except ValidationError as error:
        raise CellError(error.messages[0]) from None
    return number


def flag(value: Any) -> bool:
    """ "x" marks yes; an empty cell is no."""
    if is_blank(value):
        return False
    if isinstance(value, str) and value.strip().lower() in {"x", "có", "co"}:
        return True
    raise CellError("Đánh dấu bằng chữ “x”, hoặc để trống.")
