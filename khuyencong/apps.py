from django.apps import AppConfig


class KhuyencongConfig(AppConfig):
    name = "khuyencong"
    verbose_name = "Cổng khuyến công"
