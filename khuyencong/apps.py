from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class KhuyencongConfig(AppConfig):
    name = "khuyencong"
    verbose_name = "Cổng khuyến công"

    def ready(self) -> None:
        from khuyencong.core import dataversion
        from khuyencong.core.collation import register_sqlite_collation

        # Every SQLite connection (the server's, the tests', a command's) orders Vietnamese names.
        connection_created.connect(register_sqlite_collation, dispatch_uid="khuyencong-vietnamese-collation")
        # After every migrate (the test databases' too): the data version's triggers on every
        # watched table, a new one included.
        post_migrate.connect(dataversion.install, sender=self, dispatch_uid="khuyencong-data-version")
