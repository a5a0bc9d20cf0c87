"""The office's daily work: the header's search, help per screen, reminders (send_reminders,
notifications, e-mail) and the reminder letter."""

from __future__ import annotations

import datetime
import io
import re
import unicodedata

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from pypdf import PdfReader

from funding.models import Instalment
from khuyencong.core import roles
from khuyencong.office import help as help_pages
from khuyencong.office.models import Notification
from khuyencong.office.reminders import reminder_recipients
from khuyencong.office.search import PER_GROUP
from tests import factories as f
from tests.screens_helpers import client_for, user_in

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = D(2025, 3, 10)


# --- search -----------------------------------------------------------------------------------


@pytest.fixture
def found_rows():
    coffee = f.FacilityFactory(name="Hợp tác xã Cà phê Cầu Đất", tax_code="5899999901")
    f.ProjectFactory(name="Hỗ trợ máy rang cà phê cho hợp tác xã", code="DP-2024-901")
    f.ProductFactory(name="Cà phê Arabica rang xay", facility=f.FacilityFactory(name="Cơ sở Hoa Đà Lạt"))
    contract = f.LoanContractFactory(facility=coffee, number="07/2024/HĐ-KC")
    f.FacilityFactory(name="Công ty Chè Bảo Lộc")
    return contract


def test_the_header_search_finds_every_kind_without_accents(viewer_client, found_rows):
    page = viewer_client.get(reverse("office:search"), {"q": "ca phe"})
    assert page.status_code == 200
    counts = {g.kind: g.count for g in page.context["groups"]}
    assert counts == {"Đề án": 1, "Cơ sở": 1, "Hợp đồng hỗ trợ có thu hồi": 1, "Sản phẩm": 1}
    html = page.content.decode()
    assert "Hỗ trợ máy rang cà phê cho hợp tác xã" in html
    assert reverse("projects:facility-detail", args=[found_rows.facility_id]) in html
    assert reverse("funding:contract-detail", args=[found_rows.pk]) in html
    assert "Cà phê Arabica rang xay" in html
    assert "Công ty Chè Bảo Lộc" not in html


def test_a_contract_is_found_by_its_number_as_typed(viewer_client, found_rows):
    groups = viewer_client.get(reverse("office:search"), {"q": "07/2024"}).context["groups"]
    assert [(g.kind, g.count) for g in groups if g.count] == [("Hợp đồng hỗ trợ có thu hồi", 1)]


@pytest.mark.parametrize("query", ["", "a", "  đ  "])
def test_an_empty_or_too_short_query_gets_a_hint_and_no_search(viewer_client, query, django_assert_max_num_queries):
    with django_assert_max_num_queries(PAGE_QUERIES):
        page = viewer_client.get(reverse("office:search"), {"q": query})
    assert page.status_code == 200 and page.context["groups"] == []
    assert "Gõ tên cơ sở" in page.content.decode() or "quá ngắn" in page.content.decode()


def test_a_group_shows_ten_and_links_to_the_filtered_list(viewer_client):
    for n in range(PER_GROUP + 2):
        f.FacilityFactory(name=f"Cơ sở Mây tre đan {n}")
    page = viewer_client.get(reverse("office:search"), {"q": "may tre"})
    (facilities,) = [g for g in page.context["groups"] if g.kind == "Cơ sở"]
    assert facilities.count == PER_GROUP + 2 and len(facilities.hits) == PER_GROUP
    assert facilities.all_url == reverse("projects:facility-list") + "?q=may+tre"
    # The list it links to finds the same rows.
    listed = viewer_client.get(facilities.all_url)
    assert listed.context["page"].paginator.count == PER_GROUP + 2


def test_the_search_reads_a_fixed_number_of_queries(viewer_client, django_assert_num_queries):
    def run() -> None:
        viewer_client.get(reverse("office:search"), {"q": "lam dong"})

    run()  # warm caches (content types, session)
    with django_assert_num_queries(SEARCH_QUERIES):
        run()
    for n in range(15):
        contract = f.LoanContractFactory(facility=f.FacilityFactory(name=f"Cơ sở Lâm Đồng {n}"))
        f.ProductFactory(name=f"Sản phẩm Lâm Đồng {n}", facility=contract.facility)
    with django_assert_num_queries(SEARCH_QUERIES):
        run()


# Any page: a savepoint and its release, the session, the user, the user's roles.
PAGE_QUERIES = 5
# Then the count and the first rows of đề án, facilities and contracts, and one for the products.
SEARCH_QUERIES = PAGE_QUERIES + 2 * 3 + 1


def test_the_header_has_a_labelled_search_box_help_and_the_bell(viewer_client):
    html = viewer_client.get(reverse("projects:facility-list")).content.decode()
    assert 'role="search"' in html and '<label for="sitesearch-q"' in html and 'id="sitesearch-q"' in html
    assert f'href="{reverse("office:help", args=["projects.facility-list"])}"' in html
    assert f'data-notification-count="{reverse("office:notification-count")}"' in html


# --- help -------------------------------------------------------------------------------------


MENU_SCREENS = [
    "home",
    "projects:project-list",
    "projects:facility-list",
    "projects:program-list",
    "projects:event-list",
    "projects:nomination-list",
    "funding:contract-list",
    "workbook:import",
    "reporting:report-list",
]
MAIN_SCREENS = MENU_SCREENS + [
    "projects:project-detail",
    "projects:project-create",
    "projects:project-edit",
    "projects:facility-detail",
    "funding:contract-detail",
    "funding:repayment-create",
    "funding:due-list",
    "funding:overdue-list",
    "funding:portfolio",
    "reporting:report-detail",
    "office:search",
    "office:notifications",
]


def test_every_screen_of_the_main_menu_has_help():
    menu = open("templates/base.html", encoding="utf-8").read()
    named = set(re.findall(r"\{% url '([\w:-]+)' %\}\"[^>]*>[^<]+</a>", menu.split('<nav class="mainnav"')[1].split("</nav>")[0]))
    assert named == set(MENU_SCREENS)  # this list is the menu
    missing = [name for name in MAIN_SCREENS if not help_pages.has_help(name)]
    assert missing == []


def test_the_help_link_opens_the_help_of_the_screen_shown(viewer_client):
    page = viewer_client.get(reverse("funding:due-list"))
    link = reverse("office:help", args=["funding.due-list"])
    assert f'href="{link}"' in page.content.decode()
    shown = viewer_client.get(link)
    assert shown.status_code == 200 and "Đến hạn trong 30 ngày" in shown.content.decode()
    index = viewer_client.get(reverse("office:help-index")).content.decode()
    assert link in index and reverse("office:help", args=["home"]) in index


def test_a_screen_without_help_links_to_the_index_and_unknown_help_is_404(viewer_client):
    page = viewer_client.get(reverse("password_change"))
    assert f'href="{reverse("office:help-index")}"' in page.content.decode()
    assert viewer_client.get(reverse("office:help", args=["projects.khong-co"])).status_code == 404
    assert viewer_client.get(reverse("office:help", args=["..%2F..%2Fsettings"])).status_code == 404


def test_help_text_is_sanitised(tmp_path, monkeypatch):
    (tmp_path / "home.md").write_text("# Thử\n<script>alert(1)</script>\n[x](javascript:alert(1)) **đậm**\n", encoding="utf-8")
    monkeypatch.setattr(help_pages, "HELP_DIR", tmp_path)
    html = str(help_pages.help_page("home").html)
    assert "<script" not in html and "javascript:" not in html and "<strong>đậm</strong>" in html


# --- reminders --------------------------------------------------------------------------------


@pytest.fixture
def debts():
    """Contract "due": an instalment due in 10 days; "late": one due on 1/2 unpaid; "paid": its
    only instalment due within the window already paid; "far": due in 33 days, after the window."""
    due = f.LoanContractFactory(number="11/2024/HĐ-KC", facility=f.FacilityFactory(name="Cơ sở Dệt Thổ cẩm"))
    Instalment.objects.create(contract=due, schedule_version=1, number=1, due_date=DAY + datetime.timedelta(days=10),
                              principal_due=25_000_000)  # fmt: skip
    late = f.LoanContractFactory(number="12/2024/HĐ-KC", facility=f.FacilityFactory(name="Hợp tác xã Cà phê Cầu Đất"))
    Instalment.objects.create(contract=late, schedule_version=1, number=1, due_date=D(2025, 2, 1), principal_due=33_000_000)
    paid = f.LoanContractFactory(number="13/2024/HĐ-KC")
    Instalment.objects.create(contract=paid, schedule_version=1, number=1, due_date=DAY + datetime.timedelta(days=5),
                              principal_due=10_000_000)  # fmt: skip
    f.RepaymentFactory(contract=paid, date=D(2025, 3, 1), amount=10_000_000)
    far = f.LoanContractFactory(number="14/2024/HĐ-KC")
    Instalment.objects.create(contract=far, schedule_version=1, number=1, due_date=DAY + datetime.timedelta(days=33),
                              principal_due=10_000_000)  # fmt: skip
    return {"due": due, "late": late, "paid": paid, "far": far}


@pytest.fixture
def staff():
    entry = user_in(roles.DATA_ENTRY, "nhaplieu")
    entry.email = "nhaplieu@example.vn"
    entry.save()
    no_mail = user_in(roles.DATA_ENTRY, "nhaplieu2")
    gone = user_in(roles.DATA_ENTRY, "nghiviec")
    gone.email, gone.is_active = "nghiviec@example.vn", False
    gone.save()
    department = user_in(roles.DEPARTMENT, "chuyenvien")
    department.email = "chuyenvien@example.vn"
    department.save()
    return {"entry": entry, "no_mail": no_mail, "gone": gone, "department": department}


def run(day: datetime.date = DAY) -> str:
    out = io.StringIO()
    call_command("send_reminders", "--date", day.isoformat(), stdout=out)
    return out.getvalue()


def test_the_recipients_are_the_active_data_entry_staff(staff):
    assert reminder_recipients() == [staff["entry"], staff["no_mail"]]


def test_send_reminders_tells_the_data_entry_staff_of_due_and_overdue_contracts_once(debts, staff):
    said = run()
    assert "4 thông báo mới, 1 thư điện tử" in said
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nhaplieu@example.vn"]
    assert "11/2024/HĐ-KC" in message.body and "25.000.000 đồng" in message.body
    assert "12/2024/HĐ-KC" in message.body and "33.000.000 đồng" in message.body
    assert "13/2024/HĐ-KC" not in message.body and "14/2024/HĐ-KC" not in message.body
    letter = reverse("office:reminder-letter", args=[debts["late"].pk])
    assert letter in message.body
    for user in (staff["entry"], staff["no_mail"]):
        titles = sorted(Notification.objects.filter(user=user).values_list("title", flat=True))
        assert len(titles) == 2
        assert any("Quá hạn: hợp đồng 12/2024/HĐ-KC" in t for t in titles)
        assert any("hợp đồng 11/2024/HĐ-KC" in t and "20/03/2025" in t for t in titles)
    assert not Notification.objects.filter(user__in=[staff["gone"], staff["department"]]).exists()

    # The same day again, and the next day: nothing new, nothing sent.
    assert "0 thông báo mới, 0 thư điện tử" in run()
    assert "0 thông báo mới, 0 thư điện tử" in run(DAY + datetime.timedelta(days=2))
    assert len(mail.outbox) == 1 and Notification.objects.count() == 4


def test_a_contract_that_falls_due_later_is_told_when_it_enters_the_window(debts, staff):
    run()
    mail.outbox.clear()
    run(DAY + datetime.timedelta(days=3))  # "far" now falls due within 30 days
    assert len(mail.outbox) == 1
    assert "14/2024/HĐ-KC" in mail.outbox[0].body and "11/2024/HĐ-KC" not in mail.outbox[0].body


def test_an_instalment_past_its_date_makes_a_newly_overdue_contract(debts, staff):
    run()
    mail.outbox.clear()
    run(DAY + datetime.timedelta(days=11))  # "due" fell due yesterday, unpaid
    body = mail.outbox[0].body
    assert "Quá hạn: hợp đồng 11/2024/HĐ-KC" in body and "12/2024/HĐ-KC" not in body


def test_a_bad_date_is_a_vietnamese_error(staff):
    with pytest.raises(CommandError, match="Ngày nhắc không hợp lệ"):
        call_command("send_reminders", "--date", "31/02/2025")


def test_notifications_list_opens_and_marks_read(debts, staff):
    run()
    client = client_for(staff["entry"])
    assert client.get(reverse("office:notification-count")).json() == {"unread": 2}
    page = client.get(reverse("office:notifications")).content.decode()
    assert "Quá hạn: hợp đồng 12/2024/HĐ-KC" in page
    assert reverse("office:reminder-letter", args=[debts["late"].pk]) in page
    first = Notification.objects.filter(user=staff["entry"], key__startswith="qua-han").get()
    opened = client.get(reverse("office:notification-open", args=[first.pk]))
    assert opened.status_code == 302 and opened["Location"] == reverse("funding:contract-detail", args=[debts["late"].pk])
    assert client.get(reverse("office:notification-count")).json() == {"unread": 1}
    client.post(reverse("office:notifications-read"))
    assert client.get(reverse("office:notification-count")).json() == {"unread": 0}
    # Another user's notification is not one's own to open.
    assert client_for(staff["department"]).get(reverse("office:notification-open", args=[first.pk])).status_code == 404


# --- the letter -------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return unicodedata.normalize("NFC", " ".join(text.split()))


def test_the_reminder_letter_names_the_contract_facility_and_amount(debts, viewer_client):
    late = debts["late"]
    response = viewer_client.get(reverse("office:reminder-letter", args=[late.pk]), {"ngay": "10/03/2025"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "12/2024/HĐ-KC" in text
    assert "Hợp tác xã Cà phê Cầu Đất" in text
    assert "33.000.000 đồng" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Kính gửi" in text and "Nơi nhận" in text
    assert "ngày 10 tháng 3 năm 2025" in text


def test_the_letter_lists_the_instalments_falling_due(debts, viewer_client):
    response = viewer_client.get(reverse("office:reminder-letter", args=[debts["due"].pk]), {"ngay": "10/03/2025"})
    text = pdf_text(response.content)
    assert "Kỳ 1, ngày 20/03/2025: 25.000.000 đồng" in text


def test_the_contract_page_links_to_the_letter(debts, viewer_client):
    html = viewer_client.get(reverse("funding:contract-detail", args=[debts["late"].pk])).content.decode()
    assert reverse("office:reminder-letter", args=[debts["late"].pk]) in html


@pytest.fixture
def viewer_client():
    return client_for(user_in(roles.VIEWER, "xem"))


def test_signed_out_users_are_sent_to_sign_in(client, debts):
    for url in (reverse("office:search"), reverse("office:notifications"),
                reverse("office:reminder-letter", args=[debts["late"].pk])):  # fmt: skip
        assert client.get(url).status_code == 302
