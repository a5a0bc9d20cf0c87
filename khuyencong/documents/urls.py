from django.urls import path

from khuyencong.documents import views

app_name = "documents"

urlpatterns = [
    path("<slug:slug>/<int:pk>/them/", views.upload, name="upload"),
    path("<int:pk>/tai-ve/", views.download, name="download"),
    path("<int:pk>/go/", views.remove, name="remove"),
]
