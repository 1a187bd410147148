"""What every screen a lead or supervisor uses must hold in a browser: it fits at 1024 and 1440 pixels
wide (nothing sticks out of the window or its panel; wide tables scroll inside their frame), and in
Chinese no English is left but the data (account ids, names, codes, and the text a borrower reads in
their own language, marked ``translate="no"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

WIDTHS = (1024, 1440)
# Codes and units that read the same in both languages, the language switch's own "English", and STOP,
# the word a borrower texts to opt out (the Chinese definitions of the message figures quote it).
SHARED_WORDS = {
    "English", "USD", "CNY", "DPD", "UTC", "CSV", "PTP", "SOP", "RPC", "PAID", "SETTLED", "Collections", "Workbench",
    "STOP",
}  # fmt: skip

OVERFLOW_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('main button, main input, main select, main a.button, main .panel, main h1, main h2, header *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || el.closest('.table-wrap')) continue;  // hidden, or inside a frame that scrolls
    if (box.right > width + 1) out.push(`${el.tagName.toLowerCase()}.${el.className} "${(el.innerText || el.value || '').slice(0, 40)}" ends at ${Math.round(box.right)}`);
  }
  if (document.documentElement.scrollWidth > width + 1) out.push(`page ${document.documentElement.scrollWidth} wide`);
  return out;
}
"""


def log_in(page: Any, live_server: Any, username: str, password: str = "pw-secret-123") -> None:
    # Leave the last page first: a request of its scripts (htmx) answered after the login page would
    # set another CSRF cookie than the form's token, and the login would be refused (403).
    page.goto("about:blank")
    page.goto(f"{live_server.url}/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("button.primary[type=submit]").click()
    # A live server's first page can take a while on a loaded CI machine (the static files, the first
    # queries): 30 s, not Playwright's 10 s, before the login counts as failed.
    page.wait_for_url(re.compile(r"^(?!.*/login/).*$"), timeout=30_000)


def set_language(page: Any, live_server: Any, code: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": code, "url": live_server.url}])


def overflowing(page: Any) -> list[str]:
    return page.evaluate(OVERFLOW_JS)


# The visible text but what is marked as not to translate (``translate="no"``: the text a borrower
# reads in their own language, as a message's preview and its body in the history).
TRANSLATED_TEXT_JS = """
() => {
  const kept = [...document.querySelectorAll('[translate="no"]')].map(el => [el, el.style.display]);
  kept.forEach(([el]) => { el.style.display = 'none'; });
  const text = document.body.innerText;
  kept.forEach(([el, display]) => { el.style.display = display; });
  return text;
}
"""


def english_left(page: Any, allowed: Iterable[str] = ()) -> list[str]:
    """Latin words of three letters or more in the visible text that are neither data nor shared codes
    (codes written in snake_case, as a template's, are data)."""
    text = page.evaluate(TRANSLATED_TEXT_JS)
    for value in sorted(allowed, key=len, reverse=True):
        text = text.replace(value, " ")
    text = re.sub(r"\b\w+_\w+\b", " ", text)
    words = re.findall(r"[A-Za-z][A-Za-z'’]{2,}", text)
    return sorted({word for word in words if word not in SHARED_WORDS})


def check_screen(
    page: Any, live_server: Any, path: str, name: str, *, allowed: Iterable[str] = (),
    screenshot: Callable[[Any, str], None] | None = None, ready: Callable[[Any], None] | None = None,
) -> None:
    """Open ``path`` in English and Chinese at both widths: no overflow, and no English left in Chinese."""
    allowed = list(allowed)
    try:
        for language in ("en", "zh-hans"):
            set_language(page, live_server, language)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(f"{live_server.url}{path}")
                if ready:
                    ready(page)
                sticking_out = overflowing(page)
                assert sticking_out == [], (name, language, width, sticking_out)
                if language == "zh-hans":
                    left = english_left(page, allowed)
                    text = page.evaluate(TRANSLATED_TEXT_JS) if left else ""
                    around = [text[max(0, at - 80) : at + 40] for at in (text.find(word) for word in left)]
                    assert left == [], (name, width, left, around)
                if screenshot:
                    screenshot(page, f"{name}-{language}-{width}")
    finally:
        set_language(page, live_server, "en")
        page.set_viewport_size({"width": 1280, "height": 800})


def book_words() -> list[str]:
    """The book's own data as it appears on the screens (borrowers' names and ids, account ids, users,
    teams), which stays as it is in Chinese."""
    from django.contrib.auth.models import User

    from accounts.models import Borrower, LoanAccount
    from collections_app.models import Team

    words = [*Borrower.objects.values_list("name", flat=True), *Borrower.objects.values_list("external_id", flat=True)]
    words += LoanAccount.objects.values_list("external_id", flat=True)
    words += User.objects.values_list("username", flat=True)
    words += Team.objects.values_list("name", flat=True)
    return [word for word in words if word]
