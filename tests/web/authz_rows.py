"""The authorization matrix's vocabulary: a row (a URL pattern, a way to call it, what each role gets)
and the cells that many rows share. Used by ``test_authorization_matrix`` and the row modules beside it
(``authz_complaints``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.web.authz_world import (
    ADMIN,
    AGENT,
    ANALYST,
    ANON,
    CASE_VARIANTS,
    CONFLICT,
    CORE,
    DENIED,
    DIALER,
    HIDDEN,
    LEAD,
    LOGIN,
    MOVED,
    OK,
    OTHER,
    OWN,
    SUPERVISOR,
    UNAUTH,
)

TEAMS = (OWN, OTHER)  # Ann's team (led by Lee) and Carl's
APPS = ("auth", "django_celery_beat", "axes", "accounts", "collections_app", "scheduling")

Outcome = str | tuple[str, ...]


@dataclass(frozen=True)
class Row:
    """One URL pattern and one way to call it, with what each role gets (per variant when a tuple)."""

    name: str
    method: str
    path: str  # ``{case}``, ``{phone}`` ... are the variant's objects (``authz_world``)
    expect: dict[str, Outcome]
    data: Any = None
    variants: tuple[str, ...] = ("",)
    json: bool = False

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.name}"


# The matrix's columns, as the keyword arguments of ``row``.
COLUMNS = {"anon": ANON, "agent": AGENT, "lead": LEAD, "supervisor": SUPERVISOR, "admin": ADMIN,
           "analyst": ANALYST, "dialer": DIALER, "core": CORE}  # fmt: skip


def row(name: str, method: str, path: str, *, data: Any = None, variants: tuple[str, ...] = ("",),
        json_body: bool = False, **expect: Outcome) -> Row:  # fmt: skip
    assert set(expect) == set(COLUMNS), f"{name}: every role needs a cell, missing {set(COLUMNS) - set(expect)}"
    return Row(name, method, path, {COLUMNS[k]: v for k, v in expect.items()}, data, variants, json_body)


def everyone(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(COLUMNS, outcome)


def screen(name: str, path: str, **expect: Outcome) -> Row:
    return row(name, "get", path, **expect)


def case_row(name: str, method: str, path: str, *, data: Any = None, **expect: Outcome) -> Row:
    return row(name, method, path, data=data, variants=CASE_VARIANTS, **expect)


def api(name: str, method: str, path: str, *, data: Any = None, variants: tuple[str, ...] = ("",),
        **expect: Outcome) -> Row:
    return row(name, method, path, data=data, variants=variants, json_body=True, **expect)


# Roles that may work a case: (own, mate, other) as Ann, Lee and a supervisor see them.
ANNS = (OK, HIDDEN, HIDDEN)
TEAMS_ = (OK, OK, HIDDEN)
# HTML screens: anonymous users and integration tokens are sent to the login page.
NOBODY = {"anon": LOGIN, "dialer": LOGIN, "core": LOGIN}
REPORT_PAGE = {**NOBODY, "agent": DENIED, "lead": OK, "supervisor": OK, "admin": OK, "analyst": OK}
REPORT_API = {"anon": UNAUTH, "agent": DENIED, "lead": DENIED, "supervisor": OK, "admin": OK, "analyst": OK,
              "dialer": DENIED, "core": DENIED}  # fmt: skip
QA_NOBODY = {"anon": UNAUTH, "admin": DENIED, "analyst": DENIED, "dialer": DENIED, "core": DENIED}
CASE_READ = {**NOBODY, "agent": ANNS, "lead": TEAMS_, "supervisor": OK, "admin": OK, "analyst": OK}
# Contact actions: only who may work the case; everyone else (anonymous too) is told nothing exists.
CASE_WORK = {"anon": HIDDEN, "agent": ANNS, "lead": TEAMS_, "supervisor": OK, "admin": HIDDEN, "analyst": HIDDEN,
             "dialer": HIDDEN, "core": HIDDEN}  # fmt: skip
CASE_PANEL = {**CASE_READ, "anon": HIDDEN, "dialer": HIDDEN, "core": HIDDEN}
# Promise, callback and extension actions: the workers' roles, then who may work the case.
WORKER_ACTION = {**NOBODY, "agent": ANNS, "lead": TEAMS_, "supervisor": OK, "admin": DENIED, "analyst": DENIED}
WORKER_REDIRECT = {**WORKER_ACTION, "agent": (MOVED, HIDDEN, HIDDEN), "lead": (MOVED, MOVED, HIDDEN),
                   "supervisor": MOVED}  # fmt: skip
DIALER_ONLY = {"anon": UNAUTH, "agent": DENIED, "lead": DENIED, "supervisor": DENIED, "admin": DENIED,
               "analyst": DENIED, "core": DENIED}  # fmt: skip
ADMIN_STAFF = {"anon": LOGIN, "agent": LOGIN, "analyst": LOGIN, "dialer": LOGIN, "core": LOGIN}
STAFF_OK = {**ADMIN_STAFF, "lead": OK, "supervisor": OK, "admin": OK}

# The board's actions on cases (the lists' select-and-act form): move to an agent, lock, unlock.
BOARD_ACTIONS = ({"action": "reassign", "agent": "{agent}"}, {"action": "lock"}, {"action": "unlock"})
PROMISE_FORM = {"amount": "200.00", "date": "2026-03-12"}
TERMS = {"installment": "2", "days_deferred": "30", "penalty_waiver": "50", "interest_waiver": "0",
         "down_payment": "0", "hardship_reason": "job_loss", "action": "preview"}  # fmt: skip
# A text on a world's case: no phone there consented to texts, so whoever may send reaches the engine's
# refusal (409, no_sms_consent); the roles' and the tokens' refusals come before it.
SENT = CONFLICT
EXTENSION_API = {"sop": "{sop}", "steps_completed": [], "installment_seqs": [2], "days_deferred": 30,
                 "hardship_reason": "job_loss"}  # fmt: skip
