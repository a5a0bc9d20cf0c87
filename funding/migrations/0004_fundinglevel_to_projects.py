"""FundingLevel now lives in projects (projects/migrations/0006): funding's sources point there,
and funding forgets the model. State only: the table ``funding_fundinglevel`` stays where it is,
now owned by projects.FundingLevel."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("funding", "0003_loan_lifecycle"),
        ("projects", "0006_fundinglevel_from_funding"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="fundingsource",
                    name="level",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sources",
                        to="projects.fundinglevel",
                        verbose_name="cấp",
                    ),
                ),
                migrations.DeleteModel(name="FundingLevel"),
            ],
        ),
    ]
