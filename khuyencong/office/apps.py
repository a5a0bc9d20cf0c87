from django.apps import AppConfig


class OfficeConfig(AppConfig):
    """The office's daily work around the records: one search box, help per screen, reminders
    of debts falling due or overdue (e-mail, in-portal notifications, the reminder letter)."""

    name = "khuyencong.office"
    label = "office"
    verbose_name = "Công việc hằng ngày"
    default_auto_field = "django.db.models.BigAutoField"
