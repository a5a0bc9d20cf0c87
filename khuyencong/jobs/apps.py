from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "khuyencong.jobs"
    label = "jobs"
    verbose_name = "Công việc chạy nền"
    default_auto_field = "django.db.models.BigAutoField"
