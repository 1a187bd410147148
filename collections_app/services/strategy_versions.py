"""Experiments' writes: a challenger at a share of a segment, and promoting one as a new version.

- ``challenger_create``: a challenger arm at ``share`` percent of the segment, taken from the champion's
  share, with a copy of the champion's plan to change. Accounts already assigned keep their arm; the
  share applies to the accounts assigned from now on. Audited (``arm.create``).
- ``challenger_promote``: a new version of the strategy, active from today, in which the challenger's
  plan is the segment's champion at 100% and every other segment is copied as it is; the old version
  is deactivated (one active version per code). The new version's segments are new, so accounts are
  assigned afresh there. Audited (``strategy.promote``, with both versions).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.calendar import business_today
from accounts.services.audit import audit_record
from collections_app.models import Action, Arm, Segment, Strategy
from config.errors import DomainError, ErrorCode

HUNDRED = Decimal("100")


def _copy_actions(actions: list[Action], *, segment: Segment, arm: Arm) -> None:
    Action.objects.bulk_create(
        Action(
            segment=segment, arm=arm, day_offset=a.day_offset, every_day_after=a.every_day_after, kind=a.kind,
            template_code=a.template_code, channel=a.channel, priority=a.priority, stop_if_paid=a.stop_if_paid,
            stop_if_promise_open=a.stop_if_promise_open, stop_if_complaint=a.stop_if_complaint,
            stop_if_cease=a.stop_if_cease,
        )  # fmt: skip
        for a in actions
    )


@transaction.atomic
def challenger_create(*, segment: Segment, share: Decimal, name: str, user: User | None, code: str = "") -> Arm:
    """A challenger at ``share`` percent of ``segment`` with a copy of the champion's plan; see the module."""
    segment = Segment.objects.select_for_update().select_related("strategy").get(pk=segment.pk)
    champion = Arm.objects.select_for_update().filter(segment=segment, kind=Arm.Kind.CHAMPION).first()
    errors: dict[str, list[str]] = {}
    if not segment.strategy.active:
        errors["segment"] = [_("Only the active version of a strategy takes a challenger.")]
    if champion is None:
        errors["segment"] = [_("The segment has no champion.")]
    if not (Decimal("0") < share < HUNDRED):
        errors["share"] = [_("A share between 0 and 100 (exclusive).")]
    elif champion is not None and share > champion.share:
        errors["share"] = [_("The champion has only %(share)s%% left to give.") % {"share": champion.share}]
    if not name.strip():
        errors["name"] = [_("Required.")]
    code = slugify(code or name)[:64]
    if not errors and (not code or Arm.objects.filter(segment=segment, code=code).exists()):
        errors["name"] = [_("The segment has an arm with this code already.")]
    if errors:
        raise DomainError(_("The challenger was not created."), code=ErrorCode.INVALID, errors=errors)
    assert champion is not None
    before = {"champion_share": str(champion.share)}
    champion.share -= share
    champion.save(update_fields=["share"])
    arm = Arm.objects.create(segment=segment, code=code, kind=Arm.Kind.CHALLENGER, name=name.strip(), share=share)
    _copy_actions(list(champion.actions.all()), segment=segment, arm=arm)
    audit_record(
        action="arm.create", obj=arm, actor=user, before=before,
        after={"segment": segment.code, "arm": arm.code, "share": str(share), "champion_share": str(champion.share)},
    )  # fmt: skip
    return arm


@transaction.atomic
def challenger_promote(*, arm: Arm, user: User | None, effective_from: dt.date | None = None) -> Strategy:
    """A new version of the arm's strategy with the challenger as its segment's champion; see the module."""
    arm = Arm.objects.select_related("segment__strategy").get(pk=arm.pk)
    old = Strategy.objects.select_for_update().get(pk=arm.segment.strategy_id)
    if arm.kind != Arm.Kind.CHALLENGER:
        raise DomainError(_("Only a challenger is promoted."), errors={"arm": [_("Not a challenger.")]})
    if not old.active:
        raise DomainError(
            _("Only a challenger of the active version is promoted."), code=ErrorCode.CONFLICT,
            errors={"arm": [_("Its strategy version is not active.")]},
        )  # fmt: skip
    latest = Strategy.objects.filter(code=old.code).order_by("-version").values_list("version", flat=True).first()
    Strategy.objects.filter(pk=old.pk).update(active=False)
    new = Strategy.objects.create(
        code=old.code, version=(latest or old.version) + 1, name=old.name, name_zh_hans=old.name_zh_hans, active=True,
        effective_from=effective_from or business_today(),
    )  # fmt: skip
    for segment in old.segments.order_by("position").prefetch_related("arms__actions"):
        copy = Segment.objects.get(pk=segment.pk)
        copy.pk, copy.strategy = None, new
        copy.save()
        arms = list(segment.arms.all())
        if segment.pk == arm.segment_id:
            arms = [arm]
        for source in arms:
            is_promoted = source.pk == arm.pk
            twin = Arm.objects.create(
                segment=copy,
                code="champion" if is_promoted else source.code,
                kind=Arm.Kind.CHAMPION if is_promoted else source.kind,
                name=source.name, name_zh_hans=source.name_zh_hans,
                share=HUNDRED if is_promoted else source.share,
            )  # fmt: skip
            _copy_actions(list(source.actions.all()), segment=copy, arm=twin)
    audit_record(
        action="strategy.promote", obj=new, actor=user,
        before={"strategy": old.code, "version": old.version, "segment": arm.segment.code, "arm": arm.code},
        after={"strategy": new.code, "version": new.version, "effective_from": new.effective_from.isoformat()},
    )  # fmt: skip
    return new
