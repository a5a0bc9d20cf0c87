from django.apps import AppConfig
from django.db.backends.signals import connection_created


class KhuyencongConfig(AppConfig):
    name = "khuyencong"
    verbose_name = "Cổng khuyến công"

    def ready(self) -> None:
        from khuyencong.core.collation import register_sqlite_collation

        # Every SQLite connection (the server's, the tests', a command's) orders Vietnamese names.
        connection_created.connect(register_sqlite_collation, dispatch_uid="khuyencong-vietnamese-collation")
