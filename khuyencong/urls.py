from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from khuyencong import security
from khuyencong.dashboard import views

admin.site.site_header = "Cổng thông tin khuyến công — Quản trị"
admin.site.site_title = "Quản trị khuyến công"
admin.site.index_title = "Quản trị dữ liệu"

urlpatterns = [
    path("", views.home, name="home"),
    # Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says; lazy, because the
    # hashed static name is only known once collectstatic has run.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.ico")), name="favicon"),
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "doi-mat-khau/",
        security.PasswordChangeView.as_view(success_url="/doi-mat-khau/xong/"),
        name="password_change",
    ),
    path("doi-mat-khau/xong/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("quan-tri/", admin.site.urls),
    path("", include("projects.urls")),
    path("", include("funding.urls")),
    path("", include("reporting.urls")),
    path("nhap-xuat/", include("khuyencong.workbook_urls")),
    path("cong-viec/", include("khuyencong.jobs.urls")),
    # Documents are downloaded only through here (the role checked); MEDIA_URL is never served.
    path("tai-lieu/", include("khuyencong.documents.urls")),
    path("", include("khuyencong.office.urls")),
]
