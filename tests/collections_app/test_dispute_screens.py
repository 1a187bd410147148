"""The dispute screens: opened from the account screen (the Call is refused with ``dispute`` at once),
the debt's disputes with their status, the dispute's page where a team lead or supervisor records
the verification and resolves it upheld (the amount corrected through the schedule, audited) or
rejected, after which the call goes through; refusals and bad input change nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from accounts.models import AuditEntry, Installment
from collections_app import roles
from collections_app.models import Dispute
from collections_app.services.disputes import dispute_open
from tests.collections_app.contact_fixtures import (  # noqa: F401
    MORNING,
    Floor,
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
def _clock(contact_data: None, at: object) -> None:
    """The screens stand at MORNING (``at``), inside the borrowers' calling window."""


def call(case, user):  # type: ignore[no-untyped-def]
    return login(user).post(f"/cases/{case.pk}/calls/", {"phone": first_phone(case).pk}).content.decode()


def disputed(case) -> Dispute:  # type: ignore[no-untyped-def]
    Installment.objects.create(loan=case.account, seq=1, due_date=dt.date(2026, 3, 1), principal_due=Decimal("200.00"),
                               fee_due=Decimal("25.00"))  # fmt: skip
    return dispute_open(account=case.account, case=case, via="agent", actor=None, reason="Fee charged twice.", at=MORNING)


def test_an_agent_opens_a_dispute_from_the_account_screen_and_the_call_is_refused_with_dispute(floor: Floor) -> None:
    case = open_case(floor.ann)
    ann = login(floor.ann.user)
    assert 'id="disputes-panel"' in ann.get(f"/cases/{case.pk}/").content.decode()

    opened = ann.post(f"/cases/{case.pk}/disputes/new/", {"reason": "I never took this loan."}, HTTP_HX_REQUEST="true")

    dispute = Dispute.objects.get()
    assert opened.status_code == 200 and opened["HX-Trigger"] == "contact-changed"
    assert "Collection on this debt holds until the verification is recorded" in opened.content.decode()
    assert (dispute.status, dispute.via, dispute.case, dispute.opened_by) == ("open", "agent", case, floor.ann.user)
    assert AuditEntry.objects.filter(action="dispute.open").count() == 1
    placed = call(case, floor.ann.user)
    assert 'data-reason="dispute"' in placed and first_phone(case).number not in placed
    panel = ann.get(f"/cases/{case.pk}/disputes/", HTTP_HX_REQUEST="true").content.decode()
    assert f'data-dispute="{dispute.pk}" data-status="open"' in panel and "Open the dispute" not in panel


def test_a_dispute_without_words_is_shown_again_and_nothing_is_opened(floor: Floor) -> None:
    case = open_case(floor.ann)

    response = login(floor.ann.user).post(f"/cases/{case.pk}/disputes/new/", {"reason": " "}, HTTP_HX_REQUEST="true")

    assert response.status_code == 400 and "Say what the borrower disputes." in response.content.decode()
    assert not Dispute.objects.exists()


def test_the_lead_upholds_it_with_a_correction_the_fee_is_taken_off_and_the_call_goes_through(floor: Floor) -> None:
    case = open_case(floor.ann)
    dispute = disputed(case)
    lead = login(floor.lead)
    page = lead.get(f"/disputes/{dispute.pk}/").content.decode()
    assert 'id="dispute-resolve"' in page and "Fee charged twice." in page

    resolved = lead.post(f"/disputes/{dispute.pk}/resolve/", {
        "outcome": "upheld", "verification": "Billing checked: the fee was charged twice.",
        "seq_0": "1", "component_0": "fee", "amount_0": "25.00",
    })  # fmt: skip

    dispute.refresh_from_db()
    assert resolved.status_code == 302 and resolved["Location"] == f"/disputes/{dispute.pk}/"
    assert (dispute.status, dispute.resolved_by, dispute.verification) == (
        "upheld", floor.lead, "Billing checked: the fee was charged twice.")
    assert Installment.objects.get(loan=case.account).fee_due == Decimal("0.00")
    entry = AuditEntry.objects.get(action="dispute.upheld")
    assert entry.after["corrections"] == [{"seq": 1, "component": "fee", "amount": "25.00"}]
    shown = lead.get(f"/disputes/{dispute.pk}/").content.decode()
    assert "Installment 1, Fee: 25.00 taken off" in shown and 'id="dispute-resolve"' not in shown
    placed = call(case, floor.ann.user)
    assert 'data-reason="dispute"' not in placed and first_phone(case).number in placed


def test_a_supervisor_rejects_it_from_the_queue_and_collection_resumes(floor: Floor) -> None:
    case = open_case(floor.ann)
    dispute = disputed(case)
    sue = UserFactory(username="sue")
    sue.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    queue = login(sue).get("/complaints/").content.decode()
    assert f'data-dispute="{dispute.pk}"' in queue and f'href="/disputes/{dispute.pk}/"' in queue

    login(sue).post(f"/disputes/{dispute.pk}/resolve/", {"outcome": "rejected", "verification": "Contract sent."})

    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolved_by) == ("rejected", sue)
    assert Installment.objects.get(loan=case.account).fee_due == Decimal("25.00")
    assert f'data-dispute="{dispute.pk}"' not in login(sue).get("/complaints/").content.decode()
    assert first_phone(case).number in call(case, floor.ann.user)


def test_a_rejection_with_a_correction_or_no_verification_is_refused_and_the_hold_stays(floor: Floor) -> None:
    case = open_case(floor.ann)
    dispute = disputed(case)
    lead = login(floor.lead)

    corrected = lead.post(f"/disputes/{dispute.pk}/resolve/", {"outcome": "rejected", "verification": "Checked.",
                          "seq_0": "1", "component_0": "fee", "amount_0": "25.00"})  # fmt: skip
    unverified = lead.post(f"/disputes/{dispute.pk}/resolve/", {"outcome": "rejected", "verification": ""})
    too_much = lead.post(f"/disputes/{dispute.pk}/resolve/", {"outcome": "upheld", "verification": "Checked.",
                         "seq_0": "1", "component_0": "fee", "amount_0": "30.00"})  # fmt: skip

    assert corrected.status_code == 400 and "Only an upheld dispute corrects the debt." in corrected.content.decode()
    assert unverified.status_code == 400 and "Record the verification" in unverified.content.decode()
    assert too_much.status_code == 400 and "Only 25.00 of it is unpaid." in too_much.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == "open" and Installment.objects.get(loan=case.account).fee_due == Decimal("25.00")
    assert 'data-reason="dispute"' in call(case, floor.ann.user)


def test_the_agent_reads_the_dispute_but_may_not_resolve_it_and_another_team_is_told_nothing(floor: Floor) -> None:
    case = open_case(floor.ann)
    dispute = disputed(case)

    page = login(floor.ann.user).get(f"/disputes/{dispute.pk}/")
    by_agent = login(floor.ann.user).post(f"/disputes/{dispute.pk}/resolve/", {"outcome": "rejected", "verification": "x"})
    other_page = login(floor.other_lead).get(f"/disputes/{dispute.pk}/")
    by_other = login(floor.other_lead).post(f"/disputes/{dispute.pk}/resolve/",
                                            {"outcome": "rejected", "verification": "x"})  # fmt: skip

    assert page.status_code == 200 and 'id="dispute-resolve"' not in page.content.decode()
    assert (by_agent.status_code, other_page.status_code, by_other.status_code) == (403, 404, 404)
    dispute.refresh_from_db()
    assert dispute.status == "open"
