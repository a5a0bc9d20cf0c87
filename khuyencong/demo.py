"""The demonstration installation: role groups and their permissions, demo users, and the
Lâm Đồng data set (fixtures/lam_dong.json, built by fixtures/build_demo.py).

Used by the ``seed_demo`` and ``scale_demo`` management commands and by the tests.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management.color import no_style
from django.db import connection, transaction

from khuyencong.core import roles

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "lam_dong.json"
DEMO_PASSWORD = "khuyencong-demo"
CHANGE_REASON = "Nạp dữ liệu mẫu Lâm Đồng"

# Reference rows come from the migrations; the fixture carries copies only so that its
# foreign keys can be matched by code to the rows of the database it is loaded into.
REFERENCE_MODELS = {
    "projects.fundinglevel": "code",
    "projects.activitycontent": "code",
    "projects.awardlevel": "code",
    "projects.administrativeunit": "code",
}

# ---------------------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------------------
REFERENCE = ["projects.activitycontent", "projects.awardlevel", "projects.administrativeunit", "projects.fundinglevel"]
RECORDS = [  # what the Centre's staff keep: facilities, đề án and everything under them
    "projects.facility", "projects.project", "projects.event", "projects.product", "projects.productnomination",
    "funding.disbursement", "funding.loancontract", "funding.instalment", "funding.repayment", "funding.lawsuit",
    "projects.projectresult",
]
PLANNING = ["projects.program", "projects.annualplan", "funding.fundingsource"]
REPORTS = ["reporting.report"]

# group -> {model label: actions}: what a member may do in the Django admin, were they let in
# (is_staff). The staff's work goes through the portal's screens, whose rules are roles.py and
# whose workflows are the services: approving a đề án, writing a contract off. The admin would
# let a change of status or state bypass both, so only the administrator changes anything
# there, and nothing is deleted: a wrong entry is reversed or cancelled.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    roles.ADMINISTRATOR: {
        "auth.user": ("add", "change", "view"),
        "auth.group": ("view",),
        **{label: ("view",) for label in REFERENCE + PLANNING + RECORDS + REPORTS},
    },
    **{
        role: {label: ("view",) for label in REFERENCE + PLANNING + RECORDS + REPORTS}
        for role in (roles.DEPARTMENT, roles.DATA_ENTRY, roles.VIEWER)
    },
}

DEMO_USERS = [
    # username, full name, role, is_staff, is_superuser: only the administrator uses the admin.
    ("quantri", "Quản trị hệ thống", roles.ADMINISTRATOR, True, True),
    ("chuyenvien", "Chuyên viên Sở Công Thương", roles.DEPARTMENT, False, False),
    ("nhaplieu", "Cán bộ nhập liệu Trung tâm Khuyến công", roles.DATA_ENTRY, False, False),
    ("xem", "Người xem báo cáo", roles.VIEWER, False, False),
]


def setup_roles() -> dict[str, int]:
    """Create the four role groups and give each its model permissions; returns
    {group name: number of permissions}. Running it again changes nothing."""
    result = {}
    for name, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = set()
        for label, actions in grants.items():
            model = apps.get_model(label)
            ct = ContentType.objects.get_for_model(model)
            for action in actions:
                wanted.add(Permission.objects.get(content_type=ct, codename=f"{action}_{model._meta.model_name}").pk)
        current = set(group.permissions.values_list("pk", flat=True))
        if current != wanted:
            group.permissions.set(wanted)
        result[name] = len(wanted)
    return result


def setup_demo_users() -> list[str]:
    """One user per role, password DEMO_PASSWORD (set only when the user is created, so a
    second run changes nothing); returns the usernames created."""
    User = get_user_model()
    created = []
    for username, full_name, role, is_staff, is_superuser in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=full_name)
            user.set_password(DEMO_PASSWORD)
            created.append(username)
        if (user._state.adding or user.is_staff != is_staff or user.is_superuser != is_superuser
                or not user.is_active):
            user.is_staff, user.is_superuser, user.is_active = is_staff, is_superuser, True
            user.save()
        group = Group.objects.get(name=role)
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
    return created


# ---------------------------------------------------------------------------------------
# The data set
# ---------------------------------------------------------------------------------------
@dataclass
class LoadResult:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _reference_remap(ref_objects) -> dict[str, dict[int, int]]:
    """{model label: {pk in the fixture: pk in this database}}, matching rows by code."""
    remap: dict[str, dict[int, int]] = {}
    for label, key in REFERENCE_MODELS.items():
        model = apps.get_model(label)
        ours = dict(model._default_manager.values_list(key, "pk"))
        mapping = {}
        for obj in ref_objects.get(label, []):
            code = getattr(obj, key)
            if code not in ours:
                raise ValueError(
                    f"Thiếu dữ liệu danh mục {model._meta.verbose_name} mã {code!r}: hãy chạy migrate trước."
                )
            mapping[obj.pk] = ours[code]
        remap[label] = mapping
    return remap


def load_dataset(path: Path = FIXTURE) -> LoadResult:
    """Load the data set: rows missing are created, rows that differ from the fixture are put
    back, identical rows are left alone (no save, no history). Idempotent.

    Rows are saved one by one through the ORM, so simple-history records each creation (and
    each correction) once, with the change reason CHANGE_REASON.
    """
    from projects.admin_units import ensure_units

    ensure_units()  # the units of the 2025 reform the fixture's facilities refer to
    result = LoadResult()
    with path.open(encoding="utf-8") as fh:
        deserialised = list(serializers.deserialize("json", fh, ignorenonexistent=False))
    ref_objects: dict[str, list] = {}
    rows = []
    for item in deserialised:
        label = item.object._meta.label_lower
        if label in REFERENCE_MODELS:
            ref_objects.setdefault(label, []).append(item.object)
        else:
            rows.append(item)
    remap = _reference_remap(ref_objects)
    touched_models = []
    with transaction.atomic():
        by_model: dict[type, list] = {}
        for item in rows:
            by_model.setdefault(type(item.object), []).append(item)
        for model, items in by_model.items():
            touched_models.append(model)
            label = model._meta.label_lower
            fk_remaps = [
                (f.attname, remap[f.related_model._meta.label_lower])
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model._meta.label_lower in remap
            ]
            existing = model._default_manager.in_bulk([item.object.pk for item in items])
            concrete = [f.attname for f in model._meta.concrete_fields]
            for item in items:
                obj = item.object
                for attname, mapping in fk_remaps:
                    value = getattr(obj, attname)
                    if value is not None:
                        setattr(obj, attname, mapping[value])
                current = existing.get(obj.pk)
                if current is None:
                    obj._change_reason = CHANGE_REASON
                    obj.save(force_insert=True)
                    result.created[label] += 1
                elif any(getattr(obj, a) != getattr(current, a) for a in concrete):
                    obj._change_reason = CHANGE_REASON
                    obj._state.adding = False
                    obj.save(force_update=True)
                    result.updated[label] += 1
                else:
                    result.unchanged[label] += 1
                for name, ids in (item.m2m_data or {}).items():
                    manager = getattr(obj, name)
                    if set(manager.values_list("pk", flat=True)) != set(ids):
                        manager.set(ids)
                        if current is not None:
                            result.updated[label] += 1
        # Explicit primary keys: move the sequences past them (PostgreSQL; no-op on SQLite).
        statements = connection.ops.sequence_reset_sql(no_style(), touched_models)
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
    return result


def fixture_pks(path: Path = FIXTURE) -> dict[str, list[int]]:
    """{model label: [primary keys]} of the demo rows in the fixture (reference rows left out)."""
    import json

    pks: dict[str, list[int]] = {}
    for row in json.loads(path.read_text(encoding="utf-8")):
        if row["model"] not in REFERENCE_MODELS:
            pks.setdefault(row["model"], []).append(row["pk"])
    return pks
