"""FundingLevel moves from funding to projects (reference data beside ActivityContent), so that
projects' models no longer point into funding while funding's point into projects.

State only: the table keeps its name (``db_table``) and rows, and the foreign keys already point
at it, so the database does not change. The content type follows, so permissions and admin log
entries stay attached to the model.
"""

import django.db.models.deletion
from django.db import migrations, models


def move_content_type(apps, schema_editor, source="funding", target="projects"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=target, model="fundinglevel").exists():
        ContentType.objects.filter(app_label=source, model="fundinglevel").update(app_label=target)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, source="projects", target="funding")


def level_field(verbose_name, related_name):
    return models.ForeignKey(
        on_delete=django.db.models.deletion.PROTECT,
        related_name=related_name,
        to="projects.fundinglevel",
        verbose_name=verbose_name,
    )


def historical_level_field(verbose_name):
    return models.ForeignKey(
        blank=True,
        db_constraint=False,
        null=True,
        on_delete=django.db.models.deletion.DO_NOTHING,
        related_name="+",
        to="projects.fundinglevel",
        verbose_name=verbose_name,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("funding", "0003_loan_lifecycle"),
        ("projects", "0005_shared_validators"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="FundingLevel",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("code", models.CharField(max_length=10, unique=True, verbose_name="mã")),
                        ("name", models.CharField(max_length=100, verbose_name="tên")),
                        ("budget_name", models.CharField(blank=True, max_length=100, verbose_name="ngân sách")),
                        ("order", models.PositiveSmallIntegerField(default=0, verbose_name="thứ tự")),
                    ],
                    options={
                        "verbose_name": "cấp kinh phí khuyến công",
                        "verbose_name_plural": "cấp kinh phí khuyến công",
                        "db_table": "funding_fundinglevel",
                        "ordering": ["order"],
                    },
                ),
                migrations.AlterField("historicalprogram", "funding_level", historical_level_field("cấp")),
                migrations.AlterField("historicalproject", "funding_level", historical_level_field("nguồn kinh phí")),
                migrations.AlterField("program", "funding_level", level_field("cấp", "programs")),
                migrations.AlterField("project", "funding_level", level_field("nguồn kinh phí", "projects")),
            ],
        ),
        migrations.RunPython(move_content_type, move_content_type_back, elidable=True),
    ]
