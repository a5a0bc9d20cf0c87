from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from khuyencong.dashboard import views

admin.site.site_header = "Cổng thông tin khuyến công — Quản trị"
admin.site.site_title = "Quản trị khuyến công"
admin.site.index_title = "Quản trị dữ liệu"

urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "doi-mat-khau/",
        auth_views.PasswordChangeView.as_view(success_url="/doi-mat-khau/xong/"),
        name="password_change",
    ),
    path("doi-mat-khau/xong/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("quan-tri/", admin.site.urls),
    path("", include("projects.urls")),
    path("", include("funding.urls")),
    path("", include("reporting.urls")),
    path("nhap-xuat/", include("khuyencong.workbook_urls")),
    path("cong-viec/", include("khuyencong.jobs.urls")),
]
