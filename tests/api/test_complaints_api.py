"""The complaints and disputes API: register, list, update; open and resolve a dispute; errors, idempotency."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from accounts.models import Installment
from collections_app.models import Complaint, Dispute
from scheduling.engine import evaluate
from tests.collections_app.complaint_fixtures import complaint_presets_ensure
from tests.collections_app.contact_fixtures import (  # noqa: F401
    MORNING,
    at_fixture,
    contact_data_fixture,
    first_phone,
    floor_fixture,
    login,
    open_case,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _presets(contact_data: None) -> None:
    complaint_presets_ensure()


def post(client, path, body, **headers):  # type: ignore[no-untyped-def]
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def patch(client, path, body):  # type: ignore[no-untyped-def]
    return client.patch(path, json.dumps(body), content_type="application/json")


def complaint_body(case, **fields):  # type: ignore[no-untyped-def]
    return {"case_id": case.pk, "category": "communication_tactics", "channel": "call",
            "description": "The agent raised his voice.", **fields}  # fmt: skip


def codes(case):  # type: ignore[no-untyped-def]
    return evaluate(phone=first_phone(case), at=MORNING, account=case.account).codes


def test_an_agent_registers_a_complaint_that_holds_and_the_lead_resolves_it_through_the_api(floor, at):
    case = open_case(floor.ann)

    created = post(login(floor.ann.user), "/api/v1/complaints/", complaint_body(case))

    assert created.status_code == 201
    body = created.json()
    assert (body["case_id"], body["category"], body["holds_collection"], body["status"], body["owner"]) == (
        case.pk, "communication_tactics", True, "received", "lead",
    )  # fmt: skip
    assert body["overdue"] is False and body["acknowledge_by"] < body["resolve_by"]
    assert codes(case) == ["complaint_open"]

    resolved = patch(login(floor.lead), f"/api/v1/complaints/{body['id']}/", {
        "status": "resolved", "resolution": "partly_upheld", "root_cause": "agent_conduct",
        "resolution_note": "Apologised; coached.",
    })  # fmt: skip

    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved"
    assert codes(case) == []


def test_bad_input_answers_the_error_body_and_writes_nothing(floor, at):
    case = open_case(floor.ann)

    response = post(login(floor.ann.user), "/api/v1/complaints/", complaint_body(case, category="nope", channel="pigeon"))

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"message", "errors", "code"} and body["code"] == "invalid"
    assert "channel" in body["errors"]
    assert not Complaint.objects.exists()


def test_a_resolution_without_its_root_cause_is_refused_field_by_field(floor, at):
    case = open_case(floor.ann)
    complaint_id = post(login(floor.ann.user), "/api/v1/complaints/", complaint_body(case)).json()["id"]

    response = patch(login(floor.lead), f"/api/v1/complaints/{complaint_id}/", {"status": "resolved", "owner": "bob"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"resolution", "root_cause", "resolution_note"}
    # all or nothing: the reassignment in the same request did not happen either
    assert Complaint.objects.get().owner == floor.lead


def test_a_retried_post_with_the_same_idempotency_key_answers_the_first_and_another_body_is_422(floor, at):
    case = open_case(floor.ann)
    client = login(floor.ann.user)

    first = post(client, "/api/v1/complaints/", complaint_body(case), HTTP_IDEMPOTENCY_KEY="k-1")
    again = post(client, "/api/v1/complaints/", complaint_body(case), HTTP_IDEMPOTENCY_KEY="k-1")
    other = post(client, "/api/v1/complaints/", complaint_body(case, description="Other."), HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert other.json()["code"] == "idempotency_key_reused"
    assert Complaint.objects.count() == 1


def test_the_answer_kept_for_a_retry_holds_the_borrowers_words_encrypted_and_replays_them(floor, at):
    case = open_case(floor.ann)
    client = login(floor.ann.user)
    words = "The agent told my neighbour Hermione Castellane about my debt."

    first = post(client, "/api/v1/complaints/", complaint_body(case, description=words), HTTP_IDEMPOTENCY_KEY="k-2")
    again = post(client, "/api/v1/complaints/", complaint_body(case, description=words), HTTP_IDEMPOTENCY_KEY="k-2")

    with connection.cursor() as cursor:
        cursor.execute("SELECT response_body FROM collections_app_idempotencyrecord")
        (stored,) = cursor.fetchone()
    assert stored.startswith("pii1:") and "Castellane" not in stored
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert again.json()["description"] == words


def test_an_agent_lists_only_the_complaints_on_their_own_cases_and_a_lead_the_teams(floor, at):
    mine, bobs = open_case(floor.ann), open_case(floor.bob)
    post(login(floor.ann.user), "/api/v1/complaints/", complaint_body(mine))
    post(login(floor.bob.user), "/api/v1/complaints/", complaint_body(bobs, category="fees"))

    def listed(user, query=""):  # type: ignore[no-untyped-def]
        return sorted(c["case_id"] for c in login(user).get(f"/api/v1/complaints/{query}").json()["results"])

    assert listed(floor.ann.user) == [mine.pk]
    assert listed(floor.lead) == sorted([mine.pk, bobs.pk])
    assert listed(floor.other_lead) == []
    assert listed(floor.lead, "?overdue=true") == []
    assert listed(floor.lead, "?mine=true") == sorted([mine.pk, bobs.pk])


def test_the_overdue_filter_finds_a_complaint_past_its_deadline(floor, at):
    case = open_case(floor.ann)
    post(login(floor.ann.user), "/api/v1/complaints/", complaint_body(case, received_at=(MORNING - dt.timedelta(days=30)).isoformat()))

    results = login(floor.lead).get("/api/v1/complaints/?overdue=true").json()["results"]

    assert [(c["case_id"], c["overdue"]) for c in results] == [(case.pk, True)]


def test_a_dispute_opened_through_the_api_holds_until_a_lead_upholds_it_with_a_correction(floor, at):
    case = open_case(floor.ann)
    Installment.objects.create(loan=case.account, seq=1, due_date=dt.date(2026, 3, 1), principal_due=Decimal("200.00"),
                               fee_due=Decimal("25.00"))  # fmt: skip

    opened = post(login(floor.ann.user), "/api/v1/disputes/", {"case_id": case.pk, "reason": "Fee charged twice."})
    again = post(login(floor.ann.user), "/api/v1/disputes/", {"case_id": case.pk})

    assert (opened.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == opened.json()["id"]
    assert "dispute" in codes(case)
    dispute_id = opened.json()["id"]
    refused = post(login(floor.ann.user), f"/api/v1/disputes/{dispute_id}/resolve/", {"outcome": "rejected", "verification": "x"})
    assert refused.status_code == 403

    resolved = post(login(floor.lead), f"/api/v1/disputes/{dispute_id}/resolve/", {
        "outcome": "upheld", "verification": "Billing checked.", "corrections": [{"seq": 1, "component": "fee", "amount": "25.00"}],
    })  # fmt: skip

    assert resolved.status_code == 200
    assert resolved.json()["corrections"] == [{"seq": 1, "component": "fee", "amount": "25.00"}]
    assert Installment.objects.get(loan=case.account).fee_due == Decimal("0.00")
    assert Dispute.objects.get().status == "upheld"
    assert "dispute" not in codes(case)


def test_the_schema_documents_the_complaint_and_dispute_operations_with_examples(db):
    schema = login_schema()

    for operation in ("complaints_create", "complaints_list", "complaints_update", "disputes_open", "disputes_resolve"):
        assert f"operationId: {operation}" in schema
    assert "crm-5521" in schema


def login_schema() -> str:
    client = Client()
    client.force_login(UserFactory(username="schema-reader"))
    return client.get("/api/schema/").content.decode()
