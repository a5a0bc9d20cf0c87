"""Opening an uploaded workbook safely and reading its sheets into rows of named values.

Only a real .xlsx is opened, and a refused file costs little: the size is capped before
anything is parsed; the bytes must be a zip whose content types declare an OOXML workbook (the
file's name proves nothing); the zip's directory is inspected before openpyxl opens anything
(member count, each member's and the total unpacked size, the compression ratio; Python's
zipfile stops a member at its declared size, so a directory that lies only breaks the CRC).
Sheets are read as a stream of the cells really present, never by the declared
``<dimension>`` (a 5 KB file may declare A1:XFD1048576), and rows are counted as they come,
per sheet and in total. openpyxl parses with defusedxml (installed). Formulas are read by their
cached values; one without a cached value is an error, not a silent empty cell.

Two readers give the same rows. An ordinary sheet (what Excel and the portal's export write: no
formula, no error cell, every cell addressed, its cells within a bounded area) is read by
python-calamine, in Rust, about ten times faster than openpyxl; anything else is read by
openpyxl's streaming parser as before. The choice is made by the scan every sheet goes through
anyway (``_scan_parts``): calamine builds a dense grid of a sheet's area, so a sheet whose cells
reach far (the "dimension bomb": one cell at XFD1048576) would make it allocate terabytes and
abort the process; such a sheet never reaches it. Values come out as openpyxl gives them
(``_calamine_cells``): whole numbers as int, dates as datetime, empty cells absent.
"""

from __future__ import annotations

import datetime
import io
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any
from xml.etree import ElementTree as StdElementTree

import python_calamine
from defusedxml import ElementTree
from django.conf import settings
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, ROW_TAG, WorkSheetParser

from khuyencong.core.cells import is_blank
from khuyencong.core.formatting import group_thousands
from khuyencong.workbook.sheets import BY_NAME, TEMPLATE_ONLY

XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
# A cell's address as Excel, LibreOffice and openpyxl write it (``<c r="AB12"``): its column
# letters, and its row number.
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
# The most cells calamine may hold for one sheet (its dense grid: about 32 bytes a cell):
# 100.000 rows of 40 columns.
CALAMINE_CELLS = 4_000_000
_EXACT_FLOAT = 2**53  # whole numbers below it are exact as the float calamine reads
_MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What an uploaded workbook may be (settings IMPORT_MAX_*; the defaults hold a 100.000-row
    workbook of the Centre's format with room to spare)."""

    bytes: int
    members: int
    member_bytes: int
    unpacked_bytes: int
    ratio: int
    columns: int
    rows_per_sheet: int
    rows: int


def limits() -> Limits:
    size = getattr(settings, "IMPORT_MAX_BYTES", 20 * _MB)
    return Limits(
        bytes=size,
        members=getattr(settings, "IMPORT_MAX_MEMBERS", 500),
        member_bytes=getattr(settings, "IMPORT_MAX_MEMBER_BYTES", 150 * _MB),
        unpacked_bytes=getattr(settings, "IMPORT_MAX_UNPACKED_BYTES", 250 * _MB),
        ratio=getattr(settings, "IMPORT_MAX_COMPRESSION_RATIO", 100),
        columns=getattr(settings, "IMPORT_MAX_COLUMNS", 200),
        rows_per_sheet=getattr(settings, "IMPORT_MAX_ROWS_PER_SHEET", 200_000),
        rows=getattr(settings, "IMPORT_MAX_ROWS", 300_000),
    )


def max_bytes() -> int:
    return limits().bytes


def max_rows() -> int:
    return limits().rows_per_sheet


# A member this small is never a bomb whatever its ratio (an empty sheet's XML packs 50:1).
_RATIO_FLOOR = 1 * _MB

UNREADABLE = object()  # a cell already reported as wrong; the row is skipped without a second message


class WorkbookRefused(Exception):
    """The file as a whole cannot be read; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the workbook: where it is and why. ``row`` 1 is the header row."""

    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = self.sheet
        if self.row:
            where += f", dòng {self.row}"
        if self.column:
            where += f", cột “{self.column}”"
        return f"{where}: {self.message}"


@dataclass
class SheetRows:
    name: str
    columns: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    seconds: float = 0.0  # reading it (benchmarks/import.py prints rows per second by sheet)


@dataclass
class RawWorkbook:
    sheets: dict[str, SheetRows]
    problems: list[Problem]


def read_bytes(source: str | bytes | IO[bytes]) -> bytes:
    """The file's bytes, refusing it once it passes the size limit (without reading more)."""
    limit = max_bytes()
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, str):
        with open(source, "rb") as handle:
            data = handle.read(limit + 1)
    else:
        data = source.read(limit + 1)
    if len(data) > limit:
        raise WorkbookRefused(f"Tệp lớn hơn giới hạn {group_thousands(limit // _MB)} MB.")
    return data


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def check_archive(archive: zipfile.ZipFile, limit: Limits | None = None) -> None:
    """Refuse a zip whose directory promises more than a workbook of the Centre's needs: too many
    members, a member or the whole unpacking too large, or packed like a zip bomb. Reads only
    the directory, so a refusal costs no unpacking."""
    limit = limit or limits()
    members = archive.infolist()
    if len(members) > limit.members:
        raise WorkbookRefused(
            f"Tệp có {group_thousands(len(members))} thành phần nén, quá giới hạn {group_thousands(limit.members)}; "
            "không nhập được."
        )
    total = 0
    for info in members:
        name = info.filename[:80]
        # A sheet may be large; any other part (shared strings, styles) is read whole into
        # memory by openpyxl, so it gets a third of a sheet's room.
        allowed = limit.member_bytes if _is_sheet(info.filename) else limit.member_bytes // 3
        if info.file_size > allowed:
            raise WorkbookRefused(
                f"Thành phần “{name}” của tệp giải nén ra {group_thousands(info.file_size)} byte, "
                f"quá giới hạn {group_thousands(allowed)} byte; không nhập được."
            )
        packed = max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and info.file_size > limit.ratio * packed:
            raise WorkbookRefused(
                f"Thành phần “{name}” nén {group_thousands(info.file_size // packed)} lần "
                f"({group_thousands(packed)} byte giải nén ra {group_thousands(info.file_size)} byte), quá tỉ lệ "
                f"{group_thousands(limit.ratio)} lần cho phép: tệp có dấu hiệu “bom nén”; không nhập được."
            )
        total += info.file_size
    if total > limit.unpacked_bytes:
        raise WorkbookRefused(
            f"Tệp giải nén ra {group_thousands(total)} byte, quá giới hạn {group_thousands(limit.unpacked_bytes)} byte; "
            "không nhập được."
        )


def check_xlsx(data: bytes) -> None:
    """Refuse anything that is not an Excel .xlsx workbook within the limits, whatever its name says."""
    not_xlsx = "Tệp không phải là bảng tính Excel .xlsx (hãy lưu lại bằng Excel dưới dạng “Excel Workbook (*.xlsx)”)."
    if not data.startswith(b"PK\x03\x04"):
        raise WorkbookRefused(not_xlsx)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names:
            raise WorkbookRefused(not_xlsx)
        check_archive(archive)
        types = ElementTree.fromstring(archive.read("[Content_Types].xml"))
    except WorkbookRefused:
        raise
    except Exception:  # a broken zip or XML, or what defusedxml refuses (entities, DTDs)
        raise WorkbookRefused(not_xlsx) from None
    main = [
        override.get("ContentType")
        for override in types.iter(f"{_CONTENT_TYPES_NS}Override")
        if override.get("PartName", "").lower() == "/xl/workbook.xml"
    ]
    if main != [XLSX_MAIN]:
        raise WorkbookRefused(not_xlsx)


@dataclass
class _Scan:
    """What the scan of one sheet's XML found (``_scan_parts``)."""

    formulas: bool = False
    # An error cell (#DIV/0!): calamine reads it as empty, openpyxl as its text. An ISO date cell
    # (t="d", "2024-10-02"): calamine gives a datetime, openpyxl a date.
    errors: bool = False
    cells: int = 0  # cells opened (``<c ``)
    addressed: int = 0  # of which written ``<c r="A1"``, as calamine needs for the bound below
    columns: set = field(default_factory=set)
    last_row: int = 0
    row_tags: int = 0  # rows opened, blank ones too (calamine does not see a row without cells)

    def area(self) -> int:
        width = max((_column_index(letters) for letters in self.columns), default=0)
        return width * self.last_row

    def for_calamine(self) -> bool:
        """Whether calamine reads the sheet as openpyxl would: no formula (whose missing cached
        value must be reported), no error cell, every cell addressed within the bounded area,
        and not more rows than a sheet may have (so the blank-row limit, counted by openpyxl
        on rows without a value, cannot be reached)."""
        return (
            not self.formulas
            and not self.errors
            and self.cells == self.addressed
            and self.area() <= CALAMINE_CELLS
            and self.row_tags <= limits().rows_per_sheet
        )


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index


def _scan_parts(archive: zipfile.ZipFile) -> dict[str, _Scan]:
    """Each sheet's scan by its member name, read in chunks cut at a tag (a sheet is never held
    whole).

    A sheet with a document type declaration (which no spreadsheet program writes) is refused
    here, as defusedxml refuses it: the sheets are then parsed by Python's own C parser
    (``_Parser.parse``) or by calamine, which meet no DTD and so no entity to expand.
    """
    scans = {}
    for name in archive.namelist():
        if not _is_sheet(name):
            continue
        scan = scans[name] = _Scan()
        with archive.open(name) as member:
            rest = b""
            while chunk := member.read(_MB):
                # A NUL byte means UTF-16 or UTF-32, in which the pattern's ASCII bytes would not
                # match a declaration; no spreadsheet program writes a sheet so.
                if b"\x00" in chunk:
                    raise WorkbookRefused("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng .xlsx.")
                text = rest + chunk
                cut = text.rfind(b"<")
                text, rest = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
                if len(rest) > _MB:  # a tag or text this long is no cell of a sheet
                    scan.cells += 1  # so not for calamine: a tag cut here would escape the count
                    text, rest = text + rest, b""
                _scan_text(scan, text)
            _scan_text(scan, rest)
    return scans


def _scan_text(scan: _Scan, text: bytes) -> None:
    """One stretch of a sheet that ends before a tag (so no tag is cut in two)."""
    if _DOCTYPE.search(text):
        raise WorkbookRefused("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng .xlsx.")
    scan.formulas = scan.formulas or bool(_FORMULA.search(text))
    scan.errors = scan.errors or b't="e"' in text or b't="d"' in text
    scan.row_tags += text.count(b"<row")
    scan.cells += text.count(b"<c ") + text.count(b"<c>") + text.count(b"<c/>") + text.count(b":c ")
    rows = _CELL_ROW.findall(text)
    scan.addressed += len(rows)
    if rows:
        longest = max(map(len, rows))
        scan.last_row = max(scan.last_row, max(int(row) for row in rows if len(row) == longest))
    scan.columns.update(_CELL_COLUMN.findall(text))


class _UnsizedSheet(ReadOnlyWorksheet):
    """A read-only sheet that does not look for its declared dimension on opening: the rows are
    read by ``_present_rows`` whatever it declares, and where it declares none (openpyxl's own
    write-only files, the portal's export) openpyxl's look is a whole extra parse of the sheet."""

    def _get_size(self) -> None:
        pass


class _StreamingReader(ExcelReader):
    """openpyxl's read-only loading (shared strings, styles for dates, sheet names) with
    ``_UnsizedSheet`` sheets; chartsheets as openpyxl reads them."""

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            ws = _UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            ws.sheet_state = sheet.state
            self.wb._sheets.append(ws)


def _localname(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _inline_text(node) -> str:
    """The text of an inline string (``<is>``), as openpyxl's ``Text.from_tree(node).content``
    gives it (its plain ``<t>``, then each run's ``<t>``; phonetic runs left out), without
    building its objects: openpyxl's own write-only files, the portal's export among them,
    write every text cell this way, and building them was a third of the reading."""
    plain = None
    runs = []
    for child in node:
        tag = _localname(child.tag)
        if tag == "t":
            plain = child.text
        elif tag == "r":
            text = None
            for part in child:
                if _localname(part.tag) == "t":
                    text = part.text
            runs.append(text)
    return "".join(text for text in [plain, *runs] if text is not None)


class _Parser(WorkSheetParser):
    """openpyxl's sheet parser, for the rows only, through Python's C XML parser (the sheets
    were scanned for a DTD first, ``_scan_parts``; defusedxml's pure-Python parser was half of
    the reading), with ``_inline_text`` for inline strings; every cell as openpyxl parses it."""

    def parse(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        for _, element in StdElementTree.iterparse(self.source):
            if element.tag == ROW_TAG:
                yield self.parse_row(element)
                element.clear()

    def parse_cell(self, element):
        data_type = element.get("t", "n")
        if data_type != "inlineStr" or self.rich_text:
            return super().parse_cell(element)
        coordinate = element.get("r")
        style_id = element.get("s", 0)
        if style_id:
            style_id = int(style_id)
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        value = None
        if not self.data_only and element.find(FORMULA_TAG) is not None:
            data_type = "f"
            value = self.parse_formula(element)
        else:
            child = element.find(INLINE_STRING)
            if child is not None:
                data_type = "s"
                value = _inline_text(child)
        return {"row": row, "column": column, "value": value, "data_type": data_type, "style_id": style_id}


def _open_workbook(data: bytes):
    reader = _StreamingReader(io.BytesIO(data), read_only=True, data_only=True)
    reader.read()
    return reader.wb


def _present_rows(ws, *, data_only: bool) -> Iterator[tuple[int, list[tuple[int, Any]]]]:
    """(row number, [(column, value)] of the cells present in it) of a read-only sheet, in the
    file's order.

    openpyxl's own read-only parser, minus its padding: iter_rows() pads every row to the
    declared dimension and yields an empty row for every row number skipped, so a file declaring
    A1:XFD1048576 costs millions of cells; here a row costs what it holds.
    """
    for number, cells in _parsed_rows(ws, data_only=data_only):
        yield number, [(cell["column"], cell["value"]) for cell in cells]


def _formula_columns(ws) -> Iterator[tuple[int, set[int]]]:
    """(row number, the columns of its formula cells) of a read-only sheet."""
    for number, cells in _parsed_rows(ws, data_only=False):
        yield number, {cell["column"] for cell in cells if cell["data_type"] == "f"}


def _parsed_rows(ws, *, data_only: bool) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    workbook = ws.parent
    with ws._get_source() as source:
        parser = _Parser(
            source,
            ws._shared_strings,
            data_only=data_only,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        yield from parser.parse()


class _Inexact(Exception):
    """A value calamine cannot give as openpyxl does (a whole number beyond a float's exact
    ones): the sheet is read again by openpyxl."""


def _calamine_cells(sheet) -> Iterator[tuple[int, list[tuple[int, Any]]]]:
    """The rows of a sheet read by calamine, as ``_present_rows`` gives them: 1-based row and
    column numbers, empty cells left out (calamine fills its grid with ""; openpyxl's empty
    cells are None or absent, blank either way), whole numbers as int (openpyxl reads "5" as
    5), dates as datetime (openpyxl's from_excel); rows with nothing in them left out (they
    count only towards the blank-row limit, which a sheet within CALAMINE_CELLS cannot pass:
    openpyxl's count of them never exceeds its rows)."""
    first_row, first_column = sheet.start or (0, 0)
    exact = _EXACT_FLOAT
    date, as_datetime = datetime.date, datetime.datetime
    for offset, row in enumerate(sheet.iter_rows()):
        cells = []
        for column, value in enumerate(row, first_column + 1):
            kind = type(value)
            if kind is str:
                if not value:
                    continue
            elif kind is float:
                if value.is_integer():
                    if not -exact < value < exact:
                        raise _Inexact
                    value = int(value)
            elif kind is date:
                value = as_datetime(value.year, value.month, value.day)
            cells.append((column, value))
        if cells:
            yield first_row + offset + 1, cells


class _Sheets:
    """The workbook's sheets, each read by calamine when its scan allows it, else by openpyxl
    (opened only when a sheet needs it)."""

    def __init__(self, data: bytes, archive: zipfile.ZipFile, scans: dict[str, _Scan]):
        self.data = data
        self.scans = scans
        self._openpyxl = None
        self.parts = _sheet_parts(archive)  # sheet name → its member; None: not only worksheets
        self.calamine = None
        if self.parts is not None and any(self._fits(part) for part in self.parts.values()) and _plain_parts(archive):
            self.calamine = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            if list(self.calamine.sheet_names) != list(self.parts):
                self.calamine.close()
                self.calamine = None
        self.names = list(self.parts) if self.calamine is not None else self.openpyxl().sheetnames

    def _fits(self, part: str) -> bool:
        scan = self.scans.get(part)
        return scan is not None and scan.for_calamine()

    def openpyxl(self):
        if self._openpyxl is None:
            self._openpyxl = _open_workbook(self.data)
        return self._openpyxl

    def rows(self, name: str, *, slow: bool = False):
        """(rows, formula columns by row or None) of the sheet ``name``."""
        if not slow and self.calamine is not None and self._fits(self.parts[name]):
            return _calamine_cells(self.calamine.get_sheet_by_name(name)), None
        ws = self.openpyxl()[name]
        if self.parts is not None and self.parts.get(name) in self.scans:
            formulas = self.scans[self.parts[name]].formulas
        else:
            formulas = any(scan.formulas for scan in self.scans.values())
        return _present_rows(ws, data_only=True), (_formula_columns(ws) if formulas else None)

    def close(self) -> None:
        if self._openpyxl is not None:
            self._openpyxl.close()
        if self.calamine is not None:
            self.calamine.close()


def _plain_parts(archive: zipfile.ZipFile) -> bool:
    """Whether the parts other than the sheets (shared strings, styles…) declare no DTD and are
    ASCII-compatible: calamine parses them without defusedxml, so a workbook whose parts
    openpyxl (with defusedxml) would refuse is left to openpyxl, which refuses it as before."""
    for name in archive.namelist():
        if _is_sheet(name) or not name.endswith((".xml", ".rels")):
            continue
        with archive.open(name) as member:
            tail = b""
            while chunk := member.read(_MB):
                if b"\x00" in chunk or _DOCTYPE.search(tail + chunk):
                    return False
                tail = chunk[-16:]
    return True


_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOCUMENT_RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str] | None:
    """{sheet name: its member} in the workbook's order, read with defusedxml; None when the
    workbook holds anything but worksheets (a chartsheet) or names a part it lacks: openpyxl
    then reads it as before."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:
        return None
    targets = {}
    for relation in relations.iter(f"{_RELATIONSHIPS}Relationship"):
        if relation.get("Type") != _WORKSHEET or relation.get("TargetMode") == "External":
            continue
        target = relation.get("Target", "")
        targets[relation.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    members = set(archive.namelist())
    parts = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_DOCUMENT_RELATIONSHIPS}id"))
        if target is None or target not in members or sheet.get("name") in parts:
            return None
        parts[sheet.get("name")] = target
    return parts or None


@dataclass
class _Budget:
    """Rows read so far across the workbook, against the limits; reports progress now and then."""

    limit: Limits
    progress: Callable[[int], None] | None
    rows: int = 0

    def tick(self) -> None:
        self.rows += 1
        if self.progress is not None and self.rows % 5000 == 0:
            self.progress(self.rows)


def read_workbook(source: str | bytes | IO[bytes], *, progress: Callable[[int], None] | None = None) -> RawWorkbook:
    """Every known sheet's rows as {column name: raw value}, with what is wrong in the layout.

    Raises WorkbookRefused when the file is not an .xlsx workbook within the limits.
    ``progress`` is called with the number of rows read so far, every few thousand rows.
    """
    data = read_bytes(source)
    check_xlsx(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        workbook = _Sheets(data, archive, _scan_parts(archive))
    except WorkbookRefused:
        raise
    except Exception:
        raise WorkbookRefused("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng .xlsx.") from None

    problems: list[Problem] = []
    sheets: dict[str, SheetRows] = {}
    budget = _Budget(limits(), progress)
    try:
        for name in workbook.names:
            if name.strip() in TEMPLATE_ONLY:
                continue
            spec = BY_NAME.get(name.strip())
            if spec is None:
                problems.append(
                    Problem(name, None, "", "Sheet không có trong mẫu; tên sheet phải là một trong: " + ", ".join(BY_NAME) + ".")
                )
                continue
            if spec.name in sheets:
                problems.append(Problem(name, None, "", "Sheet này xuất hiện hai lần."))
                continue
            started = time.perf_counter()
            found, counted = len(problems), budget.rows
            try:
                sheet = _read_sheet(spec.name, *workbook.rows(name), budget, problems)
            except _Inexact:  # read again by openpyxl, from where the sheet began
                del problems[found:]
                budget.rows = counted
                sheet = _read_sheet(spec.name, *workbook.rows(name, slow=True), budget, problems)
            if sheet is not None:
                sheet.seconds = time.perf_counter() - started
                sheets[spec.name] = sheet
            if budget.rows > budget.limit.rows:
                break
    except WorkbookRefused:
        raise
    except Exception:  # XML that defusedxml refuses or that breaks half-way through a sheet
        raise WorkbookRefused("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng .xlsx.") from None
    finally:
        workbook.close()
    return RawWorkbook(sheets, problems)


def _header(name: str, cells: list[tuple[int, Any]], limit: Limits, problems: list[Problem]) -> dict[int, str] | None:
    """The header row's titles by column number; None (after recording why) when it is wrong."""
    spec = BY_NAME[name]
    known = set(spec.all_columns)
    columns: dict[int, str] = {}
    ok = True
    for index, raw in cells:
        if is_blank(raw):
            continue
        title = " ".join(str(raw).split())
        if index > limit.columns:
            problems.append(Problem(name, 1, title, f"Cột nằm ngoài {group_thousands(limit.columns)} cột đầu của sheet."))
            ok = False
        elif title not in known:
            problems.append(
                Problem(name, 1, title, "Cột không có trong mẫu. Các cột của sheet: " + ", ".join(spec.all_columns) + ".")
            )
            ok = False
        elif title in columns.values():
            problems.append(Problem(name, 1, title, "Cột này có hai lần."))
            ok = False
        else:
            columns[index] = title
    for key in spec.keys:
        if key not in columns.values():
            problems.append(Problem(name, 1, key, "Thiếu cột khóa (★) của sheet."))
            ok = False
    return columns if ok else None


def _over_limit(name: str, number: int, budget: _Budget, count: int, blank: int, problems: list[Problem]) -> bool:
    """Whether the sheet (or the workbook) has passed a row limit; the problem says which."""
    limit = budget.limit
    if count > limit.rows_per_sheet:
        message = f"Sheet có hơn {group_thousands(limit.rows_per_sheet)} dòng, quá giới hạn cho một lần nhập."
    elif blank > limit.rows_per_sheet:
        message = f"Sheet có hơn {group_thousands(limit.rows_per_sheet)} dòng trống; hãy xóa các dòng trống rồi lưu lại."
    elif budget.rows > limit.rows:
        message = f"Tệp có hơn {group_thousands(limit.rows)} dòng, quá giới hạn cho một lần nhập."
    else:
        return False
    problems.append(Problem(name, number, "", message))
    return True


def _read_sheet(name: str, rows, formula_rows, budget: _Budget, problems: list[Problem]) -> SheetRows | None:
    first = next(rows, None)
    if formula_rows is not None:
        next(formula_rows, None)
    if first is None:
        return SheetRows(name, [])
    number, cells = first
    columns = _header(name, cells if number == 1 else [], budget.limit, problems)
    if columns is None:
        return None
    result = SheetRows(name, list(columns.values()))
    pending = [] if number == 1 else [first]  # a sheet whose row 1 is absent has no header: its rows are data
    count = blank = 0
    for number, cells in _chain(pending, rows):
        formula_columns = next(formula_rows, (0, set()))[1] if formula_rows is not None else ()
        if all(is_blank(value) for _, value in cells):
            blank += 1
            if _over_limit(name, number, budget, count, blank, problems):
                return None
            continue
        count += 1
        budget.tick()
        if _over_limit(name, number, budget, count, blank, problems):
            return None
        values = _row_values(name, number, cells, columns, formula_columns, problems)
        if values is not None:
            result.rows.append((number, values))
    return result


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def _row_values(
    name: str, number: int, cells, columns: dict[int, str], formula_columns, problems: list[Problem]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for index, value in cells:
        title = columns.get(index)
        if title is None:
            if not is_blank(value):
                problems.append(Problem(name, number, f"cột {get_column_letter(index)}", "Ô có dữ liệu nhưng cột không có tên."))
            continue
        if value is None and index in formula_columns:
            problems.append(
                Problem(
                    name,
                    number,
                    title,
                    "Ô chứa công thức chưa có giá trị tính sẵn; hãy mở tệp bằng Excel "
                    "và lưu lại, hoặc dán giá trị thay cho công thức.",
                )
            )
            value = UNREADABLE
        values[title] = value
    return values
