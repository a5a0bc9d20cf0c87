"""Opening an uploaded workbook safely and reading its sheets into rows of named values.

Only a real .xlsx is opened: the size is capped before anything is parsed, the bytes must be
a zip whose content types declare an OOXML workbook (the file's name proves nothing), the
unpacked size is capped against zip bombs, and openpyxl parses with defusedxml (installed).
Formulas are read by their cached values; one without a cached value is an error, not a
silent empty cell.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

from defusedxml import ElementTree
from django.conf import settings
from openpyxl import load_workbook

from khuyencong.core.cells import is_blank
from khuyencong.core.formatting import group_thousands
from khuyencong.workbook.sheets import BY_NAME

XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def max_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", 20 * 1024 * 1024)


def max_rows() -> int:
    return getattr(settings, "IMPORT_MAX_ROWS_PER_SHEET", 200_000)


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
        raise WorkbookRefused(f"Tệp lớn hơn giới hạn {group_thousands(limit // (1024 * 1024))} MB.")
    return data


def check_xlsx(data: bytes) -> None:
    """Refuse anything that is not an Excel .xlsx workbook, whatever its name says."""
    not_xlsx = "Tệp không phải là bảng tính Excel .xlsx (hãy lưu lại bằng Excel dưới dạng “Excel Workbook (*.xlsx)”)."
    if not data.startswith(b"PK\x03\x04"):
        raise WorkbookRefused(not_xlsx)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names:
            raise WorkbookRefused(not_xlsx)
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > getattr(settings, "IMPORT_MAX_UNPACKED_BYTES", 20 * max_bytes()):
            raise WorkbookRefused("Tệp giải nén ra quá lớn; không nhập được.")
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


def _has_formulas(data: bytes) -> bool:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return any(
        _FORMULA.search(archive.read(name))
        for name in archive.namelist()
        if name.startswith("xl/worksheets/") and name.endswith(".xml")
    )


def read_workbook(source: str | bytes | IO[bytes]) -> RawWorkbook:
    """Every known sheet's rows as {column name: raw value}, with what is wrong in the layout.

    Raises WorkbookRefused when the file is not an .xlsx workbook within the limits.
    """
    data = read_bytes(source)
    check_xlsx(data)
    try:
        values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False) if _has_formulas(data) else None
    except Exception:
        raise WorkbookRefused("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng .xlsx.") from None

    problems: list[Problem] = []
    sheets: dict[str, SheetRows] = {}
    limit = max_rows()
    try:
        for name in values.sheetnames:
            spec = BY_NAME.get(name.strip())
            if spec is None:
                problems.append(
                    Problem(name, None, "", "Sheet không có trong mẫu; tên sheet phải là một trong: " + ", ".join(BY_NAME) + ".")
                )
                continue
            if spec.name in sheets:
                problems.append(Problem(name, None, "", "Sheet này xuất hiện hai lần."))
                continue
            formula_rows = formulas[name].iter_rows() if formulas is not None else None
            sheet = _read_sheet(spec.name, values[name].iter_rows(values_only=True), formula_rows, limit, problems)
            if sheet is not None:
                sheets[spec.name] = sheet
    finally:
        values.close()
        if formulas is not None:
            formulas.close()
    return RawWorkbook(sheets, problems)


def _read_sheet(name, rows, formula_rows, limit: int, problems: list[Problem]) -> SheetRows | None:
    spec = BY_NAME[name]
    header = next(rows, None)
    if formula_rows is not None:
        next(formula_rows, None)
    if header is None:
        return SheetRows(name, [])
    columns: list[str | None] = []
    ok = True
    known = set(spec.all_columns)
    for raw in header:
        title = " ".join(str(raw).split()) if not is_blank(raw) else None
        if title is not None and title not in known:
            problems.append(
                Problem(name, 1, title, "Cột không có trong mẫu. Các cột của sheet: " + ", ".join(spec.all_columns) + ".")
            )
            ok = False
        elif title is not None and title in columns:
            problems.append(Problem(name, 1, title, "Cột này có hai lần."))
            ok = False
        columns.append(title)
    for key in spec.keys:
        if key not in columns:
            problems.append(Problem(name, 1, key, "Thiếu cột khóa (★) của sheet."))
            ok = False
    if not ok:
        return None

    result = SheetRows(name, [c for c in columns if c])
    width = len(columns)
    count = 0
    for number, row in enumerate(rows, start=2):
        formula_row = next(formula_rows, ()) if formula_rows is not None else ()
        if all(is_blank(v) for v in row):
            continue
        count += 1
        if count > limit:
            problems.append(
                Problem(name, number, "", f"Sheet có hơn {group_thousands(limit)} dòng, quá giới hạn cho một lần nhập.")
            )
            return None
        values: dict[str, Any] = {}
        for index, value in enumerate(row):
            title = columns[index] if index < width else None
            if title is None:
                if not is_blank(value):
                    problems.append(Problem(name, number, f"cột {index + 1}", "Ô có dữ liệu nhưng cột không có tên."))
                continue
            if value is None and index < len(formula_row) and formula_row[index].data_type == "f":
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
        result.rows.append((number, values))
    return result
