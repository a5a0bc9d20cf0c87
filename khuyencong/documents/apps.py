from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "khuyencong.documents"
    label = "documents"
    verbose_name = "Tài liệu đính kèm"

    def ready(self) -> None:
        from khuyencong.core.history import add_related_log
        from khuyencong.documents.history import visible_attachment_log

        # The records' history pages show their documents without importing this app.
        add_related_log(visible_attachment_log)
