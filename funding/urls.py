from django.urls import path

from funding import views

app_name = "funding"

urlpatterns = [
    path("de-an/<int:project_pk>/giai-ngan/", views.disbursement_create, name="disbursement-create"),
]
