"""The workflows of a report record: create it (or a replacement), write its narrative, issue it.

Each is one function with keyword-only arguments, run in one transaction, taking the acting
user as ``by``; the audit record is the report's django-simple-history row, written in the same
transaction with ``_history_user`` and ``_change_reason``. A refusal is a ``ValidationError``
(or ``PermissionDenied``) with a Vietnamese message, raised before anything is written.

Issuing freezes the report: the figures are computed once, and they, the HTML, the PDF and the
Excel annexes are kept in a ``ReportSnapshot`` written in the issuing transaction. From then on
the report's page and downloads serve the snapshot, whatever happens to the data; a correction
is a new report that replaces it.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from khuyencong.core import roles
from khuyencong.core.formatting import date_short
from khuyencong.core.jobs import Progress
from khuyencong.core.text import same_name
from reporting import checks, signing
from reporting.annexes import annex_workbook, reference_line
from reporting.document import default_province, render_document
from reporting.drilldown import SNAPSHOT_KEY, drilldown_rows
from reporting.figures import ReportFigures, compute_figures, figures_data
from reporting.models import Report, ReportNumbering, ReportSnapshot
from reporting.package import build_package

# The narrative: the text of each section and the settings of the generated paragraphs
# (reporting/outline.py).
NARRATIVE_FIELDS = ("section_texts", "paragraph_settings")
# What the staff may change on a draft besides the narrative.
SCOPE_FIELDS = (
    "kind",
    "year_from",
    "year_to",
    "title",
    "place",
    "report_date",
    "addressees",
    "recipients",
    "signer_authority",
    "signer_title",
    "signer_name",
)
NUMBER_SUFFIX = "/BC-SCT"
_NUMBER = re.compile(r"0*([1-9]\d{0,5})(?:/BC-SCT)?")  # a document is numbered from 1


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _save(report: Report, *, by, reason: str) -> Report:
    report._history_user = by
    report._change_reason = reason[:100]
    report.full_clean()
    report.save()
    return report


def _refuse_if_issued(report: Report) -> None:
    if report.is_issued:
        raise ValidationError(
            f"Báo cáo số {report.number} đã ban hành nên không thể sửa. Muốn đính chính, hãy tạo báo cáo thay thế."
        )


def defaults(*, year: int | None = None) -> dict:
    """Sensible values for a new report: the organisation's place, the Ministry and the province
    as addressees, last year's annual report."""
    org = settings.ORGANISATION
    year = year or timezone.localdate().year - 1
    return {
        "kind": Report.Kind.ANNUAL,
        "year_from": year,
        "year_to": year,
        "place": org["place_name"],
        "report_date": timezone.localdate(),
        "addressees": f"Bộ Công Thương;\nUBND tỉnh {org['place_name']}.",
        "recipients": org["recipients"],
        "signer_authority": org["signer_authority"],
        "signer_title": org["signer_title"],
        "signer_name": org["signer_name"],
    }


def create_report(*, by, province=None, **fields) -> Report:
    """A new draft; ``fields`` are Report fields (scope and narrative), defaults filling the rest."""
    _require(roles.can_write_reports(by), "Chỉ chuyên viên Sở Công Thương được lập báo cáo.")
    unknown = set(fields) - set(SCOPE_FIELDS) - set(NARRATIVE_FIELDS) - {"replaces"}
    if unknown:
        raise TypeError(f"unknown report fields: {sorted(unknown)}")
    values = defaults() | {key: value for key, value in fields.items() if value is not None}
    if "kind" not in fields:
        values["kind"] = Report.Kind.ANNUAL if values["year_from"] == values["year_to"] else Report.Kind.PERIOD
    replaces = values.get("replaces")
    if replaces is not None:
        _check_replaceable(replaces)
    with transaction.atomic():
        report = Report(province=province or default_province(values["year_to"]), **values)
        return _save(report, by=by, reason="Lập dự thảo báo cáo" if not replaces else f"Lập báo cáo thay thế {replaces.number}")


def _check_replaceable(old: Report) -> None:
    if not old.is_issued:
        raise ValidationError("Chỉ thay thế được báo cáo đã ban hành; dự thảo thì sửa trực tiếp.")
    existing = Report.objects.filter(replaces=old).first()
    if existing is not None:
        state = "đã ban hành" if existing.is_issued else "đang soạn"
        raise ValidationError(f"Báo cáo số {old.number} đã có báo cáo thay thế ({state}, mã {existing.pk}).")


def create_replacement(*, report: Report, by) -> Report:
    """A draft that replaces the issued ``report``, starting from its scope and narrative."""
    _require(roles.can_write_reports(by), "Chỉ chuyên viên Sở Công Thương được lập báo cáo.")
    _check_replaceable(report)
    copied = {name: getattr(report, name) for name in SCOPE_FIELDS + NARRATIVE_FIELDS}
    return create_report(by=by, province=report.province, replaces=report, **copied)


def update_report(*, report: Report, by, **fields) -> Report:
    """Change a draft's scope or narrative; an issued report is refused and left as it was."""
    _require(roles.can_write_reports(by), "Chỉ chuyên viên Sở Công Thương được sửa báo cáo.")
    unknown = set(fields) - set(SCOPE_FIELDS) - set(NARRATIVE_FIELDS)
    if unknown:
        raise TypeError(f"unknown report fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        _refuse_if_issued(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        _save(locked, by=by, reason="Sửa dự thảo báo cáo")
    for name in fields:
        setattr(report, name, getattr(locked, name))
    return locked


def normalise_number(number: str) -> str:
    """ "125", "125/BC-SCT", " 125 / bc-sct " -> "125/BC-SCT"; anything else is refused."""
    match = _NUMBER.fullmatch("".join((number or "").split()).upper())
    if not match:
        raise ValidationError(f"Số báo cáo phải có dạng số/BC-SCT, ví dụ 125{NUMBER_SUFFIX}; đã nhập: «{number}».")
    return f"{int(match[1])}{NUMBER_SUFFIX}"


def _comparable_number(number: str) -> str:
    """A stored number as issue_report writes it, when it can be read so (one typed in the admin
    as "125" is "125/BC-SCT"); as stored otherwise."""
    try:
        return normalise_number(number)
    except ValidationError:
        return number


def issued_with_number(number: str, *, year: int, exclude_pk: int | None = None) -> Report | None:
    """The issued report dated in ``year`` that already has ``number``, compared as people write
    numbers (khuyencong.core.text.same_name after normalising); None when there is none."""
    issued = Report.objects.filter(status=Report.Status.ISSUED, report_date__year=year).exclude(pk=exclude_pk)
    for other in issued.only("pk", "number", "report_date").order_by("report_date", "pk"):
        if same_name(_comparable_number(other.number), number):
            return other
    return None


def check_issue(*, report: Report, number: str | None, date: datetime.date | None) -> None:
    """Refuse issuing ``report`` as ``number`` on ``date``: a number another issued report of
    that year has, a date after today (debts are taken at it, and tomorrow's are not known), a
    date before the last year of the report began (a report on 2021-2025 dated 2001).
    The ValidationError names the issue form's field of each problem; a part given as None
    (already refused by the form) is not checked."""
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if date is not None and date > today:
        errors["date"] = f"Ngày ban hành không được sau hôm nay ({date_short(today)})."
    elif date is not None and report.year_to and date.year < report.year_to:
        errors["date"] = f"Ngày ban hành không được trước năm {report.year_to}, năm cuối của kỳ báo cáo."
    if number is not None and date is not None:
        other = issued_with_number(number, year=date.year, exclude_pk=report.pk)
        if other is not None:
            errors["number"] = f"Số báo cáo {number} đã dùng cho báo cáo ban hành ngày {date_short(other.report_date)}."
    if errors:
        raise ValidationError(errors)


def _lock_numbering(year: int) -> None:
    """Hold the year's numbering until the issuing transaction ends: a second report issued at
    the same time waits here, then sees the first one's number (check_issue refuses a repeat)."""
    ReportNumbering.objects.get_or_create(year=year)
    ReportNumbering.objects.select_for_update().get(year=year)


def figures_json(figures: ReportFigures) -> dict:
    """The figures as plain data (dates as ISO strings once stored by DjangoJSONEncoder)."""
    return figures_data(figures)


def issue_report(
    *, report: Report, number: str, by, date: datetime.date | None = None, acknowledged: Iterable[str] = ()
) -> Report:
    """Give ``report`` its number (and, if given, its date, which is also the date of the
    debts), compute its figures once and keep them with its HTML, PDF (signed when a
    certificate is configured), Excel annexes, Word file and the package for the Ministry.

    Refused for a user who may not issue reports, for a report already issued, for a number
    another issued report of the same year already has, for a date after today
    (``check_issue``), and while the checks before issuing (reporting.checks) find a blocking
    problem or a warning whose code is not in ``acknowledged``; the warnings acknowledged are
    kept on the report. Everything is written in one transaction, after the files are made:
    a failure leaves the report a draft.
    """
    from reporting.pdf import issued_pdf  # WeasyPrint is heavy; only issuing needs it
    from reporting.word import docx_from_html  # WeasyPrint too (the styles it computes)

    _require(roles.can_issue_reports(by), "Chỉ chuyên viên Sở Công Thương được ban hành báo cáo.")
    number = normalise_number(number)
    with transaction.atomic():
        locked = Report.objects.select_for_update(of=("self",)).select_related("replaces").get(pk=report.pk)
        if locked.is_issued:
            raise ValidationError(f"Báo cáo này đã được ban hành (số {locked.number}); không ban hành lại được.")
        if date is not None:
            locked.report_date = date
        _lock_numbering(locked.report_date.year)
        check_issue(report=locked, number=number, date=locked.report_date)
        if locked.replaces_id:
            replaced = locked.replaces
            if not replaced.is_issued:
                raise ValidationError("Báo cáo được thay thế chưa ban hành.")
            if Report.objects.filter(replaces=replaced, status=Report.Status.ISSUED).exists():
                raise ValidationError(f"Báo cáo số {replaced.number} đã được thay thế bởi một báo cáo khác.")

        figures = compute_figures(
            province=locked.province, year_from=locked.year_from, year_to=locked.year_to, report_date=locked.report_date
        )
        findings = checks.report_checks(locked, figures=figures)
        refused = checks.refusal(findings, acknowledged)
        if refused:
            raise ValidationError(refused)
        locked.number = number
        locked.status = Report.Status.ISSUED
        locked.issued_at = timezone.now()
        locked.issued_by = by
        locked.acknowledged_warnings = checks.acknowledgements(findings, acknowledged, by=by, at=locked.issued_at)
        # Rendered as issued (no draft banner). Its figures link to the records kept below
        # (drill-down pages), not today's. The PDF and the Word file are made from one print HTML.
        html = render_document(figures, locked, links=True)
        print_html = render_document(figures, locked, links=False, pdf=True)
        pdf = issued_pdf(print_html)
        pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        xlsx = annex_workbook(figures, reference=annex_reference(locked))
        docx = docx_from_html(print_html)

        try:
            with transaction.atomic():
                _save(locked, by=by, reason=f"Ban hành báo cáo số {number}")
        except IntegrityError:  # the unique constraint, should the lock ever be bypassed
            raise ValidationError(f"Số báo cáo {number} đã dùng cho một báo cáo ban hành cùng năm.") from None
        ReportSnapshot.objects.create(
            report=locked,
            # --- drill-down: each figure's records and amounts as at issue (reporting/drilldown.py)
            figures=figures_json(figures) | {SNAPSHOT_KEY: drilldown_rows(figures)},
            html=html,
            pdf=pdf,
            xlsx=xlsx,
            docx=docx,
            pdf_sha256=pdf_sha256,
            signed=signing.configured(),
            package=build_package(report=locked, figures=figures, pdf_sha256=pdf_sha256, signed=signing.configured()),
        )
    return locked


def annex_reference(report: Report) -> str:
    """The annexes' "(Kèm theo Báo cáo số … ngày …)" line of an issued report."""
    org = settings.ORGANISATION
    return reference_line(
        report.number, report.report_date, org["issuing_body"], report.place or org["place_name"], draft=False
    )


def issue_report_job(job, progress: Progress) -> tuple[bool, dict]:
    """Issuing as a background job (khuyencong.core.jobs): the PDF takes seconds to render. Runs
    as the user who asked, with the same checks as issue_report."""
    report = Report.objects.get(pk=job.params["report"])
    date = datetime.date.fromisoformat(job.params["date"]) if job.params.get("date") else None
    progress("Đang kiểm tra dữ liệu, tính số liệu, dựng văn bản, tệp PDF, Word và phụ lục Excel", 0, 0)
    issued = issue_report(
        report=report, number=job.params["number"], date=date, by=job.user, acknowledged=job.params.get("acknowledged", ())
    )
    return True, {
        "report_url": reverse("reporting:report-detail", args=[issued.pk]),
        "message": f"Đã ban hành báo cáo số {issued.number}. Số liệu và các tệp đã được lưu cố định.",
    }
