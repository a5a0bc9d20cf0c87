"""The Centre's Excel workbook in and out (shared/design/import-format.md).

    import_workbook(file, user=…, dry_run=…) -> ImportResult   # one transaction, all or nothing
    export_workbook(projects=None) -> bytes                     # the whole database, or some đề án
    template_workbook() -> bytes                                # every sheet, header rows only

``WorkbookRefused`` is raised when the file itself is refused (not an .xlsx, too large).
"""

from __future__ import annotations

from khuyencong.workbook.exporter import XLSX_CONTENT_TYPE, export_workbook, template_workbook
from khuyencong.workbook.importer import Counts, ImportResult, import_workbook
from khuyencong.workbook.reader import Problem, WorkbookRefused

__all__ = [
    "XLSX_CONTENT_TYPE",
    "Counts",
    "ImportResult",
    "Problem",
    "WorkbookRefused",
    "export_workbook",
    "import_workbook",
    "template_workbook",
]
