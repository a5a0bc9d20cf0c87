from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("bao-cao/du-thao/<int:year_from>-<int:year_to>/", views.draft_document, name="draft-document"),
    path(
        "bao-cao/so-lieu/<str:figure>/<int:year_from>-<int:year_to>/<str:report_date>/",
        views.figure_records,
        name="figure-records",
    ),
]
