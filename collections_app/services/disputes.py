"""Disputes as a workflow: opened by a call's disposition, an agent or the API; collection holds until the
verification is recorded with the outcome; upheld (amounts corrected here, audited) or rejected; then
collection resumes. Each step is audited.

The hold is on the disputed debt only (Reg F 1006.38: collection of *that* debt waits): the borrower's
contact preferences list the debts with an open dispute (``dispute_hold_accounts``, the engine's
``dispute`` reason), kept here in the transaction that opens or closes one; the borrower's other debts
stay in collection. ``dispute_hold`` says whether any debt of the borrower is disputed, for the
screens. One open dispute per debt: opening another returns it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Borrower, Installment, LoanAccount
from accounts.services.audit import audit_record
from accounts.services.waterfall import loans_reallocate
from collections_app.models import Case, ContactAttempt, Dispute
from collections_app.roles import SUPERVISOR, TEAM_LEAD, user_has_role
from config.errors import DomainError, ErrorCode
from scheduling.models import ContactPreference
from scheduling.services.preferences import preference_update

COMPONENTS = ("principal", "interest", "fee", "penalty")
MAX_TEXT = 4000


@dataclass(frozen=True)
class Correction:
    """Take ``amount`` off one component of one installment (what the borrower rightly disputed)."""

    seq: int
    component: str
    amount: Decimal

    def as_json(self) -> dict[str, str | int]:
        return {"seq": self.seq, "component": self.component, "amount": str(self.amount)}


def _hold_sync(*, borrower: Borrower, actor: User | None, reason: str, at: dt.datetime) -> None:
    """The debts held follow the borrower's open disputes; audited when they change. Locks the
    preference row first, so two disputes of one borrower opened at once both end up in the list."""
    ContactPreference.objects.get_or_create(borrower=borrower)
    preference = ContactPreference.objects.select_for_update().get(borrower=borrower)
    held = sorted(
        set(
            Dispute.objects.filter(account__borrower=borrower, status=Dispute.Status.OPEN).values_list(
                "account_id", flat=True
            )
        )
    )
    changes: dict[str, object] = {}
    if sorted(preference.dispute_hold_accounts or []) != held:
        changes["dispute_hold_accounts"] = held
    if preference.dispute_hold != bool(held):
        changes |= {"dispute_hold": bool(held), "dispute_opened_at": at if held else None}
    if changes:
        preference_update(borrower=borrower, changes=changes, actor=actor, reason=reason)


@transaction.atomic
def dispute_open(
    *,
    account: LoanAccount,
    via: str,
    actor: User | None,
    case: Case | None = None,
    reason: str = "",
    attempt: ContactAttempt | None = None,
    at: dt.datetime | None = None,
    external_id: str | None = None,
) -> Dispute:
    """Open a dispute on ``account`` (its open case when ``case`` is not given) and hold collection.

    Returns the debt's open dispute if there is one (a second disposition or a retried request),
    and the dispute of ``external_id`` if it is known. Locks the loan row, then the preference row.
    """
    if external_id:
        known = Dispute.objects.filter(external_id=external_id).first()
        if known is not None:
            return known
    if via not in Dispute.Via.values:
        raise DomainError(_("Unknown way of opening a dispute."), errors={"via": [_("Not a known source.")]})
    reason = reason.strip()
    if len(reason) > MAX_TEXT:
        raise DomainError(_("The dispute is too long."), errors={"reason": [_("At most %(n)s characters.") % {"n": MAX_TEXT}]})
    LoanAccount.objects.select_for_update().filter(pk=account.pk).values_list("pk", flat=True).first()
    existing = Dispute.objects.filter(account=account, status=Dispute.Status.OPEN).first()
    if existing is not None:
        return existing
    at = at or timezone.now()
    if case is None:
        case = Case.objects.filter(account=account, status=Case.Status.OPEN).first()
    dispute = Dispute.objects.create(
        account=account, case=case, via=via, attempt=attempt, reason=reason, opened_at=at,
        opened_by=actor if actor is not None and actor.is_authenticated else None, external_id=external_id or None,
    )  # fmt: skip
    _hold_sync(borrower=account.borrower, actor=actor, reason=f"dispute {dispute.pk} opened", at=at)
    audit_record(
        action="dispute.open",
        obj=dispute,
        actor=actor,
        after={"account": account.pk, "case": case.pk if case else None, "via": via, "attempt": attempt.pk if attempt else None},
    )
    return dispute


def _schedule(installments: list[Installment]) -> list[dict[str, str | int]]:
    return [
        {"seq": i.seq, **{f"{c}_due": str(getattr(i, f"{c}_due")) for c in COMPONENTS}} for i in installments
    ]


def _corrections_apply(dispute: Dispute, corrections: list[Correction]) -> None:
    """Lower the disputed amounts and reallocate the loan's payments; refuses what is not owed."""
    installments = list(
        Installment.objects.select_for_update().filter(loan_id=dispute.account_id).order_by("seq")
    )
    by_seq = {i.seq: i for i in installments}
    before = _schedule(installments)
    errors: dict[str, list[str]] = {}
    for index, fix in enumerate(corrections):
        inst = by_seq.get(fix.seq)
        key = f"corrections[{index}]"
        if inst is None:
            errors[key] = [_("No installment %(seq)s on this loan.") % {"seq": fix.seq}]
        elif fix.component not in COMPONENTS:
            errors[key] = [_("Choose principal, interest, fee or penalty.")]
        elif fix.amount <= 0 or fix.amount != fix.amount.quantize(Decimal("0.01")):
            errors[key] = [_("A positive amount in cents.")]
        else:
            owed = getattr(inst, f"{fix.component}_due") - getattr(inst, f"{fix.component}_paid")
            if fix.amount > owed:
                errors[key] = [_("Only %(owed)s of it is unpaid.") % {"owed": owed}]
            else:
                setattr(inst, f"{fix.component}_due", getattr(inst, f"{fix.component}_due") - fix.amount)
    if errors:
        raise DomainError(_("The correction cannot be applied."), errors=errors)
    Installment.objects.bulk_update(installments, [f"{c}_due" for c in COMPONENTS])
    loans_reallocate(loan_ids=[dispute.account_id])
    dispute.schedule_before = before
    dispute.schedule_after = _schedule(list(Installment.objects.filter(loan_id=dispute.account_id).order_by("seq")))
    dispute.corrections = [fix.as_json() for fix in corrections]


@transaction.atomic
def dispute_resolve(
    *,
    dispute: Dispute,
    outcome: str,
    verification: str,
    actor: User,
    corrections: list[Correction] | None = None,
    at: dt.datetime | None = None,
) -> Dispute:
    """Record the verification and the outcome: ``upheld`` (``corrections`` lower the amounts the borrower
    rightly disputed, with the schedule before and after), ``rejected`` (the debt stands as verified)
    or ``withdrawn`` (entered by mistake). Collection resumes when the borrower has no other open
    dispute. Locks the loan, the dispute, the installments and the preference row."""
    corrections = corrections or []
    LoanAccount.objects.select_for_update().filter(pk=dispute.account_id).values_list("pk", flat=True).first()
    locked = Dispute.objects.select_for_update(of=("self",)).select_related("account__borrower").get(pk=dispute.pk)
    if locked.status != Dispute.Status.OPEN:
        raise DomainError(_("This dispute is already resolved."), code=ErrorCode.WRONG_STATUS)
    errors: dict[str, list[str]] = {}
    closing = (Dispute.Status.UPHELD, Dispute.Status.REJECTED, Dispute.Status.WITHDRAWN)
    if outcome not in closing:
        errors["outcome"] = [_("Upheld, rejected or withdrawn.")]
    verification = verification.strip()
    if not verification:
        errors["verification"] = [_("Record the verification: what was checked and sent to the borrower.")]
    elif len(verification) > MAX_TEXT:
        errors["verification"] = [_("At most %(n)s characters.") % {"n": MAX_TEXT}]
    if corrections and outcome != Dispute.Status.UPHELD:
        errors["corrections"] = [_("Only an upheld dispute corrects the debt.")]
    if errors:
        raise DomainError(_("The dispute cannot be resolved like this."), errors=errors)
    now = at or timezone.now()
    if corrections:
        _corrections_apply(locked, corrections)
    locked.status = outcome
    locked.verification = verification
    locked.resolved_at = now
    locked.resolved_by = actor
    locked.save()
    _hold_sync(borrower=locked.account.borrower, actor=actor, reason=f"dispute {locked.pk} {outcome}", at=now)
    audit_record(
        action=f"dispute.{outcome}",
        obj=locked,
        actor=actor,
        before={"status": Dispute.Status.OPEN, "schedule": locked.schedule_before},
        after={"status": outcome, "corrections": locked.corrections, "schedule": locked.schedule_after},
    )
    return locked


def disputes_withdraw(*, borrower: Borrower, actor: User, reason: str) -> int:
    """Close every open dispute of the borrower as entered by mistake (a lead reversing the hold)."""
    disputes = list(Dispute.objects.filter(account__borrower=borrower, status=Dispute.Status.OPEN))
    for dispute in disputes:
        dispute_resolve(dispute=dispute, outcome=Dispute.Status.WITHDRAWN, verification=reason, actor=actor)
    return len(disputes)


def dispute_may_resolve(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Team leads and supervisors record the verification; the caller has already limited the dispute
    to those the user may see (a team lead: the team's)."""
    return user_has_role(user, TEAM_LEAD, SUPERVISOR)
