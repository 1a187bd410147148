"""Idempotency-Key on POST: a retry gets the first response; the same key with another body is 422."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from collections_app.api.dialer.idempotency import idempotency_records_purge
from collections_app.models import ContactAttempt, IdempotencyRecord, PromiseToPay
from collections_app.services.promise_policy import promise_policies_ensure
from tests.api.conftest import CaseDebt, Clock, Dialer, dialer_client, open_case_debt
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/dialer/dial-authorizations/"


def test_a_retried_authorization_gets_the_first_answer_and_reserves_once(dialer: Dialer, debt: CaseDebt) -> None:
    first = dialer.post(URL, {"phone_id": debt.phone.pk}, **{"Idempotency-Key": "k-1"})
    retry = dialer.post(URL, {"phone_id": debt.phone.pk}, **{"Idempotency-Key": "k-1"})

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert ContactAttempt.objects.count() == 1


def test_key_order_and_spacing_do_not_make_another_body(dialer: Dialer, debt: CaseDebt) -> None:
    dialer.post(URL, {"phone_id": debt.phone.pk, "agent": None}, **{"Idempotency-Key": "k-1"})
    retry = dialer.client.post(
        URL, data=f'{{ "agent": null,  "phone_id": {debt.phone.pk} }}', content_type="application/json",
        headers={"Idempotency-Key": "k-1"},
    )  # fmt: skip

    assert retry.status_code == 201
    assert ContactAttempt.objects.count() == 1


def test_the_same_key_with_another_body_is_422_and_does_nothing(dialer: Dialer, debt: CaseDebt) -> None:
    other = open_case_debt()
    dialer.post(URL, {"phone_id": debt.phone.pk}, **{"Idempotency-Key": "k-1"})

    response = dialer.post(URL, {"phone_id": other.phone.pk}, **{"Idempotency-Key": "k-1"})

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert ContactAttempt.objects.count() == 1


def test_the_same_key_on_another_endpoint_is_422(dialer: Dialer, debt: CaseDebt) -> None:
    dialer.post(URL, {"phone_id": debt.phone.pk}, **{"Idempotency-Key": "k-1"})

    response = dialer.post("/api/v1/dnc/", {"type": "do_not_call", "number": "+12125550123"}, **{"Idempotency-Key": "k-1"})

    assert response.status_code == 422


def test_a_refusal_is_replayed_as_it_was(dialer: Dialer, debt: CaseDebt) -> None:
    for _ in range(7):
        dialer.post(URL, {"phone_id": debt.phone.pk})
    refused = dialer.post(URL, {"phone_id": debt.phone.pk}, **{"Idempotency-Key": "k-8"})

    replay = dialer.post(URL, {"phone_id": debt.phone.pk}, **{"Idempotency-Key": "k-8"})

    assert refused.status_code == replay.status_code == 409
    assert replay.json() == refused.json()


def test_an_error_is_not_stored_so_a_corrected_retry_runs(dialer: Dialer, debt: CaseDebt) -> None:
    bad = dialer.post(URL, {"phone_id": "x"}, **{"Idempotency-Key": "k-1"})

    good = dialer.post(URL, {"phone_id": debt.phone.pk}, **{"Idempotency-Key": "k-1"})

    assert (bad.status_code, good.status_code) == (400, 201)


def test_keys_belong_to_their_integration(dialer: Dialer, debt: CaseDebt) -> None:
    other = dialer_client("other-dialer")
    dialer.post(URL, {"phone_id": debt.phone.pk}, **{"Idempotency-Key": "k-1"})

    response = other.post(URL, {"phone_id": debt.phone.pk}, **{"Idempotency-Key": "k-1"})

    assert response.status_code == 201
    assert ContactAttempt.objects.count() == 2


def test_a_key_longer_than_255_characters_is_400(dialer: Dialer, debt: CaseDebt) -> None:
    response = dialer.post(URL, {"phone_id": debt.phone.pk}, **{"Idempotency-Key": "k" * 256})

    assert response.status_code == 400
    assert not ContactAttempt.objects.exists()


def test_a_users_key_is_kept_for_the_user(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    supervisor = UserFactory(username="sup")
    supervisor.groups.add(Group.objects.get_or_create(name="supervisor")[0])
    client = APIClient()
    client.force_authenticate(supervisor)
    promise_policies_ensure()
    debt.case.overdue_amount = Decimal("10.00")
    debt.case.save()
    body = {"amount": "1.00", "date": "2026-04-08"}

    first = client.post(f"/api/v1/cases/{debt.case.pk}/promises/", body, format="json", headers={"Idempotency-Key": "u-1"})
    second = client.post(f"/api/v1/cases/{debt.case.pk}/promises/", body, format="json", headers={"Idempotency-Key": "u-1"})

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert IdempotencyRecord.objects.filter(user=supervisor, integration=None).count() == 1
    assert PromiseToPay.objects.count() == 1


def test_old_records_are_purged_after_a_day(dialer: Dialer, debt: CaseDebt, clock: Clock) -> None:
    dialer.post(URL, {"phone_id": debt.phone.pk}, **{"Idempotency-Key": "k-1"})

    assert idempotency_records_purge(now=clock.advance(hours=23)) == 0
    assert idempotency_records_purge(now=clock.advance(hours=2)) == 1
