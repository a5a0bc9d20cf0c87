"""The per-contract debt summary and the ledger version (issue 14: debts without rebuilding
every ledger). Summaries are not filled here: a missing one is worked out when first read."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('funding', '0007_disbursement_kind'),
    ]

    operations = [
        migrations.CreateModel(
            name='LedgerVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('n', models.BigIntegerField(default=0)),
            ],
            options={
                'verbose_name': 'phiên bản sổ nợ',
                'verbose_name_plural': 'phiên bản sổ nợ',
            },
        ),
        migrations.CreateModel(
            name='ContractDebt',
            fields=[
                ('contract', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='debt', serialize=False, to='funding.loancontract')),
                ('computed_on', models.DateField(null=True)),
                ('changes_on', models.DateField(null=True)),
                ('disbursed', models.BigIntegerField(default=0)),
                ('repaid', models.BigIntegerField(default=0)),
                ('outstanding', models.BigIntegerField(default=0)),
                ('principal_due', models.BigIntegerField(default=0)),
                ('overdue', models.BigIntegerField(default=0)),
                ('balance', models.BigIntegerField(default=0)),
                ('late', models.BooleanField(default=False)),
                ('on_time', models.BooleanField(default=True)),
                ('sued', models.BooleanField(default=False)),
                ('in_litigation', models.BooleanField(default=False)),
                ('dpd_anchor', models.IntegerField(null=True)),
                ('days_past_due', models.IntegerField(default=0)),
                ('oldest_unpaid_due', models.DateField(null=True)),
                ('written_off', models.BigIntegerField(default=0)),
                ('recovered', models.BigIntegerField(default=0)),
                ('schedule_version', models.PositiveSmallIntegerField(default=0)),
                ('lawsuit_filed_on', models.DateField(null=True)),
                ('lawsuit_status', models.CharField(blank=True, max_length=20)),
            ],
            options={
                'verbose_name': 'dư nợ hợp đồng (tính sẵn)',
                'verbose_name_plural': 'dư nợ hợp đồng (tính sẵn)',
                'indexes': [models.Index(fields=['late', 'dpd_anchor'], name='contractdebt_late')],
            },
        ),
        migrations.RunPython(lambda apps, schema: apps.get_model('funding', 'LedgerVersion').objects.get_or_create(pk=1), migrations.RunPython.noop),
    ]
