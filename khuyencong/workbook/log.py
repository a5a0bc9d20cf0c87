"""The import's record of itself (khuyencong.models.ImportLog) and the links to what it wrote.

Every run of the import, dry or applied, web or command, writes one ImportLog: who, when, the
uploaded file's name and the file itself, kept through Django's storage under a random name
(one copy per content: a file imported twice is stored once, and both runs show its sha256),
the counts of each sheet and, for an applied import, links to the records it added or changed
(``touched_records``: at most ``LINKS`` a sheet, with the totals).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from funding.models import Disbursement, Instalment, Lawsuit, LoanContract, Repayment
from khuyencong.models import ImportLog
from khuyencong.workbook import sheets as S
from projects.models import Event, Facility, ProductNomination, Project, ProjectResult

LINKS = 50  # links listed per sheet and kind (created, updated); the totals say the rest
FOLDER = "nhat-ky-nhap"  # beside the uploads waiting for their jobs (jobs.upload_dir), not among them


def _link(obj) -> tuple[str, str]:
    """A record as the result page names it, and the page that shows it."""
    if isinstance(obj, Facility):
        return obj.name, reverse("projects:facility-detail", args=[obj.pk])
    if isinstance(obj, Project):
        return f"{obj.code} — {obj.name}", reverse("projects:project-detail", args=[obj.pk])
    if isinstance(obj, Disbursement):
        return f"{obj.project.code}: chứng từ {obj.document_number}", reverse("projects:project-detail", args=[obj.project_id])
    if isinstance(obj, ProjectResult):
        return f"{obj.project.code}: theo dõi {obj.date:%d/%m/%Y}", reverse("projects:project-detail", args=[obj.project_id])
    if isinstance(obj, Event):
        return obj.name, reverse("projects:event-edit", args=[obj.pk])
    if isinstance(obj, ProductNomination):
        return f"{obj.product.name} ({obj.year})", reverse("projects:nomination-edit", args=[obj.pk])
    if isinstance(obj, LoanContract):
        return f"Hợp đồng {obj.number}", reverse("funding:contract-detail", args=[obj.pk])
    contract = obj.contract
    if isinstance(obj, Instalment):
        label = f"Hợp đồng {contract.number}: kỳ {obj.number}"
    elif isinstance(obj, Repayment):
        label = f"Hợp đồng {contract.number}: biên lai {obj.receipt_number}"
    else:
        label = f"Hợp đồng {contract.number}: khởi kiện {obj.filed_on:%d/%m/%Y}"
    return label, reverse("funding:contract-detail", args=[obj.contract_id])


SHEET_MODELS = {
    S.FACILITIES.name: Facility,
    S.PROJECTS.name: Project,
    S.DISBURSEMENTS.name: Disbursement,
    S.EVENTS.name: Event,
    S.CONTRACTS.name: LoanContract,
    S.INSTALMENTS.name: Instalment,
    S.REPAYMENTS.name: Repayment,
    S.LAWSUITS.name: Lawsuit,
    S.NOMINATIONS.name: ProductNomination,
    S.RESULTS.name: ProjectResult,
}


def touched_records(changes: dict) -> dict[str, dict[str, Any]]:
    """{sheet: {"title", "created": [[label, url]…], "updated": […], "created_total", "updated_total"}}
    of an applied import's pending writes (importer._Changes by model, their ids now set)."""
    records = {}
    for sheet, model in SHEET_MODELS.items():
        pending = changes.get(model)
        if pending is None:
            continue
        created = [obj for obj in pending.new if obj.pk is not None]
        updated = list(pending.changed.values())
        if not created and not updated:
            continue
        records[sheet] = {
            "title": S.BY_NAME[sheet].title,
            "created": [list(_link(obj)) for obj in created[:LINKS]],
            "updated": [list(_link(obj)) for obj in updated[:LINKS]],
            "created_total": len(created),
            "updated_total": len(updated),
        }
    return records


def sheet_counts(result) -> dict[str, dict[str, int]]:
    """Each sheet's counts, with its errors (ImportResult.counts and .problems)."""
    errors: dict[str, int] = {}
    for problem in result.problems:
        errors[problem.sheet] = errors.get(problem.sheet, 0) + 1
    counts = {}
    for name in [*result.counts, *errors]:
        c = result.counts.get(name)
        counts[name] = {
            "created": c.created if c else 0,
            "updated": c.updated if c else 0,
            "unchanged": c.unchanged if c else 0,
            "deleted": c.deleted if c else 0,
            "skipped": c.skipped if c else 0,
            "errors": errors.get(name, 0),
        }
    return counts


def keep_file(data: bytes, digest: str) -> str:
    """The stored name of ``data``: the one an earlier log of the same content kept, else a new
    random one (the uploaded name is never a path)."""
    earlier = ImportLog.objects.filter(sha256=digest).exclude(file="").values_list("file", flat=True).first()
    if earlier and default_storage.exists(earlier):
        return earlier
    return default_storage.save(f"{FOLDER}/{secrets.token_hex(16)}.xlsx", ContentFile(data))


def write_log(*, result, data: bytes, user, filename: str, source: str, seconds: float) -> ImportLog:
    """Record one run of the import (``result``, an ImportResult) of ``data``."""
    digest = hashlib.sha256(data).hexdigest()
    return ImportLog.objects.create(
        user=user,
        source=source,
        dry_run=result.dry_run,
        applied=result.applied,
        filename=filename[:255],
        file=keep_file(data, digest),
        sha256=digest,
        rows=result.rows,
        errors=len(result.problems),
        seconds=round(seconds, 3),
        counts=sheet_counts(result),
        records=result.records,
    )


def earlier_import(data: bytes) -> ImportLog | None:
    """The last applied import of the same content, if any (the preview says so)."""
    digest = hashlib.sha256(data).hexdigest()
    return ImportLog.objects.filter(sha256=digest, applied=True).select_related("user").first()


def earlier_import_note(log: ImportLog | None) -> str:
    if log is None:
        return ""
    who = log.user.get_full_name() or log.user.username
    return f"Tệp này đã được nhập lúc {timezone.localtime(log.at):%H:%M ngày %d/%m/%Y} (bởi {who})."
