"""The one Excel writer: every .xlsx the portal hands out (the lists, the report's annexes, the
Centre's workbook and its template, the admin's export) is written here and nowhere else.

A sheet is a title and a generator that yields its header row and then its rows (pretix's
``ListExporter.iterate_list``); ``write_xlsx`` streams them out with openpyxl's write-only mode,
so a large export stays fast and small in memory. What a cell becomes is decided once, in
``_cell``:

- text is always a string cell. openpyxl turns a str that starts with "=" into a formula, and
  Excel or LibreOffice would run "+1", "-2+3", "@SUM(A1)" typed into a cell (OWASP "CSV
  injection"); so text starting with = + - @, a tab or a line break is forced to a string cell
  (``data_type = "s"``) and given Excel's quote prefix, which keeps it text even when someone
  edits the cell. The text itself is kept exactly, so the workbook reads back the same;
- money and counts stay numbers (whole đồng, shown "#,##0"), rates numbers shown "0.0%", years
  plain numbers, dates date cells shown dd/mm/yyyy;
- a flag is "x" or an empty cell.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What a spreadsheet program would take for the start of a formula (OWASP "CSV injection"),
# and the line feed a carriage return becomes once the file is read back.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

# The kinds of column; the kind decides the number format of its cells.
TEXT = "text"  # always text, shown as text ("@"): a tax code keeps its leading zero
PLAIN = "plain"  # whatever the value is, shown as the spreadsheet shows it by default
MONEY = "money"  # whole đồng
COUNT = "count"
RATE = "rate"
DATE = "date"
YEAR = "year"  # 2024, not 2.024
FLAG = "flag"  # "x" or empty

NUMBER_FORMATS = {
    TEXT: "@",
    PLAIN: "General",
    MONEY: "#,##0",
    COUNT: "#,##0",
    RATE: "0.0%",
    DATE: "dd/mm/yyyy",
    YEAR: "0",
    FLAG: "General",
}
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"  # a moment (a history row's time), not only its day
NUMERIC = frozenset({PLAIN, MONEY, COUNT, RATE, YEAR})

FIT_ROWS = 500  # rows read ahead to fit the widths of columns that declare none
MIN_WIDTH, MAX_WIDTH = 8, 60


@dataclass(frozen=True)
class Column:
    """A header cell: its title, the kind of its values and, if fixed, its width. ``total``:
    whether a list's totals row adds the column up (``list_sheet``); by default money is
    added up, counts only when asked (a count of days past due is no sum)."""

    title: str
    kind: str = PLAIN
    width: float | None = None
    wrap: bool = False  # long text (the template's instructions) wraps within the width
    total: bool | None = None  # whether a list's totals row adds it up (None: money does)

    @property
    def adds_up(self) -> bool:
        return self.kind == MONEY if self.total is None else self.total


class Bold(list):
    """A row written in bold: a total or a group's heading."""


class Example(list):
    """A row written in grey italics: the template's example, which the clerk replaces."""


@dataclass(frozen=True)
class Choices:
    """A drop-down list on a column's data cells (Excel's data validation of type "list").

    ``source`` is a range holding the allowed values, as a formula ("'Danh mục'!$A$2:$A$9"),
    never the values themselves: a list written inline stops at 255 characters. ``strict``
    refuses any other value as it is typed; otherwise Excel only warns (a column that also
    takes a code, or a name with its parent unit, which the list does not hold).
    """

    column: int  # 1-based
    source: str
    prompt: str = ""
    strict: bool = True


class Totals(Bold):
    """A list's totals row: bold, and below the range Excel's filter buttons sort."""


@dataclass
class Sheet:
    """One sheet: ``rows`` yields the header (``Column``s or plain titles) and then the rows
    (a ``Bold`` row is written in bold, an ``Example`` row in grey italics).

    ``heading`` is a title line written above the header, ``headings`` several (an annex's
    number, title, reference and unit), centred across the columns; ``auto_filter`` puts
    Excel's filter buttons on the header. The header row is always frozen, so it stays in view.
    ``orientation`` ("portrait" or "landscape") sets the sheet up for printing on A4: fitted to
    the page's width, the header row repeated on every page. ``choices`` are drop-down lists
    on columns' data cells; ``hidden`` hides the sheet (the lists the drop-downs read).
    """

    title: str
    rows: Iterable[Sequence[Any]]
    heading: str = ""
    auto_filter: bool = False
    headings: Sequence[str] = ()
    orientation: str = ""
    choices: Sequence[Choices] = ()
    hidden: bool = False  # a sheet the drop-downs read from, out of the clerk's way


STT = Column("STT", COUNT, 6)
TOTAL_LABEL = "Tổng cộng"


def list_sheet(title: str, rows: Iterable[Sequence[Any]], *, filters: str = "", day: datetime.date | None = None,
               sheet_title: str = "") -> Sheet:
    """A screen's list as the office prints and files it: the title, the filters applied in
    words, "Ngày xuất: dd/mm/yyyy", then the header with "STT" before it, the rows numbered, and
    a bold totals row adding up the columns that add up (``Column.adds_up``) and counting the
    rows. The header is frozen and carries Excel's filter buttons; the sheet prints on A4
    landscape, as wide as the page, the header on every page. ``rows`` is a sheet generator
    (header, then rows), the one its screen's export declares."""
    day = day or timezone.localdate()
    headings = [f"Lọc: {filters}" if filters else "Lọc: không (toàn bộ danh sách)", f"Ngày xuất: {day:%d/%m/%Y}"]
    return Sheet(sheet_title or title, _numbered(rows), heading=title, headings=headings, auto_filter=True,
                 orientation="landscape")


def _numbered(rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        return
    columns = [column if isinstance(column, Column) else Column(str(column)) for column in header]
    yield [STT, *columns]
    sums: list[Any] = [0 if column.adds_up else None for column in columns]
    count = 0
    for count, row in enumerate(iterator, start=1):
        yield [count, *row]
        for index, value in enumerate(row):
            if sums[index] is not None and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                sums[index] += value
    label = f"{TOTAL_LABEL} ({count:,} dòng)".replace(",", ".")
    totals = [None, *sums]
    # The label goes in the first text column that adds nothing up (a name, a number).
    spot = next((i for i, c in enumerate(columns, start=1) if not c.adds_up and c.kind in (TEXT, PLAIN)), 1)
    totals[spot] = label
    yield Totals(totals)


def write_xlsx(sheets: Iterable[Sheet], target: IO[bytes]) -> None:
    """Write the sheets as an .xlsx to ``target`` (a binary file or buffer)."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(workbook, sheet)
    workbook.save(target)


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """The sheets as the bytes of an .xlsx, for a download."""
    buffer = io.BytesIO()
    write_xlsx(sheets, buffer)
    return buffer.getvalue()


def safe_text(value: str) -> str:
    """Text as a cell can hold it: without the control characters an .xlsx cannot store (pasted
    from another program, they would make openpyxl refuse the whole export), and with a
    carriage return written as the line feed every reader makes of it anyway."""
    return ILLEGAL_CHARACTERS_RE.sub("", value).replace("\r\n", "\n").replace("\r", "\n")


def _sheet_title(title: str) -> str:
    # Excel refuses these characters in a sheet's name, and names longer than 31.
    for char in "[]:*?/\\":
        title = title.replace(char, "-")
    return title[:31] or "Sheet"


def _write_sheet(workbook: Workbook, spec: Sheet) -> None:
    sheet = workbook.create_sheet(_sheet_title(spec.title))
    rows: Iterator[Sequence[Any]] = iter(spec.rows)
    header = next(rows, None)
    if header is None:
        return
    columns = [column if isinstance(column, Column) else Column(str(column)) for column in header]
    # Widths and the frozen pane go into the sheet's head, written before the first row.
    ahead = list(islice(rows, FIT_ROWS))
    widths = _widths(columns, ahead)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    headings = [*([spec.heading] if spec.heading else []), *spec.headings]
    header_row = len(headings) + 1
    sheet.freeze_panes = f"A{header_row + 1}"
    if spec.orientation:
        _print_setup(sheet, spec.orientation, header_row)
    for index, line in enumerate(headings):
        sheet.append(_heading_cells(sheet, line, len(columns), size=13 if index == 0 else 12))
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    titles = []
    for column in columns:
        cell = _text_cell(sheet, column.title, TEXT)
        cell.font, cell.alignment = bold, wrap
        titles.append(cell)
    lines = max((_lines(column.title, width) for column, width in zip(columns, widths, strict=True)), default=1)
    if lines > 1:  # a title wider than its column wraps; the row is not fitted when the file opens
        sheet.row_dimensions[header_row].height = LINE_HEIGHT * lines
    sheet.append(titles)
    last_row = filtered_to = header_row
    wrapped = {index for index, column in enumerate(columns) if column.wrap}
    for row in chain(ahead, rows):
        cells = [_cell(sheet, column.kind, value) for column, value in zip(columns, row, strict=True)]
        if isinstance(row, Bold):
            cells = [_bold(sheet, cell) for cell in cells]
        elif isinstance(row, Example):
            cells = [_styled_font(sheet, cell, EXAMPLE_FONT) for cell in cells]
        if wrapped:
            cells = [_aligned(sheet, cell, WRAP if index in wrapped else TOP) for index, cell in enumerate(cells)]
            lines = max(_lines(row[index], widths[index]) for index in wrapped if index < len(row))
            if lines > 1:  # a row's height is not fitted to wrapped text when the file opens: set it
                sheet.row_dimensions[last_row + 1].height = LINE_HEIGHT * lines
        sheet.append(cells)
        last_row += 1
        if not isinstance(row, Totals):
            filtered_to = last_row
    if spec.auto_filter and columns:
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{filtered_to}"
    for choices in spec.choices:
        sheet.data_validations.append(_validation(choices, header_row + 1))  # write-only: no add_data_validation
    if spec.hidden:
        sheet.sheet_state = "hidden"


def _validation(choices: Choices, first_row: int) -> DataValidation:
    """The drop-down of ``choices`` from ``first_row`` to the sheet's last row."""
    letter = get_column_letter(choices.column)
    validation = DataValidation(
        type="list",
        formula1=choices.source,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop" if choices.strict else "warning",
        errorTitle="Giá trị không có trong danh mục",
        error="Hãy chọn một giá trị trong danh sách thả xuống (xem sheet “Hướng dẫn”).",
        showInputMessage=bool(choices.prompt),
        prompt=choices.prompt[:255] or None,
    )
    validation.add(f"{letter}{first_row}:{letter}1048576")
    return validation


def _heading_cells(sheet, text: str, width: int, *, size: int) -> list[Any]:
    """A title line centred across the table's columns (Excel's "centre across selection",
    which needs no merged cells)."""
    centred = Alignment(horizontal="centerContinuous", vertical="center")
    first = _text_cell(sheet, text, PLAIN)
    first.font, first.alignment = Font(bold=True, size=size), centred
    rest = []
    for _ in range(max(width - 1, 0)):
        cell = WriteOnlyCell(sheet, value=None)
        cell.alignment = centred
        rest.append(cell)
    return [first, *rest]


def _bold(sheet, cell: Any) -> Any:
    return _styled_font(sheet, cell, Font(bold=True))


EXAMPLE_FONT = Font(italic=True, color="808080")


def _styled_font(sheet, cell: Any, font: Font) -> Any:
    if not isinstance(cell, Cell):  # WriteOnlyCell is a function that makes a Cell
        cell = WriteOnlyCell(sheet, value=cell)
    cell.font = font
    return cell


WRAP, TOP = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")


def _aligned(sheet, cell: Any, alignment: Alignment) -> Any:
    if not isinstance(cell, Cell):
        cell = WriteOnlyCell(sheet, value=cell)
    cell.alignment = alignment
    return cell


def _print_setup(sheet, orientation: str, header_row: int) -> None:
    """A4 in ``orientation``, as wide as the page, the header row on every page."""
    sheet.page_setup.orientation = orientation
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.print_title_rows = f"{header_row}:{header_row}"


def _widths(columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> list[float]:
    """A declared width, else wide enough for the header's words and the first rows' values
    (a facility's name, not 13 characters of it), within bounds."""
    widths = []
    for index, column in enumerate(columns):
        if column.width is not None:
            widths.append(column.width)
            continue
        longest = max((len(max(column.title.split(), key=len, default="")),
                       *(_shown_length(row[index]) for row in rows if index < len(row))))  # fmt: skip
        widths.append(min(max(longest + 2, MIN_WIDTH), MAX_WIDTH))
    return widths


LINE_HEIGHT = 15  # points, a line of the default 11-point font


def _lines(value: Any, width: float) -> int:
    """About how many lines ``value`` takes wrapped in a column ``width`` characters wide."""
    if value is None or value == "":
        return 1
    per_line = max(int(width) - 2, 1)
    return sum(max(-(-len(line) // per_line), 1) for line in str(value).splitlines() or [""])


def _shown_length(value: Any) -> int:
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, datetime.date):
        return 10
    if isinstance(value, int):
        return len(f"{value:,}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def _cell(sheet, kind: str, value: Any) -> Any:
    """What one value becomes in a column of ``kind``: a cell, or the bare value where
    openpyxl's own guess cannot go wrong (a number in a plain column, an empty cell)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or kind == FLAG:
        return "x" if value else None
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: the time as the Centre reads it, in the portal's zone.
        naive = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        return _styled(sheet, naive, DATETIME_FORMAT)
    if isinstance(value, datetime.date):
        return _styled(sheet, value, NUMBER_FORMATS[DATE])
    if isinstance(value, int | float | Decimal) and kind in NUMERIC:
        return value if kind == PLAIN else _styled(sheet, value, NUMBER_FORMATS[kind])
    return _text_cell(sheet, str(value), kind)


def _styled(sheet, value: Any, number_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def _text_cell(sheet, text: str, kind: str) -> WriteOnlyCell:
    """A string cell, never a formula, whatever the text starts with."""
    text = safe_text(text)
    cell = WriteOnlyCell(sheet, value=None)
    cell.value = text  # openpyxl guesses "f" for "=…": the type is set after, not guessed
    cell.data_type = "s"
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True  # stays text when someone edits the cell and presses Enter
    if kind == TEXT:
        cell.number_format = NUMBER_FORMATS[TEXT]
    return cell
