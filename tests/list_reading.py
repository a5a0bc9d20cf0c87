"""Reading a list's export back (khuyencong.core.excel.list_sheet): the header is the row that
starts with "STT", the rows follow it, and the last row is the totals row."""

from __future__ import annotations

import io

from openpyxl import load_workbook


def read_list(content: bytes):
    """(sheet, header, rows as dicts without the STT, totals row as a dict) of an export."""
    sheet = load_workbook(io.BytesIO(content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    start = next(i for i, row in enumerate(values) if row and row[0] == "STT")
    header = values[start]
    body = [dict(zip(header[1:], row[1:], strict=True)) for row in values[start + 1 : -1]]
    totals = dict(zip(header[1:], values[-1][1:], strict=True))
    return sheet, header[1:], body, totals
