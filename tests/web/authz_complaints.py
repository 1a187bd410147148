"""The authorization matrix's rows for complaints, disputes and call reviews (screens and API), in
``test_authorization_matrix.MATRIX``. The objects are ``authz_world``'s: a complaint about fees on each
variant's case, naming its call (so each call is in the week's review sample), and a dispute on each
team's spare case (OWN: Bob's, Ann's teammate; OTHER: Dan's, in Carl's team)."""

from __future__ import annotations

from tests.web.authz_rows import (
    ANNS,
    CASE_READ,
    NOBODY,
    QA_NOBODY,
    TEAMS,
    TEAMS_,
    WORKER_ACTION,
    Row,
    api,
    case_row,
    row,
    screen,
)
from tests.web.authz_world import (
    CASE_VARIANTS,
    CREATED,
    DENIED,
    HIDDEN,
    MOVED,
    OK,
    OTHER,
    OWN,
    UNAUTH,
)

COMPLAINT_ROWS: list[Row] = [
    # Complaints and disputes: sessions by the cases they see (registering: who may work the case),
    # tokens with the complaints scope. Updating a complaint is for its team lead, a supervisor or its
    # owner, never the agent complained about (Ann, on her own case's); resolving a dispute (on each
    # team's spare case) for team leads and supervisors.
    api("api-complaints", "get", "/api/v1/complaints/", anon=UNAUTH, agent=OK, lead=OK, supervisor=OK, admin=OK,
        analyst=OK, dialer=OK, core=OK),
    api("api-complaints", "post", "/api/v1/complaints/", data={"case_id": "{case}", "category": "fees",
        "channel": "call", "description": "matrix"}, variants=CASE_VARIANTS, anon=UNAUTH,
        agent=(CREATED, HIDDEN, HIDDEN), lead=(CREATED, CREATED, HIDDEN), supervisor=CREATED, admin=DENIED,
        analyst=DENIED, dialer=CREATED, core=CREATED),  # fmt: skip
    api("api-complaint", "get", "/api/v1/complaints/{complaint}/", variants=CASE_VARIANTS, anon=UNAUTH,
        agent=ANNS, lead=TEAMS_, supervisor=OK, admin=OK, analyst=OK, dialer=OK, core=OK),
    api("api-complaint", "patch", "/api/v1/complaints/{complaint}/", data={"status": "acknowledged"},
        variants=CASE_VARIANTS, anon=UNAUTH, agent=(DENIED, HIDDEN, HIDDEN), lead=TEAMS_, supervisor=OK,
        admin=DENIED, analyst=DENIED, dialer=DENIED, core=DENIED),  # fmt: skip
    api("api-disputes", "get", "/api/v1/disputes/", anon=UNAUTH, agent=OK, lead=OK, supervisor=OK, admin=OK,
        analyst=OK, dialer=OK, core=OK),
    api("api-disputes", "post", "/api/v1/disputes/", data={"case_id": "{case}", "reason": "matrix"},
        variants=CASE_VARIANTS, anon=UNAUTH, agent=(CREATED, HIDDEN, HIDDEN), lead=(CREATED, CREATED, HIDDEN),
        supervisor=CREATED, admin=DENIED, analyst=DENIED, dialer=CREATED, core=CREATED),  # fmt: skip
    api("api-dispute-resolve", "post", "/api/v1/disputes/{dispute}/resolve/", data={"outcome": "rejected",
        "verification": "matrix"}, variants=(OWN, OTHER), anon=UNAUTH, agent=HIDDEN, lead=(OK, HIDDEN),
        supervisor=OK, admin=DENIED, analyst=DENIED, dialer=DENIED, core=DENIED),  # fmt: skip
    # Complaints on the screens: the account screen's panel (read like the case), logging one (who may
    # work the case), the queue of the open ones and resolving one (team leads their team's, supervisors all).
    case_row("case-complaints", "get", "/cases/{case}/complaints/", **CASE_READ),
    case_row("complaint-create", "post", "/cases/{case}/complaints/new/", data={"category": "fees",
             "channel": "call", "description": "matrix"}, **WORKER_ACTION),  # fmt: skip
    screen("complaint-queue", "/complaints/", **NOBODY, agent=DENIED, lead=OK, supervisor=OK, admin=DENIED,
           analyst=DENIED),
    case_row("complaint-resolve", "post", "/complaints/{complaint}/resolve/", data={"resolution": "rejected",
             "root_cause": "other", "note": "matrix"}, **NOBODY, agent=DENIED, lead=(MOVED, MOVED, HIDDEN),
             supervisor=MOVED, admin=DENIED, analyst=DENIED),  # fmt: skip
    # Call review screens: the reviewers' queue and one's own reviews; a review as the API shows it (a
    # team lead's or supervisor's score is saved, then back to the list).
    screen("qa-reviews", "/reviews/", **NOBODY, agent=OK, lead=OK, supervisor=OK, admin=DENIED, analyst=DENIED),
    case_row("qa-review", "get", "/reviews/{review}/", **NOBODY, agent=ANNS, lead=TEAMS_, supervisor=OK,
             admin=DENIED, analyst=DENIED),
    case_row("qa-review", "post", "/reviews/{review}/", data="{qa_form}", **NOBODY, agent=(DENIED, HIDDEN, HIDDEN),
             lead=(MOVED, MOVED, HIDDEN), supervisor=MOVED, admin=DENIED, analyst=DENIED),
    # Call reviews: sessions only. An agent reads the reviews of their own calls, a team lead the team's,
    # a supervisor all; scoring is for team leads (their team's) and supervisors, never the agent of the call.
    api("api-qa-reviews", "get", "/api/v1/qa/reviews/", **QA_NOBODY, agent=OK, lead=OK, supervisor=OK),
    api("api-qa-queue", "get", "/api/v1/qa/queue/", **QA_NOBODY, agent=DENIED, lead=OK, supervisor=OK),
    api("api-qa-review", "get", "/api/v1/qa/reviews/{review}/", variants=CASE_VARIANTS, **QA_NOBODY, agent=ANNS,
        lead=TEAMS_, supervisor=OK),
    api("api-qa-review-score", "post", "/api/v1/qa/reviews/{review}/score/", data={"answers": "{qa_answers}"},
        variants=CASE_VARIANTS, **QA_NOBODY, agent=(DENIED, HIDDEN, HIDDEN), lead=TEAMS_, supervisor=OK),
    # The complaint queue's steps (team leads their team's, supervisors all; never the agent complained
    # about) and the agent's own complaints.
    case_row("complaint-acknowledge", "post", "/complaints/{complaint}/acknowledge/", **NOBODY, agent=DENIED,
             lead=(MOVED, MOVED, HIDDEN), supervisor=MOVED, admin=DENIED, analyst=DENIED),
    case_row("complaint-assign", "post", "/complaints/{complaint}/assign/", data={"owner": ""}, **NOBODY,
             agent=DENIED, lead=(MOVED, MOVED, HIDDEN), supervisor=MOVED, admin=DENIED, analyst=DENIED),
    screen("my-complaints", "/complaints/mine/", **NOBODY, agent=OK, lead=DENIED, supervisor=DENIED, admin=DENIED,
           analyst=DENIED),
    # Disputes on the screens: the account screen's panel (read like the case), opening one (who may work
    # the case), a dispute's page (who reads its debt's case) and recording the verification (team leads
    # their team's, supervisors all).
    case_row("case-disputes", "get", "/cases/{case}/disputes/", **CASE_READ),
    case_row("dispute-create", "post", "/cases/{case}/disputes/new/", data={"reason": "matrix"}, **WORKER_ACTION),
    row("dispute-detail", "get", "/disputes/{dispute}/", variants=TEAMS, **NOBODY, agent=HIDDEN, lead=(OK, HIDDEN),
        supervisor=OK, admin=OK, analyst=OK),
    row("dispute-resolve", "post", "/disputes/{dispute}/resolve/", data={"outcome": "rejected",
        "verification": "matrix"}, variants=TEAMS, **NOBODY, agent=DENIED, lead=(MOVED, HIDDEN), supervisor=MOVED,
        admin=DENIED, analyst=DENIED),  # fmt: skip
]
