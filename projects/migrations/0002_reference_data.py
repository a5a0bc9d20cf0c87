"""Reference data: activity contents (import-format.md codes, grouped 1.1–1.6 as in the
seed), award levels, funding levels, and Lâm Đồng's units as they were before 1 July 2025.

Kept as data, not code: the decree that replaces NĐ 45/2012 will change the contents, and the
district level of the awards ended with the 2025 reform.
"""

import datetime

from django.db import migrations

GROUPS = [
    ("1.1", "Hỗ trợ xây dựng mô hình trình diễn kỹ thuật; chuyển giao công nghệ và ứng dụng máy móc "
            "tiên tiến, tiến bộ khoa học kỹ thuật vào sản xuất công nghiệp-tiểu thủ công nghiệp; xây dựng "
            "mô hình thí điểm về áp dụng sản xuất sạch hơn; xây dựng hệ thống xử lý ô nhiễm môi trường cho "
            "cơ sở công nghiệp nông thôn"),
    ("1.2", "Hỗ trợ phát triển sản phẩm công nghiệp nông thôn"),
    ("1.3", "Hỗ trợ liên doanh, liên kết; tham gia cụm liên kết ngành, chuỗi giá trị; hợp tác đầu tư "
            "phát triển các cụm công nghiệp"),
    ("1.4", "Hỗ trợ phát triển nguồn nhân lực có chất lượng; nâng cao năng lực quản lý; tư vấn, trợ giúp "
            "các cơ sở công nghiệp nông thôn"),
    ("1.5", "Hỗ trợ tư vấn thông tin phát triển công nghiệp nông thôn; công tác truyền thông"),
    ("1.6", "Nâng cao năng lực tổ chức thực hiện các hoạt động khuyến công"),
]

LINES = [
    ("MHTD", "1.1", "Xây dựng mô hình trình diễn kỹ thuật"),
    ("MMTB", "1.1", "Ứng dụng máy móc thiết bị tiên tiến; đầu tư nhà xưởng, máy móc thiết bị"),
    ("CGCN", "1.1", "Chuyển giao công nghệ"),
    ("XLMT", "1.1", "Hệ thống xử lý ô nhiễm môi trường"),
    ("KNCC", "1.2", "Hội nghị kết nối cung cầu"),
    ("HCTL", "1.2", "Hội chợ, triển lãm"),
    ("THNH", "1.2", "Xây dựng, đăng ký thương hiệu, nhãn hiệu"),
    ("BCSP", "1.2", "Bình chọn sản phẩm công nghiệp nông thôn tiêu biểu"),
    ("LKCK", "1.3", "Liên doanh, liên kết, cụm liên kết ngành, cụm công nghiệp"),
    ("DTBD", "1.4", "Đào tạo, bồi dưỡng, nâng cao năng lực quản lý"),
    ("TVHT", "1.4", "Tư vấn, trợ giúp cơ sở công nghiệp nông thôn"),
    ("TTTT", "1.5", "Thông tin tuyên truyền"),
    ("KTGS", "1.6", "Kiểm tra, giám sát, hướng dẫn; quản lý chương trình"),
]

AWARD_LEVELS = [
    ("HUYEN", "Huyện", 1, datetime.date(2025, 6, 30)),
    ("TINH", "Tỉnh", 2, None),
    ("KHUVUC", "Khu vực", 3, None),
    ("QUOCGIA", "Quốc gia", 4, None),
]

FUNDING_LEVELS = [
    ("QG", "Khuyến công quốc gia", "Ngân sách Trung ương", 1),
    ("DP", "Khuyến công địa phương", "Ngân sách địa phương", 2),
    ("HUYEN", "Khuyến công cấp huyện", "Ngân sách cấp huyện", 3),
]

REFORM_END = datetime.date(2025, 6, 30)
REFORM_START = datetime.date(2025, 7, 1)
DA_HUOAI_MERGER_END = datetime.date(2024, 11, 30)

# Code, name; the general statistics office's codes for Lâm Đồng's district-level units.
DISTRICTS = [
    ("672", "Thành phố Đà Lạt"),
    ("673", "Thành phố Bảo Lộc"),
    ("674", "Huyện Đam Rông"),
    ("675", "Huyện Lạc Dương"),
    ("676", "Huyện Lâm Hà"),
    ("677", "Huyện Đơn Dương"),
    ("678", "Huyện Đức Trọng"),
    ("679", "Huyện Di Linh"),
    ("680", "Huyện Bảo Lâm"),
    ("681", "Huyện Đạ Huoai"),
    ("682", "Huyện Đạ Tẻh"),
    ("683", "Huyện Cát Tiên"),
]


def load(apps, schema_editor):
    ActivityContent = apps.get_model("projects", "ActivityContent")
    AwardLevel = apps.get_model("projects", "AwardLevel")
    AdministrativeUnit = apps.get_model("projects", "AdministrativeUnit")
    try:
        FundingLevel = apps.get_model("funding", "FundingLevel")
    except LookupError:  # the live registry (tests reset the reference rows with it): moved in 0006
        FundingLevel = apps.get_model("projects", "FundingLevel")

    groups = {}
    for order, (code, name) in enumerate(GROUPS, start=1):
        groups[code], _ = ActivityContent.objects.update_or_create(
            code=code, defaults={"name": name, "order": order * 100}
        )
    for order, (code, group, name) in enumerate(LINES, start=1):
        ActivityContent.objects.update_or_create(
            code=code,
            defaults={"name": name, "parent": groups[group], "order": int(group.split(".")[1]) * 100 + order},
        )
    for code, name, order, valid_to in AWARD_LEVELS:
        AwardLevel.objects.update_or_create(code=code, defaults={"name": name, "order": order, "valid_to": valid_to})
    for code, name, budget, order in FUNDING_LEVELS:
        FundingLevel.objects.update_or_create(
            code=code, defaults={"name": name, "budget_name": budget, "order": order}
        )

    new_province, _ = AdministrativeUnit.objects.update_or_create(
        code="68-2025",
        defaults={"name": "Tỉnh Lâm Đồng", "level": "province", "valid_from": REFORM_START},
    )
    old_province, _ = AdministrativeUnit.objects.update_or_create(
        code="68",
        defaults={
            "name": "Tỉnh Lâm Đồng (trước 01/7/2025)",
            "level": "province",
            "valid_to": REFORM_END,
            "successor": new_province,
        },
    )
    for code, name in (("67", "Tỉnh Đắk Nông"), ("60", "Tỉnh Bình Thuận")):
        AdministrativeUnit.objects.update_or_create(
            code=code,
            defaults={"name": name, "level": "province", "valid_to": REFORM_END, "successor": new_province},
        )
    units = {}
    for code, name in DISTRICTS:
        units[code], _ = AdministrativeUnit.objects.update_or_create(
            code=code,
            defaults={"name": name, "level": "district", "parent": old_province, "valid_to": REFORM_END},
        )
    # Đạ Huoai, Đạ Tẻh and Cát Tiên merged into a new Đạ Huoai on 1 December 2024.
    for code in ("682", "683"):
        unit = units[code]
        unit.valid_to = DA_HUOAI_MERGER_END
        unit.successor = units["681"]
        unit.save()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
        ("funding", "0002_initial"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
