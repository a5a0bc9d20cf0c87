"""The checks before a report is issued: what in the records behind it, or in its text, would
make the document the Department signs wrong or unexplained.

Each check gives at most one ``Finding``: a stable code, a severity, a Vietnamese message and
links to the records concerned. A blocking finding refuses issuing until the records (or the
text) are put right; a warning is acknowledged by its code by whoever issues, and the
acknowledgement is kept on the report (``Report.acknowledged_warnings``, in its history).
``reporting.services.issue_report`` runs them inside the issuing transaction, so the screen,
the job and the ``issue_report`` command obey the same rules; ``check_report`` prints them.

The rules themselves are the models' and the loans module's (``Project.paid_over_budget``,
``Project.is_payable``, ``Project.budget``, ``funding.loans.unpursued``); this module only
asks them about the report's period.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone

from funding.loans import PURSUE_AFTER_DAYS, unpursued
from funding.models import LoanContract
from khuyencong.core.formatting import date_short
from projects.models import Facility, Project
from projects.provinces import report_provinces
from reporting.figures import ReportFigures, compute_figures, figures_data
from reporting.models import Report, ReportSnapshot

BLOCKING = "blocking"
WARNING = "warning"
SEVERITY_LABELS = {BLOCKING: "Phải sửa trước khi ban hành", WARNING: "Cảnh báo, cần xác nhận"}

# The codes, by which a warning is acknowledged: stable, whatever the wording of the messages.
DONE_UNPAID = "de-an-hoan-thanh-chua-giai-ngan"
PAID_OVER_BUDGET = "giai-ngan-vuot-kinh-phi"
NO_DECISION = "de-an-chua-co-quyet-dinh"
OVERDUE_UNPURSUED = "hop-dong-qua-han-chua-xu-ly"
FACILITY_NO_UNIT = "co-so-chua-co-xa"
UNFINISHED_SECTION = "phan-chua-nhap"
CHANGED_SINCE_ISSUED = "so-lieu-thay-doi-sau-ban-hanh"
# The codes a warning may have, i.e. that may be acknowledged.
WARNING_CODES = (OVERDUE_UNPURSUED, FACILITY_NO_UNIT, CHANGED_SINCE_ISSUED)

# An unfinished section of the document: the template marks it with class "placeholder" (and,
# once the structured document names them, data-section="<slug>").
_PLACEHOLDER = re.compile(r"<(\w+)\b[^>]*\bclass=\"[^\"]*\bplaceholder\b[^\"]*\"[^>]*>(.*?)</\1>", re.S)
_TAG = re.compile(r"<[^>]+>")
_UNWRITTEN = re.compile(r"^chưa nhập (nội dung )?", re.IGNORECASE)  # "(Chưa nhập nội dung nguyên nhân.)"


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    links: tuple[Link, ...] = ()

    @property
    def is_blocking(self) -> bool:
        return self.severity == BLOCKING

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]


def _project_link(project: Project) -> Link:
    return Link(f"{project.code} ({project.plan.year})", reverse("projects:project-detail", args=[project.pk]))


def _project_findings(province, year_from: int, year_to: int) -> list[Finding]:
    """The đề án of the period (those in a plan: not only proposed), read once."""
    projects = list(
        Project.objects.filter(plan__program__province__in=report_provinces(province, year_from, year_to))
        .in_years(year_from, year_to)
        .exclude(status=Project.Status.PROPOSED)
        .with_executed()
        .select_related("plan")
        .order_by("plan__year", "code", "pk")
    )
    unpaid = [p for p in projects if p.status == Project.Status.COMPLETED and not p.executed and p.budget > 0]
    over = [p for p in projects if p.paid_over_budget(p.executed)]
    undecided = [p for p in projects if p.is_payable and not p.plan.decision_number.strip()]
    findings = []
    if unpaid:
        findings.append(
            Finding(
                DONE_UNPAID,
                BLOCKING,
                f"{len(unpaid)} đề án đã hoàn thành nhưng chưa có khoản giải ngân nào, dù có kinh phí: báo cáo sẽ "
                "tính chúng là hoàn thành với 0 đồng. Hãy nhập giải ngân hoặc sửa trạng thái.",
                tuple(_project_link(p) for p in unpaid),
            )
        )
    if over:
        findings.append(
            Finding(
                PAID_OVER_BUDGET,
                BLOCKING,
                f"{len(over)} đề án đã giải ngân vượt kinh phí được duyệt. Hãy kiểm tra lại giải ngân hoặc kinh phí.",
                tuple(_project_link(p) for p in over),
            )
        )
    if undecided:
        plans = {p.plan_id: p.plan for p in undecided}
        findings.append(
            Finding(
                NO_DECISION,
                BLOCKING,
                f"{len(undecided)} đề án đã duyệt (hoặc đang thực hiện, hoàn thành) thuộc kế hoạch chưa ghi số quyết định "
                "phê duyệt. Hãy nhập số quyết định của kế hoạch năm.",
                tuple(
                    Link(f"Kế hoạch {plan.year}", reverse("projects:plan-detail", args=[plan.pk]))
                    for plan in sorted(plans.values(), key=lambda plan: (plan.year, plan.pk))
                ),
            )
        )
    return findings


def _contract_finding(figures: ReportFigures) -> list[Finding]:
    late = [line for line in figures.contracts if line.days_past_due > PURSUE_AFTER_DAYS]
    notes = dict(LoanContract.objects.filter(pk__in=[line.id for line in late]).values_list("pk", "collection_note"))
    unpursued_lines = [
        line
        for line in late
        if unpursued(
            days_past_due=line.days_past_due, sued=line.sued, written_off=line.written_off, collection_note=notes.get(line.id, "")
        )
    ]
    if not unpursued_lines:
        return []
    return [
        Finding(
            OVERDUE_UNPURSUED,
            WARNING,
            f"{len(unpursued_lines)} hợp đồng quá hạn trên {PURSUE_AFTER_DAYS} ngày tại ngày "
            f"{date_short(figures.report_date)} mà chưa khởi kiện, chưa ghi biện pháp xử lý nợ: báo cáo cần nêu "
            "biện pháp xử lý (ghi ở trang hợp đồng).",
            tuple(
                Link(
                    f"HĐ {line.number} — {line.facility} ({line.days_past_due} ngày)",
                    reverse("funding:contract-detail", args=[line.id]),
                )
                for line in unpursued_lines
            ),
        )
    ]


def _facility_finding(province, year_from: int, year_to: int) -> list[Finding]:
    """Beneficiaries of the period's đề án with no administrative unit: the annex cannot name
    their commune."""
    facilities = (
        Facility.objects.filter(
            administrative_unit__isnull=True,
            projects__in=Project.objects.filter(plan__program__province__in=report_provinces(province, year_from, year_to))
            .in_years(year_from, year_to)
            .exclude(status=Project.Status.PROPOSED),
        )
        .distinct()
        .order_by("name", "pk")
        .only("pk", "name")
    )
    facilities = list(facilities)
    if not facilities:
        return []
    return [
        Finding(
            FACILITY_NO_UNIT,
            WARNING,
            f"{len(facilities)} cơ sở thụ hưởng chưa có xã (đơn vị hành chính): phụ lục không ghi được địa bàn.",
            tuple(Link(facility.name, reverse("projects:facility-detail", args=[facility.pk])) for facility in facilities),
        )
    ]


def unfinished_sections(html: str) -> list[str]:
    """The unfinished sections of a rendered document: each element marked "placeholder", by
    its text (the section it stands for)."""
    texts = (" ".join(_TAG.sub("", inner).split()).strip("()").rstrip(".") for _, inner in _PLACEHOLDER.findall(html))
    return [_UNWRITTEN.sub("", text) or text for text in texts]


def _section_finding(report: Report, html: str) -> list[Finding]:
    sections = unfinished_sections(html)
    if not sections:
        return []
    return [
        Finding(
            UNFINISHED_SECTION,
            BLOCKING,
            f"Văn bản còn {len(sections)} phần chưa nhập nội dung: " + "; ".join(sections) + ".",
            (Link("Sửa dự thảo", reverse("reporting:report-edit", args=[report.pk])),),
        )
    ]


def _plain(value) -> object:
    """Figures as JSON stores them (tuples as lists, dates as strings), for comparison."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _differs(kept: dict | None, now: dict | None) -> bool:
    """Whether a kept row and today's differ, on what the kept one holds (a field added to the
    figures since it was issued is not a change)."""
    if kept is None or now is None:
        return kept is not now
    return any(now.get(key) != value for key, value in kept.items())


def _changed_finding(figures: ReportFigures, *, exclude_pk: int | None) -> list[Finding]:
    """Issued reports (not replaced by another issued one) covering years of this period, whose
    kept figures for those years differ from today's: the per-year figures (F25–F29) and the
    đề án lines of those years."""
    issued = (
        Report.objects.filter(
            status=Report.Status.ISSUED,
            province_id=figures.province_id,
            year_from__lte=figures.year_to,
            year_to__gte=figures.year_from,
        )
        .exclude(pk=exclude_pk)
        .exclude(replaced_by__status=Report.Status.ISSUED)
    )
    snapshots = (
        ReportSnapshot.objects.filter(report__in=issued)
        .select_related("report")
        .only("figures", "report__year_from", "report__year_to", "report__number", "report__report_date")
        .order_by("report__report_date", "report__pk")
    )
    current = _plain(figures_data(figures))
    current_years = {entry["year"]: entry for entry in current["years"]}
    current_lines = {line["id"]: line for line in current["project_lines"]}
    changes: list[str] = []
    changed_projects: dict[int, str] = {}
    for snapshot in snapshots:
        report, kept = snapshot.report, snapshot.figures or {}
        years = sorted(set(range(report.year_from, report.year_to + 1)) & set(current_years))
        kept_years = {entry["year"]: entry for entry in kept.get("years", [])}
        kept_lines = {line["id"]: line for line in kept.get("project_lines", []) if line["year"] in years}
        # A snapshot kept before the đề án lines were (or without a year) says nothing of them.
        now_lines = {pk: line for pk, line in current_lines.items() if line["year"] in years and "project_lines" in kept}
        changed_years = [year for year in years if year in kept_years and _differs(kept_years[year], current_years[year])]
        moved = {pk for pk in kept_lines.keys() | now_lines.keys() if _differs(kept_lines.get(pk), now_lines.get(pk))}
        if not changed_years and not moved:
            continue
        changed_years = sorted(set(changed_years) | {(kept_lines.get(pk) or now_lines[pk])["year"] for pk in moved})
        changes.append(
            f"năm {', '.join(map(str, changed_years))} so với báo cáo số {report.number} ngày {date_short(report.report_date)}"
        )
        for pk in moved:
            line = now_lines.get(pk) or kept_lines[pk]
            changed_projects[pk] = f"{line['code']} ({line['year']})"
    if not changes:
        return []
    existing = set(Project.objects.filter(pk__in=changed_projects).values_list("pk", flat=True))
    links = tuple(
        Link(label, reverse("projects:project-detail", args=[pk]))
        for pk, label in sorted(changed_projects.items(), key=lambda item: item[1])
        if pk in existing
    )
    return [
        Finding(
            CHANGED_SINCE_ISSUED,
            WARNING,
            "Số liệu đã thay đổi sau khi ban hành: " + "; ".join(changes) + ". Văn bản cần giải thích phần đính chính.",
            links,
        )
    ]


def run_checks(
    *,
    province,
    year_from: int,
    year_to: int,
    report_date: datetime.date,
    report: Report | None = None,
    figures: ReportFigures | None = None,
    html: str | None = None,
) -> list[Finding]:
    """Every finding about the report of ``province`` over ``year_from``..``year_to`` at
    ``report_date``: the blocking ones first. ``report`` (a draft) adds the check of its text,
    on ``html`` if given (the document rendered from it), else rendered here; ``figures``, if
    given, are those computed for the same scope."""
    if figures is None:
        figures = compute_figures(province=province, year_from=year_from, year_to=year_to, report_date=report_date)
    findings = [
        *_project_findings(province, year_from, year_to),
        *_contract_finding(figures),
        *_facility_finding(province, year_from, year_to),
    ]
    if report is not None:
        if html is None:
            from reporting.document import render_document

            html = render_document(figures, report, links=False)
        findings += _section_finding(report, html)
    findings += _changed_finding(figures, exclude_pk=report.pk if report is not None else None)
    return sorted(findings, key=lambda finding: finding.severity != BLOCKING)


def report_checks(
    report: Report, *, report_date: datetime.date | None = None, figures: ReportFigures | None = None
) -> list[Finding]:
    """The findings about a draft ``report`` (at ``report_date``, its own date by default)."""
    return run_checks(
        province=report.province,
        year_from=report.year_from,
        year_to=report.year_to,
        report_date=report_date or report.report_date,
        report=report,
        figures=figures,
    )


def refusal(findings: Iterable[Finding], acknowledged: Iterable[str]) -> list[str]:
    """Why issuing is refused with these findings and these acknowledged warning codes (one
    message for what must be fixed, one for what is not acknowledged); empty when it is not."""
    findings = list(findings)
    acknowledged = set(acknowledged)
    blocking = [f for f in findings if f.is_blocking]
    pending = [f for f in findings if not f.is_blocking and f.code not in acknowledged]
    parts = []
    if blocking:
        parts.append("Chưa ban hành được, còn lỗi phải sửa: " + " ".join(f.message for f in blocking))
    if pending:
        parts.append("Còn cảnh báo chưa xác nhận: " + " ".join(f.message for f in pending))
    return parts


def acknowledgements(findings: Iterable[Finding], acknowledged: Iterable[str], *, by, at: datetime.datetime) -> list[dict]:
    """What is kept on the report of the warnings acknowledged when it was issued."""
    acknowledged = set(acknowledged)
    username = getattr(by, "get_username", lambda: str(by))()
    return [
        {"code": f.code, "message": f.message, "by": username, "at": timezone.localtime(at).isoformat(timespec="seconds")}
        for f in findings
        if not f.is_blocking and f.code in acknowledged
    ]
