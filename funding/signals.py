"""Every save or delete of a ledger record marks its contract (``funding.loans.ledger_changed``):
its summary is worked out again and the ledger version bumped in the writer's transaction,
whatever path wrote it (services, admin, shell, seed). Bulk writes send no signals: the
workbook import and scale_demo call ``ledger_changed`` themselves."""

from django.db.models.signals import post_delete, post_save

from funding import loans
from funding.models import ContractDebt, Instalment, Lawsuit, LoanContract, Recovery, Repayment, Reschedule, WriteOff


def _changed(sender, instance, raw=False, **kwargs) -> None:
    contract_id = instance.pk if sender is LoanContract else instance.contract_id
    if raw:
        # loaddata: the summary cannot be worked out mid-fixture (the rows it needs may come
        # later); dropped, it is worked out when first read (a missing one never holds).
        ContractDebt.objects.filter(pk=contract_id).delete()
        loans.bump_ledger_version()
        return
    if sender is LoanContract and kwargs.get("signal") is post_delete:
        loans.bump_ledger_version()  # the summary went with the contract (CASCADE)
        return
    loans.ledger_changed([contract_id])


def connect() -> None:
    for model in (LoanContract, Instalment, Reschedule, Repayment, Lawsuit, WriteOff, Recovery):
        post_save.connect(_changed, sender=model, dispatch_uid=f"debts-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"debts-delete-{model.__name__}")
