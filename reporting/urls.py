from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("bao-cao/", views.report_list, name="report-list"),
    path("bao-cao/tao/", views.report_create, name="report-create"),
    path("bao-cao/<int:pk>/", views.report_detail, name="report-detail"),
    path("bao-cao/<int:pk>/sua/", views.report_edit, name="report-edit"),
    path("bao-cao/<int:pk>/xem-truoc-muc/", views.narrative_preview, name="narrative-preview"),
    path("bao-cao/<int:pk>/van-ban/", views.report_document, name="report-document"),
    path("bao-cao/<int:pk>/ban-hanh/", views.report_issue, name="report-issue"),
    path("bao-cao/<int:pk>/thay-the/", views.report_replace, name="report-replace"),
    path("bao-cao/<int:pk>/tai-ve/<str:fmt>/", views.report_download, name="report-download"),
    path("bao-cao/<int:pk>/so-lieu/<str:figure>/", views.report_figure, name="report-figure"),
    path("bao-cao/du-thao/<int:year_from>-<int:year_to>/", views.draft_document, name="draft-document"),
    path(
        "bao-cao/so-lieu/<str:figure>/<int:year_from>-<int:year_to>/<str:report_date>/",
        views.figure_records,
        name="figure-records",
    ),
]
