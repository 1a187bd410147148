"""Indexes of the case search (``collections_app.selectors.search``) on PostgreSQL: ids by prefix
(``UPPER(x) LIKE 'L0001%'``, a b-tree in pattern order), names anywhere (``LIKE '%DELGA%'``, a
trigram GIN index), a phone's last digits as the prefix of the reversed number (``REVERSE(number)
LIKE '2410%'``, a b-tree: digits make poor trigrams). SQLite (demo, tests) scans: nothing to do."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INDEXES = {
    "loan_external_id_upper_prefix": "accounts_loanaccount (UPPER(external_id::text) text_pattern_ops)",
    "borrower_external_id_upper_prefix": "accounts_borrower (UPPER(external_id::text) text_pattern_ops)",
    "borrower_name_trgm": "accounts_borrower USING gin (UPPER(name::text) gin_trgm_ops)",
    "phone_number_reversed": "accounts_phone (REVERSE(number::text) text_pattern_ops)",
}


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, target in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_email_addresses_sms_consent")]

    operations = [migrations.RunPython(create, drop)]
