"""The package for the Ministry: an issued report as machine-readable data (JSON).

Issuing writes it beside the PDF (``ReportSnapshot.package``); the report page and the
``issue_report`` command hand it out. It holds the report's identity (province, number, date,
period, who issued it and when, the SHA-256 of the issued PDF), every figure of the report
(``reporting.figures.ReportFigures``, the one source of the document's numbers) and the annex
rows the figures hold. Its schema is reporting/schema/report-package.schema.json, described
in reporting/schema/README.md; ``schema()`` builds it from the figures' dataclasses, and a test
keeps the file equal to it, so that a new figure cannot reach the package undocumented.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import types
import typing
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from reporting import figures as figures_module
from reporting.figures import ReportFigures, figures_data
from reporting.models import Report

FORMAT_VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "report-package.schema.json"
SCHEMA_ID = "https://khuyencong.local/schema/report-package/1"
# The rows of the annexes, out of the figures into "annexes".
ANNEX_FIELDS = ("years", "contents", "project_lines", "contracts")
# What only the portal uses (the records behind each figure, for its own links).
INTERNAL_FIELDS = ("records",)


def _plain(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def build_package(*, report: Report, figures: ReportFigures, pdf_sha256: str, signed: bool) -> dict:
    """The package of ``report``, issued with ``figures`` and a PDF whose SHA-256 is given."""
    data = figures_data(figures)
    for name in INTERNAL_FIELDS:
        data.pop(name, None)
    annexes = {name: data.pop(name) for name in ANNEX_FIELDS}
    province = report.province
    replaces = report.replaces
    return _plain(
        {
            "format_version": FORMAT_VERSION,
            "report": {
                "province_code": province.code,
                "province_name": province.name,
                "issuing_body": settings.ORGANISATION["issuing_body"],
                "number": report.number,
                "date": report.report_date,
                "kind": report.kind,
                "title": report.display_title,
                "year_from": report.year_from,
                "year_to": report.year_to,
                "issued_at": timezone.localtime(report.issued_at).isoformat(timespec="seconds"),
                "issued_by": report.issued_by.get_username() if report.issued_by else "",
                "replaces": {"number": replaces.number, "date": replaces.report_date} if replaces else None,
                "pdf_sha256": pdf_sha256,
                "pdf_signed": signed,
            },
            "figures": data,
            "annexes": annexes,
        }
    )


# --- The schema, from the dataclasses --------------------------------------------------------


def _type_schema(hint, defs: dict) -> dict:
    origin = typing.get_origin(hint)
    if hint is int:
        return {"type": "integer"}
    if hint is str:
        return {"type": "string"}
    if hint is bool:
        return {"type": "boolean"}
    if hint is datetime.date:
        return {"type": ["string", "null"], "format": "date"}
    if dataclasses.is_dataclass(hint):
        _define(hint, defs)
        return {"$ref": f"#/$defs/{hint.__name__}"}
    if origin in (types.UnionType, typing.Union):
        options = [_type_schema(arg, defs) for arg in typing.get_args(hint) if arg is not type(None)]
        return {"anyOf": [*options, {"type": "null"}]}
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": _type_schema(args[0], defs)}
        items = [_type_schema(arg, defs) for arg in args]
        return {"type": "array", "prefixItems": items, "minItems": len(items), "maxItems": len(items)}
    raise TypeError(f"no JSON schema for {hint!r}")


def _object_schema(cls, defs: dict, *, skip: tuple[str, ...] = ()) -> dict:
    hints = typing.get_type_hints(cls, vars(figures_module))
    properties = {
        field.name: _type_schema(hints[field.name], defs) for field in dataclasses.fields(cls) if field.name not in skip
    }
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def _define(cls, defs: dict) -> None:
    if cls.__name__ not in defs:
        defs[cls.__name__] = {}  # a placeholder against recursion
        schema = _object_schema(cls, defs)
        if cls.__doc__:
            schema = {"description": " ".join(cls.__doc__.split()), **schema}
        defs[cls.__name__] = schema


def _identity_schema() -> dict:
    def text(description: str) -> dict:
        return {"type": "string", "description": description}

    properties = {
        "province_code": text("Mã tỉnh (mã đơn vị hành chính) của đơn vị báo cáo."),
        "province_name": text("Tên tỉnh."),
        "issuing_body": text("Cơ quan ban hành (Sở Công Thương)."),
        "number": text("Số, ký hiệu văn bản, ví dụ 125/BC-SCT."),
        "date": {"type": "string", "format": "date", "description": "Ngày ban hành; công nợ tính đến ngày này."},
        "kind": {"enum": [choice.value for choice in Report.Kind], "description": "annual: báo cáo năm; period: giai đoạn."},
        "title": text("Trích yếu."),
        "year_from": {"type": "integer", "description": "Năm đầu của kỳ báo cáo."},
        "year_to": {"type": "integer", "description": "Năm cuối của kỳ báo cáo."},
        "issued_at": {"type": "string", "format": "date-time", "description": "Thời điểm ban hành (ISO 8601)."},
        "issued_by": text("Tài khoản người ban hành."),
        "replaces": {
            "description": "Báo cáo được thay thế (đính chính), nếu có.",
            "anyOf": [
                {
                    "type": "object",
                    "properties": {"number": {"type": "string"}, "date": {"type": "string", "format": "date"}},
                    "required": ["number", "date"],
                    "additionalProperties": False,
                },
                {"type": "null"},
            ],
        },
        "pdf_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "SHA-256 của tệp PDF đã ban hành."},
        "pdf_signed": {"type": "boolean", "description": "Tệp PDF có chữ ký số của cơ quan."},
    }
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def schema() -> dict:
    """The JSON Schema (draft 2020-12) of the package."""
    defs: dict = {}
    figures = _object_schema(ReportFigures, defs, skip=INTERNAL_FIELDS + ANNEX_FIELDS)
    annexes = _object_schema(ReportFigures, defs, skip=INTERNAL_FIELDS)
    annexes["properties"] = {name: annexes["properties"][name] for name in ANNEX_FIELDS}
    annexes["required"] = list(ANNEX_FIELDS)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Gói dữ liệu báo cáo khuyến công (BC-SCT) gửi Bộ Công Thương",
        "description": "Xem reporting/schema/README.md. Tiền là đồng nguyên; ngày theo ISO 8601.",
        "type": "object",
        "properties": {
            "format_version": {"const": FORMAT_VERSION},
            "report": _identity_schema(),
            "figures": {"description": "Các số liệu của báo cáo (reporting/figures.py).", **figures},
            "annexes": {"description": "Các dòng phụ lục.", **annexes},
        },
        "required": ["format_version", "report", "figures", "annexes"],
        "additionalProperties": False,
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    return json.dumps(schema(), ensure_ascii=False, indent=2) + "\n"


def write_schema() -> None:
    """Write the schema file again after the figures changed:
    python manage.py shell -c "from reporting.package import write_schema; write_schema()"."""
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
