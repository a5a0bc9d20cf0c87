"""The đề án's life (projects.services.take_step, Project.lifecycle_refusal): each rule tried
through every path that could break it — the step itself (service and its screen), the đề án
form, the admin, the workbook import (web and command line) — with nothing written on refusal.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from funding import services as funding_services
from funding.models import Disbursement
from khuyencong.core import roles
from khuyencong.core.formatting import money_exact
from projects import services
from projects.decisions import ProjectDecision
from projects.models import Project

from . import factories as f
from .test_parity_projects import (
    by_cli_import,
    by_web_import,
    database,
    department,
    inline_management,
    project_fields,
    signed_in,
)
from .workbook_helpers import user_with

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
YESTERDAY = TODAY - datetime.timedelta(days=1)
TOMORROW = TODAY + datetime.timedelta(days=1)
YEAR = 2024


def centre() -> Any:
    return user_with(roles.DATA_ENTRY, username="nhaplieu")


def under_way(**fields) -> Project:
    """An approved đề án of 2024, started on 1/3/2024, ending 30/9/2024, with 189 million paid."""
    project = f.ProjectFactory(
        plan__year=YEAR, code="DP-2024-01", status=Project.Status.IN_PROGRESS,
        start_date=datetime.date(YEAR, 3, 1), end_date=datetime.date(YEAR, 9, 30), **fields,
    )
    f.DisbursementFactory(project=project, amount=189_000_000, funding_source=None)
    return project


def refused(action, message: str) -> None:
    """``action`` is refused with ``message`` (somewhere in it) and writes nothing."""
    before = database()
    with pytest.raises(ValidationError) as caught:
        action()
    assert any(message in m for m in caught.value.messages), caught.value.messages
    assert database() == before


# -- the steps in order, by the roles that take them ----------------------------------------------


def test_the_whole_life_records_each_step_with_who_and_when():
    dept, entry = department(), centre()
    project = f.ProjectFactory(plan__year=YEAR, status=Project.Status.PROPOSED, approved_budget=0)
    services.take_step(project=project, kind="appraisal", by=entry, date=YESTERDAY, number="TTr-01")
    assert services.stage_label(project) == "Đã thẩm định, chờ phê duyệt"
    _, warnings = services.take_step(
        project=project, kind="approval", by=dept, number="125/QĐ-SCT", date=YESTERDAY, amount=280_000_000
    )
    assert warnings == []
    services.take_step(project=project, kind="start", by=entry, date=YESTERDAY)
    funding_services.record_disbursement(
        project=project, date=YESTERDAY, amount=100_000_000, document_number="UNC-TU", by=entry, kind="advance"
    )
    project.refresh_from_db()
    assert services.advances_outstanding(project) == 100_000_000
    services.take_step(project=project, kind="acceptance", by=entry, number="05/BB-NT", date=TODAY, result="passed")
    _, warnings = services.take_step(project=project, kind="settlement", by=entry, date=TODAY, amount=100_000_000)
    assert warnings == []  # what was paid
    services.take_step(project=project, kind="completion", by=entry)
    project.refresh_from_db()
    assert project.status == Project.Status.COMPLETED
    assert (project.approved_budget, project.acceptance_date, project.settlement_date) == (280_000_000, TODAY, TODAY)
    assert services.advances_outstanding(project) == 0  # the settlement cleared the advance
    steps = list(project.decisions.values_list("kind", "recorded_by__username"))
    assert steps == [
        ("appraisal", "nhaplieu"), ("approval", "chuyenvien"), ("start", "nhaplieu"),
        ("acceptance", "nhaplieu"), ("settlement", "nhaplieu"), ("completion", "nhaplieu"),
    ]
    timeline = services.timeline(project)
    assert [e.label for e in timeline] == [
        "Thẩm định", "Phê duyệt", "Bắt đầu thực hiện", "Nghiệm thu", "Quyết toán", "Hoàn thành"
    ]
    assert timeline[1].detail == f"QĐ 125/QĐ-SCT; kinh phí được duyệt {money_exact(280_000_000)}"
    assert timeline[3].day == TODAY and timeline[3].who and timeline[3].when is not None
    assert project.history.latest().history_user == entry


# -- who takes which step --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["approval", "adjustment", "stop"])
def test_only_the_department_decides(kind):
    project = f.ProjectFactory(status=Project.Status.PROPOSED if kind == "approval" else Project.Status.APPROVED)
    before = database()
    with pytest.raises(PermissionDenied):
        services.take_step(project=project, kind=kind, by=centre(), number="1", date=TODAY, amount=1, note="x")
    assert database() == before
    page = signed_in(centre()).get(reverse("projects:project-step", args=[project.pk, services.STEPS[kind].slug]))
    assert page.status_code == 403


@pytest.mark.parametrize("kind", ["appraisal", "start", "acceptance", "settlement", "completion"])
def test_a_viewer_takes_no_step(kind):
    project = under_way()
    viewer = user_with(roles.VIEWER)
    with pytest.raises(PermissionDenied):
        services.take_step(project=project, kind=kind, by=viewer, date=TODAY)
    url = reverse("projects:project-step", args=[project.pk, services.STEPS[kind].slug])
    assert signed_in(viewer).post(url).status_code == 403


# -- approval --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"date": YESTERDAY, "amount": 280_000_000}, "Cần ghi số quyết định phê duyệt."),
        ({"number": "9/QĐ", "amount": 280_000_000}, "Cần ghi ngày quyết định."),
        ({"number": "9/QĐ", "date": TOMORROW, "amount": 280_000_000}, "chưa đến"),
        ({"number": "9/QĐ", "date": YESTERDAY}, "Cần ghi kinh phí được duyệt."),
        ({"number": "9/QĐ", "date": YESTERDAY, "amount": 0}, "phải có kinh phí được duyệt lớn hơn 0 đồng"),
    ],
)
def test_approval_needs_its_decision_and_an_amount_entered(facts, message):
    project = f.ProjectFactory(status=Project.Status.PROPOSED, approved_budget=0)
    refused(lambda: services.take_step(project=project, kind="approval", by=department(), **facts), message)


def test_approval_on_the_screen_is_confirmed_before_it_is_written():
    project = f.ProjectFactory(status=Project.Status.PROPOSED, approved_budget=0, planned_budget=300_000_000)
    client = signed_in(department())
    url = reverse("projects:project-step", args=[project.pk, "phe-duyet"])
    data = {"number": "125/QĐ-SCT", "date": f"{YESTERDAY:%d/%m/%Y}", "amount": "310.000.000"}
    before = database()
    page = client.post(url, data).content.decode()
    assert database() == before
    assert "Xác nhận phê duyệt đề án" in page and money_exact(310_000_000) in page
    assert "cao hơn kinh phí kế hoạch" in page  # said before, not refused
    assert client.post(url, {**data, "xac-nhan": "1"}).status_code == 302
    project.refresh_from_db()
    assert (project.status, project.approved_budget) == (Project.Status.APPROVED, 310_000_000)
    decision = project.decisions.get()
    assert (decision.number, decision.date, decision.amount) == ("125/QĐ-SCT", YESTERDAY, 310_000_000)


def test_approval_cannot_be_taken_by_a_status_change_nor_imported_without_its_budget(tmp_path):
    project = f.ProjectFactory(plan__year=YEAR, code="DP-2024-02", status=Project.Status.PROPOSED, approved_budget=0)
    refused(
        lambda: services.change_status(project=project, status=Project.Status.APPROVED, by=department()),
        "Dùng bước “Phê duyệt đề án”",
    )
    sheets = {"DeAn": [["Năm", "Mã đề án", "Trạng thái"], [YEAR, project.code, "Đã duyệt"]]}
    before = database()
    assert "phải có kinh phí được duyệt lớn hơn 0 đồng" in by_web_import(sheets)
    assert "phải có kinh phí được duyệt lớn hơn 0 đồng" in by_cli_import(sheets, tmp_path)
    assert database() == before


# -- acceptance, settlement, completion --------------------------------------------------------------


def test_completion_needs_acceptance_and_settlement_on_every_path(tmp_path):
    project = under_way()
    refused(lambda: services.take_step(project=project, kind="completion", by=centre()), "")
    assert "Đánh dấu hoàn thành" not in [s.label for s in services.available_steps(centre(), project)]
    # The old status move is none either.
    refused(
        lambda: services.change_status(project=project, status=Project.Status.COMPLETED, by=department()),
        "Không thể chuyển đề án",
    )
    # The workbook: a row that says completed without the two dates.
    sheets = {"DeAn": [["Năm", "Mã đề án", "Trạng thái"], [YEAR, project.code, "Hoàn thành"]]}
    message = "Đề án chỉ hoàn thành khi đã nghiệm thu và quyết toán: còn thiếu ngày nghiệm thu và ngày quyết toán."
    before = database()
    assert message in by_web_import(sheets)
    assert message in by_cli_import(sheets, tmp_path)
    with_acceptance = {
        "DeAn": [["Năm", "Mã đề án", "Trạng thái", "Ngày nghiệm thu"], [YEAR, project.code, "Hoàn thành", "01/10/2024"]]
    }
    assert "còn thiếu ngày quyết toán" in by_web_import(with_acceptance)
    assert database() == before
    # The admin: status and the two dates are not its to set.
    admin = signed_in(f.SuperuserFactory())
    admin.post(
        reverse("admin:projects_project_change", args=[project.pk]),
        {**project_fields(project), "status": "completed", "acceptance_date": "01/10/2024",
         "settlement_date": "02/10/2024", **inline_management("disbursements", "events")},
    )
    project.refresh_from_db()
    assert (project.status, project.acceptance_date, project.settlement_date) == (Project.Status.IN_PROGRESS, None, None)
    # The đề án form has no such fields either.
    entry = signed_in(centre())
    entry.post(reverse("projects:project-edit", args=[project.pk]), {**project_fields(project), "acceptance_date": "01/10/2024"})
    project.refresh_from_db()
    assert (project.status, project.acceptance_date) == (Project.Status.IN_PROGRESS, None)


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (TOMORROW, "chưa đến"),
        (datetime.date(YEAR, 2, 1), "trước ngày bắt đầu đề án 01/03/2024"),
    ],
)
def test_acceptance_after_the_start_and_not_in_the_future_on_every_path(day, message, tmp_path):
    project = under_way()
    refused(
        lambda: services.take_step(project=project, kind="acceptance", by=centre(), number="BB-1", date=day, result="passed"),
        message,
    )
    page = signed_in(centre()).post(
        reverse("projects:project-step", args=[project.pk, "nghiem-thu"]),
        {"number": "BB-1", "date": f"{day:%d/%m/%Y}", "result": "passed"},
    ).content.decode()
    assert message in page
    sheets = {"DeAn": [["Năm", "Mã đề án", "Ngày nghiệm thu"], [YEAR, project.code, f"{day:%d/%m/%Y}"]]}
    before = database()
    assert message in by_web_import(sheets)
    assert message in by_cli_import(sheets, tmp_path)
    assert database() == before


def test_a_failed_acceptance_is_recorded_but_does_not_accept():
    project = under_way()
    services.take_step(project=project, kind="acceptance", by=centre(), number="BB-1", date=YESTERDAY, result="failed")
    project.refresh_from_db()
    assert project.acceptance_date is None
    assert project.decisions.get().date == YESTERDAY
    refused(
        lambda: services.take_step(project=project, kind="settlement", by=centre(), date=TODAY, amount=1),
        "chỉ quyết toán sau khi nghiệm thu",
    )


def test_settlement_follows_acceptance_on_every_path(tmp_path):
    project = under_way()
    refused(
        lambda: services.take_step(project=project, kind="settlement", by=centre(), date=TODAY, amount=189_000_000),
        "chỉ quyết toán sau khi nghiệm thu",
    )
    sheets = {"DeAn": [["Năm", "Mã đề án", "Ngày quyết toán"], [YEAR, project.code, "01/10/2024"]]}
    before = database()
    assert "Đề án chưa nghiệm thu: chỉ quyết toán sau khi nghiệm thu." in by_web_import(sheets)
    assert database() == before


def test_settlement_amount_within_the_budget_and_compared_with_what_was_paid():
    project = under_way()
    services.take_step(project=project, kind="acceptance", by=centre(), number="BB-1", date=YESTERDAY, result="passed")
    refused(
        lambda: services.take_step(project=project, kind="settlement", by=centre(), date=TODAY, amount=300_000_001),
        "vượt kinh phí được duyệt",
    )
    refused(lambda: services.take_step(project=project, kind="settlement", by=centre(), date=TODAY, amount=-1), "không âm")
    refused(
        lambda: services.take_step(project=project, kind="settlement", by=centre(), date=TOMORROW, amount=1), "chưa đến"
    )
    _, warnings = services.take_step(project=project, kind="settlement", by=centre(), date=TODAY, amount=200_000_000)
    assert warnings and "khác số đã giải ngân" in warnings[0]
    project.refresh_from_db()
    assert project.settlement_date == TODAY


# -- adjustment and stop -------------------------------------------------------------------------------


def test_adjustment_changes_budget_or_end_date_within_the_rules():
    project = under_way()
    refused(
        lambda: services.take_step(project=project, kind="adjustment", by=department(), number="5", date=TODAY),
        "cần ghi kinh phí được duyệt mới hoặc ngày kết thúc mới",
    )
    refused(
        lambda: services.take_step(project=project, kind="adjustment", by=department(), number="5", date=TODAY, amount=1),
        "không được thấp hơn số đã giải ngân",
    )
    refused(
        lambda: services.take_step(
            project=project, kind="adjustment", by=department(), number="5", date=TODAY, end_date=datetime.date(YEAR, 1, 1)
        ),
        "trước ngày bắt đầu",
    )
    services.take_step(
        project=project, kind="adjustment", by=department(), number="5/QĐ-SCT", date=TODAY,
        amount=250_000_000, end_date=datetime.date(YEAR, 12, 31),
    )
    project.refresh_from_db()
    assert (project.approved_budget, project.end_date) == (250_000_000, datetime.date(YEAR, 12, 31))


def test_a_stop_decision_needs_its_number_and_reason_and_ends_the_project():
    project = under_way()
    refused(
        lambda: services.take_step(project=project, kind="stop", by=department(), number="6", date=TODAY),
        "Cần ghi lý do dừng thực hiện đề án.",
    )
    services.take_step(project=project, kind="stop", by=department(), number="6/QĐ-SCT", date=TODAY, note="Cơ sở giải thể")
    project.refresh_from_db()
    assert (project.status, project.status_reason) == (Project.Status.NOT_CARRIED_OUT, "Cơ sở giải thể")
    refused(
        lambda: services.take_step(project=project, kind="adjustment", by=department(), number="7", date=TODAY, amount=1),
        "chỉ điều chỉnh hoặc dừng đề án đã phê duyệt",
    )


# -- advances ------------------------------------------------------------------------------------------


def test_an_advance_after_settlement_is_refused_on_every_path(tmp_path):
    project = under_way(acceptance_date=datetime.date(YEAR, 10, 1), settlement_date=datetime.date(YEAR, 10, 2))
    message = "không tạm ứng thêm"
    refused(
        lambda: funding_services.record_disbursement(
            project=project, date=TODAY, amount=1_000, document_number="UNC-9", by=centre(), kind="advance"
        ),
        message,
    )
    page = signed_in(centre()).post(
        reverse("funding:disbursement-create", args=[project.pk]),
        {"date": f"{TODAY:%d/%m/%Y}", "amount": "1.000", "document_number": "UNC-9", "kind": "advance"},
    ).content.decode()
    assert message in page
    sheets = {
        "GiaiNgan": [
            ["Năm", "Mã đề án", "Ngày", "Số tiền", "Số chứng từ", "Loại chi"],
            [YEAR, project.code, f"{TODAY:%d/%m/%Y}", 1_000, "UNC-9", "Tạm ứng"],
        ]
    }
    before = database()
    assert message in by_web_import(sheets)
    assert database() == before


def test_the_kind_column_is_optional_and_defaults_to_payment():
    from khuyencong.workbook import import_workbook

    from .workbook_helpers import xlsx

    project = under_way()
    sheets = {
        "GiaiNgan": [
            ["Năm", "Mã đề án", "Ngày", "Số tiền", "Số chứng từ", "Loại chi"],
            [YEAR, project.code, "01/04/2024", 1_000, "UNC-A", "Tạm ứng"],
            [YEAR, project.code, "02/04/2024", 2_000, "UNC-B", ""],
        ]
    }
    import io

    result = import_workbook(io.BytesIO(xlsx(sheets)), user=centre())
    assert result.ok, result.problems
    kinds = dict(Disbursement.objects.filter(project=project).values_list("document_number", "kind"))
    assert kinds["UNC-A"] == "advance" and kinds["UNC-B"] == "payment"


# -- queues ----------------------------------------------------------------------------------------------


def test_the_queues_hold_what_waits_for_each_role():
    proposed = f.ProjectFactory(status=Project.Status.PROPOSED, approved_budget=0, code="DX-1")
    appraised = f.ProjectFactory(status=Project.Status.PROPOSED, approved_budget=0, code="DX-2")
    services.take_step(project=appraised, kind="appraisal", by=centre(), date=YESTERDAY)
    late = under_way()
    accepted = f.ProjectFactory(
        status=Project.Status.IN_PROGRESS, code="NT-1", start_date=datetime.date(YEAR, 1, 2),
        acceptance_date=datetime.date(YEAR, 6, 1),
    )
    assert list(services.queue("phe-duyet")) == [appraised, proposed]  # the appraised one first
    assert list(services.queue("nghiem-thu")) == [late]
    assert list(services.queue("quyet-toan")) == [accepted]
    dept_board = signed_in(department()).get(reverse("home"))
    assert [q.queue.key for q in dept_board.context["queues"]] == ["phe-duyet"]
    html = dept_board.content.decode()
    assert "Đề án chờ duyệt" in html and reverse("projects:project-step", args=[appraised.pk, "phe-duyet"]) in html
    entry_board = signed_in(centre()).get(reverse("home"))
    assert [q.queue.key for q in entry_board.context["queues"]] == ["nghiem-thu", "quyet-toan"]
    listed = signed_in(centre()).get(reverse("projects:project-list"), {"cho": "phe-duyet"})
    assert {p.pk for p in listed.context["page"].object_list} == {proposed.pk, appraised.pk}


def test_every_demo_project_holds_together(lam_dong):
    """The demo's đề án pass the steps' rule: the completed ones were accepted and settled."""
    broken = [(p.code, p.lifecycle_refusal()) for p in Project.objects.all() if p.lifecycle_refusal()]
    assert broken == []
    assert Project.objects.filter(status=Project.Status.COMPLETED).count() > 0
    assert not ProjectDecision.objects.exists()  # the demo's history predates the steps


def test_a_project_from_before_the_steps_shows_its_dates_as_older_records():
    """Imported or demo đề án carry their dates without step rows: the timeline says so."""
    project = f.ProjectFactory(
        plan__year=YEAR, status=Project.Status.COMPLETED, start_date=datetime.date(YEAR, 3, 1),
        acceptance_date=datetime.date(YEAR, 10, 1), settlement_date=datetime.date(YEAR, 11, 2),
    )
    entries = services.timeline(project)
    assert [(e.label, e.day) for e in entries] == [
        ("Phê duyệt", None),
        ("Bắt đầu thực hiện", datetime.date(YEAR, 3, 1)),
        ("Nghiệm thu", datetime.date(YEAR, 10, 1)),
        ("Quyết toán", datetime.date(YEAR, 11, 2)),
        ("Hoàn thành", None),
    ]
    assert all(e.who == "" and "ghi nhận trước khi có các bước" in e.detail for e in entries)
    page = signed_in(user_with(roles.VIEWER)).get(reverse("projects:project-detail", args=[project.pk])).content.decode()
    assert "Tiến trình đề án" in page and "chưa ghi số, ngày quyết định" in page
