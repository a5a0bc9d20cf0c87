"""What a document may be: decided from its CONTENT, never from its name or the browser's word.

``check_upload`` is the one check every way in calls (the screens' upload, and any later path):
the size limit (``settings.ATTACHMENT_MAX_BYTES``), then the first bytes. A PDF starts with
``%PDF-``, a PNG with its eight-byte signature, a JPEG with ``FF D8 FF``; a Word or Excel file
is a zip whose ``[Content_Types].xml`` declares the main part of a .docx (``word/document.xml``)
or a .xlsx (``xl/workbook.xml``), and neither a macro-enabled type nor a VBA project. The name's
extension must then agree with the content: a programme renamed ``.pdf``, an HTML page, an SVG
(a picture that can carry script), a ``.docm`` renamed ``.docx`` are all refused.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from khuyencong.core.formatting import group_thousands


@dataclass(frozen=True)
class Kind:
    mime: str
    extensions: tuple[str, ...]
    label: str


PDF = Kind("application/pdf", (".pdf",), "PDF")
PNG = Kind("image/png", (".png",), "ảnh PNG")
JPEG = Kind("image/jpeg", (".jpg", ".jpeg"), "ảnh JPEG")
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), "Word (.docx)")
XLSX = Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), "Excel (.xlsx)")
KINDS = (PDF, PNG, JPEG, DOCX, XLSX)
ALLOWED = "PDF, ảnh JPEG/PNG, Word (.docx) hoặc Excel (.xlsx)"
ACCEPT = ",".join(ext for kind in KINDS for ext in kind.extensions)  # the file input's hint, not a check

# The parts of [Content_Types].xml that make a zip a Word or Excel file.
_MAIN_PARTS = {
    DOCX: ("/word/document.xml", "wordprocessingml.document.main+xml"),
    XLSX: ("/xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
}
_CONTENT_TYPES_MAX = 1024 * 1024  # [Content_Types].xml is a few KB; more is not an Office file


@dataclass(frozen=True)
class Checked:
    kind: Kind
    size: int
    sha256: str
    extension: str


def max_bytes() -> int:
    return settings.ATTACHMENT_MAX_BYTES


def size_message(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    shown = f"{megabytes:g}".replace(".", ",")
    return f"Tệp quá lớn: mỗi tệp đính kèm tối đa {shown} MB ({group_thousands(limit)} byte)."


def _office_kind(upload: UploadedFile) -> Kind | None:
    """DOCX or XLSX when the zip really is one (and carries no macros), else None."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            info = archive.getinfo("[Content_Types].xml") if "[Content_Types].xml" in names else None
            if info is None or info.file_size > _CONTENT_TYPES_MAX:
                return None
            declared = archive.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
        return None
    # Media types compare without regard to case (RFC 2045; OPC reads them so): "MacroEnabled"
    # or "VBAPROJECT" is the same type as the one Office writes.
    lowered = declared.lower()
    if "macroenabled" in lowered or "vbaproject" in lowered or any(n.lower().endswith("vbaproject.bin") for n in names):
        return None
    for kind, (part, main) in _MAIN_PARTS.items():
        if part.lstrip("/") in names and main in declared:
            return kind
    return None


def detect(upload: UploadedFile) -> Kind | None:
    """The kind of the file's content, None when it is none of those allowed."""
    upload.seek(0)
    head = upload.read(8)
    if head.startswith(b"%PDF-"):
        return PDF
    if head == b"\x89PNG\r\n\x1a\n":
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(upload)
    return None


def _digest(upload: UploadedFile) -> str:
    upload.seek(0)
    sha = hashlib.sha256()
    for chunk in upload.chunks():
        sha.update(chunk)
    upload.seek(0)
    return sha.hexdigest()


def check_upload(upload: UploadedFile) -> Checked:
    """The file as it may be stored, or a ValidationError in Vietnamese (keyed ``file``)."""
    limit = max_bytes()
    if upload.size is None or upload.size == 0:
        raise ValidationError({"file": "Tệp rỗng: hãy chọn lại tệp."})
    if upload.size > limit:
        raise ValidationError({"file": size_message(limit)})
    extension = PurePath(upload.name or "").suffix.lower()
    kind = detect(upload)
    if kind is None:
        raise ValidationError(
            {"file": f"Nội dung tệp “{upload.name}” không phải {ALLOWED}: không nhận tệp này."}
        )
    if extension not in kind.extensions:
        raise ValidationError(
            {"file": f"Tệp “{upload.name}” có nội dung {kind.label} nhưng phần đuôi tên không khớp; hãy đặt đúng đuôi "
                     f"({', '.join(kind.extensions)})."}
        )
    return Checked(kind=kind, size=upload.size, sha256=_digest(upload), extension=kind.extensions[0])
