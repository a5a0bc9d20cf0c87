"""Rules about one value that the forms, the admin and the workbook import must agree on.

Each is a Django validator on the model field (so model forms and the admin apply it) that the
importer (khuyencong/workbook) calls too, with the same Vietnamese message.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

FIRST_YEAR, LAST_YEAR = 1990, 2100

TAX_CODE = re.compile(r"[0-9]{10}(-[0-9]{3})?|[0-9]{12}")
TAX_CODE_MESSAGE = "Mã số thuế gồm 10 chữ số (có thể thêm -xxx cho chi nhánh), hoặc 12 chữ số."

# Digits, spaces and + . - ( ) as people write numbers ("0263 3822 111", "+84 (263) 382.2111").
PHONE = re.compile(r"[0-9 +.\-()]+")
PHONE_DIGITS = (8, 15)
PHONE_MESSAGE = (
    f"Số điện thoại chỉ gồm chữ số, dấu cách và các dấu + . - ( ), "
    f"có từ {PHONE_DIGITS[0]} đến {PHONE_DIGITS[1]} chữ số (ví dụ 0263 3822 111)."
)


def validate_year(value: int | None) -> None:
    """A year of a programme, plan or nomination: FIRST_YEAR to LAST_YEAR."""
    if value is not None and not FIRST_YEAR <= value <= LAST_YEAR:
        raise ValidationError(
            "Năm %(value)s không hợp lệ: năm phải từ %(first)s đến %(last)s.",
            code="year",
            params={"value": value, "first": FIRST_YEAR, "last": LAST_YEAR},
        )


def normalise_tax_code(value: str) -> str:
    """A tax code as stored: without the spaces people type inside it."""
    return "".join((value or "").split())


def validate_tax_code(value: str) -> None:
    """10 digits, 10 digits and a branch (-001), or 12 digits; empty is allowed (not known yet)."""
    if value and not TAX_CODE.fullmatch(value):
        raise ValidationError(TAX_CODE_MESSAGE, code="tax_code")


def validate_phone(value: str) -> None:
    """A phone number as typed, with 8 to 15 digits; empty is allowed."""
    if not value:
        return
    digits = sum(c in "0123456789" for c in value)
    if not PHONE.fullmatch(value) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        raise ValidationError(PHONE_MESSAGE, code="phone")
