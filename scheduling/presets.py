"""The shipped contact policies (DESIGN.md section 5) and their default assignments, as data.

``presets_ensure`` creates what is missing and never overwrites: once an administrator edits a
preset, the edit (a new version) stands. A data migration runs it; running it again does nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import transaction

from scheduling.engine.policies import policies_changed
from scheduling.windows import every_day

US_REG_F = "US Reg F"
CHINA_STRICT = "China strict"
CHINA_FLOOR = "China regulatory floor"
UK_CONC = "UK CONC"

# In force since before any book this system will load.
PRESETS_EFFECTIVE_FROM = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

_US_SOURCE = """\
FDCPA section 805(a)(1) (15 U.S.C. 1692c(a)(1)): no communication at a time known to be inconvenient; \
before 8:00 a.m. and after 9:00 p.m. local time at the consumer's location is inconvenient.
12 CFR 1006.6(b)(1)(i) and its commentary: with conflicting or missing information about the \
consumer's location, a time is convenient only if it is convenient in every location the \
collector knows of (every time zone the address and the phone numbers imply).
12 CFR 1006.14(b)(2)(i): at most seven telephone calls within seven consecutive days about a \
particular debt; (b)(2)(ii): no call within seven consecutive days after a telephone conversation \
about that debt, the date of the conversation being the first of the seven days.
12 CFR 1006.14(b)(3): excluded from those limits: calls to a person who gave direct prior consent \
within the past seven days, and calls not connected to the dialed number (busy signal, number not \
in service). A call counts when placed, answered or not (voicemail included)."""

_CHINA_STRICT_SOURCE = """\
In-house strict policy: no calls after 20:00 (seed guidance "no calls after 8 pm"), none before 08:00.
NIFA (National Internet Finance Association of China), 2024 guideline on post-loan collection of \
internet lending: at most 3 connected calls to a borrower per day.
China Banking Association (CBA), 2026 guideline on collection: at most 6 unanswered attempts per \
number per day."""

_CHINA_FLOOR_SOURCE = """\
Regulatory floor: NIFA 2024 post-loan collection guideline (at most 3 connected calls a day); \
CBA 2026 collection guideline (at most 6 unanswered attempts a day per number; no collection \
between 22:00 and 08:00 without the borrower's consent)."""

_UK_SOURCE = """\
FCA Handbook CONC 7.9.4R: a firm must not contact customers at unreasonable times; 08:00-21:00 \
local time is the shipped default and the borrower's stated times are honoured (contact \
preferences). CONC 7.3.4R (forbearance, no oppressive pursuit) and the Debt Respite Scheme \
(Breathing Space) Regulations 2020 (60 days). The daily cap of 3 attempts per debt is an \
in-house soft cap, configurable, not a number from the rules."""

PRESETS: list[dict[str, Any]] = [
    {
        "name": US_REG_F,
        "description": "US federal debt collection rules (FDCPA and Regulation F).",
        "source": _US_SOURCE,
        "rules": [
            {"channel": "call", "windows": every_day("08:00", "21:00"), "weekly_debt_cap": 7,
             "cool_down_days": 7, "prior_consent_excluded": True, "prior_consent_days": 7},
            {"channel": "sms", "windows": every_day("08:00", "21:00")},
            {"channel": "email", "windows": every_day("08:00", "21:00")},
        ],
    },
    {
        "name": CHINA_STRICT,
        "description": "In-house policy for China, stricter than the regulatory floor.",
        "source": _CHINA_STRICT_SOURCE,
        "rules": [
            {"channel": "call", "windows": every_day("08:00", "20:00"), "daily_borrower_connected_cap": 3,
             "daily_number_unanswered_cap": 6},
            {"channel": "sms", "windows": every_day("08:00", "20:00")},
            {"channel": "email", "windows": every_day("08:00", "20:00")},
        ],
    },
    {
        "name": CHINA_FLOOR,
        "description": "China: what the industry guidelines require, nothing more.",
        "source": _CHINA_FLOOR_SOURCE,
        "rules": [
            {"channel": "call", "windows": every_day("08:00", "22:00"), "daily_borrower_connected_cap": 3,
             "daily_number_unanswered_cap": 6},
            {"channel": "sms", "windows": every_day("08:00", "22:00")},
            {"channel": "email", "windows": every_day("08:00", "22:00")},
        ],
    },
    {
        "name": UK_CONC,
        "description": "United Kingdom, FCA consumer credit sourcebook.",
        "source": _UK_SOURCE,
        "rules": [
            {"channel": "call", "windows": every_day("08:00", "21:00"), "daily_debt_cap": 3},
            {"channel": "sms", "windows": every_day("08:00", "21:00")},
            {"channel": "email", "windows": every_day("08:00", "21:00")},
        ],
    },
]  # fmt: skip

DEFAULT_ASSIGNMENTS = {"US": US_REG_F, "CN": CHINA_STRICT, "GB": UK_CONC}

# Messages (DESIGN.md 15): a text or an e-mail a day and three a week per debt, texts only with the
# number's consent; under the China policies the sender's signature and no threatening words.
MESSAGE_DAILY_CAP, MESSAGE_WEEKLY_CAP = 1, 3
SIGNED = (CHINA_STRICT, CHINA_FLOOR)
BANNED_WORDS = "\n".join(
    [
        "威胁", "家人", "亲属", "亲友", "通讯录", "单位", "同事", "领导", "坐牢", "拘留", "公安", "曝光",
        "起诉", "法院传票", "jail", "arrest", "police", "your family", "relatives", "your employer",
        "colleagues", "sue you", "lawsuit",
    ]
)  # fmt: skip


def message_rules_ensure(*, registry: Any, names: list[str]) -> None:
    """Give the named shipped policies their message rules, where not set yet (a migration passes ``apps``)."""
    policy_model = registry.get_model("scheduling", "ContactPolicy")
    rule_model = registry.get_model("scheduling", "ChannelRule")
    policy_model.objects.filter(name__in=[n for n in names if n in SIGNED], banned_words="").update(
        signature_required=True, banned_words=BANNED_WORDS
    )
    rules = rule_model.objects.filter(policy__name__in=names, channel__in=["sms", "email"])
    rules.filter(daily_debt_cap__isnull=True).update(daily_debt_cap=MESSAGE_DAILY_CAP)
    rules.filter(weekly_debt_cap__isnull=True).update(weekly_debt_cap=MESSAGE_WEEKLY_CAP)
    rules.filter(channel="sms").update(consent_required=True)


@transaction.atomic
def presets_ensure(*, apps: Apps | None = None) -> int:
    """Create the shipped policies and default assignments that do not exist yet; returns how many.

    ``apps`` is the historical registry when called from a migration.
    """
    registry = apps or global_apps
    policy_model = registry.get_model("scheduling", "ContactPolicy")
    rule_model = registry.get_model("scheduling", "ChannelRule")
    assignment_model = registry.get_model("scheduling", "PolicyAssignment")
    existing = set(
        policy_model.objects.filter(name__in=[p["name"] for p in PRESETS]).values_list("name", flat=True)
    )
    created = 0
    made: list[str] = []
    for preset in PRESETS:
        if preset["name"] in existing:
            continue
        policy = policy_model.objects.create(
            name=preset["name"],
            version=1,
            is_active=True,
            effective_from=PRESETS_EFFECTIVE_FROM,
            description=preset["description"],
            source=preset["source"],
        )
        rule_model.objects.bulk_create(rule_model(policy=policy, **rule) for rule in preset["rules"])
        created += 1
        made.append(preset["name"])
    if any(f.name == "consent_required" for f in rule_model._meta.get_fields()):  # not in migration 0002
        message_rules_ensure(registry=registry, names=made)
    scoped = set(assignment_model.objects.filter(product="").values_list("country", flat=True))
    missing = [
        assignment_model(country=country, product="", policy_name=name)
        for country, name in DEFAULT_ASSIGNMENTS.items()
        if country not in scoped
    ]
    assignment_model.objects.bulk_create(missing)
    if apps is None and created + len(missing):  # not in a migration: running processes must see them
        policies_changed()
    return created + len(missing)
