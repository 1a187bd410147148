"""Who may open what: every named URL of the project, every role, every kind of object.

The matrix below lists each URL pattern (walked from ``django.urls.get_resolver()``: a pattern
missing here fails ``test_every_named_url_is_in_the_matrix``) with the answer each role gets:

- ``200``/``201``: allowed (``400``/``409`` too, where the request reached the rules: the refusal is
  the rules', not the role's, and the cell says which);
- ``302`` a redirect after an action, ``302 login`` to a login page (the site's or the admin's);
- ``401`` no (or a wrong) integration token, ``403`` refused for the role, ``404`` where the object
  must not even be known to exist (another agent's or another team's case, its calls, promises,
  callbacks and extension requests).

The admin's pages have their own matrix (``tests.web.authz_admin``, tested in ``test_authorization_admin``).
The objects are those of ``tests.web.authz_world``: ``own`` is Ann's case (Ann is the agent
column), ``mate`` her teammate Bob's, ``other`` the case of Carl in another team; Lee (the team
lead column) leads Ann's and Bob's team. Tokens are sent as ``Authorization: Token ...`` (the
VICIdial adapter takes them in its URL), so on the HTML screens a token is nobody.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from collections_app.models import Case
from tests.web.authz_admin import ADMIN_MODELS, ADMIN_PAGES, admin_url
from tests.web.authz_complaints import COMPLAINT_ROWS
from tests.web.authz_rows import (
    ADMIN_STAFF,
    ANNS,
    APPS,
    BOARD_ACTIONS,
    CASE_PANEL,
    CASE_READ,
    CASE_WORK,
    DIALER_ONLY,
    EXTENSION_API,
    NOBODY,
    PROMISE_FORM,
    REPORT_API,
    REPORT_PAGE,
    SENT,
    STAFF_OK,
    TEAMS,
    TEAMS_,
    TERMS,
    WORKER_ACTION,
    WORKER_REDIRECT,
    Outcome,
    Row,
    api,
    case_row,
    everyone,
    row,
    screen,
)
from tests.web.authz_world import (
    ADMIN,
    AGENT,
    ANALYST,
    BAD,
    CASE_VARIANTS,
    CONFLICT,
    CREATED,
    DENIED,
    HIDDEN,
    LEAD,
    LOGIN,
    MATE,
    MOVED,
    OK,
    OTHER,
    OWN,
    ROLES,
    STRATEGY_SCREENS,
    SUPERVISOR,
    UNAUTH,
    World,
    by_role,
    outcome,
    refusals,
)

MATRIX: list[Row] = [
    # Load balancers' probe: no login, no personal data
    screen("health", "/health/", **everyone(OK)),
    # Signing in and out, the language
    screen("home", "/", **NOBODY, agent=MOVED, lead=MOVED, supervisor=MOVED, admin=MOVED, analyst=MOVED),
    screen("login", "/login/", anon=OK, dialer=OK, core=OK, agent=MOVED, lead=MOVED, supervisor=MOVED, admin=MOVED,
           analyst=MOVED),
    row("logout", "post", "/logout/", **everyone(LOGIN)),
    row("set_language", "post", "/i18n/setlang/", data={"language": "zh-hans", "next": "/"},
        **everyone(MOVED)),
    # The agent's day
    screen("portfolio", "/portfolio/", **REPORT_PAGE),
    screen("queue", "/queue/", **NOBODY, agent=OK, lead=OK, supervisor=DENIED, admin=DENIED, analyst=DENIED),
    # Search: every working role, each among the cases it may see (tests/collections_app/test_search.py)
    screen("search", "/search/?q=Lee", **NOBODY, agent=OK, lead=OK, supervisor=OK, admin=OK, analyst=OK),
    screen("queue-next", "/queue/next/", **NOBODY, agent=MOVED, lead=MOVED, supervisor=DENIED, admin=DENIED,
           analyst=DENIED),
    screen("promises", "/promises/", **NOBODY, agent=OK, lead=OK, supervisor=DENIED, admin=DENIED, analyst=DENIED),
    # The account screen and its panels
    case_row("case-detail", "get", "/cases/{case}/", **CASE_READ),
    case_row("case-reveal", "post", "/cases/{case}/reveal/", data={"field": "phone:{phone}", "reason": "matrix"},
             **CASE_WORK),
    case_row("case-compliance", "get", "/cases/{case}/compliance/", **CASE_PANEL),
    case_row("case-history", "get", "/cases/{case}/history/", **CASE_PANEL),
    case_row("call-place", "post", "/cases/{case}/calls/", data={"phone": "{phone}"}, **CASE_WORK),
    # Only who placed a call reports it: Ann her own; nobody else's.
    case_row("call-outcome", "post", "/cases/{case}/calls/{attempt}/outcome/", data="no_answer",
             **{**CASE_WORK, "lead": HIDDEN, "supervisor": HIDDEN}),
    case_row("call-not-dialed", "post", "/cases/{case}/calls/{attempt}/not-dialed/",
             **{**CASE_WORK, "lead": HIDDEN, "supervisor": HIDDEN}),
    case_row("contact-request", "post", "/cases/{case}/requests/", data={"kind": "no_work_calls"}, **CASE_WORK),
    # Reversing a cease, dispute or do-not-call entered by mistake: the case's lead or a supervisor only.
    case_row("contact-block-reverse", "post", "/cases/{case}/requests/reverse/",
             data={"target": "dispute", "reason": "matrix"}, **{**CASE_WORK, "agent": (DENIED, HIDDEN, HIDDEN)}),
    case_row("case-promises", "get", "/cases/{case}/promises/", **CASE_READ),
    case_row("promise-create", "post", "/cases/{case}/promises/new/", data=PROMISE_FORM, **WORKER_ACTION),
    case_row("promise-cancel", "post", "/promises/{promise}/cancel/", data={"reason": "matrix"}, **WORKER_REDIRECT),
    case_row("case-callbacks", "get", "/cases/{case}/callbacks/", **CASE_READ),
    case_row("callback-create", "post", "/cases/{case}/callbacks/new/",
             data={"due_at": "2026-03-03T10:00", "phone": "{phone}"}, **WORKER_REDIRECT),
    case_row("callback-close", "post", "/callbacks/{callback}/close/", data={"status": "done"}, **WORKER_REDIRECT),
    case_row("case-extensions", "get", "/cases/{case}/extensions/", **CASE_READ),
    # A case has one open request at a time: starting another is refused by the rules (the panel says why).
    case_row("extension-create", "post", "/cases/{case}/extensions/new/", data={"sop": "{sop}"}, **WORKER_ACTION),
    case_row("extension-tick", "post", "/extensions/{extension}/tick/", data={"step": "identity"}, **WORKER_ACTION),
    case_row("extension-terms", "post", "/extensions/{extension}/terms/", data=TERMS, **WORKER_ACTION),
    case_row("extension-cancel", "post", "/extensions/{extension}/cancel/", data={"reason": "matrix"},
             **WORKER_REDIRECT),
    case_row("extension-apply", "post", "/extensions/{extension}/apply/", **WORKER_ACTION),
    screen("extension-queue", "/extensions/approvals/", **NOBODY, agent=DENIED, lead=OK, supervisor=OK, admin=DENIED,
           analyst=DENIED),
    case_row("extension-decide", "post", "/extensions/{extension}/decide/", data={"decision": "reject", "reason": "x"},
             **NOBODY, agent=DENIED, lead=(MOVED, MOVED, HIDDEN), supervisor=MOVED, admin=DENIED, analyst=DENIED),
    # Team leads' and supervisors' day
    screen("today", "/today/", **NOBODY, agent=DENIED, lead=OK, supervisor=OK, admin=DENIED, analyst=DENIED),
    screen("cases-unworked", "/cases/unworked/", **NOBODY, agent=DENIED, lead=OK, supervisor=OK, admin=OK, analyst=OK),
    # A case with an agent is not among them: the form refuses it (200 with the error), nothing moves.
    # Moving and locking cases is work: the administrator reads these lists and is refused every action.
    *[row("cases-unworked", "post", "/cases/unworked/", data={**action, "cases": "{case}", "reason": "matrix"},
          variants=(OWN,), **NOBODY, agent=DENIED, lead=OK, supervisor=OK, admin=DENIED, analyst=DENIED)
      for action in BOARD_ACTIONS],
    # Team boards
    screen("teams", "/teams/", **NOBODY, agent=DENIED, lead=MOVED, supervisor=OK, admin=OK, analyst=OK),
    row("team-board", "get", "/teams/{team}/", variants=TEAMS, **NOBODY, agent=DENIED, lead=(OK, HIDDEN),
        supervisor=OK, admin=OK, analyst=OK),
    *[row("team-board", "post", "/teams/{team}/", variants=TEAMS, data={**action, "cases": "{case}",
          "reason": "matrix"}, **NOBODY, agent=DENIED, lead=(MOVED, HIDDEN), supervisor=MOVED, admin=DENIED,
          analyst=DENIED) for action in BOARD_ACTIONS],  # fmt: skip
    *[case_row("agent-leave", "post", "/agents/{agent}/leave/", data=dates, **NOBODY, agent=DENIED,
               lead=(MOVED, MOVED, HIDDEN), supervisor=MOVED, admin=DENIED, analyst=DENIED)
      for dates in ({"leave_from": "", "leave_to": ""}, {"leave_from": "2026-03-02", "leave_to": "2026-03-06"})],
    screen("promise-board", "/promise-board/", **REPORT_PAGE),
    screen("promise-pipeline", "/promises/pipeline/", **NOBODY, agent=OK, lead=OK, supervisor=OK, admin=OK,
           analyst=OK),
    # Reports
    screen("report-portfolio", "/reports/", **REPORT_PAGE),
    screen("report-forecast", "/reports/forecast/", **REPORT_PAGE),
    screen("report-agents", "/reports/agents/", **REPORT_PAGE),
    screen("report-promises", "/reports/promises/", **REPORT_PAGE),
    screen("report-cases", "/reports/cases/?figure=bucket&date=2026-02-28&bucket=M1", **REPORT_PAGE),
    # API documentation: for callers with credentials (the docs page, a browser's, for signed-in users)
    screen("schema", "/api/schema/", **{**everyone(OK), "anon": UNAUTH}),
    screen("api-docs", "/api/docs/", **{**everyone(OK), "anon": LOGIN, "dialer": LOGIN, "core": LOGIN}),
    # Core-system API: administrators and core-system tokens
    api("api-book-import", "post", "/api/v1/book/import/", data={"borrowers": [], "loans": [], "payments": []},
        anon=UNAUTH, agent=DENIED, lead=DENIED, supervisor=DENIED, admin=OK, analyst=DENIED, dialer=DENIED, core=OK),
    # A large tape's job: only who sent it sees it (the administrator's, then the core system's)
    api("api-book-import-job", "get", "/api/v1/book/import/jobs/{book_job}/", variants=(OWN, OTHER), anon=UNAUTH,
        agent=DENIED, lead=DENIED, supervisor=DENIED, admin=(OK, HIDDEN), analyst=DENIED, dialer=DENIED,
        core=(HIDDEN, OK)),
    api("api-payments", "post", "/api/v1/payments/", data="{payment}", variants=(OWN,),
        anon=UNAUTH, agent=DENIED, lead=DENIED, supervisor=DENIED, admin=OK, analyst=DENIED, dialer=DENIED, core=OK),
    # Cases API
    # Sessions list the cases their role sees; the core system's token (core:cases) all; a dialer's none.
    api("api-cases", "get", "/api/v1/cases/", anon=UNAUTH, agent=OK, lead=OK, supervisor=OK, admin=OK, analyst=OK,
        dialer=DENIED, core=OK),
    # Reassigning, locking, unlocking: team leads (their teams) and supervisors; the administrator reads
    # the case and is refused; tokens move no case (the core system reads them all).
    *[api("api-case-assign", "post", "/api/v1/cases/{case}/assign/", data={**action, "note": "matrix"},
          variants=CASE_VARIANTS, anon=UNAUTH, agent=(DENIED, HIDDEN, HIDDEN), lead=TEAMS_, supervisor=OK,
          admin=DENIED, analyst=DENIED, dialer=DENIED, core=DENIED)
      for action in ({"agent": "{teammate_username}"}, {"agent": "{agent_username}", "lock": True},
                     {"agent": "{agent_username}", "lock": False})],  # fmt: skip
    api("api-case-extension-sops", "get", "/api/v1/cases/{case}/extension-sops/", variants=CASE_VARIANTS,
        anon=UNAUTH, agent=ANNS, lead=TEAMS_, supervisor=OK, admin=OK, analyst=OK, dialer=HIDDEN, core=HIDDEN),
    api("api-case-extensions", "post", "/api/v1/cases/{case}/extensions/", data=EXTENSION_API,
        variants=CASE_VARIANTS, anon=UNAUTH, agent=(BAD, HIDDEN, HIDDEN), lead=(BAD, BAD, HIDDEN), supervisor=BAD,
        admin=DENIED, analyst=DENIED, dialer=DENIED, core=DENIED),  # fmt: skip
    api("api-extension-approve", "post", "/api/v1/extensions/{extension}/approve/", data={"reason": "matrix"},
        variants=CASE_VARIANTS, anon=UNAUTH, agent=(DENIED, HIDDEN, HIDDEN), lead=TEAMS_, supervisor=OK,
        admin=DENIED, analyst=DENIED, dialer=HIDDEN, core=HIDDEN),  # fmt: skip
    api("api-extension-reject", "post", "/api/v1/extensions/{extension}/reject/", data={"reason": "matrix"},
        variants=CASE_VARIANTS, anon=UNAUTH, agent=(DENIED, HIDDEN, HIDDEN), lead=TEAMS_, supervisor=OK,
        admin=DENIED, analyst=DENIED, dialer=HIDDEN, core=HIDDEN),  # fmt: skip
    # A promise on a case: its workers and integrations holding the promises scope. Every case has an
    # open promise already, so an allowed caller reaches the one-open-promise rule (409); the dialer
    # also names no call behind the promise, which the rules refuse with it (400).
    api("case-promises", "post", "/api/v1/cases/{case}/promises/", data=PROMISE_FORM, variants=CASE_VARIANTS,
        anon=UNAUTH, agent=(CONFLICT, HIDDEN, HIDDEN), lead=(CONFLICT, CONFLICT, HIDDEN), supervisor=CONFLICT,
        admin=DENIED, analyst=DENIED, dialer=BAD, core=CONFLICT),  # fmt: skip
    *COMPLAINT_ROWS,
    # Messages on the screens: the account screen's message panel and sending from it (who may work
    # the case; the engine then decides, and either way the panel answers 200); the message log (every
    # reader role, each over the cases it sees).
    case_row("case-messages", "get", "/cases/{case}/messages/", **NOBODY, agent=ANNS, lead=TEAMS_, supervisor=OK,
             admin=HIDDEN, analyst=HIDDEN),
    case_row("message-send", "post", "/cases/{case}/messages/send/", data={"channel": "sms", "template": "matrix_sms",
             "to": "{phone}"}, **NOBODY, agent=ANNS, lead=TEAMS_, supervisor=OK, admin=HIDDEN, analyst=HIDDEN),
    screen("message-log", "/messages/", **NOBODY, agent=OK, lead=OK, supervisor=OK, admin=OK, analyst=OK),
    # The e-mail's unsubscribe link: anyone holding a signed token; one that is not ours is nobody's.
    row("email-unsubscribe", "get", "/unsubscribe/not-a-token/", **everyone(HIDDEN)),
    row("email-unsubscribe", "post", "/unsubscribe/not-a-token/", **everyone(HIDDEN)),
    *[row(name, method, path, data={}, **NOBODY, agent=DENIED, lead=DENIED, supervisor=got, admin=DENIED,
          analyst=DENIED) for name, method, path, got in STRATEGY_SCREENS],
    # Messages: sessions read those of the cases they see and send on the cases they may work (the
    # engine then decides: SENT); tokens with the messages scope (the core system's) send and read.
    api("api-messages", "get", "/api/v1/messages/", anon=UNAUTH, agent=OK, lead=OK, supervisor=OK, admin=OK,
        analyst=OK, dialer=DENIED, core=OK),
    api("api-messages", "post", "/api/v1/messages/", data={"case_id": "{case}", "template": "matrix_sms",
        "phone_id": "{phone}"}, variants=CASE_VARIANTS, anon=UNAUTH, agent=(SENT, HIDDEN, HIDDEN),
        lead=(SENT, SENT, HIDDEN), supervisor=SENT, admin=DENIED, analyst=DENIED, dialer=DENIED, core=SENT),
    api("api-message", "get", "/api/v1/messages/{message}/", variants=CASE_VARIANTS, anon=UNAUTH, agent=ANNS,
        lead=TEAMS_, supervisor=OK, admin=OK, analyst=OK, dialer=DENIED, core=OK),
    api("api-message-templates", "get", "/api/v1/message-templates/", anon=UNAUTH, agent=OK, lead=OK,
        supervisor=OK, admin=OK, analyst=OK, dialer=DENIED, core=OK),
    # The compliance engine's decision: staff sessions for the phones of the cases they see, dialer tokens.
    api("compliance-check", "get", "/api/v1/compliance/check/?phone_id={phone}", variants=CASE_VARIANTS,
        anon=UNAUTH, agent=DENIED, lead=TEAMS_, supervisor=OK, admin=OK, analyst=DENIED, dialer=OK, core=DENIED),
    # The dialer API: dialer tokens only
    api("dialer-call-list", "get", "/api/v1/dialer/call-list/", **DIALER_ONLY, dialer=OK),
    api("dialer-authorize", "post", "/api/v1/dialer/dial-authorizations/", data={"phone_id": "{phone}",
        "case_id": "{case}"}, variants=(MATE,), **DIALER_ONLY, dialer=CREATED),  # fmt: skip
    api("dialer-authorization-release", "post", "/api/v1/dialer/dial-authorizations/{authorization}/release/",
        variants=(OWN,), **DIALER_ONLY, dialer=OK),
    api("dialer-call", "put", "/api/v1/dialer/calls/matrix-1/", data={"authorization_id": "{authorization}",
        "started_at": "2026-03-01T15:00:05Z"}, variants=(OWN,), **DIALER_ONLY, dialer=CREATED),  # fmt: skip
    # No call matrix-1 was reported in this savepoint: only the dialer gets as far as being told so.
    api("dialer-call-result", "post", "/api/v1/dialer/calls/matrix-1/result/", data={"disposition": "no_answer",
        "talk_seconds": 0, "right_party": False, "conversation": False}, **DIALER_ONLY, dialer=HIDDEN),
    api("dialer-events", "post", "/api/v1/dialer/events/", data={"events": []}, **DIALER_ONLY, dialer=BAD),
    api("dispositions", "get", "/api/v1/dispositions/", **DIALER_ONLY, dialer=OK),
    # The do-not-call register: dialer and core-system tokens (both hold the dnc scope)
    api("dnc", "get", "/api/v1/dnc/", **{**DIALER_ONLY, "core": OK}, dialer=OK),
    # VICIdial sends its token in the URL; a session or a header token is nobody there.
    api("vicidial-dispo", "get", "/api/v1/integrations/vicidial/dispo/?call_id=V1&dispo=NA&token={token}",
        **{**DIALER_ONLY, "agent": UNAUTH, "lead": UNAUTH, "supervisor": UNAUTH, "admin": UNAUTH,
           "analyst": UNAUTH}, dialer=BAD),  # fmt: skip
    # The SMS provider's callbacks: no token, only the provider's signature; with no provider that calls
    # back configured (these settings: the console), every caller is told there is no such integration.
    row("api-sms-status", "post", "/api/v1/integrations/sms/twilio/status/", **everyone(HIDDEN)),
    row("api-sms-inbound", "post", "/api/v1/integrations/sms/twilio/inbound/", **everyone(HIDDEN)),
    # The report API: analysts, supervisors, administrators
    *[api(f"api-report-{figure}", "get", f"/api/v1/reports/{figure}/", **REPORT_API) for figure in (
        "bucket-balances", "roll-matrix", "flow-rates", "cure-rates", "entry-rates", "exit-rates", "vintage",
        "forecast", "agents", "promises")],
    api("api-strategy-results", "get", "/api/v1/strategies/standard/segments/m1/results/", **REPORT_API),
    # The admin site (its model pages are in ADMIN_MODELS below)
    screen("admin:index", "/admin/", **STAFF_OK),
    screen("admin:login", "/admin/login/", anon=OK, agent=OK, analyst=OK, dialer=OK, core=OK, lead=MOVED,
           supervisor=MOVED, admin=MOVED),
    # Staff are logged out (to the login page); anyone else is sent to the admin's index.
    row("admin:logout", "post", "/admin/logout/", anon=MOVED, agent=MOVED, analyst=MOVED, dialer=MOVED, core=MOVED,
        lead=LOGIN, supervisor=LOGIN, admin=LOGIN),
    screen("admin:password_change", "/admin/password_change/", **STAFF_OK),
    screen("admin:password_change_done", "/admin/password_change/done/", **STAFF_OK),
    screen("admin:autocomplete", "/admin/autocomplete/", **ADMIN_STAFF, lead=DENIED, supervisor=DENIED, admin=DENIED),
    screen("admin:jsi18n", "/admin/jsi18n/", **STAFF_OK),
    # Setting another user's password: whoever may change users (administrators).
    screen("admin:auth_user_password_change", "/admin/auth/user/{user}/password/", **ADMIN_STAFF, lead=DENIED,
           supervisor=DENIED, admin=OK),
    # Nothing in the admin has a page on the site to show.
    row("admin:view_on_site", "get", "/admin/r/{case_type}/{case}/", variants=CASE_VARIANTS, **ADMIN_STAFF,
        lead=HIDDEN, supervisor=HIDDEN, admin=HIDDEN),
    row("admin:app_list", "get", "/admin/{app}/", variants=APPS, **ADMIN_STAFF,
        lead=(HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN),
        supervisor=(HIDDEN, OK, HIDDEN, OK, OK, HIDDEN),
        admin=(OK, OK, HIDDEN, OK, OK, OK)),
]

def _fill(value: Any, names: dict[str, Any]) -> Any:
    """``"{case}"`` -> the variant's case id, in strings, lists and dicts alike (a whole ``"{payment}"`` too)."""
    if isinstance(value, str):
        whole = re.fullmatch(r"\{(\w+)\}", value)
        if whole and not isinstance(names.get(whole.group(1)), str | int):
            return names[whole.group(1)]
        return value.format(**names)
    if isinstance(value, list):
        return [_fill(item, names) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, names) for key, item in value.items()}
    return value


def _names(world: World, role: str, variant: str) -> dict[str, Any]:
    from collections_app.models import ExtensionSop, ScorecardItem

    names: dict[str, Any] = dict(world.objects.get(variant, {})) if variant in world.objects else {}
    names.update(
        app=variant, token=world.tokens.get(role, ""), sop=ExtensionSop.objects.filter(active=True).first().pk,  # type: ignore[union-attr]
        case_type=ContentType.objects.get_for_model(Case).pk, user=world.users[AGENT],
        qa_answers=dict.fromkeys(ScorecardItem.objects.filter(scorecard__is_active=True).values_list("code", flat=True), "met"),
    )
    names["qa_form"] = {f"item-{code}": result for code, result in names["qa_answers"].items()}
    return names


def call(world: World, role: str, entry: Row, variant: str) -> Any:
    from tests.collections_app.contact_fixtures import outcome as outcome_form

    names = _names(world, role, variant)
    client = world.client(role)
    path = _fill(entry.path, names)
    data = outcome_form(entry.data) if entry.data == "no_answer" else _fill(entry.data, names)
    if entry.json:
        body = json.dumps(data) if data is not None else None
        return getattr(client, entry.method)(path, body, content_type="application/json") if body else getattr(
            client, entry.method
        )(path)
    return getattr(client, entry.method)(path, data or {})


# The tests ------------------------------------------------------------------------------------


def _per_variant(entry: Row, expected: Outcome) -> dict[str, str]:
    cells = expected if isinstance(expected, tuple) else (expected,) * len(entry.variants)
    return dict(zip(entry.variants, cells, strict=True))


@pytest.mark.parametrize("entry", MATRIX, ids=lambda entry: entry.id)
def test_each_role_gets_what_the_matrix_says(world: World, db: None, entry: Row) -> None:
    wanted = {role: _per_variant(entry, entry.expect[role]) for role in ROLES}

    got = by_role(lambda role: {variant: outcome(call(world, role, entry, variant)) for variant in entry.variants})

    assert got == wanted, refusals(got, wanted, f"{entry.id} {entry.path}")


def test_only_who_may_work_a_case_is_offered_a_reveal_and_a_refused_one_records_nothing(world: World, db: None) -> None:
    from accounts.models import PiiReveal

    case, phone = world.objects[OWN]["case"], world.objects[OWN]["phone"]
    readers = (AGENT, LEAD, SUPERVISOR, ADMIN, ANALYST)
    reveals = PiiReveal.objects.count()

    offered = {role: f"/cases/{case}/reveal/" in world.client(role).get(f"/cases/{case}/").content.decode()
               for role in readers}  # fmt: skip
    refused = world.client(ANALYST).post(f"/cases/{case}/reveal/", {"field": f"phone:{phone}", "reason": "curious"})

    assert offered == {AGENT: True, LEAD: True, SUPERVISOR: True, ADMIN: False, ANALYST: False}
    assert refused.status_code == 404
    assert PiiReveal.objects.count() == reveals


def _named_patterns(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", _route(prefix + str(pattern.pattern))


def _route(route: str) -> str:
    return route.replace("^", "").replace("\\Z", "").replace("$", "")


def test_every_named_url_is_in_the_matrix() -> None:
    """A new URL must be added to MATRIX (or ADMIN_MODELS) with what every role gets there."""
    names = {"case": 1, "phone": 1, "attempt": 1, "promise": 1, "callback": 1, "extension": 1, "agent": 1,
             "team": 1, "authorization": "a", "token": "t", "sop": 1, "case_type": 1, "app": "accounts",
             "teammate_username": "u", "payment": {}, "user": 1, "complaint": 1, "dispute": 1,
             "review": 1, "message": 1, "book_job": 1}  # fmt: skip
    covered = set()
    for entry in MATRIX:
        match = resolve(_fill(entry.path, names).split("?")[0])
        covered.add((match.view_name, _route(match.route)))
    for model in ADMIN_MODELS:
        for page in ADMIN_PAGES:
            match = resolve(admin_url(model, page, 1))
            covered.add((match.view_name, _route(match.route)))
    registered = {model._meta.label_lower for model in admin.site._registry}

    missing = sorted(set(_named_patterns(get_resolver().url_patterns)) - covered)

    assert not missing, f"URL patterns with no row in the authorization matrix: {missing}"
    assert registered == set(ADMIN_MODELS), "every model in the admin needs a row in ADMIN_MODELS"
