from django.urls import path

from funding import views

app_name = "funding"

urlpatterns = [
    path("de-an/<int:project_pk>/giai-ngan/", views.disbursement_create, name="disbursement-create"),
    path("de-an/<int:project_pk>/hop-dong/them/", views.contract_create, name="contract-create"),
    path("hop-dong/", views.contract_list, name="contract-list"),
    path("hop-dong/excel/", views.contract_export, name="contract-export"),
    path("hop-dong/den-han/", views.due_list, name="due-list"),
    path("hop-dong/den-han/excel/", views.due_export, name="due-export"),
    path("hop-dong/qua-han/", views.overdue_list, name="overdue-list"),
    path("hop-dong/qua-han/excel/", views.overdue_export, name="overdue-export"),
    path("hop-dong/tong-hop/", views.portfolio, name="portfolio"),
    path("hop-dong/tong-hop/excel/", views.portfolio_export, name="portfolio-export"),
    path("hop-dong/<int:pk>/", views.contract_detail, name="contract-detail"),
    path("hop-dong/<int:pk>/sua/", views.contract_edit, name="contract-edit"),
    path("hop-dong/<int:pk>/lich-su/", views.contract_history, name="contract-history"),
    path("hop-dong/<int:pk>/giai-ngan/", views.contract_disburse, name="contract-disburse"),
    path("hop-dong/<int:pk>/tra-no/", views.repayment_create, name="repayment-create"),
    path("hop-dong/<int:pk>/dao-tra-no/", views.repayment_reverse, name="repayment-reverse"),
    path("hop-dong/<int:pk>/khoi-kien/", views.lawsuit_create, name="lawsuit-create"),
    path("hop-dong/<int:pk>/xoa-no/", views.write_off, name="write-off"),
    path("hop-dong/<int:pk>/xu-ly-no/", views.contract_note, name="contract-note"),
    path("hop-dong/<int:pk>/thu-hoi/", views.recovery_create, name="recovery-create"),
    path("hop-dong/<int:pk>/dieu-chinh-lich/", views.reschedule, name="reschedule"),
    path("vu-kien/<int:pk>/phien-toa/", views.hearing_create, name="hearing-create"),
    path("vu-kien/<int:pk>/ban-an/", views.lawsuit_judgment, name="lawsuit-judgment"),
    path("vu-kien/<int:pk>/ket-thuc/", views.lawsuit_close, name="lawsuit-close"),
]
