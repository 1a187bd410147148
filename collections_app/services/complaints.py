"""Complaints: registering one (screen, API, admin), acknowledging, reassigning and resolving it, each step audited.

A complaint of a holding category stops every contact about its debt from the moment it is
registered until it is resolved: the compliance engine reads the open holds (``complaint_open``),
so calls, dials and messages all refuse. The engine reads them from the borrower's contact
preferences (``complaint_hold_accounts``, kept here in the same transaction by
``complaint_holds_sync``), which it loads for every decision anyway: a hold costs no query more. Registering takes the debt's contact counter lock, so a
reservation running at the same moment either finished before (and was allowed) or sees the hold.

Deadlines come from the ``ComplaintPolicy`` of the borrower's country (else the default row):
acknowledgement in business days, the answer in business or calendar days, counted from the
borrower's local date of receipt over the weekends and public holidays of the borrower's country;
a deadline is the end of its day in the borrower's zone. Audit entries never carry the borrower's
words (``description``, ``resolution_note``): they are personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.calendar import business_days_add
from accounts.models import Borrower
from accounts.services.audit import audit_record
from collections_app.models import Case, Complaint, ComplaintCategory, ComplaintPolicy, ContactAttempt
from collections_app.roles import SUPERVISOR, TEAM_LEAD, user_has_role
from config.errors import DomainError, ErrorCode
from scheduling.engine.clock import day_start, zone_or_none
from scheduling.models import ContactPreference, DebtContactCounter
from scheduling.services.preferences import preference_update

MAX_TEXT = 4000


def complaint_policy_for(country: str) -> ComplaintPolicy:
    """The deadline policy of a borrower country (else the default row; else the shipped defaults, unsaved)."""
    policies = {p.country: p for p in ComplaintPolicy.objects.filter(country__in=[country.upper(), ""])}
    return policies.get(country.upper()) or policies.get("") or ComplaintPolicy()


def complaint_deadlines(
    *, borrower: Borrower, received_at: dt.datetime, policy: ComplaintPolicy
) -> tuple[dt.datetime, dt.datetime]:
    """When the complaint must be acknowledged and answered: the ends of the due days in the borrower's zone."""
    zone = zone_or_none(borrower.timezone) or dt.UTC
    received_on = received_at.astimezone(zone).date()
    country, region = borrower.country, borrower.region
    acknowledge_on = business_days_add(received_on, policy.acknowledge_business_days, country=country, subdivision=region)
    if policy.resolve_in_business_days:
        resolve_on = business_days_add(received_on, policy.resolve_days, country=country, subdivision=region)
    else:
        resolve_on = received_on + dt.timedelta(days=policy.resolve_days)
    one_day = dt.timedelta(days=1)
    if isinstance(zone, dt.timezone):
        return (
            dt.datetime.combine(acknowledge_on + one_day, dt.time(), tzinfo=zone),
            dt.datetime.combine(resolve_on + one_day, dt.time(), tzinfo=zone),
        )
    return day_start(zone, acknowledge_on + one_day), day_start(zone, resolve_on + one_day)


def _debt_lock(account_id: int) -> None:
    """Serialise with reservations on this debt (``attempts.attempt_reserve`` holds the same row)."""
    DebtContactCounter.objects.get_or_create(account_id=account_id)
    DebtContactCounter.objects.select_for_update().filter(pk=account_id).values_list("pk", flat=True).first()


def complaint_holds_sync(*, borrower_id: int, actor: User | None, reason: str) -> list[int]:
    """Write the borrower's held debts (open complaints of a holding category) into the contact
    preferences the engine reads, when they changed; audited there. Locks the preference row first,
    so two complaints of one borrower registered at once both end up in the list."""
    ContactPreference.objects.get_or_create(borrower_id=borrower_id)
    preference = ContactPreference.objects.select_for_update().get(borrower_id=borrower_id)
    held = sorted(
        set(
            Complaint.objects.filter(account__borrower_id=borrower_id, holds_collection=True)
            .exclude(status=Complaint.Status.RESOLVED)
            .values_list("account_id", flat=True)
        )
    )
    if sorted(preference.complaint_hold_accounts or []) != held:
        preference_update(
            borrower=preference.borrower, changes={"complaint_hold_accounts": held}, actor=actor, reason=reason
        )
    return held


def _audit_state(complaint: Complaint) -> dict[str, object]:
    return {
        "status": complaint.status,
        "owner": complaint.owner_id,
        "holds_collection": complaint.holds_collection,
        "resolution": complaint.resolution,
        "root_cause": complaint.root_cause,
    }


@transaction.atomic
def complaint_register(
    *,
    case: Case,
    category: ComplaintCategory,
    channel: str,
    description: str,
    actor: User | None,
    received_at: dt.datetime | None = None,
    agent: User | None = None,
    attempts: Sequence[ContactAttempt] = (),
    message_id: int | None = None,
    owner: User | None = None,
    external_id: str | None = None,
    now: dt.datetime | None = None,
) -> Complaint:
    """Register a complaint about ``case``'s collection. Bad input raises ``DomainError`` and writes nothing.

    The agent complained about defaults to the agent of the linked contacts when they are one
    person; the owner defaults to the lead of the case's team. With an ``external_id`` already
    registered, returns that complaint (a retried request of a CRM). Locks the debt's contact counter.
    """
    if external_id:
        existing = Complaint.objects.filter(external_id=external_id).first()
        if existing is not None:
            return existing
    at = now or timezone.now()
    received_at = received_at or at
    errors: dict[str, list[str]] = {}
    description = description.strip()
    if not description:
        errors["description"] = [_("Say what the borrower complains about.")]
    elif len(description) > MAX_TEXT:
        errors["description"] = [_("At most %(n)s characters.") % {"n": MAX_TEXT}]
    if channel not in Complaint.Channel.values:
        errors["channel"] = [_("Choose how the complaint came in.")]
    if not category.is_active:
        errors["category"] = [_("This category is no longer used.")]
    if received_at.tzinfo is None:
        errors["received_at"] = [_("The instant must carry its time zone (UTC offset).")]
    elif received_at > at + dt.timedelta(minutes=5):
        errors["received_at"] = [_("A complaint cannot be received in the future.")]
    foreign = [a.pk for a in attempts if a.account_id != case.account_id]
    if foreign:
        errors["attempts"] = [_("Contacts %(ids)s are about another debt.") % {"ids": foreign}]
    if errors:
        raise DomainError(_("The complaint cannot be registered."), errors=errors)
    if agent is None:
        agents = {a.agent_id for a in attempts if a.agent_id is not None}
        if len(agents) == 1:
            agent = User.objects.get(pk=agents.pop())
    if owner is None and case.team_id is not None:
        owner = case.team.lead  # type: ignore[union-attr]

    _debt_lock(case.account_id)
    borrower = case.account.borrower
    policy = complaint_policy_for(borrower.country)
    acknowledge_by, resolve_by = complaint_deadlines(borrower=borrower, received_at=received_at, policy=policy)
    complaint = Complaint.objects.create(
        case=case,
        account_id=case.account_id,
        category=category,
        holds_collection=category.holding,
        channel=channel,
        description=description,
        agent=agent,
        message_id=message_id,
        received_at=received_at,
        registered_by=actor,
        owner=owner,
        policy=policy if policy.pk else None,
        acknowledge_by=acknowledge_by,
        resolve_by=resolve_by,
        external_id=external_id or None,
    )
    if attempts:
        complaint.attempts.set(attempts)
    if complaint.holds_collection:
        complaint_holds_sync(borrower_id=borrower.pk, actor=actor, reason=f"complaint {complaint.pk} registered")
    audit_record(
        action="complaint.register",
        obj=complaint,
        actor=actor,
        after={
            **_audit_state(complaint),
            "case": case.pk,
            "category": category.code,
            "channel": channel,
            "agent": complaint.agent_id,
            "attempts": sorted(a.pk for a in attempts),
            "acknowledge_by": acknowledge_by.isoformat(),
            "resolve_by": resolve_by.isoformat(),
        },
    )
    return complaint


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update(of=("self",)).select_related("category").get(pk=complaint.pk)


def _refuse_closed(complaint: Complaint) -> None:
    if not complaint.is_open:
        raise DomainError(
            _("This complaint is resolved; it cannot change any more."), code=ErrorCode.WRONG_STATUS
        )


@transaction.atomic
def complaint_acknowledge(*, complaint: Complaint, actor: User, at: dt.datetime | None = None) -> Complaint:
    """Record that the borrower was told the complaint is being handled. Locks the complaint; idempotent."""
    locked = _locked(complaint)
    _refuse_closed(locked)
    if locked.status == Complaint.Status.ACKNOWLEDGED:
        return locked
    before = _audit_state(locked)
    locked.status = Complaint.Status.ACKNOWLEDGED
    locked.acknowledged_at = at or timezone.now()
    locked.save(update_fields=["status", "acknowledged_at", "updated_at"])
    audit_record(action="complaint.acknowledge", obj=locked, actor=actor, before=before, after=_audit_state(locked))
    return locked


@transaction.atomic
def complaint_assign(*, complaint: Complaint, owner: User | None, actor: User) -> Complaint:
    """Give the complaint to another owner (None: nobody yet). Locks the complaint."""
    locked = _locked(complaint)
    _refuse_closed(locked)
    if locked.owner_id == (owner.pk if owner else None):
        return locked
    before = _audit_state(locked)
    locked.owner = owner
    locked.save(update_fields=["owner", "updated_at"])
    audit_record(action="complaint.assign", obj=locked, actor=actor, before=before, after=_audit_state(locked))
    return locked


@transaction.atomic
def complaint_resolve(
    *,
    complaint: Complaint,
    actor: User,
    resolution: str,
    root_cause: str,
    note: str,
    at: dt.datetime | None = None,
) -> Complaint:
    """Close the complaint with its outcome, root cause and what the borrower was answered; a hold it
    put on the debt lifts with it. Locks the complaint. The actor may not be the agent complained about."""
    locked = _locked(complaint)
    _refuse_closed(locked)
    errors: dict[str, list[str]] = {}
    if resolution not in Complaint.Resolution.values:
        errors["resolution"] = [_("Choose the outcome.")]
    if root_cause not in Complaint.RootCause.values:
        errors["root_cause"] = [_("Choose the root cause.")]
    note = note.strip()
    if not note:
        errors["resolution_note"] = [_("Say what the borrower was answered.")]
    elif len(note) > MAX_TEXT:
        errors["resolution_note"] = [_("At most %(n)s characters.") % {"n": MAX_TEXT}]
    if errors:
        raise DomainError(_("The complaint cannot be resolved like this."), errors=errors)
    if locked.agent_id is not None and locked.agent_id == actor.pk:
        raise DomainError(
            _("A complaint about you is resolved by someone else."), code=ErrorCode.NOT_AUTHORIZED
        )
    before = _audit_state(locked)
    now = at or timezone.now()
    locked.status = Complaint.Status.RESOLVED
    locked.resolved_at = now
    locked.acknowledged_at = locked.acknowledged_at or now
    locked.resolution = resolution
    locked.root_cause = root_cause
    locked.resolution_note = note
    locked.save()
    if locked.holds_collection:
        complaint_holds_sync(
            borrower_id=locked.account.borrower_id, actor=actor, reason=f"complaint {locked.pk} resolved"
        )
    audit_record(action="complaint.resolve", obj=locked, actor=actor, before=before, after=_audit_state(locked))
    return locked


def complaint_may_resolve(user: AbstractBaseUser, complaint: Complaint) -> bool:
    """Owners, team leads and supervisors resolve (never the agent complained about); the caller has
    already limited ``complaint`` to what the user may see."""
    if complaint.agent_id == user.pk:
        return False
    return user_has_role(user, TEAM_LEAD, SUPERVISOR) or complaint.owner_id == user.pk
