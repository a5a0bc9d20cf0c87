"""Property: any valid small workbook goes in, comes out by export, and goes into an empty
database again as the same data; and importing it a second time changes nothing."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khuyencong.core.formatting import group_thousands
from khuyencong.workbook import export_workbook, import_workbook
from khuyencong.workbook.importer import norm

from .workbook_helpers import empty_database, small_workbook, snapshot, xlsx

pytestmark = pytest.mark.django_db

HEADERS = {name: rows[0] for name, rows in small_workbook().items()}
# Letters of Vietnamese names, and the characters that start a spreadsheet formula.
ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxyÀÁẢÃẠĐƯƠàáảãạèéẻẽẹòóỏõọùúủũụ0123456789 =+-@()\"'/.,"
CONTENTS = ["MHTD", "MMTB", "CGCN", "KNCC", "HCTL", "DTBD", "TVHT", "TTTT", "KTGS"]
FORMS = ["Không thu hồi", "Có thu hồi", "Gián tiếp"]
STATUSES = ["Đề xuất", "Đã duyệt", "Đang thực hiện", "Hoàn thành", "Không thực hiện", "Đã hủy"]

texts = st.text(ALPHABET, min_size=1, max_size=24).map(lambda s: " ".join(s.split())).filter(bool)
dates = st.dates(min_value=datetime.date(2016, 1, 1), max_value=datetime.date(2025, 12, 31))
# Money goes only to a đề án approved, under way or done (funding.rules.payable).
PAYABLE = {"Đã duyệt", "Đang thực hiện", "Hoàn thành"}


def by_today(day: datetime.date) -> datetime.date:
    """Money moved is recorded once it happened (funding.rules.not_after_today)."""
    return min(day, datetime.date.today())


def date_cell(draw, day: datetime.date):
    return day.strftime("%d/%m/%Y") if draw(st.booleans()) else day


def money_cell(draw, amount: int):
    return group_thousands(amount) if draw(st.booleans()) else amount


def _loans(draw, sheets: dict, year: int, code: str, beneficiaries: list[str], contract_number: int) -> tuple[int, int]:
    """The contracts of a recoverable đề án, lent to its beneficiaries, with their repayments and
    lawsuits, and its disbursement: what it spends, and the last contract number used."""
    spent = 0
    principal_total = 0
    for _ in range(draw(st.integers(0, 2)) if beneficiaries else 0):  # lent to a beneficiary
        contract_number += 1
        number = f"{contract_number:02d}/HĐ-TTKC"
        signed = draw(dates)
        disbursed = signed + datetime.timedelta(days=draw(st.integers(0, 60))) if draw(st.booleans()) else None
        count = draw(st.integers(1, 6))
        grace = draw(st.integers(0, 12))
        term = grace + count * draw(st.integers(1, 6))
        principal = draw(st.integers(count, 10**10))  # fewer đồng than instalments is refused
        principal_total += principal
        sheets["HopDong"].append(
            [
                number,
                year,
                code,
                draw(st.sampled_from(beneficiaries)),
                date_cell(draw, signed),
                money_cell(draw, principal),
                date_cell(draw, disbursed) if disbursed else "",
                term,
                grace,
                count,
            ]
        )
        if disbursed:
            owed = principal  # repayments never more than the contract still owes
            for receipt in range(draw(st.integers(0, 2))):
                if not owed:
                    break
                day = by_today(disbursed + datetime.timedelta(days=draw(st.integers(0, 900))))
                paid = draw(st.integers(1, owed))
                owed -= paid
                sheets["TraNo"].append([number, date_cell(draw, day), paid, f"BL-{receipt}"])
        if disbursed and draw(st.booleans()):
            sheets["KhoiKien"].append(
                [
                    number,
                    date_cell(draw, by_today(disbursed + datetime.timedelta(days=draw(st.integers(0, 900))))),
                    draw(texts),
                    draw(st.one_of(st.just(""), texts)),
                    draw(st.sampled_from(["Đang giải quyết", "Đã có bản án", "Đang thi hành án", "Đã kết thúc"])),
                    draw(st.one_of(st.just(""), st.integers(0, 10**10))),
                ]
            )
    if principal_total:
        spent = draw(st.integers(1, principal_total))
        sheets["GiaiNgan"].append([year, code, date_cell(draw, draw(dates)), spent, "UNC-1"])
    spent = max(spent, principal_total)
    return spent, contract_number


@st.composite
def workbooks(draw):
    sheets = {name: [header] for name, header in HEADERS.items()}

    names = draw(st.lists(texts.filter(lambda s: ";" not in s), min_size=1, max_size=4, unique_by=norm))
    taxes = draw(st.lists(st.from_regex(r"58[0-9]{8}", fullmatch=True), min_size=len(names), max_size=len(names), unique=True))
    refs = []
    for name, tax in zip(names, taxes, strict=True):
        tax = tax if draw(st.booleans()) else ""
        refs.append(tax or name)
        sheets["CoSo"].append(
            [
                tax,
                name,
                draw(st.sampled_from(["Doanh nghiệp", "Hợp tác xã", "Tổ hợp tác", "Hộ kinh doanh"])),
                draw(st.one_of(st.just(""), texts)),
                draw(st.sampled_from(["", "Thành phố Đà Lạt", "Huyện Lâm Hà"])),
                draw(st.one_of(st.just(""), texts)),
                draw(st.one_of(st.just(""), texts)),
                draw(st.sampled_from(["", "0263 3822 111", "+84 912 000 111"])),
                draw(st.sampled_from(["", "coso@example.vn"])),
            ]
        )

    projects = []
    for number in range(draw(st.integers(1, 5))):
        year = draw(st.integers(2021, 2025))
        form = draw(st.sampled_from(FORMS))
        code = f"DA-{number:02d}"
        beneficiaries = draw(st.lists(st.sampled_from(refs), max_size=3, unique=True))
        status = draw(st.sampled_from(STATUSES))
        row = [
            year,
            code,
            draw(texts),
            draw(st.sampled_from(["Địa phương", "Quốc gia"])),
            "MMTB" if form == "Có thu hồi" else draw(st.sampled_from(CONTENTS)),
            form,
            "; ".join(beneficiaries),
            money_cell(draw, draw(st.integers(0, 10**12))),
            draw(st.integers(0, 10**11)),
            draw(st.integers(0, 50)),
            status,
            draw(st.sampled_from(["", "x"])),
            draw(st.sampled_from(["", "x"])),
            # Approved, the đề án has its approved budget (Project.approved_budget_refusal).
            money_cell(draw, draw(st.integers(1, 10**12))) if status in PAYABLE else "",
            # Completed, it was accepted and settled (Project.lifecycle_refusal), in its year.
            datetime.date(year, 11, 1) if status == "Hoàn thành" else "",
            datetime.date(year, 12, 1) if status == "Hoàn thành" else "",
        ]
        sheets["DeAn"].append(row)
        projects.append((year, code, form, row, beneficiaries))

    contract_number = 0
    for year, code, form, project_row, beneficiaries in projects:
        if project_row[10] not in PAYABLE:
            continue
        spent = 0
        if form == "Có thu hồi":
            spent, contract_number = _loans(draw, sheets, year, code, beneficiaries, contract_number)
        else:
            for document in range(draw(st.integers(0, 3))):
                amount = draw(st.integers(1, 10**10))
                spent += amount
                sheets["GiaiNgan"].append([year, code, date_cell(draw, draw(dates)), money_cell(draw, amount), f"UNC-{document}"])
            if draw(st.booleans()):  # events only under a đề án carried out (Event.clean)
                sheets["SuKien"].append(
                    [
                        year,
                        code,
                        draw(texts),
                        date_cell(draw, draw(dates)),
                        draw(st.one_of(st.just(""), texts)),
                        draw(st.integers(0, 500)),
                        draw(st.integers(0, 50)),
                        draw(st.integers(0, 50)),
                    ]
                )

        if spent:  # within the đề án's budget (funding.rules.disbursement, .contract)
            project_row[7] = project_row[13] = money_cell(draw, spent + draw(st.integers(0, 10**9)))

    for _ in range(draw(st.integers(0, 2))):
        sheets["BinhChon"].append(
            [
                draw(texts),
                draw(st.sampled_from(refs)),
                draw(st.sampled_from(["Huyện", "Tỉnh", "Khu vực", "Quốc gia"])),
                draw(st.integers(2021, 2025)),
                draw(st.sampled_from(["Công nhận", "Không công nhận"])),
                draw(st.one_of(st.just(""), texts)),
            ]
        )
    # Nominations share a key when the same product, facility, level and year are drawn twice.
    seen, unique = set(), [sheets["BinhChon"][0]]
    for row in sheets["BinhChon"][1:]:
        key = (row[0], row[1], row[2], row[3])
        if key not in seen:
            seen.add(key)
            unique.append(row)
    sheets["BinhChon"] = unique
    return sheets


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(sheets=workbooks())
def test_a_valid_workbook_goes_in_and_comes_back_the_same(sheets):
    empty_database()
    data = xlsx(sheets)

    first = import_workbook(data)
    assert first.ok, first.problems
    imported = snapshot()
    assert len(imported["facilities"]) == len(sheets["CoSo"]) - 1
    assert len(imported["projects"]) == len(sheets["DeAn"]) - 1
    assert len(imported["repayments"]) == len(sheets["TraNo"]) - 1

    again = import_workbook(data)
    assert all(c.created == c.updated == c.deleted == 0 for c in again.counts.values())

    exported = export_workbook()
    empty_database()
    result = import_workbook(exported)
    assert result.ok, result.problems
    assert snapshot() == imported
