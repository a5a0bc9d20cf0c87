"""Workflows on đề án that the screens and the import share."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from khuyencong.core import roles
from projects.models import Project

Status = Project.Status

# The moves a đề án's status may make (domain.md: proposed → approved → in progress →
# completed; or cancelled / not carried out, with a reason).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.PROPOSED: (Status.APPROVED, Status.CANCELLED),
    Status.APPROVED: (Status.IN_PROGRESS, Status.PROPOSED, Status.NOT_CARRIED_OUT, Status.CANCELLED),
    Status.IN_PROGRESS: (Status.COMPLETED, Status.NOT_CARRIED_OUT),
    Status.COMPLETED: (Status.IN_PROGRESS,),
    Status.CANCELLED: (Status.PROPOSED,),
    Status.NOT_CARRIED_OUT: (Status.PROPOSED,),
}
NEEDS_REASON = {Status.CANCELLED, Status.NOT_CARRIED_OUT}

# The words on each button: the action, not the state it leads to.
ACTION_LABELS = {
    (Status.PROPOSED, Status.APPROVED): "Phê duyệt đề án",
    (Status.PROPOSED, Status.CANCELLED): "Hủy đề xuất",
    (Status.APPROVED, Status.IN_PROGRESS): "Bắt đầu thực hiện",
    (Status.APPROVED, Status.PROPOSED): "Trả về đề xuất",
    (Status.APPROVED, Status.NOT_CARRIED_OUT): "Không thực hiện",
    (Status.APPROVED, Status.CANCELLED): "Hủy đề án",
    (Status.IN_PROGRESS, Status.COMPLETED): "Đánh dấu hoàn thành",
    (Status.IN_PROGRESS, Status.NOT_CARRIED_OUT): "Dừng, không thực hiện",
    (Status.COMPLETED, Status.IN_PROGRESS): "Mở lại (đang thực hiện)",
    (Status.CANCELLED, Status.PROPOSED): "Khôi phục thành đề xuất",
    (Status.NOT_CARRIED_OUT, Status.PROPOSED): "Khôi phục thành đề xuất",
}


def allowed_transitions(user, project: Project) -> list[tuple[str, str]]:
    """(new status, button label) for each move this user may make on this đề án."""
    return [
        (new, ACTION_LABELS[(project.status, new)])
        for new in TRANSITIONS.get(project.status, ())
        if roles.can_change_project_status(user, project.status, new)
    ]


@transaction.atomic
def change_status(*, project: Project, status: str, reason: str = "", by) -> Project:
    """Move ``project`` to ``status``; the history row records who, when, and the reason."""
    if status not in TRANSITIONS.get(project.status, ()):
        raise ValidationError(
            f"Không thể chuyển đề án từ “{project.get_status_display()}” sang “{Status(status).label}”."
        )
    if not roles.can_change_project_status(by, project.status, status):
        raise PermissionDenied
    reason = reason.strip()
    if status in NEEDS_REASON and not reason:
        raise ValidationError("Cần ghi lý do khi hủy hoặc không thực hiện đề án.")
    project.status = status
    if status == Status.APPROVED and not project.approved_budget:
        # Approved as planned unless the Department has entered another amount.
        project.approved_budget = project.planned_budget
    if status in NEEDS_REASON:
        project.status_reason = reason
    refusal = project.approved_budget_refusal()
    if refusal:
        raise ValidationError(refusal)
    project._change_reason = reason or f"Chuyển trạng thái: {Status(status).label}"
    project.save()
    return project
