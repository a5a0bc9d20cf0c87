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
