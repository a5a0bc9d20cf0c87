# Events get the accent-free search column that facilities and đề án have, so that the event
# list's search ignores accents like every other list ("hoi cho" finds "Hội chợ").

from django.db import migrations, models

from khuyencong.core.text import fold_accents


def fill_search_text(apps, schema_editor):
    # The historical model has no save(): fold name and place as projects.models.folded_search_text does.
    Event = apps.get_model("projects", "Event")
    events = list(Event.objects.only("pk", "name", "place"))
    for event in events:
        event.search_text = fold_accents(" ".join((event.name, event.place)))
    Event.objects.bulk_update(events, ["search_text"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0008_clean_names_and_approved_budget'),
    ]

    operations = [
        migrations.AddField(
            model_name='event',
            name='search_text',
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=700),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=True),
    ]
