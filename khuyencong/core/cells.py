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
from khuyencong.core.validators import validate_year


class CellError(ValueError):
    """A value that cannot be read; the message is shown to the user as is."""


_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+")
_DIGITS = re.compile(r"\d+")
_DATE_TEXT = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

MAX_AMOUNT = 10**15  # a million tỷ: larger is a typing error, and beyond a float's exact integers


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


def whole_number(value: Any, *, what: str = "Số") -> int:
    """A non-negative whole number: a number cell, or digits with dot thousands ("1.836.337.000")."""
    if isinstance(value, bool):
        raise CellError(f"{what} phải là số, không phải giá trị TRUE/FALSE.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"{what} phải là số nguyên (đồng, người, lượt…), không có phần thập phân: {value}.")
        number = int(value)
    elif isinstance(value, str):
        raw = value.strip().replace("\u00a0", "")
        if _DIGITS.fullmatch(raw):
            number = int(raw)
        elif _GROUPED.fullmatch(raw):
            number = int(raw.replace(".", ""))
        else:
            raise CellError(
                f"{what} “{value.strip()}” không đọc được: hãy ghi số nguyên, có thể tách hàng nghìn "
                "bằng dấu chấm (ví dụ 1.836.337.000); không ghi chữ như “tỷ”, “triệu” hay số thập phân."
            )
    else:
        raise CellError(f"{what} phải là số.")
    if number < 0:
        raise CellError(f"{what} không được là số âm.")
    if number >= MAX_AMOUNT:
        raise CellError(f"{what} quá lớn ({group_thousands(number)}).")
    return number


def amount(value: Any) -> int:
    return whole_number(value, what="Số tiền")


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
