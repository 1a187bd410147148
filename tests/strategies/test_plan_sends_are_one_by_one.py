"""The plan's sends, decided a batch at a time (one lock, one question to the engine per group of deciding
facts, one insert), end exactly as each send handed to ``message_create`` on its own, one after another:
on a random book of zones, languages, consents, opt-outs, preferences, promises, e-mail and history."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from accounts.models import EmailAddress, Phone
from collections_app.models import ContactAttempt, Message, PlanAction
from collections_app.services.messages import MessageDeferred, message_create
from collections_app.services.plan import STOPS, plan_run, stop_flags
from collections_app.services.plan_sending import plan_sends_dispatch
from scheduling.engine.clock import local_date
from scheduling.models import ContactPreference
from tests.factories import BorrowerFactory, PhoneFactory, loan_with_schedule
from tests.strategies.book import TODAY
from tests.strategies.plan_book import open_case, promise

pytestmark = pytest.mark.django_db
ZONES = [
    ("US", "NY", "America/New_York", "en"),
    ("US", "CA", "America/Los_Angeles", "en"),
    ("US", "IL", "America/Chicago", "zh-hans"),
    ("CN", "", "Asia/Shanghai", "zh-hans"),
]
NOW = dt.datetime(2026, 3, 7, 17, 30, tzinfo=dt.UTC)  # 12:30 in New York, 09:30 in Los Angeles, past midnight in Shanghai


def _random_book(rng: random.Random, size: int) -> None:
    for n in range(size):
        country, region, zone, language = rng.choice(ZONES)
        borrower = BorrowerFactory(country=country, region=region, timezone=zone, language=language)
        for _ in range(rng.choice([1, 1, 1, 2])):  # some borrowers owe two debts, both reminded today
            due_in = rng.choice([3, 1, 0, -1])
            late = due_in < 0
            loan = loan_with_schedule(
                first_due=TODAY + dt.timedelta(days=due_in), borrower=borrower, dpd=1 if late else 0,
                bucket="M1" if late else "M0", outstanding_balance=Decimal("1200.00"), cob_date=TODAY,
            )  # fmt: skip
            if late:
                case = open_case(loan)
                if rng.random() < 0.2:
                    promise(case)
            for _ in range(rng.choice([0, 0, 1, 2, 4])):  # texts earlier this week
                placed = NOW - dt.timedelta(hours=rng.randint(1, 24 * 6))
                ContactAttempt.objects.create(
                    account=loan, placed_at=placed, channel="sms", status=ContactAttempt.Status.COMPLETED,
                    expires_at=placed,
                )  # fmt: skip
        PhoneFactory(
            borrower=borrower, number=f"+1646555{n:04d}", timezones=rng.choice([zone, zone, "America/Denver"]),
            sms_consent=rng.random() < 0.85, sms_opted_out=rng.random() < 0.1,
            type=rng.choice([Phone.Type.MOBILE] * 5 + [Phone.Type.HOME]),
        )  # fmt: skip
        if rng.random() < 0.5:
            EmailAddress.objects.create(
                borrower=borrower, address=f"b{n}@example.com", consent=rng.random() < 0.8,
                opted_out=rng.random() < 0.1,
            )  # fmt: skip
        if rng.random() < 0.25:
            disputed = rng.random() < 0.2  # a dispute holds the one debt disputed, not the borrower's others
            ContactPreference.objects.create(
                borrower=borrower, only_after=dt.time(rng.choice([9, 13, 18])), cease_communication=rng.random() < 0.2,
                dispute_hold=disputed, dispute_hold_accounts=[loan.pk] if disputed else [],
            )  # fmt: skip


def _twins(rng: random.Random) -> None:
    """A second send the same day for some of the planned ones (another step of the plan), a text or an
    e-mail: the second text to a debt in a day meets the first one's cap."""
    for row in list(PlanAction.objects.filter(kind="send").select_related("action")):
        if rng.random() < 0.4:
            email = rng.random() < 0.3
            step = row.action
            step.pk, step.day_offset = None, step.day_offset + 10
            if email:
                step.channel, step.template_code = "email", "pre_due_email"
            step.save()
            row.pk, row.action, row.channel, row.template_code = None, step, step.channel, step.template_code
            row.save()


def _one_by_one(now: dt.datetime) -> None:
    """Each planned send due, in id order, handed to ``message_create`` on its own (what the batch replaced)."""
    due = PlanAction.objects.filter(kind="send", status=PlanAction.Status.PLANNED, not_before__lte=now)
    for row in due.select_related("account__borrower", "case", "action").order_by("pk"):
        zone = ZoneInfo(row.account.borrower.timezone)
        if local_date(zone, now) > row.date:
            PlanAction.objects.filter(pk=row.pk).update(status="lapsed", reason="day_ended")
            continue
        flags = stop_flags(row.date, account="account_id", borrower="account__borrower_id")
        held = PlanAction.objects.filter(pk=row.pk).annotate(**{f: flags[f] for f, _, _ in STOPS}).values().get()
        reason = next((r for f, field, r in STOPS if getattr(row.action, field) and held[f]), "")
        if reason:
            PlanAction.objects.filter(pk=row.pk).update(status="stopped", reason=reason)
            continue
        borrower = row.account.borrower_id
        phone = email = None
        if row.channel == "sms":
            phone = Phone.objects.filter(
                borrower_id=borrower, type="mobile", owner="borrower", sms_consent=True, sms_opted_out=False,
                uncallable=False,
            ).order_by("pk").first()  # fmt: skip
        else:
            email = EmailAddress.objects.filter(borrower_id=borrower, consent=True, opted_out=False).order_by("pk").first()
        if phone is None and email is None:
            PlanAction.objects.filter(pk=row.pk).update(status="skipped", reason="no_address")
            continue

        def later_today(decision: Any, zone: ZoneInfo = zone, day: dt.date = row.date) -> bool:
            return decision.next_allowed_at is not None and local_date(zone, decision.next_allowed_at) <= day

        try:
            decided = message_create(
                case=row.case, account=row.account, template_code=row.template_code, phone=phone, email=email, at=now,
                source="dialer", idempotency_key=f"plan-action:{row.pk}", defer=later_today,
            )  # fmt: skip
        except MessageDeferred as deferred:
            PlanAction.objects.filter(pk=row.pk).update(not_before=deferred.decision.next_allowed_at)
            continue
        refused = decided.message.status == "refused"
        PlanAction.objects.filter(pk=row.pk).update(
            status="refused" if refused else "queued", reason=",".join(decided.decision.codes)[:64] if refused else "",
            message=decided.message,
        )  # fmt: skip


def _outcomes() -> dict[int, tuple[object, ...]]:
    """Every planned send as it ended, with its message (decision, text, attempt) and the debts' counters."""
    out: dict[int, tuple[object, ...]] = {}
    for row in PlanAction.objects.filter(kind="send").select_related("message__attempt"):
        message = row.message
        out[row.pk] = (
            row.status, row.reason, row.not_before,
            None if message is None else (
                message.status, message.channel, message.phone_id, message.email_id, message.case_id,
                message.template_id, message.language, message.subject, message.body, message.segments,
                message.decision, message.idempotency_key,
                None if message.attempt is None else (
                    message.attempt.account_id, message.attempt.case_id, message.attempt.status,
                    message.attempt.decision, message.attempt.expires_at,
                ),
            ),
        )  # fmt: skip
    return out


class _Undo(Exception):
    pass


@pytest.mark.parametrize("seed", [1, 2])
def test_a_batch_of_planned_sends_ends_as_each_send_decided_on_its_own(seed: int) -> None:
    # Given a random book and its plan for the day
    _random_book(random.Random(seed), 50)
    plan_run(today=TODAY, now=NOW - dt.timedelta(hours=10))
    _twins(random.Random(seed))
    assert PlanAction.objects.filter(kind="send").count() > 60

    # When the sends are handed over one by one (then undone), and then as one batch
    try:
        with transaction.atomic():
            _one_by_one(NOW)
            expected = _outcomes()
            raise _Undo
    except _Undo:
        pass
    assert not Message.objects.exists()
    out = plan_sends_dispatch(now=NOW)

    # Then every send ends the same, with the same message and decision, and the outcomes are varied
    assert _outcomes() == expected
    statuses = {outcome[0] for outcome in expected.values()}
    assert {"queued", "refused", "lapsed", "skipped", "planned"} <= statuses, statuses
    assert any("daily_cap" in str(o[3]) for o in expected.values())  # a debt's second text of the day
    assert out.waiting == sum(1 for o in expected.values() if o[0] == "planned")
    assert sorted(out.queued) == sorted(Message.objects.filter(status="queued").values_list("pk", flat=True))
