"""Taking the Centre's workbook in: every sheet in one transaction, matched on its keys (★).

``import_workbook`` reads the file (``reader``), then builds a plan in memory: each row is
parsed, checked and matched against the database and against the rows of the sheets before
it (CoSo → DeAn → GiaiNgan, SuKien → HopDong → LichTra → TraNo → KhoiKien; BinhChon after
CoSo), so that a dry run sees references between sheets without writing anything. Only a
plan without problems is written, in one transaction, with bulk inserts and updates that
record their history rows naming the importing user (django-simple-history records nothing
for bulk writes by itself).

What a money row may do is decided by the functions of ``funding.rules`` that the workflows
of ``funding.services`` call (a đề án approved, dates by today, within the budget and what a
contract still owes), fed with the database's records and the rows before, so that two rows
that each fit but together do not are refused, with the screen's words. The đề án and contract
rows those checks read are locked until the import commits.

The spreadsheet is the Centre's own record and the import is an upsert: a row never deletes
anything, except that the rows of a contract's schedule given in LichTra are that schedule
(instalments of the same version missing from the sheet are removed).
"""

from __future__ import annotations

import datetime
import gc
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction

from funding import loans, rules
from funding.loans import owed
from funding.models import Disbursement, Instalment, Lawsuit, LoanContract, Repayment, WriteOff
from khuyencong.core import cells, roles
from khuyencong.core.formatting import group_thousands
from khuyencong.core.text import clean_text, fold_accents, text_key
from khuyencong.core.today import one_day
from khuyencong.core.validators import normalise_tax_code, validate_phone, validate_tax_code
from khuyencong.workbook import bulk as fast
from khuyencong.workbook import sheets as S
from khuyencong.workbook.reader import UNREADABLE, Problem, RawWorkbook, SheetRows, read_workbook
from projects import provinces
from projects.models import (
    ActivityContent,
    AdministrativeUnit,
    AnnualPlan,
    AwardLevel,
    Event,
    Facility,
    FundingLevel,
    Product,
    ProductNomination,
    Program,
    Project,
    ProjectResult,
    SupportForm,
    folded_search_text,
    support_cap_excess,
    support_cap_for,
)

BATCH = 1000
Progress = Callable[[str, int, int], None]  # (phase, rows done, rows in all); see import_workbook
REQUIRED = object()  # Col.blank: an empty cell is an error
BLANK_REFUSED = "Ô này không được để trống."


def norm(value: str) -> str:
    """A name as rows are matched on it (khuyencong.core.text.text_key): NFC, invisible
    characters dropped, spaces collapsed, case ignored (accents kept)."""
    return text_key(value)


def folded(value: str) -> str:
    return " ".join(fold_accents(value).split())


def level_label(level: FundingLevel) -> str:
    """ "Khuyến công địa phương" is written "Địa phương" in the sheet, as import-format.md has it."""
    name = level.name
    if folded(name).startswith("khuyen cong "):
        name = name[len("Khuyến công ") :]
    return name[:1].upper() + name[1:]


def unit_label(unit: AdministrativeUnit, same_name: int) -> str:
    """A unit's name, with its parent's when another unit has the same name."""
    if same_name > 1 and unit.parent_id:
        return f"{unit.name}, {unit.parent.name}"
    return unit.name


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0  # the template's example row, and rows that refer to a row with an error

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do), sheet by sheet, and every problem."""

    counts: dict[str, Counts]
    problems: list[Problem]
    dry_run: bool
    applied: bool = False
    warnings: list[Problem] = field(default_factory=list)  # not problems: the import still goes in
    rows: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # by sheet: reading, checking, writing
    # Rows left out and why, in words (Problem.message says the row and the reason): the
    # example row, and a row whose đề án, facility or contract is on a row with an error.
    skipped: list[Problem] = field(default_factory=list)
    # An applied import's records, by sheet, with links (khuyencong.workbook.log.touched_records).
    records: dict[str, dict] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_by_sheet(self) -> dict[str, list[Problem]]:
        grouped: dict[str, list[Problem]] = defaultdict(list)
        for problem in self.problems:
            grouped[problem.sheet].append(problem)
        return dict(grouped)

    def summary(self) -> list[tuple[S.Sheet, Counts]]:
        return [(sheet, self.counts[sheet.name]) for sheet in S.SHEETS if sheet.name in self.counts]


# ---------------------------------------------------------------------------------------------
# Columns and rows


@dataclass(frozen=True)
class Col:
    """A column that sets one model field: how its cell is read and what an empty cell means."""

    column: str
    attr: str
    parse: Callable[[Any], Any]
    blank: Any = REQUIRED
    needed: bool = False  # must be given (column present) when the row creates a record


def _text(max_length: int) -> Callable[[Any], str]:
    return lambda value: cells.text(value, max_length=max_length)


def _name(max_length: int) -> Callable[[Any], str]:
    """A name matched on (facility, đề án code and name, event, product): as the model stores it."""
    return lambda value: cells.name(value, max_length=max_length)


def _choice(choices: type[models.TextChoices], what: str) -> Callable[[Any], str]:
    table = {}
    for value, label in choices.choices:
        table[folded(label)] = value
        table[folded(value)] = value
    labels = ", ".join(label for _, label in choices.choices)

    def parse(raw: Any) -> str:
        text = cells.text(raw)
        try:
            return table[folded(text)]
        except KeyError:
            raise cells.CellError(f"{what} “{text}” không có trong danh mục ({labels}).") from None

    return parse


def _positive(parse: Callable[[Any], int], what: str) -> Callable[[Any], int]:
    def wrapped(raw: Any) -> int:
        number = parse(raw)
        if number <= 0:
            raise cells.CellError(f"{what} phải lớn hơn 0.")
        return number

    return wrapped


def _small(what: str, *, maximum: int = 32767) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        number = cells.whole_number(raw, what=what)
        if number > maximum:
            raise cells.CellError(f"{what} quá lớn ({number}).")
        return number

    return parse


def _email(raw: Any) -> str:
    value = cells.text(raw, max_length=254)
    try:
        validate_email(value)
    except ValidationError:
        raise cells.CellError(f"Email “{value}” không hợp lệ.") from None
    return value


def _by_rule(value: str, validate, what: str) -> str:
    """The facility form's rule (khuyencong.core.validators), with the value in the message."""
    try:
        validate(value)
    except ValidationError as error:
        raise cells.CellError(f"{what} “{value}” không hợp lệ: {error.messages[0]}") from None
    return value


def _tax_code(raw: Any) -> str:
    return _by_rule(normalise_tax_code(cells.text(raw, max_length=20)), validate_tax_code, "Mã số thuế")


def _phone(raw: Any) -> str:
    return _by_rule(cells.text(raw, max_length=30), validate_phone, "Điện thoại")


RESULT_LABELS = ("Công nhận", "Không công nhận")  # BinhChon's Kết quả: recognised or not (the template's list)


def _result(raw: Any) -> bool:
    value = folded(cells.text(raw))
    if value == folded(RESULT_LABELS[0]):
        return True
    if value == folded(RESULT_LABELS[1]):
        return False
    raise cells.CellError(f"Kết quả ghi “{RESULT_LABELS[0]}” hoặc “{RESULT_LABELS[1]}”.")


def _percent(raw: Any):
    """A percentage such as 12,5 or 12.5 (a % sign allowed), two decimals at most."""
    import decimal

    text = cells.text(raw).replace("%", "").replace(",", ".").strip()
    try:
        value = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise cells.CellError(f"“{cells.text(raw)}” không phải là tỷ lệ phần trăm (ví dụ 12,5).") from None
    if not value.is_finite() or abs(value) >= 10000:
        raise cells.CellError(f"“{cells.text(raw)}” không phải là tỷ lệ phần trăm hợp lý.")
    return value.quantize(decimal.Decimal("0.01"))


class _Broken(Exception):
    """A reference to a row that is itself wrong: already reported, so the referring row is
    skipped with a note naming that row (_Plan.skip_dependent), not given a problem of its own."""

    def __init__(self, what: str, origin: tuple[int, bool]):
        super().__init__(what)
        self.what, self.origin = what, origin


class Row:
    """One data row of a sheet, with the problems found in it."""

    def __init__(self, plan: _Plan, sheet: S.Sheet, columns: set[str], number: int, values: dict[str, Any]):
        self.plan = plan
        self.sheet = sheet
        self.columns = columns
        self.number = number
        self.values = values
        self.failed = False
        self.had_error = False  # a problem of its own, not only a skip for another row's
        self.skipped = False

    def error(self, column: str, message: str) -> None:
        self.failed = True
        self.had_error = True
        self.plan.problem(self.sheet.name, self.number, column, message)

    def has(self, column: str) -> bool:
        return column in self.columns

    def first_in_sheet(self, seen: dict, key, column: str) -> bool:
        """Whether no earlier row of the sheet has ``key`` (then this row's number is kept in
        ``seen``); a repeat is a problem on ``column``."""
        if key in seen:
            self.error(column, f"Trùng với dòng {seen[key]} của sheet.")
            return False
        seen[key] = self.number
        return True

    def cell(self, column: str, parse: Callable[[Any], Any], blank: Any = REQUIRED) -> Any:
        """The parsed cell, ``blank`` when it is empty, None (after recording why) when wrong."""
        raw = self.values.get(column)
        if raw is UNREADABLE:
            self.failed = True
            self.had_error = True  # reported by the reader
            return None
        if cells.is_blank(raw):
            if blank is REQUIRED:
                self.error(column, BLANK_REFUSED)
                return None
            return blank
        try:
            return parse(raw)
        except cells.CellError as error:
            self.error(column, str(error))
            return None

    def obeys(self, columns: dict[str | None, str], check: Callable[..., None], *args: Any, **facts: Any) -> bool:
        """Whether ``check`` (a rule of ``funding.rules``, the one the workflows call) allows the
        row; its refusal, word for word, goes to the column of the argument it names
        (``columns``; ``None``: a refusal of the whole record)."""
        try:
            check(*args, **facts)
        except ValidationError as refused:
            errors = refused.message_dict if hasattr(refused, "error_dict") else {None: refused.messages}
            for name, messages in errors.items():
                for message in messages:
                    self.error(columns.get(name, columns[None]), message)
            return False
        return True

    def key(self, column: str, parse: Callable[[Any], Any]) -> Any:
        return self.cell(column, parse)

    def fields(self, spec: Iterable[Col]) -> dict[str, Any]:
        """{attr: value} for the columns of ``spec`` that the sheet has."""
        result = {}
        for col in spec:
            if col.column in self.columns:
                result[col.attr] = self.cell(col.column, col.parse, col.blank)
        return result

    def require_for_create(self, spec: Iterable[Col], given: dict[str, Any]) -> None:
        for col in spec:
            if col.needed and col.attr not in given:
                self.error(col.column, "Thiếu cột này: cần có khi thêm mới.")


@dataclass
class _Changes:
    """The pending writes of one model."""

    model: type[models.Model]
    new: list = field(default_factory=list)
    changed: dict[int, models.Model] = field(default_factory=dict)  # id(obj) → obj
    changed_fields: set[str] = field(default_factory=set)
    deleted: list = field(default_factory=list)


def _apply_fields(obj: models.Model, values: dict[str, Any], changes: _Changes) -> bool:
    """Set ``values`` on an existing record; True when anything differs."""
    differs = False
    for attr, value in values.items():
        field = obj._meta.get_field(attr)
        if field.is_relation:
            # Compare keys, without fetching the related row; a new related record always differs.
            current_id = getattr(obj, field.attname)
            if value is None:
                same = current_id is None
            elif value.pk is None:
                same = field.get_cached_value(obj, default=None) is value
            else:
                same = value.pk == current_id
        else:
            same = getattr(obj, attr) == value
        if not same:
            setattr(obj, attr, value)
            changes.changed_fields.add(attr)
            differs = True
    if differs:
        changes.changed[id(obj)] = obj
    return differs


# ---------------------------------------------------------------------------------------------
# The plan


class _Plan:
    def __init__(self, raw: RawWorkbook, user):
        self.raw = raw
        self.user = user
        self.problems: list[Problem] = list(raw.problems)
        self.counts: dict[str, Counts] = {name: Counts() for name in raw.sheets}
        self.changes = {
            model: _Changes(model)
            for model in (
                Program,
                AnnualPlan,
                Facility,
                Project,
                Disbursement,
                Event,
                LoanContract,
                Instalment,
                Repayment,
                Lawsuit,
                Product,
                ProductNomination,
                ProjectResult,
            )
        }
        self.rows = sum(len(sheet.rows) for sheet in raw.sheets.values())
        self.checked = 0
        self.progress: Progress | None = None
        self.seconds = {name: sheet.seconds for name, sheet in raw.sheets.items()}
        self.warnings: list[Problem] = []  # rows that go in, with something to check (a support above its cap)
        self.skipped: list[Problem] = []  # rows left out, with why (skip)
        self.valid_contents: dict[int, set[int]] = {}  # year → ids of the contents valid in it
        self.caps: dict[tuple, Any] = {}  # (content, level, form, year) → the cap that applies
        self._scratch_project = Project()  # the rule's subject, reused: a model instance per row cost more than the rule

    @contextmanager
    def timed(self, sheet: S.Sheet) -> Iterator[None]:
        """Adds the time of the block to the sheet's (ImportResult.seconds)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[sheet.name] = self.seconds.get(sheet.name, 0.0) + time.perf_counter() - started

    def problem(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.problems.append(Problem(sheet, row, column, message))

    def rows_of(self, sheet: S.Sheet) -> Iterable[Row]:
        data = self.raw.sheets.get(sheet.name)
        if data is None:
            return
        columns = set(data.columns)
        for number, values in data.rows:
            self.checked += 1
            if self.progress is not None and self.checked % 2000 == 0:
                self.progress("Đang kiểm tra", self.checked, self.rows)
            if S.is_example(sheet, values):
                self.skip(sheet, number, f"dòng ví dụ của mẫu (“{sheet.marker}” bắt đầu bằng “{S.EXAMPLE_PREFIX}”), không nhập.")
                continue
            yield Row(self, sheet, columns, number, values)

    def skip(self, sheet: S.Sheet, number: int, reason: str) -> None:
        """A row left out, with why: said on the preview and by the command, counted per sheet."""
        message = f"Bỏ qua dòng {number} ({sheet.title}): {reason}"
        self.skipped.append(Problem(sheet.name, number, "", message))
        self.count(sheet, "skipped")

    @staticmethod
    def mark_broken(broken: dict, keys: Iterable, row: Row) -> None:
        """Remember that rows naming ``keys`` refer to ``row``, which failed (the first such row)."""
        for key in keys:
            if key:
                broken.setdefault(key, (row.number, row.had_error))

    def skip_dependent(self, row: Row, what: str, origin: tuple[int, bool], source: S.Sheet) -> None:
        """``row`` refers to ``what`` (“đề án “X” năm 2024”), whose row ``origin`` failed: the row
        is left out, and the preview says which row it waits for."""
        row.failed = True
        if row.skipped:
            return
        row.skipped = True
        number, had_error = origin
        self.skip(row.sheet, row.number, f"{what} ở dòng {number} sheet {source.name} {'có lỗi' if had_error else 'bị bỏ qua'}.")

    def count(self, sheet: S.Sheet, status: str) -> None:
        counts = self.counts.setdefault(sheet.name, Counts())
        setattr(counts, status, getattr(counts, status) + 1)

    def upsert(self, sheet: S.Sheet, row: Row, existing, values: dict[str, Any], make: Callable[[], models.Model]):
        """Update ``existing`` with ``values`` or create a record; count the row either way."""
        if existing is not None:
            if _apply_fields(existing, values, self.changes[type(existing)]):
                self.count(sheet, "updated")
            else:
                self.count(sheet, "unchanged")
            return existing
        obj = fast.new(make) if isinstance(make, type) else make()  # make: the model, or a function making the record
        for attr, value in values.items():
            setattr(obj, attr, value)
        self.changes[type(obj)].new.append(obj)
        self.count(sheet, "created")
        return obj

    # -- loading what the database holds ---------------------------------------------------

    def load(self) -> None:
        self.units = list(AdministrativeUnit.objects.select_related("parent"))
        self.units_by_code = {u.code: u for u in self.units}
        self.units_by_name: dict[str, list[AdministrativeUnit]] = defaultdict(list)
        for unit in self.units:
            self.units_by_name[norm(unit.name)].append(unit)
        self.levels = list(FundingLevel.objects.all())
        self.levels_by_label = {}
        for level in self.levels:
            for label in (level.code, level.name, level_label(level)):
                self.levels_by_label[folded(label)] = level
        self.contents = {c.code.upper(): c for c in ActivityContent.objects.all()}
        self.content_by_pk = {c.pk: c for c in self.contents.values()}
        self.award_levels = {}
        for award in AwardLevel.objects.all():
            self.award_levels[folded(award.name)] = award
            self.award_levels[folded(award.code)] = award

        self.programs = list(Program.objects.order_by("pk"))
        try:
            own = provinces.deployment_chain()
        except AdministrativeUnit.DoesNotExist:
            own = set()
        # A plan by (year, level), the deployment's own province first (a blank
        # FORMER_PROVINCE), and by (year, level, province) for a former province named.
        self.plans: dict[tuple[int, int], AnnualPlan] = {}
        self.province_plans: dict[tuple[int, int, int], AnnualPlan] = {}
        all_plans = list(AnnualPlan.objects.select_related("program").order_by("pk"))
        for plan in sorted(all_plans, key=lambda p: p.program.province_id not in own):
            self.plans.setdefault((plan.year, plan.program.funding_level_id), plan)
            self.province_plans.setdefault((plan.year, plan.program.funding_level_id, plan.program.province_id), plan)
        self.plans_by_pk = {plan.pk: plan for plan in all_plans}

        self.facilities = {f.pk: f for f in Facility.objects.all()}
        self.fac_by_tax = {f.tax_code: f for f in self.facilities.values() if f.tax_code}
        self.fac_by_name: dict[str, list[Facility]] = defaultdict(list)
        for facility in self.facilities.values():
            self.fac_by_name[norm(facility.name)].append(facility)

        self.projects: dict[tuple[int, str], list[Project]] = defaultdict(list)
        plan_years = dict(AnnualPlan.objects.values_list("pk", "year"))
        self.project_by_pk = {}
        # Locked (PostgreSQL) until the import commits, in the order the workflows lock them
        # (đề án, then contract): the budgets and balances checked here cannot move meanwhile.
        for project in Project.objects.select_for_update().order_by("pk"):
            project.year = plan_years[project.plan_id]
            self.projects[(project.year, project.code)].append(project)
            self.project_by_pk[project.pk] = project
        self.project_facilities: dict[int, list[Facility]] = defaultdict(list)  # id(project) → facilities
        self.facilities_changed: set[int] = set()  # id(project) whose set changes
        through = Project.facilities.through
        for project_id, facility_id in through.objects.values_list("project_id", "facility_id").order_by("pk"):
            self.project_facilities[id(self.project_by_pk[project_id])].append(self.facilities[facility_id])

        self.load_funding()
        self.events = {}
        for event in Event.objects.all():
            project = self.project_by_pk[event.project_id]
            event.project = project
            self.events[(id(project), event.name)] = event
        self.products = {}
        product_by_pk = {}
        for product in Product.objects.all():
            product.facility = self.facilities[product.facility_id]
            self.products[(id(product.facility), norm(product.name))] = product
            product_by_pk[product.pk] = product
        self.nominations = {}
        for nomination in ProductNomination.objects.all():
            product = product_by_pk[nomination.product_id]
            nomination.product = product
            self.nominations[(id(product), nomination.level_id, nomination.year)] = nomination

    def load_funding(self) -> None:
        """The money records, keyed as rows match them: documents and receipts by ``text_key``,
        the way the workflows compare them."""
        self.disbursements: dict[tuple[int, str], Disbursement] = {}  # (id(project), number)
        self.disbursements_of: dict[int, list[Disbursement]] = defaultdict(list)
        for item in Disbursement.objects.all():
            project = self.project_by_pk[item.project_id]
            item.project = project
            self.disbursements[(id(project), text_key(item.document_number))] = item
            self.disbursements_of[id(project)].append(item)

        self.contracts = {c.number: c for c in LoanContract.objects.select_for_update().order_by("pk")}
        self.contract_by_pk = {c.pk: c for c in self.contracts.values()}
        self.schedule_terms = {id(c): self._terms(c) for c in self.contracts.values()}
        self.contracts_of: dict[int, list[LoanContract]] = defaultdict(list)
        for contract in self.contracts.values():
            contract.project = self.project_by_pk[contract.project_id]
            contract.facility = self.facilities[contract.facility_id]
            self.contracts_of[id(contract.project)].append(contract)
        self.instalments: dict[int, dict[tuple[int, int], Instalment]] = defaultdict(dict)  # id(contract) →
        for instalment in Instalment.objects.all():
            contract = self.contract_by_pk[instalment.contract_id]
            instalment.contract = contract
            self.instalments[id(contract)][(instalment.schedule_version, instalment.number)] = instalment
        self.repayments = {}
        self.repayment_entries: dict[int, list[tuple[int, bool]]] = defaultdict(list)  # id(contract) → (amount, reversal)
        repayment_by_pk = {}
        self.written_off = {id(self.contract_by_pk[pk]) for pk in WriteOff.objects.values_list("contract_id", flat=True)}
        for repayment in Repayment.objects.all():
            contract = self.contract_by_pk[repayment.contract_id]
            repayment.contract = contract
            self.repayments[(id(contract), text_key(repayment.receipt_number))] = repayment
            self.repayment_entries[id(contract)].append((repayment.amount, repayment.reversal_of_id is not None))
            repayment_by_pk[repayment.pk] = repayment
        for repayment in repayment_by_pk.values():
            if repayment.reversal_of_id:
                repayment.reversal_of = repayment_by_pk[repayment.reversal_of_id]
        self.lawsuits = {}
        for lawsuit in Lawsuit.objects.all():
            contract = self.contract_by_pk[lawsuit.contract_id]
            lawsuit.contract = contract
            self.lawsuits[(id(contract), lawsuit.filed_on)] = lawsuit

    # -- references ------------------------------------------------------------------------

    def unit(self, raw: Any) -> AdministrativeUnit:
        text = cells.text(raw)
        if text in self.units_by_code:
            return self.units_by_code[text]
        found = self.units_by_name.get(norm(text), [])
        if len(found) > 1:
            raise cells.CellError(
                f"Có {len(found)} đơn vị hành chính tên “{text}”; hãy ghi thêm đơn vị cấp trên "
                f"sau dấu phẩy (ví dụ “{text}, {found[0].parent or 'Tỉnh …'}”)."
            )
        if not found and ", " in text:
            name, parent = text.rsplit(", ", 1)
            found = [u for u in self.units_by_name.get(norm(name), []) if u.parent and norm(u.parent.name) == norm(parent)]
        if len(found) != 1:
            raise cells.CellError(f"Không tìm thấy đơn vị hành chính “{text}” trong danh mục.")
        return found[0]

    def commune(self, raw: Any) -> AdministrativeUnit:
        """The Xã, phường column: a commune in force today when one has that name (an old commune
        of the same name is then not meant), else whatever unit the name is, which the
        facility's rule then refuses with its reason."""
        text = cells.text(raw)
        today = Facility.unit_date()
        current = [
            u
            for u in self.units_by_name.get(norm(text), [])
            if u.level == AdministrativeUnit.Level.COMMUNE and u.is_valid_on(today)
        ]
        return current[0] if len(current) == 1 else self.unit(raw)

    def funding_level(self, raw: Any) -> FundingLevel:
        text = cells.text(raw)
        try:
            return self.levels_by_label[folded(text)]
        except KeyError:
            labels = ", ".join(level_label(level) for level in self.levels)
            raise cells.CellError(f"Nguồn “{text}” không có trong danh mục ({labels}).") from None

    def content(self, raw: Any) -> ActivityContent:
        text = cells.text(raw).upper()
        try:
            return self.contents[text]
        except KeyError:
            raise cells.CellError(f"Mã nội dung “{text}” không có trong danh mục nội dung hoạt động.") from None

    def award_level(self, raw: Any) -> AwardLevel:
        text = cells.text(raw)
        try:
            return self.award_levels[folded(text)]
        except KeyError:
            names = ", ".join(dict.fromkeys(a.name for a in sorted(self.award_levels.values(), key=lambda a: a.order)))
            raise cells.CellError(f"Cấp “{text}” không có trong danh mục ({names}).") from None

    def facility_ref(self, token: str) -> Facility:
        """A facility named in another sheet: by tax code, else by name (preferring one without)."""
        token = clean_text(token)
        if token in self.fac_by_tax:
            return self.fac_by_tax[token]
        found = self.fac_by_name.get(norm(token), [])
        without_tax = [f for f in found if not f.tax_code]
        if len(without_tax) == 1:
            return without_tax[0]
        if len(found) == 1:
            return found[0]
        if found:
            raise cells.CellError(f"Có {len(found)} cơ sở tên “{token}”; hãy ghi mã số thuế của cơ sở.")
        origin = self.broken_facilities.get(token) or self.broken_facilities.get(norm(token))
        if origin:
            raise _Broken(f"cơ sở “{token}”", origin)
        raise cells.CellError(f"Không tìm thấy cơ sở “{token}” (trong sheet CoSo hay trong dữ liệu đã có).")

    def project_ref(self, row: Row) -> Project | None:
        """The đề án a row names by Năm and Mã đề án; None (after an error) when there is none."""
        year = row.key(S.YEAR, cells.year)
        code = row.key(S.PROJECT_CODE, _name(40))
        if year is None or code is None:
            return None
        found = self.projects.get((year, code), [])
        if len(found) > 1:
            row.error(S.PROJECT_CODE, f"Năm {year} có {len(found)} đề án mã “{code}” (ở các kế hoạch khác nhau).")
            return None
        if not found and (year, code) in self.broken_projects:
            self.skip_dependent(row, f"đề án “{code}” năm {year}", self.broken_projects[(year, code)], S.PROJECTS)
            return None
        if not found:
            row.error(S.PROJECT_CODE, f"Không tìm thấy đề án mã “{code}” năm {year} (trong sheet DeAn hay trong dữ liệu đã có).")
            return None
        return found[0]

    def contract_ref(self, row: Row) -> LoanContract | None:
        number = row.key(S.CONTRACT, _text(60))
        if number is None:
            return None
        contract = self.contracts.get(number)
        if contract is None and number in self.broken_contracts:
            self.skip_dependent(row, f"hợp đồng số “{number}”", self.broken_contracts[number], S.CONTRACTS)
        elif contract is None:
            row.error(S.CONTRACT, f"Không tìm thấy hợp đồng số “{number}” (trong sheet HopDong hay trong dữ liệu đã có).")
        return contract

    def plan_province(self, project: Project) -> int | None:
        plan = self.plans_by_pk.get(project.plan_id)
        return plan.program.province_id if plan is not None else None

    def former_province(self, row: Row, year: int | None) -> AdministrativeUnit | None:
        """The former province a DeAn row names in FORMER_PROVINCE (projects.provinces), or
        None for a blank cell or a missing column (the deployment's province of the year)."""
        if year is None or not row.has(S.FORMER_PROVINCE):
            return None
        name = (row.cell(S.FORMER_PROVINCE, cells.text, blank="") or "").strip()
        if not name:
            return None
        try:
            unit = provinces.former_province(name, year)
        except AdministrativeUnit.DoesNotExist:
            unit = None
        if unit is None:
            row.error(
                S.FORMER_PROVINCE,
                f"Không có tỉnh “{name}” trong năm {year}: ghi Lâm Đồng, Đắk Nông hoặc Bình Thuận cho đề án "
                "trước 01/7/2025, để trống cho đề án của tỉnh hiện nay.",
            )
        return unit

    def annual_plan(
        self, row: Row, year: int, level: FundingLevel, former: AdministrativeUnit | None = None
    ) -> AnnualPlan | None:
        """The year's plan of the programme at ``level``; a new one (and programme) when there is none.

        A đề án of a former province (``former``, from FORMER_PROVINCE) goes to the plan of that
        province's programme: the programme must exist (the Department records it, with its
        decision); the plan is added under it when missing, as for the deployment's province."""
        if former is not None:
            return self.former_province_plan(row, year, level, former)
        plan = self.plans.get((year, level.pk))
        if plan is not None:
            return plan
        program = next((p for p in self.programs if p.funding_level_id == level.pk and p.first_year <= year <= p.last_year), None)
        if program is None:
            try:
                province = provinces.deployment_province(year)
            except AdministrativeUnit.DoesNotExist:
                province = None
            if province is None:
                row.error("Nguồn", "Chưa có chương trình khuyến công cho năm này và không tìm thấy tỉnh để lập chương trình.")
                return None
            first = year - (year - 1) % 5  # the five-year periods 2016–2020, 2021–2025…
            program = Program(
                name=f"Chương trình {level.name[:1].lower()}{level.name[1:]} giai đoạn {first}–{first + 4}",
                funding_level=level,
                province=province,
                first_year=first,
                last_year=first + 4,
            )
            self.programs.append(program)
            self.changes[Program].new.append(program)
        plan = AnnualPlan(program=program, year=year)
        self.plans[(year, level.pk)] = plan
        self.province_plans[(year, level.pk, program.province.pk)] = plan
        self.changes[AnnualPlan].new.append(plan)
        return plan

    def former_province_plan(
        self, row: Row, year: int, level: FundingLevel, province: AdministrativeUnit
    ) -> AnnualPlan | None:
        plan = self.province_plans.get((year, level.pk, province.pk))
        if plan is not None:
            return plan
        program = next(
            (
                p
                for p in self.programs
                if p.funding_level_id == level.pk and p.province_id == province.pk and p.first_year <= year <= p.last_year
            ),
            None,
        )
        if program is None:
            row.error(
                S.FORMER_PROVINCE,
                f"Chưa có chương trình khuyến công ({level.name}) của {province.name} cho năm {year}: người có "
                f"vai trò “{roles.DEPARTMENT}” cần thêm chương trình đó trước khi nhập đề án của tỉnh này.",
            )
            return None
        plan = AnnualPlan(program=program, year=year)
        self.province_plans[(year, level.pk, province.pk)] = plan
        self.changes[AnnualPlan].new.append(plan)
        return plan

    # -- the sheets --------------------------------------------------------------------------

    def build(self) -> None:
        # What rows with an error would have recorded → (that row, whether it has an error of
        # its own rather than a skip): a row naming one is skipped with a note (skip_dependent).
        self.broken_facilities: dict[str, tuple[int, bool]] = {}
        self.broken_projects: dict[tuple[int, str], tuple[int, bool]] = {}
        self.broken_contracts: dict[str, tuple[int, bool]] = {}
        self.load()
        steps = (
            (S.FACILITIES, self.sheet_facilities),
            (S.PROJECTS, self.sheet_projects),
            (S.DISBURSEMENTS, self.sheet_disbursements),
            (S.EVENTS, self.sheet_events),
            (S.CONTRACTS, self.sheet_contracts),
            (S.INSTALMENTS, self.sheet_instalments),
            (S.REPAYMENTS, self.sheet_repayments),
            (S.LAWSUITS, self.sheet_lawsuits),
            (S.LAWSUITS, self.refresh_states),
            (S.NOMINATIONS, self.sheet_nominations),
            (S.RESULTS, self.sheet_results),
        )
        for sheet, step in steps:
            with self.timed(sheet):
                step()
        if not self.problems:  # totals across sheets mean something only when every row was read
            self.check_recoverable()

    def sheet_facilities(self) -> None:
        spec = [
            Col("Tên cơ sở", "name", _name(300)),
            Col("Loại hình", "kind", _choice(Facility.Kind, "Loại hình"), blank=Facility.Kind.ENTERPRISE),
            Col("Địa chỉ", "address", _name(300), blank=""),
            Col("Đơn vị hành chính", "administrative_unit", self.unit, blank=None),
            Col("Ngành nghề", "sector", _name(200), blank=""),
            Col("Người đại diện", "representative", _name(200), blank=""),
            Col("Điện thoại", "phone", _phone, blank=""),
            Col("Email", "email", _email, blank=""),
            Col(S.COMMUNE, "commune", self.commune, blank=None),
        ]
        seen: dict[tuple[str, str], int] = {}
        in_file: set[int] = set()  # id() of database facilities matched by an earlier row
        for row in self.rows_of(S.FACILITIES):
            tax = row.cell("Mã số thuế", _tax_code, blank="")
            values = row.fields(spec)
            if row.failed or tax is None:
                self.mark_broken(self.broken_facilities, (tax, values.get("name") and norm(values["name"])), row)
                continue
            name = values["name"]
            key = ("tax", tax) if tax else ("name", norm(name))
            if not row.first_in_sheet(seen, key, "Mã số thuế" if tax else "Tên cơ sở"):
                continue
            if tax:
                facility = self.fac_by_tax.get(tax)
                if facility is None:
                    # A facility recorded before its tax code was known takes it now.
                    candidates = [
                        f
                        for f in self.fac_by_name.get(norm(name), [])
                        if not f.tax_code and f.pk is not None and id(f) not in in_file
                    ]
                    facility = candidates[0] if len(candidates) == 1 else None
            else:
                candidates = [f for f in self.fac_by_name.get(norm(name), []) if not f.tax_code]
                if len(candidates) > 1:
                    row.error("Tên cơ sở", f"Có {len(candidates)} cơ sở cùng tên không có mã số thuế; hãy ghi mã số thuế.")
                    continue
                facility = candidates[0] if candidates else None
            if "commune" in values:
                # The facility's rule (Facility.commune_refusal): a commune given or changed must be
                # in force on the facility's date, today.
                before = facility.commune_id if facility is not None else None
                if refusal := Facility.commune_refusal(values["commune"], before):
                    row.error(S.COMMUNE, refusal)
                    self.mark_broken(self.broken_facilities, (tax, norm(name)), row)
                    continue
            if facility is not None:
                in_file.add(id(facility))
                old_name = facility.name
            else:
                row.require_for_create(spec, values)
                if row.failed:
                    continue
            values["tax_code"] = tax if tax or facility is None else facility.tax_code
            result = self.upsert(S.FACILITIES, row, facility, values, Facility)
            if facility is None:
                self.fac_by_name[norm(name)].append(result)
            elif norm(old_name) != norm(name):
                self.fac_by_name[norm(old_name)].remove(facility)
                self.fac_by_name[norm(name)].append(facility)
            if tax:
                self.fac_by_tax[tax] = result

    def project_spec(self) -> list[Col]:
        return [
            Col("Tên đề án", "name", _name(500), needed=True),
            Col("Mã nội dung", "content", self.content, needed=True),
            Col("Hình thức", "support_form", _choice(SupportForm, "Hình thức"), needed=True),
            Col("Kinh phí kế hoạch", "planned_budget", cells.amount, blank=0),
            Col("Vốn đối ứng", "counterpart_capital", cells.amount, blank=0),
            Col("Số lượng", "output_quantity", lambda v: cells.whole_number(v, what="Số lượng"), blank=1),
            Col("Trạng thái", "status", _choice(Project.Status, "Trạng thái"), blank=Project.Status.PROPOSED),
            Col("Sản xuất sạch hơn", "is_cleaner_production", cells.flag, blank=False),
            Col("Đề án điểm", "is_key", cells.flag, blank=False),
            Col("Kinh phí được duyệt", "approved_budget", cells.amount, blank=0),
            Col("Đơn vị thực hiện", "implementing_unit", _name(300), blank=""),
            Col("Lý do không thực hiện", "status_reason", cells.text, blank=""),
            Col("Ngày bắt đầu", "start_date", cells.date, blank=None),
            Col("Ngày kết thúc", "end_date", cells.date, blank=None),
            Col("Ngày nghiệm thu", "acceptance_date", cells.date, blank=None),
            Col("Ngày quyết toán", "settlement_date", cells.date, blank=None),
            Col("Đơn vị tính", "output_unit", _text(60), blank=""),
            Col("Ghi chú", "notes", cells.text, blank=""),
        ]

    def sheet_projects(self) -> None:
        spec = self.project_spec()
        seen: dict[tuple[int, str], int] = {}
        for row in self.rows_of(S.PROJECTS):
            year = row.key(S.YEAR, cells.year)
            code = row.key(S.PROJECT_CODE, _name(40))
            try:
                self.project_row(row, spec, seen, year, code)
            finally:
                if row.failed and year is not None and code is not None:
                    self.mark_broken(self.broken_projects, [(year, code)], row)

    def beneficiaries(self, row: Row) -> list[Facility] | None:
        """The facilities a DeAn row names in its Cơ sở column (None when the sheet has no such
        column: the đề án keeps its own)."""
        if not row.has(S.FACILITY):
            return None
        facilities: list[Facility] = []
        for token in (row.cell(S.FACILITY, cells.text, blank="") or "").split(";"):
            if not token.strip():
                continue
            try:
                facility = self.facility_ref(token.strip())
            except cells.CellError as error:
                row.error(S.FACILITY, str(error))
                continue
            except _Broken as broken:
                self.skip_dependent(row, broken.what, broken.origin, S.FACILITIES)
                continue
            if all(f is not facility for f in facilities):
                facilities.append(facility)
        return facilities

    def project_row(self, row: Row, spec: list[Col], seen: dict, year: int | None, code: str | None) -> None:
        values = row.fields(spec)
        level = row.cell("Nguồn", self.funding_level) if row.has("Nguồn") else None
        facilities = self.beneficiaries(row)
        if row.failed or not row.first_in_sheet(seen, (year, code), S.PROJECT_CODE):
            return
        found = self.projects.get((year, code), [])
        if len(found) > 1:
            row.error(S.PROJECT_CODE, f"Năm {year} có {len(found)} đề án mã “{code}” ở các kế hoạch khác nhau.")
            return
        project = found[0] if found else None
        if project is None:
            row.require_for_create(spec, values)
            if not row.has("Nguồn"):
                row.error("Nguồn", "Thiếu cột này: cần có khi thêm mới.")
        former = self.former_province(row, year)
        if row.failed:
            return
        moved = former is not None and project is not None and self.plan_province(project) != former.pk
        if level is None and moved:
            level = next(lv for lv in self.levels if lv.pk == project.funding_level_id)
        if level is not None and (project is None or project.funding_level_id != level.pk or moved):
            plan = self.annual_plan(row, year, level, former)
            values["funding_level"] = level
            values["plan"] = plan
        values["code"] = code
        self.check_department_fields(row, project, values)
        if not row.failed:  # a row the user may not write is refused for that alone
            self.check_approved_budget(row, project, values)
            self.check_content_year(row, project, values, year)
        if row.failed or not self.project_dates_and_reason(row, project, values):
            return
        self.record_project(row, project, values, facilities, year, code)
        self.warn_support_cap(row, project, values, year, code)

    def check_content_year(self, row: Row, project: Project | None, values: dict[str, Any], year: int) -> None:
        """The đề án's content must be valid in its plan year (ActivityContentQuerySet.valid_in_year,
        asked once a year; the refusal is ActivityContent.year_refusal's, word for word)."""
        content = values.get("content") or (self.content_by_pk.get(project.content_id) if project else None)
        if content is None:
            return
        if year not in self.valid_contents:
            self.valid_contents[year] = set(ActivityContent.objects.valid_in_year(year).values_list("pk", flat=True))
        if content.pk not in self.valid_contents[year]:
            row.error("Mã nội dung", content.year_refusal(year))

    def warn_support_cap(self, row: Row, project: Project | None, values: dict[str, Any], year: int, code: str) -> None:
        """A support above its content's cap is a warning of the row, not a problem: the import
        stays confirmable (projects.models.support_cap_for / support_cap_excess, the đề án form's
        rule)."""
        def final(attr: str, default: Any) -> Any:
            return values[attr] if attr in values else (getattr(project, attr) if project is not None else default)

        # The stored đề án's content and level by id: no query per row.
        content = values["content"].pk if "content" in values else (project.content_id if project else None)
        level = values["funding_level"].pk if "funding_level" in values else (project.funding_level_id if project else None)
        key = (content, level, final("support_form", ""), year)
        if key not in self.caps:
            self.caps[key] = support_cap_for(content_id=key[0], funding_level_id=key[1], support_form=key[2], year=year)
        approved, planned = final("approved_budget", 0), final("planned_budget", 0)
        warning = support_cap_excess(
            self.caps[key], code=code, support=approved or planned, counterpart=final("counterpart_capital", 0) or 0
        )
        if warning:
            column = "Kinh phí được duyệt" if approved else "Kinh phí kế hoạch"
            self.warnings.append(Problem(S.PROJECTS.name, row.number, column, warning))

    @staticmethod
    def project_dates_and_reason(row: Row, project: Project | None, values: dict[str, Any]) -> bool:
        """Whether the đề án's dates, as the row leaves them, are in order; a cancelled one gets
        the reason the database asks for and the spreadsheet has none to give."""
        final_status = values.get("status", project.status if project else Project.Status.PROPOSED)
        final_reason = values.get("status_reason", project.status_reason if project else "")
        if final_status in (Project.Status.CANCELLED, Project.Status.NOT_CARRIED_OUT) and not final_reason:
            values["status_reason"] = "Ghi nhận khi nhập bảng tính."
        start = values.get("start_date", project.start_date if project else None)
        end = values.get("end_date", project.end_date if project else None)
        if start and end and end < start:
            row.error("Ngày kết thúc", "Ngày kết thúc không được trước ngày bắt đầu.")
            return False
        return True

    def record_project(
        self, row: Row, project: Project | None, values: dict, facilities: list[Facility] | None, year: int, code: str
    ) -> None:
        beneficiaries_change = facilities is not None and (
            project is None or {id(f) for f in self.project_facilities.get(id(project), [])} != {id(f) for f in facilities}
        )
        result = self.upsert(S.PROJECTS, row, project, values, Project)
        result.year = year
        if project is None:
            self.projects[(year, code)].append(result)
        if beneficiaries_change:
            self.project_facilities[id(result)] = facilities
            self.facilities_changed.add(id(result))
            if project is not None and id(project) not in self.changes[Project].changed:
                # Only the beneficiaries changed: still an update, with its history row.
                counts = self.counts[S.PROJECTS.name]
                counts.unchanged -= 1
                counts.updated += 1
                self.changes[Project].changed[id(project)] = project

    def check_department_fields(self, row: Row, project: Project | None, values: dict[str, Any]) -> None:
        """What the screens leave to the Department stays the Department's in the workbook: putting
        a đề án into an approval state and its approved budget (roles.py). A row that keeps the
        stored status and budget passes for the Centre, so that its export goes back in unchanged.

        No user (the command line without --user) is whoever runs the server: not checked.
        """
        user = self.user
        if user is None:
            return
        current = project.status if project is not None else None
        new = values.get("status", current or Project.Status.PROPOSED)
        if new is not None and not roles.can_import_project_status(user, current, new):
            before = Project.Status(current or Project.Status.PROPOSED).label
            after = Project.Status(new).label
            if (current or Project.Status.PROPOSED) == new:
                message = "Tài khoản này không có quyền nhập đề án."
            elif new in Project.PAYABLE and current not in Project.PAYABLE:
                message = (
                    f"Chỉ chuyên viên Sở Công Thương được nhập đề án ở trạng thái “{after}”; hãy để “{before}” hoặc nhờ Sở nhập."
                )
            else:
                message = (
                    f"Chỉ chuyên viên Sở Công Thương được chuyển đề án từ “{before}” sang “{after}”; "
                    f"hãy để “{before}” hoặc nhờ Sở nhập."
                )
            row.error("Trạng thái", message)
        budget = values.get("approved_budget")
        stored = project.approved_budget if project is not None else 0
        if budget is not None and budget != stored and not roles.can_edit_approved_budget(user):
            row.error("Kinh phí được duyệt", "Kinh phí được duyệt do Sở Công Thương nhập khi phê duyệt.")

    LIFECYCLE_COLUMNS = {"status": "Trạng thái", "acceptance_date": "Ngày nghiệm thu", "settlement_date": "Ngày quyết toán"}

    def check_approved_budget(self, row: Row, project: Project | None, values: dict[str, Any]) -> None:
        """The model's rules (Project.approved_budget_refusal, lifecycle_refusal) on the đề án as
        the row leaves it."""
        scratch = self._scratch_project
        for attr, default in (("status", Project.Status.PROPOSED), ("approved_budget", 0), ("planned_budget", 0)):
            setattr(scratch, attr, values.get(attr, getattr(project, attr) if project is not None else default))
        refusal = scratch.approved_budget_refusal()
        if refusal:
            row.error("Kinh phí được duyệt", refusal)
        # The steps' rule (Project.lifecycle_refusal): a completed đề án was accepted and
        # settled, on days in order that have come.
        for attr in ("start_date", "acceptance_date", "settlement_date"):
            setattr(scratch, attr, values.get(attr, getattr(project, attr) if project is not None else None))
        lifecycle = scratch.lifecycle_refusal()
        if lifecycle:
            row.error(self.LIFECYCLE_COLUMNS[lifecycle[0]], lifecycle[1])
        elif project is not None:  # nor lowered below the money already paid out (Project.clean)
            paid = sum(item.amount for item in self.disbursements_of.get(id(project), ()))
            refusal = scratch.budget_below_paid_refusal(paid)
            if refusal:
                row.error("Kinh phí được duyệt" if scratch.approved_budget else "Kinh phí kế hoạch", refusal)

    def sheet_disbursements(self) -> None:
        spec = [
            Col("Ngày", "date", cells.date, needed=True),
            Col("Số tiền", "amount", _positive(cells.amount, "Số tiền giải ngân"), needed=True),
            Col("Loại chi", "kind", _choice(Disbursement.Kind, "Loại chi"), blank=Disbursement.Kind.PAYMENT),
        ]
        seen: dict[tuple[int, str], int] = {}
        self.disbursement_rows: dict[int, list[Row]] = defaultdict(list)
        for row in self.rows_of(S.DISBURSEMENTS):
            project = self.project_ref(row)
            number = row.key("Số chứng từ", _text(60))
            values = row.fields(spec)
            if row.failed:
                continue
            key = (id(project), text_key(number))
            if not row.first_in_sheet(seen, key, "Số chứng từ"):
                continue
            existing = self.disbursements.get(key)
            if existing is None:
                row.require_for_create(spec, values)
                if row.failed:
                    continue
            if not self.disbursement_allowed(row, project, existing, values):
                continue
            result = self.upsert(
                S.DISBURSEMENTS,
                row,
                existing,
                values,
                lambda project=project, number=number: fast.new(Disbursement, project=project, document_number=number),
            )
            if existing is None:
                self.disbursements[key] = result
                self.disbursements_of[id(project)].append(result)
            self.disbursement_rows[id(project)].append(row)

    DISBURSEMENT_COLUMNS = {"date": "Ngày", "amount": "Số tiền", None: S.PROJECT_CODE}

    def disbursement_allowed(self, row: Row, project: Project, existing: Disbursement | None, values: dict) -> bool:
        """``rules.disbursement`` for a new row or a changed one, against the đề án's other
        disbursements in the database and in the rows before."""
        date = values.get("date", getattr(existing, "date", None))
        amount = values.get("amount", getattr(existing, "amount", None))
        kind = values.get("kind", getattr(existing, "kind", Disbursement.Kind.PAYMENT))
        if existing is not None and (date, amount, kind) == (existing.date, existing.amount, existing.kind):
            return True  # as recorded: the export of the database goes back in unchanged
        if not row.obeys({"kind": "Loại chi", None: S.PROJECT_CODE}, rules.disbursement_kind, project=project, kind=kind):
            return False
        if existing is not None and (date, amount) == (existing.date, existing.amount):
            return True  # only its kind changed
        others = sum(d.amount for d in self.disbursements_of.get(id(project), []) if d is not existing)
        return row.obeys(
            self.DISBURSEMENT_COLUMNS, rules.disbursement, project=project, date=date, amount=amount, disbursed=others
        )

    def sheet_events(self) -> None:
        count = lambda what: lambda v: cells.whole_number(v, what=what)  # noqa: E731
        spec = [
            Col("Ngày", "date", cells.date, blank=None),
            Col("Địa điểm", "place", _name(300), blank=""),
            Col("Lượt doanh nghiệp", "participants", count("Lượt doanh nghiệp"), blank=0),
            Col("Hợp đồng mua bán", "sale_contracts", count("Số hợp đồng mua bán"), blank=0),
            Col("Biên bản hợp tác", "memoranda", count("Số biên bản hợp tác"), blank=0),
            Col("Loại sự kiện", "kind", _choice(Event.Kind, "Loại sự kiện"), blank=Event.Kind.CONFERENCE),
        ]
        default_kind = {"HCTL": Event.Kind.FAIR, "DTBD": Event.Kind.TRAINING}
        seen: dict[tuple[int, str], int] = {}
        for row in self.rows_of(S.EVENTS):
            project = self.project_ref(row)
            name = row.key("Tên sự kiện", _name(300))
            values = row.fields(spec)
            if row.failed:
                continue
            key = (id(project), name)
            if not row.first_in_sheet(seen, key, "Tên sự kiện"):
                continue
            existing = self.events.get(key)
            # The model's rule (Event.clean): a new event needs a đề án carried out, as it
            # stands after the DeAn sheet.
            refusal = project.event_refusal() if existing is None else ""
            if refusal:
                row.error(S.PROJECT_CODE, refusal)
                continue

            def make(project=project, name=name):
                content = self.content_by_pk.get(project.content_id)
                kind = default_kind.get(content.code if content else "", Event.Kind.CONFERENCE)
                return fast.new(Event, project=project, name=name, kind=kind)

            result = self.upsert(S.EVENTS, row, existing, values, make)
            self.events[key] = result

    def sheet_contracts(self) -> None:
        spec = [
            Col("Ngày ký", "signed_on", cells.date, needed=True),
            Col("Số tiền hỗ trợ", "principal", _positive(cells.amount, "Số tiền hỗ trợ"), needed=True),
            Col("Ngày giải ngân", "disbursed_on", cells.date, blank=None),
            Col("Thời hạn (tháng)", "term_months", _positive(_small("Thời hạn"), "Thời hạn"), needed=True),
            Col("Ân hạn (tháng)", "grace_months", _small("Ân hạn"), blank=0),
            Col("Số kỳ trả", "instalment_count", _positive(_small("Số kỳ trả"), "Số kỳ trả"), needed=True),
            Col("Tình trạng", "state", _choice(LoanContract.State, "Tình trạng"), blank=None),
        ]
        seen: dict[str, int] = {}
        self.contract_rows: dict[int, tuple[LoanContract, Row]] = {}  # id(contract) → it and its row
        for row in self.rows_of(S.CONTRACTS):
            number = row.key(S.CONTRACT, _text(60))
            try:
                values = row.fields(spec)
                if row.has(S.YEAR) or row.has(S.PROJECT_CODE):
                    project = self.project_ref(row)
                    if project is not None:
                        values["project"] = project
                if row.has(S.FACILITY):
                    token = row.cell(S.FACILITY, cells.text)
                    if token:
                        try:
                            values["facility"] = self.facility_ref(token)
                        except cells.CellError as error:
                            row.error(S.FACILITY, str(error))
                        except _Broken as broken:
                            self.skip_dependent(row, broken.what, broken.origin, S.FACILITIES)
                if row.failed:
                    continue
                if not row.first_in_sheet(seen, number, S.CONTRACT):
                    continue
                contract = self.contracts.get(number)
                if contract is None:
                    row.require_for_create(spec, values)
                    for column, attr in ((S.PROJECT_CODE, "project"), (S.FACILITY, "facility")):
                        if attr not in values:
                            row.error(column, "Thiếu cột này: cần có khi thêm mới.")
                    if row.failed:
                        continue
                if values.get("state") is None:
                    values.pop("state", None)
                    if contract is None:
                        disbursed = values.get("disbursed_on")
                        values["state"] = LoanContract.State.ACTIVE if disbursed else LoanContract.State.DRAFT
                final = {
                    attr: values.get(attr, getattr(contract, attr, None))
                    for attr in ("grace_months", "term_months", "disbursed_on", "signed_on")
                }
                if final["grace_months"] >= final["term_months"]:
                    row.error("Ân hạn (tháng)", "Thời gian ân hạn phải ngắn hơn thời hạn hợp đồng.")
                if final["disbursed_on"] and final["disbursed_on"] < final["signed_on"]:
                    row.error("Ngày giải ngân", "Ngày giải ngân không được trước ngày ký hợp đồng.")
                if row.failed or not self.contract_allowed(row, contract, values, final):
                    continue
                old_project = contract.project if contract else None
                make = lambda number=number: fast.new(LoanContract, number=number)  # noqa: E731
                result = self.upsert(S.CONTRACTS, row, contract, values, make)
                if contract is None:
                    self.contracts[number] = result
                elif old_project is not result.project:
                    self.contracts_of[id(old_project)].remove(result)
                if contract is None or old_project is not result.project:
                    self.contracts_of[id(result.project)].append(result)
                self.contract_rows[id(result)] = (result, row)
            finally:
                if row.failed and number is not None:
                    self.mark_broken(self.broken_contracts, [number], row)

    CONTRACT_COLUMNS = {
        "signed_on": "Ngày ký",
        "principal": "Số tiền hỗ trợ",
        "date": "Ngày giải ngân",
        "facility": S.FACILITY,
        None: S.PROJECT_CODE,
    }

    def contract_allowed(self, row: Row, contract: LoanContract | None, values: dict, final: dict) -> bool:
        """The rules of ``services.create_contract`` and ``disburse_contract`` for a new contract,
        or for one whose đề án, facility, principal or dates change, against the đề án's other
        contracts in the database and in the rows before."""
        project = values.get("project", contract.project if contract else None)
        facility = values.get("facility", contract.facility if contract else None)
        principal = values.get("principal", contract.principal if contract else None)
        if contract is not None and (refusal := contract.edit_refusal()) is not None:
            # Paid out: the terms are the ledger's (LoanContract.edit_refusal, as on the screens).
            count = values.get("instalment_count", contract.instalment_count)
            if (project, facility, principal, final["signed_on"], final["disbursed_on"], final["term_months"],
                    final["grace_months"], count) != (
                contract.project, contract.facility, contract.principal, contract.signed_on, contract.disbursed_on,
                contract.term_months, contract.grace_months, contract.instalment_count,
            ):
                row.error(S.CONTRACT, refusal)
                return False
        if contract is not None and (project, facility, principal, final["signed_on"], final["disbursed_on"]) == (
            contract.project,
            contract.facility,
            contract.principal,
            contract.signed_on,
            contract.disbursed_on,
        ):
            return True  # as recorded: the export of the database goes back in unchanged
        lent = sum(c.principal for c in self.contracts_of.get(id(project), []) if c is not contract)
        columns = self.CONTRACT_COLUMNS
        if not row.obeys(columns, rules.contract, project=project, signed_on=final["signed_on"], principal=principal, lent=lent):
            return False
        if final["disbursed_on"] and not row.obeys(columns, rules.contract_disbursal, date=final["disbursed_on"]):
            return False
        listed = any(f is facility for f in self.project_facilities.get(id(project), []))
        return row.obeys(columns, rules.beneficiary, project=project, facility=facility, is_beneficiary=listed)

    @staticmethod
    def _terms(contract: LoanContract) -> tuple:
        """What the rule's schedule depends on."""
        return (
            contract.principal,
            contract.disbursed_on,
            contract.term_months,
            contract.grace_months,
            contract.instalment_count,
        )

    def sheet_instalments(self) -> None:
        groups: dict[tuple[int, int], list[tuple[Row, int, datetime.date, int]]] = defaultdict(list)
        contracts: dict[int, LoanContract] = {}
        seen: dict[tuple[int, int, int], int] = {}
        for row in self.rows_of(S.INSTALMENTS):
            contract = self.contract_ref(row)
            number = row.key("Kỳ", _positive(_small("Kỳ"), "Kỳ"))
            version = row.cell("Phiên bản", _positive(_small("Phiên bản"), "Phiên bản"), blank=1) if row.has("Phiên bản") else 1
            due = row.cell("Ngày đến hạn", cells.date) if row.has("Ngày đến hạn") else None
            money = row.cell("Số tiền", _positive(cells.amount, "Số tiền phải trả")) if row.has("Số tiền") else None
            for column in ("Ngày đến hạn", "Số tiền"):
                if not row.has(column):
                    row.error(column, "Thiếu cột này: lịch trả cần ngày đến hạn và số tiền của từng kỳ.")
            if row.failed:
                continue
            key = (id(contract), version, number)
            if not row.first_in_sheet(seen, key, "Kỳ"):
                continue
            contracts[id(contract)] = contract
            groups[(id(contract), version)].append((row, number, due, money))

        for (contract_key, version), items in groups.items():
            contract = contracts[contract_key]
            total = sum(money for _, _, _, money in items)
            if total != contract.principal:
                first = items[0][0]
                first.error(
                    "Số tiền",
                    f"Lịch trả (phiên bản {version}) của hợp đồng “{contract.number}” cộng lại "
                    f"{group_thousands(total)} đồng, khác số tiền hỗ trợ {group_thousands(contract.principal)} đồng.",
                )
                continue
            self._set_schedule(contract, version, [(n, due, money) for _, n, due, money in items])

        # Contracts of the HopDong sheet without a schedule in LichTra get the rule's schedule.
        given = {contract_key for contract_key, _ in groups}
        for contract_key, (contract, row) in self.contract_rows.items():
            if contract_key in given:
                continue
            existing = self.instalments.get(contract_key, {})
            if existing and self.schedule_terms.get(contract_key) == self._terms(contract):
                continue
            if existing and {version for version, _ in existing} != {1}:
                row.error(
                    "Số tiền hỗ trợ",
                    "Hợp đồng đã điều chỉnh lịch trả; khi sửa số tiền, thời hạn, ân hạn, số kỳ hay ngày giải ngân "
                    "hãy ghi lịch trả trong sheet LichTra.",
                )
                continue
            if contract.disbursed_on is None:
                continue  # not paid out yet: no schedule
            try:
                schedule = generate_schedule(contract)
            except ValidationError as error:
                row.error("Số kỳ trả", " ".join(error.messages))
                continue
            if any(money <= 0 for _, _, money in schedule):
                row.error(
                    "Số kỳ trả",
                    f"Số tiền hỗ trợ ({group_thousands(contract.principal)} đồng) nhỏ hơn số kỳ trả "
                    f"({contract.instalment_count}): có kỳ phải trả 0 đồng.",
                )
                continue
            self._set_schedule(contract, 1, schedule, generated=True)

    def _set_schedule(self, contract, version: int, schedule, *, generated: bool = False) -> None:
        existing = self.instalments[id(contract)]
        numbers = set()
        for number, due, money in schedule:
            numbers.add(number)
            instalment = existing.get((version, number))
            values = {"due_date": due, "principal_due": money}
            result = self.upsert(
                S.INSTALMENTS,
                None,
                instalment,
                values,
                lambda number=number: fast.new(Instalment, contract=contract, schedule_version=version, number=number),
            )
            existing[(version, number)] = result
        for (v, number), instalment in list(existing.items()):
            if v == version and number not in numbers:
                self.changes[Instalment].deleted.append(instalment)
                del existing[(v, number)]
                self.count(S.INSTALMENTS, "deleted")

    def sheet_repayments(self) -> None:
        spec = [
            Col("Ngày trả", "date", cells.date, needed=True),
            Col("Số tiền", "amount", _positive(cells.amount, "Số tiền trả nợ"), needed=True),
        ]
        seen: dict[tuple[int, str], int] = {}
        reversals: list[tuple[Row, Repayment, str]] = []
        for row in self.rows_of(S.REPAYMENTS):
            contract = self.contract_ref(row)
            receipt = row.key("Số biên lai", _text(60))
            values = row.fields(spec)
            reverses = row.cell("Đảo biên lai", _text(60), blank="") if row.has("Đảo biên lai") else None
            if row.failed:
                continue
            key = (id(contract), text_key(receipt))
            if not row.first_in_sheet(seen, key, "Số biên lai"):
                continue
            existing = self.repayments.get(key)
            if existing is None:
                row.require_for_create(spec, values)
                if row.failed or not self.repayment_allowed(row, contract, values, reverses):
                    continue
                repayment = fast.new(Repayment, contract=contract, receipt_number=receipt, **values)
                self.changes[Repayment].new.append(repayment)
                self.repayments[key] = repayment
                self.repayment_entries[id(contract)].append((repayment.amount, bool(reverses)))
                self.count(S.REPAYMENTS, "created")
                if reverses:
                    reversals.append((row, repayment, reverses))
                continue
            # Money received is never rewritten: a wrong entry is reversed by another.
            old_reverses = existing.reversal_of.receipt_number if existing.reversal_of is not None else ""
            differs = [
                column
                for column, attr in (("Ngày trả", "date"), ("Số tiền", "amount"))
                if attr in values and values[attr] != getattr(existing, attr)
            ]
            if reverses is not None and text_key(reverses) != text_key(old_reverses):
                differs.append("Đảo biên lai")
            if differs and receipt != existing.receipt_number:
                # Another way of writing a receipt the contract has: refused as on the screen.
                row.obeys({None: "Số biên lai"}, rules.new_receipt, [existing.receipt_number], receipt)
            elif differs:
                row.error(
                    differs[0],
                    "Không được sửa khoản trả nợ đã ghi nhận; nếu ghi sai, hãy lập bút toán đảo (cùng số tiền) "
                    "với số biên lai mới.",
                )
                continue
            self.count(S.REPAYMENTS, "unchanged")

        reversed_by: dict[int, Repayment] = {id(r.reversal_of): r for r in self.repayments.values() if r.reversal_of is not None}
        for row, repayment, receipt in reversals:
            original = self.repayments.get((id(repayment.contract), text_key(receipt)))
            if original is None:
                row.error("Đảo biên lai", f"Không tìm thấy biên lai “{receipt}” của hợp đồng này để đảo.")
            elif original is repayment:
                row.error("Đảo biên lai", "Một biên lai không tự đảo chính nó.")
            elif id(original) in reversed_by:
                row.error("Đảo biên lai", f"Biên lai “{receipt}” đã có bút toán đảo.")
            elif original.amount != repayment.amount:
                row.error("Số tiền", f"Bút toán đảo phải cùng số tiền với biên lai “{receipt}”.")
            elif not row.obeys(self.REPAYMENT_COLUMNS, rules.reversal, date=repayment.date, original_date=original.date):
                pass
            else:
                repayment.reversal_of = original
                reversed_by[id(original)] = repayment

    REPAYMENT_COLUMNS = {"date": "Ngày trả", "amount": "Số tiền", None: S.CONTRACT}

    def repayment_allowed(self, row: Row, contract: LoanContract, values: dict, reverses: str | None) -> bool:
        """``rules.repayment`` against what the contract still owes after the database's entries
        and the rows before (``loans.owed``); a reversal entry gives money back, so only its date
        is checked here and its match in the second pass."""
        day = values["date"]
        if reverses:
            if contract.disbursed_on is not None and day < contract.disbursed_on:
                row.error("Ngày trả", f"Ngày trả nợ không được trước ngày giải ngân ({contract.disbursed_on:%d/%m/%Y}).")
                return False
            return row.obeys(self.REPAYMENT_COLUMNS, rules.not_after_today, day, "Ngày đảo", "date")
        return row.obeys(
            self.REPAYMENT_COLUMNS,
            rules.repayment,
            date=day,
            amount=values["amount"],
            disbursed_on=contract.disbursed_on,
            written_off=id(contract) in self.written_off or contract.state == LoanContract.State.WRITTEN_OFF,
            outstanding=owed(contract.principal, self.repayment_entries[id(contract)]),
        )

    LAWSUIT_COLUMNS = {
        "filed_on": "Ngày khởi kiện",
        "judgment_date": "Ngày bản án",
        "closed_on": "Ngày kết thúc",
        None: S.CONTRACT,
    }

    def sheet_lawsuits(self) -> None:
        spec = [
            Col("Tòa án", "court", _text(200), needed=True),
            Col("Số thụ lý", "case_number", _text(60), blank=""),
            Col("Trạng thái", "status", _choice(Lawsuit.Status, "Trạng thái"), blank=Lawsuit.Status.PENDING),
            Col("Số tiền theo bản án", "amount_awarded", cells.amount, blank=None),
            Col("Ngày bản án", "judgment_date", cells.date, blank=None),
            Col("Số bản án", "judgment_number", _text(60), blank=""),
            Col("Thi hành án", "enforcement_notes", cells.text, blank=""),
            Col("Ngày kết thúc", "closed_on", cells.date, blank=None),
        ]
        seen: dict[tuple[int, datetime.date], int] = {}
        for row in self.rows_of(S.LAWSUITS):
            contract = self.contract_ref(row)
            filed_on = row.key("Ngày khởi kiện", cells.date)
            values = row.fields(spec)
            if row.failed:
                continue
            key = (id(contract), filed_on)
            if not row.first_in_sheet(seen, key, "Ngày khởi kiện"):
                continue
            existing = self.lawsuits.get(key)
            if existing is None:
                row.require_for_create(spec, values)
                if not row.failed:
                    row.obeys(
                        self.LAWSUIT_COLUMNS,
                        rules.lawsuit,
                        filed_on=filed_on,
                        disbursed_on=contract.disbursed_on,
                        written_off=id(contract) in self.written_off or contract.state == LoanContract.State.WRITTEN_OFF,
                    )
            for attr, what in (("judgment_date", "Ngày bản án"), ("closed_on", "Ngày kết thúc vụ kiện")):
                day = values.get(attr)
                if day and day != getattr(existing, attr, None):
                    row.obeys(self.LAWSUIT_COLUMNS, rules.not_after_today, day, what, attr)
            closed = values.get("closed_on", existing.closed_on if existing else None)
            if closed and closed < filed_on:
                row.error("Ngày kết thúc", "Ngày kết thúc vụ kiện không được trước ngày khởi kiện.")
            if row.failed:
                continue
            result = self.upsert(
                S.LAWSUITS,
                row,
                existing,
                values,
                lambda contract=contract, filed_on=filed_on: fast.new(Lawsuit, contract=contract, filed_on=filed_on),
            )
            self.lawsuits[key] = result

    def refresh_states(self) -> None:
        """The state of a contract repaid or sued in this file, derived as the workflows derive it
        (``rules.contract_state``), unless its HopDong row says it."""
        touched = {id(r.contract): r.contract for r in self.changes[Repayment].new}
        touched.update((id(s.contract), s.contract) for s in self.changes[Lawsuit].new)
        sued = {id(s.contract) for s in self.lawsuits.values() if s.closed_on is None and s.status != Lawsuit.Status.CLOSED}
        for key, contract in touched.items():
            row = self.contract_rows.get(key)
            if row is not None and row[1].has("Tình trạng") and not cells.is_blank(row[1].values.get("Tình trạng")):
                continue
            state = rules.contract_state(
                disbursed=contract.disbursed_on is not None,
                written_off=key in self.written_off,
                in_litigation=key in sued,
                outstanding=owed(contract.principal, self.repayment_entries[key]),
            )
            if contract.pk is None:
                contract.state = state
            else:
                _apply_fields(contract, {"state": state}, self.changes[LoanContract])

    def sheet_nominations(self) -> None:
        spec = [
            Col("Kết quả", "recognised", _result, blank=False),
            Col("Số giấy chứng nhận", "certificate_number", _text(60), blank=""),
            Col("Ngày cấp", "certificate_date", cells.date, blank=None),
        ]
        seen: dict[tuple, int] = {}
        for row in self.rows_of(S.NOMINATIONS):
            name = row.key("Tên sản phẩm", _name(300))
            token = row.key(S.FACILITY, cells.text)
            level = row.key("Cấp", self.award_level)
            year = row.key(S.YEAR, cells.year)
            facility = None
            if token:
                try:
                    facility = self.facility_ref(token)
                except cells.CellError as error:
                    row.error(S.FACILITY, str(error))
                except _Broken as broken:
                    self.skip_dependent(row, broken.what, broken.origin, S.FACILITIES)
            values = row.fields(spec)
            if row.failed:
                continue
            product = self.products.get((id(facility), norm(name)))
            if product is None:
                product = fast.new(Product, facility=facility, name=name)
                self.products[(id(facility), norm(name))] = product
                self.changes[Product].new.append(product)
            key = (id(product), level.pk, year)
            if not row.first_in_sheet(seen, key, "Tên sản phẩm"):
                continue
            # The model's rule (ProductNomination.clean): a level valid in the nomination's year.
            refusal = level.year_refusal(year)
            if refusal:
                row.error("Cấp", refusal)
                continue
            result = self.upsert(
                S.NOMINATIONS,
                row,
                self.nominations.get(key),
                values,
                lambda product=product, level=level, year=year: fast.new(
                    ProductNomination, product=product, level=level, year=year
                ),
            )
            self.nominations[key] = result

    def sheet_results(self) -> None:
        spec = [
            Col("Năng lực sản xuất", "capacity", _text(200), blank=""),
            Col("Năng suất tăng (%)", "productivity_increase", _percent, blank=None),
            Col("Doanh thu / giá trị gia tăng", "revenue", cells.money, blank=0),
            Col("Thị trường mới", "new_markets", _text(300), blank=""),
            Col("Tiết kiệm nguyên liệu", "material_saved", _text(200), blank=""),
            Col("Tiết kiệm năng lượng", "energy_saved", _text(200), blank=""),
            Col("Lao động mới", "jobs_created", lambda v: cells.whole_number(v, what="Số lao động mới"), blank=0),
            Col("Vốn huy động", "capital_mobilised", cells.money, blank=0),
            Col("Ghi chú", "note", cells.text, blank=""),
        ]
        results = {(r.project_id, r.date): r for r in ProjectResult.objects.all()}
        seen: dict[tuple, int] = {}
        for row in self.rows_of(S.RESULTS):
            project = self.project_ref(row)
            date = row.key("Ngày theo dõi", cells.date)
            values = row.fields(spec)
            if row.failed:
                continue
            key = (id(project), date)
            if not row.first_in_sheet(seen, key, "Ngày theo dõi"):
                continue
            # The model's rule (ProjectResult.clean): only a completed đề án, as it stands
            # after the DeAn sheet.
            refusal = project.result_refusal(date)
            if refusal:
                # A đề án not completed is the code's fault; a day out of range is the date's.
                row.error(S.PROJECT_CODE if project.result_refusal() else "Ngày theo dõi", refusal)
                continue
            existing = results.get((project.pk, date)) if project.pk else None
            self.upsert(
                S.RESULTS, row, existing, values,
                lambda project=project, date=date: fast.new(ProjectResult, project=project, date=date),
            )

    def check_recoverable(self) -> None:
        """A recoverable đề án's disbursements may not exceed its contracts' principal."""
        touched = set(self.disbursement_rows) | {id(c.project) for c, _ in self.contract_rows.values()}
        projects = {id(p): p for group in self.projects.values() for p in group}
        for key in touched:
            project = projects.get(key)
            if project is None or project.support_form != SupportForm.RECOVERABLE:
                continue
            paid = sum(d.amount for d in self.disbursements_of.get(key, []))
            principal = sum(c.principal for c in self.contracts_of.get(key, []))
            rows = self.disbursement_rows.get(key)
            if rows:
                row, column = rows[-1], "Số tiền"
            else:
                ours = {id(c) for c in self.contracts_of[key]}
                row, column = next(r for c, r in self.contract_rows.values() if id(c) in ours), "Số tiền hỗ trợ"
            row.obeys({None: column}, rules.disbursed_within_contracts, project=project, disbursed=paid, lent=principal)

    # -- writing ---------------------------------------------------------------------------

    def apply(self) -> None:
        """Write the plan: records and their history rows (one each, naming the user) in bulk,
        sheet by sheet in the order their references need. The caller's transaction then ends
        with ``import_workbook``'s last step, where the touched contracts are known."""
        user = self.user

        def save_each(model):
            for obj in self.changes[model].new:
                obj._history_user = user
                obj.save()

        def bulk(model):
            changes = self.changes[model]
            fast.insert(model, changes.new)
            fast.insert_history(model, changes.new, history_type="+", user=user)
            changed = list(changes.changed.values())
            if changed:
                model.objects.bulk_update(changed, sorted(changes.changed_fields), batch_size=BATCH)
                fast.insert_history(model, changed, history_type="~", user=user)

        with self.timed(S.PROJECTS):
            save_each(Program)
            save_each(AnnualPlan)
        with self.timed(S.FACILITIES):
            self._fill_search_text(Facility)
            bulk(Facility)
        with self.timed(S.PROJECTS):
            self._fill_search_text(Project)
            self._write_projects()
        with self.timed(S.DISBURSEMENTS):
            bulk(Disbursement)
        with self.timed(S.EVENTS):
            self._fill_search_text(Event)
            bulk(Event)
        with self.timed(S.CONTRACTS):
            bulk(LoanContract)
        with self.timed(S.INSTALMENTS):
            for instalment in self.changes[Instalment].deleted:
                instalment._history_user = user
                instalment.delete()
            bulk(Instalment)
        with self.timed(S.REPAYMENTS):
            self._write_repayments()
        with self.timed(S.LAWSUITS):
            bulk(Lawsuit)
        with self.timed(S.NOMINATIONS):
            bulk(Product)
            bulk(ProductNomination)
        with self.timed(S.RESULTS):
            for result in self.changes[ProjectResult].new:
                result.project = result.project  # the đề án's id, when it is new in this file
            bulk(ProjectResult)

    def _write_repayments(self) -> None:
        # A reversal refers to the repayment it reverses, which may be new in this file too.
        pending = self.changes[Repayment].new
        while pending:
            ready = [r for r in pending if r.reversal_of is None or r.reversal_of.pk is not None]
            if not ready:
                raise IntegrityError("Bút toán đảo vòng quanh.")
            fast.insert(Repayment, ready)
            fast.insert_history(Repayment, ready, history_type="+", user=self.user)
            pending = [r for r in pending if r.pk is None]

    def _fill_search_text(self, model: type[Facility] | type[Project]) -> None:
        """Bulk writes bypass save(), which fills the accent-free search column: fill it here,
        by the same definition, on the rows created and on those whose words change."""
        changes = self.changes[model]
        for obj in changes.new:
            obj.search_text = folded_search_text(obj)
        if changes.changed_fields & set(model.SEARCH_FIELDS):
            for obj in changes.changed.values():
                obj.search_text = folded_search_text(obj)
            changes.changed_fields.add("search_text")

    def _write_projects(self) -> None:
        changes = self.changes[Project]
        through = Project.facilities.through
        fast.insert(Project, changes.new)
        changed = list(changes.changed.values())
        fields = sorted(changes.changed_fields)
        if changed and fields:
            Project.objects.bulk_update(changed, fields, batch_size=BATCH)
        moved = [p for p in changes.new + changed if id(p) in self.facilities_changed]
        created = {id(p) for p in changes.new}
        old = [p.pk for p in moved if id(p) not in created]
        for start in range(0, len(old), BATCH):
            through.objects.filter(project_id__in=old[start : start + BATCH]).delete()
        fast.insert(through, [fast.new(through, project=p, facility=f) for p in moved for f in self.project_facilities[id(p)]])
        # History rows, with the beneficiaries as they now are (the m2m snapshot).
        written = changes.new + changed
        history_ids = fast.insert_history(Project, changes.new, history_type="+", user=self.user, returning=True)
        history_ids += fast.insert_history(Project, changed, history_type="~", user=self.user, returning=True)
        if not written:
            return
        m2m_history = apps.get_model("projects", "HistoricalProject_facilities")
        ids = [project.pk for project in written]
        links: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for start in range(0, len(ids), BATCH):
            for pk, project_id, facility_id in through.objects.filter(project_id__in=ids[start : start + BATCH]).values_list(
                "pk", "project_id", "facility_id"
            ):
                links[project_id].append((pk, facility_id))
        fast.insert(
            m2m_history,
            [
                fast.new(m2m_history, id=pk, history_id=history_id, project_id=project.pk, facility_id=facility_id)
                for project, history_id in zip(written, history_ids, strict=True)
                for pk, facility_id in links.get(project.pk, [])
            ],
        )


def generate_schedule(contract: LoanContract) -> list[tuple[int, datetime.date, int]]:
    """The equal-instalment schedule of import-format.md (the rule is LoanContract.standard_schedule)."""
    return contract.standard_schedule()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while an import makes its objects (the rows read, the
    records planned, their history rows: some 300,000 at 55,000 rows). Nearly all of them live
    until the import ends, yet each full collection walks every live object again. In
    benchmarks/import.py (55,000 rows, SQLite) the command's CPU went from 9.6 s to 5.7 s, its
    peak memory from 301 to 281 MB. What the import leaves is collected after."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def import_workbook(
    source: str | bytes | IO[bytes], *, user=None, dry_run: bool = False, progress: Progress | None = None
) -> ImportResult:
    """Read and check the workbook; unless ``dry_run``, write it in one transaction when clean.

    Raises reader.WorkbookRefused when the file is not an .xlsx workbook within the limits.
    Nothing is written when any row has a problem. ``progress(phase, done, total)``, if given,
    is told how far the reading, checking and writing are (the background job shows it).
    """
    with _collector_paused():
        return _import_workbook(source, user=user, dry_run=dry_run, progress=progress)


def _import_workbook(
    source: str | bytes | IO[bytes], *, user=None, dry_run: bool = False, progress: Progress | None = None
) -> ImportResult:
    """import_workbook, with the cycle collector paused."""
    raw = read_workbook(source, progress=(lambda rows: progress("Đang đọc tệp", rows, 0)) if progress else None)
    if any(problem.row in (None, 1) for problem in raw.problems):
        # A sheet or column that is not in the template: the rows would only repeat it.
        return ImportResult(counts={}, problems=raw.problems, dry_run=dry_run)
    # One today for every row's date rules (khuyencong.core.today), asked once.
    with transaction.atomic(), one_day():
        plan = _Plan(raw, user)
        plan.progress = progress
        plan.build()
        result = ImportResult(
            counts=plan.counts,
            problems=plan.problems,
            dry_run=dry_run,
            rows=plan.rows,
            seconds=plan.seconds,
            warnings=plan.warnings,
            skipped=plan.skipped,
        )
        if plan.problems or dry_run:
            return result
        try:
            if progress is not None:
                progress(f"Đang ghi {group_thousands(plan.rows)} dòng vào cơ sở dữ liệu", 0, 0)
            with transaction.atomic(), loans.ledger_writes():  # debt summaries refreshed at the end, in it
                plan.apply()
                loans.ledger_changed(loans.contracts_touched(plan.changes))
        except IntegrityError as error:
            result.problems.append(Problem("", None, "", f"Cơ sở dữ liệu từ chối dữ liệu: {error}"))
            return result
        result.applied = True
        result.records = _touched_records(plan.changes)
    return result


def _touched_records(changes: dict) -> dict:
    from khuyencong.workbook.log import touched_records  # the log reads the models; imported when needed

    return touched_records(changes)


# ---------------------------------------------------------------------------------------------
# What each column demands, for the template's instructions


class _RuleProbe(_Plan):
    """The sheets' own checks run on one blank row each, every column present, against nothing
    loaded: the columns whose blank cell they refuse are the required ones. So the template's
    instructions say what the import does, read from it rather than restated."""

    def __init__(self):
        sheets = {sheet.name: SheetRows(sheet.name, list(sheet.all_columns), [(2, {})]) for sheet in S.SHEETS}
        super().__init__(RawWorkbook(sheets, []), None)

    def load(self) -> None:  # nothing from the database: a blank row stops at its own cells
        self.repayments, self.lawsuits = {}, {}


def required_columns() -> set[tuple[str, str]]:
    """(sheet, column) of every column whose cell the import refuses to find empty."""
    probe = _RuleProbe()
    with transaction.atomic():  # the probe writes nothing; this only keeps a stray query harmless
        probe.build()
    return {(problem.sheet, problem.column) for problem in probe.problems if problem.message == BLANK_REFUSED}
