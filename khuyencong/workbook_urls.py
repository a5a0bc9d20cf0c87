"""The workbook in and out; included at nhap-xuat/ (names ``workbook:…``)."""

from django.urls import path

from khuyencong.workbook import views

app_name = "workbook"

urlpatterns = [
    path("", views.upload, name="import"),
    path("xac-nhan/", views.confirm, name="confirm"),
    path("mau.xlsx", views.template, name="template"),
    path("xuat.xlsx", views.export, name="export"),
]
