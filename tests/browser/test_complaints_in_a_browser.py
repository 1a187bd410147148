"""Complaints and call review in a browser: an agent logs a complaint from the account screen and the
Call button is refused with ``complaint_open``; a supervisor resolves it from the complaints queue and
the call is allowed again; the supervisor then scores the call the complaint named, sampled for review.

The screens read ``collections_app.services.clock.now``; the test stands it on a Tuesday afternoon
in New York, inside every calling window.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from collections_app import roles
from collections_app.models import Complaint, QaReview
from collections_app.services import clock
from collections_app.services.quality import qa_sample_build
from scheduling.presets import presets_ensure
from tests.browser.screens import check_screen
from tests.browser.test_calls_in_a_browser import settled
from tests.browser.test_portfolio_in_a_browser import log_in
from tests.collections_app.complaint_fixtures import complaint_presets_ensure
from tests.collections_app.contact_fixtures import NY, dispositions_ensure, first_phone, local, open_case
from tests.factories import UserFactory, make_agent, make_team
from tests.quality.quality_fixtures import WEEK, call, scorecard_presets_ensure

pytestmark = pytest.mark.browser

AFTERNOON = local(NY, 2026, 4, 7, 15)
COMPLAINT_OPEN = "A complaint about the collection of this debt is open: no contact until it is resolved."


def test_an_agent_logs_a_complaint_that_holds_calls_until_a_supervisor_resolves_it_and_scores_the_call(
    browser_page, live_server, screenshot, monkeypatch
):
    presets_ensure()
    dispositions_ensure()
    complaint_presets_ensure()
    scorecard_presets_ensure()
    groups = roles.roles_ensure()
    ann = make_agent(make_team("M1 Team", ["M1"]), "ann")
    sue = UserFactory(username="sue")
    sue.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    assert groups
    case = open_case(ann)
    phone = first_phone(case)
    earlier = call(ann, case, talk_seconds=0)  # this morning's call, no answer: no cool-down
    monkeypatch.setattr(clock, "now", lambda: AFTERNOON)
    page = browser_page

    # Ann, on the account screen: callable now; she logs the borrower's complaint about the last call.
    log_in(page, live_server, "ann")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("#compliance-panel")).to_contain_text("Callable now")
    complaints = page.locator("#complaints-panel")
    expect(complaints).to_contain_text("No complaint on this case.")
    complaints.get_by_label("What about").select_option(label="Communication tactics (holds collection)")
    complaints.get_by_label("Received through").select_option(label="Phone call")
    complaints.get_by_label("What the borrower says").fill("The agent shouted at me this morning.")
    about_the_call = complaints.get_by_label(re.compile("About the last call"))
    # The box sits at the start of its own line of text, not alone on a line above it.
    box = about_the_call.bounding_box()
    line = complaints.locator("label", has_text="About the last call").bounding_box()
    assert box is not None and line is not None, (box, line)
    assert line["y"] <= box["y"] + box["height"] / 2 <= line["y"] + line["height"], (box, line)
    about_the_call.check()
    complaints.get_by_role("button", name="Log the complaint").click()

    # The panel lists it with its status and deadline; the compliance panel refreshes with the hold.
    expect(complaints).to_contain_text("It holds collection on this debt until it is resolved")
    row = complaints.locator("[data-complaint]")
    expect(row).to_contain_text("Communication tactics")
    expect(row).to_contain_text("Received")
    expect(row).to_contain_text("by the end of Wed 2026-04-08")  # acknowledged within one business day
    expect(page.locator("#compliance-panel")).to_contain_text(COMPLAINT_OPEN)
    screenshot(page, "complaint-logged")
    settled(page)
    page.locator("#compliance-panel").get_by_role("button", name=re.compile("^Call")).click()
    refusal = page.locator("#call-area .call-refused")
    expect(refusal).to_contain_text("Call refused")
    expect(refusal.locator('[data-reason="complaint_open"]')).to_have_text(COMPLAINT_OPEN)
    expect(page.locator("body")).not_to_contain_text(phone.number)
    complaint = Complaint.objects.get()
    assert list(complaint.attempts.all()) == [earlier] and complaint.agent_id == ann.user_id

    # Sue, the supervisor: the complaints queue from the menu, whole at 1024 and 1440 px in both
    # languages (nothing left in English but the data); she resolves it.
    page.context.clear_cookies()
    log_in(page, live_server, "sue")
    data = [case.account.external_id, "ann", "sue", "The agent shouted at me this morning."]
    check_screen(page, live_server, "/complaints/", "complaint-queue", allowed=data, screenshot=screenshot)
    page.goto(f"{live_server.url}/today/")
    page.locator("nav.mainnav").get_by_role("link", name="Complaints").click()
    expect(page).to_have_url(re.compile(r"/complaints/$"))
    queued = page.locator(f'[data-complaint="{complaint.pk}"]')
    expect(queued).to_contain_text(case.account.external_id)
    expect(queued).to_contain_text("ann")
    queued.get_by_label("Outcome").select_option(label="Upheld")
    queued.get_by_label("Root cause").select_option(label="Agent conduct")
    queued.get_by_label("What the borrower was answered").fill("Apologised; the agent is coached.")
    screenshot(page, "complaint-queue")
    queued.get_by_role("button", name="Resolve").click()
    expect(page.locator(".messages")).to_contain_text(f"Complaint {complaint.pk} resolved.")
    expect(page.locator("#complaint-queue")).to_contain_text("No open complaint.")

    # The week's sample takes the call the complaint named; Sue scores it from the reviewers' queue.
    qa_sample_build(week=WEEK)
    review = QaReview.objects.get(attempt=earlier)
    card = [review.scorecard.name, *(item.label for item in review.scorecard.items.all())]
    check_screen(page, live_server, "/reviews/", "review-queue", allowed=data, screenshot=screenshot)
    check_screen(page, live_server, f"/reviews/{review.pk}/", "review", allowed=[*data, *card], screenshot=screenshot)
    page.goto(f"{live_server.url}/today/")
    page.locator("nav.mainnav").get_by_role("link", name="Call reviews").click()
    expect(page).to_have_url(re.compile(r"/reviews/$"))
    waiting = page.locator(f'[data-review="{review.pk}"]')
    expect(waiting).to_contain_text("ann")
    waiting.get_by_role("link", name="Review").click()
    expect(page).to_have_url(re.compile(rf"/reviews/{review.pk}/$"))
    for item in page.locator("#review-form [data-item]").all():
        item.get_by_label("Met", exact=True).check()
    page.get_by_label("Coaching note for the agent").fill("Keep a calm tone, even when the borrower is upset.")
    page.get_by_role("button", name="Save the review").click()
    expect(page).to_have_url(re.compile(r"/reviews/$"))
    expect(page.locator("#reviews-scored")).to_contain_text("ann")
    screenshot(page, "review-scored")
    review.refresh_from_db()
    assert (review.status, review.reviewer_id) == ("scored", sue.pk)

    # Ann again: the hold is lifted and the call goes through, the number shown to dial.
    page.context.clear_cookies()
    log_in(page, live_server, "ann")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("#complaints-panel [data-complaint]")).to_contain_text("Resolved")
    expect(page.locator("#compliance-panel")).to_contain_text("Callable now")
    page.locator("#compliance-panel").get_by_role("button", name=re.compile("^Call")).click()
    expect(page.locator(".dial-number")).to_have_text(phone.number)

    # Her own complaints and the review of her call, with the coaching note, in the menu.
    page.locator("nav.mainnav").get_by_role("link", name="My complaints").click()
    mine = page.locator(f'#my-complaints [data-complaint="{complaint.pk}"]')
    expect(mine).to_contain_text("about your call")
    expect(mine).to_contain_text("Apologised; the agent is coached.")
    note = "Keep a calm tone, even when the borrower is upset."
    mine_data = [*data, "Apologised; the agent is coached.", note]
    check_screen(page, live_server, "/complaints/mine/", "my-complaints", allowed=mine_data, screenshot=screenshot)
    check_screen(page, live_server, "/reviews/", "my-reviews", allowed=mine_data, screenshot=screenshot)
    page.goto(f"{live_server.url}/reviews/")
    expect(page.locator("#my-reviews")).to_contain_text(note)
