"""Extension negotiation (DESIGN.md section 8): eligibility, the script, terms, approval, applying.

Workflow: draft -> submitted -> approved | rejected -> applied, or cancelled. Every step is
audited. Applying changes the schedule in one transaction with the loan row locked.

Concurrency: every step that reads or changes what the SOP's rules read takes the account's locks
first, always in one order (``_account_lock``: the loan, its cases, its installments, its
extension requests), so two requests or approvals on one account run one after the other and the
second sees what the first did (one extension per 12 months holds however many arrive at once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor
from accounts.models import ZERO, Installment, LoanAccount, Payment
from accounts.services.audit import audit_record
from accounts.services.waterfall import loans_reallocate
from collections_app.models import Case, ExtensionRequest, ExtensionSop, ExtensionWaiver, PromiseToPay
from collections_app.models.extensions import OPEN_STATUSES, ExtensionAuthority
from collections_app.roles import SUPERVISOR, user_roles
from config.errors import DomainError, ErrorCode
from scheduling.models import ContactPreference

CENT = Decimal("0.01")
YEAR = dt.timedelta(days=365)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Eligibility:
    sop: ExtensionSop
    reasons: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.reasons


def _dispute_open(case: Case) -> bool:

    return ContactPreference.objects.filter(borrower_id=case.account.borrower_id, dispute_hold=True).exists()


def _repaid_share(loan_id: int) -> Decimal:
    totals = Installment.objects.filter(loan_id=loan_id).aggregate(
        due=Sum("principal_due") + Sum("interest_due") + Sum("fee_due") + Sum("penalty_due"),
        paid=Sum("principal_paid") + Sum("interest_paid") + Sum("fee_paid") + Sum("penalty_paid"),
    )
    due = totals["due"] or ZERO
    return (totals["paid"] or ZERO) / due if due else ZERO


def extension_eligibility(*, case: Case, today: dt.date) -> list[Eligibility]:
    """Every active SOP with the reasons this case is not eligible for it (none: eligible). Reads only."""
    loan = case.account
    sops = list(ExtensionSop.objects.filter(active=True).order_by("name"))
    applied_in_year = ExtensionRequest.objects.filter(
        account=loan, status=ExtensionRequest.Status.APPLIED, applied_at__date__gt=today - YEAR
    ).count()
    open_request = ExtensionRequest.objects.filter(account=loan, status__in=OPEN_STATUSES).exists()
    dispute = _dispute_open(case)
    repaid = _repaid_share(loan.pk)
    last_broken = (
        PromiseToPay.objects.filter(account=loan, status=PromiseToPay.Status.BROKEN)
        .order_by("-settled_on")
        .values_list("settled_on", flat=True)
        .first()
    )
    results = []
    for sop in sops:
        reasons = []
        if case.status != Case.Status.OPEN:
            reasons.append(_("The case is closed."))
        if case.bucket not in sop.bucket_list:
            reasons.append(_("Bucket %(bucket)s is not one of %(buckets)s.") % {"bucket": case.bucket, "buckets": sop.buckets})
        if case.dpd < sop.min_dpd or (sop.max_dpd is not None and case.dpd > sop.max_dpd):
            reasons.append(
                _("%(dpd)s days past due is outside %(low)s-%(high)s.")
                % {"dpd": case.dpd, "low": sop.min_dpd, "high": sop.max_dpd if sop.max_dpd is not None else "∞"}
            )
        if sop.product_list and loan.product not in sop.product_list:
            reasons.append(_("Product %(product)s is not covered.") % {"product": loan.product})
        if applied_in_year >= sop.max_per_year:
            reasons.append(
                _("Already %(count)s extension(s) in the last 12 months (at most %(max)s).")
                % {"count": applied_in_year, "max": sop.max_per_year}
            )
        if open_request:
            reasons.append(_("An extension request is already open on this account."))
        if sop.broken_promise_days and last_broken and last_broken > today - dt.timedelta(days=sop.broken_promise_days):
            reasons.append(
                _("A promise was broken in the last %(days)s days (on %(date)s).")
                % {"days": sop.broken_promise_days, "date": last_broken.isoformat()}
            )
        if sop.refuse_open_dispute and dispute:
            reasons.append(_("A dispute is open."))
        if repaid < sop.min_repaid_share:
            reasons.append(
                _("%(repaid)s%% of the schedule is repaid, at least %(min)s%% is needed.")
                % {"repaid": _cents(repaid * 100), "min": _cents(sop.min_repaid_share * 100)}
            )
        results.append(Eligibility(sop=sop, reasons=reasons))
    return results


def _snapshot(request: ExtensionRequest) -> dict[str, Any]:
    return {
        "status": request.status,
        "sop": request.sop_id,
        "installments": request.installment_seqs,
        "days_deferred": request.days_deferred,
        "penalty_waived": str(request.penalty_waived),
        "interest_waived": str(request.interest_waived),
        "down_payment": str(request.down_payment),
        "hardship_reason": request.hardship_reason,
        "flags": {"repeated": request.flag_repeated, "third_party": request.flag_third_party},
    }


def _account_lock(loan_id: int) -> None:
    """Lock what the SOP's rules read for one account, in the one order every step uses: the loan,
    its cases, its installments, its extension requests (``SELECT ... FOR UPDATE``)."""
    LoanAccount.objects.select_for_update().filter(pk=loan_id).values_list("pk", flat=True).first()
    list(Case.objects.select_for_update().filter(account_id=loan_id).order_by("pk").values_list("pk", flat=True))
    list(Installment.objects.select_for_update().filter(loan_id=loan_id).order_by("seq").values_list("pk", flat=True))
    list(ExtensionRequest.objects.select_for_update().filter(account_id=loan_id).order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def extension_create(
    *, case: Case, sop: ExtensionSop, actor: Actor, today: dt.date, via_third_party: bool = False
) -> ExtensionRequest:
    """Start a draft under ``sop`` (its current version) when the case is eligible for it.

    Takes the account's locks (``_account_lock``) and reads the case again under them, so a
    concurrent request on the account is decided first and counted here.
    """
    _account_lock(case.account_id)
    case = Case.objects.select_related("account").get(pk=case.pk)
    sop = ExtensionSop.objects.get(pk=sop.pk)
    if not sop.active:
        raise DomainError(_("This SOP version is no longer active."), errors={"sop": [_("Not active.")]})
    eligibility = next((e for e in extension_eligibility(case=case, today=today) if e.sop.pk == sop.pk), None)
    if eligibility is None or not eligibility.eligible:
        reasons = eligibility.reasons if eligibility else [_("Not active.")]
        raise DomainError(_("The case is not eligible for this SOP."), code=ErrorCode.NOT_ELIGIBLE, errors={"sop": reasons})
    since = timezone.now() - YEAR
    repeated = (
        ExtensionRequest.objects.filter(account=case.account, created_at__gte=since)
        .exclude(status=ExtensionRequest.Status.CANCELLED)
        .exists()
    )
    try:
        with transaction.atomic():
            request = ExtensionRequest.objects.create(
                case=case,
                account=case.account,
                sop=sop,
                bucket=case.bucket,
                requested_by=cast(User, actor),
                via_third_party=via_third_party,
                flag_third_party=via_third_party,
                flag_repeated=repeated,
            )
    except IntegrityError as exc:  # a concurrent request won the race for the account
        raise DomainError(_("An extension request is already open on this account."), code=ErrorCode.OPEN_REQUEST) from exc
    audit_record(action="extension.create", obj=request, actor=actor, after=_snapshot(request))
    return request


def _locked(request: ExtensionRequest, *statuses: str) -> ExtensionRequest:
    """The request read again under the account's locks, refused unless in one of ``statuses``."""
    _account_lock(request.account_id)
    locked = ExtensionRequest.objects.select_for_update().select_related("sop", "case").get(pk=request.pk)
    if locked.status not in statuses:
        raise DomainError(
            _("The request is %(status)s: this cannot be done now.") % {"status": locked.get_status_display()},
            code=ErrorCode.WRONG_STATUS,
        )
    return locked


@transaction.atomic
def extension_tick_step(*, request: ExtensionRequest, step_code: str, actor: Actor) -> ExtensionRequest:
    """Tick one script step of a draft, with the time and who ticked it."""
    request = _locked(request, ExtensionRequest.Status.DRAFT)
    if not request.sop.steps.filter(code=step_code).exists():
        raise DomainError(_("This SOP has no such step."), errors={"step": [step_code]})
    if step_code not in request.script:
        request.script[step_code] = {"at": timezone.now().isoformat(), "by": getattr(actor, "username", "")}
        request.save(update_fields=["script"])
        audit_record(action="extension.tick", obj=request, actor=actor, after={"step": step_code})
    return request


@dataclass
class Terms:
    installment_seqs: list[int]
    days_deferred: int
    penalty_waiver: Decimal = ZERO
    interest_waiver: Decimal = ZERO
    down_payment: Decimal = ZERO
    hardship_reason: str = ""
    note: str = ""


@dataclass
class Quote:
    """What the terms cost: the waived amounts and the new schedule of the moved installments."""

    penalty_waived: Decimal
    interest_waived: Decimal
    rows: list[dict[str, Any]]

    @property
    def waived_total(self) -> Decimal:
        return self.penalty_waived + self.interest_waived


def extension_quote(*, request: ExtensionRequest, terms: Terms) -> tuple[Quote, dict[str, list[str]]]:
    """The cost of ``terms`` and every reason they break the SOP's offer limits. Reads only."""
    sop = request.sop
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    seqs = sorted(set(terms.installment_seqs))
    installments = {i.seq: i for i in Installment.objects.filter(loan_id=request.account_id, seq__in=seqs)}
    if not seqs:
        add("installment_seqs", _("Choose at least one installment."))
    if len(seqs) > sop.max_installments:
        add("installment_seqs", _("At most %(max)s installment(s) may be deferred.") % {"max": sop.max_installments})
    for seq in seqs:
        inst = installments.get(seq)
        if inst is None or inst.settled_on is not None:
            add("installment_seqs", _("Installment %(seq)s is not an unpaid installment of this loan.") % {"seq": seq})
    if not 1 <= terms.days_deferred <= sop.max_extension_days:
        add("days_deferred", _("Defer by 1 to %(max)s days.") % {"max": sop.max_extension_days})
    if not ZERO <= terms.penalty_waiver <= sop.max_penalty_waiver:
        add("penalty_waiver", _("At most %(max)s%% of the penalty may be waived.") % {"max": _cents(sop.max_penalty_waiver * 100)})
    if not ZERO <= terms.interest_waiver <= sop.max_interest_waiver:
        add("interest_waiver", _("At most %(max)s%% of the interest may be waived.") % {"max": _cents(sop.max_interest_waiver * 100)})
    minimum_down = _cents(request.case.overdue_amount * sop.min_down_payment)
    if terms.down_payment < minimum_down:
        add("down_payment", _("A down payment of at least %(min)s is needed.") % {"min": minimum_down})
    if terms.hardship_reason not in sop.hardship_reasons:
        add("hardship_reason", _("Record one of the SOP's hardship reasons."))
    penalty = interest = ZERO
    rows = []
    for seq in seqs:
        inst = installments.get(seq)
        if inst is None:
            continue
        p = _cents((inst.penalty_due - inst.penalty_paid) * terms.penalty_waiver)
        i = _cents((inst.interest_due - inst.interest_paid) * terms.interest_waiver)
        penalty += p
        interest += i
        rows.append(
            {
                "seq": seq,
                "due_date": inst.due_date,
                "new_due_date": inst.due_date + dt.timedelta(days=max(terms.days_deferred, 0)),
                "penalty_waived": p,
                "interest_waived": i,
                "remaining_after": inst.remaining - p - i,
            }
        )
    return Quote(penalty_waived=penalty, interest_waived=interest, rows=rows), errors


def _authority_covers(*, sop: ExtensionSop, roles: frozenset[str], bucket: str, waived: Decimal, share: Decimal) -> bool:
    """True when one of the SOP's authority rows for one of ``roles`` covers the grant (reads prefetched rows)."""
    rows: list[ExtensionAuthority] = list(sop.authorities.all())
    return any(row.role in roles and row.covers(bucket=bucket, waived=waived, share=share) for row in rows)


@transaction.atomic
def extension_submit(*, request: ExtensionRequest, terms: Terms, actor: Actor) -> ExtensionRequest:
    """Record the terms and submit: approved at once within the submitter's authority, else queued.

    Every required step must be ticked and the terms within the SOP's limits. A flagged request
    (repeated, or through a third party) always waits for a supervisor.
    """
    request = _locked(request, ExtensionRequest.Status.DRAFT)
    missing = [s.code for s in request.sop.steps.filter(required=True) if s.code not in request.script]
    quote, errors = extension_quote(request=request, terms=terms)
    if missing:
        errors["script"] = [_("Tick every required step first: %(steps)s.") % {"steps": ", ".join(missing)}]
    if errors:
        raise DomainError(_("The extension cannot be submitted."), errors=errors)
    request.installment_seqs = sorted(set(terms.installment_seqs))
    request.days_deferred = terms.days_deferred
    request.penalty_waiver = terms.penalty_waiver
    request.interest_waiver = terms.interest_waiver
    request.penalty_waived = quote.penalty_waived
    request.interest_waived = quote.interest_waived
    request.down_payment = terms.down_payment
    request.hardship_reason = terms.hardship_reason
    request.note = terms.note
    request.submitted_at = timezone.now()
    roles = user_roles(actor)
    within = (not request.flagged or SUPERVISOR in roles) and _authority_covers(
        sop=request.sop, roles=roles, bucket=request.bucket, waived=request.waived_total, share=request.waiver_share
    )
    if within:
        request.status = ExtensionRequest.Status.APPROVED
        request.approver = cast(User, actor)
        request.decided_at = request.submitted_at
        request.decision_reason = _("Within the submitter's authority.")
    else:
        request.status = ExtensionRequest.Status.SUBMITTED
    request.save()
    audit_record(action="extension.submit", obj=request, actor=actor, after=_snapshot(request))
    return request


def extension_may_approve(*, request: ExtensionRequest, user: Actor) -> str | None:
    """Why ``user`` may not approve ``request`` (None: they may). Reads only."""
    if request.requested_by_id == getattr(user, "pk", None):
        return _("Nobody approves their own request.")
    roles = user_roles(user)
    if request.flagged and SUPERVISOR not in roles:
        return _("A flagged request needs a supervisor.")
    if not _authority_covers(
        sop=request.sop, roles=roles, bucket=request.bucket, waived=request.waived_total, share=request.waiver_share
    ):
        return _("The waiver is above your authority.")
    return None


@transaction.atomic
def extension_approve(*, request: ExtensionRequest, actor: Actor, reason: str = "") -> ExtensionRequest:
    """Approve a submitted request within the approver's authority (never one's own)."""
    request = _locked(request, ExtensionRequest.Status.SUBMITTED)
    refusal = extension_may_approve(request=request, user=actor)
    if refusal:
        raise DomainError(refusal, code=ErrorCode.NOT_AUTHORIZED)
    request.status = ExtensionRequest.Status.APPROVED
    request.approver = cast(User, actor)
    request.decision_reason = reason
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "approver", "decision_reason", "decided_at"])
    audit_record(action="extension.approve", obj=request, actor=actor, after=_snapshot(request), reason=reason)
    return request


@transaction.atomic
def extension_reject(*, request: ExtensionRequest, actor: Actor, reason: str) -> ExtensionRequest:
    """Reject a submitted request with a reason (same rights as approving)."""
    if not reason.strip():
        raise DomainError(_("Give the reason for the rejection."), errors={"reason": [_("Required.")]})
    request = _locked(request, ExtensionRequest.Status.SUBMITTED)
    if request.requested_by_id == getattr(actor, "pk", None):
        raise DomainError(_("Nobody decides their own request."), code=ErrorCode.NOT_AUTHORIZED)
    request.status = ExtensionRequest.Status.REJECTED
    request.approver = cast(User, actor)
    request.decision_reason = reason.strip()
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "approver", "decision_reason", "decided_at"])
    audit_record(action="extension.reject", obj=request, actor=actor, after=_snapshot(request), reason=reason)
    return request


@transaction.atomic
def extension_cancel(*, request: ExtensionRequest, actor: Actor, reason: str = "") -> ExtensionRequest:
    """Cancel a request that is not decided-and-applied yet."""
    request = _locked(request, *OPEN_STATUSES)
    request.status = ExtensionRequest.Status.CANCELLED
    request.cancelled_at = timezone.now()
    request.decision_reason = reason
    request.save(update_fields=["status", "cancelled_at", "decision_reason"])
    audit_record(action="extension.cancel", obj=request, actor=actor, after=_snapshot(request), reason=reason)
    return request


def _schedule(installments: Sequence[Installment]) -> list[dict[str, str | int]]:
    return [
        {
            "seq": i.seq,
            "due_date": i.due_date.isoformat(),
            "principal_due": str(i.principal_due),
            "interest_due": str(i.interest_due),
            "fee_due": str(i.fee_due),
            "penalty_due": str(i.penalty_due),
        }
        for i in installments
    ]


@transaction.atomic
def extension_apply(*, request: ExtensionRequest, actor: Actor, today: dt.date) -> ExtensionRequest:
    """Change the schedule as agreed, post the waivers, reallocate the loan's payments: all or nothing.

    Takes the account's locks (``_account_lock``), then checks again, under them, that the SOP's
    yearly limit still leaves room for this one. The down payment (if any) must have been received
    since the request was made.
    """
    request = _locked(request, ExtensionRequest.Status.APPROVED)
    applied_in_year = ExtensionRequest.objects.filter(
        account_id=request.account_id, status=ExtensionRequest.Status.APPLIED, applied_at__date__gt=today - YEAR
    ).count()
    if applied_in_year >= request.sop.max_per_year:
        raise DomainError(
            _("Already %(count)s extension(s) in the last 12 months (at most %(max)s).")
            % {"count": applied_in_year, "max": request.sop.max_per_year},
            code=ErrorCode.CONFLICT,
        )
    if request.down_payment > 0:
        received = Payment.objects.filter(
            loan_id=request.account_id, status=Payment.Status.POSTED, value_date__gte=request.created_at.date()
        ).aggregate(total=Sum("amount"))["total"] or ZERO
        if received < request.down_payment:
            raise DomainError(
                _("The down payment of %(amount)s has not been received yet.") % {"amount": request.down_payment},
                code=ErrorCode.DOWN_PAYMENT_MISSING,
            )
    installments = list(Installment.objects.filter(loan_id=request.account_id).order_by("seq"))
    before = _schedule(installments)
    chosen = [i for i in installments if i.seq in request.installment_seqs]
    if len(chosen) != len(request.installment_seqs) or any(i.settled_on is not None for i in chosen):
        raise DomainError(_("An installment of the agreement is no longer unpaid."), code=ErrorCode.SCHEDULE_CHANGED)
    now = timezone.now()
    waivers: list[ExtensionWaiver] = []
    penalty_total = interest_total = ZERO
    for inst in chosen:
        penalty = _cents((inst.penalty_due - inst.penalty_paid) * request.penalty_waiver)
        interest = _cents((inst.interest_due - inst.interest_paid) * request.interest_waiver)
        inst.due_date = inst.due_date + dt.timedelta(days=request.days_deferred)
        inst.penalty_due -= penalty
        inst.interest_due -= interest
        penalty_total += penalty
        interest_total += interest
        for component, amount in ((ExtensionWaiver.Component.PENALTY, penalty), (ExtensionWaiver.Component.INTEREST, interest)):
            if amount > 0:
                waivers.append(
                    ExtensionWaiver(
                        request=request, loan_id=request.account_id, installment=inst,
                        component=component, amount=amount, posted_at=now, value_date=today,
                    )
                )
    if (penalty_total, interest_total) != (request.penalty_waived, request.interest_waived):
        raise DomainError(_("The amounts owed changed since the agreement: submit it again."), code=ErrorCode.SCHEDULE_CHANGED)
    Installment.objects.bulk_update(chosen, ["due_date", "penalty_due", "interest_due"])
    ExtensionWaiver.objects.bulk_create(waivers)
    loans_reallocate(loan_ids=[request.account_id])
    after = list(Installment.objects.filter(loan_id=request.account_id).order_by("seq"))
    request.schedule_before = before
    request.schedule_after = _schedule(after)
    request.status = ExtensionRequest.Status.APPLIED
    request.applied_at = now
    request.save(update_fields=["schedule_before", "schedule_after", "status", "applied_at"])
    audit_record(
        action="extension.apply", obj=request, actor=actor, before={"schedule": before}, after={"schedule": request.schedule_after}
    )
    return request


__all__ = [
    "Eligibility", "Quote", "Terms", "extension_apply", "extension_approve", "extension_cancel", "extension_create",
    "extension_eligibility", "extension_may_approve", "extension_quote", "extension_reject",
    "extension_submit", "extension_tick_step",
]
