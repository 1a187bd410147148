"""One small floor for the authorization matrix, built once per module through the services.

Two teams serving M1 and M2. Team 1: agents Ann and Bob and their lead Lee; team 2: agents Carl
and Dan. Each of Ann, Bob and Carl has one open case (the variants ``own``, ``mate`` and
``other``, as Ann and Lee see them) with a phone, a reserved call placed by the case's agent, an
open promise, a pending callback, a complaint about fees (which holds nothing) naming the call, so that
the call is in the week's sample for review, and an extension request waiting for a team lead's approval
(50% of a 600.00 penalty: above an agent's authority). Besides: a supervisor, an administrator
(the role's group, staff, not a superuser), an analyst, a dialer integration holding one dial
authorization and a core-system integration; in each team a case moved there by hand (Bob's and
Dan's) and disputed; and one object of every model the admin shows.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group, User
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.test import Client

from accounts.models import CobRun
from accounts.services.pii import pii_reveal_record
from collections_app import roles
from collections_app.models import (
    Agent,
    Case,
    ChannelCost,
    InboundMessage,
    Integration,
    Message,
    MessageTemplate,
    QaReview,
    Strategy,
)
from collections_app.services.assignment import case_reassign
from collections_app.services.book_jobs import book_import_job_create
from collections_app.services.callbacks import case_callback_schedule
from collections_app.services.calls import call_place
from collections_app.services.complaints import complaint_register
from collections_app.services.contact_requests import borrower_request_record
from collections_app.services.dialer.authorizations import dial_authorize
from collections_app.services.disputes import dispute_open
from collections_app.services.dnc import dnc_number_record
from collections_app.services.integrations import integration_create
from collections_app.services.promises import promise_create
from collections_app.services.quality import qa_sample_build
from collections_app.services.strategies import arm_assignments_record
from scheduling.engine.policies import policies_forget
from scheduling.models import ChannelRule
from scheduling.presets import presets_ensure
from tests.collections_app.complaint_fixtures import category
from tests.collections_app.extension_book import eligible_case, shipped_sop, submitted
from tests.collections_app.promise_book import make_case
from tests.factories import UserFactory, make_agent, make_team

# What a role gets, as the matrices write it.
OK, CREATED, MOVED, LOGIN = "200", "201", "302", "302 login"
BAD, UNAUTH, DENIED, HIDDEN, CONFLICT = "400", "401", "403", "404", "409"

# Sunday 2026-03-01, 10:00 in New York: the extension book's day, inside every calling window.
NOW = dt.datetime(2026, 3, 1, 15, tzinfo=dt.UTC)
TODAY = NOW.date()
CALLBACK_AT = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)  # Monday, 10:00 in New York

ANON, AGENT, LEAD, SUPERVISOR, ADMIN, ANALYST, DIALER, CORE = (
    "anonymous", "agent", "team_lead", "supervisor", "administrator", "analyst", "dialer_token", "core_token",
)  # fmt: skip
ROLES = (ANON, AGENT, LEAD, SUPERVISOR, ADMIN, ANALYST, DIALER, CORE)
TOKEN_ROLES = (DIALER, CORE)
STAFF_ROLES = (LEAD, SUPERVISOR, ADMIN)

# The cases as Ann (the agent) and Lee (her team lead) see them.
OWN, MATE, OTHER = "own", "mate", "other"
CASE_VARIANTS = (OWN, MATE, OTHER)


@dataclass
class World:
    objects: dict[str, dict[str, Any]]  # variant -> {"case": pk, "phone": pk, ...}
    sessions: dict[str, str] = field(default_factory=dict)  # role -> session key
    tokens: dict[str, str] = field(default_factory=dict)  # role -> integration token
    users: dict[str, int] = field(default_factory=dict)  # role -> user pk

    def client(self, role: str) -> Client:
        """A fresh client acting as ``role`` (its own cookie jar; the session rows are shared)."""
        from django.conf import settings

        client = Client()
        if role in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        if role in self.tokens:
            client.defaults["HTTP_AUTHORIZATION"] = f"Token {self.tokens[role]}"
        return client


def _session_for(user: User) -> str:
    """What ``Client.force_login`` does, kept as a session key that any client may carry."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return str(session.session_key)


def _user(username: str, role: str, *, staff: bool = False) -> User:
    user = UserFactory(username=username, is_staff=staff)
    user.groups.add(Group.objects.get(name=role))
    return user


def _shipped_defaults() -> None:
    """What the data migrations ship (again, if a transactional test flushed them)."""
    presets_ensure()
    importlib.import_module("collections_app.migrations.0003_disposition_defaults").ensure_defaults(apps, None)
    shipped_sop()
    importlib.import_module("collections_app.migrations.0022_scorecard_preset").ensure_defaults(apps, None)
    importlib.import_module("collections_app.migrations.0026_strategy_preset").ensure_defaults(apps, None)


def _case_objects(case: Case, agent: Agent, *, dialer: Integration | None) -> dict[str, Any]:
    """A reserved call, an open promise, a pending callback and a submitted extension on ``case``."""
    phone = case.account.borrower.phones.order_by("pk").first()
    assert phone is not None
    placed = call_place(case=case, phone=phone, actor=agent.user, at=NOW)
    assert placed.attempt is not None, placed.decision
    promise = promise_create(case=case, parts=[(dt.date(2026, 3, 10), Decimal("200.00"))], actor=agent.user, today=TODAY)
    callback = case_callback_schedule(case=case, due_at=CALLBACK_AT, phone=phone, actor=agent.user, now=NOW)
    extension = submitted(case, agent.user)
    assert extension.status == "submitted", extension.status
    # A complaint about fees: it does not hold collection, so the calls above stay allowed.
    complaint = complaint_register(
        case=case, category=category("fees"), channel="call", description="Fees too high.", actor=agent.user,
        received_at=NOW, attempts=[placed.attempt], now=NOW,
    )  # fmt: skip
    # A text sent about the case (the messages API reads it).
    message = Message.objects.create(
        case=case, account=case.account, template=_matrix_template(), channel="sms", phone=phone, language="en",
        body="Please call us. Reply STOP to opt out.", status=Message.Status.SENT, created_at=NOW, sent_at=NOW,
    )  # fmt: skip
    objects = {
        "case": case.pk, "phone": phone.pk, "attempt": placed.attempt.pk, "promise": promise.pk,
        "callback": callback.pk, "extension": extension.pk, "agent": agent.pk, "team": agent.team_id,
        "agent_username": agent.user.username, "complaint": complaint.pk, "message": message.pk,
    }  # fmt: skip
    payment = case.account.payments.order_by("pk").first()
    assert payment is not None
    objects["payment"] = {
        "external_id": payment.external_id, "loan": case.account.external_id, "amount": f"{payment.amount:.2f}",
        "received_at": payment.received_at.isoformat(), "channel": payment.channel,
    }  # fmt: skip
    if dialer is not None:
        _decision, authorization = dial_authorize(integration=dialer, phone_id=phone.pk, case_id=case.pk, at=NOW)
        assert authorization is not None
        objects["authorization"] = str(authorization.pk)
    return objects


def _matrix_template() -> MessageTemplate:
    template, _made = MessageTemplate.objects.get_or_create(
        code="matrix_sms", language="en", version=1,
        defaults={"channel": "sms", "purpose": "overdue", "body": "Please call us. Reply STOP to opt out."},
    )  # fmt: skip
    return template


def _message_rows(case: Case) -> None:
    """A text sent about ``case`` and a borrower's reply (the admin's message pages)."""
    phone = case.account.borrower.phones.order_by("pk").first()
    assert phone is not None
    template = _matrix_template()
    Message.objects.create(
        case=case, account=case.account, template=template, channel="sms", phone=phone, language="en",
        body=template.body, status=Message.Status.SENT, created_at=NOW, sent_at=NOW,
    )  # fmt: skip
    InboundMessage.objects.create(
        integration="sms-provider", provider_message_id="matrix-1", phone=phone, from_number=phone.number,
        body="STOP", opt_out=True, received_at=NOW,
    )  # fmt: skip


def _third_party_rows() -> None:
    """Rows of the admin's third-party models that nothing in the book makes (beat schedules, axes logs)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, SolarSchedule

    ClockedSchedule.objects.get_or_create(clocked_time=NOW)
    SolarSchedule.objects.get_or_create(event="sunrise", latitude=Decimal("40.71"), longitude=Decimal("-74.01"))
    IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.MINUTES)
    CrontabSchedule.objects.get_or_create(minute="0", hour="1")
    seen = {"ip_address": "192.0.2.1", "user_agent": "matrix", "username": "mallory"}
    AccessAttempt.objects.create(
        **seen, attempt_time=NOW, get_data="", post_data="", http_accept="*/*", path_info="/login/", failures_since_start=1
    )
    AccessFailureLog.objects.create(**seen, attempt_time=NOW, http_accept="*/*", path_info="/login/", locked_out=False)
    AccessLog.objects.create(**seen, attempt_time=NOW, http_accept="*/*", path_info="/login/")


def world_build() -> World:
    _shipped_defaults()
    # The matrix asks who may, not when: each case carries an open promise, and its hold would
    # refuse the calls and dials the matrix expects to be allowed.
    ChannelRule.objects.update(promise_hold=False)
    policies_forget()  # a snapshot read by an earlier test in this thread would still hold the promises
    groups = roles.roles_ensure()
    assert set(groups) == set(roles.ROLES)
    team1, team2 = make_team("Team one", ["M1", "M2"]), make_team("Team two", ["M1", "M2"])
    ann, bob = make_agent(team1, "ann"), make_agent(team1, "bob")
    carl, dan = make_agent(team2, "carl"), make_agent(team2, "dan")
    lee = _user("lee", roles.TEAM_LEAD, staff=True)
    team1.lead = lee
    team1.save()
    sue = _user("sue", roles.SUPERVISOR, staff=True)
    ada = _user("ada", roles.ADMINISTRATOR, staff=True)
    ana = _user("ana", roles.ANALYST)
    dialer, dialer_token = integration_create(name="acme-dialer")
    core, core_token = integration_create(name="core-bank", kind=Integration.Kind.CORE_SYSTEM)

    objects: dict[str, dict[str, Any]] = {}
    for variant, agent in ((OWN, ann), (MATE, bob), (OTHER, carl)):
        case = eligible_case(agent, penalty="600.00")
        objects[variant] = _case_objects(case, agent, dialer=dialer if variant == OWN else None)
    objects[MATE]["teammate_username"] = ann.user.username
    objects[OWN]["teammate_username"] = bob.user.username
    objects[OTHER]["teammate_username"] = dan.user.username

    # A case moved by hand in each team (the assignment records), and one object of each remaining
    # model the admin shows.
    for variant, lead, agent in ((OWN, lee, bob), (OTHER, sue, dan)):
        spare = case_reassign(case=make_case(None), agent=agent, by=lead, note="matrix")
        objects[variant]["assignment"] = spare.assignments.get().pk
        # A dispute on the spare case (its hold stops no contact the matrix makes).
        objects[variant]["dispute"] = dispute_open(account=spare.account, case=spare, via="api", actor=lead, at=NOW).pk
    borrower_request_record(
        borrower=spare.account.borrower, kind="hours", actor=sue, at=NOW, only_after=dt.time(18), only_before=None
    )
    dnc_number_record(number="+12125550199", reason="matrix", actor=sue)
    pii_reveal_record(user=sue, borrower=spare.account.borrower, field="address", reason="matrix")
    # The week's sample for call review: the three calls the complaints name (one per variant).
    qa_sample_build(week=TODAY)
    for variant in (OWN, MATE, OTHER):
        objects[variant]["review"] = QaReview.objects.get(attempt_id=objects[variant]["attempt"]).pk
    CobRun.objects.create(date=TODAY - dt.timedelta(days=1), status=CobRun.Status.DONE, started_at=NOW)
    # The shipped strategy's arms for the book's accounts in its segments (the admin's assignment pages).
    assert arm_assignments_record(strategy=Strategy.objects.get(code="standard", active=True), today=TODAY, now=NOW)
    ChannelCost.objects.create(channel="sms", unit_cost=Decimal("0.05"))
    _message_rows(spare)
    _third_party_rows()
    # A background book import sent by the administrator (OWN) and one sent by the core system (OTHER).
    objects[OWN]["book_job"] = book_import_job_create(body="{}", requested_by=ada).pk
    objects[OTHER]["book_job"] = book_import_job_create(body="{}", requested_by=core.user).pk

    users = {LEAD: lee, SUPERVISOR: sue, ADMIN: ada, ANALYST: ana, AGENT: ann.user}
    return World(
        objects=objects,
        sessions={role: _session_for(user) for role, user in users.items()},
        tokens={DIALER: dialer_token, CORE: core_token},
        users={role: user.pk for role, user in users.items()},
    )


def outcome(response: Any) -> str:
    if response.status_code == 302:
        location = response.headers["Location"]
        return LOGIN if location.startswith(("/login/", "/admin/login/")) else MOVED
    return str(response.status_code)


def by_role(answer: Any) -> dict[str, Any]:
    """What each role gets, each in a savepoint of its own: no role sees another's changes."""
    got = {}
    for role in ROLES:
        with transaction.atomic():
            got[role] = answer(role)
            transaction.set_rollback(True)
    return got


def refusals(got: dict[str, Any], wanted: dict[str, Any], where: str) -> str:
    wrong = [f"{role} on {where}: got {got[role]}, the matrix says {wanted[role]}" for role in ROLES
             if got[role] != wanted[role]]  # fmt: skip
    return "\n".join(wrong)


# The supervisor's strategy screens, nobody else's: (URL name, method, path, what a supervisor gets). An empty
# challenger form is the form's 400; promoting a champion is refused by the rules, back to the results page.
STRATEGY_SCREENS = (
    ("strategies", "get", "/strategies/", OK),
    ("strategy-plan-run", "post", "/strategies/plan/", MOVED),
    ("strategy-plan-status", "get", "/strategies/plan/status/", OK),
    ("strategy-results", "get", "/strategies/standard/m1/results/", OK),
    ("strategy-challenger-create", "post", "/strategies/standard/m1/challengers/", BAD),
    ("strategy-promote", "post", "/strategies/standard/m1/champion/promote/", MOVED),
)
