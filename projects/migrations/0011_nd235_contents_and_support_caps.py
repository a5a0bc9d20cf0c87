"""The activity catalogue as versioned data, and the support caps.

- The NĐ 45/2012/NĐ-CP lines (0002) get their legal basis and end on 14/10/2025; each counts
  under its own report line.
- The NĐ 235/2025/NĐ-CP list (in force 15/10/2025, amending NĐ 45/2012) is added as new lines
  under the same groups 1.1–1.6 (the report's sections). A line that carries on an NĐ 45 line
  has the code "<NĐ 45 code>-235" and counts under that line (``report_line``), so a 2026 đề án
  lands in the same report section and figure as its 2021–2025 counterpart. New contents
  (digital transformation, sustainable production / circular economy / cleaner production,
  artisans) have codes of their own and count under their own line, in their group.
  The names are the portal's short wording of the decree's contents; the Department may
  correct them in the admin (the codes are what the records and the workbook use).
- Support caps: reference levels (mức tham chiếu) after TT 28/2018/TT-BTC for the direct
  supports, for the Department to check and replace once the 2026 circulars and the province's
  HĐND resolution set them. The legal basis text of each says so.

``load`` is also called by the tests that flush the database (tests/report_expectations.py).
"""

import datetime

from django.db import migrations

ND45 = "NĐ 45/2012/NĐ-CP, Điều 4"
ND235 = "NĐ 235/2025/NĐ-CP (sửa đổi NĐ 45/2012/NĐ-CP)"
ND45_END = datetime.date(2025, 10, 14)
ND235_START = datetime.date(2025, 10, 15)

ND45_CODES = ["MHTD", "MMTB", "CGCN", "XLMT", "KNCC", "HCTL", "THNH", "BCSP", "LKCK", "DTBD", "TVHT", "TTTT", "KTGS"]

# Code, group, report line, name. Order within a group follows the list.
ND235_LINES = [
    ("MHTD-235", "1.1", "MHTD", "Xây dựng mô hình trình diễn kỹ thuật"),
    ("MMTB-235", "1.1", "MMTB", "Ứng dụng máy móc thiết bị tiên tiến, tiến bộ khoa học kỹ thuật vào sản xuất"),
    ("CGCN-235", "1.1", "CGCN", "Chuyển giao công nghệ"),
    ("XLMT-235", "1.1", "XLMT", "Hệ thống xử lý ô nhiễm môi trường"),
    ("CDS", "1.1", "", "Ứng dụng chuyển đổi số trong sản xuất, quản trị và kinh doanh"),
    ("SXBV", "1.1", "", "Sản xuất bền vững: sản xuất sạch hơn, sử dụng năng lượng tiết kiệm và hiệu quả, kinh tế tuần hoàn"),
    ("KNCC-235", "1.2", "KNCC", "Hội nghị kết nối cung cầu"),
    ("HCTL-235", "1.2", "HCTL", "Hội chợ, triển lãm"),
    ("THNH-235", "1.2", "THNH", "Xây dựng, đăng ký thương hiệu, nhãn hiệu"),
    ("BCSP-235", "1.2", "BCSP", "Bình chọn sản phẩm công nghiệp nông thôn tiêu biểu"),
    ("LKCK-235", "1.3", "LKCK", "Liên doanh, liên kết, cụm liên kết ngành, chuỗi giá trị, cụm công nghiệp"),
    ("DTBD-235", "1.4", "DTBD", "Đào tạo, bồi dưỡng, nâng cao năng lực quản lý"),
    ("TVHT-235", "1.4", "TVHT", "Tư vấn, trợ giúp cơ sở công nghiệp nông thôn"),
    ("NNCN", "1.4", "", "Hỗ trợ nghệ nhân: truyền nghề, phát triển nghề và sản phẩm"),
    ("TTTT-235", "1.5", "TTTT", "Thông tin tuyên truyền"),
    ("KTGS-235", "1.6", "KTGS", "Kiểm tra, giám sát, hướng dẫn; quản lý chương trình"),
]

TT28 = "Mức tham chiếu theo TT 28/2018/TT-BTC (Sở cần đối chiếu văn bản hiện hành)"
TT28_START = datetime.date(2018, 5, 15)
REFERENCE_2026 = (
    "Mức tham chiếu theo TT 28/2018/TT-BTC, áp dụng tạm cho nội dung theo NĐ 235/2025/NĐ-CP đến khi có "
    "thông tư hướng dẫn và nghị quyết HĐND tỉnh"
)

# Content, share (%), ceiling (đồng): non-recoverable support of one đề án.
CAPS_ND45 = [
    ("MHTD", 50, 1_500_000_000),
    ("MMTB", 50, 300_000_000),
    ("CGCN", 50, 300_000_000),
    ("XLMT", 50, 500_000_000),
    ("THNH", None, 35_000_000),
]
CAPS_ND235 = [
    ("MHTD-235", 50, 1_500_000_000),
    ("MMTB-235", 50, 300_000_000),
    ("CGCN-235", 50, 300_000_000),
    ("XLMT-235", 50, 500_000_000),
    ("CDS", 50, 300_000_000),
    ("SXBV", 50, 500_000_000),
    ("THNH-235", None, 35_000_000),
]


def load(apps, schema_editor):
    ActivityContent = apps.get_model("projects", "ActivityContent")
    SupportCap = apps.get_model("projects", "SupportCap")

    for code in ND45_CODES:
        ActivityContent.objects.filter(code=code).update(legal_basis=ND45, valid_to=ND45_END, report_line=code)
    ActivityContent.objects.filter(parent__isnull=True).update(legal_basis="Nhóm nội dung của báo cáo (mục 1.1–1.6)")

    groups = {g.code: g for g in ActivityContent.objects.filter(parent__isnull=True)}
    for position, (code, group, line, name) in enumerate(ND235_LINES, start=1):
        ActivityContent.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": groups[group],
                # After the NĐ 45 lines of the group (whose orders are group × 100 + 1..13).
                "order": int(group.split(".")[1]) * 100 + 50 + position,
                "legal_basis": ND235,
                "valid_from": ND235_START,
                "report_line": line or code,
            },
        )

    contents = {c.code: c for c in ActivityContent.objects.all()}
    for rows, basis, start in ((CAPS_ND45, TT28, TT28_START), (CAPS_ND235, REFERENCE_2026, ND235_START)):
        for code, share, ceiling in rows:
            SupportCap.objects.update_or_create(
                content=contents[code],
                funding_level=None,
                support_form="non_recoverable",
                valid_from=start,
                defaults={"share_percent": share, "ceiling": ceiling, "legal_basis": basis},
            )


def unload(apps, schema_editor):
    ActivityContent = apps.get_model("projects", "ActivityContent")
    SupportCap = apps.get_model("projects", "SupportCap")
    SupportCap.objects.all().delete()
    ActivityContent.objects.filter(code__in=[row[0] for row in ND235_LINES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0010_content_validity_and_support_caps"),
    ]

    operations = [migrations.RunPython(load, unload)]
