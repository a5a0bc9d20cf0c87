"""Workflows on đề án that the screens and the import share.

A đề án's life (projects/decisions.py): registered → appraised → approved (a decision of the
Department with its number, date and approved budget) → under way → accepted (nghiệm thu) →
settled (quyết toán) → completed; adjusted or stopped by a decision after approval. Each step is
taken by ``take_step``, the one function that decides whether it may be taken (``step_refusal``)
and records it; the few moves that are no decision (withdrawing a proposal, restoring one,
reopening a completed đề án) by ``change_status``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from khuyencong.core import roles
from khuyencong.core.formatting import money_exact
from projects.decisions import AcceptanceResult, DecisionKind, ProjectDecision
from projects.models import Project

Status = Project.Status
Kind = DecisionKind

# ——— Moves that are no decision ————————————————————————————————————————————————————————
# Approving, starting, completing and stopping are steps (take_step): they need their paper.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.PROPOSED: (Status.CANCELLED,),
    Status.APPROVED: (Status.PROPOSED, Status.CANCELLED),
    Status.IN_PROGRESS: (),
    Status.COMPLETED: (Status.IN_PROGRESS,),
    Status.CANCELLED: (Status.PROPOSED,),
    Status.NOT_CARRIED_OUT: (Status.PROPOSED,),
}
NEEDS_REASON = {Status.CANCELLED, Status.NOT_CARRIED_OUT}

# The words on each button: the action, not the state it leads to.
ACTION_LABELS = {
    (Status.PROPOSED, Status.CANCELLED): "Hủy đề xuất",
    (Status.APPROVED, Status.PROPOSED): "Trả về đề xuất",
    (Status.APPROVED, Status.CANCELLED): "Hủy đề án",
    (Status.COMPLETED, Status.IN_PROGRESS): "Mở lại (đang thực hiện)",
    (Status.CANCELLED, Status.PROPOSED): "Khôi phục thành đề xuất",
    (Status.NOT_CARRIED_OUT, Status.PROPOSED): "Khôi phục thành đề xuất",
}


def allowed_transitions(user, project: Project) -> list[tuple[str, str]]:
    """(new status, button label) for each plain move this user may make on this đề án."""
    return [
        (new, ACTION_LABELS[(project.status, new)])
        for new in TRANSITIONS.get(project.status, ())
        if roles.can_change_project_status(user, project.status, new)
    ]


@transaction.atomic
def change_status(*, project: Project, status: str, reason: str = "", by) -> Project:
    """Move ``project`` to ``status`` by a move that is no decision; the history row records
    who, when, and the reason. Approving, starting, completing and stopping are take_step's."""
    if status not in TRANSITIONS.get(project.status, ()):
        step = _STEP_FOR_STATUS.get((project.status, status))
        hint = f" Dùng bước “{STEPS[step].label}”, có số và ngày văn bản." if step else ""
        raise ValidationError(
            f"Không thể chuyển đề án từ “{project.get_status_display()}” sang “{Status(status).label}”.{hint}"
        )
    if not roles.can_change_project_status(by, project.status, status):
        raise PermissionDenied
    reason = reason.strip()
    if status in NEEDS_REASON and not reason:
        raise ValidationError("Cần ghi lý do khi hủy hoặc không thực hiện đề án.")
    project.status = status
    if status in NEEDS_REASON:
        project.status_reason = reason
    _save(project, by=by, reason=reason or f"Chuyển trạng thái: {Status(status).label}")
    return project


# ——— Steps ————————————————————————————————————————————————————————————————————————————


@dataclass(frozen=True)
class Step:
    kind: str
    slug: str  # the step's address on the đề án's page
    label: str  # the button
    department: bool  # the Department's decision (roles.can_decide_project); else the Centre's record
    confirm: bool  # asks for a second look at the amounts before it is taken


STEPS: dict[str, Step] = {
    s.kind: s
    for s in (
        Step(Kind.APPRAISAL, "tham-dinh", "Ghi kết quả thẩm định", False, False),
        Step(Kind.APPROVAL, "phe-duyet", "Phê duyệt đề án", True, True),
        Step(Kind.START, "bat-dau", "Bắt đầu thực hiện", False, False),
        Step(Kind.ACCEPTANCE, "nghiem-thu", "Ghi nghiệm thu", False, False),
        Step(Kind.SETTLEMENT, "quyet-toan", "Ghi quyết toán", False, False),
        Step(Kind.COMPLETION, "hoan-thanh", "Đánh dấu hoàn thành", False, False),
        Step(Kind.ADJUSTMENT, "dieu-chinh", "Quyết định điều chỉnh", True, True),
        Step(Kind.STOP, "dung", "Quyết định dừng thực hiện", True, True),
    )
}
STEP_BY_SLUG = {s.slug: s for s in STEPS.values()}
_STEP_FOR_STATUS = {
    (Status.PROPOSED, Status.APPROVED): Kind.APPROVAL,
    (Status.APPROVED, Status.IN_PROGRESS): Kind.START,
    (Status.IN_PROGRESS, Status.COMPLETED): Kind.COMPLETION,
    (Status.APPROVED, Status.NOT_CARRIED_OUT): Kind.STOP,
    (Status.IN_PROGRESS, Status.NOT_CARRIED_OUT): Kind.STOP,
}


def may_take(user, step: Step) -> bool:
    return roles.can_decide_project(user) if step.department else roles.can_record_project_progress(user)


def _paid(project: Project) -> int:
    return project.disbursements.aggregate(total=Coalesce(Sum("amount"), 0))["total"]


def _has(project: Project, kind: str) -> bool:
    return project.decisions.filter(kind=kind).exists()


def state_refusal(project: Project, kind: str) -> str:
    """Why step ``kind`` cannot be taken from where the đề án stands (empty when it can)."""
    status = project.status
    where = f"Đề án đang ở trạng thái “{project.get_status_display()}”"
    if kind in (Kind.APPRAISAL, Kind.APPROVAL):
        return "" if status == Status.PROPOSED else f"{where}: chỉ thẩm định, phê duyệt đề án đang đề xuất."
    if kind == Kind.START:
        return "" if status == Status.APPROVED else f"{where}: chỉ bắt đầu thực hiện đề án đã được phê duyệt."
    if kind in (Kind.ADJUSTMENT, Kind.STOP):
        if status in (Status.APPROVED, Status.IN_PROGRESS):
            return ""
        return f"{where}: chỉ điều chỉnh hoặc dừng đề án đã phê duyệt, chưa hoàn thành."
    if status != Status.IN_PROGRESS:
        return f"{where}: nghiệm thu, quyết toán và hoàn thành chỉ ghi cho đề án đang thực hiện."
    if kind == Kind.ACCEPTANCE:
        return "" if project.acceptance_date is None else (
            f"Đề án đã nghiệm thu ngày {project.acceptance_date:%d/%m/%Y}."
        )
    if kind == Kind.SETTLEMENT:
        if project.acceptance_date is None:
            return "Đề án chưa nghiệm thu đạt: chỉ quyết toán sau khi nghiệm thu."
        return "" if project.settlement_date is None else f"Đề án đã quyết toán ngày {project.settlement_date:%d/%m/%Y}."
    if kind == Kind.COMPLETION:
        project.status = Status.COMPLETED
        try:
            refusal = project.lifecycle_refusal()
        finally:
            project.status = status
        return refusal[1] if refusal else ""
    return ""


def available_steps(user, project: Project) -> list[Step]:
    """The steps this user may take on this đề án now (the buttons of its page)."""
    return [s for s in STEPS.values() if may_take(user, s) and not state_refusal(project, s.kind)]


def _refuse(field: str | None, message: str) -> ValidationError:
    return ValidationError({field: message}) if field else ValidationError(message)


def _dated(day: datetime.date | None, what: str, field: str = "date") -> datetime.date:
    if day is None:
        raise _refuse(field, f"Cần ghi {what}.")
    today = timezone.localdate()
    if day > today:
        raise _refuse(field, f"{what.capitalize()} {day:%d/%m/%Y} chưa đến (hôm nay là {today:%d/%m/%Y}).")
    return day


def _numbered(number: str, what: str) -> str:
    number = (number or "").strip()
    if not number:
        raise _refuse("number", f"Cần ghi {what}.")
    return number


def _money(amount, what: str, field: str = "amount") -> int:
    if amount is None:
        raise _refuse(field, f"Cần ghi {what}.")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise _refuse(field, f"{what.capitalize()} phải là số đồng nguyên, không âm.")
    return amount


def _check(project: Project) -> None:
    """The model's rules on the đề án as the step leaves it: approved budget, budget above what
    was paid, the dates of acceptance and settlement, completion (Project.clean's rules)."""
    refusal = project.approved_budget_refusal()
    if refusal:
        raise _refuse("amount", refusal)
    refusal = project.budget_below_paid_refusal(_paid(project))
    if refusal:
        raise _refuse("amount", refusal)
    lifecycle = project.lifecycle_refusal()
    if lifecycle:
        field = {"acceptance_date": "date", "settlement_date": "date"}.get(lifecycle[0])
        raise _refuse(field, lifecycle[1])


def _save(project: Project, *, by, reason: str) -> None:
    project._history_user = by
    project._change_reason = reason[:100]
    project.save()


@dataclass
class _Paper:
    """What the step's form said (take_step's arguments)."""

    number: str
    date: datetime.date | None
    amount: int | None
    end_date: datetime.date | None
    result: str
    note: str


def _appraise(project: Project, decision: ProjectDecision, paper: _Paper, warnings: list[str]) -> str:
    decision.date = _dated(paper.date, "ngày thẩm định")
    decision.number = paper.number
    return "Ghi kết quả thẩm định"


def _approve(project: Project, decision: ProjectDecision, paper: _Paper, warnings: list[str]) -> str:
    decision.number = _numbered(paper.number, "số quyết định phê duyệt")
    decision.date = _dated(paper.date, "ngày quyết định")
    decision.amount = project.approved_budget = _money(paper.amount, "kinh phí được duyệt")
    project.status = Status.APPROVED
    if decision.amount > project.planned_budget:
        warnings.append(
            f"Kinh phí được duyệt {money_exact(decision.amount)} cao hơn kinh phí kế hoạch "
            f"{money_exact(project.planned_budget)}."
        )
    return f"Phê duyệt: QĐ {decision.number}"


def _start(project: Project, decision: ProjectDecision, paper: _Paper, warnings: list[str]) -> str:
    decision.date = _dated(paper.date, "ngày bắt đầu thực hiện")
    if project.end_date is not None and decision.date > project.end_date:
        raise _refuse("date", f"Ngày bắt đầu sau ngày kết thúc của đề án ({project.end_date:%d/%m/%Y}).")
    project.start_date = decision.date
    project.status = Status.IN_PROGRESS
    return "Bắt đầu thực hiện"


def _accept(project: Project, decision: ProjectDecision, paper: _Paper, warnings: list[str]) -> str:
    decision.number = _numbered(paper.number, "số biên bản nghiệm thu")
    day = _dated(paper.date, "ngày nghiệm thu")
    if paper.result not in AcceptanceResult.values:
        raise _refuse("result", "Cần chọn kết quả nghiệm thu: đạt hoặc không đạt.")
    decision.result = paper.result
    if paper.result == AcceptanceResult.PASSED:
        project.acceptance_date = day  # the date's one place; the row shows it
    else:
        decision.date = day
        if project.start_date is not None and day < project.start_date:
            raise _refuse(
                "date", f"Ngày nghiệm thu {day:%d/%m/%Y} trước ngày bắt đầu đề án {project.start_date:%d/%m/%Y}."
            )
    return f"Nghiệm thu ({decision.get_result_display().lower()}): biên bản {decision.number}"


def _settle(project: Project, decision: ProjectDecision, paper: _Paper, warnings: list[str]) -> str:
    decision.number = paper.number
    project.settlement_date = _dated(paper.date, "ngày quyết toán")
    decision.amount = _money(paper.amount, "số tiền quyết toán")
    if decision.amount > project.budget:
        raise _refuse(
            "amount",
            f"Số tiền quyết toán {money_exact(decision.amount)} vượt kinh phí được duyệt {money_exact(project.budget)}.",
        )
    paid = _paid(project)
    if decision.amount != paid:
        warnings.append(
            f"Số tiền quyết toán {money_exact(decision.amount)} khác số đã giải ngân {money_exact(paid)}: "
            "hãy đối chiếu chứng từ (thu hồi tạm ứng thừa hoặc thanh toán phần còn lại)."
        )
    return "Quyết toán"


def _complete(project: Project, decision: ProjectDecision, paper: _Paper, warnings: list[str]) -> str:
    project.status = Status.COMPLETED
    return "Hoàn thành (đã nghiệm thu, quyết toán)"


def _settled_amount(project: Project) -> int | None:
    """The amount of the đề án's settlement (None before it): a later budget may not go under it."""
    if project.settlement_date is None:
        return None
    return project.decisions.filter(kind=Kind.SETTLEMENT).order_by("-pk").values_list("amount", flat=True).first()


def _adjust(project: Project, decision: ProjectDecision, paper: _Paper, warnings: list[str]) -> str:
    decision.number = _numbered(paper.number, "số quyết định điều chỉnh")
    decision.date = _dated(paper.date, "ngày quyết định")
    if paper.amount is None and paper.end_date is None:
        raise _refuse(None, "Quyết định điều chỉnh cần ghi kinh phí được duyệt mới hoặc ngày kết thúc mới.")
    if paper.amount is not None:
        decision.amount = project.approved_budget = _money(paper.amount, "kinh phí được duyệt mới")
        settled = _settled_amount(project)
        if settled is not None and decision.amount < settled:
            raise _refuse(
                "amount",
                f"Kinh phí được duyệt mới {money_exact(decision.amount)} thấp hơn số tiền đã quyết toán "
                f"{money_exact(settled)}.",
            )
    if paper.end_date is not None:
        if project.start_date is not None and paper.end_date < project.start_date:
            raise _refuse("end_date", f"Ngày kết thúc mới trước ngày bắt đầu ({project.start_date:%d/%m/%Y}).")
        decision.end_date = project.end_date = paper.end_date
    return f"Điều chỉnh: QĐ {decision.number}"


def _stop(project: Project, decision: ProjectDecision, paper: _Paper, warnings: list[str]) -> str:
    decision.number = _numbered(paper.number, "số quyết định dừng thực hiện")
    decision.date = _dated(paper.date, "ngày quyết định")
    if not paper.note:
        raise _refuse("note", "Cần ghi lý do dừng thực hiện đề án.")
    project.status = Status.NOT_CARRIED_OUT
    project.status_reason = paper.note
    return f"Dừng thực hiện: QĐ {decision.number}"


# What each step asks of its paper and does to the đề án; returns the history's reason.
_TAKE = {
    Kind.APPRAISAL: _appraise,
    Kind.APPROVAL: _approve,
    Kind.START: _start,
    Kind.ACCEPTANCE: _accept,
    Kind.SETTLEMENT: _settle,
    Kind.COMPLETION: _complete,
    Kind.ADJUSTMENT: _adjust,
    Kind.STOP: _stop,
}


@transaction.atomic
def take_step(
    *,
    project: Project,
    kind: str,
    by,
    number: str = "",
    date: datetime.date | None = None,
    amount: int | None = None,
    end_date: datetime.date | None = None,
    result: str = "",
    note: str = "",
) -> tuple[ProjectDecision, list[str]]:
    """Take step ``kind`` of the đề án's life: THE rule of who may, from where, with which paper;
    the đề án moved, the step recorded with who and when. Returns the step and its warnings
    (said, not refused: a settlement that differs from what was paid). Refusals are
    ValidationErrors keyed by the step form's fields; nothing is written then.

    - appraisal (the Centre): date and, optionally, the appraisal's number and note;
    - approval (the Department): decision number, date, the approved budget entered (> 0
      unless the planned budget is 0; not below what was paid); the đề án becomes approved;
    - start (the Centre): the day work began (the đề án's start date); in progress;
    - acceptance (the Centre): minutes' number, date (the đề án's acceptance date, after its
      start and not in the future), result: a failed acceptance is recorded but does not
      accept;
    - settlement (the Centre): amount (0 … budget, whole đồng) and date (the settlement date);
    - completion (the Centre): accepted and settled; completed;
    - adjustment (the Department): decision number, date, a new approved budget and/or end
      date;
    - stop (the Department): decision number, date, reason; not carried out.
    """
    step = STEPS.get(kind)
    if step is None:
        raise ValidationError("Bước không hợp lệ.")
    if not may_take(by, step):
        raise PermissionDenied
    project = Project.objects.select_for_update().get(pk=project.pk)
    refusal = state_refusal(project, kind)
    if refusal:
        raise ValidationError(refusal)
    paper = _Paper((number or "").strip(), date, amount, end_date, result or "", (note or "").strip())
    warnings: list[str] = []
    decision = ProjectDecision(project=project, kind=kind, recorded_by=by, note=paper.note)
    reason = _TAKE[kind](project, decision, paper, warnings)
    _check(project)
    _save(project, by=by, reason=reason)
    decision.project = project
    decision._history_user = by
    decision.full_clean()
    decision.save()
    return decision, warnings


# ——— Where a đề án stands ————————————————————————————————————————————————————————————


def stage_label(project: Project, *, appraised: bool | None = None, today: datetime.date | None = None) -> str:
    """The stage in the staff's words: the status, refined by the steps recorded."""
    today = today or timezone.localdate()
    if project.status == Status.PROPOSED:
        if appraised is None:
            appraised = _has(project, Kind.APPRAISAL)
        return "Đã thẩm định, chờ phê duyệt" if appraised else "Đã đăng ký, chờ thẩm định"
    if project.status == Status.IN_PROGRESS:
        if project.settlement_date:
            return "Đã quyết toán, chờ hoàn thành"
        if project.acceptance_date:
            return "Đã nghiệm thu, chờ quyết toán"
        if project.end_date and project.end_date < today:
            return "Quá ngày kết thúc, chờ nghiệm thu"
        return "Đang thực hiện"
    return project.get_status_display()


@dataclass(frozen=True)
class Queue:
    """A list of đề án waiting for a step: the dashboard shows its count and first rows."""

    key: str  # the đề án list's filter value (?cho=…)
    title: str
    step: str  # the step each row waits for


QUEUES = {
    q.key: q
    for q in (
        Queue("phe-duyet", "Đề án chờ duyệt", Kind.APPROVAL),
        Queue("nghiem-thu", "Chờ nghiệm thu", Kind.ACCEPTANCE),
        Queue("quyet-toan", "Chờ quyết toán, hoàn thành", Kind.SETTLEMENT),
    )
}


def queue(key: str, queryset: QuerySet | None = None, today: datetime.date | None = None) -> QuerySet:
    """The đề án of queue ``key``, in the order they should be taken:

    - phe-duyet: proposed đề án, the appraised ones first, then by year and code;
    - nghiem-thu: under way, not accepted, past their end date;
    - quyet-toan: accepted, not yet completed (settled or not).
    """
    queryset = Project.objects.all() if queryset is None else queryset
    today = today or timezone.localdate()
    if key == "phe-duyet":
        appraised = ProjectDecision.objects.filter(project=OuterRef("pk"), kind=Kind.APPRAISAL)
        return queryset.filter(status=Status.PROPOSED).annotate(appraised=Exists(appraised)).order_by(
            "-appraised", "plan__year", "code"
        )
    if key == "nghiem-thu":
        return queryset.filter(status=Status.IN_PROGRESS, acceptance_date__isnull=True, end_date__lt=today).order_by(
            "end_date", "code"
        )
    if key == "quyet-toan":
        return queryset.filter(Q(status=Status.IN_PROGRESS), acceptance_date__isnull=False).order_by(
            "acceptance_date", "code"
        )
    raise KeyError(key)


# ——— The timeline of a đề án's page ————————————————————————————————————————————————————


@dataclass(frozen=True)
class TimelineEntry:
    label: str
    day: datetime.date | None
    detail: str
    who: str  # "" for what was recorded before the steps were (imported, older data)
    when: datetime.datetime | None


def _who(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def _detail(decision: ProjectDecision) -> str:
    parts = []
    if decision.number:
        word = {Kind.ACCEPTANCE: "Biên bản", Kind.APPRAISAL: "Số"}.get(decision.kind, "QĐ")
        parts.append(f"{word} {decision.number}")
    if decision.result:
        parts.append(f"kết quả: {decision.get_result_display().lower()}")
    if decision.amount is not None:
        parts.append(
            {Kind.SETTLEMENT: "số tiền quyết toán", Kind.ADJUSTMENT: "kinh phí được duyệt mới"}.get(
                decision.kind, "kinh phí được duyệt"
            )
            + f" {money_exact(decision.amount)}"
        )
    if decision.end_date:
        parts.append(f"ngày kết thúc mới {decision.end_date:%d/%m/%Y}")
    if decision.note:
        parts.append(decision.note)
    return "; ".join(parts)


def timeline(project: Project) -> list[TimelineEntry]:
    """The đề án's steps as recorded, in order, with who recorded each and when; the dates the
    đề án carries from before (imported, older data) without their step are shown as such."""
    decisions = list(project.decisions.select_related("recorded_by").order_by("recorded_at", "pk"))
    for decision in decisions:
        decision.project = project
    entries = [
        TimelineEntry(d.get_kind_display(), d.day, _detail(d), _who(d.recorded_by), d.recorded_at) for d in decisions
    ]
    kinds = {d.kind for d in decisions}
    older = "ghi nhận trước khi có các bước (nhập bảng tính hoặc dữ liệu cũ)"
    if project.status != Status.PROPOSED and Kind.APPROVAL not in kinds and project.status not in NEEDS_REASON:
        entries.insert(0, TimelineEntry("Phê duyệt", None, f"chưa ghi số, ngày quyết định; {older}", "", None))
    for kind, day, label in (
        (Kind.START, project.start_date, "Bắt đầu thực hiện"),
        (Kind.ACCEPTANCE, project.acceptance_date, "Nghiệm thu"),
        (Kind.SETTLEMENT, project.settlement_date, "Quyết toán"),
    ):
        if day and kind not in kinds:
            entries.append(TimelineEntry(label, day, older, "", None))
    if project.status == Status.COMPLETED and Kind.COMPLETION not in kinds:
        entries.append(TimelineEntry("Hoàn thành", None, older, "", None))
    return entries


def advances_outstanding(project: Project) -> int:
    """Advances (tạm ứng) paid and not yet settled: all of them until the đề án's quyết toán
    is recorded, none after (the settlement clears them)."""
    if project.settlement_date is not None:
        return 0
    return project.disbursements.filter(kind="advance").aggregate(total=Coalesce(Sum("amount"), 0))["total"]


@dataclass(frozen=True)
class QueueView:
    queue: Queue
    count: int
    rows: list[Project]


def queues_for(user, *, limit: int, today: datetime.date | None = None) -> list[QueueView]:
    """The queues a user's dashboard shows, with their counts and first ``limit`` rows (two
    queries each): the Department's approvals; the Centre's acceptance and settlement."""
    keys = []
    if roles.can_decide_project(user):
        keys.append("phe-duyet")
    if roles.follows_project_progress(user):
        keys += ["nghiem-thu", "quyet-toan"]
    shown = []
    for key in keys:
        queryset = queue(key, today=today)
        shown.append(QueueView(QUEUES[key], queryset.count(), list(queryset.select_related("plan")[:limit])))
    return shown
