"""The results of a segment's arms (DESIGN.md 16): per arm, its sample and what became of it since.

The sample of an arm is the accounts recorded in it (``ArmAssignment``), each followed from the day it
was assigned (``assigned_on``, the UTC date of ``assigned_at``) to now:

- **entry rate** (pre-due segments): the share that fell past due, a bucket change out of M0 on or after
  that day;
- **cure rate**: the share that came back to M0 (a bucket change to M0 from a delinquent bucket);
- **roll rate**: the share that rolled on, a bucket change to a later delinquent bucket;
- **collected per account**: posted payments value-dated on or after that day, per account, in each
  account currency;
- **contacts per account**: completed contact attempts (calls reported, messages sent) placed since;
- **cost per account**: those contacts at their channel's unit cost (``ChannelCost``, one currency);
- **complaints per 10,000 contacts**: complaints received since about the sample's accounts.

Each with its 95% interval, and each challenger against the champion (``experiment_stats``). One
query per figure group over the sample, grouped by arm: nothing is read account by account.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncDate

from accounts.models import Bucket, BucketTransition, Payment
from collections_app.models import Arm, ArmAssignment, ChannelCost, Complaint, ContactAttempt, Segment
from collections_app.selectors import experiment_stats as stats
from collections_app.selectors.experiment_stats import Difference, Estimate
from collections_app.selectors.strategies import segment_arms

RATES = ("entry", "cure", "roll")
MEANS = ("contacts", "cost")


@dataclass
class ArmResult:
    arm: Arm
    n: int
    rates: dict[str, Estimate] = field(default_factory=dict)
    means: dict[str, Estimate] = field(default_factory=dict)
    collected: dict[str, Estimate] = field(default_factory=dict)  # by currency
    contacts: int = 0
    complaints: int = 0
    versus: dict[str, Difference] = field(default_factory=dict)  # against the champion (challengers only)
    sums: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)

    @property
    def complaints_per_10000_contacts(self) -> float | None:
        return self.complaints / self.contacts * 10_000 if self.contacts else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "arm": self.arm.code,
            "kind": self.arm.kind,
            "name": self.arm.display_name,
            "share": str(self.arm.share),
            "accounts": self.n,
            **{f"{name}_rate": self.rates[name].as_dict() for name in RATES},
            "contacts_per_account": self.means["contacts"].as_dict(),
            "cost_per_account": self.means["cost"].as_dict(),
            "collected_per_account": {currency: est.as_dict() for currency, est in sorted(self.collected.items())},
            "contacts": self.contacts,
            "complaints": self.complaints,
            "complaints_per_10000_contacts": self.complaints_per_10000_contacts,
            "versus_champion": {name: diff.as_dict() for name, diff in self.versus.items()} or None,
        }


@dataclass
class SegmentResults:
    segment: Segment
    arms: list[ArmResult]
    cost_currency: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "segment": self.segment.code,
            "name": self.segment.display_name,
            "pre_due": self.segment.pre_due,
            "cost_currency": self.cost_currency,
            "arms": [arm.as_dict() for arm in self.arms],
        }


def _rolls() -> Q:
    """A bucket change to a later delinquent bucket (by the buckets' order), M0 excluded as a start."""
    positions = dict(Bucket.objects.values_list("code", "position"))
    pairs = [(a, b) for a in positions for b in positions if a != "M0" and positions[b] > positions[a]]
    condition = Q(pk__in=[])
    for start, end in pairs:
        condition |= Q(from_bucket=start, to_bucket=end)
    return condition


def _cost_per_contact() -> tuple[SqlCase | Value, str]:
    costs = list(ChannelCost.objects.all())
    currency = costs[0].currency if costs else ""
    money = DecimalField(max_digits=14, decimal_places=4)
    if not costs:
        return Value(Decimal("0"), output_field=money), currency
    return SqlCase(
        *(When(channel=cost.channel, then=Value(cost.unit_cost)) for cost in costs),
        default=Value(Decimal("0")),
        output_field=money,
    ), currency


def _sample(segment: Segment) -> QuerySet[ArmAssignment]:
    return ArmAssignment.objects.filter(segment=segment).annotate(assigned_on=TruncDate("assigned_at"))


def _sums(expression: Any) -> dict[str, Any]:
    as_float = Cast(expression, FloatField())
    return {"total": Coalesce(Sum(as_float), 0.0), "squares": Coalesce(Sum(as_float * as_float), 0.0)}


def segment_results(segment: Segment, *, now: dt.datetime | None = None) -> SegmentResults:
    """Every arm of ``segment`` with its sample size, figures and intervals; see the module's docstring."""
    arms = segment_arms(segment)
    transitions = BucketTransition.objects.filter(account=OuterRef("account_id"), date__gte=OuterRef("assigned_on"))
    flags = {
        "entry": Exists(transitions.filter(from_bucket="M0").exclude(to_bucket="M0")),
        "cure": Exists(transitions.filter(to_bucket="M0").exclude(from_bucket="M0")),
        "roll": Exists(transitions.filter(_rolls())),
    }
    counted = {
        f"{name}_count": Sum(SqlCase(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField()))
        for name, condition in flags.items()
    }
    rows: dict[int, dict[str, Any]] = {
        row["arm_id"]: dict(row)
        for row in _sample(segment).values("arm_id").annotate(n=Count("pk"), **counted).order_by()
    }

    cost, currency = _cost_per_contact()
    attempts = ContactAttempt.objects.filter(
        account=OuterRef("account_id"), placed_at__gte=OuterRef("assigned_at"), status=ContactAttempt.Status.COMPLETED
    ).order_by()
    per_account_contacts = Subquery(
        attempts.values("account").annotate(c=Count("pk")).values("c"), output_field=IntegerField()
    )
    per_account_cost = Subquery(attempts.values("account").annotate(c=Sum(cost)).values("c"))
    complaints = Complaint.objects.filter(account=OuterRef("account_id"), received_at__gte=OuterRef("assigned_at"))
    per_account_complaints = Subquery(
        complaints.order_by().values("account").annotate(c=Count("pk")).values("c"), output_field=IntegerField()
    )
    contact_rows: dict[int, dict[str, Any]] = {
        row["arm_id"]: dict(row)
        for row in _sample(segment)
        .annotate(
            contacts=Coalesce(per_account_contacts, 0),
            cost=Coalesce(per_account_cost, Value(Decimal("0"))),
            complaints=Coalesce(per_account_complaints, 0),
        )
        .values("arm_id")
        .annotate(
            contacts_total=Coalesce(Sum("contacts"), 0),
            contacts_squares=Coalesce(Sum(F("contacts") * F("contacts")), 0),
            complaints_total=Coalesce(Sum("complaints"), 0),
            **{f"cost_{key}": value for key, value in _sums(F("cost")).items()},
        )
        .order_by()
    }

    paid = Payment.objects.filter(
        loan=OuterRef("account_id"), status=Payment.Status.POSTED, value_date__gte=OuterRef("assigned_on")
    ).order_by()
    per_account_paid = Subquery(paid.values("loan").annotate(c=Sum("amount")).values("c"))
    collected_rows = (
        _sample(segment)
        .annotate(paid=Coalesce(per_account_paid, Value(Decimal("0")), output_field=DecimalField()))
        .values("arm_id", "account__currency")
        .annotate(n=Count("pk"), **_sums(F("paid")))
        .order_by()
    )
    collected: dict[int, dict[str, tuple[float, float, int]]] = {}
    for raw in collected_rows:
        got: dict[str, Any] = dict(raw)
        collected.setdefault(got["arm_id"], {})[got["account__currency"]] = (got["total"], got["squares"], got["n"])

    results = []
    for arm in arms:
        row = rows.get(arm.pk, {})
        n = int(row.get("n", 0))
        contact = contact_rows.get(arm.pk, {})
        result = ArmResult(arm=arm, n=n)
        for name in RATES:
            result.rates[name] = stats.rate(int(row.get(f"{name}_count") or 0), n)
        result.contacts = int(contact.get("contacts_total") or 0)
        result.complaints = int(contact.get("complaints_total") or 0)
        result.sums = {
            "contacts": (float(result.contacts), float(contact.get("contacts_squares") or 0)),
            "cost": (float(contact.get("cost_total") or 0), float(contact.get("cost_squares") or 0)),
        }
        for name in MEANS:
            result.means[name] = stats.mean(*result.sums[name], n)
        for currency_code, (total, squares, count) in collected.get(arm.pk, {}).items():
            result.collected[currency_code] = stats.mean(float(total), float(squares), count)
            result.sums[f"collected:{currency_code}"] = (float(total), float(squares))
        results.append(result)
    _compare(results, collected)
    return SegmentResults(segment=segment, arms=results, cost_currency=currency)


def _compare(results: list[ArmResult], collected: dict[int, dict[str, tuple[float, float, int]]]) -> None:
    champion = next((r for r in results if r.arm.kind == Arm.Kind.CHAMPION), None)
    if champion is None:
        return
    for result in results:
        if result is champion:
            continue
        for name in RATES:
            x1 = round((result.rates[name].value or 0) * result.n)
            x0 = round((champion.rates[name].value or 0) * champion.n)
            result.versus[name] = stats.rate_difference(x1, result.n, x0, champion.n)
        for name in MEANS:
            result.versus[name] = stats.mean_difference(*result.sums[name], result.n, *champion.sums[name], champion.n)
        for currency_code, (total, squares, count) in collected.get(result.arm.pk, {}).items():
            base = collected.get(champion.arm.pk, {}).get(currency_code)
            if base is not None:
                result.versus[f"collected:{currency_code}"] = stats.mean_difference(
                    float(total), float(squares), count, float(base[0]), float(base[1]), base[2]
                )
