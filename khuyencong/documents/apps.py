from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "khuyencong.documents"
    label = "documents"
    verbose_name = "Tài liệu đính kèm"
