"""The one Excel writer: every .xlsx the portal hands out (the lists, the report's annexes, the
Centre's workbook and its template, the admin's export) is written here and nowhere else.

A sheet is a title and a generator that yields its header row and then its rows (pretix's
``ListExporter.iterate_list``); ``write_xlsx`` streams them out: openpyxl's write-only mode
writes the workbook's frame (styles, widths, print setup, filters, drop-downs) and the rows are
written here as SpreadsheetML a row at a time (``_RowWriter``), so a large export stays fast and
small in memory. What a cell becomes is decided once, in ``_RowWriter.row``:

- text is always a string cell (an inline string; no cell is ever written as a formula), and
  Excel or LibreOffice would run "+1", "-2+3", "@SUM(A1)" typed into a cell (OWASP "CSV
  injection"); so text starting with = + - @, a tab or a line break is also given Excel's quote
  prefix, which keeps it text even when someone edits the cell. The text itself is kept
  exactly (less the characters an .xlsx cannot hold, ``safe_text``), so the workbook reads
  back the same;
- money and counts stay numbers (whole đồng, shown "#,##0"), rates numbers shown "0.0%", years
  plain numbers, dates date cells shown dd/mm/yyyy;
- a flag is "x" or an empty cell.
"""

from __future__ import annotations

import datetime
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
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
    """Write the sheets as an .xlsx to ``target`` (a binary file or buffer).

    openpyxl (write-only mode) writes the frame of the workbook: the styles, each sheet's
    widths, frozen pane, filter, print setup and drop-downs. The cells are written here, as
    SpreadsheetML, a row at a time into a temporary file per sheet, and put into the sheet's
    empty ``<sheetData>`` when the file is assembled: openpyxl makes a cell object of every
    value and serialises it element by element through lxml, ~20 µs a cell, which made the
    2021–2025 annexes at 50× the data (210.000 cells) take 5 s (issue 14: at most 1 s).
    """
    workbook = Workbook(write_only=True)
    styles = _Styles()
    with ExitStack() as stack:
        filled = []
        for spec in sheets:
            rows_file = stack.enter_context(tempfile.TemporaryFile())
            sheet = _write_sheet(workbook, spec, _RowWriter(styles, rows_file))
            if sheet is not None:
                filled.append((sheet, rows_file))
        frame = io.BytesIO()
        workbook.save(frame)
        _assemble(frame, {sheet.path.lstrip("/"): rows_file for sheet, rows_file in filled}, target)


_EMPTY_SHEET_DATA = b"<sheetData></sheetData>"  # what openpyxl writes for a sheet without rows
# Deflate level 3 rather than zlib's default 6: a third of the time for a file ~10 % larger
# (the 2021–2025 annexes at 50×: 15 MB of XML in 0.05 s rather than 0.16 s, 1,11 MB against 1,00 MB).
COMPRESS_LEVEL = 3


def _assemble(frame: IO[bytes], rows: dict[str, IO[bytes]], target: IO[bytes]) -> None:
    """openpyxl's workbook ``frame`` copied to ``target``, each sheet of ``rows`` with its rows."""
    out = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL)
    with zipfile.ZipFile(frame) as source, out:
        for info in source.infolist():
            data = source.read(info)
            rows_file = rows.get(info.filename)
            if rows_file is None:
                out.writestr(info, data)
                continue
            head, tail = data.split(_EMPTY_SHEET_DATA)  # exactly one: a ValueError otherwise
            with out.open(info.filename, "w", force_zip64=True) as part:
                part.write(head + b"<sheetData>")
                rows_file.seek(0)
                shutil.copyfileobj(rows_file, part, 1 << 20)
                part.write(b"</sheetData>" + tail)


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """The sheets as the bytes of an .xlsx, for a download."""
    buffer = io.BytesIO()
    write_xlsx(sheets, buffer)
    return buffer.getvalue()


# What an .xlsx cannot store: control characters, and U+FFFE and U+FFFF, which XML 1.0 refuses too.
_UNSTORABLE = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ufffe\uffff]")


def safe_text(value: str) -> str:
    """Text as a cell can hold it: without the characters an .xlsx cannot store (pasted from
    another program, they would make the whole export fail), and with a carriage return written
    as the line feed every reader makes of it anyway."""
    if value.isprintable():  # no control character, U+FFFE or U+FFFF (nor a line break): as it is
        return value
    text = _UNSTORABLE.sub("", value)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _sheet_title(title: str) -> str:
    # Excel refuses these characters in a sheet's name, and names longer than 31.
    for char in "[]:*?/\\":
        title = title.replace(char, "-")
    return title[:31] or "Sheet"


def _write_sheet(workbook: Workbook, spec: Sheet, writer: _RowWriter) -> Any:
    """Set the sheet up in ``workbook`` and write its rows with ``writer``; the sheet, or None
    when ``spec`` has no rows at all (an empty sheet, as openpyxl writes it)."""
    sheet = workbook.create_sheet(_sheet_title(spec.title))
    if spec.hidden:
        sheet.sheet_state = "hidden"
    rows: Iterator[Sequence[Any]] = iter(spec.rows)
    header = next(rows, None)
    if header is None:
        return None
    columns = [column if isinstance(column, Column) else Column(str(column)) for column in header]
    # Widths are fitted to the first rows' values, read ahead.
    ahead = list(islice(rows, FIT_ROWS))
    widths = _widths(columns, ahead)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    headings = [*([spec.heading] if spec.heading else []), *spec.headings]
    header_row = len(headings) + 1
    sheet.freeze_panes = f"A{header_row + 1}"
    if spec.orientation:
        _print_setup(sheet, spec.orientation, header_row)
    wrapped = {index for index, column in enumerate(columns) if column.wrap}
    alignments = [WRAP if index in wrapped else TOP for index in range(len(columns))] if wrapped else None
    writer.start(sheet, [column.kind for column in columns], alignments)
    for index, line in enumerate(headings):
        writer.heading(line, size=13 if index == 0 else 12)
    lines = max((_lines(column.title, width) for column, width in zip(columns, widths, strict=True)), default=1)
    # A title wider than its column wraps; the row is not fitted when the file opens: its height is set.
    titles = writer.looks([TEXT] * len(columns), BOLD, [WRAP] * len(columns))
    writer.row([c.title for c in columns], titles, height=LINE_HEIGHT * lines if lines > 1 else None)
    filtered_to = header_row
    for row in chain(ahead, rows):
        font = BOLD if isinstance(row, Bold) else EXAMPLE_FONT if isinstance(row, Example) else None
        height = None
        if wrapped:
            lines = max(_lines(row[index], widths[index]) for index in wrapped if index < len(row))
            height = LINE_HEIGHT * lines if lines > 1 else None  # wrapped text is not fitted when the file opens
        writer.data(row, font, height)
        if not isinstance(row, Totals):
            filtered_to = writer.number
    writer.flush()
    if spec.auto_filter and columns:
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{filtered_to}"
    for choices in spec.choices:
        sheet.data_validations.append(_validation(choices, header_row + 1))  # write-only: no add_data_validation
    return sheet


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


BOLD = Font(bold=True)
HEADING_FONTS = {13: Font(bold=True, size=13), 12: Font(bold=True, size=12)}
EXAMPLE_FONT = Font(italic=True, color="808080")
WRAP, TOP = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
# A title line centred across the table's columns (Excel's "centre across selection", which
# needs no merged cells).
CENTRED = Alignment(horizontal="centerContinuous", vertical="center")


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


class _Styles:
    """The workbook's cell styles (number format, font, alignment, quote prefix), each made once
    and written by its number. Fonts and alignments are this module's constants, so they are
    told apart by identity: hashing an openpyxl style object costs more than writing a cell."""

    def __init__(self) -> None:
        self._ids: dict[tuple, str] = {}

    def attribute(self, sheet, number_format: str, font: Font | None, alignment: Alignment | None,
                  quote: bool = False) -> str:  # fmt: skip
        """A cell's ``s`` attribute (' s="3"'), or nothing for the default style."""
        if number_format == "General" and font is None and alignment is None and not quote:
            return ""
        key = (number_format, id(font), id(alignment), quote)
        attribute = self._ids.get(key)
        if attribute is None:
            cell = WriteOnlyCell(sheet)  # openpyxl adds the style to the workbook's and numbers it
            cell.number_format = number_format
            if font is not None:
                cell.font = font
            if alignment is not None:
                cell.alignment = alignment
            cell.quotePrefix = quote
            attribute = self._ids[key] = f' s="{cell.style_id}"'
        return attribute


class _Look:
    """How the cells of a column of ``kind`` look in a row of ``font`` and ``alignment``: the
    style attribute of each sort of cell, made once for the sheet rather than once a cell."""

    __slots__ = ("_attribute", "empty", "flag", "is_flag", "number", "quoted", "text")

    def __init__(self, styles: _Styles, sheet, kind: str, font: Font | None, alignment: Alignment | None) -> None:
        self._attribute = lambda number_format, quote=False: styles.attribute(sheet, number_format, font, alignment, quote)
        self.empty = self._attribute("General") if font is not None or alignment is not None else None
        text_format = NUMBER_FORMATS[TEXT] if kind == TEXT else "General"
        self.text, self.quoted = self._attribute(text_format), self._attribute(text_format, True)
        self.flag = self._attribute("General")  # "x", as openpyxl would write the bare value
        self.number = self._attribute(NUMBER_FORMATS[kind]) if kind in NUMERIC else None
        self.is_flag = kind == FLAG

    def formatted(self, number_format: str) -> str:
        return self._attribute(number_format)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _RowWriter:
    """A sheet's rows as SpreadsheetML (``<row>`` and ``<c>`` elements, as openpyxl writes them),
    into the file ``out``. What a value becomes is decided once, in ``row``."""

    def __init__(self, styles: _Styles, out: IO[bytes]) -> None:
        self.styles, self.out = styles, out
        self.number = 0  # the last row written
        self._chunks: list[str] = []

    def start(self, sheet, kinds: Sequence[str], alignments: Sequence[Alignment] | None) -> None:
        """The sheet, and its columns' kinds and alignments (None: the default)."""
        self.sheet, self.kinds, self.alignments = sheet, list(kinds), alignments
        self.letters = [get_column_letter(index) for index in range(1, len(kinds) + 1)]
        self._data_looks: dict[int, list[_Look]] = {}

    def looks(self, kinds: Sequence[str], font: Font | None, alignments: Sequence[Alignment] | None) -> list[_Look]:
        aligned = alignments or [None] * len(kinds)
        return [_Look(self.styles, self.sheet, kind, font, alignment) for kind, alignment in zip(kinds, aligned, strict=True)]

    def heading(self, text: str, *, size: int) -> None:
        """A title line: bold, centred across the columns."""
        width = len(self.letters)
        looks = self.looks([PLAIN] * width, None, [CENTRED] * width)
        looks[0] = _Look(self.styles, self.sheet, PLAIN, HEADING_FONTS[size], CENTRED)
        self.row([text, *[None] * (width - 1)], looks)

    def data(self, values: Sequence[Any], font: Font | None, height: float | None = None) -> None:
        """A row of values under the columns, in ``font`` (one of this module's) or the default."""
        looks = self._data_looks.get(id(font))
        if looks is None:
            looks = self._data_looks[id(font)] = self.looks(self.kinds, font, self.alignments)
        self.row(values, looks, height)

    def row(self, values: Sequence[Any], looks: Sequence[_Look], height: float | None = None) -> None:
        """One row. Text is always a string cell, never a formula: given Excel's quote prefix
        when a spreadsheet would take it for one (it stays text when someone edits the cell)."""
        self.number += 1
        number = self.number
        chunks = self._chunks
        chunks.append(f'<row r="{number}" ht="{height}" customHeight="1">' if height else f'<row r="{number}">')
        for letter, look, value in zip(self.letters, looks, values, strict=True):
            if value is None or value == "" or ((look.is_flag or value is False) and not value):
                if look.empty is not None:
                    chunks.append(f'<c r="{letter}{number}"{look.empty}/>')
            elif look.is_flag or value is True:  # a flag: "x"
                chunks.append(f'<c r="{letter}{number}"{look.flag} t="inlineStr"><is><t>x</t></is></c>')
            elif isinstance(value, datetime.date):
                chunks.append(self._date(f"{letter}{number}", value, look))
            elif look.number is not None and isinstance(value, int | float | Decimal):
                chunks.append(f'<c r="{letter}{number}"{look.number} t="n"><v>{safe_string(value)}</v></c>')
            else:
                text = safe_text(str(value))[:32767]  # an .xlsx cell holds at most 32.767 characters
                style = look.quoted if text.startswith(FORMULA_PREFIXES) else look.text
                if not text:
                    chunks.append(f'<c r="{letter}{number}"{style} t="inlineStr"/>')
                    continue
                space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
                chunks.append(f'<c r="{letter}{number}"{style} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>')
        chunks.append("</row>")
        if len(chunks) > 20000:
            self.flush()

    @staticmethod
    def _date(ref: str, value: datetime.date, look: _Look) -> str:
        """A date cell dd/mm/yyyy, or a moment's dd/mm/yyyy hh:mm."""
        if isinstance(value, datetime.datetime):
            # Excel has no time zones: the time as the Centre reads it, in the portal's zone.
            naive = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
            return f'<c r="{ref}"{look.formatted(DATETIME_FORMAT)} t="n"><v>{safe_string(to_excel(naive))}</v></c>'
        return f'<c r="{ref}"{look.formatted(NUMBER_FORMATS[DATE])} t="n"><v>{safe_string(to_excel(value))}</v></c>'

    def flush(self) -> None:
        self.out.write("".join(self._chunks).encode())
        self._chunks.clear()
