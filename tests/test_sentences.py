"""The generated sentences (reporting/sentences.py) read right on any data.

Property-based: hypothesis builds ReportFigures of many shapes (random years, empty levels, no
contracts, every facility sued, one of each) directly, without the database, and every
paragraph is checked: no zero printed as a count, an amount or a share, nothing empty negated,
counts and shares of the repayment paragraph adding up to F17's base and to 100%.
"""

from __future__ import annotations

import datetime
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khuyencong.core import formatting as fmt
from reporting import sentences
from reporting.figures import (
    TRAINING,
    Amount,
    AwardCount,
    Conferences,
    ContentLine,
    DirectSupport,
    LevelSplit,
    ProductVoting,
    ProjectLine,
    Repayment,
    ReportFigures,
    Standing,
    YearFigures,
)

# Amounts in đồng as budgets are kept: whole thousands and up (below 500 đồng money() rounds to 0).
MONEY = st.one_of(st.just(0), st.integers(1_000, 999_999), st.integers(1_000_000, 60_000_000_000))
LEVELS = ["Huyện", "Tỉnh", "Khu vực", "Quốc gia"]
COUNT = st.one_of(st.just(0), st.just(1), st.integers(2, 400))


@st.composite
def amounts(draw) -> Amount:
    count = draw(COUNT)
    return Amount(count, draw(MONEY) if count else draw(st.sampled_from([0, 0, 5_000_000])))


@st.composite
def content_lines(draw) -> ContentLine:
    projects = draw(COUNT)
    if not projects:  # a line's supports and money come from its đề án
        return ContentLine()
    local, national = draw(amounts()), draw(amounts())
    return ContentLine(
        projects=projects,
        supports=local.count + national.count,
        outputs=draw(COUNT),
        money=local.money + national.money,
        local=local,
        national=national,
    )


@st.composite
def direct_supports(draw) -> DirectSupport:
    local, national = draw(MONEY), draw(MONEY)
    projects = draw(COUNT)
    return DirectSupport(
        projects=projects,
        facilities=draw(st.integers(0, projects)),
        money=local + national,
        counterpart=draw(MONEY),
        local_money=local,
        national_money=national,
    )


@st.composite
def repayments(draw) -> Repayment:
    standing = {name: draw(st.one_of(st.just(0), st.just(1), st.integers(0, 60))) for name in Standing.ORDER}
    if draw(st.booleans()):  # every facility in one standing (all sued, all on time…)
        only = draw(st.sampled_from(Standing.ORDER))
        standing = {name: (standing[name] or 1) if name == only else 0 for name in Standing.ORDER}
    sued = standing[Standing.SUED]
    previous = draw(st.one_of(st.none(), st.integers(1, 5_000_000_000)))
    return Repayment(
        facilities=sum(standing.values()),
        on_time=standing[Standing.ON_TIME],
        sued=sued,
        standing=tuple((name, standing[name]) for name in Standing.ORDER),
        sued_names=tuple(f"Công ty {i}" for i in range(sued)),
        sued_outstanding=draw(MONEY) if sued else 0,
        previous_sued_outstanding=previous,
        previous_year_from=2014 if previous else None,
        previous_year_to=2020 if previous else None,
    )


@st.composite
def year_figures(draw, year: int) -> YearFigures:
    local_planned, national_planned = draw(COUNT), draw(st.integers(0, 3))
    local_done, national_done = draw(st.integers(0, local_planned)), draw(st.integers(0, national_planned))
    local_executed, national_executed = draw(MONEY), draw(MONEY) if national_planned else 0
    return YearFigures(
        year=year,
        done=local_done + national_done,
        planned=local_planned + national_planned,
        executed=local_executed + national_executed,
        planned_money=local_executed + national_executed + draw(MONEY),
        local_done=local_done,
        local_planned=local_planned,
        local_executed=local_executed,
        national_done=national_done,
        national_planned=national_planned,
        national_executed=national_executed,
    )


@st.composite
def report_figures(draw) -> ReportFigures:
    year_from = draw(st.integers(2000, 2095))
    year_to = year_from + draw(st.sampled_from([0, 0, 1, 4]))
    local, national = draw(amounts()), draw(amounts())
    training = draw(content_lines())
    names = draw(st.lists(st.sampled_from(["Lớp bồi dưỡng nghiệp vụ khuyến công", "Đào tạo kỹ năng quản lý"]), max_size=3))
    lines = tuple(
        ProjectLine(i, year_from, f"DP-{i}", name, TRAINING, "Đào tạo", "ĐP", "indirect", "completed", (), 0, 0, 0)
        for i, name in enumerate(names)
    )
    awards = draw(st.lists(st.integers(0, 50), max_size=4))
    return ReportFigures(
        province_id=1,
        year_from=year_from,
        year_to=year_to,
        report_date=datetime.date(year_to + draw(st.integers(0, 2)), 3, 15),
        has_data=draw(st.booleans()) or bool(local.count or national.count),
        done=Amount(local.count + national.count, local.money + national.money),
        levels=LevelSplit(local, national),
        demonstration=draw(content_lines()),
        machinery=draw(content_lines()),
        conferences=Conferences(
            events=draw(COUNT), money=draw(MONEY), participants=draw(COUNT), sale_contracts=draw(COUNT), memoranda=draw(COUNT)
        ),
        brand=draw(content_lines()),
        voting=ProductVoting(
            products=draw(COUNT),
            facilities=draw(COUNT),
            recognised=tuple(
                AwardCount(f"L{i}", name, n)
                for i, (name, n) in enumerate(zip(["Huyện", "Tỉnh", "Khu vực", "Quốc gia"], awards, strict=False))
            ),
            money=draw(MONEY),
        ),
        cleaner_production=draw(content_lines()),
        linkage=draw(content_lines()),
        training=training,
        media=draw(content_lines()),
        inspection=draw(content_lines()),
        national_key=draw(st.integers(0, national.count)),
        recoverable=draw(direct_supports()),
        repayment=draw(repayments()),
        non_recoverable=draw(direct_supports()),
        local_budget_name=draw(st.sampled_from(["", "Ngân sách địa phương"])),
        national_budget_name=draw(st.sampled_from(["", "Ngân sách Trung ương"])),
        years=tuple(draw(year_figures(year)) for year in range(year_from, year_to + 1)),
        project_lines=lines,
    )


def _all_text(paragraph: sentences.Paragraph) -> str:
    notes = " ".join("".join(run.text for run in line) for note in paragraph.notes for line in note.lines)
    return f"{paragraph.text} {notes}"


# A zero printed where a count, an amount or a share should be.
_ZERO = re.compile(
    r"(?<![\d.,/])0+ (đề án|cơ sở|sản phẩm|lớp|hội nghị|đợt|chương trình|lượt|hợp đồng|biên bản|triệu|tỷ|lần)"
    r"|(?<![\d.,/])00 |\(0%\)|(?<![\d,])0%"
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report_figures())
def test_no_zero_is_printed_and_nothing_empty_is_negated(figures):
    paragraphs = [p for ps in sentences.generated(figures, "Lâm Đồng").values() for p in ps]
    for paragraph in paragraphs:
        text = _all_text(paragraph)
        assert not _ZERO.search(text), text
        assert "  " not in text and " ," not in text and " ." not in text and ".." not in paragraph.text, text
        assert paragraph.text.rstrip().endswith((".", ":")), text
        assert "Cả 01" not in text, text
    every = " ".join(_all_text(p) for p in paragraphs)
    if not figures.national.count:
        assert "Tuy nhiên" not in every
    if figures.national.count == 1:
        assert "Các đề án này" not in every
    assert len({p.key for p in paragraphs}) == len(paragraphs)  # one key a paragraph: the edit screen names them


_STANDING_PART = re.compile(r"(\d+) cơ sở [^;]*?, chiếm tỷ lệ (dưới 1|\d+)%")


@settings(max_examples=300, deadline=None)
@given(report_figures())
def test_every_facility_of_f17_is_accounted_for_and_the_shares_add_up(figures):
    paragraphs = sentences.recoverable(figures)
    rep = figures.repayment
    if not rep.facilities:
        assert all("hoàn trả" not in p.text and "khởi kiện" not in p.text for p in paragraphs)
        return
    (paragraph,) = paragraphs
    text = paragraph.text
    counts = [count for _, count in sentences.standing_counts(figures) if count]
    assert ": Trong" not in text and ": Cả" not in text and ": Cơ sở" not in text  # lower case after a colon
    text = text.replace(": trong ", ": Trong ").replace(": cả ", ": Cả ").replace(": cơ sở", ": Cơ sở")
    if len(counts) == 1:
        assert ("Cả " + fmt.count(rep.facilities) + " cơ sở" in text) if rep.facilities > 1 else ("Cơ sở được hỗ trợ" in text)
        return
    assert f"Trong {fmt.count(rep.facilities)} cơ sở được hỗ trợ" in text
    parts = _STANDING_PART.findall(text.split("cơ sở được hỗ trợ, có ", 1)[1])
    assert [int(count) for count, _ in parts] == counts
    assert sum(int(count) for count, _ in parts) == rep.facilities
    shares = [share for _, share in parts]
    if "dưới 1" not in shares:
        assert sum(int(share) for share in shares) == 100, text


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=6))
def test_shares_add_up_to_100(parts):
    shares = fmt.shares(parts)
    if sum(parts):
        assert sum(int(s.rstrip("%")) for s in shares) == 100
        for part, share in zip(parts, shares, strict=True):
            assert abs(int(share.rstrip("%")) - 100 * part / sum(parts)) < 1
    else:
        assert shares == ["0%"] * len(parts)


def test_the_seeds_shares_are_the_seeds():
    assert fmt.shares([32, 3]) == ["91%", "9%"]
    assert fmt.shares([29_901, 600]) == ["98%", "2%"]
    assert fmt.shares([1, 31, 3]) == ["3%", "89%", "8%"]  # 2,86 / 88,57 / 8,57: rounded each, 3 + 89 + 9 = 101
