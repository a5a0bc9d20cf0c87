"""The successor FK copied into the successions (its default), then the units of the 2025
reform and of the three former provinces loaded from the vietnamadminunits package (the same
loader as ``manage.py load_admin_units``), so every database — the test one too — has them."""

from django.db import migrations

from khuyencong.core.text import fold_accents

REFERENCE_CODES = {"68", "67", "60", "68-2025"} | {str(c) for c in range(672, 684)}


def forwards(apps, schema_editor):
    from projects.admin_units import load_units

    Unit = apps.get_model("projects", "AdministrativeUnit")
    Succession = apps.get_model("projects", "UnitSuccession")
    for unit in Unit.objects.all():
        unit.search_text = fold_accents(unit.name).lower()
        unit.save(update_fields=["search_text"])
        if unit.successor_id:
            Succession.objects.get_or_create(predecessor=unit, successor_id=unit.successor_id, defaults={"is_default": True})
    load_units(Unit, Succession)
    # The two districts merged into Đạ Huoai in 2024 are not in the package.
    Unit.objects.filter(code__in=["682", "683"], kind="").update(kind="huyen")


def backwards(apps, schema_editor):
    Unit = apps.get_model("projects", "AdministrativeUnit")
    Succession = apps.get_model("projects", "UnitSuccession")
    Succession.objects.all().delete()
    added = Unit.objects.exclude(code__in=REFERENCE_CODES)
    Unit.objects.filter(code__in=REFERENCE_CODES).update(successor=None)
    Unit.objects.filter(code="68").update(successor=Unit.objects.get(code="68-2025"))
    Unit.objects.filter(code__in=["67", "60"]).update(successor=Unit.objects.get(code="68-2025"))
    Unit.objects.filter(code__in=["682", "683"]).update(successor=Unit.objects.get(code="681"))
    # children before parents
    for level in ("commune", "district", "province"):
        added.filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0012_admin_units_reform")]

    operations = [migrations.RunPython(forwards, backwards)]
