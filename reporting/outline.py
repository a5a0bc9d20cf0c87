"""The outline of the BC-SCT report, as the seed report (shared/seed/) lays it out: a fixed
catalogue of sections, each with its heading, the generated paragraphs it holds
(reporting/sentences.py) and whether the specialist writes text in it.

A report stores, per section, its free text (Report.section_texts, by slug) and, per generated
paragraph, whether it is hidden and the text added after it (Report.paragraph_settings, by key).
Numbers are given by position among the sections printed, so an optional section left empty
takes no number.
"""

from __future__ import annotations

from dataclasses import dataclass

from reporting.narrative import Headings

# How the headings typed in a section's free text ("# ", "## ") are numbered under it.
DECIMAL = "decimal"  # 1., 2. (under a Roman section or a part)
SUB_DECIMAL = "sub_decimal"  # 2.1., 2.2. (under "2.")
LETTER = "letter"  # a), b)
ROMAN_STYLE = "roman"  # I., II. (Part II's own text, as its sections are numbered)


@dataclass(frozen=True)
class Section:
    slug: str
    heading: str  # may name {next_period}, {horizon} and the activity groups {group_1_1}
    label: str  # what the edit screen calls it
    numbering: str = ""  # "part", "roman", "decimal", "sub_decimal": how this section is numbered
    paragraphs: tuple[tuple[str, str], ...] = ()  # (key, label) of the generated paragraphs it may hold
    free_text: bool = True
    optional: bool = False  # left out when empty (no placeholder, no number)
    run_in: bool = False  # the first generated paragraph follows the heading on its line
    text_headings: tuple[str, ...] = (DECIMAL, LETTER)  # styles of "# " and "## " in its free text
    children: tuple[Section, ...] = ()
    always: bool = False  # printed even when empty (a generated section of the fixed outline)


def _result(slug, group, label, paragraphs, *, run_in=False) -> Section:
    return Section(slug, "{" + group + "}", label, "sub_decimal", paragraphs, run_in=run_in, text_headings=(LETTER,), always=True)


OUTLINE: tuple[Section, ...] = (
    Section(
        "part1",
        "ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN",
        "Phần I",
        "part",
        free_text=False,
        children=(
            Section(
                "direction",
                "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH THỰC HIỆN",
                "I. Công tác chỉ đạo, điều hành",
                "roman",
                free_text=False,
                children=(
                    Section(
                        "directives",
                        "Công tác chỉ đạo, quán triệt, triển khai Chương trình",
                        "I.1. Công tác chỉ đạo, quán triệt, triển khai",
                        "decimal",
                        text_headings=(SUB_DECIMAL, LETTER),
                    ),
                    Section(
                        "policies",
                        "Xây dựng, ban hành chủ trương, chính sách về công tác khuyến công",
                        "I.2. Xây dựng, ban hành chủ trương, chính sách",
                        "decimal",
                        optional=True,
                        text_headings=(SUB_DECIMAL, LETTER),
                    ),
                    Section(
                        "coordination",
                        "Công tác phối hợp và phân công, phân cấp trong quản lý, điều hành thực hiện",
                        "I.3. Công tác phối hợp và phân công, phân cấp",
                        "decimal",
                        text_headings=(SUB_DECIMAL, LETTER),
                    ),
                ),
            ),
            Section(
                "results_part",
                "KẾT QUẢ THỰC HIỆN CHƯƠNG TRÌNH",
                "II. Kết quả thực hiện chương trình",
                "roman",
                free_text=False,
                children=(
                    Section(
                        "results",
                        "Kết quả thực hiện",
                        "II.1. Kết quả thực hiện (đoạn tổng hợp)",
                        "decimal",
                        (("results.overview", "Tổng hợp số đề án, kinh phí theo nguồn (kèm chú thích từng năm)"),),
                        always=True,
                        children=(
                            _result(
                                "results_1_1",
                                "group_1_1",
                                "1.1. Mô hình trình diễn, máy móc thiết bị",
                                (
                                    ("results.demonstration", "Mô hình trình diễn kỹ thuật"),
                                    ("results.machinery", "Ứng dụng máy móc thiết bị tiên tiến"),
                                ),
                            ),
                            _result(
                                "results_1_2",
                                "group_1_2",
                                "1.2. Phát triển sản phẩm công nghiệp nông thôn",
                                (
                                    ("results.conferences", "Hội nghị kết nối cung cầu"),
                                    ("results.brand", "Thương hiệu, nhãn hiệu"),
                                    ("results.voting", "Bình chọn sản phẩm CNNT tiêu biểu"),
                                    ("results.cleaner", "Sản xuất sạch hơn"),
                                ),
                            ),
                            _result(
                                "results_1_3",
                                "group_1_3",
                                "1.3. Liên doanh, liên kết",
                                (("results.linkage", "Liên doanh, liên kết"),),
                            ),
                            _result(
                                "results_1_4", "group_1_4", "1.4. Nguồn nhân lực", (("results.training", "Đào tạo, bồi dưỡng"),)
                            ),
                            _result(
                                "results_1_5",
                                "group_1_5",
                                "1.5. Tư vấn thông tin, truyền thông",
                                (("results.media", "Chương trình truyền thông"),),
                                run_in=True,
                            ),
                            _result(
                                "results_1_6",
                                "group_1_6",
                                "1.6. Nâng cao năng lực tổ chức thực hiện",
                                (("results.inspection", "Kiểm tra, giám sát"),),
                                run_in=True,
                            ),
                        ),
                    ),
                    Section(
                        "key_projects",
                        "Đề án khuyến công quốc gia điểm (nếu có)",
                        "II.2. Đề án khuyến công quốc gia điểm",
                        "decimal",
                        (("key.national", "Đề án khuyến công quốc gia và đề án điểm"),),
                        always=True,
                    ),
                    Section(
                        "resources",
                        "Kết quả huy động các nguồn lực thực hiện",
                        "II.3. Kết quả huy động các nguồn lực",
                        "decimal",
                        (
                            ("resources.intro", "Hai hình thức hỗ trợ trực tiếp"),
                            ("resources.recoverable", "Hỗ trợ có thu hồi và tình hình hoàn trả"),
                            ("resources.non_recoverable", "Hỗ trợ không thu hồi"),
                            ("resources.direct_total", "Tổng kinh phí hỗ trợ trực tiếp"),
                            ("resources.promotion", "Kết nối cung cầu, xúc tiến tiêu thụ"),
                        ),
                        always=True,
                    ),
                    Section(
                        "after_support",
                        "Kết quả sau hỗ trợ",
                        "II.4. Kết quả sau hỗ trợ (khi có đề án được theo dõi trong kỳ)",
                        "decimal",
                        (("after_support.totals", "Tổng hợp kết quả sau hỗ trợ: số đề án, lao động, vốn huy động, doanh thu"),),
                        optional=True,  # left out (no number) when no đề án was followed up in the period
                        text_headings=(LETTER,),
                    ),
                    Section("limitations", "Tồn tại, hạn chế", "II.4. Tồn tại, hạn chế", "decimal", text_headings=(LETTER,)),
                    Section("causes", "Nguyên nhân", "II.5. Nguyên nhân", "decimal", text_headings=(LETTER,)),
                ),
            ),
        ),
    ),
    Section(
        "part2",
        "ĐỀ XUẤT MỤC TIÊU, NHIỆM VỤ, GIẢI PHÁP THỰC HIỆN CHƯƠNG TRÌNH {next_period}{horizon}",
        "Phần II (lời đầu phần, hoặc cả phần với đề mục “# ”)",
        "part",
        text_headings=(ROMAN_STYLE, DECIMAL),
        children=(
            Section(
                "p2_context",
                "QUAN ĐIỂM, CĂN CỨ XÂY DỰNG CHƯƠNG TRÌNH, BỐI CẢNH TÌNH HÌNH",
                "Phần II — I. Quan điểm, căn cứ, bối cảnh",
                "roman",
                optional=True,
            ),
            Section("p2_objectives", "MỤC TIÊU CỦA CHƯƠNG TRÌNH", "Phần II — II. Mục tiêu", "roman", optional=True),
            Section("p2_contents", "NỘI DUNG CỦA CHƯƠNG TRÌNH", "Phần II — III. Nội dung", "roman", optional=True),
            Section("p2_solutions", "GIẢI PHÁP THỰC HIỆN", "Phần II — IV. Giải pháp thực hiện", "roman", optional=True),
        ),
    ),
    Section("part3", "ĐỀ XUẤT, KIẾN NGHỊ", "Phần III. Đề xuất, kiến nghị", "part"),
)

PREAMBLE = Section("preamble", "", "Căn cứ, mở đầu (để trống: câu mở đầu mặc định)", optional=True)


def walk(sections: tuple[Section, ...] = OUTLINE):
    """Every section, depth first, the preamble first."""
    if sections is OUTLINE:
        yield PREAMBLE
    for section in sections:
        yield section
        yield from walk(section.children)


def text_slugs() -> tuple[str, ...]:
    """The sections the specialist writes in, in the order of the document."""
    return tuple(s.slug for s in walk() if s.free_text)


def paragraph_keys() -> dict[str, str]:
    """Every generated paragraph's key and label, in the order of the document."""
    return {key: label for s in walk() for key, label in s.paragraphs}


def section(slug: str) -> Section | None:
    return next((s for s in walk() if s.slug == slug), None)


# The tag level of a "# " heading typed in a section's text, by how the section is numbered.
TEXT_LEVEL = {"part": 4, "roman": 4, "decimal": 5, "sub_decimal": 5, "": 4}
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def number(section_: Section, index: int, parent_number: str) -> str:
    """A section's number from its place among the sections printed beside it (from 1)."""
    if section_.numbering == "part":
        return f"PHẦN {ROMAN[index - 1]}"
    if section_.numbering == "roman":
        return f"{ROMAN[index - 1]}."
    if section_.numbering == "sub_decimal":
        return f"{parent_number}{index}."
    return f"{index}." if section_.numbering else ""


def _full_numbers(sections: tuple[Section, ...], parent_number: str, into: dict[str, str]) -> dict[str, str]:
    for i, s in enumerate(sections, 1):
        into[s.slug] = number(s, i, parent_number)
        _full_numbers(s.children, into[s.slug], into)
    return into


def headings_for(section_: Section, section_number: str | None = None) -> Headings:
    """How the headings typed in a section's text are numbered; without the number the section
    prints under, the one it has when every section is printed (the edit screen's preview).
    Roman headings are the level of the outline's Roman sections (h3)."""
    if section_number is None:
        section_number = _full_numbers(OUTLINE, "", {}).get(section_.slug, "")
    level = 3 if section_.text_headings[0] == ROMAN_STYLE else TEXT_LEVEL[section_.numbering]
    return Headings(styles=section_.text_headings, parent_number=section_number, level=level)
