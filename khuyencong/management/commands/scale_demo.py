"""Multiply the Lâm Đồng data set, for load tests: ``--factor N`` brings it to N copies.

    .venv/bin/python manage.py seed_demo
    .venv/bin/python manage.py scale_demo --factor 50

Copy k (2…N) repeats every đề án of the data set in the same annual plans, under the code
"<code>-x<k>", for new facilities (same name followed by " - x<k>", tax code 58<k><…>), with
new contract numbers "<number>-x<k>", and the same money, dates, instalments, repayments,
lawsuits, events and nominations. So every count and amount of the report is N times the
data set's and every share and rate stays the same. Copies already present are skipped, so
the command can be run again or with a larger factor. Rows are written with bulk_create, and
their history (simple-history) in bulk as well.
"""

from __future__ import annotations

import time

from django.core.management.base import CommandError
from django.db import transaction

from funding import loans
from funding.models import Disbursement, Instalment, Lawsuit, LoanContract, Repayment
from khuyencong import demo
from khuyencong.core import commands
from khuyencong.core.formatting import group_thousands
from projects.models import Event, Facility, Product, ProductNomination, Project, ProjectResult, folded_search_text

CHANGE_REASON = "Nhân bản dữ liệu mẫu (scale_demo)"
BATCH = 2000
MAX_FACTOR = 99


def copy_tax_code(tax_code: str, k: int) -> str:
    if not tax_code:
        return ""
    if tax_code.startswith("5800") and len(tax_code) == 10:
        return f"58{k:02d}{tax_code[4:]}"
    return f"{tax_code}-{k:03d}"


def clone(obj, **changes):
    """A new, unsaved instance with the same field values except the primary key; a facility's
    or đề án's accent-free search column made from its new values (bulk_create skips save())."""
    model = type(obj)
    values = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields if not f.primary_key}
    values.update(changes)
    copy = model(**values)
    if hasattr(model, "SEARCH_FIELDS"):
        copy.search_text = folded_search_text(copy)
    return copy


class Command(commands.PortalCommand):
    help = "Nhân bản bộ dữ liệu mẫu thành N bản (để thử tải); chạy sau seed_demo."

    def add_arguments(self, parser):
        parser.add_argument("--factor", type=int, required=True, help="Số bản của bộ dữ liệu sau khi chạy (≥ 1).")
        parser.add_argument("--no-history", action="store_true", help="Không ghi lịch sử thay đổi cho các bản sao.")

    def handle(self, *args, factor: int, no_history: bool, **options):
        if not 1 <= factor <= MAX_FACTOR:
            raise CommandError(f"--factor phải từ 1 đến {MAX_FACTOR}; nhận được {factor}.")
        started = time.monotonic()
        pks = demo.fixture_pks()
        projects = list(Project.objects.filter(pk__in=pks["projects.project"]).order_by("pk"))
        if len(projects) != len(pks["projects.project"]):
            raise CommandError("Chưa có bộ dữ liệu mẫu: hãy chạy seed_demo trước.")
        first = projects[0]
        present = {
            int(code.rsplit("-x", 1)[1])
            for code in Project.objects.filter(plan=first.plan, code__startswith=f"{first.code}-x").values_list(
                "code", flat=True
            )
        }
        wanted = [k for k in range(2, factor + 1) if k not in present]
        if not wanted:
            self.stdout.write(f"Đã có đủ {factor} bản; không thêm gì.")
            return
        with transaction.atomic(), loans.ledger_writes():  # debt summaries refreshed at the end, in it
            counts = self.copy(pks, projects, wanted, history=not no_history)
            loans.ledger_changed(LoanContract.objects.values_list("pk", flat=True))
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Thêm {len(wanted)} bản ({', '.join(f'x{k}' for k in wanted[:5])}{'…' if len(wanted) > 5 else ''}): "
            + ", ".join(f"{label} {group_thousands(n)}" for label, n in counts.items())
        )
        self.stdout.write(self.style.SUCCESS(f"Xong trong {commands.seconds(elapsed)}."))

    def copy(self, pks, projects, wanted, history):
        def base(model, label):
            return list(model.objects.filter(pk__in=pks.get(label, [])).order_by("pk"))

        facilities = base(Facility, "projects.facility")
        through = Project.facilities.through
        links = list(through.objects.filter(project_id__in=pks["projects.project"]).order_by("pk"))
        events = base(Event, "projects.event")
        disbursements = base(Disbursement, "funding.disbursement")
        contracts = base(LoanContract, "funding.loancontract")
        instalments = base(Instalment, "funding.instalment")
        repayments = base(Repayment, "funding.repayment")
        lawsuits = base(Lawsuit, "funding.lawsuit")
        products = base(Product, "projects.product")
        nominations = base(ProductNomination, "projects.productnomination")
        results = base(ProjectResult, "projects.projectresult")
        counts = {}

        def save(model, objs, label):
            model.objects.bulk_create(objs, batch_size=BATCH)
            if history and hasattr(model, "history"):
                model.history.bulk_history_create(objs, batch_size=BATCH, default_change_reason=CHANGE_REASON)
            counts[label] = len(objs)

        # Each level maps (k, old pk) -> new object, then the next level points at it.
        new_fac = {}
        for k in wanted:
            for f in facilities:
                name = f"{f.name} - x{k}"
                tax = copy_tax_code(f.tax_code, k)
                new_fac[(k, f.pk)] = clone(f, name=name, tax_code=tax)
        save(Facility, list(new_fac.values()), "cơ sở")

        new_proj = {
            (k, p.pk): clone(p, code=f"{p.code}-x{k}")
            for k in wanted
            for p in projects
        }
        save(Project, list(new_proj.values()), "đề án")
        through.objects.bulk_create(
            [through(project_id=new_proj[(k, link.project_id)].pk, facility_id=new_fac[(k, link.facility_id)].pk)
             for k in wanted for link in links],
            batch_size=BATCH,
        )
        save(Event, [clone(e, project_id=new_proj[(k, e.project_id)].pk) for k in wanted for e in events], "sự kiện")
        save(Disbursement, [clone(d, project_id=new_proj[(k, d.project_id)].pk) for k in wanted for d in disbursements],
             "giải ngân")
        new_contract = {
            (k, c.pk): clone(c, project_id=new_proj[(k, c.project_id)].pk, facility_id=new_fac[(k, c.facility_id)].pk,
                             number=f"{c.number}-x{k}")
            for k in wanted for c in contracts
        }
        save(LoanContract, list(new_contract.values()), "hợp đồng")
        save(Instalment, [clone(i, contract_id=new_contract[(k, i.contract_id)].pk) for k in wanted for i in instalments],
             "kỳ trả")
        save(Repayment, [clone(r, contract_id=new_contract[(k, r.contract_id)].pk, reversal_of_id=None)
                         for k in wanted for r in repayments], "trả nợ")
        save(Lawsuit, [clone(s, contract_id=new_contract[(k, s.contract_id)].pk) for k in wanted for s in lawsuits],
             "khởi kiện")
        new_prod = {(k, p.pk): clone(p, facility_id=new_fac[(k, p.facility_id)].pk) for k in wanted for p in products}
        save(Product, list(new_prod.values()), "sản phẩm")
        save(ProductNomination, [clone(n, product_id=new_prod[(k, n.product_id)].pk) for k in wanted for n in nominations],
             "bình chọn")
        save(ProjectResult, [clone(r, project_id=new_proj[(k, r.project_id)].pk) for k in wanted for r in results],
             "kết quả sau hỗ trợ")
        return counts
