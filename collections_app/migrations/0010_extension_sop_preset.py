"""Ship one realistic extension SOP (DESIGN.md section 8): M1-M2 cash loans.

One installment deferred up to 30 days, up to 50% of its penalty waived, no interest waived;
agents grant up to 200 in waived amount on their own, team leads up to 1,000, above that a
supervisor. The script: identity, hardship, terms, cost, consent.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import migrations

NAME = "M1-M2 cash loan deferral"

STEPS = [
    (
        "identity",
        "Verify the borrower's identity: full name, date of birth and the last four digits of the national id.",
        "核实借款人身份:全名、出生日期及身份证号后四位。",
    ),
    (
        "hardship",
        "Ask what happened and record the hardship reason (for example job loss or illness).",
        "询问借款人遇到的困难并记录原因(例如失业或疾病)。",
    ),
    (
        "terms",
        "Read out the terms: which installment moves, its new due date, and the penalty waived.",
        "宣读条款:哪一期延期、新的到期日以及减免的罚息。",
    ),
    (
        "cost",
        "Disclose the total cost: what remains to pay and when; interest keeps accruing as agreed.",
        "告知总费用:剩余应还金额及还款时间;利息按合同继续计算。",
    ),
    (
        "consent",
        "Ask for the borrower's explicit consent and record it.",
        "征得借款人的明确同意并记录。",
    ),
]


def ship(apps, schema_editor):  # type: ignore[no-untyped-def]
    Sop = apps.get_model("collections_app", "ExtensionSop")
    Step = apps.get_model("collections_app", "ExtensionSopStep")
    Authority = apps.get_model("collections_app", "ExtensionAuthority")
    if Sop.objects.filter(name=NAME).exists():
        return
    sop = Sop.objects.create(
        name=NAME,
        version=1,
        active=True,
        buckets="M1,M2",
        min_dpd=1,
        max_dpd=60,
        products="cash",
        max_per_year=1,
        broken_promise_days=30,
        refuse_open_dispute=True,
        min_repaid_share=Decimal("0.1000"),
        max_installments=1,
        max_extension_days=30,
        max_penalty_waiver=Decimal("0.5000"),
        max_interest_waiver=Decimal("0"),
        min_down_payment=Decimal("0"),
        hardship_reasons=["job_loss", "reduced_income", "illness", "family_emergency", "natural_disaster"],
    )
    Step.objects.bulk_create(
        Step(sop=sop, position=i + 1, code=code, text_en=en, text_zh_hans=zh, required=True)
        for i, (code, en, zh) in enumerate(STEPS)
    )
    Authority.objects.bulk_create(
        [
            Authority(sop=sop, role="agent", max_waived_amount=Decimal("200.00"), max_waiver_share=Decimal("0.5000")),
            Authority(sop=sop, role="team_lead", max_waived_amount=Decimal("1000.00"), max_waiver_share=Decimal("0.5000")),
            Authority(sop=sop, role="supervisor", max_waived_amount=None, max_waiver_share=None),
        ]
    )


def unship(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("collections_app", "ExtensionSop").objects.filter(name=NAME, version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("collections_app", "0009_extension_sops")]
    operations = [migrations.RunPython(ship, unship)]
