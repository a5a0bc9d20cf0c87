"""Funding sources, disbursements, and recoverable support (interest-free loans).

Money is whole đồng in integer fields. Every table that carries money, a status or a contract
keeps its history (django-simple-history): who changed what, and when.
"""

from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from khuyencong.core.history import HistoricalRecords
from projects.models import non_negative


def positive(field: str, label: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gt": 0}),
        name="%(app_label)s_%(class)s_" + f"{field}_positive",
        violation_error_message=f"{label} phải lớn hơn 0.",
    )


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, on the month's last day when it is shorter (31/01 + 1 = 28/02)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class FundingSource(models.Model):
    """A budget allocation at a level: the year's provincial estimate, a district's own money."""

    name = models.CharField("tên nguồn", max_length=200)
    level = models.ForeignKey("projects.FundingLevel", verbose_name="cấp", on_delete=models.PROTECT, related_name="sources")
    year = models.PositiveSmallIntegerField("năm", null=True, blank=True)
    administrative_unit = models.ForeignKey(
        "projects.AdministrativeUnit",
        verbose_name="địa phương",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="funding_sources",
    )
    decision_number = models.CharField("số quyết định giao dự toán", max_length=60, blank=True)
    allocated = models.BigIntegerField("dự toán được giao (đồng)", default=0)

    class Meta:
        verbose_name = "nguồn kinh phí"
        verbose_name_plural = "nguồn kinh phí"
        ordering = ["-year", "level__order", "name"]
        constraints = [
            non_negative("allocated", "Dự toán"),
            models.UniqueConstraint(
                fields=["level", "year", "name"],
                name="fundingsource_unique",
                violation_error_message="Nguồn kinh phí này đã có.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Disbursement(models.Model):
    """Money actually paid out for a đề án; a đề án's executed money is their sum, whatever
    its kind (an advance is money paid out too: the report counts it)."""

    class Kind(models.TextChoices):
        # An advance (tạm ứng) is paid before the work is accepted and stays outstanding until
        # the đề án is settled (quyết toán); a payment (thanh toán) pays for work done.
        PAYMENT = "payment", "Thanh toán"
        ADVANCE = "advance", "Tạm ứng"

    project = models.ForeignKey(
        "projects.Project", verbose_name="đề án", on_delete=models.PROTECT, related_name="disbursements"
    )
    date = models.DateField("ngày giải ngân", db_index=True)
    amount = models.BigIntegerField("số tiền (đồng)")
    funding_source = models.ForeignKey(
        FundingSource,
        verbose_name="nguồn kinh phí",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disbursements",
    )
    document_number = models.CharField("số chứng từ", max_length=60)
    kind = models.CharField("loại chi", max_length=10, choices=Kind.choices, default=Kind.PAYMENT)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "giải ngân"
        verbose_name_plural = "giải ngân"
        ordering = ["-date"]
        constraints = [
            positive("amount", "Số tiền giải ngân"),
            models.UniqueConstraint(
                fields=["project", "document_number"],
                name="disbursement_unique_document",
                violation_error_message="Đề án này đã có chứng từ giải ngân cùng số.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_number} ({self.date:%d/%m/%Y})"


class LoanContract(models.Model):
    """A recoverable-support contract: an interest-free loan repaid by instalments."""

    class State(models.TextChoices):
        DRAFT = "draft", "Dự thảo"
        ACTIVE = "active", "Đang thu hồi"
        REPAID = "repaid", "Đã thu hồi xong"
        LITIGATION = "litigation", "Đang khởi kiện"
        WRITTEN_OFF = "written_off", "Đã xóa nợ"

    project = models.ForeignKey(
        "projects.Project", verbose_name="đề án", on_delete=models.PROTECT, related_name="contracts"
    )
    facility = models.ForeignKey(
        "projects.Facility", verbose_name="cơ sở", on_delete=models.PROTECT, related_name="contracts"
    )
    number = models.CharField("số hợp đồng", max_length=60, unique=True)
    signed_on = models.DateField("ngày ký")
    principal = models.BigIntegerField("số tiền hỗ trợ (đồng)")
    disbursed_on = models.DateField("ngày giải ngân", null=True, blank=True)
    term_months = models.PositiveSmallIntegerField("thời hạn (tháng)")
    grace_months = models.PositiveSmallIntegerField("ân hạn (tháng)", default=0)
    instalment_count = models.PositiveSmallIntegerField("số kỳ trả")
    state = models.CharField("tình trạng", max_length=20, choices=State.choices, default=State.DRAFT, db_index=True)
    # What is done about a debt long overdue and not sued; the report's checks before issuing
    # warn of such a contract only while this is empty (reporting.checks).
    collection_note = models.TextField(
        "biện pháp xử lý nợ",
        blank=True,
        help_text="Việc đã làm hoặc sẽ làm với khoản nợ quá hạn: đôn đốc, gia hạn, chuẩn bị khởi kiện…",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "hợp đồng hỗ trợ có thu hồi"
        verbose_name_plural = "hợp đồng hỗ trợ có thu hồi"
        ordering = ["-signed_on", "number"]
        constraints = [
            positive("principal", "Số tiền hỗ trợ"),
            models.CheckConstraint(
                condition=Q(grace_months__lt=models.F("term_months")),
                name="contract_grace_within_term",
                violation_error_message="Thời gian ân hạn phải ngắn hơn thời hạn hợp đồng.",
            ),
            models.CheckConstraint(
                condition=Q(instalment_count__gt=0),
                name="contract_instalment_count_positive",
                violation_error_message="Số kỳ trả phải lớn hơn 0.",
            ),
            models.CheckConstraint(
                condition=Q(disbursed_on__isnull=True) | Q(disbursed_on__gte=models.F("signed_on")),
                name="contract_disbursed_after_signed",
                violation_error_message="Ngày giải ngân không được trước ngày ký hợp đồng.",
            ),
        ]

    def __str__(self) -> str:
        return f"HĐ {self.number}"

    @property
    def is_draft(self) -> bool:
        """Not yet disbursed: no money has gone out on it."""
        return self.disbursed_on is None and self.state == self.State.DRAFT

    def edit_refusal(self) -> str | None:
        """Why the contract's terms and schedule may no longer be changed, None while they may.

        THE rule of editing a contract: the screens (its "Sửa" button and the edit service), the
        admin and the workbook import all ask it. A draft is the clerk's to correct; once the
        money is out, the contract is the ledger's, and its schedule changes only by an approved
        reschedule (``services.reschedule``).
        """
        if self.is_draft:
            return None
        when = f" ngày {self.disbursed_on:%d/%m/%Y}" if self.disbursed_on else ""
        return (
            f"Hợp đồng {self.number} đã giải ngân{when}: không sửa được số tiền, thời hạn hay lịch trả; "
            "muốn thay đổi lịch trả hãy lập điều chỉnh lịch trả nợ."
        )

    def term_end(self, start: datetime.date) -> datetime.date:
        """The last day of the term counted from ``start`` (the disbursement, or for a draft's
        planned schedule the signing)."""
        return add_months(start, self.term_months)

    def standard_schedule(self, start: datetime.date | None = None) -> list[tuple[int, datetime.date, int]]:
        """The equal-instalment schedule of import-format.md (sheet HopDong): (number, due date, amount).

        Instalment i of K falls due i·(T−G)/K months after the grace period, which counts from
        the disbursement date; each is ⌊P/K⌋ đồng and the last takes the remainder. Every date
        is counted from the disbursement date, not from the previous instalment, so that a
        31st does not drift to the 28th for the rest of the schedule. ``start`` counts from
        another day instead: a draft's planned schedule counts from its signing.
        """
        start = start or self.disbursed_on
        if start is None:
            raise ValidationError("Hợp đồng chưa giải ngân nên chưa thể lập lịch trả theo quy tắc.")
        term, grace, count = self.term_months, self.grace_months, self.instalment_count
        if count <= 0 or grace >= term or (term - grace) % count:
            raise ValidationError(
                f"Không lập được lịch trả đều: thời hạn trừ ân hạn ({term} − {grace} = {term - grace} tháng) "
                f"không chia hết cho số kỳ trả ({count}). Hãy nhập lịch trả cụ thể."
            )
        step = (term - grace) // count
        each = self.principal // count
        return [
            (
                i,
                add_months(start, grace + i * step),
                each if i < count else self.principal - each * (count - 1),
            )
            for i in range(1, count + 1)
        ]


class Instalment(models.Model):
    """One due date of a contract's schedule; a reschedule writes a new version."""

    # PROTECT: a contract with a schedule (a disbursed one always has one) cannot be deleted and
    # take its schedule with it; a schedule changes only through funding.services.
    contract = models.ForeignKey(LoanContract, verbose_name="hợp đồng", on_delete=models.PROTECT, related_name="instalments")
    schedule_version = models.PositiveSmallIntegerField("phiên bản lịch trả", default=1)
    number = models.PositiveSmallIntegerField("kỳ")
    due_date = models.DateField("ngày đến hạn", db_index=True)
    principal_due = models.BigIntegerField("số tiền phải trả (đồng)")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "kỳ trả nợ"
        verbose_name_plural = "lịch trả nợ"
        ordering = ["contract", "schedule_version", "number"]
        constraints = [
            positive("principal_due", "Số tiền phải trả"),
            models.UniqueConstraint(
                fields=["contract", "schedule_version", "number"],
                name="instalment_unique_number",
                violation_error_message="Kỳ trả này đã có trong lịch trả của hợp đồng.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract} — kỳ {self.number}"


REPAYMENT_DELETE_REFUSED = (
    "Không được xóa khoản trả nợ. Nếu ghi sai, hãy lập bút toán đảo (cùng số tiền) cho khoản trả nợ đó."
)


class RepaymentQuerySet(models.QuerySet):
    def delete(self):
        # A repayment is money received: it is corrected by a reversal entry, never erased.
        raise ValidationError(REPAYMENT_DELETE_REFUSED, code="protected")

    delete.queryset_only = True


class Repayment(models.Model):
    """Money a facility paid back; a wrong entry is reversed by another, never deleted.

    Deleting is refused both for one row (``delete``) and for a queryset; a contract cannot be
    deleted while it has repayments (on_delete=PROTECT). Only a database-level cascade or
    ``flush`` removes them.
    """

    contract = models.ForeignKey(LoanContract, verbose_name="hợp đồng", on_delete=models.PROTECT, related_name="repayments")
    date = models.DateField("ngày trả", db_index=True)
    amount = models.BigIntegerField("số tiền (đồng)")
    receipt_number = models.CharField("số biên lai", max_length=60)
    reversal_of = models.OneToOneField(
        "self",
        verbose_name="bút toán đảo của",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )

    objects = RepaymentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "khoản trả nợ"
        verbose_name_plural = "khoản trả nợ"
        ordering = ["-date"]
        constraints = [
            positive("amount", "Số tiền trả nợ"),
            models.UniqueConstraint(
                fields=["contract", "receipt_number"],
                name="repayment_unique_receipt",
                violation_error_message="Hợp đồng này đã có biên lai cùng số.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number} ({self.date:%d/%m/%Y})"

    def delete(self, *args, **kwargs):
        raise ValidationError(REPAYMENT_DELETE_REFUSED, code="protected")

    def clean(self) -> None:
        contract = self.contract if self.contract_id else None
        if contract and self.date:
            if contract.disbursed_on is None:
                raise ValidationError({"date": "Hợp đồng chưa giải ngân nên chưa thể ghi nhận trả nợ."})
            if self.date < contract.disbursed_on:
                raise ValidationError(
                    {"date": f"Ngày trả nợ không được trước ngày giải ngân ({contract.disbursed_on:%d/%m/%Y})."}
                )


class Lawsuit(models.Model):
    """The Centre sues a facility that breaks its recoverable contract."""

    class Status(models.TextChoices):
        PENDING = "pending", "Đang giải quyết"
        JUDGED = "judged", "Đã có bản án"
        ENFORCING = "enforcing", "Đang thi hành án"
        CLOSED = "closed", "Đã kết thúc"

    contract = models.ForeignKey(LoanContract, verbose_name="hợp đồng", on_delete=models.PROTECT, related_name="lawsuits")
    filed_on = models.DateField("ngày khởi kiện", db_index=True)
    court = models.CharField("tòa án", max_length=200)
    case_number = models.CharField("số thụ lý", max_length=60, blank=True)
    status = models.CharField("trạng thái", max_length=20, choices=Status.choices, default=Status.PENDING)
    judgment_date = models.DateField("ngày bản án", null=True, blank=True)
    judgment_number = models.CharField("số bản án", max_length=60, blank=True)
    amount_awarded = models.BigIntegerField("số tiền theo bản án (đồng)", null=True, blank=True)
    enforcement_notes = models.TextField("thi hành án", blank=True)
    closed_on = models.DateField("ngày kết thúc", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "vụ khởi kiện"
        verbose_name_plural = "vụ khởi kiện"
        ordering = ["-filed_on"]
        constraints = [
            non_negative("amount_awarded", "Số tiền theo bản án"),
            models.UniqueConstraint(
                fields=["contract", "filed_on"],
                name="lawsuit_unique_filing",
                violation_error_message="Hợp đồng này đã có vụ khởi kiện cùng ngày.",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("filed_on")),
                name="lawsuit_closed_after_filed",
                violation_error_message="Ngày kết thúc vụ kiện không được trước ngày khởi kiện.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract} — {self.court} ({self.filed_on:%d/%m/%Y})"

    def is_open_on(self, day: datetime.date) -> bool:
        """Filed on or before ``day`` and not closed by then: the contract is in litigation."""
        if self.filed_on > day:
            return False
        if self.closed_on is not None:
            return day < self.closed_on
        return self.status != self.Status.CLOSED

    def paused_span(self) -> tuple[datetime.date, datetime.date | None]:
        """The days (filed_on, end] on which a contract's overdue days do not grow; end None while open.

        A case marked closed without a closing date pauses nothing.
        """
        if self.closed_on is not None:
            return self.filed_on, self.closed_on
        if self.status == self.Status.CLOSED:
            return self.filed_on, self.filed_on
        return self.filed_on, None


class Hearing(models.Model):
    """A court hearing (phiên tòa, phiên hòa giải) of a lawsuit."""

    lawsuit = models.ForeignKey(Lawsuit, verbose_name="vụ khởi kiện", on_delete=models.PROTECT, related_name="hearings")
    date = models.DateField("ngày")
    note = models.TextField("nội dung", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "phiên tòa"
        verbose_name_plural = "phiên tòa"
        ordering = ["lawsuit", "date"]

    def __str__(self) -> str:
        return f"{self.lawsuit} — phiên {self.date:%d/%m/%Y}"


class Reschedule(models.Model):
    """An approved change of a contract's schedule: it brings in ``version`` from ``date`` on.

    The new version starts with the part of the old schedule already repaid by ``date``
    (copied with its due dates), then the new instalments, which cover the principal still
    outstanding on ``date``; so every version sums to the principal. The old version stays as
    it was and is the one that applies to instalments due before ``date``.
    """

    contract = models.ForeignKey(
        LoanContract, verbose_name="hợp đồng", on_delete=models.PROTECT, related_name="reschedules"
    )
    version = models.PositiveSmallIntegerField("phiên bản lịch trả mới")
    date = models.DateField("ngày hiệu lực")
    outstanding = models.BigIntegerField("dư nợ được cơ cấu lại (đồng)")
    reason = models.TextField("lý do")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người phê duyệt", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("thời điểm ghi", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "điều chỉnh lịch trả nợ"
        verbose_name_plural = "điều chỉnh lịch trả nợ"
        ordering = ["contract", "version"]
        constraints = [
            positive("outstanding", "Dư nợ được cơ cấu lại"),
            models.CheckConstraint(
                condition=Q(version__gt=1),
                name="reschedule_version_after_first",
                violation_error_message="Lịch trả điều chỉnh phải có phiên bản từ 2 trở lên.",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="reschedule_reason_required",
                violation_error_message="Cần ghi lý do điều chỉnh lịch trả nợ.",
            ),
            models.UniqueConstraint(
                fields=["contract", "version"],
                name="reschedule_unique_version",
                violation_error_message="Hợp đồng này đã có phiên bản lịch trả này.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract} — lịch trả phiên bản {self.version} ({self.date:%d/%m/%Y})"


class WriteOff(models.Model):
    """The Department writes off what a facility can no longer repay; one per contract."""

    contract = models.OneToOneField(
        LoanContract, verbose_name="hợp đồng", on_delete=models.PROTECT, related_name="write_off"
    )
    date = models.DateField("ngày xóa nợ", db_index=True)
    amount = models.BigIntegerField("số tiền xóa nợ (đồng)")
    reason = models.TextField("lý do")
    decision_number = models.CharField("số quyết định", max_length=60, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người quyết định", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("thời điểm ghi", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "xóa nợ"
        verbose_name_plural = "xóa nợ"
        ordering = ["-date"]
        constraints = [
            positive("amount", "Số tiền xóa nợ"),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="writeoff_reason_required",
                violation_error_message="Cần ghi lý do xóa nợ.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract} — xóa nợ {self.date:%d/%m/%Y}"


class Recovery(models.Model):
    """Money collected on a contract after its write-off; never more than was written off."""

    contract = models.ForeignKey(
        LoanContract, verbose_name="hợp đồng", on_delete=models.PROTECT, related_name="recoveries"
    )
    date = models.DateField("ngày thu", db_index=True)
    amount = models.BigIntegerField("số tiền (đồng)")
    receipt_number = models.CharField("số biên lai", max_length=60)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "khoản thu hồi sau xóa nợ"
        verbose_name_plural = "khoản thu hồi sau xóa nợ"
        ordering = ["-date"]
        constraints = [
            positive("amount", "Số tiền thu hồi"),
            models.UniqueConstraint(
                fields=["contract", "receipt_number"],
                name="recovery_unique_receipt",
                violation_error_message="Hợp đồng này đã có biên lai thu hồi cùng số.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number} ({self.date:%d/%m/%Y})"


class ContractDebt(models.Model):
    """A contract's debt as of ``computed_on``, kept so that the debt screens read one row per
    contract instead of rebuilding every ledger. Derived data, no history of its own: it is
    written by ``funding.loans.refresh_debts`` (from the ledger, with the rules of
    funding/loans.py) in the same transaction as every write to the ledger, and it holds for
    every day D with ``computed_on`` <= D < ``changes_on`` (no dated record of the contract
    falls in between, so only the days-past-due counter moves: ``dpd_anchor``)."""

    contract = models.OneToOneField(LoanContract, on_delete=models.CASCADE, primary_key=True, related_name="debt")
    computed_on = models.DateField(null=True)  # NULL: a placeholder, to be worked out
    changes_on = models.DateField(null=True)  # the next dated record after computed_on; NULL: none
    disbursed = models.BigIntegerField(default=0)
    repaid = models.BigIntegerField(default=0)
    outstanding = models.BigIntegerField(default=0)
    principal_due = models.BigIntegerField(default=0)
    overdue = models.BigIntegerField(default=0)
    balance = models.BigIntegerField(default=0)
    late = models.BooleanField(default=False)  # overdue and not written off (the overdue list's rows)
    on_time = models.BooleanField(default=True)
    sued = models.BooleanField(default=False)
    in_litigation = models.BooleanField(default=False)
    # Days past due on D: D's ordinal − dpd_anchor when the counter runs, else days_past_due.
    dpd_anchor = models.IntegerField(null=True)
    days_past_due = models.IntegerField(default=0)
    oldest_unpaid_due = models.DateField(null=True)
    written_off = models.BigIntegerField(default=0)
    recovered = models.BigIntegerField(default=0)
    schedule_version = models.PositiveSmallIntegerField(default=0)
    lawsuit_filed_on = models.DateField(null=True)
    lawsuit_status = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = "dư nợ hợp đồng (tính sẵn)"
        verbose_name_plural = "dư nợ hợp đồng (tính sẵn)"
        indexes = [models.Index(fields=["late", "dpd_anchor"], name="contractdebt_late")]

    def __str__(self) -> str:
        return f"{self.contract_id} ({self.computed_on})"


class LedgerVersion(models.Model):
    """One row whose ``n`` every write to a contract's ledger increments, in its transaction
    (``funding.loans.bump_ledger_version``): the freshness key of what is cached from the
    debts. The row lock of the UPDATE orders concurrent writers, so a value read after a
    commit counts every write committed before it, whatever order their ids were taken in."""

    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "phiên bản sổ nợ"
        verbose_name_plural = "phiên bản sổ nợ"

    def __str__(self) -> str:
        return str(self.n)
