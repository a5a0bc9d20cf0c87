"""Included at the root (names ``office:…``)."""

from django.urls import path

from khuyencong.office import views

app_name = "office"

urlpatterns = [
    path("tim-kiem/", views.search_page, name="search"),
    path("tro-giup/", views.help_index, name="help-index"),
    path("tro-giup/<str:name>/", views.help_detail, name="help"),
    path("thong-bao/", views.notification_list, name="notifications"),
    path("thong-bao/chua-doc.json", views.notification_count, name="notification-count"),
    path("thong-bao/da-doc/", views.notifications_read, name="notifications-read"),
    path("thong-bao/<int:pk>/", views.notification_open, name="notification-open"),
    path("hop-dong/<int:pk>/thu-nhac-no.pdf", views.letter, name="reminder-letter"),
]
