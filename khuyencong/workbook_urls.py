"""The workbook in and out; included at nhap-xuat/ (names ``workbook:…``)."""

from django.urls import path

from khuyencong.workbook import views

app_name = "workbook"

urlpatterns = [
    path("", views.upload, name="import"),
    path("xac-nhan/", views.confirm, name="confirm"),
    path("mau.xlsx", views.template, name="template"),
    path("xuat.xlsx", views.export, name="export"),
    path("nhat-ky/", views.log_list, name="log-list"),
    path("nhat-ky/<int:pk>/", views.log_detail, name="log-detail"),
    path("nhat-ky/<int:pk>/tep.xlsx", views.log_file, name="log-file"),
]
