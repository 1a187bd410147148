"""An agent's run through a case in a browser: a promise-to-pay outcome offers the promise form once,
"Next case" after the last case says so, and no table spills out of its panel at 1024 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from collections_app import roles
from collections_app.services import clock
from collections_app.services.promise_policy import promise_policies_ensure
from scheduling.presets import presets_ensure
from tests.browser.screens import log_in
from tests.collections_app.contact_fixtures import MORNING, dispositions_ensure, open_case
from tests.collections_app.extension_book import user_with_role
from tests.factories import make_agent, make_team

pytestmark = pytest.mark.browser

# Tables (and buttons) that end past the right edge of their panel, unless inside a frame that scrolls.
PANEL_OVERFLOW_JS = """
() => {
  const out = [];
  for (const panel of document.querySelectorAll('main .panel')) {
    const edge = panel.getBoundingClientRect().right;
    for (const el of panel.querySelectorAll('table, button, input, select')) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || el.closest('.table-wrap')) continue;
      if (box.right > edge + 1) out.push(`${el.tagName.toLowerCase()}.${el.className} in ${panel.id || panel.className} ends ${Math.round(box.right - edge)}px past it`);
    }
  }
  return out;
}
"""


@pytest.fixture
def desk(monkeypatch):  # type: ignore[no-untyped-def]
    presets_ensure()
    dispositions_ensure()
    promise_policies_ensure()
    team = make_team("M1 Team", ["M1"])
    ann = make_agent(team, "ann")
    lee = user_with_role("lee", roles.TEAM_LEAD)
    team.lead = lee
    team.save()
    monkeypatch.setattr(clock, "now", lambda: MORNING)
    return {"team": team, "ann": ann, "lee": lee}


def settled(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def test_a_promise_to_pay_outcome_offers_the_promise_form_once(desk, browser_page, live_server, screenshot):
    case = open_case(desk["ann"])
    page = browser_page
    log_in(page, live_server, "ann")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator(".promise-form:visible")).to_have_count(1)

    page.locator("#compliance-panel").get_by_role("button", name=re.compile("^Call")).click()
    page.get_by_label("Outcome").select_option(label="Right-party contact - promise to pay")
    page.get_by_label(re.compile("^Talk time")).fill("3:00")
    page.get_by_role("button", name="Save outcome").click()
    expect(page.locator("#call-area")).to_contain_text("Call logged")
    follow_up = page.locator("[data-follow-up='promise']")
    expect(follow_up.locator(".promise-form")).to_be_visible()
    settled(page)

    expect(page.locator(".promise-form:visible")).to_have_count(1)
    expect(page.locator(".promise-panel[data-slot='screen']")).to_contain_text("Record the promise in the call's follow-up above.")
    screenshot(page, "promise-form-once")


def test_next_case_after_the_last_one_says_the_queue_is_done(desk, browser_page, live_server):
    first, last = open_case(desk["ann"]), open_case(desk["ann"])
    page = browser_page
    log_in(page, live_server, "ann")

    page.goto(f"{live_server.url}/queue/next/")
    opened = [page.url]
    page.get_by_role("link", name=re.compile("^Next case")).click()
    expect(page).not_to_have_url(opened[0])
    opened.append(page.url)
    assert {int(re.search(r"/cases/(\d+)/", url).group(1)) for url in opened} == {first.pk, last.pk}  # type: ignore[union-attr]
    page.get_by_role("link", name=re.compile("^Next case")).click()

    expect(page).to_have_url(re.compile(r"/queue/$"))
    expect(page.locator(".messages")).to_contain_text("That was the last case of your queue: you are back at the queue.")


@pytest.mark.parametrize("width", [1024, 1440])
def test_no_table_or_button_spills_out_of_its_panel(desk, browser_page, live_server, width):
    from tests.collections_app.promise_book import promise

    case = open_case(desk["ann"], phones=3)
    promise(case, (MORNING.date().replace(day=10), "50.00"), today=MORNING.date())
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, "lee")

    for language in ("en", "zh-hans"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        for path in (f"/cases/{case.pk}/", f"/teams/{desk['team'].pk}/", "/promises/pipeline/"):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            assert page.evaluate(PANEL_OVERFLOW_JS) == [], (path, language, width)


def test_an_agent_works_a_case_from_the_keyboard_and_the_help_lists_the_keys(desk, browser_page, live_server, screenshot):
    case, other = open_case(desk["ann"]), open_case(desk["ann"])
    page = browser_page
    log_in(page, live_server, "ann")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("#compliance-panel")).to_contain_text("Callable now")

    page.keyboard.press("?")
    help_ = page.locator("#shortcuts")
    expect(help_).to_be_visible()
    for line in ("Call the first number allowed now", "Go to the call's outcome", "Go to the promise to pay",
                 "Next case in my queue"):
        expect(help_).to_contain_text(line)
    screenshot(page, "keyboard-help")
    page.keyboard.press("Escape")
    expect(help_).to_be_hidden()

    page.keyboard.press("c")
    expect(page.locator(".dial-number")).to_be_visible()
    page.keyboard.press("o")
    expect(page.get_by_label("Outcome")).to_be_focused()
    page.get_by_label("Outcome").select_option(label="Right-party contact - promise to pay")
    page.get_by_label(re.compile("^Talk time")).fill("2:00")
    page.get_by_role("button", name="Save outcome").click()
    expect(page.locator("[data-follow-up='promise'] .promise-form")).to_be_visible()
    settled(page)
    page.locator("body").click(position={"x": 5, "y": 5})  # leave the form: keys act on the screen
    page.keyboard.press("p")
    expect(page.locator("[data-follow-up='promise'] .promise-form input:not([type=hidden])").first).to_be_focused()

    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(rf"/cases/({other.pk}|{case.pk})/$"))
    expect(page).not_to_have_url(re.compile(rf"/cases/{case.pk}/$"))


def test_the_keyboard_help_speaks_chinese_and_fits(desk, browser_page, live_server):
    case = open_case(desk["ann"])
    page = browser_page
    log_in(page, live_server, "ann")
    for width in (1024, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
        page.goto(f"{live_server.url}/cases/{case.pk}/")
        page.keyboard.press("?")
        help_ = page.locator("#shortcuts")
        expect(help_).to_be_visible()
        words = re.findall(r"[A-Za-z]{3,}", help_.inner_text())
        assert set(words) <= {"Enter", "Esc"}, words
        box = help_.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
