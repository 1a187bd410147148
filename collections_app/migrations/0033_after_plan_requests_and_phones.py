# Two migrations numbered 0032 landed on main one after the other (the plan requests, the phones and case
# texts encrypted at rest), each after 0031: this one joins them, so the graph has one leaf again.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("collections_app", "0032_phones_and_case_texts_encrypted"),
        ("collections_app", "0032_plan_requests"),
    ]

    operations = []
