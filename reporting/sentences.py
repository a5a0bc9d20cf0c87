"""The generated paragraphs of the report: sentences built from ReportFigures that read right on
any data.

Each paragraph is data, not HTML: a tuple of runs (text, and the figure the text states, for the
screen's link to the records behind it) and footnotes. reporting/document.py turns them into
HTML; the edit screen names them by key so the specialist can hide one or add text after it.

The rules every sentence follows (tests/test_sentences.py checks them over many data shapes):
- a zero is never printed as a count or an amount ("00 đề án", "0 triệu đồng", "(0%)"): the
  clause it would fill is left out, and a line with nothing to say is left out whole;
- what is empty is not negated after something that exists ("Tuy nhiên, không có …" only where
  the sentence before says something is there);
- shares of one whole add up to 100% (formatting.shares, largest remainder); a part that is not
  nothing is never "0%" ("dưới 1%");
- the recoverable-support paragraph puts every facility of F17's base in one standing
  (Repayment.standing), so its counts add up to the base.
"""

from __future__ import annotations

from dataclasses import dataclass

from khuyencong.core import formatting as fmt
from reporting.figures import TRAINING, ContentLine, ReportFigures, Standing, YearFigures

COMPLETED = "completed"  # projects.models.Project.Status.COMPLETED, as ProjectLine.status keeps it


@dataclass(frozen=True)
class Run:
    """Text of a paragraph; ``figure`` names the figure it states (its drill-down page)."""

    text: str
    figure: str = ""


@dataclass(frozen=True)
class Note:
    """A footnote: its lines, each a tuple of runs."""

    lines: tuple[tuple[Run, ...], ...]


Piece = Run | Note


@dataclass(frozen=True)
class Paragraph:
    key: str
    pieces: tuple[Piece, ...]

    @property
    def text(self) -> str:
        """The paragraph's words without its footnotes (for tests and the edit screen)."""
        return "".join(p.text for p in self.pieces if isinstance(p, Run))

    @property
    def notes(self) -> tuple[Note, ...]:
        return tuple(p for p in self.pieces if isinstance(p, Note))


class _Builder:
    """Runs of one paragraph: ``say`` plain words, ``fig`` a figure."""

    def __init__(self) -> None:
        self.pieces: list[Piece] = []

    def say(self, *texts: str) -> _Builder:
        for text in texts:
            if text:
                self.pieces.append(Run(text))
        return self

    def fig(self, text: str, figure: str) -> _Builder:
        self.pieces.append(Run(text, figure))
        return self

    def note(self, lines: list[tuple[Run, ...]]) -> _Builder:
        self.pieces.append(Note(tuple(lines)))
        return self

    def join(self, parts: list[_Builder], sep: str, last: str | None = None) -> _Builder:
        for i, part in enumerate(parts):
            if i:
                self.say(last if last is not None and i == len(parts) - 1 else sep)
            self.pieces.extend(part.pieces)
        return self

    def paragraph(self, key: str) -> Paragraph:
        merged: list[Piece] = []
        for piece in self.pieces:  # adjacent plain runs as one
            if merged and isinstance(piece, Run) and not piece.figure and isinstance(merged[-1], Run) and not merged[-1].figure:
                merged[-1] = Run(merged[-1].text + piece.text)
            else:
                merged.append(piece)
        return Paragraph(key, tuple(merged))


def n(value: int) -> str:
    """A count as the seed writes it: "02", "15", "168"."""
    return fmt.count(value)


def _share_texts(parts: list[int]) -> list[str]:
    """Shares adding up to 100%; a part that is not nothing never reads "0%"."""
    return ["dưới 1%" if part and text == "0%" else text for part, text in zip(parts, fmt.shares(parts), strict=True)]


def period_label(year_from: int, year_to: int) -> str:
    """ "giai đoạn 2021-2025" or "năm 2024"."""
    return f"năm {year_from}" if year_from == year_to else f"giai đoạn {year_from}-{year_to}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


@dataclass(frozen=True)
class Context:
    """What the sentences need besides the figures."""

    place: str
    estimated_from: int  # a year not over at the report date is an estimate

    @classmethod
    def of(cls, figures: ReportFigures, place: str) -> Context:
        return cls(place=place, estimated_from=figures.report_date.year)


# --- II.1 Kết quả thực hiện ---------------------------------------------------------------


def overview(f: ReportFigures, ctx: Context) -> list[Paragraph]:
    period = period_label(f.year_from, f.year_to)
    b = _Builder()
    if not f.has_data:
        return [b.say(f"{_cap(period)} chưa có dữ liệu đề án khuyến công trong cơ sở dữ liệu.").paragraph("results.overview")]
    if not f.done.count:
        b.say(f"{_cap(period)}, chưa có đề án khuyến công nào hoàn thành")
    else:
        b.say(
            f"{_cap(period)}, Chương trình khuyến công tỉnh {ctx.place} triển khai thực hiện và đạt được những kết quả "
            "đáng ghi nhận, góp phần tích cực trong việc thúc đẩy phát triển công nghiệp tiểu thủ công nghiệp của tỉnh. "
            f"Cụ thể{', trong năm' if f.is_annual else f' qua {f.year_count} năm'} đã triển khai thực hiện "
        )
        b.fig(n(f.done.count), "F01").say(" đề án")
        if f.done.money:
            b.say(", với tổng kinh phí là ").fig(fmt.money(f.done.money), "F02")
        _level_split(b, f)
    if f.years:
        b.note([_year_line(y, ctx, first=i == 0) for i, y in enumerate(f.years)])
    b.say(". Kết quả được thể hiện trên từng nội dung hỗ trợ cụ thể như sau:" if f.done.count else ".")
    return [b.paragraph("results.overview")]


def _level_split(b: _Builder, f: ReportFigures) -> None:
    local, national = f.levels.local, f.levels.national
    every = ", đều" if f.done.count > 1 else ","
    if not national.count:
        b.say(f"{every} từ nguồn kinh phí khuyến công địa phương" if local.count else "")
        return
    if not local.count:
        b.say(f"{every} từ nguồn kinh phí khuyến công quốc gia")
        return
    shares = _share_texts([local.money, national.money]) if f.done.money else ["", ""]
    clauses = []
    for (name, amount, figure), share in zip((("địa phương", local, "F03"), ("quốc gia", national, "F04")), shares, strict=True):
        c = _Builder().say(f"khuyến công {name} triển khai thực hiện ").fig(n(amount.count), figure).say(" đề án")
        if amount.money:
            c.say(", kinh phí là ").fig(fmt.money(amount.money), figure)
            c.say(" (chiếm tỷ lệ ").fig(share, "F05").say(" tổng kinh phí khuyến công)")
        clauses.append(c)
    b.say(". Trong đó, ").join(clauses, ", ")


def _year_line(y: YearFigures, ctx: Context, *, first: bool) -> tuple[Run, ...]:
    """One year of footnote 1, as the seed writes it."""
    b = _Builder().say("" if first else "- ")
    if not y.planned:
        return tuple(b.say(f"Năm {y.year} không có đề án trong kế hoạch.").pieces)
    if not y.done:
        b.say(f"Năm {y.year} chưa có đề án hoàn thành trong ").fig(n(y.planned), y.fig_id).say(" đề án kế hoạch")
        if y.planned_money:
            b.say(" (kinh phí kế hoạch ").fig(fmt.money(y.planned_money), y.fig_id).say(")")
        return tuple(b.say(".").pieces)
    verb = "ước triển khai thực hiện" if y.year >= ctx.estimated_from else "triển khai thực hiện hoàn thành"
    b.say(f"Năm {y.year} {verb} ").fig(f"{fmt.group_thousands(y.done)}/{fmt.group_thousands(y.planned)}", y.fig_id)
    b.say(" đề án")
    if y.planned_money and y.executed:
        b.say(" với tổng kinh phí thực hiện ").fig(f"{fmt.money(y.executed)}/{fmt.money(y.planned_money)}", y.fig_id)
        b.say(" (đạt ").fig(fmt.rate(y.done, y.planned), y.fig_id).say(" kế hoạch đề án và đạt ")
        b.fig(fmt.rate(y.executed, y.planned_money), y.fig_id).say(" kinh phí)")
    else:
        b.say(" (đạt ").fig(fmt.rate(y.done, y.planned), y.fig_id).say(" kế hoạch đề án)")
    parts = []
    for name, done, planned, executed in (
        ("địa phương", y.local_done, y.local_planned, y.local_executed),
        ("quốc gia", y.national_done, y.national_planned, y.national_executed),
    ):
        if not planned:
            parts.append(_Builder().say(f"không có đề án khuyến công {name}"))
            continue
        c = _Builder().say(f"khuyến công {name} thực hiện ")
        c.fig(f"{fmt.group_thousands(done)}/{fmt.group_thousands(planned)}", y.fig_id).say(" đề án")
        if executed:
            c.say(" với kinh phí ").fig(fmt.money_precise(executed), y.fig_id)
        parts.append(c)
    if not y.local_planned or not y.national_planned:  # the level there is first
        parts.sort(key=lambda c: "không có" in "".join(p.text for p in c.pieces if isinstance(p, Run)))
    b.say(". Trong đó, ").join(parts, "; ").say(".")
    return tuple(b.pieces)


# --- 1.1 – 1.6 ------------------------------------------------------------------------------


def _levels_clause(b: _Builder, line: ContentLine, figure: str, unit: str) -> None:
    """Where the money of a line came from: one source named, or both with their share."""
    has_local = line.local.count or line.local.money
    has_national = line.national.count or line.national.money
    if not line.money or not (has_local or has_national):
        return
    if not has_national:
        b.say(" từ nguồn kinh phí khuyến công địa phương")
    elif not has_local:
        b.say(" từ nguồn kinh phí khuyến công quốc gia")
    else:
        parts = []
        for name, amount in (("khuyến công địa phương", line.local), ("khuyến công quốc gia hỗ trợ", line.national)):
            c = _Builder().say(f"{name} ")
            if amount.count:
                c.fig(n(amount.count), figure).say(f" {unit}")
            if amount.money:
                c.say(", kinh phí là " if amount.count else "kinh phí ").fig(fmt.money(amount.money), figure)
            parts.append(c)
        b.say(", trong đó ").join(parts, ", ")


def _money_clause(b: _Builder, money: int, figure: str, lead: str = ", kinh phí là ") -> None:
    if money:
        b.say(lead).fig(fmt.money(money), figure)


def demonstration(f: ReportFigures) -> list[Paragraph]:
    line = f.demonstration
    if not line.projects:
        return []
    b = _Builder().say("- Hỗ trợ xây dựng được ").fig(n(line.projects), "F06").say(" mô hình trình diễn kỹ thuật")
    if line.supports:
        b.say(" cho ").fig(n(line.supports), "F06").say(" cơ sở")
    _money_clause(b, line.money, "F06", " với tổng kinh phí là ")
    _levels_clause(b, line, "F06", "cơ sở")
    return [b.say(".").paragraph("results.demonstration")]


def machinery(f: ReportFigures) -> list[Paragraph]:
    line = f.machinery
    if not line.projects:
        return []
    b = _Builder().say("- Hỗ trợ ứng dụng máy móc thiết bị tiên tiến")
    if line.supports:
        b.say(" cho ").fig(n(line.supports), "F07").say(" cơ sở")
    else:
        b.say(" qua ").fig(n(line.projects), "F07").say(" đề án")
    _money_clause(b, line.money, "F07", " với tổng kinh phí ")
    _levels_clause(b, line, "F07", "cơ sở")
    return [b.say(".").paragraph("results.machinery")]


def conferences(f: ReportFigures) -> list[Paragraph]:
    c = f.conferences
    if not (c.events or c.money):
        return []
    b = _Builder().say("- ")
    if c.events:
        b.say("Tổ chức được ").fig(n(c.events), "F08").say(" đợt hội nghị kết nối cung cầu tiêu thụ hàng hóa trong nước")
        _money_clause(b, c.money, "F08", " với kinh phí là ")
    else:
        b.say("Kinh phí tổ chức hội nghị kết nối cung cầu tiêu thụ hàng hóa là ").fig(fmt.money(c.money), "F08")
    return [b.say(".").paragraph("results.conferences")]


def brand(f: ReportFigures) -> list[Paragraph]:
    line = f.brand
    if not line.projects:
        return []
    b = _Builder().say("- Hỗ trợ cho ")
    if line.supports:
        b.fig(n(line.supports), "F09").say(" cơ sở")
    else:
        b.fig(n(line.projects), "F09").say(" đề án")
    b.say(" xây dựng, đăng ký thương hiệu, nhãn hiệu")
    _money_clause(b, line.money, "F09")
    return [b.say(".").paragraph("results.brand")]


def voting(f: ReportFigures) -> list[Paragraph]:
    v = f.voting
    recognised = [level for level in v.recognised if level.recognised]
    if not (v.products or v.money or recognised):
        return []
    b = _Builder().say("- Hỗ trợ bình chọn sản phẩm công nghiệp nông thôn tiêu biểu các cấp")
    period = period_label(f.year_from, f.year_to)
    if v.products:
        b.say(f": {period} tổng sản phẩm tham gia bình chọn và đề cử là ").fig(n(v.products), "F10").say(" sản phẩm")
        if v.facilities:
            b.say(" của ").fig(n(v.facilities), "F10").say(" cơ sở CNNT")
    if recognised:
        b.say("; kết quả có " if v.products else ": có ")
        parts = [
            _Builder()
            .fig(n(level.recognised), "F10")
            .say(f" sản phẩm được công nhận và cấp giấy chứng nhận SPCNNTTB cấp {level.level_name.lower()}")
            for level in recognised
        ]
        b.join(parts, ", ")
    if v.money:
        b.say(". Tổng kinh phí tổ chức bình chọn là " if (v.products or recognised) else ", kinh phí là ")
        b.fig(fmt.money(v.money), "F10")
    return [b.say(".").paragraph("results.voting")]


def cleaner_production(f: ReportFigures) -> list[Paragraph]:
    line = f.cleaner_production
    if not line.projects:
        return []
    b = _Builder().say("- Hỗ trợ xây dựng ").fig(n(line.projects), "F11").say(" mô hình thí điểm áp dụng sản xuất sạch hơn")
    if line.supports:
        b.say(" cho ").fig(n(line.supports), "F11").say(" cơ sở")
    _money_clause(b, line.money, "F11", ", kinh phí ")
    return [b.say(".").paragraph("results.cleaner")]


def linkage(f: ReportFigures) -> list[Paragraph]:
    """1.3: the đề án of the content if any; and, as the seed writes it, the contents through
    which the clusters and value chains were helped, with their figures."""
    line = f.linkage
    b = _Builder()
    if line.projects:
        # No figure number: the seed writes line 1.3 as narrative (report-figures.md).
        b.say("Hỗ trợ ", n(line.projects), " đề án liên doanh, liên kết, tham gia cụm liên kết ngành, chuỗi giá trị")
        if line.supports:
            b.say(" cho ", n(line.supports), " cơ sở")
        if line.money:
            b.say(", kinh phí là ", fmt.money(line.money))
        b.say(".")
    channels = []
    if f.brand.projects:
        c = _Builder().say("xây dựng nhãn hiệu sản phẩm (")
        c.fig(n(f.brand.supports or f.brand.projects), "F09").say(" cơ sở" if f.brand.supports else " đề án")
        _money_clause(c, f.brand.money, "F09", ", ")
        channels.append(c.say(")"))
    if f.conferences.events:
        c = _Builder().say("xúc tiến thương mại (").fig(n(f.conferences.events), "F08").say(" hội nghị kết nối cung cầu")
        _money_clause(c, f.conferences.money, "F08", ", ")
        channels.append(c.say(")"))
    if f.voting.products:
        c = _Builder().say("bình chọn sản phẩm công nghiệp nông thôn tiêu biểu (").fig(n(f.voting.products), "F10")
        c.say(" sản phẩm")
        _money_clause(c, f.voting.money, "F10", ", ")
        channels.append(c.say(")"))
    if channels:
        lead = "Ngoài ra, nguồn kinh phí khuyến công còn hỗ trợ" if line.projects else "Nguồn kinh phí khuyến công chủ yếu hỗ trợ"
        b.say(" " if line.projects else "", f"{lead} các nội dung ").join(channels, "; ")
        b.say(", hỗ trợ tiêu thụ sản phẩm của các cụm, chuỗi liên kết.")
    return [b.paragraph("results.linkage")] if b.pieces else []


def training(f: ReportFigures) -> list[Paragraph]:
    """1.4: the classes held, named from their đề án as the seed names its one class."""
    line = f.training
    if not line.projects:
        return []
    # The đề án F12 counts (the training line, whichever decree's content); figures made
    # without records (tests) fall back to the line's code.
    counted = set(f.records["F12"].projects) if "F12" in f.records else None
    names = [
        p.name
        for p in f.project_lines
        if (p.id in counted if counted is not None else p.content_code == TRAINING) and p.status == COMPLETED
    ]
    b = _Builder()
    if line.outputs:
        b.say("Tổ chức ").fig(n(line.outputs), "F12").say(" lớp ")
        if len(names) == 1 and names[0].lower().startswith("lớp "):
            b.say(names[0][4:].strip().rstrip("."))
        else:
            b.say("đào tạo, bồi dưỡng nâng cao năng lực")
            if names:
                b.say(" (", "; ".join(_lower_first(name).rstrip(".") for name in names), ")")
    else:
        b.say("Thực hiện ").fig(n(line.projects), "F12").say(" đề án đào tạo, bồi dưỡng nâng cao năng lực")
    _money_clause(b, line.money, "F12")
    return [b.say(".").paragraph("results.training")]


def media(f: ReportFigures) -> list[Paragraph]:
    """1.5, run in after its heading (lower case)."""
    line = f.media
    if not (line.projects or line.money):
        return []
    b = _Builder()
    if line.outputs:
        b.say("xây dựng ").fig(n(line.outputs), "F13").say(" chương trình truyền hình")
    elif line.projects:
        b.say("thực hiện ").fig(n(line.projects), "F13").say(" đề án thông tin, tuyên truyền")
    else:
        b.say("thực hiện công tác thông tin, tuyên truyền")
    _money_clause(b, line.money, "F13", ", kinh phí ")
    b.say(" thực hiện tuyên truyền về chính sách khuyến công và gương điển hình hoạt động hiệu quả đề án khuyến công.")
    return [b.paragraph("results.media")]


def inspection(f: ReportFigures) -> list[Paragraph]:
    """1.6, run in after its heading (lower case)."""
    line = f.inspection
    if not (line.projects or line.money):
        return []
    b = _Builder().say("thực hiện công tác kiểm tra, giám sát, hướng dẫn triển khai thực hiện các đề án khuyến công")
    _money_clause(b, line.money, "F14")
    return [b.say(".").paragraph("results.inspection")]


# --- 2. Đề án khuyến công quốc gia điểm -------------------------------------------------------


def national_key(f: ReportFigures, ctx: Context) -> list[Paragraph]:
    period = _cap(period_label(f.year_from, f.year_to))
    national = f.national
    b = _Builder()
    if not national.count:
        return [b.say(f"{period}, tỉnh {ctx.place} không có đề án khuyến công quốc gia.").paragraph("key.national")]
    b.say(f"{period}, tỉnh {ctx.place} thực hiện ").fig(n(national.count), "F15").say(" đề án khuyến công quốc gia")
    _money_clause(b, national.money, "F15", " với tổng kinh phí ")
    b.say(". ")
    if not f.national_key:
        b.say("Tuy nhiên, không có đề án khuyến công quốc gia điểm.")
    elif f.national_key == national.count:
        b.say("Các đề án này đều là" if national.count > 1 else "Đây là", " đề án khuyến công quốc gia điểm.")
    else:
        b.say("Trong đó có ").fig(n(f.national_key), "F15").say(" đề án khuyến công quốc gia điểm.")
    return [b.paragraph("key.national")]


# --- 3. Kết quả huy động các nguồn lực --------------------------------------------------------

_FORMS = "hỗ trợ có thu hồi kinh phí và hỗ trợ không thu hồi kinh phí"


def resources(f: ReportFigures, ctx: Context) -> list[Paragraph]:
    period = period_label(f.year_from, f.year_to)
    both = bool(f.recoverable.projects and f.non_recoverable.projects)
    out = []
    if f.recoverable.projects or f.non_recoverable.projects:
        how = (
            f"02 hình thức, {_FORMS}"
            if both
            else ("hình thức hỗ trợ có thu hồi kinh phí" if f.recoverable.projects else "hình thức hỗ trợ không thu hồi kinh phí")
        )
        out.append(
            _Builder()
            .say(
                f"Trong {period}, chương trình khuyến công đã hỗ trợ trực tiếp cho doanh nghiệp đầu tư phát triển sản "
                f"xuất thông qua {how} để đầu tư xây dựng nhà xưởng và mua máy móc thiết bị."
            )
            .paragraph("resources.intro")
        )
    out += recoverable(f)
    out += non_recoverable(f)
    if both and f.direct_money:
        out.append(_direct_total(f))
    out += promotion(f)
    return out


def recoverable(f: ReportFigures) -> list[Paragraph]:
    r, period = f.recoverable, period_label(f.year_from, f.year_to)
    if not (r.projects or f.repayment.facilities):
        return []
    b = _Builder().say("- Đối với hình thức hỗ trợ có thu hồi kinh phí: ")
    if r.projects:
        b.say(f"trong {period}, thực hiện được ").fig(n(r.projects), "F16").say(" đề án")
        if r.facilities:
            b.say(" cho ").fig(n(r.facilities), "F16").say(" cơ sở")
        _money_clause(b, r.money, "F16", ", với kinh phí hỗ trợ là ")
        if r.counterpart:
            b.say(" và thu hút được ").fig(fmt.money(r.counterpart), "F16")
            b.say(" từ nguồn vốn đầu tư của cơ sở sản xuất công nghiệp")
        b.say(". " if f.repayment.facilities else ".")
    _standing(b, f, after_colon=not r.projects)
    return [b.paragraph("resources.recoverable")]


_STANDING_WORDS = {
    Standing.ON_TIME: "thực hiện việc hoàn trả kinh phí khuyến công đúng thời gian quy định theo hợp đồng",
    Standing.PAID_LATE: "đã hoàn trả nhưng chậm so với thời gian quy định theo hợp đồng, hiện không còn nợ quá hạn",
    Standing.OVERDUE: "đang có khoản nợ quá hạn, chưa phải khởi kiện",
    Standing.SUED: "vi phạm hợp đồng phải khởi kiện ra tòa",
}
# Each count links to its own facilities (figures.records "F17-<standing>"); the sued are F18.
_STANDING_FIGURE = {name: f"F17-{name}" for name in Standing.ORDER} | {Standing.SUED: "F18"}


def standing_counts(f: ReportFigures) -> list[tuple[str, int]]:
    """The facilities of F17's base by standing, in the order the sentence names them."""
    counts = dict(f.repayment.standing)
    return [(name, counts.get(name, 0)) for name in Standing.ORDER]


def _standing(b: _Builder, f: ReportFigures, *, after_colon: bool = False) -> None:
    """Every facility of F17's base, by its standing at the report date, shares adding to 100%;
    ``after_colon``: the sentence follows "…: " and starts in lower case."""
    rep = f.repayment
    start = _lower_first if after_colon else (lambda text: text)
    counts = [(name, count) for name, count in standing_counts(f) if count]
    if not rep.facilities:
        return
    if len(counts) == 1:
        name, count = counts[0]
        if count == 1:
            b.say(start("Cơ sở được hỗ trợ "), _STANDING_WORDS[name])
        else:
            b.say(start("Cả ")).fig(n(count), _STANDING_FIGURE[name]).say(" cơ sở được hỗ trợ đều ", _STANDING_WORDS[name])
    else:
        shares = _share_texts([count for _, count in counts])
        b.say(start("Trong ")).fig(n(rep.facilities), "F17").say(" cơ sở được hỗ trợ, có ")
        parts = [
            _Builder()
            .fig(n(count), _STANDING_FIGURE[name])
            .say(f" cơ sở {_STANDING_WORDS[name]}, chiếm tỷ lệ ")
            .fig(share, _STANDING_FIGURE[name])
            for (name, count), share in zip(counts, shares, strict=True)
        ]
        b.join(parts, "; ")
    if rep.sued and rep.sued_names:
        b.note([(Run("Gồm: "), *_names(rep.sued_names), Run("."))])
    b.say(".")
    if rep.sued and rep.sued_outstanding:
        b.say(" Tổng số tiền của ").fig(n(rep.sued), "F18").say(" cơ sở còn đang nợ chương trình khuyến công là ")
        b.fig(fmt.money(rep.sued_outstanding), "F19")
        _growth(b, f)
        b.say(".")


def _names(names: tuple[str, ...]) -> list[Run]:
    runs: list[Run] = []
    for i, name in enumerate(names):
        if i:
            runs.append(Run(", "))
        runs.append(Run(name, "F30"))
    return runs


def _growth(b: _Builder, f: ReportFigures) -> None:
    rep = f.repayment
    if not rep.growth or rep.previous_year_from is None or rep.previous_year_to is None:
        return
    previous = period_label(rep.previous_year_from, rep.previous_year_to)
    times = fmt.ratio(rep.sued_outstanding, rep.previous_sued_outstanding or 0)
    if rep.sued_outstanding == rep.previous_sued_outstanding or times == "1,0":
        b.say(f", tương đương {previous}")
    elif rep.sued_outstanding > (rep.previous_sued_outstanding or 0):
        b.say(", tăng ").fig(times, "F20").say(f" lần so với {previous}")
    else:
        b.say(", bằng ").fig(times, "F20").say(f" lần so với {previous}")


def non_recoverable(f: ReportFigures) -> list[Paragraph]:
    d, period = f.non_recoverable, period_label(f.year_from, f.year_to)
    if not d.projects:
        return []
    b = _Builder().say(f"- Đối với hình thức hỗ trợ không thu hồi kinh phí: {period} đã triển khai thực hiện ")
    b.fig(n(d.projects), "F21").say(" đề án hỗ trợ trực tiếp")
    if d.facilities:
        b.say(" cho ").fig(n(d.facilities), "F21").say(" cơ sở sản xuất công nghiệp")
    _money_clause(b, d.money, "F21", ", với kinh phí của ngân sách là ")
    if d.counterpart:
        b.say(" và thu hút được ").fig(fmt.money(d.counterpart), "F21").say(" từ nguồn vốn của doanh nghiệp")
    return [b.say(".").paragraph("resources.non_recoverable")]


def _direct_total(f: ReportFigures) -> Paragraph:
    period = period_label(f.year_from, f.year_to)
    local_name = f.local_budget_name or "Ngân sách địa phương"
    national_name = (f.national_budget_name or "Ngân sách Trung ương").lower()
    b = _Builder().say(
        f"Như vậy, trong {period}, tổng kinh phí khuyến công hỗ trợ trực tiếp cho doanh nghiệp đầu tư mở rộng sản "
        f"xuất thông qua 02 hình thức ({_FORMS}) là "
    )
    b.fig(fmt.money(f.direct_money), "F22")
    if f.direct_local_money and f.direct_national_money:
        b.say(f"; trong đó: {local_name} là ").fig(fmt.money(f.direct_local_money), "F22")
        b.say(f" và {national_name} là ").fig(fmt.money(f.direct_national_money), "F22")
    elif f.direct_money:
        b.say(f", toàn bộ từ {(local_name if f.direct_local_money else national_name).lower()}")
    b.say(".")
    if f.counterpart:
        b.say(" Thông qua việc hỗ trợ trực tiếp cho doanh nghiệp, Chương trình khuyến công đã thu hút được ")
        b.fig(fmt.money(f.counterpart), "F23").say(" từ nguồn vốn của doanh nghiệp đầu tư mở rộng, phát triển sản xuất.")
    return b.paragraph("resources.direct_total")


def promotion(f: ReportFigures) -> list[Paragraph]:
    c, period = f.conferences, period_label(f.year_from, f.year_to)
    if not c.events:
        return []
    direct = f.recoverable.projects or f.non_recoverable.projects
    b = _Builder().say(
        "Ngoài việc hỗ trợ trực tiếp cho doanh nghiệp đầu tư xây dựng nhà xưởng, máy móc thiết bị, chương trình khuyến "
        "công của tỉnh còn hỗ trợ"
        if direct
        else "Chương trình khuyến công của tỉnh đã hỗ trợ"
    )
    b.say(
        " các doanh nghiệp giới thiệu, quảng bá sản phẩm, kết nối cung cầu tiêu thụ sản phẩm với các tỉnh thành trong "
        f"cả nước. Trong {period} đã tổ chức thành công "
    )
    b.fig(n(c.events), "F24").say(" hội nghị kết nối cung cầu tiêu thụ sản phẩm trong nước")
    if c.participants:
        b.say(", với ").fig(n(c.participants), "F24").say(" lượt doanh nghiệp tham gia")
    outcomes = []
    if c.sale_contracts:
        outcomes.append(_Builder().fig(n(c.sale_contracts), "F24").say(" hợp đồng mua bán"))
    if c.memoranda:
        outcomes.append(_Builder().fig(n(c.memoranda), "F24").say(" biên bản hợp tác liên kết"))
    if outcomes:
        b.say(", qua đó đã thu được ").join(outcomes, ", ", " và ").say(" để tiêu thụ sản phẩm được ký kết")
    return [b.say(".").paragraph("resources.promotion")]


# --- 4. Kết quả sau hỗ trợ ---------------------------------------------------------------------


def after_support(f: ReportFigures) -> list[Paragraph]:
    """The results after support followed up in the period: how many đề án, and the jobs,
    capital mobilised and revenue / value added they report. Nothing (the optional section is
    left out) when no đề án was followed up."""
    a = f.after_support
    if not a.projects:
        return []
    period = _cap(period_label(f.year_from, f.year_to))
    b = _Builder().say(f"{period}, ")
    if a.projects == 1:
        line = a.lines[0]
        b.say(f"đề án “{line.name}” ({line.code}) được theo dõi kết quả sau hỗ trợ")
    else:
        b.say(n(a.projects), " đề án đã hoàn thành được theo dõi kết quả sau hỗ trợ")
    if a.follow_ups > a.projects:
        b.say(f" qua {n(a.follow_ups)} lần theo dõi")
    gains = []
    if a.jobs_created:
        gains.append(_Builder().say("tạo việc làm mới cho ", n(a.jobs_created), " lao động"))
    if a.capital_mobilised:
        gains.append(_Builder().say("huy động ", fmt.money(a.capital_mobilised), " vốn đầu tư"))
    if a.revenue:
        gains.append(_Builder().say("doanh thu, giá trị gia tăng đạt ", fmt.money(a.revenue)))
    if gains:
        b.say(a.projects == 1 and "; đề án đã " or "; các đề án đã ").join(gains, ", ", " và ").say(".")
    else:
        b.say(", nhưng chưa ghi nhận số liệu về lao động, vốn huy động hay doanh thu.")
    b.say(" Chi tiết từng đề án tại phụ lục kết quả sau hỗ trợ.")
    return [b.paragraph("after_support.totals")]


# --- By section -------------------------------------------------------------------------------


def generated(f: ReportFigures, place: str) -> dict[str, list[Paragraph]]:
    """The generated paragraphs of each section of the outline (reporting/outline.py), by slug."""
    ctx = Context.of(f, place)
    return {
        "results": overview(f, ctx),
        "results_1_1": demonstration(f) + machinery(f),
        "results_1_2": conferences(f) + brand(f) + voting(f) + cleaner_production(f),
        "results_1_3": linkage(f),
        "results_1_4": training(f),
        "results_1_5": media(f),
        "results_1_6": inspection(f),
        "key_projects": national_key(f, ctx),
        "resources": resources(f, ctx),
        "after_support": after_support(f),
    }
