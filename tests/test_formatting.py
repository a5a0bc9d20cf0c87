import datetime

import pytest

from khuyencong.core import formatting as f


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (30_501_337_000, "30,501 tỷ đồng"),
        (20_800_000_000, "20,800 tỷ đồng"),
        (1_836_337_000, "1,836 tỷ đồng"),
        (1_836_500_000, "1,837 tỷ đồng"),  # half up at the million
        (600_000_000, "600 triệu đồng"),
        (378_500_000, "378,5 triệu đồng"),
        (999_999_600, "1,000 tỷ đồng"),
        (0, "0 triệu đồng"),
    ],
)
def test_money(amount, text):
    assert f.money(amount) == text


def test_money_refuses_what_is_not_whole_dong():
    with pytest.raises(TypeError):
        f.money(1.5)


def test_money_exact_groups_thousands_with_dots():
    assert f.money_exact(1_836_337_000) == "1.836.337.000 đồng"


@pytest.mark.parametrize(
    ("done", "planned", "text"),
    [(37, 38, "97,4%"), (8_987, 8_990, "99,9%"), (35, 35, "100%"), (1, 100_000, "0,1%"), (0, 5, "0%"), (8_342, 9_920, "84,1%")],
)
def test_rate_never_rounds_to_a_boundary(done, planned, text):
    assert f.rate(done, planned) == text


def test_share_is_whole_per_cent_half_up():
    assert (f.share(29_901, 30_501), f.share(600, 30_501), f.share(32, 35), f.share(3, 35)) == ("98%", "2%", "91%", "9%")


def test_dates():
    assert f.date_short(datetime.date(2025, 3, 5)) == "05/03/2025"
    assert f.date_long(datetime.date(2020, 11, 20)) == "ngày 20 tháng 11 năm 2020"
    assert f.date_long(datetime.date(2025, 2, 5)) == "ngày 05 tháng 02 năm 2025"


@pytest.mark.parametrize(
    "typed, message",
    [
        ("-5.000.000", "Số tiền không được là số âm."),
        ("- 5000000", "Số tiền không được là số âm."),
        ("1,5 tỷ", "Số tiền không hợp lệ"),
        ("1.000,5", "không có phần lẻ"),
        ("99999999999999999999", "Số tiền quá lớn: tối đa 1.000.000.000.000.000 đồng"),
    ],
)
def test_money_typed_wrong_gets_a_vietnamese_reason(typed, message):
    from django.core.exceptions import ValidationError

    from khuyencong.core.forms import MoneyField

    with pytest.raises(ValidationError) as refused:
        MoneyField(min_value=1).clean(typed)
    assert message in " ".join(refused.value.messages)
    assert MoneyField().clean("1.836.337.000") == 1_836_337_000
