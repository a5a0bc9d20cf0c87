"""The four roles of the portal and every rule about who may do what (domain.md, "Who uses it").

Roles are Django groups; views and actions ask the ``can_*`` functions here, never a group
name directly.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

ADMINISTRATOR = "Quản trị hệ thống"
DEPARTMENT = "Chuyên viên Sở Công Thương"
DATA_ENTRY = "Nhập liệu Trung tâm Khuyến công"
VIEWER = "Xem báo cáo"

ROLES = [ADMINISTRATOR, DEPARTMENT, DATA_ENTRY, VIEWER]

User = AbstractBaseUser | AnonymousUser


def _groups(user: User) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def has_role(user: User, *roles: str) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or _groups(user) & set(roles)))


def can_view(user: User) -> bool:
    """Everyone signed in reads everything."""
    return user.is_authenticated and user.is_active


def can_edit_records(user: User) -> bool:
    """Facilities, đề án, disbursements, contracts, repayments, events, nominations, imports."""
    return has_role(user, DATA_ENTRY, DEPARTMENT)


def can_approve(user: User) -> bool:
    """Approve annual plans and đề án."""
    return has_role(user, DEPARTMENT)


def can_write_reports(user: User) -> bool:
    return has_role(user, DEPARTMENT)


def can_issue_reports(user: User) -> bool:
    return has_role(user, DEPARTMENT)


def can_write_off(user: User) -> bool:
    return has_role(user, DEPARTMENT)


def can_manage_users(user: User) -> bool:
    return has_role(user, ADMINISTRATOR)


def can_record_disbursements(user: User) -> bool:
    """Record money paid out for a đề án (giải ngân)."""
    return can_edit_records(user)


def can_edit_approved_budget(user: User) -> bool:
    """The approved budget is the Department's decision, set when it approves the đề án."""
    return can_approve(user)


# Moves of a đề án's status that are the Department's decision: approving it, and undoing or
# ending one it has already approved. Every other move is the Centre's record-keeping.
_APPROVAL_STATES = {"approved", "in_progress", "completed"}


def can_change_project_status(user: User, current: str, new: str) -> bool:
    """May ``user`` move a đề án from status ``current`` to ``new``?

    Only the Department approves (proposed → approved) and only it cancels, stops or sends back
    a đề án it approved; the Centre marks an approved one as started and completed, and may
    withdraw one still only proposed.
    """
    if new == "approved" or (current in _APPROVAL_STATES and new in {"proposed", "cancelled", "not_carried_out"}):
        return can_approve(user)
    return can_edit_records(user)


def can_import_project_status(user: User, current: str | None, new: str) -> bool:
    """May ``user`` import a đề án row with status ``new`` over a stored one at ``current``?

    ``current`` is None for a row that creates the đề án: it counts as coming from "proposed".
    A row that keeps the stored status moves nothing (the Centre re-imports its export every
    day). A row that puts a đề án into an approval state (approved, in progress, completed) from
    outside them needs the Department: a completed đề án imported was approved by someone, and
    the import must not be the way round the Department. Any other move follows
    ``can_change_project_status``, as on the screens.
    """
    current = current or "proposed"
    if current == new:
        return can_edit_records(user)
    if new in _APPROVAL_STATES and current not in _APPROVAL_STATES:
        return can_approve(user)
    return can_change_project_status(user, current, new)


# The steps of a đề án's life (projects/services.py take_step). The Department decides: it
# approves a đề án (decision number, date, approved budget), adjusts it (new budget or end date)
# and stops it, each by a decision it signs. The Centre keeps the record of the work: it enters
# the appraisal's result it submits to the Department, the day work starts, the acceptance
# (nghiệm thu, with its minutes), the settlement (quyết toán) and the completion that follows
# them. The Department may enter those too (it oversees the Centre); a viewer takes no step.


def can_decide_project(user: User) -> bool:
    """Approve, adjust or stop a đề án by a decision of the Department."""
    return can_approve(user)


def can_record_project_progress(user: User) -> bool:
    """Record a đề án's appraisal, start, acceptance, settlement and completion."""
    return can_edit_records(user)


def follows_project_progress(user: User) -> bool:
    """Whose dashboard lists the đề án waiting for acceptance and settlement: the Centre's
    (the Department's lists the đề án waiting for its approval)."""
    return has_role(user, DATA_ENTRY)


# Documents attached to records (khuyencong.documents). A report's papers are read by everyone
# who reads the report; a đề án's, a contract's or a lawsuit's carry a facility's finances
# (its accounts, its debts), so only the Department and the Centre see them.
_OPEN_DOCUMENTS = {"reporting.report"}


def can_see_documents(user: User, record) -> bool:
    """May ``user`` list and download the documents attached to ``record``?"""
    if record._meta.label_lower in _OPEN_DOCUMENTS:
        return can_view(user)
    return has_role(user, DATA_ENTRY, DEPARTMENT)


def can_attach_documents(user: User, record) -> bool:
    """May ``user`` attach a document to ``record`` (or remove one)? Who writes the record."""
    if record._meta.label_lower == "reporting.report":
        return can_write_reports(user)
    return can_edit_records(user)
