"""Included at cong-viec/ (names ``jobs:…``)."""

from django.urls import path

from khuyencong.jobs import views

app_name = "jobs"

urlpatterns = [
    path("<uuid:pk>/", views.job_page, name="job"),
    path("<uuid:pk>/tien-do.json", views.job_status, name="status"),
]
