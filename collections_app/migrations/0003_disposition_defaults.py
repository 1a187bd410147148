"""The shipped disposition codes (DESIGN.md section 6). Creates the missing ones, never overwrites."""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

NO_CONTACT, THIRD_PARTY, RIGHT_PARTY = "no_contact", "third_party", "right_party"

DEFAULTS: list[tuple[str, str, str, dict[str, bool]]] = [
    ("no_answer", "No answer", NO_CONTACT, {}),
    ("busy", "Busy", NO_CONTACT, {"not_connected": True}),
    ("voicemail", "Voicemail (limited-content message)", NO_CONTACT, {}),
    ("wrong_number", "Wrong number", NO_CONTACT, {"number_uncallable": True}),
    ("not_in_service", "Number not in service", NO_CONTACT, {"not_connected": True, "number_uncallable": True}),
    ("third_party", "Third-party contact", THIRD_PARTY, {}),
    ("rpc_promise", "Right-party contact - promise to pay", RIGHT_PARTY, {"conversation": True, "creates_promise": True}),
    ("refused", "Refused to pay", RIGHT_PARTY, {"conversation": True}),
    ("dispute", "Dispute", RIGHT_PARTY, {"conversation": True, "dispute": True}),
    ("hardship", "Hardship / extension request", RIGHT_PARTY, {"conversation": True}),
    ("callback", "Callback requested", RIGHT_PARTY, {"conversation": True, "callback": True}),
    ("paid_already", "Paid already", RIGHT_PARTY, {"conversation": True}),
    ("cease_request", "Cease communication request", RIGHT_PARTY, {"conversation": True, "cease": True}),
    ("dnc_request", "Do not call this number", RIGHT_PARTY, {"conversation": True, "do_not_call": True}),
    ("deceased", "Deceased", THIRD_PARTY, {"deceased": True}),
    ("bankruptcy", "Bankruptcy", RIGHT_PARTY, {"conversation": True, "bankruptcy": True}),
    ("attorney", "Represented by an attorney", RIGHT_PARTY, {"conversation": True, "attorney": True}),
]  # fmt: skip


def ensure_defaults(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    model = apps.get_model("collections_app", "DispositionCode")
    existing = set(model.objects.values_list("code", flat=True))
    model.objects.bulk_create(
        model(code=code, label=label, category=category, position=(index + 1) * 10, **flags)
        for index, (code, label, category, flags) in enumerate(DEFAULTS)
        if code not in existing
    )


class Migration(migrations.Migration):
    dependencies = [("collections_app", "0002_contact_attempts_dispositions")]

    operations = [migrations.RunPython(ensure_defaults, migrations.RunPython.noop)]
