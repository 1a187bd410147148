"""Drill-downs: the accounts and cases behind a report figure. These read the detail tables.

Each figure has one function; all answer a ``Table`` whose first columns name the account and
link its case. The page shows the first ``PAGE_ROWS``; the CSV export has up to ``EXPORT_ROWS``.
Lists of collection work (calls, promises, cases) are limited to the cases the user may see
(``cases_visible_to``); lists of the book (snapshots, transitions, installments) are not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Expression, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.calendar import book_zone, day_bounds
from accounts.models import CobRun, DelinquencySnapshot, Installment, LoanAccount
from collections_app.models import Case, ContactAttempt, PromiseToPay, ReportFlowMonth
from collections_app.reports import sql
from collections_app.reports.definitions import (
    JUDGED,
    TOTAL_DUE,
    BucketScale,
    month_end_cob,
    next_month,
)
from collections_app.selectors.cases import cases_visible_to

from ..tables import COUNT, DATE, MONEY, Cell, Column, Table

PAGE_ROWS = 500
EXPORT_ROWS = 50_000

User = AbstractBaseUser | AnonymousUser


class DrillError(ValueError):
    """The figure or its parameters are not understood."""


def _date(params: dict[str, str], name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(params[name])
    except (KeyError, ValueError) as exc:
        raise DrillError(f"{name}: a date (YYYY-MM-DD) is needed") from exc


def _int(params: dict[str, str], name: str) -> int | None:
    """An optional whole-number parameter (a team, an agent); DrillError when it is not one."""
    value = params.get(name, "")
    if value == "":
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise DrillError(f"{name}: a whole number is needed") from exc


def _account_columns() -> list[Column]:
    return [Column("account", _("Account")), Column("product", _("Product")), Column("case", _("Case"))]


def _case_cell(case_id: int | None) -> Cell:
    if case_id is None:
        return Cell("")
    return Cell(case_id, reverse("case-detail", args=[case_id]))


def _cases_of(account_ids: Iterable[int], day: dt.date) -> dict[int, int]:
    """The case of each account open on ``day`` (else its latest case opened by then)."""
    return dict(  # later cases overwrite earlier ones
        Case.objects.filter(account_id__in=list(account_ids), opened_on__lte=day)
        .order_by("account_id", "opened_on", "pk")
        .values_list("account_id", "pk")
    )


def bucket_accounts(params: dict[str, str], scale: BucketScale, user: User, limit: int) -> Table:
    day, bucket = _date(params, "date"), params.get("bucket", "")
    table = Table(
        "cases", _("Accounts in %(bucket)s at %(date)s") % {"bucket": bucket, "date": day.isoformat()},
        [*_account_columns(), Column("dpd", _("DPD"), COUNT), Column("overdue", _("Overdue amount"), MONEY),
         Column("outstanding", _("Outstanding principal"), MONEY)],
    )
    snapshots = DelinquencySnapshot.objects.filter(date=day, bucket=bucket, status="active")
    if params.get("product"):
        snapshots = snapshots.filter(account__product=params["product"])
    if params.get("currency"):
        snapshots = snapshots.filter(account__currency=params["currency"])
    rows = list(
        snapshots.order_by("-outstanding_balance", "account_id").values_list(
            "account_id", "account__external_id", "account__product", "dpd", "overdue_amount", "outstanding_balance"
        )[:limit]
    )
    cases = _cases_of((row[0] for row in rows), day)
    for account_id, external_id, product, dpd, overdue, outstanding in rows:
        table.add(external_id, product, _case_cell(cases.get(account_id)), dpd, overdue, outstanding)
    return table


def flow_accounts(params: dict[str, str], scale: BucketScale, user: User, limit: int) -> Table:
    month = _date(params, "month").replace(day=1)
    source, target = params.get("from_state", ""), params.get("to_state", "")
    if source == target == scale.current:
        raise DrillError("the accounts that stayed current are not listed")
    ends = ReportFlowMonth.objects.filter(month=month).values_list("as_of", "previous_as_of").first()
    table = Table(
        "cases",
        _("%(from)s → %(to)s in %(month)s") % {"from": source, "to": target, "month": month.strftime("%Y-%m")},
        [*_account_columns(), Column("balance_from", _("Balance at the previous month-end"), MONEY),
         Column("balance_to", _("Balance at the month-end"), MONEY)],
    )
    if ends is None:
        return table
    cur, prev = ends
    rows = [
        row for row in sql.flow_accounts(prev=prev, cur=cur, current=scale.current, from_state=source, to_state=target)
        if not params.get("product") or row[1] == params["product"]
    ]
    loans = LoanAccount.objects.filter(pk__in=[row[0] for row in rows])
    if params.get("currency"):
        loans = loans.filter(currency=params["currency"])
    names = dict(loans.values_list("pk", "external_id"))
    rows = [row for row in rows if row[0] in names][:limit]
    cases = _cases_of((row[0] for row in rows), cur)
    for account_id, product, _s, _t, before, after in rows:
        table.add(names[account_id], product, _case_cell(cases.get(account_id)), before, after)
    return table


def entry_installments(params: dict[str, str], scale: BucketScale, user: User, limit: int) -> Table:
    first, last = _date(params, "first"), _date(params, "last")
    unpaid = Q(settled_on__isnull=True) | Q(settled_on__gt=F("due_date") + dt.timedelta(days=1))
    closed = ~Q(loan__status="active") & Q(loan__closed_on__isnull=False) & Q(loan__closed_on__lte=F("due_date"))
    installments = (
        Installment.objects.filter(due_date__range=(first, last), loan__opened_on__lte=F("due_date"))
        .filter(unpaid)
        .exclude(closed)
    )
    if params.get("product"):
        installments = installments.filter(loan__product=params["product"])
    if params.get("currency"):
        installments = installments.filter(loan__currency=params["currency"])
    table = Table(
        "cases", _("Installments due %(first)s to %(last)s unpaid at DPD 1") % {"first": first, "last": last},
        [*_account_columns(), Column("due_date", _("Due date"), DATE), Column("seq", _("Installment"), COUNT),
         Column("due", _("Amount due"), MONEY)],
    )
    rows = list(
        installments.annotate(total=TOTAL_DUE)
        .order_by("due_date", "loan_id", "seq")
        .values_list("loan_id", "loan__external_id", "loan__product", "due_date", "seq", "total")[:limit]
    )
    cases = _cases_of((row[0] for row in rows), last + dt.timedelta(days=1))
    for loan_id, external_id, product, due_date, seq, total in rows:
        table.add(external_id, product, _case_cell(cases.get(loan_id)), due_date, seq, total)
    return table


def _case_list(title: Any, cases: QuerySet[Case], user: User, limit: int, *, date_label: Any, date_field: str) -> Table:
    table = Table(
        "cases", title,
        [*_account_columns(), Column("bucket", _("Bucket")), Column("agent", _("Agent")), Column("team", _("Team")),
         Column("date", date_label, DATE), Column("reason", _("Close reason"))],
    )
    visible = cases.filter(pk__in=cases_visible_to(user).values("pk"))
    for row in visible.order_by(date_field, "pk").values_list(
        "pk", "account__external_id", "account__product", "bucket", "agent__user__username", "team__name",
        date_field, "close_reason",
    )[:limit]:
        case_id, external_id, product, bucket, agent, team, day, reason = row
        table.add(external_id, product, _case_cell(case_id), bucket, agent or "", team or "", day, reason)
    return table


def exit_cases(params: dict[str, str], scale: BucketScale, user: User, limit: int) -> Table:
    first, last, reason = _date(params, "first"), _date(params, "last"), params.get("reason", "")
    cases = Case.objects.all()
    if params.get("product"):
        cases = cases.filter(account__product=params["product"])
    if params.get("currency"):
        cases = cases.filter(account__currency=params["currency"])
    team = _int(params, "team")
    if team is not None and reason != "assigned":
        cases = cases.filter(team_id=team)
    span = {"first": first, "last": last}
    if reason == "opened":
        return _case_list(_("Cases opened %(first)s to %(last)s") % span, cases.filter(opened_on__range=(first, last)),
                          user, limit, date_label=_("Opened on"), date_field="opened_on")
    if reason == "assigned":
        start, end = day_bounds(first)[0], day_bounds(last)[1]
        moved = cases.filter(assignments__at__gte=start, assignments__at__lt=end)
        if team is not None:
            moved = moved.filter(assignments__to_team_id=team)
        return _case_list(_("Cases assigned %(first)s to %(last)s") % span, moved.distinct(), user, limit,
                          date_label=_("Opened on"), date_field="opened_on")
    if reason in Case.CloseReason.values:
        return _case_list(_("Cases closed %(first)s to %(last)s") % span,
                          cases.filter(closed_on__range=(first, last), close_reason=reason),
                          user, limit, date_label=_("Closed on"), date_field="closed_on")
    raise DrillError("reason: opened, assigned, cured, paid_off, settled or charged_off")


def vintage_accounts(params: dict[str, str], scale: BucketScale, user: User, limit: int) -> Table:
    month, cohort = _date(params, "month").replace(day=1), _date(params, "cohort").replace(day=1)
    as_of = month_end_cob(month)
    table = Table(
        "cases", _("Loans of %(cohort)s at M2+ at %(date)s") % {"cohort": cohort.strftime("%Y-%m"), "date": as_of},
        [*_account_columns(), Column("bucket", _("Bucket")), Column("dpd", _("DPD"), COUNT),
         Column("outstanding", _("Outstanding principal"), MONEY)],
    )
    if as_of is None:
        return table
    snapshots = DelinquencySnapshot.objects.filter(
        date=as_of, status="active", bucket__in=scale.m2_and_worse,
        account__opened_on__gte=cohort, account__opened_on__lt=next_month(cohort),
    )
    if params.get("product"):
        snapshots = snapshots.filter(account__product=params["product"])
    if params.get("currency"):
        snapshots = snapshots.filter(account__currency=params["currency"])
    rows = list(
        snapshots.order_by("-outstanding_balance", "account_id").values_list(
            "account_id", "account__external_id", "account__product", "bucket", "dpd", "outstanding_balance"
        )[:limit]
    )
    cases = _cases_of((row[0] for row in rows), as_of)
    for account_id, external_id, product, bucket, dpd, outstanding in rows:
        table.add(external_id, product, _case_cell(cases.get(account_id)), bucket, dpd, outstanding)
    return table


def _bucket_before(account: str, scale: BucketScale) -> Expression:
    """The bucket of ``account`` at the last close of business before the row's ``day`` (M0 if in no snapshot)."""
    previous = CobRun.objects.filter(status=CobRun.Status.DONE, date__lt=OuterRef(OuterRef("day"))).order_by("-date")
    snapshot = DelinquencySnapshot.objects.filter(
        account_id=OuterRef(account), date=Subquery(previous.values("date")[:1])
    ).values("bucket")[:1]
    return Coalesce(Subquery(snapshot), Value(scale.current))


def _who(queryset: QuerySet, params: dict[str, str], *, agent: str, scale: BucketScale, account: str) -> QuerySet:
    """Keep the rows of one agent (empty: no agent), team and bucket; the queryset has ``team_key`` and ``day``."""
    if "agent" in params:
        who = _int(params, "agent")
        queryset = queryset.filter(**{agent: who} if who is not None else {f"{agent}__isnull": True})
    team = _int(params, "team")
    if team is not None:
        queryset = queryset.filter(team_key=team)
    if params.get("bucket"):
        queryset = queryset.annotate(bucket_then=_bucket_before(account, scale)).filter(
            bucket_then=params["bucket"]
        )
    return queryset


def calls(params: dict[str, str], scale: BucketScale, user: User, limit: int) -> Table:
    first, last = _date(params, "first"), _date(params, "last")
    attempts = (
        ContactAttempt.objects.filter(
            channel=ContactAttempt.Channel.CALL, direction=ContactAttempt.Direction.OUTBOUND,
            placed_at__gte=day_bounds(first)[0], placed_at__lt=day_bounds(last)[1],
        )
        .exclude(status=ContactAttempt.Status.NOT_DIALED)
        .annotate(
            day=TruncDate("placed_at", tzinfo=book_zone()),
            team_key=Coalesce(F("agent__agent__team_id"), F("case__team_id")),
        )
        .filter(Q(case__isnull=True) | Q(case__in=cases_visible_to(user)))
    )
    attempts = _who(attempts, params, agent="agent_id", scale=scale, account="account_id")
    table = Table(
        "cases", _("Calls placed %(first)s to %(last)s") % {"first": first, "last": last},
        [*_account_columns(), Column("placed_at", _("Placed at")), Column("agent", _("Agent")),
         Column("disposition", _("Disposition")), Column("rpc", _("Right party")), Column("talk", _("Talk (s)"), COUNT)],
    )
    for row in attempts.order_by("placed_at", "pk").values_list(
        "case_id", "account__external_id", "account__product", "placed_at", "agent__username", "disposition__code",
        "right_party_contact", "talk_seconds",
    )[:limit]:
        case_id, external_id, product, placed_at, agent, code, rpc, talk = row
        table.add(external_id, product, _case_cell(case_id), placed_at.isoformat(timespec="minutes"), agent or "",
                  code or "", _("yes") if rpc else "", talk)
    return table


def _promise_list(title: Any, promises: QuerySet[PromiseToPay], params: dict[str, str], scale: BucketScale,
                  user: User, limit: int) -> Table:
    promises = _who(
        promises.filter(case__in=cases_visible_to(user)).annotate(team_key=Coalesce(F("agent__team_id"), F("case__team_id"))),
        params, agent="agent__user_id", scale=scale, account="account_id",
    )
    table = Table(
        "cases", title,
        [*_account_columns(), Column("made_on", _("Made on"), DATE), Column("agent", _("Agent")),
         Column("currency", _("Currency")), Column("amount", _("Amount promised"), MONEY),
         Column("received", _("Received toward it"), MONEY), Column("status", _("Status")),
         Column("settled_on", _("Judged on"), DATE)],
    )
    for row in promises.order_by("made_on", "pk").values_list(
        "case_id", "account__external_id", "account__product", "made_on", "agent__user__username",
        "account__currency", "amount", "received_amount", "status", "settled_on",
    )[:limit]:
        case_id, external_id, product, made_on, agent, currency, amount, received, status, settled_on = row
        table.add(external_id, product, _case_cell(case_id), made_on, agent or "", currency, amount, received, status,
                  settled_on)
    return table


def promises_made(params: dict[str, str], scale: BucketScale, user: User, limit: int) -> Table:
    first, last = _date(params, "first"), _date(params, "last")
    made = PromiseToPay.objects.filter(made_on__range=(first, last)).exclude(status=PromiseToPay.Status.CANCELLED)
    return _promise_list(_("Promises made %(first)s to %(last)s") % {"first": first, "last": last},
                         made.annotate(day=F("made_on")), params, scale, user, limit)


def promises_judged(params: dict[str, str], scale: BucketScale, user: User, limit: int) -> Table:
    first, last = _date(params, "first"), _date(params, "last")
    judged = PromiseToPay.objects.filter(settled_on__range=(first, last), status__in=JUDGED)
    return _promise_list(_("Promises judged %(first)s to %(last)s") % {"first": first, "last": last},
                         judged.annotate(day=F("settled_on")), params, scale, user, limit)


def cured_cases(params: dict[str, str], scale: BucketScale, user: User, limit: int) -> Table:
    first, last = _date(params, "first"), _date(params, "last")
    cured = Case.objects.filter(closed_on__range=(first, last), close_reason=Case.CloseReason.CURED, agent__isnull=False)
    cured = _who(
        cured.annotate(team_key=Coalesce(F("agent__team_id"), F("team_id")), day=F("closed_on")),
        params, agent="agent__user_id", scale=scale, account="account_id",
    )
    return _case_list(_("Cases cured %(first)s to %(last)s") % {"first": first, "last": last}, cured, user, limit,
                      date_label=_("Closed on"), date_field="closed_on")


FIGURES: dict[str, Callable[[dict[str, str], BucketScale, User, int], Table]] = {
    "bucket": bucket_accounts,
    "flow": flow_accounts,
    "entry": entry_installments,
    "exit": exit_cases,
    "vintage": vintage_accounts,
    "calls": calls,
    "promises": promises_made,
    "promises_judged": promises_judged,
    "cured": cured_cases,
}


def drill_table(params: dict[str, str], scale: BucketScale, user: User, *, limit: int = PAGE_ROWS) -> Table:
    figure = FIGURES.get(params.get("figure", ""))
    if figure is None:
        raise DrillError(f"figure: one of {', '.join(FIGURES)}")
    return figure(params, scale, user, limit)


__all__ = ["EXPORT_ROWS", "FIGURES", "PAGE_ROWS", "DrillError", "drill_table"]
