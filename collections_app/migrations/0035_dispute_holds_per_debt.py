"""The dispute hold moves from the borrower to the disputed debt: each contact preference lists the
debts with an open dispute (``dispute_hold_accounts``), read by the engine instead of the borrower's
``dispute_hold``. A hold in force without an open dispute on record (set before the disputes' workflow)
keeps every debt of the borrower held, as it did: its lead withdraws it when it was a mistake."""

from collections import defaultdict

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def holds_per_debt(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    preference_model = apps.get_model("scheduling", "ContactPreference")
    dispute_model = apps.get_model("collections_app", "Dispute")
    loan_model = apps.get_model("accounts", "LoanAccount")
    held: dict[int, set[int]] = defaultdict(set)
    for borrower_id, account_id in dispute_model.objects.filter(status="open").values_list(
        "account__borrower_id", "account_id"
    ):
        held[borrower_id].add(account_id)
    legacy = preference_model.objects.filter(dispute_hold=True).exclude(borrower_id__in=list(held))
    for borrower_id, account_id in loan_model.objects.filter(
        borrower_id__in=legacy.values("borrower_id")
    ).values_list("borrower_id", "id"):
        held[borrower_id].add(account_id)
    for borrower_id, accounts in held.items():  # the borrowers with a hold: a handful, not the book
        preference_model.objects.filter(borrower_id=borrower_id).update(
            dispute_hold_accounts=sorted(accounts), dispute_hold=True
        )


class Migration(migrations.Migration):
    dependencies = [
        ("collections_app", "0034_assignment_records_by_month"),
        ("scheduling", "0014_dispute_holds_per_debt"),
    ]

    operations = [migrations.RunPython(holds_per_debt, migrations.RunPython.noop, elidable=False)]
