from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("de-an/", views.project_list, name="project-list"),
    path("de-an/them/", views.project_create, name="project-create"),
    path("de-an/tim/", views.project_search, name="project-search"),
    path("de-an/<int:pk>/", views.project_detail, name="project-detail"),
    path("de-an/<int:pk>/sua/", views.project_edit, name="project-edit"),
    path("de-an/<int:pk>/trang-thai/", views.project_status, name="project-status"),
    path("de-an/<int:pk>/lich-su/", views.project_history, name="project-history"),
    path("de-an/<int:pk>/ket-qua/them/", views.result_create, name="result-create"),
    path("ket-qua/<int:pk>/sua/", views.result_edit, name="result-edit"),
    path("co-so/", views.facility_list, name="facility-list"),
    path("co-so/them/", views.facility_create, name="facility-create"),
    path("co-so/tim/", views.facility_search, name="facility-search"),
    path("co-so/tim-xa-phuong/", views.commune_search, name="commune-search"),
    path("co-so/xem-lai-xa-phuong/", views.commune_review, name="commune-review"),
    path("co-so/<int:pk>/", views.facility_detail, name="facility-detail"),
    path("co-so/<int:pk>/sua/", views.facility_edit, name="facility-edit"),
    path("co-so/<int:pk>/lich-su/", views.facility_history, name="facility-history"),
    path("chuong-trinh/", views.program_list, name="program-list"),
    path("chuong-trinh/them/", views.program_create, name="program-create"),
    path("chuong-trinh/<int:pk>/sua/", views.program_edit, name="program-edit"),
    path("chuong-trinh/muc-ho-tro/", views.cap_list, name="cap-list"),
    path("chuong-trinh/muc-ho-tro/them/", views.cap_create, name="cap-create"),
    path("chuong-trinh/muc-ho-tro/<int:pk>/sua/", views.cap_edit, name="cap-edit"),
    path("chuong-trinh/muc-ho-tro/<int:pk>/lich-su/", views.cap_history, name="cap-history"),
    path("ke-hoach/them/", views.plan_create, name="plan-create"),
    path("ke-hoach/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("ke-hoach/<int:pk>/sua/", views.plan_edit, name="plan-edit"),
    path("ke-hoach/<int:pk>/lich-su/", views.plan_history, name="plan-history"),
    path("su-kien/", views.event_list, name="event-list"),
    path("su-kien/them/", views.event_create, name="event-create"),
    path("su-kien/<int:pk>/sua/", views.event_edit, name="event-edit"),
    path("su-kien/<int:pk>/lich-su/", views.event_history, name="event-history"),
    path("binh-chon/", views.nomination_list, name="nomination-list"),
    path("binh-chon/them/", views.nomination_create, name="nomination-create"),
    path("binh-chon/<int:pk>/sua/", views.nomination_edit, name="nomination-edit"),
    path("binh-chon/<int:pk>/lich-su/", views.nomination_history, name="nomination-history"),
]
