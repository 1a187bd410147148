"""Disputes in a browser: an agent opens one from the account screen and the Call is refused with
``dispute``; the team lead opens it from the account screen, records the verification with the fee
charged twice taken off (the page whole at 1024 and 1440 px in both languages), and the call is
allowed again.

The screens read ``collections_app.services.clock.now``; the test stands it on a Tuesday afternoon
in New York, inside every calling window.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import Installment
from collections_app import roles
from collections_app.models import Dispute
from collections_app.services import clock
from scheduling.presets import presets_ensure
from tests.browser.screens import check_screen
from tests.browser.test_calls_in_a_browser import settled
from tests.browser.test_portfolio_in_a_browser import log_in
from tests.collections_app.contact_fixtures import NY, dispositions_ensure, first_phone, local, open_case
from tests.collections_app.extension_book import user_with_role
from tests.factories import make_agent, make_team

pytestmark = pytest.mark.browser

AFTERNOON = local(NY, 2026, 4, 7, 15)
DISPUTED = "The debt is disputed: collection is paused until it is verified."


def test_an_agent_opens_a_dispute_that_holds_calls_until_the_lead_records_the_verification(
    browser_page, live_server, screenshot, monkeypatch
):
    presets_ensure()
    dispositions_ensure()
    roles.roles_ensure()
    team = make_team("M1 Team", ["M1"])
    ann = make_agent(team, "ann")
    lee = user_with_role("lee", roles.TEAM_LEAD)
    team.lead = lee
    team.save()
    case = open_case(ann)
    Installment.objects.create(loan=case.account, seq=1, due_date=dt.date(2026, 3, 1), principal_due=Decimal("200.00"),
                               fee_due=Decimal("25.00"))  # fmt: skip
    phone = first_phone(case)
    monkeypatch.setattr(clock, "now", lambda: AFTERNOON)
    page = browser_page

    # Ann, on the account screen: the borrower disputes the fee; she opens a dispute.
    log_in(page, live_server, "ann")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("#compliance-panel")).to_contain_text("Callable now")
    disputes = page.locator("#disputes-panel")
    expect(disputes).to_contain_text("No dispute on this debt.")
    disputes.get_by_label("What the borrower disputes").fill("The late fee was charged twice.")
    disputes.get_by_role("button", name="Open the dispute").click()
    expect(disputes).to_contain_text("Collection on this debt holds until the verification is recorded")
    expect(disputes.locator('[data-dispute][data-status="open"]')).to_contain_text("holds collection")
    expect(page.locator("#compliance-panel")).to_contain_text("Disputes the debt: collection paused until it is verified.")
    settled(page)
    page.locator("#compliance-panel").get_by_role("button", name=re.compile("^Call")).click()
    refusal = page.locator("#call-area .call-refused")
    expect(refusal).to_contain_text("Call refused")
    expect(refusal.locator('[data-reason="dispute"]')).to_have_text(DISPUTED)
    dispute = Dispute.objects.get()

    # Lee, the team lead: from the account screen to the dispute's page; he upholds it, the fee off.
    page.context.clear_cookies()
    log_in(page, live_server, "lee")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.locator("#disputes-panel").get_by_role("link", name="Verify").click()
    expect(page).to_have_url(re.compile(rf"/disputes/{dispute.pk}/$"))
    data = [case.account.external_id, "ann", "lee", "The late fee was charged twice."]
    check_screen(page, live_server, f"/disputes/{dispute.pk}/", "dispute", allowed=data, screenshot=screenshot)
    page.goto(f"{live_server.url}/disputes/{dispute.pk}/")
    form = page.locator("#dispute-resolve")
    form.get_by_label("Outcome").select_option(label="Upheld: correct the debt")
    form.get_by_label(re.compile("^Verification")).fill("Billing checked: the late fee was charged twice.")
    row = form.locator('[data-correction="0"]')
    row.get_by_label("Installment").select_option("1")
    row.get_by_label("Component").select_option(label="Fee")
    row.get_by_label("Amount taken off").fill("25.00")
    form.get_by_role("button", name="Resolve the dispute").click()
    expect(page.locator(".messages")).to_contain_text(f"Dispute {dispute.pk} resolved")
    expect(page.locator("#dispute-summary")).to_contain_text("Upheld")
    expect(page.locator("#dispute-summary")).to_contain_text("Installment 1, Fee: 25.00 taken off")
    expect(page.locator('#dispute-schedule [data-seq="1"] [data-component="fee"]')).to_contain_text("0.00")
    expect(page.locator("#dispute-resolve")).to_have_count(0)
    screenshot(page, "dispute-resolved")

    # Ann again: the hold is lifted and the call goes through, the number shown to dial.
    page.context.clear_cookies()
    log_in(page, live_server, "ann")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator('#disputes-panel [data-dispute][data-status="upheld"]')).to_be_visible()
    expect(page.locator("#compliance-panel")).to_contain_text("Callable now")
    page.locator("#compliance-panel").get_by_role("button", name=re.compile("^Call")).click()
    expect(page.locator(".dial-number")).to_have_text(phone.number)
